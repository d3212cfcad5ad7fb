"""Engine-independent query results, as rdflib terms."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.term import Node

from kg.rdf.namespaces import bind_prefixes


@dataclass
class SelectResult:
    """Rows of a SELECT query; an unbound variable is ``None``."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)

    def dicts(self) -> Iterator[dict[str, Node]]:
        """Each row as ``{variable: term}``, leaving out unbound variables."""
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class AskResult:
    """The answer of an ASK query."""

    value: bool

    def __bool__(self) -> bool:
        return self.value


@dataclass
class GraphResult:
    """The triples of a CONSTRUCT or DESCRIBE query."""

    graph: Graph

    @classmethod
    def of(cls, triples: Iterable[tuple[Node, Node, Node]]) -> GraphResult:
        graph = Graph()
        bind_prefixes(graph)
        for triple in triples:
            graph.add(triple)
        return cls(graph)

    def __len__(self) -> int:
        return len(self.graph)


Result = SelectResult | AskResult | GraphResult
