"""Periods and date intervals, the days the temporal questions compare.

A *period* is what a user asks about: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` means the whole year,
month or day. Written with a trailing ``..`` (``2025-07..``, EDTF's open end) it is *open-ended*:
from the start of that year/month/day onwards, with no end.

A statement's date has a precision (``pt:datePrecision``), so it denotes an *interval* of days: a
day-precision date the day, a month-precision date (``xsd:gYearMonth``) the whole month, a
year-precision date (``xsd:gYear``) the whole year. The statement was made on one unknown day of
that interval. A date given as a *report date* (``pt:dateBasis pt:AsOfReport``: the document
presents the position as current on its own date D) bounds the statement only from above: it was
made on or before D, the interval ``(unknown, D]``, which starts on :data:`OPEN_START`. The
comparisons on intervals (certain when every day satisfies them, uncertain when
some do) are made by the build (:mod:`kg.pipeline.derive`) and the ``ask-*.rq`` queries, on the days
given here.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.rdf.namespaces import PT

OPEN_END = date(9999, 12, 31)
"""The end of an open-ended period, as bound in the SPARQL queries (``"9999-12-31"^^xsd:date``)."""
OPEN_START = date(1, 1, 1)
"""The first day of an interval with no known start (a statement known only to be made on or
before a report date), as the build writes it (``"0001-01-01"^^xsd:date``)."""

ACCEPTED_PERIODS = (
    "YYYY, YYYY-MM or YYYY-MM-DD (the whole year, month or day), e.g. 2024, 2024-06, 2024-06-14"
)
ACCEPTED_OPEN = "; add '..' for an open-ended period (from then on), e.g. 2025-07.."

_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

PRECISIONS = {
    XSD.date: "day",
    XSD.gYearMonth: "month",
    XSD.gYear: "year",
}
"""Datatype of ``pt:date`` → precision name."""

PRECISION_IRIS = {
    PT.DayPrecision: "day",
    PT.MonthPrecision: "month",
    PT.YearPrecision: "year",
    PT.UnknownDate: "unknown",
}
"""``pt:datePrecision`` individual → precision name."""

BASES = {
    PT.StatedDate: "stated",
    PT.AsOfReport: "as-of",
}
"""``pt:dateBasis`` individual → basis name: ``stated`` (the document dates the statement itself)
or ``as-of`` (the date is the document's report date, an upper bound)."""


class PeriodError(ValueError):
    """A period that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; the message says what is accepted."""


@dataclass(frozen=True, order=True)
class Interval:
    """The days a date may denote, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"interval ends before it starts: {self.start} > {self.end}")


@dataclass(frozen=True)
class Period:
    """A year, month or day a question asks about; ``open_ended`` periods have no end."""

    text: str
    start: date
    end: date
    precision: str
    open_ended: bool = False

    def __str__(self) -> str:
        return self.text


def parse_period(text: str, *, allow_open: bool = False, name: str = "period") -> Period:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (and ``…..`` when ``allow_open``).

    Raises :class:`PeriodError` with a message that names the parameter and lists what is accepted.
    """
    raw = (text or "").strip()
    accepted = ACCEPTED_PERIODS + (ACCEPTED_OPEN if allow_open else "")
    open_ended = False
    body = raw
    for suffix in ("/..", ".."):
        if raw.endswith(suffix):
            if not allow_open:
                raise PeriodError(f"{name} {raw!r} cannot be open-ended; accepted: {accepted}")
            open_ended, body = True, raw[: -len(suffix)]
            break
    match = _PERIOD.match(body)
    if not match:
        raise PeriodError(f"{name} {raw!r} is not a period; accepted: {accepted}")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    month = int(month_text) if month_text else None
    day = int(day_text) if day_text else None
    try:
        if month is None:
            start, end, precision = date(year, 1, 1), date(year, 12, 31), "year"
        elif day is None:
            last = calendar.monthrange(year, month)[1]
            start, end, precision = date(year, month, 1), date(year, month, last), "month"
        else:
            start = end = date(year, month, day)
            precision = "day"
    except ValueError as exc:
        raise PeriodError(
            f"{name} {raw!r} is not a calendar date ({exc}); accepted: {accepted}"
        ) from None
    if start.year < 1 or end >= OPEN_END:
        raise PeriodError(f"{name} {raw!r} is out of range; accepted: {accepted}")
    return Period(
        text=raw,
        start=start,
        end=OPEN_END if open_ended else end,
        precision=precision,
        open_ended=open_ended,
    )


def require_order(first: Period, second: Period, first_name: str, second_name: str) -> None:
    """Raise :class:`PeriodError` unless ``first`` ends before ``second`` starts."""
    if not first.end < second.start:
        raise PeriodError(
            f"{second_name} ({second}) must start after {first_name} ({first}) ends "
            f"({first_name} ends {first.end.isoformat()}, {second_name} starts {second.start.isoformat()})"
        )


# --- statement dates ---------------------------------------------------------------------------


def precision_of(value: Literal | None) -> str:
    """``day``, ``month`` or ``year`` from the datatype of a ``pt:date``; ``unknown`` without one."""
    if not isinstance(value, Literal) or value.datatype is None:
        return "unknown"
    return PRECISIONS.get(value.datatype, "unknown")


def interval_of(
    value: Literal | str | None,
    precision: str | URIRef | None = None,
    basis: str | URIRef | None = None,
) -> Interval | None:
    """The interval a ``pt:date`` denotes, or ``None`` when the date is unknown or unreadable.

    ``value`` is the literal (its datatype gives the precision) or its lexical form together with
    ``precision`` (``day``/``month``/``year`` or the ``pt:`` precision individual). With
    ``basis`` ``as-of`` (or ``pt:AsOfReport``) the date is a report date: the interval runs from
    :data:`OPEN_START` to its last day.
    """
    if value is None:
        return None
    if isinstance(basis, URIRef):
        basis = BASES.get(basis)
    if basis == "as-of":
        bounded = interval_of(value, precision)
        return Interval(OPEN_START, bounded.end) if bounded else None
    if isinstance(precision, URIRef):
        precision = PRECISION_IRIS.get(precision)
    if precision is None and isinstance(value, Literal):
        precision = precision_of(value)
    lexical = str(value).strip()
    lexical = re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", lexical)
    try:
        if precision == "day":
            day = date.fromisoformat(lexical)
            return Interval(day, day)
        if precision == "month":
            year, month = (int(x) for x in lexical.split("-"))
            return Interval(
                date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
            )
        if precision == "year":
            year = int(lexical)
            return Interval(date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        return None
    return None


@lru_cache(maxsize=1 << 16)
def day_literal(value: date) -> Literal:
    """A day as an ``xsd:date`` literal, as the queries compare days (remembered: the derived
    facts write the same few thousand days hundreds of thousands of times, and rdflib makes a
    date literal slowly)."""
    return Literal(value.isoformat(), datatype=XSD.date)
