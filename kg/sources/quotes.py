"""Every evidence quote against the source text it was taken from.

An evidence annotation (``oa:Annotation``) targets a part of a source document: an
``oa:SpecificResource`` whose ``oa:hasSource`` is the document (found in the corpus folder by its
``dcterms:identifier``, the file name) and whose selectors say which part. :func:`check_quotes`
reads each annotation's selectors and the text of its document and returns what does not hold, as
:class:`QuoteProblem` values a command prints one per line.

A quote is anchored (:mod:`kg.sources.anchoring`) when its ``oa:TextQuoteSelector`` also has the
text just before and after it (``oa:prefix``, ``oa:suffix``) and a ``oa:TextPositionSelector``
says where it stands (``oa:start``, ``oa:end``): then the check holds each of these to the text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from kg.rdf.namespaces import OA
from kg.sources.anchoring import normalise, selects

MAX_QUOTE = 400
"""The longest quote, in characters: evidence is a passage, not the article."""


@dataclass(frozen=True)
class QuoteProblem:
    """What is wrong with one annotation's quote (``annotation`` is its IRI, or the blank node's
    label), in the document ``document`` (a file name, or None when the annotation names none)."""

    annotation: str
    document: str | None
    message: str

    def __str__(self) -> str:
        where = f" ({self.document})" if self.document else ""
        return f"{self.annotation}{where}: {self.message}"


@dataclass(frozen=True)
class Quote:
    """One annotation's quote and its anchoring, as the graph holds them: each value None unless
    the annotation's selectors hold exactly one of it (a position None too when not an integer)."""

    annotation: Node
    source: Node | None
    document: str | None
    exact: str | None
    prefix: str | None = None
    suffix: str | None = None
    start: int | None = None
    end: int | None = None

    @property
    def anchored(self) -> bool:
        """Whether the quote has all of its anchoring: prefix, suffix, start and end."""
        return None not in (self.prefix, self.suffix, self.start, self.end)


def quotes(graph: Graph) -> Iterator[Quote]:
    """Each annotation's quote in ``graph``, in the order of the annotations' IRIs."""
    for annotation in sorted(set(graph.subjects(RDF.type, OA.Annotation)), key=str):
        for target in graph.objects(annotation, OA.hasTarget):
            source = graph.value(target, OA.hasSource)
            document = graph.value(source, DCTERMS.identifier) if source is not None else None
            selectors = list(graph.objects(target, OA.hasSelector))

            def one(prop: URIRef, selectors: list[Node] = selectors) -> Node | None:
                values = [v for selector in selectors for v in graph.objects(selector, prop)]
                return values[0] if len(values) == 1 else None

            exact, prefix, suffix = one(OA.exact), one(OA.prefix), one(OA.suffix)
            yield Quote(
                annotation,
                source,
                None if document is None else str(document),
                None if exact is None else str(exact),
                None if prefix is None else str(prefix),
                None if suffix is None else str(suffix),
                _integer(one(OA.start)),
                _integer(one(OA.end)),
            )


def check_quotes(graph: Graph, corpus: Path) -> list[QuoteProblem]:
    """What does not hold of the quotes in ``graph`` against the texts in the folder ``corpus``:
    a document that names no file or whose file is missing, an annotation with no quote or more
    than one, a quote longer than :data:`MAX_QUOTE`, a quote not found in its text, a quote not
    anchored, and an anchoring the text does not bear out (:func:`anchoring_problem`)."""
    problems: list[QuoteProblem] = []
    texts: dict[str, str | None] = {}
    for quote in quotes(graph):
        name = _name(quote.annotation)

        def problem(message: str, quote: Quote = quote, name: str = name) -> None:
            problems.append(QuoteProblem(name, quote.document, message))

        if quote.document is None:
            problem("its target names no source document with a dcterms:identifier")
            continue
        if quote.exact is None:
            problem("its target has no single oa:exact quote")
            continue
        if quote.document not in texts:
            texts[quote.document] = read_source(corpus / quote.document)
        text = texts[quote.document]
        if text is None:
            problem(f"the source text is not in {corpus}")
        elif len(quote.exact) > MAX_QUOTE:
            problem(f"the quote has {len(quote.exact)} characters (at most {MAX_QUOTE})")
        elif normalise(quote.exact) not in normalise(text):
            problem(f"the quote is not in the text: {quote.exact!r}")
        elif (wrong := anchoring_problem(quote, text)) is not None:
            problem(wrong)
    return problems


def anchoring_problem(quote: Quote, text: str) -> str | None:
    """What is wrong with the anchoring of ``quote`` (whose ``exact`` is set) in ``text``, or None:
    not anchored; a position outside the text or whose slice is not the quote; a prefix or a
    suffix that is not the text around that position; or a quote selector (quote, prefix,
    suffix) that selects no place or several."""
    exact, prefix, suffix, start, end = (
        quote.exact,
        quote.prefix,
        quote.suffix,
        quote.start,
        quote.end,
    )
    if exact is None or prefix is None or suffix is None or start is None or end is None:
        return "not anchored: run kg sources anchor"
    if not 0 <= start < end <= len(text):
        return f"the position {start}-{end} is not within the text (0-{len(text)})"
    if normalise(text[start:end]) != normalise(exact):
        return f"the text at {start}-{end} is not the quote: {text[start:end]!r}"
    if not text.endswith(prefix, 0, start):
        return f"the oa:prefix is not the text before {start}: {prefix!r}"
    if not text.startswith(suffix, end):
        return f"the oa:suffix is not the text after {end}: {suffix!r}"
    places = len(selects(text, exact, prefix, suffix))
    if places != 1:
        return f"the quote selector (quote, prefix, suffix) selects {places} places, not one"
    return None


def read_source(path: Path) -> str | None:
    """A source text as its positions count: the file's bytes decoded as UTF-8, line ends as
    they are (no newline translation); None when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _integer(node: Node | None) -> int | None:
    """An integer literal's value; None for anything else."""
    value = node.toPython() if isinstance(node, Literal) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else f"_:{node}"
