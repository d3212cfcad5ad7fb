"""Dates as precise as the sources make them.

A statement's date is a day (``xsd:date``), a month (``xsd:gYearMonth``), a year (``xsd:gYear``) or
unknown (``pt:UnknownDate``). :class:`When` keeps that precision: a day is a point, a month or year
is the interval it spans, so a page never writes a date more precisely than its source did.
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


@dataclass(frozen=True)
class When:
    """A date with its precision; ``start``/``end`` bound the interval it covers (end exclusive).

    The interval is the one :func:`kg.rdf.periods.interval_of` gives the temporal questions."""

    precision: str
    start: dt.date | None = None
    end: dt.date | None = None
    literal: str | None = None

    @classmethod
    def of(cls, date: Node | None, precision: Node | None = None) -> When:
        """From a ``pt:date`` literal and a ``pt:datePrecision`` individual (either may be missing;
        without a precision, the datatype or else the lexical form tells it)."""
        if date is None or not isinstance(date, Literal):
            return cls("unknown")
        text = str(date).strip()
        name = precision_name(precision) or periods.precision_of(date)
        if name == "unknown":
            name = next((n for n, pattern in _LEXICAL if pattern.match(text)), "unknown")
        interval = periods.interval_of(text, name) if name != "unknown" else None
        if interval is None:
            return cls("unknown", literal=text)
        # the end is exclusive; the last representable day (a derived "open" end, 9999-12-31)
        # has no successor and stays as it is
        end = interval.end if interval.end == dt.date.max else interval.end + dt.timedelta(days=1)
        return cls(name, interval.start, end, text)

    @property
    def known(self) -> bool:
        return self.start is not None

    @property
    def text(self) -> str:
        """As a person writes it, no more precise than the source: "2 June 2025", "June 2025", "2024"."""
        if self.start is None:
            return "date unknown"
        if self.precision == "day":
            return f"{self.start.day} {calendar.month_name[self.start.month]} {self.start.year}"
        if self.precision == "month":
            return f"{calendar.month_name[self.start.month]} {self.start.year}"
        return str(self.start.year)

    @property
    def iso(self) -> str | None:
        """For ``<time datetime>``: ``2025-06-02``, ``2025-06`` or ``2025``."""
        if self.start is None:
            return None
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}"

    @property
    def sort_key(self) -> tuple:
        """Earliest first; at the same start, the more precise first; unknown dates last."""
        if self.start is None:
            return (1, dt.date.max, 0)
        return (0, self.start, PRECISIONS.index(self.precision))


def precision_name(term: Node | None) -> str | None:
    """``day``/``month``/``year``/``unknown`` for a ``pt:…Precision`` individual, else None."""
    return periods.PRECISION_IRIS.get(term) if isinstance(term, URIRef) else None
