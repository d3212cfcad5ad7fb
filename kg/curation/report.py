"""A :class:`kg.curation.diff.Diff` written for people: text for a terminal, Markdown for a
pull-request comment, JSON for a program.

Resources are named with their labels (``rdfs:label``/``skos:prefLabel``, English first, by the
one rule of :mod:`kg.rdf.labels`), looked up in the new side, then the old one, then the
working tree's ontology. An added or removed statement is summed up as who, stance, what and
when — ``(Russia, demands: direct negotiations, 2025-06-18)`` — and its quotes follow it; a
changed one lists each property as ``old → new`` (only the values that differ) and the quotes
it gained and lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.curation.diff import ADDED, CHANGED, KINDS, REMOVED, Change, Diff, Quote, Value, text_of
from kg.curation.sides import Index
from kg.rdf.labels import LABEL_PROPERTIES, best_label
from kg.rdf.namespaces import PT, compact

FORMATS = ("text", "json", "markdown")
SIGNS: dict[str | None, str] = {ADDED: "+", CHANGED: "~", REMOVED: "-"}
SHORTEST = 80
"""How many characters of a long literal (a comment) a line shows."""
NONE = "(none)"


class Labels:
    """Labels of resources, looked up in several indexes in turn (the first that names one)."""

    def __init__(self, indexes: Iterable[Index]) -> None:
        self.indexes = list(indexes)

    def __call__(self, node: Node) -> str | None:
        for index in self.indexes:
            properties = index.get(node, {})
            found = best_label(
                (p, label) for p in LABEL_PROPERTIES for label in properties.get(p, ())
            )
            if found is not None:
                return str(found)
        return None

    @classmethod
    def of(cls, diff: Diff, vocabulary: Index | None = None) -> Labels:
        new, old = diff.new, diff.old
        return cls([new.data, new.vocabulary, old.data, old.vocabulary, vocabulary or {}])

    def value(self, value: Value) -> str:
        """A value as a line shows it: a resource's label (else its prefixed name), a string in
        quotes, another literal as written, shortened to :data:`SHORTEST` characters."""
        if isinstance(value, URIRef):
            return self(value) or compact(value)
        if _is_text(value):
            return f'"{_short(str(value))}"'
        return _short(text_of(value))


def _short(text: str) -> str:
    return text if len(text) <= SHORTEST else text[: SHORTEST - 1] + "…"


def property_name(key: str) -> str:
    """A property key as a line names it: the ontology's own properties without ``pt:``."""
    return re.sub(r"(^| )pt:", r"\1", key)


def summary(diff: Diff) -> str:
    """The closing line: how many statements were added, changed and removed, and how many
    other resources differ."""
    counts = ", ".join(f"{diff.count(kind)} {kind}" for kind in KINDS)
    text = f"statements: {counts}" if diff.differs else "no statement differs"
    others = [c.kind for c in diff.resources]
    removed, added = diff.anonymous
    if others or removed or added:
        parts = [f"{others.count(kind)} {kind}" for kind in KINDS if kind in others]
        parts += [
            f"{n} blank node(s) {kind}" for n, kind in ((added, ADDED), (removed, REMOVED)) if n
        ]
        text += "; other resources: " + ", ".join(parts)
    return text


def render(diff: Diff, fmt: str, vocabulary: Index | None = None) -> str:
    """The diff in ``fmt`` (one of :data:`FORMATS`)."""
    labels = Labels.of(diff, vocabulary)
    writers: dict[str, Callable[[Diff, Labels], Iterator[str]]] = {
        "text": _text,
        "markdown": _markdown,
    }
    if fmt == "json":
        return json.dumps(as_json(diff, labels), ensure_ascii=False, indent=2)
    return "\n".join(writers[fmt](diff, labels))


# --- text -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How a format marks up a line: what starts the line of each kind of change and of a quote
    gained or lost (``None``: a quote of an added statement), a prefixed name, a label."""

    signs: Mapping[str | None, str]
    quote_signs: Mapping[str | None, str]
    code: Callable[[str], str]
    quoted: Callable[[str], str]


TEXT = Style(SIGNS, {None: "", ADDED: "+ ", REMOVED: "- "}, lambda s: s, lambda s: f'"{s}"')
MARKDOWN = Style(
    {kind: f"**{kind}**" for kind in KINDS},
    {None: "", ADDED: "added ", REMOVED: "removed "},
    lambda s: f"`{s}`",
    lambda s: f"*{s}*",
)


def _text(diff: Diff, labels: Labels) -> Iterator[str]:
    for change in diff.statements:
        yield _headline(change, labels, TEXT)
        for kind, quote in _quote_lines(change):
            exact = json.dumps(quote.exact, ensure_ascii=False)
            yield f"    {TEXT.quote_signs[kind]}quote ({quote.document}): {exact}"
    for change in diff.resources:
        yield _resource_line(change, labels, TEXT)
    yield summary(diff)


def _headline(change: Change, labels: Labels, style: Style) -> str:
    iri = style.code(compact(change.iri))
    if change.kind == CHANGED:
        changed = ";  ".join(
            f"{property_name(key)}: {_change(old, new, labels)}"
            for key, (old, new) in change.changes.items()
        )
        return f"{style.signs[CHANGED]} {iri}  {changed or 'evidence quotes'}"
    label = labels(change.iri)
    shown = f"  {style.quoted(label)}" if label else ""
    return f"{style.signs[change.kind]} {iri}{shown}  ({_gist(change, labels)})"


def _change(old: frozenset[Value], new: frozenset[Value], labels: Labels) -> str:
    """One property's change: ``old → new`` where each side holds one value at most (two texts
    from a little before where they first differ); else the values lost (−) and gained (+)."""
    if len(old) > 1 or len(new) > 1:
        lost = sorted(labels.value(v) for v in old - new)
        gained = sorted(labels.value(v) for v in new - old)
        return ", ".join([*(f"−{v}" for v in lost), *(f"+{v}" for v in gained)])
    before, after = next(iter(old), None), next(iter(new), None)
    if _is_text(before) and _is_text(after):
        a, b = _from_first_difference(str(before), str(after))
        return f'"{_short(a)}" → "{_short(b)}"'
    shown = [labels.value(v) if v is not None else NONE for v in (before, after)]
    return " → ".join(shown)


def _is_text(value: Value | None) -> bool:
    return isinstance(value, Literal) and value.datatype in (None, XSD.string)


CONTEXT = 20
"""How many characters before the first difference of two long texts a change shows."""


def _from_first_difference(a: str, b: str) -> tuple[str, str]:
    """Two texts from a little before where they first differ ("…" for what is left out)."""
    same = next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    if max(len(a), len(b)) <= SHORTEST or same <= CONTEXT:
        return a, b
    cut = same - CONTEXT
    return "…" + a[cut:], "…" + b[cut:]


def _gist(change: Change, labels: Labels) -> str:
    """Who (the party, else the speaker), the stance and what about, and when."""
    description = change.new or change.old
    assert description is not None
    props = description.properties

    def shown(key: str) -> str:
        return ", ".join(sorted(labels.value(v) for v in props.get(compact(PT[key]), ())))

    who = shown("onBehalfOf") or shown("speaker") or "no speaker"
    about = shown("about") or shown("reportsOn")
    what = f"{shown('stance')}: {about}" if shown("stance") else about
    return ", ".join(part for part in (who, what, shown("date") or "undated") if part)


def _quote_lines(change: Change) -> Iterator[tuple[str | None, Quote]]:
    """The quotes listed under a statement: all of an added one's (kind None), a changed one's
    gained (added) and lost (removed); none for a removed one."""
    if change.kind == ADDED:
        yield from ((None, quote) for quote in change.quotes_added)
    elif change.kind == CHANGED:
        yield from ((ADDED, quote) for quote in change.quotes_added)
        yield from ((REMOVED, quote) for quote in change.quotes_removed)


def _resource_line(change: Change, labels: Labels, style: Style) -> str:
    label = labels(change.iri)
    line = f"{style.signs[change.kind]} {style.code(compact(change.iri))}"
    if label:
        line += f"  {style.quoted(_short(label))}"
    if change.kind == CHANGED:
        line += "  " + ", ".join(property_name(key) for key in change.changes)
    return line


# --- Markdown -------------------------------------------------------------------------------------


def _markdown(diff: Diff, labels: Labels) -> Iterator[str]:
    yield f"**{summary(diff)}** (`{diff.old.name}` → `{diff.new.name}`)"
    statements = []
    for change in diff.statements:
        statements.append("- " + _headline(change, labels, MARKDOWN))
        statements.extend(
            f"  - {MARKDOWN.quote_signs[kind]}quote (`{quote.document}`): “{quote.exact}”"
            for kind, quote in _quote_lines(change)
        )
    yield from _section("Statements", statements)
    others = ["- " + _resource_line(change, labels, MARKDOWN) for change in diff.resources]
    yield from _section("Other resources", others)


def _section(title: str, lines: list[str]) -> Iterator[str]:
    """A Markdown section of a pull-request comment: its heading and lines, nothing when empty."""
    if lines:
        yield from ("", f"#### {title}", "", *lines)


# --- JSON -----------------------------------------------------------------------------------------


def as_json(diff: Diff, labels: Labels) -> dict[str, Any]:
    """The diff as JSON data: per statement its kind, IRI, label, the properties that differ as
    ``{property: [old values, new values]}`` and the quotes added and removed; per other
    resource its kind, IRI, label and the properties that differ."""
    removed, added = diff.anonymous
    return {
        "old": diff.old.name,
        "new": diff.new.name,
        "summary": {kind: diff.count(kind) for kind in KINDS},
        "statements": [_json_change(c, labels) for c in diff.statements],
        "resources": [
            {**_json_head(c, labels), "properties": list(c.changes)} for c in diff.resources
        ],
        "blank_nodes": {"added": added, "removed": removed},
    }


def _json_head(change: Change, labels: Labels) -> dict[str, Any]:
    return {"kind": change.kind, "iri": str(change.iri), "label": labels(change.iri)}


def _json_change(change: Change, labels: Labels) -> dict[str, Any]:
    def quotes(found: list[Quote]) -> list[dict[str, str]]:
        return [{"document": q.document, "quote": q.exact} for q in found]

    return {
        **_json_head(change, labels),
        "changes": {
            key: [sorted(text_of(v) for v in old), sorted(text_of(v) for v in new)]
            for key, (old, new) in change.changes.items()
        },
        "quotes_added": quotes(change.quotes_added),
        "quotes_removed": quotes(change.quotes_removed),
    }
