"""The conflicts between lifecycles: the maximal runs of days on which one party holds a position
while another party holds one that ``pt:contradicts`` it (kind ``contradicted``) or opposes it (kind
``rejected``), written as ``pt:Conflict`` nodes with year buckets for the conflicts question
(:mod:`kg.pipeline.derive` computes the spells they intersect; docs/questions.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.rdf.namespaces import DERIVED_GRAPH, PT
from kg.rdf.periods import OPEN_END, OPEN_START, day_literal
from kg.rdf.terms import local_name

Triple = tuple[Node, Node, Node]
Spells = list[tuple[date, date, bool]]
"""Runs of days ``(first, last, certain)``, disjoint and in date order."""
NO_END = OPEN_END
"""The ``pt:spellEnd`` of a spell nothing in the graph ends: the day an open-ended period ends on."""


@dataclass
class Runs:
    """A lifecycle's IRI, party, position and spells, kept for the conflicts."""

    iri: URIRef
    party: URIRef
    position: URIRef
    held: Spells = field(default_factory=list)
    opposed: Spells = field(default_factory=list)


def overlaps(mine: Spells, theirs: Spells) -> Spells:
    """The runs of days in a spell of both lists, certain when both spells are."""
    return [
        (max(a, c), min(b, d), sure and other_sure)
        for a, b, sure in mine
        for c, d, other_sure in theirs
        if max(a, c) <= min(b, d)
    ]


class _Conflict(NamedTuple):
    """One run of days on which ``mine`` holds ``position`` while ``theirs`` holds
    ``other_position`` against it (kind ``contradicted``) or opposes it (kind ``rejected``)."""

    position: URIRef
    kind: str
    mine: Runs
    other_position: URIRef
    theirs: Runs
    first: date
    last: date
    certain: bool


def _conflicts(
    runs: Iterable[Runs], contradicting: Iterable[tuple[URIRef, URIRef]]
) -> list[_Conflict]:
    """Every conflict between two parties' lifecycles, by position, holder and the order of
    ``against`` (the contradicting positions' holders, then the position's opponents)."""
    holding: dict[URIRef, list[Runs]] = defaultdict(list)
    opposing: dict[URIRef, list[Runs]] = defaultdict(list)
    for lifecycle in runs:
        if lifecycle.held:
            holding[lifecycle.position].append(lifecycle)
        if lifecycle.opposed:
            opposing[lifecycle.position].append(lifecycle)
    rivals: dict[URIRef, list[URIRef]] = defaultdict(list)
    for position, rival in sorted(set(contradicting)):
        rivals[position].append(rival)
    found: list[_Conflict] = []
    for position in sorted(holding):
        against = [(q, "contradicted", o.held, o) for q in rivals[position] for o in holding[q]]
        against += [(position, "rejected", o.opposed, o) for o in opposing[position]]
        for mine in holding[position]:
            for other_position, kind, their_spells, theirs in against:
                if theirs.party == mine.party:
                    continue
                found += [
                    _Conflict(position, kind, mine, other_position, theirs, first, last, certain)
                    for first, last, certain in overlaps(mine.held, their_spells)
                ]
    return found


def conflict_triples(
    runs: Iterable[Runs],
    contradicting: Iterable[tuple[URIRef, URIRef]],
    non_party: set[URIRef] | frozenset[URIRef] = frozenset(),
) -> Iterator[Triple]:
    """The ``pt:Conflict`` runs: one party holds a position while another party holds one that
    contradicts it (kind ``contradicted``) or opposes it (kind ``rejected``); those with an actor
    of ``non_party`` on either side are marked ``pt:conflictNonParty``."""
    found = _conflicts(runs, contradicting)
    if not found:
        return
    # Year buckets: a conflict is filed under every year it spans, from the first to the last year
    # any conflict starts or ends in (open starts and ends aside); a day outside those years looks
    # in the nearest one's bucket.
    years = {c.first.year for c in found if c.first != OPEN_START}
    years |= {c.last.year for c in found if c.last != NO_END}
    since, until = (min(years), max(years)) if years else (1, 1)
    yield DERIVED_GRAPH, PT.conflictYearsFrom, Literal(since)
    yield DERIVED_GRAPH, PT.conflictYearsUntil, Literal(until)
    for party in sorted({c.mine.party for c in found}):
        yield DERIVED_GRAPH, PT.conflictingParty, party
    for conflict in found:
        yield from _conflict_triples(conflict, since, until)
        if {conflict.mine.party, conflict.theirs.party} & non_party:
            yield _conflict_iri(conflict), PT.conflictNonParty, Literal(True)


def _conflict_iri(conflict: _Conflict) -> URIRef:
    """``<holding lifecycle>/conflict/<kind>/<other party>/<other position>/<first day>``."""
    return URIRef(
        f"{conflict.mine.iri}/conflict/{conflict.kind}/{local_name(conflict.theirs.party)}/"
        f"{local_name(conflict.other_position)}/{conflict.first.isoformat()}"
    )


def _conflict_triples(conflict: _Conflict, since: int, until: int) -> Iterator[Triple]:
    """One conflict's node: who holds what against whom, when, and its year buckets."""
    position, kind, mine, other_position, theirs, first, last, certain = conflict
    node = _conflict_iri(conflict)
    yield node, RDF.type, PT.Conflict
    yield node, PT.conflictKind, Literal(kind)
    yield node, PT.conflictHolding, mine.iri
    yield node, PT.conflictParty, mine.party
    yield node, PT.conflictPosition, position
    yield node, PT.conflictOpposing, theirs.iri
    yield node, PT.conflictOtherParty, theirs.party
    yield node, PT.conflictOtherPosition, other_position
    yield node, PT.conflictStart, day_literal(first)
    yield node, PT.conflictEnd, day_literal(last)
    yield node, PT.conflictCertain, Literal(certain)
    for year in range(max(first.year, since), min(last.year, until) + 1):
        yield node, PT.conflictYear, Literal(year)
