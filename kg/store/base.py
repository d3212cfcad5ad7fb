"""What every engine shares: the :class:`Store` protocol, the dataset a query runs on, the
errors, and the bound on ``LIMIT``/``OFFSET``."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rdflib import URIRef
from rdflib.term import IdentifiedNode, Node

from kg.rdf.results import GraphResult, Result

MAX_SLICE = sys.maxsize
"""The largest ``LIMIT`` or ``OFFSET`` every engine takes (rdflib counts with a Python slice;
Oxigraph would take up to 2^64-1)."""

Quad = tuple[Node, Node, Node, IdentifiedNode | None]
"""A quad as rdflib terms: subject, predicate, object and the graph it is in (an IRI, or a blank
node as TriG and N-Quads allow), ``None`` for the default graph."""


class QuerySyntaxError(ValueError):
    """The query text is not valid SPARQL 1.1; the message is the parser's."""


class RemoteStoreError(RuntimeError):
    """A remote SPARQL store could not be reached, refused access, or failed."""


class PartialResultError(RemoteStoreError):
    """The remote store flagged its answer as incomplete; the rows are not passed on."""


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs on (SPARQL 1.1 §13), replacing its ``FROM``/``FROM NAMED``:
    ``default`` lists the graphs merged into the default graph (``None``: the union of all
    graphs), ``named`` the graphs ``GRAPH`` can see (``None``: all named graphs)."""

    default: tuple[URIRef, ...] | None = None
    named: tuple[URIRef, ...] | None = None


class Store(Protocol):
    """What the rest of the project needs of an engine.

    ``query`` takes an optional ``dataset`` (see QueryDataset), ``limit``: read at most that
    many solutions (SELECT) or distinct triples (CONSTRUCT/DESCRIBE) from the engine, and
    ``base``: the IRI the query's relative IRIs resolve against (its own ``BASE`` wins).
    """

    engine: str

    def load_file(self, path: Path) -> None: ...

    def add_quads(self, quads: Iterable[Quad]) -> None: ...

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result: ...

    def quad_count(self) -> int: ...


def graph_result(triples: Iterable[tuple[Node, Node, Node]], limit: int | None) -> GraphResult:
    """The triples as a graph, reading no more than ``limit`` distinct ones: every engine cuts a
    CONSTRUCT or DESCRIBE the same way."""
    if limit is None:
        return GraphResult.of(triples)
    result = GraphResult.of(())
    for triple in triples:
        if len(result.graph) >= limit:
            break
        result.graph.add(triple)
    return result
