"""The interval logic of the temporal questions (kg/questions/periods.py): periods, statement intervals, and the
three-valued comparisons, checked day by day with Hypothesis."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal
from rdflib.namespace import XSD

from kg.questions.periods import (
    OPEN_END,
    Interval,
    PeriodError,
    Truth,
    after,
    before,
    gap_between,
    in_or_after,
    in_or_before,
    interval_of,
    parse_period,
    precedes,
    require_order,
    within,
)
from kg.rdf.namespaces import PT

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


def test_gap_between_periods():
    assert gap_between(parse_period("2022"), parse_period("2025")) == Interval(
        date(2023, 1, 1), date(2024, 12, 31)
    )
    assert gap_between(parse_period("2024-06"), parse_period("2024-07")) is None


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


# --- three-valued comparisons, checked day by day -------------------------------------------------

DAY0 = date(2023, 11, 1)
day = st.integers(min_value=0, max_value=500).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def statement_intervals(draw) -> Interval:
    """The interval of a day-, month- or year-precision date."""
    when = draw(day)
    precision = draw(st.sampled_from(["day", "month", "year"]))
    lexical = {"day": when.isoformat(), "month": when.isoformat()[:7], "year": str(when.year)}
    found = interval_of(lexical[precision], precision)
    assert found is not None
    return found


@st.composite
def periods(draw, allow_open: bool = False):
    when = draw(day)
    text = draw(st.sampled_from([when.isoformat(), when.isoformat()[:7], str(when.year)]))
    if allow_open and draw(st.booleans()):
        text += ".."
    return parse_period(text, allow_open=allow_open)


def days(interval: Interval):
    current = interval.start
    while current <= interval.end:
        yield current
        current += timedelta(days=1)


def by_days(interval: Interval, holds) -> Truth:
    """YES when every day of the interval satisfies ``holds``, NO when none does, else MAYBE."""
    values = {holds(d) for d in days(interval)}
    return Truth.YES if values == {True} else Truth.NO if values == {False} else Truth.MAYBE


@given(statement_intervals(), periods(allow_open=True))
def test_comparisons_agree_with_every_day_of_the_interval(stated, period):
    assert in_or_before(stated, period) == by_days(stated, lambda d: d <= period.end)
    assert in_or_after(stated, period) == by_days(stated, lambda d: d >= period.start)
    assert within(stated, period) == by_days(stated, lambda d: period.start <= d <= period.end)
    assert before(stated, period) == by_days(stated, lambda d: d < period.start)
    assert after(stated, period) == by_days(stated, lambda d: d > period.end)


@given(statement_intervals(), periods())
def test_certainly_within_is_never_outside(stated, period):
    if within(stated, period) is Truth.YES:
        assert before(stated, period) is Truth.NO
        assert after(stated, period) is Truth.NO
        assert in_or_before(stated, period) is Truth.YES
        assert in_or_after(stated, period) is Truth.YES
    if within(stated, period) is Truth.NO:
        assert before(stated, period) is Truth.YES or after(stated, period) is Truth.YES


@st.composite
def short_intervals(draw) -> Interval:
    """Day- or month-precision intervals (small enough to compare every pair of days)."""
    when = draw(day)
    month = draw(st.booleans())
    found = interval_of(
        when.isoformat()[:7] if month else when.isoformat(), "month" if month else "day"
    )
    assert found is not None
    return found


@given(short_intervals(), short_intervals())
def test_precedes_agrees_with_every_pair_of_days(first, second):
    """Two statements on the same day are unordered: "strictly before" is then possible, not certain."""
    pairs = [(a, b) for a in days(first) for b in days(second)]
    if all(a < b for a, b in pairs):
        expected = Truth.YES
    elif any(a <= b for a, b in pairs):
        expected = Truth.MAYBE
    else:
        expected = Truth.NO
    assert precedes(first, second) == expected


@given(st.sampled_from(list(Truth)), st.sampled_from(list(Truth)), st.sampled_from(list(Truth)))
def test_kleene_logic(a, b, c):
    assert a & b == b & a and a | b == b | a
    assert (a & b) & c == a & (b & c)
    assert ~(a & b) == (~a | ~b)
    assert ~~a == a
    assert (a & Truth.YES) == a and (a | Truth.NO) == a
