"""Build-time derivation: each (party, position) *lifecycle*, computed once into ``graph:derived``.

The temporal questions (``kg/questions/``) compare intervals of days. Rather than recomputing them from
``pt:date`` + ``pt:datePrecision`` for every question, the build writes, into the named graph
``kg.rdf.namespaces.DERIVED_GRAPH`` (vocabulary: ``ontology/derived.ttl``):

- for every dated position statement, ``pt:earliest`` and ``pt:latest``: the first and last day its
  date may denote;
- for every (party, position) a party stated or opposed, one ``pt:Lifecycle`` with one entry per
  statement: ``pt:Attestation`` (a supporting stance) or ``pt:Ending`` (the party's own opposing
  stance, or a statement superseding one of its attestations), each with its interval;
- on each dated attestation ``s`` the two days that make "in force on day t" a range lookup
  (``W`` are the lifecycle's dated endings, intervals ``[w.e, w.l]``)::

      pt:mayEndFrom       B(s) = min { w.e : w.l >= s.e }   certainly in force on t iff s.l <= t < B(s)
      pt:certainlyEndedBy C(s) = min { w.l : w.e >  s.l }   possibly in force on t  iff s.e <= t < C(s)

  (absent = no such ending). In force on t "certainly" means: in every placement of the statements
  on days within their intervals (same-day statements in either order), the party's latest
  statement on or before t is an attestation; "possibly": in at least one placement.
- on each lifecycle the smallest and largest ``pt:earliest``/``pt:latest`` of its attestations;
- on each lifecycle its *spells* (``pt:Spell``): the maximal runs of days on which the party
  holds the position (``pt:heldDuring``), each certain or only possible (``pt:spellCertain``),
  merged from the per-attestation runs above; and the runs on which it *opposes* it
  (``pt:opposedDuring``): the same computation with its ``pt:Rejects`` statements in the place
  of attestations and its supporting statements in the place of endings. "Held on day t" is then
  a range lookup.
- the *conflicts* (``pt:Conflict``, a kind of spell): the maximal runs of days on which one
  party holds a position and another party either holds a position that ``pt:contradicts`` it
  (either direction; kind ``contradicted``) or opposes it (kind ``rejected``) — the intersections
  of the two lifecycles' spells, certain when both spells are. The conflicts question is then one
  range lookup over conflicts instead of a join of every holding with every other at query time
  (at 1M triples: ~700 ms as a join, a few ms with a party; docs/performance.md).

Undated statements get entries without an interval: they are never placed in time, only listed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple, cast

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.query import ResultRow
from rdflib.term import Node

from kg.rdf.namespaces import DERIVED_GRAPH, ID, PT
from kg.rdf.periods import Interval, interval_of
from kg.rdf.results import SelectResult
from kg.store import Store
from kg.store.queries import canned_query

LIFECYCLE = ID["lifecycle/"]
"""Lifecycle IRIs: ``id/lifecycle/<party>/<position>``; entries add ``/<statement>``."""

Triple = tuple[Node, Node, Node]


@dataclass
class Entry:
    statement: URIRef
    interval: Interval | None
    attestation: bool
    rejection: bool = False


@dataclass
class Lifecycle:
    party: URIRef
    position: URIRef
    entries: dict[URIRef, Entry] = field(default_factory=dict)


Spells = list[tuple[date, date, bool]]
"""Runs of days ``(first, last, certain)``, disjoint and in date order (see :func:`spells`)."""


def _true(term: Node | None) -> bool:
    return isinstance(term, Literal) and bool(term.toPython())


def local_name(iri: str) -> str:
    """The last segment of an IRI (after the last ``/`` or ``#``)."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def derive(select: Callable[[str], SelectResult]) -> Iterator[Triple]:
    """Every derived fact of the data ``select`` queries: lifecycles, spells and conflicts."""
    return triples(collect(select), contradictions(select))


def contradictions(select: Callable[[str], SelectResult]) -> set[tuple[URIRef, URIRef]]:
    """The pairs of positions that contradict each other, in both directions."""
    pairs = set()
    for row in select(canned_query("derive-contradictions")).dicts():
        position, other = row["position"], row["other"]
        if isinstance(position, URIRef) and isinstance(other, URIRef) and position != other:
            pairs |= {(position, other), (other, position)}
    return pairs


def collect(select: Callable[[str], SelectResult]) -> list[Lifecycle]:
    """Read statements and supersessions with ``select`` and group them into lifecycles."""
    statements = select(canned_query("derive-statements"))
    supersedes = select(canned_query("derive-supersedes"))
    lifecycles: dict[tuple[URIRef, URIRef], Lifecycle] = {}
    intervals: dict[URIRef, Interval | None] = {}
    attested_in: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    for row in statements.dicts():
        # The shapes name every statement, party and position by an IRI (pts:ResourceShape).
        statement = cast(URIRef, row["statement"])
        party, position = cast(URIRef, row["party"]), cast(URIRef, row["position"])
        supporting, opposing = _true(row.get("supporting")), _true(row.get("opposing"))
        rejects = _true(row.get("rejects"))
        written = row.get("date")
        interval = interval_of(written) if isinstance(written, Literal) else None
        intervals[statement] = interval
        if not (supporting or opposing):
            continue
        key = (party, position)
        lifecycle = lifecycles.setdefault(key, Lifecycle(party, position))
        lifecycle.entries[statement] = Entry(
            statement, interval, attestation=supporting, rejection=rejects
        )
        if supporting:
            attested_in[statement].append(key)
    for row in supersedes.dicts():
        # Both ends of pt:supersedes are statements, named by IRIs (pts:ResourceShape).
        newer, older = cast(URIRef, row["newer"]), cast(URIRef, row["older"])
        for key in attested_in.get(older, []):
            lifecycle = lifecycles[key]
            current = lifecycle.entries.get(newer)
            if current is None or not current.attestation:
                lifecycle.entries[newer] = Entry(newer, intervals.get(newer), attestation=False)
    return [lifecycles[key] for key in sorted(lifecycles)]


def may_end_from(attestation: Interval, endings: Iterable[Interval]) -> date | None:
    """B(s): the earliest first day of an ending that does not certainly precede ``attestation``."""
    return min((w.start for w in endings if w.end >= attestation.start), default=None)


def certainly_ended_by(attestation: Interval, endings: Iterable[Interval]) -> date | None:
    """C(s): the earliest last day of an ending that certainly follows ``attestation``."""
    return min((w.end for w in endings if w.start > attestation.end), default=None)


NO_END = date(9999, 12, 31)
"""The ``pt:spellEnd`` of a spell nothing in the graph ends."""
_ONE = timedelta(days=1)


def spells(attestations: list[Interval], endings: list[Interval]) -> Spells:
    """The maximal runs of days on which the position is held: ``(first, last, certain)``.

    Certainly held on t iff some attestation has s.l <= t < B(s); possibly iff s.e <= t < C(s)
    (see the module docstring). Runs are disjoint, in date order; an open run ends on
    :data:`NO_END`.
    """
    runs: list[tuple[date, date, int]] = []
    for s in attestations:
        b, c = may_end_from(s, endings), certainly_ended_by(s, endings)
        runs.append((s.end, b - _ONE if b else NO_END, 2))
        runs.append((s.start, c - _ONE if c else NO_END, 1))
    runs = [r for r in runs if r[0] <= r[1]]
    points = sorted({a for a, _, _ in runs} | {b + _ONE for _, b, _ in runs if b < NO_END})
    found: list[tuple[date, date, int]] = []
    for i, day in enumerate(points):
        last = points[i + 1] - _ONE if i + 1 < len(points) else NO_END
        rank = max((r for a, b, r in runs if a <= day <= b), default=0)
        if found and found[-1][2] == rank and found[-1][1] + _ONE == day:
            found[-1] = (found[-1][0], last, rank)
        else:
            found.append((day, last, rank))
    return [(a, b, rank == 2) for a, b, rank in found if rank]


def _day(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def lifecycle_iri(party: URIRef, position: URIRef) -> URIRef:
    return URIRef(f"{LIFECYCLE}{local_name(party)}/{local_name(position)}")


def triples(
    lifecycles: Iterable[Lifecycle],
    contradicting: Iterable[tuple[URIRef, URIRef]] = (),
) -> Iterator[Triple]:
    """The derived facts of the given lifecycles (and the intervals of their statements), and the
    conflicts between them given the ``contradicting`` pairs of positions (both directions)."""
    dated: set[URIRef] = set()
    taken: dict[URIRef, tuple[URIRef, URIRef]] = {}
    runs: list[_Runs] = []
    for lifecycle in lifecycles:
        iri = _unique_iri(lifecycle, taken)
        yield from _summary_triples(iri, lifecycle)
        found = _Runs(iri, lifecycle.party, lifecycle.position)
        runs.append(found)
        endings = [
            e.interval for e in lifecycle.entries.values() if not e.attestation and e.interval
        ]
        attested = [e.interval for e in lifecycle.entries.values() if e.attestation and e.interval]
        rejections = [e.interval for e in lifecycle.entries.values() if e.rejection and e.interval]
        found.held = spells(attested, endings)
        found.opposed = spells(rejections, attested)
        yield from _spell_triples(iri, PT.heldDuring, "held", found.held)
        yield from _spell_triples(iri, PT.opposedDuring, "opposed", found.opposed)
        for statement in sorted(lifecycle.entries):
            yield from _entry_triples(iri, statement, lifecycle.entries[statement], endings, dated)
    yield from conflict_triples(runs, contradicting)


def _unique_iri(lifecycle: Lifecycle, taken: dict[URIRef, tuple[URIRef, URIRef]]) -> URIRef:
    """The lifecycle's IRI, with a digest of its party and position added when two lifecycles'
    local names would otherwise meet (``taken`` remembers the IRIs given so far)."""
    iri = lifecycle_iri(lifecycle.party, lifecycle.position)
    pair = (lifecycle.party, lifecycle.position)
    if taken.setdefault(iri, pair) != pair:
        digest = hashlib.sha1(f"{lifecycle.party} {lifecycle.position}".encode()).hexdigest()
        iri = URIRef(f"{iri}-{digest[:8]}")
    return iri


def _summary_triples(iri: URIRef, lifecycle: Lifecycle) -> Iterator[Triple]:
    """What the lifecycle is, and when it was first and last attested (each as a range of days)."""
    yield iri, RDF.type, PT.Lifecycle
    label = f"Lifecycle of {local_name(lifecycle.position)} for {local_name(lifecycle.party)}"
    yield iri, RDFS.label, Literal(label, lang="en")
    yield iri, PT.lifecycleParty, lifecycle.party
    yield iri, PT.lifecyclePosition, lifecycle.position
    attested = [e.interval for e in lifecycle.entries.values() if e.attestation and e.interval]
    if attested:
        yield iri, PT.firstAttestedEarliest, _day(min(i.start for i in attested))
        yield iri, PT.firstAttestedLatest, _day(min(i.end for i in attested))
        yield iri, PT.lastAttestedEarliest, _day(max(i.start for i in attested))
        yield iri, PT.lastAttestedLatest, _day(max(i.end for i in attested))


def _spell_triples(iri: URIRef, prop: URIRef, kind: str, found: Spells) -> Iterator[Triple]:
    for first, last, certain in found:
        spell = URIRef(f"{iri}/{kind}-{first.isoformat()}")
        yield iri, prop, spell
        yield spell, RDF.type, PT.Spell
        yield spell, PT.spellStart, _day(first)
        yield spell, PT.spellEnd, _day(last)
        yield spell, PT.spellCertain, Literal(certain)


def _entry_triples(
    iri: URIRef,
    statement: URIRef,
    entry: Entry,
    endings: list[Interval],
    dated: set[URIRef],
) -> Iterator[Triple]:
    """One statement's entry in a lifecycle: its days, and for an attestation when it may, or
    certainly did, end; the statement's own days once (``dated`` remembers which have them)."""
    node = URIRef(f"{iri}/{local_name(statement)}")
    yield iri, PT.entry, node
    yield node, RDF.type, PT.Attestation if entry.attestation else PT.Ending
    yield node, PT.entryStatement, statement
    if entry.interval is None:
        yield iri, PT.undatedEntry, node
        return
    yield node, PT.earliest, _day(entry.interval.start)
    yield node, PT.latest, _day(entry.interval.end)
    if statement not in dated:
        dated.add(statement)
        yield statement, PT.earliest, _day(entry.interval.start)
        yield statement, PT.latest, _day(entry.interval.end)
    if entry.attestation:
        until = may_end_from(entry.interval, endings)
        if until is not None:
            yield node, PT.mayEndFrom, _day(until)
        ended = certainly_ended_by(entry.interval, endings)
        if ended is not None:
            yield node, PT.certainlyEndedBy, _day(ended)


@dataclass
class _Runs:
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
    mine: _Runs
    other_position: URIRef
    theirs: _Runs
    first: date
    last: date
    certain: bool


def _conflicts(
    runs: Iterable[_Runs], contradicting: Iterable[tuple[URIRef, URIRef]]
) -> list[_Conflict]:
    """Every conflict between two parties' lifecycles, by position, holder and the order of
    ``against`` (the contradicting positions' holders, then the position's opponents)."""
    holding: dict[URIRef, list[_Runs]] = defaultdict(list)
    opposing: dict[URIRef, list[_Runs]] = defaultdict(list)
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
    runs: Iterable[_Runs], contradicting: Iterable[tuple[URIRef, URIRef]]
) -> Iterator[Triple]:
    """The ``pt:Conflict`` runs: one party holds a position while another party holds one that
    contradicts it (kind ``contradicted``) or opposes it (kind ``rejected``)."""
    found = _conflicts(runs, contradicting)
    if not found:
        return
    # Year buckets: a conflict is filed under every year it spans, up to the last year any conflict
    # starts or ends in (open ends excluded); a day after that year looks in that year's bucket.
    until = max(max(c.first.year, c.last.year if c.last != NO_END else c.first.year) for c in found)
    yield DERIVED_GRAPH, PT.conflictYearsUntil, Literal(until)
    for party in sorted({c.mine.party for c in found}):
        yield DERIVED_GRAPH, PT.conflictingParty, party
    for conflict in found:
        yield from _conflict_triples(conflict, until)


def _conflict_triples(conflict: _Conflict, until: int) -> Iterator[Triple]:
    """One conflict's node: who holds what against whom, when, and its year buckets."""
    position, kind, mine, other_position, theirs, first, last, certain = conflict
    node = URIRef(
        f"{mine.iri}/conflict/{kind}/{local_name(theirs.party)}/"
        f"{local_name(other_position)}/{first.isoformat()}"
    )
    yield node, RDF.type, PT.Conflict
    yield node, PT.conflictKind, Literal(kind)
    yield node, PT.conflictHolding, mine.iri
    yield node, PT.conflictParty, mine.party
    yield node, PT.conflictPosition, position
    yield node, PT.conflictOpposing, theirs.iri
    yield node, PT.conflictOtherParty, theirs.party
    yield node, PT.conflictOtherPosition, other_position
    yield node, PT.conflictStart, _day(first)
    yield node, PT.conflictEnd, _day(last)
    yield node, PT.conflictCertain, Literal(certain)
    for year in range(first.year, min(last.year, until) + 1):
        yield node, PT.conflictYear, Literal(year)


def derive_dataset(dataset: Dataset) -> int:
    """Add the derived facts of an rdflib dataset (default graph = union) to ``graph:derived``."""

    def select(sparql: str) -> SelectResult:
        # Only this module's canned SELECT queries come here: there are variables, rows are rows.
        answer = dataset.query(sparql)
        assert answer.vars is not None
        return SelectResult(
            [str(v) for v in answer.vars], [tuple(cast(ResultRow, row)) for row in answer]
        )

    target = dataset.graph(DERIVED_GRAPH)
    for triple in derive(select):
        target.add(triple)
    return len(target)


def derive_store(store: Store) -> int:
    """Add the derived facts of a store's data to its ``graph:derived``; return how many."""

    def select(sparql: str) -> SelectResult:
        result = store.query(sparql)
        assert isinstance(result, SelectResult)
        return result

    derived = [(s, p, o, DERIVED_GRAPH) for s, p, o in derive(select)]
    store.add_quads(derived)
    return len(derived)
