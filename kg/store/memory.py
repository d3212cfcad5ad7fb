"""rdflib's memory store: slower, and off the serving path; kept for cross-checking answers."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path

from pyparsing import ParseException
from rdflib import Dataset, Graph, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result as RdflibResult
from rdflib.query import ResultRow
from rdflib.term import IdentifiedNode, Identifier, Node

from kg.rdf.formats import LoadError, file_format
from kg.rdf.namespaces import bind_prefixes
from kg.rdf.results import AskResult, Result, SelectResult
from kg.store.base import Quad, QueryDataset, QuerySyntaxError, graph_result

RDFLIB_PARSER_LOCK = threading.Lock()
"""Held around every call into rdflib's SPARQL parser: pyparsing sets the grammar up on first use
in a way that is not thread-safe, and the web server parses from many threads at once."""


class RdflibStore:
    """rdflib's memory store: slower and off the serving path, kept for cross-checking answers."""

    engine = "rdflib"

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)
        bind_prefixes(self.dataset)

    def load_file(self, path: Path) -> None:
        fmt = file_format(path).rdflib
        try:
            self.dataset.parse(path, format=fmt)
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise LoadError(path, str(exc)) from None

    def add_quads(self, quads: Iterable[Quad]) -> None:
        contexts: dict[IdentifiedNode | None, Graph] = {None: self.dataset.default_context}
        for s, p, o, g in quads:
            if g not in contexts:
                contexts[g] = self.dataset.get_context(g)
            self.dataset.add((s, p, o, contexts[g]))

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result:
        init: dict[str, Identifier] = {
            Variable(k): _identifier(v) for k, v in (bindings or {}).items()
        }
        target = self.dataset
        try:
            with RDFLIB_PARSER_LOCK:
                prepared = translateQuery(
                    parseQuery(sparql), base=base, initNs=dict(self.dataset.namespaces())
                )
            _fill_short_construct(prepared.algebra)
            if dataset is not None:
                # The dataset replaces FROM/FROM NAMED, which rdflib would otherwise fetch.
                prepared.algebra["datasetClause"] = None
                target = self._view(dataset)
            answer = target.query(prepared, initBindings=init)
        except ParseException as exc:
            raise QuerySyntaxError(str(exc)) from None
        if answer.type == "ASK":
            return AskResult(bool(answer.askAnswer))
        if answer.type == "SELECT":
            return select_result(answer, limit)
        assert answer.graph is not None  # a CONSTRUCT or DESCRIBE answer holds its graph
        return graph_result(answer.graph, limit)

    def _view(self, dataset: QueryDataset) -> Dataset:
        """A copy holding just ``dataset``: its default graph and its named graphs."""
        view = Dataset()
        store = self.dataset.store
        if dataset.default is None:
            parts = list(self.dataset.graphs())
        else:
            parts = [Graph(store=store, identifier=g) for g in dataset.default]
        for part in parts:
            view.default_graph += part
        if dataset.named is None:
            named = [g.identifier for g in self.dataset.graphs()]
        else:
            named = list(dataset.named)
        for name in named:
            if isinstance(name, URIRef) and name != DATASET_DEFAULT_GRAPH_ID:
                graph = view.graph(name)
                graph += Graph(store=store, identifier=name)
        return view

    def quad_count(self) -> int:
        return sum(len(g) for g in self.dataset.graphs())


def select_result(answer: RdflibResult, limit: int | None = None) -> SelectResult:
    """rdflib's answer to a SELECT, at most ``limit`` rows of it, as rows in variable order
    (``None`` where unbound)."""
    rows: list[tuple[Node | None, ...]] = []
    for row in islice(answer, limit):
        if not isinstance(row, ResultRow):  # a SELECT answer yields nothing else
            raise TypeError(f"not a row of a SELECT answer: {row!r}")
        rows.append(tuple(row))
    return SelectResult([str(v) for v in answer.vars or ()], rows)


def _identifier(term: Node) -> Identifier:
    """A term bound into an rdflib query: an IRI, blank node or literal (a TypeError for
    anything else, such as a graph)."""
    if not isinstance(term, Identifier):
        raise TypeError(f"cannot bind {term!r} in a query")
    return term


def _fill_short_construct(algebra: CompValue) -> None:
    """Give a ``CONSTRUCT WHERE { … }`` its template: rdflib 7 takes it from the pattern only
    when the pattern sits right below the query, so the short form with a ``LIMIT``, ``OFFSET``
    or ``ORDER BY`` fails with a TypeError. The template is the pattern's triples (§16.2.4)."""
    if algebra.name != "ConstructQuery" or dict.get(algebra, "template") is not None:
        return
    part = algebra.p
    while isinstance(part, CompValue) and part.name != "BGP":
        part = dict.get(part, "p")
    if isinstance(part, CompValue):
        algebra["template"] = part.triples
