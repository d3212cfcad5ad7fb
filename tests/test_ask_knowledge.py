"""The knowledge model's edge cases on small purpose-built graphs (tests/fixtures/ask/): dates given as a report's
date ("as of", an upper bound) at period boundaries, statements of packages counted as restating their parts, and a
draft's terms that lapse with their talks and whose drafters are no party — on both local engines."""

from __future__ import annotations

import pytest

from kg.questions import AskError, ask, render
from tests.asking import fixture_store, local, statements, summary
from tests.test_ask import ENGINES_LOCAL, answer


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("knowledge-fixtures")


@pytest.fixture(scope="module", params=ENGINES_LOCAL)
def engine(request):
    return request.param


# --- as of a report: stated on or before the report date ------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # A's report of August 2025 may fall in July: restated, but not certainly.
        ({"from": "2024-06", "to": "2025-07"}, {"a": "uncertain"}),
        ({"from": "2024-06", "to": "2025-08"}, {"a": "uncertain"}),
        # stated by 31 August 2025: certainly not in September or later
        ({"from": "2024-06", "to": "2025-09"}, {}),
        ({"from": "2024-06", "to": "2025-09.."}, {}),
        # in force: A is never withdrawn (certain); B is stated by 15 May 2025, perhaps before the end of
        # June 2024 (uncertain); C's withdrawal may come before or after its attestation (uncertain)
        (
            {"from": "2024-06", "to": "2025-07", "mode": "in-force"},
            {"a": "certain", "b": "uncertain", "c": "uncertain"},
        ),
        # a report date is certainly before any period after it: B stated by 15 May 2025 is certainly stated in
        # or before June 2025, and in force since (as A, stated on 14 June 2024)
        (
            {"from": "2025-06", "to": "2025-07", "mode": "in-force"},
            {"a": "certain", "b": "certain", "c": "uncertain"},
        ),
    ],
)
def test_as_of_dates_at_the_period_boundaries(folder, engine, params, expected):
    found = answer(folder, engine, "as-of", "persisted", party="alpha", **params)
    assert summary(found) == expected


def test_an_as_of_date_has_no_first_day_and_says_so(folder, engine):
    found = answer(
        folder,
        engine,
        "as-of",
        "persisted",
        party="alpha",
        mode="in-force",
        **{"from": "2024-06"},
        to="2025-07",
    )
    item = next(i for i in found.items if local(i.position.iri) == "a")
    last = item.last_attested
    assert last is not None and local(last.statement) == "a-as-of-2025-08"
    assert last.date.basis == "as-of"
    assert (last.date.value, last.date.earliest, last.date.latest) == (
        "2025-08",
        None,
        "2025-08-31",
    )
    assert statements(item) == ["a-2024-06-14", "a-as-of-2025-08"]
    stated = item.evidence[0].date
    assert (stated.basis, stated.earliest, stated.latest) == ("stated", "2024-06-14", "2024-06-14")
    table = render(found, "table")
    assert "by 2025-08" in table and "last attested by 2025-08 (month, as of the report)" in table
    assert "0001-01-01" not in table and "0001-01-01" not in found.to_json()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # first stated by 15 May 2025: perhaps after June 2024, so perhaps added
        ({"from": "2024-06", "to": "2025-07"}, {"b": "uncertain"}),
        # certainly stated by the end of May 2025: never added after it
        ({"from": "2025-05", "to": "2025-07"}, {}),
    ],
)
def test_a_position_first_stated_as_of_a_report_is_only_possibly_added(
    folder, engine, period, expected
):
    found = answer(folder, engine, "as-of", "added", party="alpha", **period)
    assert summary(found) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # held on the report date itself, certainly; the day before, only possibly
        ("2025-05-15", {"a": "certain", "b": "certain", "c": "uncertain"}),
        ("2025-05-14", {"a": "certain", "b": "uncertain", "c": "uncertain"}),
    ],
)
def test_held_from_the_report_date_on(folder, engine, at, expected):
    found = answer(folder, engine, "as-of", "position", party="alpha", at=at)
    assert summary(found) == expected


def test_an_as_of_statement_may_fall_in_the_span_so_re_emergence_is_uncertain(folder, engine):
    found = answer(
        folder, engine, "as-of", "re-emerged", party="alpha", **{"from": "2024-06"}, to="2025-08"
    )
    assert summary(found) == {"a": "uncertain"}


def test_the_timeline_places_an_as_of_statement_at_its_report_date(folder, engine):
    found = answer(folder, engine, "as-of", "timeline", position="c")
    assert [local(i.evidence[0].statement) for i in found.items] == [
        "c-2024-06",
        "c-withdrawn-as-of-2025-05-15",
    ]
    withdrawal = found.items[1].evidence[0]
    assert (withdrawal.role, withdrawal.date.basis, withdrawal.date.earliest) == (
        "withdrawal",
        "as-of",
        None,
    )


# --- packages: a statement of a package restates its parts ----------------------------------------


def test_a_package_statement_restates_its_part_and_says_so(folder, engine):
    found = answer(
        folder, engine, "packages", "persisted", party="alpha", **{"from": "2024-06"}, to="2025-07"
    )
    assert summary(found) == {"part": "certain"}
    (item,) = found.items
    assert statements(item) == ["alpha-part-2024-06-14", "alpha-package-2025-07-10"]
    direct, packaged = item.evidence
    assert direct.via is None
    assert packaged.via is not None and local(packaged.via.iri) == "package"
    assert packaged.role == "attestation" and local(packaged.position.iri) == "part"
    assert "stated as part of: Package" in render(found, "table")
    assert found.to_dict()["items"][0]["evidence"][1]["via"]["label"] == "Package"


def test_packages_can_be_left_out(folder, engine):
    params = {"party": "alpha", "from": "2024-06", "to": "2025-07", "packages": "exclude"}
    found = ask(fixture_store("packages", engine, folder), "persisted", params)
    assert summary(found) == {}
    in_force = ask(
        fixture_store("packages", engine, folder), "persisted", {**params, "mode": "in-force"}
    )
    (item,) = in_force.items
    assert all(e.via is None for e in item.evidence)
    assert local(item.last_attested.statement) == "alpha-part-2024-06-14"


def test_packages_count_transitively_for_re_emergence(folder, engine):
    found = answer(
        folder, engine, "packages", "re-emerged", party="beta", **{"from": "2022"}, to="2025"
    )
    assert summary(found) == {"package": "certain", "part": "certain"}
    part = next(i for i in found.items if local(i.position.iri) == "part")
    assert [(local(e.statement), local(e.via.iri)) for e in part.evidence] == [
        ("beta-outer-2022", "outer"),
        ("beta-package-2025-07", "package"),
    ]
    alone = answer(
        folder,
        engine,
        "packages",
        "re-emerged",
        party="beta",
        packages="exclude",
        **{"from": "2022"},
        to="2025",
    )
    assert summary(alone) == {}


def test_a_package_makes_no_holding_of_its_parts(folder, engine):
    """ "Held" and the conflicts are a party's own statements about a position: the other questions do not
    follow packages."""
    found = answer(folder, engine, "packages", "position", party="beta", at="2025-07")
    assert summary(found) == {"outer": "certain", "package": "certain"}


@pytest.mark.parametrize(
    ("packages", "expected"),
    [
        (
            "include",
            [
                ("beta-outer-2022", "outer"),
                ("gamma-part-2024", None),
                ("alpha-part-2024-06-14", None),
                ("gamma-both-2025-07-01", None),
                ("beta-package-2025-07", "package"),
                ("alpha-package-2025-07-10", "package"),
            ],
        ),
        (
            "exclude",
            [
                ("gamma-part-2024", None),
                ("alpha-part-2024-06-14", None),
                ("gamma-both-2025-07-01", None),
            ],
        ),
    ],
)
def test_the_timeline_follows_packages_unless_asked_not_to(folder, engine, packages, expected):
    """Supporting statements of the packages only: Beta's rejection of the package rejects no part."""
    found = answer(folder, engine, "packages", "timeline", position="part", packages=packages)
    shown = [
        (
            local(i.evidence[0].statement),
            local(i.evidence[0].via.iri) if i.evidence[0].via else None,
        )
        for i in found.items
    ]
    assert shown == expected


def test_packages_takes_include_or_exclude(folder):
    with pytest.raises(AskError, match="packages 'maybe' is not one of: include, exclude"):
        answer(folder, "oxigraph", "packages", "timeline", position="part", packages="maybe")


# --- a draft's terms: a lifetime, and drafters who are no party -----------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2022-06", {"a": "uncertain"}),
        # the talks may have failed in March already, and certainly did by the end of 2022
        ("2022-12-30", {"a": "uncertain"}),
        ("2022-12-31", {}),
        ("2025", {}),
    ],
)
def test_a_draft_term_lapses_with_its_talks(folder, engine, at, expected):
    found = answer(folder, engine, "drafts", "position", party="drafters", at=at)
    assert summary(found) == expected


def test_conflicts_leave_out_non_parties_unless_asked(folder, engine):
    found = answer(folder, engine, "drafts", "conflicts", at="2022-06")
    assert summary(found) == {
        "contradicted:a/alpha>beta:b": "certain",
        "contradicted:b/beta>alpha:a": "certain",
    }
    everyone = answer(folder, engine, "drafts", "conflicts", at="2022-06", between="all")
    assert summary(everyone) == {
        "contradicted:a/alpha>beta:b": "certain",
        "contradicted:a/drafters>beta:b": "uncertain",
        "contradicted:b/beta>alpha:a": "certain",
        "contradicted:b/beta>drafters:a": "uncertain",
    }
    later = answer(folder, engine, "drafts", "conflicts", at="2025-06", between="all")
    assert "drafters" not in str(summary(later))
    assert summary(later) == {
        "contradicted:a/alpha>beta:b": "certain",
        "contradicted:b/beta>alpha:a": "certain",
    }
