"""What a shape's result for a focus node reads of the data, and which focus nodes a change reaches.

A targeted shape's result for a focus node is a function of the triples its checks read, and
those are found by walking from the focus node: along the shape's path to its value nodes; from
there along the paths of the shapes nested in it (``sh:property``, ``sh:node``, ``sh:and``,
``sh:or``, ``sh:xone``, ``sh:not``, ``sh:qualifiedValueShape``) to theirs; to the ``rdf:type`` of
each node ``sh:class`` tests; along the predicate ``sh:equals`` compares; along the triple
patterns of a SPARQL constraint; and, for the node to be a focus node at all, to its
``rdf:type`` (``sh:targetClass``) and its triples of each ``sh:targetSubjectsOf`` predicate. Each
check says what it reads (``Check.reads``); :class:`Reads` holds the walks of one targeted shape
as a tree of :class:`Position`, rooted at the focus node, each position one triple away from its
parent along one predicate (or any), forwards or backwards.

A changed triple (added or removed) can change a focus node's result only if one of these walks
reads it, in the graph before or after the change. Take the first changed triple along such a
walk: every triple before it is in both graphs, so walking backwards from it — from its subject
for a forward step, from its object for a backward one — along the unchanged triples of the graph
after the change reaches the focus node. :meth:`Reads.affected` walks back from each changed
triple along exactly the positions that read its predicate; the nodes it reaches at the root are
the focus nodes to validate again, and no other focus node's result can have changed.

What cannot be written as a walk from the focus node is read "everywhere": a change to a triple of
such a predicate reaches every focus node of the shape (a SPARQL pattern not joined to ``$this``,
a path with ``*`` or ``+``, a query that needs the data's prefixes). The class hierarchy is read
by every ``sh:class`` and ``sh:targetClass`` from every node: a change to ``rdfs:subClassOf``
(``SCHEMA``) is left to a full validation.

Messages: a shape without ``sh:message`` gets pySHACL's generic messages, and some of those write a
focus or value node out — a blank node as its triples, those of the blank nodes below it, and
whether the graph holds it at all (``terms.Describer``). Where such a message reaches the report,
the node's position is "described", and a change to a blank node's description reaches it
(:func:`described_changes`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.pipeline.shacl.index import DataIndex
from kg.pipeline.shacl.paths import Alternative, Inverse, Path

if TYPE_CHECKING:
    from kg.pipeline.shacl.shapes import Shape

Triple = tuple[Node, Node, Node]
SCHEMA = frozenset({RDFS.subClassOf})
"""Predicates whose change calls for a full validation: every class lookup reads them."""
ANY = None
"""The predicate of a step along any predicate (a SPARQL pattern with a variable predicate)."""


@dataclass(eq=False)
class Position:
    """Where a node stands relative to the focus node: the focus node itself (the root), or one
    triple away from a node at ``parent``: its object along ``predicate`` (forward) or its subject
    (backward). Reaching it reads those triples."""

    parent: Position | None = None
    predicate: Node | None = None
    forward: bool = True
    only: frozenset[Node] | None = None
    """When every read of this step only asks whether a node is an instance of these classes
    (``rdf:type`` for ``sh:class`` and ``sh:targetClass``): a changed triple whose object is
    not one of them or below one of them cannot change an answer. None: any triple counts."""
    children: dict[tuple[Node | None, bool], Position] = field(default_factory=dict, repr=False)


class Reads:
    """What one targeted shape's result for a focus node reads, and the focus nodes a change reaches.

    Raises :class:`~kg.pipeline.shacl.Unsupported` when a check of the shape does not say what it
    reads."""

    def __init__(self, shape: Shape) -> None:
        self.root = Position()
        self.reading: dict[Node | None, list[Position]] = {}
        """predicate → the positions reached along it (their triples are read)."""
        self.described: list[Position] = []
        self.everywhere: set[Node | None] = set()
        """Predicates read wherever their triples are (``ANY``: every predicate)."""
        if shape.classes:
            self.step(self.root, RDF.type, only=shape.classes)
        for predicate in shape.subjects_of:
            self.step(self.root, predicate)
        self.shape(shape, self.root, surfaced=True)

    # --- what the checks declare ------------------------------------------------------------------

    def step(
        self,
        at: Position,
        predicate: Node | None,
        forward: bool = True,
        *,
        only: Iterable[Node] | None = None,
    ) -> Position:
        """The position one triple away from ``at`` along ``predicate`` (``ANY``: any); ``only``:
        the step only asks whether the node reached is an instance of these classes."""
        key = (predicate, forward)
        classes = None if only is None else frozenset(only)
        found = at.children.get(key)
        if found is None:
            found = at.children[key] = Position(at, predicate, forward, classes)
            self.reading.setdefault(predicate, []).append(found)
        elif found.only is not None:
            found.only = None if classes is None else found.only | classes
        return found

    def follow(self, path: Path, at: Position, inverse: bool = False) -> list[Position]:
        """The positions of the nodes ``path`` reaches from a node at ``at``, walked as
        ``paths.walker`` walks it (an inverse sequence inverts each step in the written order)."""
        if isinstance(path, URIRef):
            return [self.step(at, path, not inverse)]
        if isinstance(path, Inverse):
            return self.follow(path.path, at, not inverse)
        if isinstance(path, Alternative):
            return _unique(p for option in path.options for p in self.follow(option, at, inverse))
        reached = [at]
        for step in path.steps:
            reached = _unique(p for r in reached for p in self.follow(step, r, inverse))
        return reached

    def shape(self, shape: Shape, at: Position, surfaced: bool) -> None:
        """What validating a node at ``at`` against ``shape`` reads (nothing when it is
        deactivated: it conforms); ``surfaced``: whether its results reach the report."""
        if shape.deactivated:
            return
        values = [at] if shape.path is None else self.follow(shape.path, at)
        for check in shape.checks:
            check.reads(self, shape, at, values, surfaced)

    def nested(self, shapes: Iterable[Shape], values: Sequence[Position], surfaced: bool) -> None:
        """Each value node validated against each of ``shapes``."""
        for inner in shapes:
            for at in values:
                self.shape(inner, at, surfaced)

    def describe(self, shape: Shape, positions: Iterable[Position], surfaced: bool) -> None:
        """A generic message of ``shape`` writes out the nodes at ``positions`` (when the shape
        has no message of its own and its results reach the report)."""
        if surfaced and not shape.messages:
            self.described.extend(positions)

    def anywhere(self, predicate: Node | None) -> None:
        """The triples of ``predicate`` are read wherever they are (``ANY``: every triple)."""
        self.everywhere.add(predicate)

    # --- what a change reaches --------------------------------------------------------------------

    def affected(
        self, changed: Collection[Triple], walk: BackWalk, described: Collection[Node]
    ) -> set[Node] | None:
        """The nodes whose result for this shape the changed triples may change (whether they are
        focus nodes or not is for the caller to check); None: every focus node's."""
        if changed and ANY in self.everywhere:
            return None
        if any(p in self.everywhere for _, p, _ in changed):
            return None
        found: set[Node] = set()
        along_any = self.reading.get(ANY, [])
        for s, p, o in changed:
            for position in (*self.reading.get(p, ()), *along_any):
                assert position.parent is not None
                if position.only is None or walk.is_below(o, position.only):
                    found |= walk.back(position.parent, s if position.forward else o)
        for position in self.described:
            for node in described:
                found |= walk.back(position, node)
        return found


class BackWalk:
    """Walks from a node at a position back to the focus nodes it is reached from, in the graph
    after the change; each (position, node) walked once per update, whichever shape asks."""

    def __init__(self, index: DataIndex) -> None:
        self.index = index
        self.graph = index.graph
        self._memo: dict[tuple[Position, Node], frozenset[Node]] = {}
        self._below: dict[tuple[Node, frozenset[Node]], bool] = {}

    def back(self, at: Position, node: Node) -> frozenset[Node]:
        """The focus nodes from which a walk reaches ``node`` at ``at``."""
        key = (at, node)
        found = self._memo.get(key)
        if found is None:
            parent = at.parent
            if parent is None:
                found = frozenset((node,))
            else:
                found = frozenset().union(*(self.back(parent, n) for n in self._sources(at, node)))
            self._memo[key] = found
        return found

    def is_below(self, cls: Node, classes: frozenset[Node]) -> bool:
        """Whether ``cls`` is one of ``classes`` or below one by ``rdfs:subClassOf``."""
        key = (cls, classes)
        found = self._below.get(key)
        if found is None:
            found = self._below[key] = not classes.isdisjoint(self.index.superclasses(cls))
        return found

    def _sources(self, at: Position, node: Node) -> Iterable[Node]:
        """The nodes at ``at.parent`` one step of ``at`` leads from to ``node``."""
        predicate = at.predicate
        if at.forward:
            if predicate is ANY:
                return self.graph.subjects(None, node, unique=True)
            return self.index.subjects(predicate, node)
        if isinstance(node, Literal):
            return ()
        if predicate is ANY:
            return self.graph.objects(node, None, unique=True)
        return self.index.objects(node, predicate)


def described_changes(changed: Iterable[Triple], graph: Graph) -> set[Node]:
    """The blank nodes whose written-out form the changed triples may alter.

    ``Describer`` writes a blank node as its triples, writing each blank object (and each list
    cell ``rdf:rest`` leads to) the same way, and asks whether the graph holds the node at all.
    So a changed triple alters the form of its subject, of a blank object (whether it is held),
    and of every node above one of those by a triple that the writing follows down."""
    todo: list[Node] = []
    for s, _, o in changed:
        todo.append(s)
        if isinstance(o, BNode):
            todo.append(o)
    seen = set(todo)
    while todo:
        node = todo.pop()
        blank = isinstance(node, BNode)
        for above, predicate in graph.subject_predicates(node):
            if (blank or predicate == RDF.rest) and above not in seen:
                seen.add(above)
                todo.append(above)
    return {n for n in seen if isinstance(n, BNode)}


def _unique(positions: Iterable[Position]) -> list[Position]:
    return list({id(p): p for p in positions}.values())
