"""Build-time derivation: each (party, position) *lifecycle*, computed once into ``graph:derived``.

The temporal questions (``kg/questions/``) compare intervals of days. Rather than recomputing them from
``pt:date`` + ``pt:datePrecision`` for every question, the build writes, into the named graph
``kg.rdf.namespaces.DERIVED_GRAPH`` (vocabulary: ``ontology/derived.ttl``):

- for every dated position statement, ``pt:earliest`` and ``pt:latest``: the first and last day its
  date may denote (a report date, ``pt:AsOfReport``, bounds it only from above: its first day is
  ``0001-01-01``, :data:`kg.rdf.periods.OPEN_START`);
- for every (party, position) a party stated or opposed, one ``pt:Lifecycle`` with one entry per
  statement: ``pt:Attestation`` (a supporting stance) or ``pt:Ending`` (the party's own opposing
  stance, or a statement superseding one of its attestations), each with its interval;
- on each dated attestation ``s`` the two days that make "in force on day t" a range lookup
  (``W`` are the lifecycle's dated endings, intervals ``[w.e, w.l]``)::

      pt:mayEndFrom       B(s) = min { w.e : w.l >= s.e }   certainly in force on t iff s.l <= t < B(s)
      pt:certainlyEndedBy C(s) = min { w.l : w.e >  s.l }   possibly in force on t  iff s.e <= t < C(s)

  (absent = no such ending). A statement that lapses with an event (``pt:lapsesWith``: a draft's
  terms lapse when its talks fail) has that event as an ending of its own, never before the
  statement itself: it adds max(L.e, s.e) to B(s) and max(L.l, s.e) to C(s). In force on t
  "certainly" means: in every placement of the statements
  on days within their intervals (same-day statements in either order), the party's latest
  statement on or before t is an attestation; "possibly": in at least one placement.
- on each lifecycle the smallest and largest ``pt:earliest``/``pt:latest`` of its attestations;
- on each lifecycle its *spells* (``pt:Spell``): the maximal runs of days on which the party
  holds the position (``pt:heldDuring``), each certain or only possible (``pt:spellCertain``),
  merged from the per-attestation runs above; and the runs on which it *opposes* it
  (``pt:opposedDuring``): the same computation with its ``pt:Rejects`` statements in the place
  of attestations and its supporting statements in the place of endings. "Held on day t" is then
  a range lookup.
- for every part of a package position (``pt:comprises``, transitively), the party's dated
  attestations of the package as attestations of the part (``pt:packageEntry``, each with its
  ``pt:viaPackage``), with B(s) and C(s) against the part's own endings; ``pt:entryWithPackages``
  links a lifecycle to its entries and its package entries alike, which the questions that follow
  packages (persisted, re-emerged) read unless asked not to. They make no spells: "held"
  and the conflicts are the party's own statements about the position;
- the *conflicts* (``pt:Conflict``, a kind of spell): the maximal runs of days on which one
  party holds a position and another party either holds a position that ``pt:contradicts`` it
  (either direction; kind ``contradicted``) or opposes it (kind ``rejected``) — the intersections
  of the two lifecycles' spells, certain when both spells are. The conflicts question is then one
  range lookup over conflicts instead of a join of every holding with every other at query time
  (at 1M triples: ~700 ms as a join, a few ms with a party; docs/performance.md). A conflict
  with an actor that is no party to the negotiations (``pt:NonParty``) is marked
  ``pt:conflictNonParty``.

Undated statements get entries without an interval: they are never placed in time, only listed.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.query import ResultRow
from rdflib.term import Node

from kg.pipeline.conflicts import (
    NO_END,
    Runs,
    Spells,
    Triple,
    conflict_triples,
)
from kg.rdf.namespaces import DERIVED_GRAPH, ID, PT
from kg.rdf.periods import Interval, day_literal, interval_of
from kg.rdf.results import SelectResult
from kg.rdf.terms import local_name
from kg.store import Store
from kg.store.queries import canned_query

LIFECYCLE = ID["lifecycle/"]
"""Lifecycle IRIs: ``id/lifecycle/<party>/<position>``; entries add ``/<statement>``."""


@dataclass
class Entry:
    statement: URIRef
    interval: Interval | None
    attestation: bool
    rejection: bool = False
    lapses: tuple[Interval, ...] = ()
    """The dates of the events the statement lapses with (``pt:lapsesWith``)."""
    via: URIRef | None = None
    """For an attestation through a package: the package position the statement is about."""


@dataclass
class Lifecycle:
    party: URIRef
    position: URIRef
    entries: dict[URIRef, Entry] = field(default_factory=dict)
    packaged: dict[URIRef, Entry] = field(default_factory=dict)
    """The party's attestations of packages that comprise the position, by statement."""


def _true(term: Node | None) -> bool:
    return isinstance(term, Literal) and bool(term.toPython())


def derive(select: Callable[[str], SelectResult]) -> Iterator[Triple]:
    """Every derived fact of the data ``select`` queries: lifecycles, spells and conflicts."""
    return triples(collect(select), contradictions(select), non_parties(select))


def non_parties(select: Callable[[str], SelectResult]) -> set[URIRef]:
    """The actors that are no party to the negotiations (``pt:NonParty``)."""
    rows = select(canned_query("derive-non-parties")).dicts()
    return {row["actor"] for row in rows if isinstance(row["actor"], URIRef)}


def packages(select: Callable[[str], SelectResult]) -> dict[URIRef, set[URIRef]]:
    """The parts of each package position, directly or through packages within it."""
    parts: dict[URIRef, set[URIRef]] = defaultdict(set)
    for row in select(canned_query("derive-packages")).dicts():
        package, part = row["package"], row["part"]
        if isinstance(package, URIRef) and isinstance(part, URIRef):
            parts[package].add(part)
    return parts


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
    lapses: dict[URIRef, set[Interval]] = defaultdict(set)
    attested_in: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    rows = list(statements.dicts())
    for row in rows:
        lapse = row.get("lapse")
        found = interval_of(lapse) if isinstance(lapse, Literal) else None
        if found is not None:
            lapses[cast(URIRef, row["statement"])].add(found)
    for row in rows:
        # The shapes name every statement, party and position by an IRI (pts:ResourceShape).
        statement = cast(URIRef, row["statement"])
        party, position = cast(URIRef, row["party"]), cast(URIRef, row["position"])
        supporting, opposing = _true(row.get("supporting")), _true(row.get("opposing"))
        rejects = _true(row.get("rejects"))
        written = row.get("date")
        interval = (
            interval_of(written, basis=cast(URIRef | None, row.get("basis")))
            if isinstance(written, Literal)
            else None
        )
        intervals[statement] = interval
        if not (supporting or opposing):
            continue
        key = (party, position)
        lifecycle = lifecycles.setdefault(key, Lifecycle(party, position))
        lifecycle.entries[statement] = Entry(
            statement,
            interval,
            attestation=supporting,
            rejection=rejects,
            lapses=tuple(sorted(lapses.get(statement, ()))),
        )
        if supporting:
            attested_in[statement].append(key)
    _add_packaged(lifecycles, attested_in, packages(select))
    for row in supersedes.dicts():
        # Both ends of pt:supersedes are statements, named by IRIs (pts:ResourceShape).
        newer, older = cast(URIRef, row["newer"]), cast(URIRef, row["older"])
        for key in attested_in.get(older, []):
            lifecycle = lifecycles[key]
            current = lifecycle.entries.get(newer)
            if current is None or not current.attestation:
                lifecycle.entries[newer] = Entry(newer, intervals.get(newer), attestation=False)
    return [lifecycles[key] for key in sorted(lifecycles)]


def _add_packaged(
    lifecycles: dict[tuple[URIRef, URIRef], Lifecycle],
    attested_in: Mapping[URIRef, list[tuple[URIRef, URIRef]]],
    parts_of: Mapping[URIRef, set[URIRef]],
) -> None:
    """Give each part of a package the party's attestations of the package (``Lifecycle.packaged``),
    unless the statement is about the part itself; the smallest package IRI names the way."""
    for statement in sorted(attested_in):
        keys = attested_in[statement]
        direct = {position for _party, position in keys}
        for party, package in sorted(keys):
            entry = lifecycles[(party, package)].entries[statement]
            for part in sorted(parts_of.get(package, ())):
                if part in direct:
                    continue
                lifecycle = lifecycles.setdefault((party, part), Lifecycle(party, part))
                if statement not in lifecycle.packaged:
                    lifecycle.packaged[statement] = Entry(
                        statement, entry.interval, True, lapses=entry.lapses, via=package
                    )


def may_end_from(attestation: Interval, endings: Iterable[Interval]) -> date | None:
    """B(s): the earliest first day of an ending that does not certainly precede ``attestation``."""
    return min((w.start for w in endings if w.end >= attestation.start), default=None)


def certainly_ended_by(attestation: Interval, endings: Iterable[Interval]) -> date | None:
    """C(s): the earliest last day of an ending that certainly follows ``attestation``."""
    return min((w.end for w in endings if w.start > attestation.end), default=None)


def reach(
    attestation: Interval, endings: Iterable[Interval], lapses: Iterable[Interval] = ()
) -> tuple[date | None, date | None]:
    """B(s) and C(s), with the statement's own lapses as endings that cannot precede it."""
    b, c = may_end_from(attestation, endings), certainly_ended_by(attestation, endings)
    for lapse in lapses:
        first, last = max(lapse.start, attestation.start), max(lapse.end, attestation.start)
        b = first if b is None else min(b, first)
        c = last if c is None else min(c, last)
    return b, c


_ONE = timedelta(days=1)


def spells(
    attestations: Iterable[tuple[Interval, Iterable[Interval]]], endings: list[Interval]
) -> Spells:
    """The maximal runs of days on which the position is held: ``(first, last, certain)``.

    ``attestations`` are each an interval with the statement's lapses. Certainly held on t iff
    some attestation has s.l <= t < B(s); possibly iff s.e <= t < C(s) (see the module
    docstring). Runs are disjoint, in date order; an open run ends on :data:`NO_END`.
    """
    runs: list[tuple[date, date, int]] = []
    for s, lapses in attestations:
        b, c = reach(s, endings, lapses)
        # a run ends the day before its ending; one whose ending comes no later than its first day
        # is empty (and, starting on OPEN_START, would have no day before it)
        if b is None or b > s.end:
            runs.append((s.end, b - _ONE if b else NO_END, 2))
        if c is None or c > s.start:
            runs.append((s.start, c - _ONE if c else NO_END, 1))
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


def lifecycle_iri(party: URIRef, position: URIRef) -> URIRef:
    return URIRef(f"{LIFECYCLE}{local_name(party)}/{local_name(position)}")


def triples(
    lifecycles: Iterable[Lifecycle],
    contradicting: Iterable[tuple[URIRef, URIRef]] = (),
    non_party: Iterable[URIRef] = (),
) -> Iterator[Triple]:
    """The derived facts of the given lifecycles (and the intervals of their statements), and the
    conflicts between them given the ``contradicting`` pairs of positions (both directions) and
    the actors that are no party (``non_party``)."""
    dated: set[URIRef] = set()
    taken: dict[URIRef, tuple[URIRef, URIRef]] = {}
    runs: list[Runs] = []
    for lifecycle in lifecycles:
        iri = _unique_iri(lifecycle, taken)
        yield from _summary_triples(iri, lifecycle)
        found = Runs(iri, lifecycle.party, lifecycle.position)
        runs.append(found)
        entries = lifecycle.entries.values()
        endings = [e.interval for e in entries if not e.attestation and e.interval]
        attested = [(e.interval, e.lapses) for e in entries if e.attestation and e.interval]
        rejected = [(e.interval, e.lapses) for e in entries if e.rejection and e.interval]
        found.held = spells(attested, endings)
        found.opposed = spells(rejected, [interval for interval, _lapses in attested])
        yield from _spell_triples(iri, PT.heldDuring, "held", found.held)
        yield from _spell_triples(iri, PT.opposedDuring, "opposed", found.opposed)
        for statement in sorted(lifecycle.entries):
            yield from _entry_triples(iri, statement, lifecycle.entries[statement], endings, dated)
        for statement in sorted(lifecycle.packaged):
            yield from _entry_triples(iri, statement, lifecycle.packaged[statement], endings, dated)
    yield from conflict_triples(runs, contradicting, set(non_party))


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
        yield iri, PT.firstAttestedEarliest, day_literal(min(i.start for i in attested))
        yield iri, PT.firstAttestedLatest, day_literal(min(i.end for i in attested))
        yield iri, PT.lastAttestedEarliest, day_literal(max(i.start for i in attested))
        yield iri, PT.lastAttestedLatest, day_literal(max(i.end for i in attested))


def _spell_triples(iri: URIRef, prop: URIRef, kind: str, found: Spells) -> Iterator[Triple]:
    for first, last, certain in found:
        spell = URIRef(f"{iri}/{kind}-{first.isoformat()}")
        yield iri, prop, spell
        yield spell, RDF.type, PT.Spell
        yield spell, PT.spellStart, day_literal(first)
        yield spell, PT.spellEnd, day_literal(last)
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
    if entry.via is None:
        yield iri, PT.entry, node
    else:
        yield iri, PT.packageEntry, node
        yield node, PT.viaPackage, entry.via
    yield iri, PT.entryWithPackages, node
    yield node, RDF.type, PT.Attestation if entry.attestation else PT.Ending
    yield node, PT.entryStatement, statement
    if entry.interval is None:
        if entry.via is None:
            yield iri, PT.undatedEntry, node
        return
    yield node, PT.earliest, day_literal(entry.interval.start)
    yield node, PT.latest, day_literal(entry.interval.end)
    if statement not in dated:
        dated.add(statement)
        yield statement, PT.earliest, day_literal(entry.interval.start)
        yield statement, PT.latest, day_literal(entry.interval.end)
    if entry.attestation:
        until, ended = reach(entry.interval, endings, entry.lapses)
        if until is not None:
            yield node, PT.mayEndFrom, day_literal(until)
        if ended is not None:
            yield node, PT.certainlyEndedBy, day_literal(ended)


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
