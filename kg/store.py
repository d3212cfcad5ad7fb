"""The query engines behind Peace Talks KG: one swappable choice.

``oxigraph`` (pyoxigraph, in memory) is the default: measured in ``bench/engines.py`` it loads and
answers one to three orders of magnitude faster than rdflib's memory store, and rdflib's SPARQL
engine gives wrong answers on grouped sub-queries. ``rdflib`` stays selectable for comparison.
Both answer queries with the default graph taken as the union of all named graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import BNode, Dataset, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.load import LoadError, dataset_format
from kg.namespaces import bind_prefixes
from kg.results import AskResult, GraphResult, Result, SelectResult

ENGINES = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"


class QuerySyntaxError(ValueError):
    """The query text is not valid SPARQL 1.1; the message is the parser's."""


class Store(Protocol):
    """What the rest of the project needs of an engine."""

    engine: str

    def load_file(self, path: Path) -> None: ...

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None: ...

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result: ...

    def quad_count(self) -> int: ...


def open_store(engine: str = DEFAULT_ENGINE) -> Store:
    """A new, empty store of the named engine."""
    if engine == "oxigraph":
        return OxigraphStore()
    if engine == "rdflib":
        return RdflibStore()
    raise ValueError(f"unknown store engine {engine!r}; accepted: {', '.join(ENGINES)}")


# --- Oxigraph ---------------------------------------------------------------------------------

_OX_FORMATS = {
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
_XSD_STRING = str(XSD.string)


class OxigraphStore:
    """pyoxigraph's in-memory store, queried with the union of all graphs as default graph."""

    engine = "oxigraph"

    def __init__(self) -> None:
        self._store = ox.Store()

    def load_file(self, path: Path) -> None:
        fmt = _OX_FORMATS[dataset_format(path)]
        try:
            self._store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise LoadError(path, str(exc)) from None

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        self._store.extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
            for s, p, o, g in quads
        )

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            answer = self._store.query(
                sparql, use_default_graph_as_union=True, substitutions=substitutions or None
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        if isinstance(answer, ox.QueryBoolean):
            return AskResult(bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            rows = [tuple(_from_ox_or_none(sol[n]) for n in names) for sol in answer]
            return SelectResult(names, rows)
        return GraphResult.of(
            (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer
        )

    def quad_count(self) -> int:
        return len(self._store)


def to_ox(term: Node):
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} in Oxigraph")


def from_ox(term) -> Node:
    """A pyoxigraph term as an rdflib term (plain literals without an explicit xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return (
            Literal(term.value)
            if datatype == _XSD_STRING
            else Literal(term.value, datatype=URIRef(datatype))
        )
    raise TypeError(f"unsupported term {term!r}")


def _from_ox_or_none(term) -> Node | None:
    return None if term is None else from_ox(term)


# --- rdflib -----------------------------------------------------------------------------------


class RdflibStore:
    """rdflib's memory store: slower and off the serving path, kept for cross-checking answers."""

    engine = "rdflib"

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)
        bind_prefixes(self.dataset)

    def load_file(self, path: Path) -> None:
        try:
            self.dataset.parse(path, format=dataset_format(path))
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise LoadError(path, str(exc)) from None

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        default = self.dataset.default_context.identifier
        for s, p, o, g in quads:
            self.dataset.add((s, p, o, g if g is not None else default))

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        try:
            answer = self.dataset.query(sparql, initBindings=init)
        except ParseException as exc:
            raise QuerySyntaxError(str(exc)) from None
        if answer.type == "ASK":
            return AskResult(bool(answer.askAnswer))
        if answer.type == "SELECT":
            names = [str(v) for v in answer.vars]
            return SelectResult(names, [tuple(row) for row in answer])
        return GraphResult.of(answer)

    def quad_count(self) -> int:
        return sum(len(g) for g in self.dataset.graphs())
