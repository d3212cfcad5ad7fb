"""The interval logic of the temporal questions (kg/rdf/periods.py): periods and statement intervals,
the days each denotes checked with Hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal
from rdflib.namespace import XSD

from kg.rdf.namespaces import PT
from kg.rdf.periods import (
    OPEN_END,
    Interval,
    PeriodError,
    interval_of,
    parse_period,
    require_order,
)

# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28), "month"),
        ("2024-06-14", date(2024, 6, 14), date(2024, 6, 14), "day"),
        (" 2025-07 ", date(2025, 7, 1), date(2025, 7, 31), "month"),
    ],
)
def test_a_period_is_the_whole_year_month_or_day(text, start, end, precision):
    period = parse_period(text)
    assert (period.start, period.end, period.precision, period.open_ended) == (
        start,
        end,
        precision,
        False,
    )


@pytest.mark.parametrize("text", ["2025-07..", "2025-07/.."])
def test_an_open_ended_period_has_no_end(text):
    period = parse_period(text, allow_open=True, name="to")
    assert period.start == date(2025, 7, 1)
    assert period.end == OPEN_END
    assert period.open_ended


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("June 2024", "is not a period"),
        ("2024-6", "is not a period"),
        ("24-06", "is not a period"),
        ("2024-13", "is not a calendar date"),
        ("2023-02-29", "is not a calendar date"),
        ("", "is not a period"),
        ("2024-06-14T10:00", "is not a period"),
        ("2025..", "cannot be open-ended"),
    ],
)
def test_a_malformed_period_is_refused_with_what_is_accepted(text, reason):
    with pytest.raises(PeriodError) as error:
        parse_period(text, name="from")
    message = str(error.value)
    assert message.startswith(f"from {text.strip()!r} ")
    assert reason in message
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in message


def test_periods_must_come_in_order():
    require_order(parse_period("2024-06"), parse_period("2024-07"), "from", "to")
    for first, second in [("2024-06", "2024-06"), ("2024", "2024-06"), ("2025", "2024")]:
        with pytest.raises(PeriodError, match="must start after from"):
            require_order(parse_period(first), parse_period(second), "from", "to")


@pytest.mark.parametrize(
    ("literal", "precision", "interval"),
    [
        (Literal("2024-06-14", datatype=XSD.date), None, (date(2024, 6, 14), date(2024, 6, 14))),
        (Literal("2024-06", datatype=XSD.gYearMonth), None, (date(2024, 6, 1), date(2024, 6, 30))),
        (Literal("2024", datatype=XSD.gYear), None, (date(2024, 1, 1), date(2024, 12, 31))),
        ("2024-02", PT.MonthPrecision, (date(2024, 2, 1), date(2024, 2, 29))),
        ("2024-02", "month", (date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_a_statement_date_denotes_an_interval_by_its_precision(literal, precision, interval):
    assert interval_of(literal, precision) == Interval(*interval)


def test_an_unknown_or_unreadable_date_has_no_interval():
    assert interval_of(None) is None
    assert interval_of("2024-06", PT.UnknownDate) is None
    assert interval_of(Literal("mid-2024", datatype=XSD.gYear)) is None


# --- periods and statement dates agree, checked with Hypothesis -----------------------------------

DAY0 = date(2023, 11, 1)
day = st.integers(min_value=0, max_value=500).map(lambda n: DAY0 + timedelta(days=n))


@given(day, st.sampled_from(["day", "month", "year"]))
def test_a_period_and_a_statement_date_written_alike_denote_the_same_days(when, precision):
    """What a user asks about and what a statement's date denotes are the same days, holding the day
    they were written from: a question's bounds and a statement's interval compare like with like."""
    lexical = {"day": when.isoformat(), "month": when.isoformat()[:7], "year": str(when.year)}
    period = parse_period(lexical[precision])
    stated = interval_of(lexical[precision], precision)
    assert stated == Interval(period.start, period.end)
    assert period.precision == precision
    assert stated.start <= when <= stated.end
