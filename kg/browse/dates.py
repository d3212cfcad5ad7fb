"""Dates as precise as the sources make them.

A statement's date is a day (``xsd:date``), a month (``xsd:gYearMonth``), a year (``xsd:gYear``) or
unknown (``pt:UnknownDate``). :class:`When` keeps that precision: a day is a point, a month or year
is the interval it spans, so a page never writes a date more precisely than its source did.

A date given *as of a report* (``pt:dateBasis pt:AsOfReport``) is the source document's report
date D: the statement was made on or before D. :class:`When` keeps D (``start``/``end``, ``iso``)
and says so: "by 15 May 2025", "by August 2025".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.rdf import periods

PRECISIONS = ("day", "month", "year", "unknown")
_LEXICAL = (
    ("day", re.compile(r"^\d{4}-\d{2}-\d{2}")),
    ("month", re.compile(r"^\d{4}-\d{2}(?:Z|[+-]\d{2}:\d{2})?$")),
    ("year", re.compile(r"^\d{4}(?:Z|[+-]\d{2}:\d{2})?$")),
)


AS_OF = "as-of"
STATED = "stated"
_UNIT = {"day": "date", "month": "month", "year": "year"}


@dataclass(frozen=True)
class When:
    """A date with its precision; ``start``/``end`` bound the interval it covers (end exclusive).

    The interval is the one :func:`kg.rdf.periods.interval_of` gives the temporal questions,
    except for a date as of a report (``basis`` ``as-of``): ``start``/``end`` are then the report
    date D's own interval (the day, month or year as the source gives it), while the statement
    may have been made on any day up to D's last (:attr:`earliest` is None, :attr:`latest` is D's
    last day). Such a date sorts at its report date, as the temporal questions place it: by D's
    last day (see :attr:`sort_key`); it never stretches a timeline to the year 1.
    """

    precision: str
    start: dt.date | None = None
    end: dt.date | None = None
    literal: str | None = None
    basis: str | None = None
    """``stated`` (the source dates the statement), ``as-of`` (the date is the source's report
    date, an upper bound), or None when the data does not say."""

    @classmethod
    def of(
        cls, date: Node | None, precision: Node | None = None, basis: Node | str | None = None
    ) -> When:
        """From a ``pt:date`` literal, a ``pt:datePrecision`` individual and a ``pt:dateBasis``
        individual (or its name, ``stated``/``as-of``); any may be missing. Without a precision,
        the datatype or else the lexical form tells it."""
        name_of_basis = basis_name(basis)
        if date is None or not isinstance(date, Literal):
            return cls("unknown", basis=name_of_basis)
        text = str(date).strip()
        name = precision_name(precision) or periods.precision_of(date)
        if name == "unknown":
            name = next((n for n, pattern in _LEXICAL if pattern.match(text)), "unknown")
        interval = periods.interval_of(text, name) if name != "unknown" else None
        if interval is None:
            return cls("unknown", literal=text, basis=name_of_basis)
        # the end is exclusive; the last representable day (a derived "open" end, 9999-12-31)
        # has no successor and stays as it is
        end = interval.end if interval.end == dt.date.max else interval.end + dt.timedelta(days=1)
        return cls(name, interval.start, end, text, name_of_basis)

    @property
    def known(self) -> bool:
        return self.start is not None

    @property
    def as_of(self) -> bool:
        """Whether the date is a report date: the statement was made on or before it."""
        return self.basis == AS_OF and self.known

    @property
    def earliest(self) -> dt.date | None:
        """The first day the statement may have been made on (None: unknown or as of a report)."""
        return None if self.as_of else self.start

    @property
    def latest(self) -> dt.date | None:
        """The last day the statement may have been made on (None when undated)."""
        return self.end - dt.timedelta(days=1) if self.end and self.end != dt.date.max else self.end

    @property
    def plain(self) -> str:
        """The date alone, as a person writes it: "2 June 2025", "June 2025", "2024"."""
        if self.start is None:
            return "date unknown"
        if self.precision == "day":
            return f"{self.start.day} {calendar.month_name[self.start.month]} {self.start.year}"
        if self.precision == "month":
            return f"{calendar.month_name[self.start.month]} {self.start.year}"
        return str(self.start.year)

    @property
    def text(self) -> str:
        """As a person writes it, no more precise than the source: "2 June 2025", "June 2025",
        "2024"; as of a report, "by 2 June 2025", "by June 2025", "by 2024"."""
        return f"by {self.plain}" if self.as_of else self.plain

    @property
    def long_text(self) -> str | None:
        """The longer form for a tooltip: for a date as of a report, "stated on or before 15 May
        2025, the date of the report" ("in or before August 2025, the month of the report");
        None for any other date."""
        if not self.as_of:
            return None
        on = "on" if self.precision == "day" else "in"
        return f"stated {on} or before {self.plain}, the {_UNIT[self.precision]} of the report"

    @property
    def qualifier(self) -> str:
        """What the page writes beside the date: its precision, and "as of the report"."""
        if not self.known:
            return "date unknown"
        return f"{self.precision}, as of the report" if self.as_of else self.precision

    @property
    def iso(self) -> str | None:
        """For ``<time datetime>``: ``2025-06-02``, ``2025-06`` or ``2025`` (for a date as of a
        report, the report date D itself)."""
        if self.start is None:
            return None
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    @property
    def sort_key(self) -> tuple:
        """Earliest first: by the first day, then the last; at the same days, the more precise
        first, and a stated date before one as of a report; unknown dates last. A date as of a
        report, which has no first day, sorts at the last day of its report date D (by which it
        was certainly stated), as the temporal questions place it."""
        if self.start is None or self.end is None:
            return (1, dt.date.max, dt.date.max, 0, 0)
        first = self.end - dt.timedelta(days=1) if self.as_of else self.start
        return (0, first, self.end, PRECISIONS.index(self.precision), int(self.as_of))


def basis_name(term: Node | str | None) -> str | None:
    """``stated``/``as-of`` for a ``pt:dateBasis`` individual or either name, else None."""
    if isinstance(term, URIRef):
        return periods.BASES.get(term)
    if isinstance(term, str) and str(term) in (STATED, AS_OF):
        return str(term)
    return None


def precision_name(term: Node | None) -> str | None:
    """``day``/``month``/``year``/``unknown`` for a ``pt:…Precision`` individual, else None."""
    return periods.PRECISION_IRIS.get(term) if isinstance(term, URIRef) else None
