"""From request text to a typed request: the question asked, its parties and positions resolved in
the graph, its periods parsed into the days the query is bound with, its page; and
:class:`AskError` for every mistake a user can make, saying what was wrong and what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import cast

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.questions.binding import parameter_variables, select
from kg.questions.memo import StoreMemo, memo_for
from kg.questions.registry import MAX_OFFSET, MAX_PAGE_SIZE, PAGE_SIZE, QUESTIONS, Question
from kg.rdf.namespaces import ID, PREFIXES
from kg.rdf.periods import Period, PeriodError, day_literal, parse_period, require_order
from kg.rdf.terms import BadIRI, checked_iri, local_name
from kg.store import Store
from kg.store.queries import canned_query


class AskError(ValueError):
    """A user's mistake in a question: unknown question, parameter, party or position, or a bad
    period. The message says what was wrong and what is accepted."""


def get_question(name: str) -> Question:
    """The question called ``name``; :class:`AskError` listing the questions when there is none."""
    try:
        return QUESTIONS[name]
    except KeyError:
        raise AskError(f"unknown question {name!r}; accepted: {', '.join(QUESTIONS)}") from None


@dataclass(frozen=True)
class Request:
    """A question with its parameters understood: as the answer reports them (``parameters``:
    party and position IRIs, periods as given), as the query is bound (``bindings``), the party
    asked about (if any), the mode, and the page (``limit`` items, all when ``None``, after the
    first ``offset``)."""

    question: Question
    parameters: dict[str, str]
    bindings: dict[str, Node]
    party: URIRef | None = None
    mode: str | None = None
    limit: int | None = PAGE_SIZE
    offset: int = 0

    @property
    def query(self) -> str:
        """The canned query that answers the request (the question's, in its mode)."""
        return self.question.query_name(self.mode)


def understand(
    store: Store,
    question: Question,
    params: Mapping[str, str | None],
    memo: StoreMemo | None = None,
) -> Request:
    """The request for ``question`` from raw parameter values (strings, as typed on the command
    line or in a URL; ``None`` for not given); :class:`AskError` for a mistake. What it looks up
    in ``store`` (is this a party, the years conflicts are filed under) is kept in ``memo``."""
    memo = memo_for(store, memo)
    given = _given(question, params)
    parameters: dict[str, str] = {}
    bindings: dict[str, Node] = {}
    periods: dict[str, Period] = {}
    party: URIRef | None = None
    mode: str | None = None
    limit: int | None = PAGE_SIZE
    offset = 0
    for p in question.parameters:
        value = given.get(p.name, p.default)
        if value is None:
            if p.required:
                raise AskError(f"{question.name} needs the parameter {p.name!r}: {p.help}")
            continue
        if p.kind == "party":
            party = resolve_party(store, value, memo)
            parameters[p.name] = str(party)
            bindings["party"] = party
        elif p.kind == "position":
            position = resolve_position(store, value, memo)
            parameters[p.name] = str(position)
            bindings["position"] = position
        elif p.kind in ("mode", "choice"):
            if value not in p.choices:
                raise AskError(f"{p.name} {value!r} is not one of: {', '.join(p.choices)}")
            parameters[p.name] = value
            mode = value if p.kind == "mode" else mode
            for variable, when in p.binds:
                terms = dict(p.terms)
                bindings[variable] = URIRef(terms[value]) if terms else Literal(value == when)
        elif p.kind == "limit":
            all_ = value.strip().lower() == "all"
            limit = None if all_ else _count(value, p.name, 1, MAX_PAGE_SIZE, ", or all")
        elif p.kind == "offset":
            offset = _count(value, p.name, 0, MAX_OFFSET)
        else:
            periods[p.name] = _period(value, p.name, p.kind == "open-period")
            parameters[p.name] = periods[p.name].text
    _require_order(question, periods)
    bindings.update(_period_bindings(memo, question.query_name(mode), question, periods))
    return Request(question, parameters, bindings, party, mode, limit, offset)


def _given(question: Question, params: Mapping[str, str | None]) -> dict[str, str]:
    """The values given, by parameter name (an alias counts as its parameter); :class:`AskError`
    for a parameter the question does not take or one given twice."""
    given: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        parameter = question.parameter(key)
        if parameter is None:
            accepted = ", ".join(p.name for p in question.parameters)
            raise AskError(f"{question.name} takes no parameter {key!r}; accepted: {accepted}")
        if parameter.name in given:
            raise AskError(f"parameter {parameter.name!r} given twice")
        given[parameter.name] = str(value)
    return given


def _count(value: str, name: str, low: int, high: int, also: str = "") -> int:
    """A whole number from ``low`` to ``high``, else :class:`AskError` (saying what ``also`` is
    accepted)."""
    text = value.strip()
    digits = text.lstrip("0") or "0"
    if (
        not text.isdigit()
        or not text.isascii()
        or len(digits) > len(str(high))
        or not low <= int(digits) <= high
    ):
        shown = value if len(value) <= 40 else f"{value[:20]}…({len(value)} characters)"
        raise AskError(f"{name} {shown!r} is not a whole number from {low} to {high}{also}")
    return int(digits)


def _period(value: str, name: str, allow_open: bool) -> Period:
    """The period ``value`` of parameter ``name``; :class:`AskError` saying what is accepted."""
    try:
        return parse_period(value, allow_open=allow_open, name=name)
    except PeriodError as exc:
        raise AskError(str(exc)) from None


def _require_order(question: Question, periods: Mapping[str, Period]) -> None:
    """:class:`AskError` unless each period starts after the one it must follow."""
    for p in question.parameters:
        if p.after is not None and p.after in periods and p.name in periods:
            try:
                require_order(periods[p.after], periods[p.name], p.after, p.name)
            except PeriodError as exc:
                raise AskError(str(exc)) from None


def _period_bindings(
    memo: StoreMemo, query: str, question: Question, periods: Mapping[str, Period]
) -> dict[str, Node]:
    """The variables the periods bind (as their parameters declare), in the order of the
    parameters; the filed year only where ``query`` takes it (finding it costs a query)."""
    bindings: dict[str, Node] = {}
    for p in question.parameters:
        period = periods.get(p.name)
        if period is None:
            continue
        for variable, what in p.binds:
            if what == "start":
                bindings[variable] = day_literal(period.start)
            elif what == "end":
                bindings[variable] = day_literal(period.end)
            elif variable in parameter_variables(canned_query(query)):
                bindings[variable] = Literal(_filed_year(memo, period.end.year))
    return bindings


def _filed_year(memo: StoreMemo, year: int) -> int:
    """The year under which the conflicts of a day in ``year`` are filed (``pt:conflictYear``):
    that year, or the first or last year conflicts are filed under when it is outside them."""
    rows = memo.rows("ask-conflict-years").dicts()
    found = next(iter(rows), {})
    since, until = found.get("since"), found.get("until")
    if isinstance(until, Literal):
        year = min(year, int(until))
    if isinstance(since, Literal):
        year = max(year, int(since))
    return year


# --- parties and positions -------------------------------------------------------------------------


def short_name(term: Node | str) -> str:
    """An IRI's last segment: the short name a user may type for it (``russia``), and the label
    of a resource that has none."""
    return local_name(term)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def _expand(text: str, namespace: str) -> URIRef:
    """An IRI from an IRI, a prefixed name, or a short name in ``namespace``; :class:`BadIRI`
    when the IRI given or made of a prefixed name is not one."""
    text = text.strip().strip("<>")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        return checked_iri(text)
    prefix, sep, rest = text.partition(":")
    if sep and prefix in PREFIXES:
        return checked_iri(PREFIXES[prefix] + rest)
    return checked_iri(f"{ID}{namespace}/{_slug(text)}")


def resolve_party(store: Store, text: str, memo: StoreMemo | None = None) -> URIRef:
    """The party named by an IRI, a prefixed name, a short name or a label; :class:`AskError`
    listing the accepted names when there is no such party."""
    return _resolve(store, text, "party", "actor", memo)


def resolve_position(store: Store, text: str, memo: StoreMemo | None = None) -> URIRef:
    """The position named by an IRI, a prefixed name, a short name or its preferred label."""
    return _resolve(store, text, "position", "position", memo)


def _resolve(store: Store, text: str, kind: str, namespace: str, memo: StoreMemo | None) -> URIRef:
    """Resolve ``text`` to a party or position with the ``ask-is-<kind>`` and ``ask-<kind>s``
    queries: an exact IRI first, then a short name or label compared as slugs."""
    if not text or not text.strip():
        raise AskError(f"{kind} is empty; " + _accepted(store, kind))
    try:
        iri = _expand(text, namespace)
    except BadIRI as exc:
        raise AskError(f"{kind} {text!r} is {exc}; " + _accepted(store, kind)) from None
    is_one = memo.rows if memo is not None else partial(select, store)
    if is_one(f"ask-is-{kind}", {kind: iri}).rows:
        return iri
    wanted = _slug(text)
    for row in select(store, f"ask-{_plural(kind)}").dicts():
        # Parties and positions are named by IRIs (pts:ResourceShape).
        found, label = cast(URIRef, row[kind]), row.get("label")
        if wanted in {_slug(short_name(found)), _slug(str(label or ""))}:
            return found
    raise AskError(f"unknown {kind} {text!r}; " + _accepted(store, kind))


def _accepted(store: Store, kind: str) -> str:
    """What a user may name a party or position with, for an error message."""
    names = sorted({short_name(r[kind]) for r in select(store, f"ask-{_plural(kind)}").dicts()})
    if names:
        return f"accepted: {', '.join(names)} (or a {kind}'s IRI)"
    return (
        "the graph has no parties (no position statements)" if kind == "party" else "no positions"
    )


def _plural(kind: str) -> str:
    return "parties" if kind == "party" else f"{kind}s"
