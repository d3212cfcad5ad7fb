"""The data graph, indexed for validation: each predicate's triples as dictionaries, read once.

rdflib answers ``graph.objects(s, p)`` through generators and context bookkeeping, a few
microseconds a call; the validator asks millions of such questions at a million triples. The index
reads the triples of each predicate the shapes ask about once, into ``subject → objects`` (and,
when an inverse path or a class lookup needs it, ``object → subjects``), so a question is a
dictionary lookup. Revalidating a few focus nodes after an edit asks a few hundred questions, for
which reading whole predicates would cost more than the answers: :class:`NodeIndex` asks rdflib
node by node instead, with the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from rdflib import Graph
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

NOTHING: Sequence[Node] = ()
TYPE = RDF.type
SUBCLASS = RDFS.subClassOf


class DataIndex:
    """Lookups over one data graph; built lazily, predicate by predicate."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._out: dict[Node, dict[Node, list[Node]]] = {}
        self._in: dict[Node, dict[Node, list[Node]]] = {}
        self._above: dict[Node, frozenset[Node]] = {}
        self._below: dict[Node, frozenset[Node]] = {}

    def out(self, predicate: Node) -> dict[Node, list[Node]]:
        """subject → its objects for ``predicate``."""
        found = self._out.get(predicate)
        if found is None:
            found = {}
            for s, _, o in self.graph.triples((None, predicate, None)):
                values = found.get(s)
                if values is None:
                    found[s] = [o]
                else:
                    values.append(o)
            self._out[predicate] = found
        return found

    def into(self, predicate: Node) -> dict[Node, list[Node]]:
        """object → its subjects for ``predicate``."""
        found = self._in.get(predicate)
        if found is None:
            found = {}
            for s, objects in self.out(predicate).items():
                for o in objects:
                    found.setdefault(o, []).append(s)
            self._in[predicate] = found
        return found

    def subjects_with(self, predicate: Node) -> Iterable[Node]:
        """Every subject of a ``predicate`` triple."""
        return self.out(predicate).keys()

    def objects(self, subject: Node, predicate: Node) -> Sequence[Node]:
        return self.out(predicate).get(subject, NOTHING)

    def subjects(self, predicate: Node, obj: Node) -> Sequence[Node]:
        return self.into(predicate).get(obj, NOTHING)

    def instances(self, cls: Node) -> set[Node]:
        """The SHACL instances of ``cls``: typed with it or with a subclass (``rdfs:subClassOf*``)."""
        typed = self.into(TYPE)
        found: set[Node] = set()
        for sub in self.subclasses(cls):
            found.update(typed.get(sub, NOTHING))
        return found

    def is_instance(self, node: Node, cls: Node) -> bool:
        """Whether one of ``node``'s types is ``cls`` or below it (pySHACL's ``sh:class`` test)."""
        return any(cls in self.superclasses(t) for t in self.objects(node, TYPE))

    def superclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and every class above it by ``rdfs:subClassOf``."""
        return self._closure(cls, self.out(SUBCLASS), self._above)

    def subclasses(self, cls: Node) -> frozenset[Node]:
        """``cls`` and every class below it by ``rdfs:subClassOf``."""
        return self._closure(cls, self.into(SUBCLASS), self._below)

    @staticmethod
    def _closure(
        start: Node, step: dict[Node, list[Node]], memo: dict[Node, frozenset[Node]]
    ) -> frozenset[Node]:
        found = memo.get(start)
        if found is None:
            seen = {start}
            todo = [start]
            while todo:
                for nxt in step.get(todo.pop(), NOTHING):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            memo[start] = found = frozenset(seen)
        return found


class NodeIndex(DataIndex):
    """The lookups of :class:`DataIndex`, each answered by rdflib for the node asked about and
    remembered: for validating a few focus nodes of a large graph.

    Its tables answer ``get`` only (what paths, checks and class lookups call); they cannot be
    listed, so every subject of a predicate comes from :meth:`subjects_with`.
    """

    def out(self, predicate: Node) -> dict[Node, list[Node]]:
        found = self._out.get(predicate)
        if found is None:
            objects = self.graph.objects
            found = self._out[predicate] = _Lookups(lambda s: objects(s, predicate))
        return found

    def into(self, predicate: Node) -> dict[Node, list[Node]]:
        found = self._in.get(predicate)
        if found is None:
            subjects = self.graph.subjects
            found = self._in[predicate] = _Lookups(lambda o: subjects(predicate, o))
        return found

    def subjects_with(self, predicate: Node) -> Iterable[Node]:
        return self.graph.subjects(predicate, None, unique=True)


class _Lookups(dict[Node, list[Node]]):
    """``node → nodes``, each entry read from the graph when first asked for."""

    def __init__(self, read: Callable[[Node], Iterator[Node]]) -> None:
        super().__init__()
        self.read = read

    def get(self, key: Node, default: object = None) -> list[Node] | object:  # type: ignore[override]
        found = dict.get(self, key)
        if found is None:
            found = self[key] = list(self.read(key))
        return found or default
