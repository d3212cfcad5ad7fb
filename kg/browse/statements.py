"""Statements over time, as the position and actor pages show them: who attested a position, with
which stance and when; what an actor said or had said for it; the roles a person held; and the
timelines drawn from them.

Each part reads one canned ``kg/queries/page-*.rq`` query with the resource bound as
``?resource``; all labels of a part are read before any term is shown, so the label a term gets
never depends on the order of the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from rdflib import URIRef
from rdflib.term import Node

from kg.browse.curation import Withdrawal, withdrawal
from kg.browse.dates import When
from kg.browse.evidence import Evidence, text_of
from kg.browse.terms import Href, Labeller, Ref
from kg.browse.timeline import Chart, Entry, layout
from kg.rdf.namespaces import PT
from kg.store import Store
from kg.store.queries import select

SUPPORTING = "supporting"
OPPOSING = "opposing"
OTHER = "other"
TONE_ORDER = {SUPPORTING: 0, OPPOSING: 1, OTHER: 2}
"""How a stance is drawn and listed: supporting first, then opposing, then any other."""


def tone_of(row: dict[str, Node]) -> str:
    """The tone of a row's stance, from its ``?supporting``/``?opposing`` columns."""
    if row.get("opposing") is not None:
        return OPPOSING
    if row.get("supporting") is not None:
        return SUPPORTING
    return OTHER


class Withdrawable(Protocol):
    withdrawn: Withdrawal | None


W = TypeVar("W", bound=Withdrawable)


def current(items: list[W]) -> list[W]:
    """The items still in the record: a corrected or retracted statement is listed, marked, but
    drawn on no timeline and counted in no summary, as the questions leave it out."""
    return [item for item in items if item.withdrawn is None]


# --- a position's attestations ------------------------------------------------------------------


@dataclass
class Attestation:
    """A party's statement about a position, with its evidence."""

    statement: Ref
    party: Ref
    speaker: Ref
    stance: Ref
    tone: str
    when: When
    evidence: list[Evidence] = field(default_factory=list)
    withdrawn: Withdrawal | None = None


def position_attestations(store: Store, iri: URIRef, href: Href) -> list[Attestation]:
    """Every party's statement about a position (or topic), with its quotes, in date order."""
    labeller = Labeller(href)
    rows = list(select(store, "page-position-attestations", {"resource": iri}).dicts())
    for row in rows:
        labeller.add_row(row, ("statement", "party", "speaker", "stance", "source", "correction"))
    found: dict[tuple[Node, Node], Attestation] = {}
    for row in rows:
        key = (row["statement"], row["party"])
        if key not in found:
            found[key] = Attestation(
                statement=labeller.ref(row["statement"]),
                party=labeller.ref(row["party"]),
                speaker=labeller.ref(row["speaker"]),
                stance=labeller.ref(row["stance"]),
                tone=tone_of(row),
                when=When.of(row.get("date"), row.get("precision"), row.get("basis")),
                withdrawn=withdrawal(row, labeller),
            )
        attestation = found[key]
        if "evidence" in row and all(
            e.annotation.term != row["evidence"] for e in attestation.evidence
        ):
            attestation.evidence.append(
                Evidence(
                    annotation=labeller.ref(row["evidence"]),
                    source=labeller.ref(row["source"]),
                    identifier=text_of(row.get("identifier")),
                    quote=text_of(row.get("quote")),
                )
            )
    return sorted(found.values(), key=lambda a: (a.when.sort_key, a.party.label, a.statement.label))


@dataclass
class StanceSummary:
    """Which parties took which stance on a position: each party with its distinct dates (and how
    many statements fall on each)."""

    stance: Ref
    tone: str
    parties: list[tuple[Ref, list[tuple[When, int]]]]


def stance_summary(attestations: list[Attestation]) -> list[StanceSummary]:
    by_stance: dict[Node, dict[Node, dict[When, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    refs: dict[Node, Ref] = {}
    tones: dict[Node, str] = {}
    for a in current(attestations):
        by_stance[a.stance.term][a.party.term][a.when] += 1
        refs[a.stance.term] = a.stance
        refs[a.party.term] = a.party
        tones[a.stance.term] = a.tone
    summaries = []
    for stance, parties in by_stance.items():
        listed = [
            (refs[party], sorted(dates.items(), key=lambda item: item[0].sort_key))
            for party, dates in parties.items()
        ]
        listed.sort(key=lambda item: item[0].label)
        summaries.append(StanceSummary(refs[stance], tones[stance], listed))
    return sorted(summaries, key=lambda s: (TONE_ORDER[s.tone], s.stance.label))


def attestation_chart(attestations: list[Attestation], title: str) -> Chart:
    """A position's timeline: one lane per party."""
    entries = [
        Entry(
            when=a.when,
            lane=a.party.label,
            label=f"{a.party.label}: {a.stance.label} — {a.statement.label}",
            href=a.statement.href,
            tone=a.tone,
        )
        for a in current(attestations)
    ]
    return layout(entries, title)


# --- an actor's statements and roles ------------------------------------------------------------


@dataclass
class ActorStatement:
    statement: Ref
    kind: str
    roles: list[str]
    stance: Ref | None
    tone: str
    about: list[Ref]
    when: When
    withdrawn: Withdrawal | None = None


def actor_statements(store: Store, iri: URIRef, href: Href) -> list[ActorStatement]:
    """The statements an actor made or that were made on its behalf, in date order."""
    labeller = Labeller(href)
    rows = list(select(store, "page-actor-statements", {"resource": iri}).dicts())
    for row in rows:
        labeller.add_row(row, ("statement", "stance", "about", "correction"))
    found: dict[Node, ActorStatement] = {}
    for row in rows:
        statement = row["statement"]
        if statement not in found:
            found[statement] = ActorStatement(
                statement=labeller.ref(statement),
                kind="assessment" if row["kind"] == PT.Assessment else "position statement",
                roles=[],
                stance=labeller.ref(row["stance"]) if "stance" in row else None,
                tone=tone_of(row),
                about=[],
                when=When.of(row.get("date"), row.get("precision"), row.get("basis")),
                withdrawn=withdrawal(row, labeller),
            )
        item = found[statement]
        if str(row["role"]) not in item.roles:
            item.roles.append(str(row["role"]))
        if "about" in row and all(a.term != row["about"] for a in item.about):
            item.about.append(labeller.ref(row["about"]))
    for item in found.values():
        item.about.sort(key=lambda r: r.label)
    return sorted(found.values(), key=lambda s: (s.when.sort_key, s.statement.label))


ASSESSMENTS_LANE = "Assessments"


def actor_chart(statements: list[ActorStatement], title: str) -> Chart:
    """An actor's timeline: one lane per stance, the assessments last."""
    entries = [
        Entry(
            when=s.when,
            lane=s.stance.label if s.stance else ASSESSMENTS_LANE,
            label=s.statement.label,
            href=s.statement.href,
            tone=s.tone,
        )
        for s in current(statements)
    ]
    return layout(entries, title, lane_order=lambda lane: (lane == ASSESSMENTS_LANE, lane))


@dataclass
class RoleHeld:
    assignment: Ref
    role: Ref | None
    organization: Ref | None
    event: Ref | None
    when: When


def actor_roles(store: Store, iri: URIRef, href: Href) -> list[RoleHeld]:
    """The roles a person held, in date order."""
    labeller = Labeller(href)
    rows = list(select(store, "page-actor-roles", {"resource": iri}).dicts())
    for row in rows:
        labeller.add_row(row, ("assignment", "role", "organization", "event"))
    found: dict[Node, RoleHeld] = {}
    for row in rows:
        if row["assignment"] in found:
            continue
        found[row["assignment"]] = RoleHeld(
            assignment=labeller.ref(row["assignment"]),
            role=labeller.ref(row["role"]) if "role" in row else None,
            organization=labeller.ref(row["organization"]) if "organization" in row else None,
            event=labeller.ref(row["event"]) if "event" in row else None,
            when=When.of(row.get("date"), row.get("precision")),
        )
    return sorted(found.values(), key=lambda r: r.when.sort_key)
