"""What the questions read of a store that is the same from one question to the next: labels,
the evidence of statements, a party's undated statements, and the rows of the small helper
queries (is this a party, which parties have conflicts, which years conflicts are filed under,
has the graph derived lifecycles); and, where the graph is served from disk, the store in memory
that answers the queries of lifecycles (:class:`Index`).

A served graph does not change while it is served, so what one answer read of it holds for the
next. :class:`StoreMemo` keeps it, for one store, for as long as its owner keeps the memo: the
web app keeps one for the graph it serves, and :func:`kg.questions.ask` makes a new one per call
when it is given none (the command line asks once). Its tables are only ever read and added to
(each value complete before it is added), so threads may share a memo; each table stops growing
at ``max_entries``, after which what is not kept is read again when asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from rdflib.term import Node

from kg.questions.answers import Evidence, Quote, Resource, StatementDate
from kg.questions.binding import select
from kg.rdf.results import SelectResult
from kg.store import Store

QuoteFields = tuple[str, str, str | None, str]
"""A quote's annotation, source, identifier and text (a :class:`Quote` once sorted)."""

EvidenceKey = tuple[str, str, str, str, str | None]
"""A statement as evidence: its IRI, role, party, position and the package it goes through."""

DateKey = tuple[str | None, str | None, str, str | None]
"""A statement date as read: value, datatype, precision and basis."""

UndatedRow = tuple[str, str, str, str]
"""An undated statement in scope: its party, position, IRI and role."""


@dataclass(frozen=True)
class Index:
    """A store in memory that holds every quad some canned queries can match in the served graph
    (``kg.pipeline.questions_index`` makes the one of the questions), so it gives those queries
    the rows the whole graph gives, without the seeks of the on-disk store."""

    store: Store
    queries: frozenset[str]
    """The canned queries (names without ``.rq``) it answers."""


_K = TypeVar("_K")
_V = TypeVar("_V")


def _quote_key(q: QuoteFields) -> tuple[str, str, str]:
    annotation, source, identifier, quote = q
    return (identifier or source, annotation, quote)


@dataclass
class StatementDetails:
    """What is read of one statement: its date, speaker, stance and quotes."""

    date: StatementDate
    speaker: Node
    stance: Node
    quotes: dict[QuoteFields, None]
    """Each quote once, in the order read (a dict as an ordered set)."""
    in_order: tuple[Quote, ...] | None = None

    def sorted_quotes(self) -> tuple[Quote, ...]:
        """The quotes by source (its identifier, else its IRI), annotation and text."""
        if self.in_order is None:
            self.in_order = tuple(Quote(*q) for q in sorted(self.quotes, key=_quote_key))
        return self.in_order


class StoreMemo:
    """What the questions have read of ``store``, kept for the next question on it."""

    def __init__(self, store: Store, max_entries: int = 200_000) -> None:
        self.store = store
        self.max_entries = max_entries
        self.details: dict[str, StatementDetails] = {}
        """Each statement's evidence, by its IRI."""
        self.labels: dict[str, Resource] = {}
        """Each resource shown so far with its label, by its IRI."""
        self.evidence: dict[EvidenceKey, Evidence] = {}
        """Each statement as evidence in a role, for a party and a position."""
        self.dates: dict[DateKey, StatementDate] = {}
        """One object per distinct statement date."""
        self.undated: dict[str, list[UndatedRow]] = {}
        """Each party's undated statements (the same on every page of every question)."""
        self._rows: dict[tuple[str, tuple[tuple[str, Node], ...]], SelectResult] = {}
        self.index: Index | None = None
        """Set (once) by the owner when an index of the store is at hand; until then, and for the
        queries it does not answer, the store is read."""

    def reader(self, name: str) -> Store:
        """The store to run the canned query ``name`` on: the index when it answers it, else the
        store (the same rows either way)."""
        index = self.index
        return index.store if index is not None and name in index.queries else self.store

    def keep(self, table: dict[_K, _V], key: _K, value: _V) -> _V:
        """Add ``value`` to one of the memo's tables (unless it is full) and return it."""
        if len(table) < self.max_entries:
            table[key] = value
        return value

    def rows(self, name: str, bindings: Mapping[str, Node] | None = None) -> SelectResult:
        """The rows of the canned helper query ``name`` with ``bindings``, read once. Only for
        the small queries whose rows depend on nothing but the graph and the bindings; the rows
        are shared, so callers only read them."""
        key = (name, tuple(sorted((bindings or {}).items(), key=lambda pair: pair[0])))
        found = self._rows.get(key)
        if found is None:
            found = self.keep(self._rows, key, select(self.reader(name), name, bindings))
        return found


def memo_for(store: Store, memo: StoreMemo | None) -> StoreMemo:
    """``memo``, which must be of ``store``; a new one when none is given (everything is then read
    afresh)."""
    if memo is None:
        return StoreMemo(store)
    if memo.store is not store:
        raise ValueError("the memo given is of another store")
    return memo
