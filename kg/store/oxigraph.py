"""pyoxigraph's store: the default engine, and the one that serves, in memory or opened read-only
from the build's on-disk store (``kg.store.ondisk``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Node

from kg.rdf.formats import LoadError, file_format
from kg.rdf.results import AskResult, Result, SelectResult
from kg.store.base import Quad, QueryDataset, QuerySyntaxError, graph_result
from kg.store.terms import ConvertedTerms, OxGraphName, OxTerm, QuadConverter, from_ox, to_ox

TERMS_KEPT = 8192
"""How many distinct terms of its answers a store keeps converted to rdflib's from one query to
the next (a query worker answers the same kinds of queries over the same data again and again);
beyond that it starts afresh."""


class OxigraphStore:
    """A pyoxigraph store, queried with the union of all graphs as default graph: a new one in
    memory, or ``store`` as opened from ``folder`` (read-only: see ``kg.store.ondisk``)."""

    engine = "oxigraph"

    def __init__(self, store: ox.Store | None = None, *, folder: Path | None = None) -> None:
        self._store = ox.Store() if store is None else store
        self.folder = folder
        """The on-disk store this one reads, opened read-only; None for a store in memory."""
        self._terms = ConvertedTerms()

    @classmethod
    def of(cls, store: ox.Store) -> OxigraphStore:
        """The engine over a pyoxigraph store that is already filled (the build's own)."""
        engine = cls.__new__(cls)
        engine._store = store
        engine._terms = ConvertedTerms()
        engine.folder = None
        return engine

    def load_file(self, path: Path) -> None:
        fmt = file_format(path).oxigraph
        try:
            self._store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise LoadError(path, str(exc)) from None
        except OSError as exc:  # a directory, an unreadable file: the operator's, in one line
            raise LoadError(path, exc.strerror or str(exc)) from None

    def add_quads(self, quads: Iterable[Quad]) -> None:
        convert = QuadConverter()
        self._store.extend(convert(*quad) for quad in quads)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result:
        substitutions: dict[ox.Variable, OxTerm | ox.Triple] = {
            ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()
        }
        default, named = _graph_lists(dataset)
        try:
            answer = self._store.query(
                sparql,
                base_iri=base,
                substitutions=substitutions or None,
                use_default_graph_as_union=default is None,
                default_graph=default,
                named_graphs=named,
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        if isinstance(answer, ox.QueryBoolean):
            return AskResult(bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            return SelectResult(names, _solution_rows(answer, limit, self._converted()))
        return graph_result(
            ((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer), limit
        )

    def quad_count(self) -> int:
        return len(self._store)

    def _converted(self) -> ConvertedTerms:
        """The terms converted so far, or a fresh table once it holds ``TERMS_KEPT`` (replaced,
        not cleared, so that a query reading the old one in another thread is not disturbed)."""
        terms = self._terms
        if len(terms) > TERMS_KEPT:
            terms = self._terms = ConvertedTerms()
        return terms


def _graph_lists(
    dataset: QueryDataset | None,
) -> tuple[list[OxGraphName] | None, list[ox.NamedNode | ox.BlankNode] | None]:
    """The graphs merged into the default graph and the named graphs, as Oxigraph takes them;
    ``None`` for the union of all graphs, or for every named graph."""
    if dataset is None:
        return None, None
    default: list[OxGraphName] | None = None
    if dataset.default is not None:
        default = [ox.NamedNode(str(g)) for g in dataset.default]
    named: list[ox.NamedNode | ox.BlankNode] | None = None
    if dataset.named is not None:
        named = [ox.NamedNode(str(g)) for g in dataset.named]
    return default, named


def _solution_rows(
    solutions: ox.QuerySolutions, limit: int | None, terms: ConvertedTerms
) -> list[tuple[Node | None, ...]]:
    """The solutions as rows of rdflib terms (``None`` where unbound), in variable order.

    Each distinct term is converted once, through ``terms`` (kept by the store from one query to
    the next): answers repeat the same IRIs and literals (a statement's speaker, stance and
    source on every row of its evidence, and the same queries come again), and rdflib's
    constructors (literals above all, which parse and normalise their value) are slow next to a
    dictionary lookup. Equal pyoxigraph terms give equal rdflib terms, which cannot change, so a
    row holds the same values as with one conversion per cell.
    """
    convert = terms.__getitem__
    return [tuple(map(convert, solution)) for solution in islice(solutions, limit)]
