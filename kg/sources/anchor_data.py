"""Anchor every evidence quote of a project's curated data, editing the Turtle text in place.

The curated files are written by hand: their comments, order and layout are part of them, so
the anchoring is added to the text rather than the graph serialised again. Each annotation's
quote selector, written as ::

    oa:hasSelector [ a oa:TextQuoteSelector ;
        oa:exact "…" ] ] .

gains its prefix and suffix and is followed by a position selector::

    oa:hasSelector [ a oa:TextQuoteSelector ;
        oa:exact "…" ;
        oa:prefix "…" ;
        oa:suffix "…" ] ,
      [ a oa:TextPositionSelector ;
        oa:start 1234 ;
        oa:end 1290 ] ] .

Offsets are plain integer literals (``xsd:integer``), not ``xsd:nonNegativeInteger`` as the Web
Annotation vocabulary's range has it: Oxigraph, which loads the data for the build, stores every
integer as an ``xsd:integer`` ("1"^^xsd:nonNegativeInteger comes out as 1), so the shapes ask for
an ``xsd:integer`` of at least 0, which holds in the Turtle and in the store alike. Every edit is made
and checked (the edited text parsed again must hold the old graph's triples and exactly the new
selectors' ones) before any file is written, so a run writes every file it changes or none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef

from kg.fsutil import atomic_write
from kg.rdf.namespaces import OA
from kg.sources.anchoring import AmbiguousQuote, Anchor, AnchorError, anchor
from kg.sources.quotes import Quote, quotes, read_source
from kg.store.terms import quoted_string

NEW_TRIPLES = 6
"""Triples one anchoring adds: prefix, suffix, the second oa:hasSelector, its type, start, end."""

_STRING = r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
_EXACT = re.compile(r"([ \t]*)oa:exact\s+(?:" + _STRING + r")([ \t]*)\]")
_PREFIX = re.compile(r"(?m)^\s*@?prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


class AnchoringFailed(AnchorError):
    """The run cannot anchor the data: a quote not in its text, a missing text, or a file whose
    layout it cannot edit. Nothing was written; the message (one line) names the annotation."""


@dataclass(frozen=True)
class Ambiguous:
    """An annotation whose quote occurs more than once in its text, with the occurrences to
    choose from (``choose`` maps its IRI to one, counted from 1)."""

    annotation: str
    document: str
    error: AmbiguousQuote

    def __str__(self) -> str:
        return f"{self.annotation} ({self.document}): {self.error}"


@dataclass
class AnchorReport:
    """What a run did: the files it wrote, the annotations it anchored (IRIs), and the
    annotations it could not anchor without a choice. When ``ambiguous`` is not empty nothing
    was written."""

    files_changed: list[Path] = field(default_factory=list)
    anchored: list[str] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)


def anchor_project(
    root: Path, corpus: Path, choose: Mapping[str, int] | None = None
) -> AnchorReport:
    """Add the anchoring to every annotation in ``root/data/*.ttl`` that lacks it, with the
    source texts in ``corpus``. ``choose`` maps an annotation's IRI to the occurrence of its
    quote to anchor when the quote occurs more than once. Running it again changes nothing.

    Raises :class:`AnchoringFailed` (nothing written) for a quote that cannot be anchored. When
    a quote is ambiguous and not chosen, the report lists it and nothing is written."""
    choose = choose or {}
    files = sorted((Path(root) / "data").glob("*.ttl"))
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    graphs = {path: Graph().parse(data=texts[path], format="turtle") for path in files}
    merged = Graph()
    for graph in graphs.values():
        merged += graph
    file_of = {
        annotation: path
        for path, graph in graphs.items()
        for annotation in graph.subjects(OA.hasTarget, None)
    }
    report = AnchorReport()
    anchors: dict[Path, dict[str, Anchor]] = {}
    sources: dict[str, str | None] = {}
    for quote in quotes(merged):
        if quote.anchored or not isinstance(quote.annotation, URIRef):
            continue
        name = str(quote.annotation)
        try:
            found = _anchor(quote, corpus, sources, choose.get(name))
        except AmbiguousQuote as error:
            report.ambiguous.append(Ambiguous(name, str(quote.document), error))
            continue
        except AnchorError as error:
            raise AnchoringFailed(f"{name} ({quote.document}): {error}") from None
        anchors.setdefault(file_of[quote.annotation], {})[name] = found
    if report.ambiguous:
        return report
    edited = {
        path: _edit(path, texts[path], graphs[path], found) for path, found in anchors.items()
    }
    for path, text in edited.items():
        with atomic_write(path) as handle:
            handle.write(text.encode("utf-8"))
    report.files_changed = sorted(edited)
    report.anchored = sorted(name for found in anchors.values() for name in found)
    return report


def _anchor(
    quote: Quote, corpus: Path, sources: dict[str, str | None], occurrence: int | None
) -> Anchor:
    """The anchor of one annotation's quote in its document's text."""
    if quote.document is None or quote.exact is None:
        raise AnchorError("its target has no single oa:exact quote in a document with a file name")
    if quote.document not in sources:
        sources[quote.document] = read_source(corpus / quote.document)
    text = sources[quote.document]
    if text is None:
        raise AnchorError(f"the source text is not in {corpus}")
    if None not in (quote.prefix, quote.suffix) or None not in (quote.start, quote.end):
        raise AnchorError("it is partly anchored: remove its oa:prefix/oa:suffix/position first")
    return anchor(text, quote.exact, occurrence=occurrence)


def _edit(path: Path, text: str, graph: Graph, found: dict[str, Anchor]) -> str:
    """``text`` (the Turtle file ``path``, parsed as ``graph``) with each annotation of
    ``found`` anchored, checked by parsing the result again."""
    spellings = _spellings(text)
    edits: list[tuple[int, int, str]] = []
    for name, where in found.items():
        match = _selector_end(text, name, spellings)
        if match is None:
            raise AnchoringFailed(
                f"{name} ({path.name}): no 'oa:exact \"…\" ]' after the annotation's subject;"
                " cannot add its anchoring to this layout"
            )
        edits.append((match.start(2), match.end(), _anchoring(match.group(1), where)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    _verify(path, text, graph, found)
    return text


def _spellings(text: str) -> dict[str, str]:
    """The file's prefixes, namespace IRI to prefix name."""
    return {namespace: name or "" for name, namespace in _PREFIX.findall(text)}


def _selector_end(text: str, name: str, spellings: dict[str, str]) -> re.Match[str] | None:
    """The annotation's ``oa:exact "…" ]``: the first after the annotation written as the
    subject of a statement (at the start of a line)."""
    forms = [f"<{name}>"] + [
        f"{prefix}:{name[len(ns) :]}" for ns, prefix in spellings.items() if name.startswith(ns)
    ]
    for form in forms:
        subject = re.search(r"(?m)^[ \t]*" + re.escape(form) + r"(?=[\s;,])", text)
        if subject is not None:
            return _EXACT.search(text, subject.end())
    return None


def _anchoring(indent: str, where: Anchor) -> str:
    """The text that closes the quote selector with its prefix and suffix and adds the position
    selector after it, indented as the ``oa:exact`` line."""
    outer = indent[:-2] if indent.endswith("  ") else indent
    return (
        f" ;\n{indent}oa:prefix {quoted_string(where.prefix)} ;"
        f"\n{indent}oa:suffix {quoted_string(where.suffix)} ] ,"
        f"\n{outer}[ a oa:TextPositionSelector ;"
        f"\n{indent}oa:start {where.start} ;"
        f"\n{indent}oa:end {where.end} ]"
    )


def _verify(path: Path, text: str, before: Graph, found: dict[str, Anchor]) -> None:
    """Refuse an edit whose text does not parse to the graph before it plus exactly the new
    selectors: the edit went somewhere the layout did not lead it to expect."""
    after = Graph().parse(data=text, format="turtle")
    held = {str(q.annotation): (q.prefix, q.suffix, q.start, q.end) for q in quotes(after)}
    ok = (
        len(after) == len(before) + NEW_TRIPLES * len(found)
        and all(t in after for t in before if not any(isinstance(n, BNode) for n in t))
        and all(
            held.get(name) == (where.prefix, where.suffix, where.start, where.end)
            for name, where in found.items()
        )
    )
    if not ok:
        raise AnchoringFailed(
            f"{path.name}: the edited text does not hold the anchoring as expected; nothing written"
        )
