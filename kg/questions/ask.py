"""The temporal questions: which positions a party held, kept, added, dropped or renewed, and when.

One implementation, four faces: each question is a parameterised SPARQL query shipped as
``kg/queries/ask-<question>.rq`` (readable on its own, runnable in any SPARQL endpoint that holds the
build), run here with its parameters bound as variables (never pasted into the query text), and
answered as plain dataclasses with the evidence of every item. ``kg ask`` (CLI) and
``GET /api/ask/<question>`` (JSON API) print :meth:`Answer.to_dict` — the one serialisation.

Semantics (periods, intervals, certain vs uncertain): ``docs/questions.md``; the interval logic is
``kg/questions/periods.py`` and the build-time lifecycles it relies on ``kg/pipeline/derive.py``.

Stable API for other faces (e.g. HTML pages): :data:`QUESTIONS` (each :class:`Question` with title,
description, parameters and query file), :func:`ask`, and the dataclasses :class:`Answer`,
:class:`Item`, :class:`Evidence`, :class:`Resource`, :class:`StatementDate`, :class:`Quote`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.questions.periods import (
    PRECISION_IRIS,
    Period,
    PeriodError,
    interval_of,
    parse_period,
    require_order,
)
from kg.rdf.namespaces import ID, PREFIXES, bind_prefixes
from kg.rdf.results import SelectResult
from kg.rdf.terms import BadIRI, checked_iri
from kg.store import Store, sparql_term
from kg.store.queries import canned_query

__all__ = [
    "QUESTIONS",
    "Answer",
    "AskError",
    "Evidence",
    "Item",
    "Parameter",
    "Question",
    "Quote",
    "Resource",
    "StatementDate",
    "ask",
    "bind",
    "page",
    "question_query",
    "render",
]


class AskError(ValueError):
    """A user's mistake in a question: unknown question, parameter, party or position, or a bad
    period. The message says what was wrong and what is accepted."""


# --- the questions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One parameter of a question.

    ``kind`` is ``party`` (an actor IRI, prefixed name or short name such as ``russia``),
    ``period`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), ``open-period`` (a period, or one ending
    in ``..`` for "from then on"), ``mode`` (one of ``choices``), ``position`` (a position IRI,
    prefixed name or short name), ``limit`` (a page size, or ``all``) or ``offset`` (items to skip).
    """

    name: str
    kind: str
    help: str
    required: bool = True
    default: str | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A temporal question: its name (as in ``kg ask NAME`` and ``/api/ask/NAME``), a title, a
    one-paragraph description, its parameters, and the ``.rq`` file(s) that answer it
    (``query`` names the file without ``.rq``; with modes, ``query_name(mode)`` does)."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    query: str
    modes: tuple[str, ...] = ()

    def query_name(self, mode: str | None = None) -> str:
        """The canned query (``kg/queries/<name>.rq``) that answers this question in ``mode``."""
        if self.modes:
            return f"{self.query}-{mode or self.modes[0]}"
        return self.query

    def query_names(self) -> list[str]:
        return [self.query_name(m) for m in self.modes] if self.modes else [self.query]

    def parameter(self, name: str) -> Parameter | None:
        for p in self.parameters:
            if name == p.name or name in p.aliases:
                return p
        return None


_PARTY = Parameter(
    "party",
    "party",
    "The party: an actor IRI, a prefixed name (actor:russia) or a short name (russia, ukraine, "
    "united-states).",
)
_FROM = Parameter("from", "period", "The earlier period: YYYY, YYYY-MM or YYYY-MM-DD.")
_TO = Parameter(
    "to",
    "open-period",
    "The later period: YYYY, YYYY-MM or YYYY-MM-DD, or open-ended with a trailing '..' "
    "(2025-07.. = July 2025 or later).",
)
_AT = Parameter("at", "period", "The period: YYYY, YYYY-MM or YYYY-MM-DD (its last day counts).")
MODES = ("attested", "in-force")
PAGE_SIZE = 25
"""Items per page unless ``limit`` says otherwise."""
MAX_PAGE_SIZE = 10_000
"""The largest ``limit`` as a number (``all`` lifts it)."""
MAX_OFFSET = 10**12
"""The largest ``offset``: far beyond any answer, and with a page added still within the
largest ``OFFSET`` every engine takes (:data:`kg.store.MAX_SLICE`)."""
_PAGE = (
    Parameter(
        "limit",
        "limit",
        f"Items per page: 1 to {MAX_PAGE_SIZE}, or all (default {PAGE_SIZE}). An answer says "
        "where the next page starts.",
        required=False,
        default=str(PAGE_SIZE),
    ),
    Parameter(
        "offset",
        "offset",
        f"Items to skip, 0 to {MAX_OFFSET}: 0 for the first page (the default), else the "
        "`next` of the page before.",
        required=False,
        default="0",
    ),
)
"""Every question's items come in pages, in the order of its query's ORDER BY."""

QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question(
            "persisted",
            "Persisted demands",
            "Positions a party stated in or before `from` and still held at `to`. Mode attested: "
            "stated again within `to` (in or after it when `to` is open-ended) with no withdrawal "
            "or supersession in between. Mode in-force: nothing in the graph shows it withdrawn "
            "or superseded before the end of `to`; each item says when it was last attested.",
            (
                _PARTY,
                _FROM,
                _TO,
                Parameter(
                    "mode",
                    "mode",
                    "attested (stated again in `to`) or in-force (not withdrawn by the end of "
                    "`to`).",
                    required=False,
                    default="attested",
                    choices=MODES,
                ),
                *_PAGE,
            ),
            "ask-persisted",
            MODES,
        ),
        Question(
            "added",
            "Added demands",
            "Positions a party first stated after `from` and by the end of `to`.",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-added",
        ),
        Question(
            "dropped",
            "Dropped demands",
            "Positions a party held at the end of `from` and had withdrawn, or seen superseded, "
            "by the end of `to` (category withdrawn); and, separately, those still in force but "
            "not attested again since `from` (category not re-attested).",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-dropped",
        ),
        Question(
            "re-emerged",
            "Re-emerged demands",
            "Positions a party stated in or before `from`, did not state at all between the two "
            "periods, and stated again in `to` (in or after it when `to` is open-ended).",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-re-emerged",
        ),
        Question(
            "position",
            "Position at a date",
            "The positions a party held at the end of `at`: stated by then and not withdrawn or "
            "superseded.",
            (_PARTY, _AT, *_PAGE),
            "ask-position",
        ),
        Question(
            "diff",
            "Change of position",
            "A party's positions at the end of `from` against those at the end of `to`: added "
            "(held only at the end), persisted (held at both ends), dropped (held only at the "
            "start). Every position held at either end is in exactly one class.",
            (_PARTY, _FROM, _TO, *_PAGE),
            "ask-diff",
        ),
        Question(
            "conflicts",
            "Conflicts",
            "At the end of `at`, the positions one party held that another party rejected, or "
            "contradicted with a position it held itself (pt:contradicts). With `party`, only "
            "that party's positions.",
            (
                _AT,
                Parameter(
                    "party",
                    "party",
                    "Optional: only this party's positions (an actor IRI, a prefixed name or a "
                    "short name); every party's by default.",
                    required=False,
                ),
                *_PAGE,
            ),
            "ask-conflicts",
        ),
        Question(
            "timeline",
            "Timeline of a position",
            "Every statement about one position by any party, in date order with the precision "
            "of its date; undated statements are listed apart.",
            (
                Parameter(
                    "position",
                    "position",
                    "The position: an IRI, a prefixed name (position:ukraine-neutral-status) or a "
                    "short name (ukraine-neutral-status).",
                    aliases=("demand",),
                ),
                *_PAGE,
            ),
            "ask-timeline",
        ),
    )
}
"""Every question by name, in the order they are documented."""


# --- the answer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """An IRI with its English label (the IRI's last segment when it has none)."""

    iri: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class StatementDate:
    """A statement's ``pt:date`` (lexical form and datatype, ``None`` when unknown), its precision
    (``day``, ``month``, ``year`` or ``unknown``) and the interval of days it denotes."""

    value: str | None
    datatype: str | None
    precision: str
    earliest: str | None
    latest: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "value": self.value,
            "datatype": self.datatype,
            "precision": self.precision,
            "earliest": self.earliest,
            "latest": self.latest,
        }

    def __str__(self) -> str:
        return f"{self.value} ({self.precision})" if self.value else "undated"


@dataclass(frozen=True)
class Quote:
    """One evidence annotation: the source document (IRI and file name) and the verbatim quote."""

    annotation: str
    source: str
    identifier: str | None
    quote: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "annotation": self.annotation,
            "source": self.source,
            "identifier": self.identifier,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Evidence:
    """One position statement behind an answer.

    ``role`` is what it is in the party's record of the position: ``attestation`` (a supporting
    stance), ``withdrawal``, ``rejection`` (an opposing stance) or ``supersession`` (it replaces an
    attestation); for a timeline, the same from its stance, or ``other`` (conditions, threatens).
    """

    statement: str
    role: str
    party: Resource
    position: Resource
    speaker: Resource
    stance: Resource
    date: StatementDate
    quotes: tuple[Quote, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "role": self.role,
            "party": self.party.to_dict(),
            "position": self.position.to_dict(),
            "speaker": self.speaker.to_dict(),
            "stance": self.stance.to_dict(),
            "date": self.date.to_dict(),
            "quotes": [q.to_dict() for q in self.quotes],
        }


@dataclass(frozen=True)
class Item:
    """One answer: a position (of ``party``), certain or uncertain, with its evidence.

    ``category`` sorts items where a question has several kinds of answer (diff: added, persisted,
    dropped; dropped: withdrawn, not re-attested; conflicts: contradicted, rejected) and is
    ``None`` otherwise. Conflicts also name ``other_party`` and ``other_position``.
    ``last_attested`` is the party's latest dated attestation of the position (its statement
    and date), however late, so a reader sees how fresh the evidence is.
    """

    position: Resource
    party: Resource | None
    certainty: str
    category: str | None
    other_party: Resource | None
    other_position: Resource | None
    last_attested: Evidence | None
    evidence: tuple[Evidence, ...]

    @property
    def certain(self) -> bool:
        return self.certainty == "certain"

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position.to_dict(),
            "party": self.party.to_dict() if self.party else None,
            "certainty": self.certainty,
            "category": self.category,
            "other_party": self.other_party.to_dict() if self.other_party else None,
            "other_position": self.other_position.to_dict() if self.other_position else None,
            "last_attested": (
                {
                    "statement": self.last_attested.statement,
                    "date": self.last_attested.date.to_dict(),
                }
                if self.last_attested
                else None
            ),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class Answer:
    """The answer to one question: the parameters as understood (party IRI, periods as given),
    the days bound into the query (``bounds``), the items, and the undated evidence (statements
    without a date, never placed in time, listed so that none is silently dropped).

    The items are one page, in the order of the query's ORDER BY: at most ``limit`` (all when
    ``None``) after the first ``offset``; ``next`` is the offset of the next page, ``None`` on
    the last. The undated evidence is the party's (the same on every page) or, for conflicts
    without a party and for a timeline, that of the page's rows."""

    question: str
    title: str
    query: str
    parameters: dict[str, str]
    bounds: dict[str, str]
    items: tuple[Item, ...]
    undated: tuple[Evidence, ...]
    limit: int | None = PAGE_SIZE
    offset: int = 0
    next: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The one JSON-ready form of an answer (CLI ``--format json`` and the JSON API)."""
        return {
            "question": self.question,
            "title": self.title,
            "query": f"{self.query}.rq",
            "parameters": dict(self.parameters),
            "bounds": dict(self.bounds),
            "page": {"limit": self.limit, "offset": self.offset, "next": self.next},
            "items": [i.to_dict() for i in self.items],
            "undated": [e.to_dict() for e in self.undated],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


# --- parameters -----------------------------------------------------------------------------------


def get_question(name: str) -> Question:
    try:
        return QUESTIONS[name]
    except KeyError:
        raise AskError(f"unknown question {name!r}; accepted: {', '.join(QUESTIONS)}") from None


_VALUES_LINE = re.compile(
    r"^(?P<indent>[ \t]*)# VALUES (?P<vars>\((?:\s*\?\w+)+\s*\)|\?\w+) \{.*\}[ \t]*$", re.M
)


def fill_values(text: str, variables: tuple[str, ...], rows: Iterable[tuple[Node, ...]]) -> str:
    """The query with each commented ``# VALUES`` line for exactly ``variables`` replaced by a
    ``VALUES`` block of ``rows``.

    This is how parameters are bound: the same line(s) a researcher uncomments to run the query
    by hand. The terms are RDF terms (IRIs checked by :func:`kg.rdf.terms.checked_iri`, dates computed
    from a parsed period, or IRIs the store itself returned), written by
    :func:`kg.store.sparql_term`, which refuses an IRI that could end early; user text never
    reaches the query. (Measured on Oxigraph, an inline ``VALUES`` block is also several times
    faster than pyoxigraph's ``substitutions``, which moreover bind only variables every
    projection repeats.)
    """
    rows = list(rows)
    head = f"({' '.join('?' + n for n in variables)})" if len(variables) > 1 else f"?{variables[0]}"
    body = " ".join(
        "(" + " ".join(map(_written, row)) + ")" if len(variables) > 1 else _written(row[0])
        for row in rows
    )

    def replace(match: re.Match[str]) -> str:
        if tuple(re.findall(r"\?(\w+)", match.group("vars"))) != variables:
            return match.group(0)
        return f"{match.group('indent')}VALUES {head} {{ {body} }}"

    filled = _VALUES_LINE.sub(replace, text)
    if filled == text:
        raise RuntimeError(f"the query has no '# VALUES' line for {', '.join(variables)}")
    return filled


def _values_lines(text: str) -> list[tuple[str, ...]]:
    """The variables of each commented ``# VALUES`` line of a query, in order."""
    return [tuple(re.findall(r"\?(\w+)", m.group("vars"))) for m in _VALUES_LINE.finditer(text)]


def parameter_variables(text: str) -> tuple[str, ...]:
    """The variables of a query's commented ``# VALUES`` lines (its parameters), each once."""
    return tuple(dict.fromkeys(v for line in _values_lines(text) for v in line))


class _Undefined:
    """``UNDEF`` in a ``VALUES`` row: an optional parameter left open."""


UNDEF = _Undefined()


def _written(term: Node | _Undefined) -> str:
    """A term of a ``VALUES`` row as SPARQL text."""
    return "UNDEF" if isinstance(term, _Undefined) else sparql_term(term)


def bind(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters bound: its first ``# VALUES`` line always (a parameter
    without a value is ``UNDEF``, which matches anything), each further one when all its variables
    have values (else it stays a comment: an optional restriction left out, which lets the engine
    plan the query without it)."""
    for n, names in enumerate(_values_lines(text)):
        if n == 0 or all(name in bindings for name in names):
            row = tuple(bindings.get(name, UNDEF) for name in names)
            text = fill_values(text, names, [row])  # type: ignore[list-item]
    return text


_PAGE_LINE = re.compile(r"^(?P<indent>[ \t]*)# LIMIT \d+ OFFSET \d+[ \t]*$", re.M)


def page(text: str, limit: int | None, offset: int) -> str:
    """The query with its commented ``# LIMIT … OFFSET …`` line (every question has one, after
    the ORDER BY that fixes the order of its items) made a real one: ``limit`` rows (all when
    ``None``) after skipping ``offset``."""
    clauses = ([f"LIMIT {limit}"] if limit is not None else []) + (
        [f"OFFSET {offset}"] if offset else []
    )

    def replace(match: re.Match[str]) -> str:
        return f"{match.group('indent')}{' '.join(clauses)}" if clauses else ""

    paged, found = _PAGE_LINE.subn(replace, text, count=1)
    if not found:
        raise RuntimeError("the query has no '# LIMIT … OFFSET …' line")
    return paged


def _query(store: Store, text: str) -> SelectResult:
    """The rows of a SELECT query that kg wrote (a canned query, bound)."""
    result = store.query(text)
    assert isinstance(result, SelectResult)
    return result


def _select(store: Store, name: str, bindings: Mapping[str, Node] | None = None) -> SelectResult:
    text = canned_query(name)
    return _query(store, bind(text, bindings) if bindings else text)


def _select_values(
    store: Store, name: str, variable: str, terms: Iterable[Node]
) -> SelectResult | None:
    """Run a helper query with its ``# VALUES ?variable`` line filled with the given IRIs (which
    come from the store's own answers, never from a user); ``None`` when there are none."""
    iris = sorted(_iris(terms))
    if not iris:
        return None
    rows = [(URIRef(i),) for i in iris]
    return _query(store, fill_values(canned_query(name), (variable,), rows))


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


def resolve_party(store: Store, text: str) -> URIRef:
    """The party named by an IRI, a prefixed name, a short name or a label; :class:`AskError`
    listing the accepted names when there is no such party."""
    return _resolve(store, text, "party", "actor")


def resolve_position(store: Store, text: str) -> URIRef:
    """The position named by an IRI, a prefixed name, a short name or its preferred label."""
    return _resolve(store, text, "position", "position")


def _resolve(store: Store, text: str, kind: str, namespace: str) -> URIRef:
    """Resolve ``text`` to a party or position with the ``ask-is-<kind>`` and ``ask-<kind>s``
    queries: an exact IRI first, then a short name or label compared as slugs."""
    if not text or not text.strip():
        raise AskError(f"{kind} is empty; " + _accepted(store, kind))
    try:
        iri = _expand(text, namespace)
    except BadIRI as exc:
        raise AskError(f"{kind} {text!r} is {exc}; " + _accepted(store, kind)) from None
    if _select(store, f"ask-is-{kind}", {kind: iri}).rows:
        return iri
    wanted = _slug(text)
    for row in _select(store, f"ask-{_plural(kind)}").dicts():
        found, label = row[kind], row.get("label")
        if wanted in {_slug(_local(found)), _slug(str(label or ""))}:
            return found  # type: ignore[return-value]
    raise AskError(f"unknown {kind} {text!r}; " + _accepted(store, kind))


def _accepted(store: Store, kind: str) -> str:
    names = sorted({_local(r[kind]) for r in _select(store, f"ask-{_plural(kind)}").dicts()})
    if names:
        return f"accepted: {', '.join(names)} (or a {kind}'s IRI)"
    return (
        "the graph has no parties (no position statements)" if kind == "party" else "no positions"
    )


def _plural(kind: str) -> str:
    return "parties" if kind == "party" else f"{kind}s"


def _local(term: Node) -> str:
    text = str(term).rstrip("/")
    return text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _is_day(term: Node) -> bool:
    return isinstance(term, Literal) and term.datatype == XSD.date


def _day(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


@dataclass
class _Request:
    question: Question
    parameters: dict[str, str] = field(default_factory=dict)
    bindings: dict[str, Node] = field(default_factory=dict)
    party: URIRef | None = None
    mode: str | None = None
    limit: int | None = PAGE_SIZE
    offset: int = 0
    next: int | None = None
    """Where the next page starts, once the question's rows are read (``None``: no next page)."""


def _count(value: str, name: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, else AskError."""
    text = value.strip()
    digits = text.lstrip("0") or "0"
    if (
        not text.isdigit()
        or not text.isascii()
        or len(digits) > len(str(high))
        or not low <= int(digits) <= high
    ):
        also = ", or all" if name == "limit" else ""
        shown = value if len(value) <= 40 else f"{value[:20]}…({len(value)} characters)"
        raise AskError(f"{name} {shown!r} is not a whole number from {low} to {high}{also}")
    return int(digits)


def _understand(store: Store, question: Question, params: Mapping[str, str | None]) -> _Request:
    request = _Request(question)
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
    periods: dict[str, Period] = {}
    for p in question.parameters:
        value = given.get(p.name, p.default)
        if value is None:
            if p.required:
                raise AskError(f"{question.name} needs the parameter {p.name!r}: {p.help}")
            continue
        if p.kind == "party":
            request.party = resolve_party(store, value)
            request.parameters[p.name] = str(request.party)
            request.bindings["party"] = request.party
        elif p.kind == "position":
            position = resolve_position(store, value)
            request.parameters[p.name] = str(position)
            request.bindings["position"] = position
        elif p.kind == "mode":
            if value not in p.choices:
                raise AskError(f"mode {value!r} is not one of: {', '.join(p.choices)}")
            request.mode = value
            request.parameters[p.name] = value
        elif p.kind == "limit":
            all_ = value.strip().lower() == "all"
            request.limit = None if all_ else _count(value, p.name, 1, MAX_PAGE_SIZE)
        elif p.kind == "offset":
            request.offset = _count(value, p.name, 0, MAX_OFFSET)
        else:
            try:
                period = parse_period(value, allow_open=p.kind == "open-period", name=p.name)
            except PeriodError as exc:
                raise AskError(str(exc)) from None
            periods[p.name] = period
            request.parameters[p.name] = period.text
    if "from" in periods and "to" in periods:
        try:
            require_order(periods["from"], periods["to"], "from", "to")
        except PeriodError as exc:
            raise AskError(str(exc)) from None
    if "from" in periods:
        request.bindings["fromEnd"] = _day(periods["from"].end)
    if "to" in periods:
        request.bindings["toStart"] = _day(periods["to"].start)
        request.bindings["toEnd"] = _day(periods["to"].end)
    if "at" in periods:
        request.bindings["atEnd"] = _day(periods["at"].end)
        if "year" in parameter_variables(canned_query(question.query_name(request.mode))):
            request.bindings["year"] = Literal(_filed_year(store, periods["at"].end.year))
    return request


def _filed_year(store: Store, year: int) -> int:
    """The year under which the conflicts of a day in ``year`` are filed (``pt:conflictYear``):
    that year, or the last year conflicts are filed under when it is earlier."""
    rows = _select(store, "ask-conflict-years").rows
    until = rows[0][0] if rows else None
    return min(year, int(until)) if isinstance(until, Literal) else year


# --- asking ---------------------------------------------------------------------------------------


def question_query(store: Store, question: str, params: Mapping[str, str | None]) -> str:
    """The SPARQL text that answers a question's items, with its parameters bound: what
    ``kg/queries/ask-<question>.rq`` becomes with its ``VALUES`` line filled in."""
    request = _understand(store, get_question(question), params)
    return _bound_query(request, request.limit, request.offset)[1]


def _bound_query(
    request: _Request, limit: int | None, offset: int, party: Node | None = None
) -> tuple[dict[str, Node], str]:
    """The bindings the request's query uses (with ``party`` when given), and its text with them
    bound and paged (``limit`` rows after the first ``offset``)."""
    text = canned_query(request.question.query_name(request.mode))
    used = parameter_variables(text)
    given = request.bindings if party is None else {**request.bindings, "party": party}
    bindings = {k: v for k, v in given.items() if k in used}
    return bindings, page(bind(text, bindings), limit, offset)


def _party_by_party(store: Store, request: _Request) -> list[Node] | None:
    """The parties whose rows are read one party after another, or ``None`` to run the query once.

    A page of conflicts over every party is read party by party: the query orders its rows by
    party first, so the parties' rows one after another are its rows, and a page near the start
    reads the first parties' conflicts instead of sorting every conflict on the day (thousands
    at a million triples). A whole answer (``limit`` all) is one query."""
    if request.question.name != "conflicts" or request.party is not None or request.limit is None:
        return None
    parties = [row[0] for row in _select(store, "ask-conflict-parties").rows]
    return [p for p in parties if p is not None] or None


def _rows_by_party(
    store: Store, request: _Request, parties: list[Node], wanted: int
) -> list[dict[str, Node]]:
    """The query's rows from the request's offset on, ``wanted`` of them at most, read party by
    party: each party's first rows up to what is still to skip and to read; a party with no more
    rows than are still to skip is skipped whole."""
    rows: list[dict[str, Node]] = []
    skip = request.offset
    for party in parties:
        if len(rows) >= wanted:
            break
        text = _bound_query(request, skip + wanted - len(rows), 0, party)[1]
        found = list(_query(store, text).dicts())
        if len(found) <= skip:
            skip -= len(found)
            continue
        rows.extend(found[skip:])
        skip = 0
    return rows


def ask(store: Store, question: str, params: Mapping[str, str | None]) -> Answer:
    """Answer a question (a key of :data:`QUESTIONS`) with raw parameter values (strings, as typed
    on the command line or in a URL); raise :class:`AskError` for a user's mistake."""
    q = get_question(question)
    request = _understand(store, q, params)
    query = q.query_name(request.mode)
    # one row more than the page holds says whether another page follows
    more = request.limit + 1 if request.limit is not None else None
    bindings, text = _bound_query(request, more, request.offset)
    parties = _party_by_party(store, request)
    if parties is None:
        rows = list(_query(store, text).dicts())
    else:
        rows = _rows_by_party(store, request, parties, more)
    following = None
    if request.limit is not None and len(rows) > request.limit:
        rows = rows[: request.limit]
        following = request.offset + request.limit
    request.next = following
    if (not rows or q.name == "timeline") and not _select(store, "ask-derived").rows:
        raise AskError(
            "this graph has no derived lifecycles (graph:derived), which the questions need: "
            "ask on a build made by `kg build` (build/ptkg.nq), not on curated files alone"
        )
    if q.name == "timeline":
        return _timeline_answer(store, q, query, request, bindings, rows)
    return _lifecycle_answer(store, q, query, request, bindings, rows)


_EVIDENCE_COLUMNS = (
    "statement",
    "date",
    "datatype",
    "precision",
    "speaker",
    "stance",
    "annotation",
    "source",
    "sourceId",
    "quote",
)
"""The evidence columns of ask-evidence and ask-entries (one row per quote)."""

_PRECISIONS = {str(iri): name for iri, name in PRECISION_IRIS.items()}
""":data:`PRECISION_IRIS` by the text of the IRI."""


_QuoteFields = tuple[str, str, str | None, str]
"""A quote's annotation, source, identifier and text (a :class:`Quote` once sorted)."""


def _quote_key(q: _QuoteFields) -> tuple[str, str, str]:
    annotation, source, identifier, quote = q
    return (identifier or source, annotation, quote)


@dataclass
class _Details:
    date: StatementDate
    speaker: Node
    stance: Node
    quotes: dict[_QuoteFields, None]
    """Each quote once, in the order read (a dict as an ordered set)."""
    in_order: tuple[Quote, ...] | None = None

    def sorted_quotes(self) -> tuple[Quote, ...]:
        """The quotes by source (its identifier, else its IRI), annotation and text."""
        if self.in_order is None:
            self.in_order = tuple(Quote(*q) for q in sorted(self.quotes, key=_quote_key))
        return self.in_order


def _columns(result: SelectResult, names: Iterable[str]) -> tuple[int, ...]:
    """The positions of ``names`` in the rows of ``result``."""
    return tuple(result.variables.index(name) for name in names)


def _iris(terms: Iterable[Node | None]) -> set[str]:
    """The IRIs among ``terms``, as text."""
    return {str(t) for t in terms if isinstance(t, URIRef)}


class _Statements:
    """The statements of one answer and their evidence, read from the evidence columns of
    ask-entries or ask-evidence rows: each statement's date, speaker and stance (from its first
    row) and its quotes (from all its rows). Each :class:`Evidence` (a statement in a role, for a
    party and a position) is built once and shared by every item that cites it.

    Statements, parties and positions are keyed by the text of their IRIs: rdflib compares terms
    in Python, text is compared in C."""

    def __init__(self) -> None:
        self.details: dict[str, _Details] = {}
        self.labels: Mapping[str, Resource] = {}
        self._dates: dict[tuple[str | None, str | None, str], StatementDate] = {}
        self._evidence: dict[tuple[str, str, str, str], Evidence | None] = {}

    def read(self, result: SelectResult | None) -> None:
        if result is None or not result.rows:
            return
        statement_, date_, datatype_, precision_, speaker_, stance_, *quote_columns = _columns(
            result, _EVIDENCE_COLUMNS
        )
        annotation_, source_, source_id_, quote_ = quote_columns
        for row in result.rows:
            statement = str(row[statement_])
            detail = self.details.get(statement)
            if detail is None:
                detail = _Details(
                    date=self._date(row[date_], row[datatype_], row[precision_]),
                    speaker=row[speaker_],  # type: ignore[arg-type]
                    stance=row[stance_],  # type: ignore[arg-type]
                    quotes={},
                )
                self.details[statement] = detail
            source_id = row[source_id_]
            quote = (
                str(row[annotation_]),
                str(row[source_]),
                str(source_id) if source_id is not None else None,
                str(row[quote_]),
            )
            detail.quotes[quote] = None

    def _date(
        self, written: Node | None, datatype: Node | None, precision: Node | None
    ) -> StatementDate:
        """A statement's date, one object per distinct date of the answer."""
        value = str(written) if written is not None else None
        datatype_text = str(datatype) if datatype is not None else None
        name = (
            _PRECISIONS.get(str(precision), "unknown")
            if isinstance(precision, URIRef)
            else "unknown"
        )
        key = (value, datatype_text, name)
        found = self._dates.get(key)
        if found is None:
            interval = interval_of(value, name) if value is not None else None
            found = StatementDate(
                value=value,
                datatype=datatype_text,
                precision=name,
                earliest=interval.start.isoformat() if interval else None,
                latest=interval.end.isoformat() if interval else None,
            )
            self._dates[key] = found
        return found

    def evidence(self, statement: str, role: str, party: str, position: str) -> Evidence | None:
        """The statement as evidence in ``role`` for ``party`` and ``position`` (IRIs); ``None``
        when no evidence of it was read."""
        key = (statement, role, party, position)
        if key in self._evidence:
            return self._evidence[key]
        detail = self.details.get(statement)
        found = None
        if detail is not None:
            labels = self.labels
            found = Evidence(
                statement=statement,
                role=role,
                party=labels[party],
                position=labels[position],
                speaker=labels[str(detail.speaker)],
                stance=labels[str(detail.stance)],
                date=detail.date,
                quotes=detail.sorted_quotes(),
            )
        self._evidence[key] = found
        return found

    def resources(self) -> set[str]:
        """The IRIs of the speakers and stances of the statements (to be labelled)."""
        return _iris(t for d in self.details.values() for t in (d.speaker, d.stance))


def _entries(
    store: Store, variable: str, terms: Iterable[Node], statements: _Statements
) -> dict[str, list[tuple[str, str]]]:
    """The statements of the given lifecycles (``variable`` ``lifecycle``) or lifecycle entries
    (``entry``) with their roles, by lifecycle, in the order found, each once; their evidence goes
    to ``statements``."""
    result = _select_values(store, "ask-entries", variable, terms)
    statements.read(result)
    found: dict[str, dict[tuple[str, str], None]] = defaultdict(dict)
    if result is not None and result.rows:
        lifecycle_, statement_, role_ = _columns(result, ("lifecycle", "statement", "role"))
        for row in result.rows:
            found[str(row[lifecycle_])][(str(row[statement_]), str(row[role_]))] = None
    return {lifecycle: list(entries) for lifecycle, entries in found.items()}


def _undated(
    store: Store,
    request: _Request,
    q: Question,
    rows: list[dict[str, Node]],
    entries: Mapping[str, list[tuple[str, str]]],
    statements: _Statements,
) -> list[tuple[str, str, str, str]]:
    """The undated statements in scope (ask-undated) as ``(party, position, statement, role)``,
    in the order found, each once. Their roles and evidence are those of ask-entries: from
    ``entries`` (the answer's lifecycles, read already) or read now into ``statements``."""
    if request.party is not None and q.name != "conflicts":
        result: SelectResult | None = _select(store, "ask-undated", {"party": request.party})
    else:
        positions = (r[k] for r in rows for k in ("position", "otherPosition") if k in r)
        result = _select_values(store, "ask-undated", "position", positions)
    if result is None or not result.rows:
        return []
    columns = _columns(result, ("party", "lifecycle", "position", "entry", "statement"))
    party_, lifecycle_, position_, entry_, statement_ = columns
    unread = (row[entry_] for row in result.rows if str(row[lifecycle_]) not in entries)
    read = _entries(store, "entry", unread, statements)
    roles: dict[str, dict[str, list[str]]] = {}  # lifecycle → statement → roles, when needed
    undated: dict[tuple[str, str, str, str], None] = {}
    for row in result.rows:
        lifecycle, statement = str(row[lifecycle_]), str(row[statement_])
        found = roles.get(lifecycle)
        if found is None:
            found = roles[lifecycle] = defaultdict(list)
            for known, role in entries.get(lifecycle) or read.get(lifecycle, ()):
                found[known].append(role)
        for role in found.get(statement, ()):
            undated[(str(row[party_]), str(row[position_]), statement, role)] = None
    return list(undated)


def _labels(store: Store, iris: set[str]) -> dict[str, Resource]:
    """Each resource (by the text of its IRI) with its best label: rdfs:label, else
    skos:prefLabel; English first."""
    best: dict[str, tuple[int, str]] = {}
    result = _select_values(store, "ask-labels", "resource", (URIRef(i) for i in iris))
    if result is not None and result.rows:
        resource_, *label_columns = _columns(result, ("resource", "label", "prefLabel"))
        for row in result.rows:
            resource = str(row[resource_])
            for rank, column in enumerate(label_columns):
                label = row[column]
                if not isinstance(label, Literal):
                    continue
                lang = (label.language or "").lower()
                order = rank + (0 if lang == "en" or lang.startswith("en-") else 2 if lang else 4)
                candidate = (order, str(label))
                current = best.get(resource)
                if current is None or candidate < current:
                    best[resource] = candidate
    return {i: Resource(i, best[i][1] if i in best else _local(i)) for i in iris}


_ROLE_ORDER = {"attestation": 0, "withdrawal": 1, "rejection": 2, "supersession": 3, "other": 4}


def _evidence_key(e: Evidence) -> tuple:
    return (
        e.date.earliest or "9999-12-31",
        e.date.latest or "9999-12-31",
        e.party.iri,
        e.statement,
        _ROLE_ORDER.get(e.role, 9),
    )


def _first(pair: tuple[tuple, Evidence]) -> tuple:
    return pair[0]


def _last_attested_key(ev: Evidence) -> tuple:
    return (ev.date.latest, ev.date.earliest, ev.statement)


def _lifecycle_answer(
    store: Store,
    q: Question,
    query: str,
    request: _Request,
    bindings: dict[str, Node],
    rows: list[dict[str, Node]],
) -> Answer:
    """Items from the question's rows, each with the dated statements of its lifecycle(s) as
    evidence; the undated statements in scope listed apart."""
    lifecycles = [r["lifecycle"] for r in rows] + [
        r["otherLifecycle"] for r in rows if "otherLifecycle" in r
    ]
    statements = _Statements()
    entries = _entries(store, "lifecycle", lifecycles, statements)
    undated_rows = _undated(store, request, q, rows, entries, statements)
    iris = statements.resources()
    for party, position, _statement, _role in undated_rows:
        iris.update((party, position))
    iris |= _iris(
        t
        for r in rows
        for k, t in r.items()
        if k in {"party", "position", "otherParty", "otherPosition"}
    )
    iris |= _iris([request.party])
    labels = statements.labels = _labels(store, iris)

    # Each lifecycle's dated evidence (for a party and a position) is sorted once. An item's
    # evidence is one lifecycle's, or two lifecycles' sorted runs concatenated and sorted again:
    # the stable sort gives the order that sorting the two unsorted lists together would.
    dated_by: dict[tuple[str, str, str], list[tuple[tuple, Evidence]]] = {}

    def dated(
        lifecycle: Node | None, party: str, position: Node | None
    ) -> list[tuple[tuple, Evidence]]:
        if lifecycle is None:
            return []
        key = (str(lifecycle), party, str(position))
        found = dated_by.get(key)
        if found is None:
            found = []
            for statement, role in entries.get(key[0], ()):
                ev = statements.evidence(statement, role, party, key[2])
                if ev is not None and ev.date.earliest is not None:
                    found.append((_evidence_key(ev), ev))
            found.sort(key=_first)
            dated_by[key] = found
        return found

    items = []
    for r in rows:
        party = request.party if request.party is not None else r.get("party")
        party_iri = str(party)
        found = dated(r["lifecycle"], party_iri, r["position"])
        if "otherLifecycle" in r:
            other = dated(r["otherLifecycle"], str(r.get("otherParty")), r.get("otherPosition"))
            if other:
                found = sorted(found + other, key=_first)
        evidence = tuple(ev for _key, ev in found)
        last = max(
            (ev for ev in evidence if ev.role == "attestation" and ev.party.iri == party_iri),
            key=_last_attested_key,
            default=None,
        )
        category = r.get("category", r.get("kind"))
        items.append(
            Item(
                position=labels[str(r["position"])],
                party=labels[party_iri] if party is not None else None,
                certainty=str(r["certainty"]),
                category=str(category) if category is not None else None,
                other_party=labels[str(r["otherParty"])] if "otherParty" in r else None,
                other_position=labels[str(r["otherPosition"])] if "otherPosition" in r else None,
                last_attested=last,
                evidence=evidence,
            )
        )
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
    return _answer(query, request, bindings, items, _dedupe(undated))


def _dedupe(evidence: Iterable[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for ev in evidence:
        key = (ev.statement, ev.party.iri, ev.position.iri)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def _timeline_answer(
    store: Store,
    q: Question,
    query: str,
    request: _Request,
    bindings: dict[str, Node],
    rows: list[dict[str, Node]],
) -> Answer:
    statements = _Statements()
    statements.read(
        _select_values(store, "ask-evidence", "statement", (r["statement"] for r in rows))
    )
    iris = statements.resources() | _iris(
        t for r in rows for t in (r["party"], r["position"], r["stance"])
    )
    statements.labels = _labels(store, iris)
    items: list[Item] = []
    undated: list[Evidence] = []
    for r in rows:
        ev = statements.evidence(
            str(r["statement"]), str(r["role"]), str(r["party"]), str(r["position"])
        )
        if ev is None:
            continue
        if "earliest" not in r:
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
    return _answer(query, request, bindings, items, undated)


def _answer(
    query: str,
    request: _Request,
    bindings: Mapping[str, Node],
    items: Iterable[Item],
    undated: Iterable[Evidence],
) -> Answer:
    """The answer to ``request`` from its items and undated evidence, with the days that were
    bound (``bounds``) and its page."""
    q = request.question
    return Answer(
        question=q.name,
        title=q.title,
        query=query,
        parameters=request.parameters,
        bounds={k: str(v) for k, v in bindings.items() if _is_day(v)},
        items=tuple(items),
        undated=tuple(undated),
        limit=request.limit,
        offset=request.offset,
        next=request.next,
    )


# --- rendering --------------------------------------------------------------------------------------

FORMATS = ("table", "json", "csv")
"""What ``kg ask --format`` accepts."""

CSV_COLUMNS = (
    "section",
    "category",
    "certainty",
    "party",
    "party_label",
    "position",
    "position_label",
    "other_party",
    "other_position",
    "statement",
    "role",
    "date",
    "precision",
    "earliest",
    "latest",
    "speaker",
    "speaker_label",
    "stance",
    "source",
    "quote",
)
"""Columns of ``kg ask --format csv``: one row per quote of each evidence statement."""


def render(answer: Answer, fmt: str) -> str:
    """The answer as text: ``table`` for a reader, ``json`` (:meth:`Answer.to_dict`) or ``csv``."""
    if fmt == "json":
        return answer.to_json()
    if fmt == "csv":
        return _csv(answer)
    if fmt == "table":
        return _table(answer)
    raise AskError(f"unknown format {fmt!r}; accepted: {', '.join(FORMATS)}")


def _csv(answer: Answer) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def rows(section: str, item: Item | None, ev: Evidence) -> None:
        base = [
            section,
            item.category if item and item.category else "",
            item.certainty if item else "",
            ev.party.iri,
            ev.party.label,
            (item.position if item else ev.position).iri,
            (item.position if item else ev.position).label,
            item.other_party.iri if item and item.other_party else "",
            item.other_position.iri if item and item.other_position else "",
            ev.statement,
            ev.role,
            ev.date.value or "",
            ev.date.precision,
            ev.date.earliest or "",
            ev.date.latest or "",
            ev.speaker.iri,
            ev.speaker.label,
            ev.stance.label,
        ]
        for quote in ev.quotes or (Quote("", "", "", ""),):
            writer.writerow([*base, quote.identifier or quote.source, quote.quote])

    for item in answer.items:
        for ev in item.evidence:
            rows("answer", item, ev)
    for ev in answer.undated:
        rows("undated", None, ev)
    return out.getvalue()


def _table(answer: Answer) -> str:
    graph = Graph()
    bind_prefixes(graph)
    nm = graph.namespace_manager

    def short(iri: str) -> str:
        return URIRef(iri).n3(nm)

    params = ", ".join(f"{k} {short(v) if '://' in v else v}" for k, v in answer.parameters.items())
    lines = [f"{answer.title} ({answer.question}: {params})"]
    if answer.bounds:
        lines.append(
            "  bound as "
            + ", ".join(f"?{k} = {v}" for k, v in answer.bounds.items())
            + f" in kg/queries/{answer.query}.rq"
        )
    lines.append("")

    def evidence_lines(ev: Evidence, indent: str) -> list[str]:
        when = ev.date.value or "undated"
        head = (
            f"{indent}{when:<11} {ev.date.precision:<7} {ev.role:<12} {ev.speaker.label} "
            f"({ev.stance.label}) for {ev.party.label} — {short(ev.statement)}"
        )
        out = [head]
        for q in ev.quotes:
            out.append(f"{indent}{'':<11} {q.identifier or short(q.source)}: “{q.quote}”")
        return out

    for n, item in enumerate(answer.items, answer.offset + 1):
        category = f"{item.category}, " if item.category else ""
        who = f"{item.party.label}: " if item.party and answer.question == "conflicts" else ""
        head = f"{n}. {who}{item.position.label} [{category}{item.certainty}]"
        if item.other_party:
            other = (
                f" ↔ {item.other_party.label}: {item.other_position.label}"
                if item.other_position and item.other_position != item.position
                else f" ← rejected by {item.other_party.label}"
            )
            head += other
        lines.append(head)
        sub = f"   {short(item.position.iri)}"
        if item.last_attested:
            sub += f" · last attested {item.last_attested.date}"
        if answer.question != "timeline":
            lines.append(sub)
        for ev in item.evidence:
            lines.extend(evidence_lines(ev, "   "))
        lines.append("")
    if not answer.items:
        lines.extend(["(no answer)", ""])
    if answer.undated:
        lines.append(f"Undated evidence (not placed in time): {len(answer.undated)}")
        for ev in answer.undated:
            lines.append(f"   {ev.position.label}:")
            lines.extend(evidence_lines(ev, "   "))
        lines.append("")
    certain = sum(1 for i in answer.items if i.certain)
    lines.append(
        f"({len(answer.items)} answer{'s' if len(answer.items) != 1 else ''}: {certain} certain, "
        f"{len(answer.items) - certain} uncertain; {len(answer.undated)} undated statement"
        f"{'s' if len(answer.undated) != 1 else ''})"
    )
    if answer.offset or answer.next is not None:
        shown = f"items {answer.offset + 1}–{answer.offset + len(answer.items)}"
        if not answer.items:
            shown = f"no items after the first {answer.offset}"
        follows = (
            f"the next page starts at offset {answer.next}" if answer.next else "the last page"
        )
        lines.append(f"(a page: {shown}; {follows})")
    return "\n".join(lines) + "\n"


def questions_to_dict() -> list[dict[str, Any]]:
    """The questions and their parameters, JSON-ready (``/api/questions``)."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "queries": [f"{name}.rq" for name in q.query_names()],
            "modes": list(q.modes),
            "parameters": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "help": p.help,
                    "required": p.required,
                    "default": p.default,
                    "choices": list(p.choices),
                    "aliases": list(p.aliases),
                }
                for p in q.parameters
            ],
        }
        for q in QUESTIONS.values()
    ]
