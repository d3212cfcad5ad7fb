"""What changed in the statements between two sides (:mod:`kg.curation.sides`).

The unit is a **statement** (a resource typed with ``pt:Statement`` or a subclass of it, as the
ontology of either side says: ``pt:PositionStatement``, ``pt:Assessment``, ``pt:DateReport``, …).
A statement is *added* when only the new side has it, *removed* when only the old side has it, and
*changed* when both have it and its :class:`Description` differs:

- its own triples, property by property (``pt:stance``, ``pt:date``, ``pt:about`` …);
- the properties of its evidence annotations other than what ties them to it and to the text
  (``evidence pt:accordingTo``, …);
- its evidence quotes: each annotation's ``oa:exact`` with the file name (``dcterms:identifier``)
  of the source document it is quoted from. Where a quote sits in the text (prefix, suffix,
  offsets) is not compared: rewording a quote changes the quote, re-anchoring it does not.

Blank nodes are compared by their values, never by their labels (a build labels them by
RDFC-1.0, a Turtle parser at random): a value that is a blank node is the set of its own
property-value pairs, recursively (:class:`Blank`). Every other resource of the data (actors,
positions, sources, the evidence of events …) is compared the same way, property by property,
and reported in one line each; blank nodes that hang from no resource are counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from kg.curation.sides import Index, Side
from kg.rdf.namespaces import OA, PT, compact

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
KINDS = (ADDED, CHANGED, REMOVED)
"""The kinds of difference, in the order a report lists them."""

EVIDENCE = "evidence "
"""The prefix of the key of an evidence annotation's property in a statement's description."""
HAS_BODY, HAS_TARGET, HAS_SOURCE = OA.hasBody, OA.hasTarget, OA.hasSource
HAS_SELECTOR, EXACT, IDENTIFIER = OA.hasSelector, OA.exact, DCTERMS.identifier
TYPE, EVIDENCE_OF = RDF.type, PT.evidence
"""The terms the comparison reads, each looked up once (a namespace's attribute is slow)."""
TIES = frozenset({HAS_BODY, HAS_TARGET, TYPE, RDFS.label})
"""An annotation's properties that tie it to its statement and its text, or repeat the
statement's label: not compared as properties (the quotes stand for the target)."""


@dataclass(frozen=True)
class Blank:
    """A blank node as a value: the set of its (property, value) pairs, its label forgotten."""

    pairs: frozenset[tuple[Node, Value]]

    def __str__(self) -> str:
        inner = " ; ".join(sorted(f"{compact(p)} {text_of(v)}" for p, v in self.pairs))
        return f"[ {inner} ]"


Value = Node | Blank


def text_of(value: Value) -> str:
    """A value as text without labels: a prefixed name, a literal's text, a blank node's pairs."""
    if isinstance(value, Literal):
        return str(value)
    return str(value) if isinstance(value, Blank) else compact(value)


@dataclass(frozen=True, order=True)
class Quote:
    """An evidence quote: the source document's file name (its ``dcterms:identifier``, else the
    document's name) and the quoted text."""

    document: str
    exact: str


@dataclass(frozen=True)
class Description:
    """What is compared of one resource: its values by property key (a prefixed name, or
    ``evidence`` and one for a property of its evidence), and, for a statement, its quotes."""

    properties: Mapping[str, frozenset[Value]]
    quotes: frozenset[Quote] = frozenset()


@dataclass(frozen=True)
class Change:
    """One resource that differs: ``old`` and ``new`` are its descriptions on either side (None
    where it is absent)."""

    iri: Node
    old: Description | None
    new: Description | None

    @property
    def kind(self) -> str:
        return ADDED if self.old is None else REMOVED if self.new is None else CHANGED

    @property
    def changes(self) -> dict[str, tuple[frozenset[Value], frozenset[Value]]]:
        """Each property whose values differ: (old values, new values), empty where absent."""
        old = self.old.properties if self.old else {}
        new = self.new.properties if self.new else {}
        empty: frozenset[Value] = frozenset()
        return {
            key: (old.get(key, empty), new.get(key, empty))
            for key in sorted(old.keys() | new.keys())
            if old.get(key, empty) != new.get(key, empty)
        }

    @property
    def quotes_added(self) -> list[Quote]:
        return sorted(_quotes(self.new) - _quotes(self.old))

    @property
    def quotes_removed(self) -> list[Quote]:
        return sorted(_quotes(self.old) - _quotes(self.new))


def _quotes(description: Description | None) -> frozenset[Quote]:
    return description.quotes if description else frozenset()


@dataclass
class Diff:
    """The difference from ``old`` to ``new``: the statements and the other resources that
    differ (added, then changed, then removed; by IRI within each), and how many blank nodes that
    hang from no resource each side has that the other has not (``anonymous``: removed, added)."""

    old: Side
    new: Side
    statements: list[Change] = field(default_factory=list)
    resources: list[Change] = field(default_factory=list)
    anonymous: tuple[int, int] = (0, 0)

    @property
    def differs(self) -> bool:
        """True when some statement differs (what the exit code of ``kg diff`` says)."""
        return bool(self.statements)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.statements if c.kind == kind)


def compare(old: Side, new: Side, vocabulary: Index | None = None) -> Diff:
    """The statements and other resources that differ from ``old`` to ``new``. Which classes are
    statements comes from both sides' ontology, and from ``vocabulary`` (the working tree's,
    for sides that bring none)."""
    classes = statement_classes(
        [old.vocabulary, new.vocabulary, old.data, new.data, vocabulary or {}]
    )
    old_view, new_view = _View(old, classes), _View(new, classes)
    statements = old_view.statements | new_view.statements
    folded = old_view.folded | new_view.folded
    diff = Diff(old, new)
    for iri in sorted(statements | old_view.resources | new_view.resources, key=str):
        if iri in folded and iri not in statements:
            continue
        before, after = old_view.describe(iri, statements), new_view.describe(iri, statements)
        if before != after:
            (diff.statements if iri in statements else diff.resources).append(
                Change(iri, before, after)
            )
    order = {kind: n for n, kind in enumerate(KINDS)}
    diff.statements.sort(key=lambda c: order[c.kind])
    diff.resources.sort(key=lambda c: order[c.kind])
    removed, added = (
        old_view.anonymous - new_view.anonymous,
        new_view.anonymous - old_view.anonymous,
    )
    diff.anonymous = (sum(removed.values()), sum(added.values()))
    return diff


def statement_classes(indexes: Iterable[Index]) -> frozenset[Node]:
    """``pt:Statement`` and every class below it (``rdfs:subClassOf``, transitively) in any of
    ``indexes``."""
    below: dict[Node, set[Node]] = {}
    for index in indexes:
        for subject, properties in index.items():
            for parent in properties.get(RDFS.subClassOf, ()):
                below.setdefault(parent, set()).add(subject)
    found: set[Node] = {PT.Statement}
    todo: list[Node] = [PT.Statement]
    while todo:
        for child in below.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


class _View:
    """One side seen by the diff: its statements, the evidence folded into them, its other
    resources, its blank nodes that hang from nothing."""

    def __init__(self, side: Side, classes: frozenset[Node]) -> None:
        self.data = side.data
        self._keys: dict[Node, str] = {}
        self.statements: set[Node] = {
            s
            for s, properties in self.data.items()
            if isinstance(s, URIRef) and not classes.isdisjoint(properties.get(TYPE, ()))
        }
        self.evidence: dict[Node, set[Node]] = {}
        for s, properties in self.data.items():
            for body in properties.get(HAS_BODY, ()):
                self.evidence.setdefault(body, set()).add(s)
        for s in self.statements:
            self.evidence.setdefault(s, set()).update(self.data[s].get(EVIDENCE_OF, ()))
        self.folded = {a for s in self.statements for a in self.evidence.get(s, ())}
        self.resources = {s for s in self.data if isinstance(s, URIRef)}
        self.anonymous = Counter(self._value(b) for b in self._unattached())

    def _unattached(self) -> Iterator[Node]:
        objects = {o for ps in self.data.values() for os in ps.values() for o in os}
        return (s for s in self.data if isinstance(s, BNode) and s not in objects)

    def describe(self, iri: Node, statements: set[Node]) -> Description | None:
        """``iri``'s description on this side (a statement's with its evidence), None if absent."""
        own = self.data.get(iri)
        if own is None:  # evidence left behind without its statement does not make one
            return None
        annotations = sorted(self.evidence.get(iri, ()), key=str) if iri in statements else []
        properties = self._properties(own, "")
        quotes: set[Quote] = set()
        for annotation in annotations:
            found = self.data.get(annotation, {})
            kept = {p: os for p, os in found.items() if p not in TIES}
            for key, values in self._properties(kept, EVIDENCE).items():
                properties[key] = properties.get(key, frozenset()) | values
            quotes.update(self._quotes(found))
        return Description(properties, frozenset(quotes))

    def _properties(
        self, properties: Mapping[Node, set[Node]], prefix: str
    ) -> dict[str, frozenset[Value]]:
        return {
            prefix + self._key(p): frozenset(self._value(o) for o in objects)
            for p, objects in properties.items()
        }

    def _key(self, predicate: Node) -> str:
        """A property's key: its prefixed name, made once per predicate."""
        key = self._keys.get(predicate)
        if key is None:
            key = self._keys[predicate] = compact(predicate)
        return key

    def _quotes(self, annotation: Mapping[Node, set[Node]]) -> Iterator[Quote]:
        for target in annotation.get(HAS_TARGET, ()):
            found = self.data.get(target, {})
            exacts = [
                str(exact)
                for selector in found.get(HAS_SELECTOR, ())
                for exact in self.data.get(selector, {}).get(EXACT, ())
            ]
            for source in found.get(HAS_SOURCE, ()):
                named = self.data.get(source, {}).get(IDENTIFIER, ())
                for name in sorted(str(n) for n in named) or [compact(source)]:
                    yield from (Quote(name, exact) for exact in exacts)

    def _value(self, node: Node, seen: frozenset[Node] = frozenset()) -> Value:
        if not isinstance(node, BNode):
            return node
        if node in seen:  # a cycle of blank nodes: stop where it closes
            return Blank(frozenset())
        inner = seen | {node}
        return Blank(
            frozenset(
                (p, self._value(o, inner))
                for p, objects in self.data.get(node, {}).items()
                for o in objects
            )
        )
