"""Asking a question: the request understood, a page of its rows read, their evidence read, and
the answer built in the shape the question declares (:class:`~kg.questions.registry.Shape`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.questions.answers import Answer, Evidence, Item, Resource
from kg.questions.binding import iris
from kg.questions.evidence import Entry, Statements, read_entries, read_labels, read_undated
from kg.questions.memo import StoreMemo, memo_for
from kg.questions.paging import Page, read_page
from kg.questions.parameters import AskError, Request, get_question, understand
from kg.questions.registry import Shape, Undated
from kg.rdf.namespaces import PT
from kg.store import Store

_ROLE_ORDER = {"attestation": 0, "withdrawal": 1, "rejection": 2, "supersession": 3, "other": 4}
_ROW_RESOURCES = frozenset({"party", "position", "otherParty", "otherPosition"})
"""The columns of a lifecycle row whose IRIs an answer shows (and so labels)."""

_Keyed = tuple[tuple[Any, ...], Evidence]
"""Evidence with its sort key."""


def ask(
    store: Store,
    question: str,
    params: Mapping[str, str | None],
    memo: StoreMemo | None = None,
) -> Answer:
    """Answer a question (a key of :data:`~kg.questions.registry.QUESTIONS`) with raw parameter
    values (strings, as typed on the command line or in a URL); raise :class:`AskError` for a
    user's mistake. ``memo`` keeps what is read of ``store`` for the next question on it (a
    server passes the one it keeps for its graph); without one, everything is read afresh."""
    memo = memo_for(store, memo)
    q = get_question(question)
    request = understand(store, q, params, memo)
    found = read_page(memo, request)
    if (not found.rows or not q.shape.rows_show_derived) and not memo.rows("ask-derived").rows:
        raise AskError(
            "this graph has no derived lifecycles (graph:derived), which the questions need: "
            "ask on a build made by `kg build` (build/ptkg.nq), not on curated files alone"
        )
    return _ASSEMBLERS[q.shape](memo, request, found)


def _evidence_key(e: Evidence) -> tuple[Any, ...]:
    """Evidence in time order (by the interval of its date: first day, then last; a date as of a
    report, which has no first day, at its report date), then by party, statement, role and
    package."""
    return (
        e.date.earliest or e.date.latest or "9999-12-31",
        e.date.latest or "9999-12-31",
        e.party.iri,
        e.statement,
        _ROLE_ORDER.get(e.role, 9),
        e.via.iri if e.via else "",
    )


def _first(pair: _Keyed) -> tuple[Any, ...]:
    return pair[0]


def _last_attested_key(ev: Evidence) -> tuple[Any, ...]:
    """The latest attestation: its interval ends last, then starts last (ties by statement)."""
    return (ev.date.latest or "", ev.date.earliest or "", ev.statement)


class _DatedEvidence:
    """Each lifecycle's dated evidence (for a party and a position), sorted once. An item's
    evidence is one lifecycle's, or two lifecycles' sorted runs concatenated and sorted again:
    the stable sort gives the order that sorting the two unsorted lists together would."""

    def __init__(
        self, entries: Mapping[str, list[Entry]], statements: Statements, packages: bool
    ) -> None:
        self._entries = entries
        self._statements = statements
        self._packages = packages
        self._sorted: dict[tuple[str, str, str], list[_Keyed]] = {}

    def of(self, lifecycle: Node | None, party: str, position: Node | None) -> list[_Keyed]:
        """The dated evidence of ``lifecycle`` for ``party`` and ``position``, sorted."""
        if lifecycle is None:
            return []
        key = (str(lifecycle), party, str(position))
        found = self._sorted.get(key)
        if found is None:
            found = []
            for statement, role, via in self._entries.get(key[0], ()):
                if via is not None and not self._packages:
                    continue
                ev = self._statements.evidence(statement, role, party, key[2], via)
                if ev is not None and ev.date.dated:
                    found.append((_evidence_key(ev), ev))
            found.sort(key=_first)
            self._sorted[key] = found
        return found


def _lifecycle_answer(memo: StoreMemo, request: Request, found: Page) -> Answer:
    """Items from the question's rows, each with the dated statements of its lifecycle(s) as
    evidence; the undated statements in scope (as the question declares) listed apart."""
    rows = found.rows
    lifecycles = [r["lifecycle"] for r in rows] + [
        r["otherLifecycle"] for r in rows if "otherLifecycle" in r
    ]
    statements = Statements(memo)
    entries = read_entries(memo, "lifecycle", lifecycles, statements)
    scope = request.party if request.question.undated is Undated.PARTY else None
    undated_rows = read_undated(memo, scope, rows, entries, statements)
    shown = statements.resources() | iris([request.party])
    packages = _follows_packages(request)
    if packages:
        shown |= {via for found in entries.values() for _s, _r, via in found if via}
    shown |= iris(t for r in rows for k, t in r.items() if k in _ROW_RESOURCES)
    for undated_party, position, _statement, _role in undated_rows:
        shown.update((undated_party, position))
    labels = statements.labels = read_labels(memo.store, shown, memo)
    dated = _DatedEvidence(entries, statements, packages)
    items = [_lifecycle_item(r, request.party, dated, labels) for r in rows]
    undated = sorted(
        (
            ev
            for ev in (
                statements.evidence(statement, role, party, position)
                for party, position, statement, role in undated_rows
            )
            if ev is not None
        ),
        key=lambda ev: (ev.position.label.lower(), ev.position.iri, ev.party.iri, ev.statement),
    )
    return _answer(request, found, items, _dedupe(undated))


def _follows_packages(request: Request) -> bool:
    """Whether the request counts statements of packages as restating their parts (its
    ``packages`` parameter; the questions without one do not)."""
    return request.bindings.get("entries") == PT.entryWithPackages


def _lifecycle_item(
    row: Mapping[str, Node],
    asked: Node | None,
    dated: _DatedEvidence,
    labels: Mapping[str, Resource],
) -> Item:
    """One row as an item of the ``asked`` party (else of the row's party), with its (and for a
    conflict the other side's) dated evidence and the party's latest dated attestation."""
    party = asked if asked is not None else row.get("party")
    party_iri = str(party)
    found = dated.of(row["lifecycle"], party_iri, row["position"])
    if "otherLifecycle" in row:
        other = dated.of(
            row["otherLifecycle"], str(row.get("otherParty")), row.get("otherPosition")
        )
        if other:
            found = sorted(found + other, key=_first)
    evidence = tuple(ev for _key, ev in found)
    last = max(
        (ev for ev in evidence if ev.role == "attestation" and ev.party.iri == party_iri),
        key=_last_attested_key,
        default=None,
    )
    category = row.get("category", row.get("kind"))
    return Item(
        position=labels[str(row["position"])],
        party=labels[party_iri] if party is not None else None,
        certainty=str(row["certainty"]),
        category=str(category) if category is not None else None,
        other_party=labels[str(row["otherParty"])] if "otherParty" in row else None,
        other_position=labels[str(row["otherPosition"])] if "otherPosition" in row else None,
        last_attested=last,
        evidence=evidence,
    )


def _dedupe(evidence: Iterable[Evidence]) -> list[Evidence]:
    """Each statement once per party and position (the first of its roles)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for ev in evidence:
        key = (ev.statement, ev.party.iri, ev.position.iri)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def _timeline_answer(memo: StoreMemo, request: Request, found: Page) -> Answer:
    """Each dated statement of the rows an item of its own (its role as category); the undated
    ones listed apart."""
    rows = found.rows
    statements = Statements(memo)
    statements.read(str(r["statement"]) for r in rows)
    shown = statements.resources() | iris(
        t for r in rows for t in (r["party"], r["position"], r["stance"], r.get("about"))
    )
    statements.labels = read_labels(memo.store, shown, memo)
    items: list[Item] = []
    undated: list[Evidence] = []
    for r in rows:
        about = r.get("about")
        via = about if about is not None and about != r["position"] else None
        ev = statements.evidence(
            str(r["statement"]),
            str(r["role"]),
            str(r["party"]),
            str(r["position"]),
            str(via) if via is not None else None,
        )
        if ev is None:
            continue
        if "latest" not in r:
            undated.append(ev)
            continue
        items.append(
            Item(
                position=ev.position,
                party=ev.party,
                certainty="certain",
                category=ev.role,
                other_party=None,
                other_position=None,
                last_attested=None,
                evidence=(ev,),
            )
        )
    return _answer(request, found, items, undated)


def _answer(
    request: Request, found: Page, items: Iterable[Item], undated: Iterable[Evidence]
) -> Answer:
    """The answer to ``request`` from its items and undated evidence, with the days that were
    bound (``bounds``) and its page."""
    q = request.question
    return Answer(
        question=q.name,
        title=q.title,
        query=request.query,
        parameters=request.parameters,
        bounds={k: str(v) for k, v in found.bindings.items() if _is_day(v)},
        items=tuple(items),
        undated=tuple(undated),
        limit=request.limit,
        offset=request.offset,
        next=found.next,
    )


def _is_day(term: Node) -> bool:
    return isinstance(term, Literal) and term.datatype == XSD.date


_ASSEMBLERS: Mapping[Shape, Callable[[StoreMemo, Request, Page], Answer]] = {
    Shape.LIFECYCLE: _lifecycle_answer,
    Shape.TIMELINE: _timeline_answer,
}
"""How each shape of question builds its answer from a page of rows."""
