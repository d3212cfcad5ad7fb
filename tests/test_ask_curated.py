"""The headline question on the curated data, pinned: which of Russia's demands persisted from June 2024 to
July 2025, in both modes, with the statements, dates and sources behind each answer.

Putin stated the conditions on 14 June 2024 (document 000): Ukraine renounces NATO membership, and Ukrainian
forces withdraw from the four regions. In 2025 the withdrawal is restated as of 002's report (15 May), in the June
memorandum (001, 2 June) and among the ceasefire conditions 003 reports as of early August 2025, which may fall in
July: so in attested mode it is restated within July 2025, but not certainly. The NATO renunciation is restated as
part of the neutral status of the 2 June memorandum (a package, pt:comprises): certainly over 2025, while nothing
about NATO or neutrality may fall in July 2025. In force, both conditions (and the 2022 demand for a veto over
guarantors, never withdrawn) certainly persisted, each with when it was last attested; the positions known only from
reports (stated on or before the report date, perhaps before June 2024) are in force only uncertainly.
"""

from __future__ import annotations

import pytest

from kg.questions import ask
from kg.store import open_store
from tests.asking import local, statements

WITHDRAWAL = "ukrainian-withdrawal-from-four-regions"
NATO = "ukraine-renounces-nato-membership"
HEADLINE = {"party": "russia", "from": "2024-06", "to": "2025-07"}


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def store(request, curated_build):
    store = open_store(request.param)
    store.load_file(curated_build)
    return store


def by_position(answer):
    return {local(item.position.iri): item for item in answer.items}


def evidence_rows(item):
    return [
        (
            local(e.statement),
            str(e.date),
            e.role,
            local(e.via.iri) if e.via else None,
            [q.identifier for q in e.quotes],
        )
        for e in item.evidence
    ]


def test_attested_the_withdrawal_is_restated_in_july_2025_only_as_of_the_august_report(store):
    found = ask(store, "persisted", HEADLINE)
    items = by_position(found)
    assert {k: v.certainty for k, v in items.items()} == {
        WITHDRAWAL: "uncertain",
        "halt-western-arms-deliveries": "uncertain",
    }
    assert found.bounds == {"fromEnd": "2024-06-30", "toStart": "2025-07-01", "toEnd": "2025-07-31"}
    assert evidence_rows(items[WITHDRAWAL]) == [
        (
            "putin-2024-06-14-withdrawal-four-regions",
            "2024-06-14 (day)",
            "attestation",
            None,
            ["000_5c185bcb0a4c3004.txt"],
        ),
        (
            "russia-2025-05-15-claims-four-regions",
            "by 2025-05-15 (day, as of the report)",
            "attestation",
            None,
            ["002_5da6d8e6a93fb2e2.txt"],
        ),
        (
            "russia-memorandum-2025-06-02-withdrawal-four-regions",
            "2025-06-02 (day)",
            "attestation",
            None,
            ["001_d4c24e274d839f46.txt"],
        ),
        (
            "russia-undated-ceasefire-condition-withdrawal-four-regions",
            "by 2025-08 (month, as of the report)",
            "attestation",
            None,
            ["003_00eff6b607dc38ae.txt"],
        ),
    ]
    august = items[WITHDRAWAL].evidence[-1].date
    assert (august.basis, august.earliest, august.latest) == ("as-of", None, "2025-08-31")
    undated = {(local(e.position.iri), local(e.statement)) for e in found.undated}
    assert {
        (NATO, "zakharova-undated-reaffirms-renounce-nato"),
        (NATO, "russia-undated-upholds-renounce-nato"),
        (WITHDRAWAL, "zakharova-undated-reaffirms-withdrawal-four-regions"),
        (WITHDRAWAL, "russia-undated-upholds-withdrawal-four-regions"),
    } <= undated


def test_attested_over_2025_both_conditions_persisted_the_nato_one_as_part_of_neutrality(store):
    found = ask(store, "persisted", {**HEADLINE, "to": "2025"})
    items = by_position(found)
    assert {k for k, v in items.items() if v.certainty == "certain"} == {WITHDRAWAL, NATO}
    assert evidence_rows(items[NATO]) == [
        (
            "putin-2024-06-14-renounce-nato",
            "2024-06-14 (day)",
            "attestation",
            None,
            ["000_5c185bcb0a4c3004.txt"],
        ),
        (
            "russia-memorandum-2025-06-02-neutral-status",
            "2025-06-02 (day)",
            "attestation",
            "ukraine-neutral-status",
            ["001_d4c24e274d839f46.txt"],
        ),
    ]
    assert items[NATO].evidence[1].quotes[0].quote == "Ukraine adopting a neutral status"
    assert all(e.party.iri.endswith("/actor/russia") for e in items[WITHDRAWAL].evidence)
    # without the packages, the NATO renunciation has no restatement in 2025
    alone = by_position(ask(store, "persisted", {**HEADLINE, "to": "2025", "packages": "exclude"}))
    assert NATO not in alone and alone[WITHDRAWAL].certainty == "certain"


def test_in_force_both_june_2024_conditions_persisted(store):
    found = ask(store, "persisted", {**HEADLINE, "mode": "in-force"})
    items = by_position(found)
    certain = {k: str(v.last_attested.date) for k, v in items.items() if v.certainty == "certain"}
    assert certain == {
        WITHDRAWAL: "by 2025-08 (month, as of the report)",
        NATO: "2025-06-02 (day)",
        "russian-veto-over-guarantor-actions": "2022 (year)",
    }
    assert statements(items[NATO]) == [
        "putin-2024-06-14-renounce-nato",
        "russia-memorandum-2025-06-02-neutral-status",
    ]
    [quote] = items[NATO].evidence[0].quotes
    assert (quote.identifier, quote.quote) == (
        "000_5c185bcb0a4c3004.txt",
        "These include Ukraine’s formal renunciation of its NATO membership aspirations",
    )
    assert local(items[WITHDRAWAL].last_attested.statement) == (
        "russia-undated-ceasefire-condition-withdrawal-four-regions"
    )
    # the uncertain ones are known only from statements that are not certainly stated by June 2024: each has an
    # attestation dated by a report (on or before a day after June 2024), none stated in or before June 2024
    uncertain = [v for v in items.values() if v.certainty == "uncertain"]
    assert uncertain
    for item in uncertain:
        dates = [e.date for e in item.evidence if e.role == "attestation"]
        assert any(d.basis == "as-of" for d in dates), local(item.position.iri)
        assert all(d.latest > "2024-06-30" for d in dates), local(item.position.iri)


@pytest.mark.slow
def test_the_two_modes_differ_only_by_what_evidence_they_demand(store):
    """Every attested answer is also in force (nothing withdrawn in between), not the other way round."""
    for to in ("2025", "2025-07", "2025-06.."):
        attested = by_position(ask(store, "persisted", {**HEADLINE, "to": to}))
        in_force = by_position(ask(store, "persisted", {**HEADLINE, "to": to, "mode": "in-force"}))
        assert set(attested) <= set(in_force)


PAGED = [
    ("diff", {"party": "russia", "from": "2022", "to": "2025"}),
    ("added", {"party": "ukraine", "from": "2022", "to": "2025"}),
    ("conflicts", {"at": "2025-06"}),
    ("timeline", {"position": WITHDRAWAL}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "params"), PAGED, ids=[q for q, _ in PAGED])
@pytest.mark.parametrize("limit", [1, 2, 5])
def test_pages_put_end_to_end_give_the_whole_answer(store, question, params, limit):
    whole = ask(store, question, {**params, "limit": "all"})
    assert whole.next is None and whole.limit is None
    # a timeline's rows are its statements, dated (items) then undated; other questions' its items
    rows = len(whole.items) + (len(whole.undated) if question == "timeline" else 0)
    assert rows > limit, "the case must need more than one page"
    items, undated, offset, pages = [], [], 0, 0
    while True:
        answer = ask(store, question, {**params, "limit": str(limit), "offset": str(offset)})
        pages += 1
        assert (answer.limit, answer.offset) == (limit, offset)
        items.extend(answer.items)
        undated.extend(ev.statement for ev in answer.undated)
        if answer.next is None:
            break
        assert answer.next == offset + limit
        offset = answer.next
    assert [i.to_dict() for i in items] == [i.to_dict() for i in whole.items]
    assert pages == -(-rows // limit)
    if question in ("conflicts", "timeline"):
        # the undated statements of each page's rows: together, the whole answer's
        assert set(undated) == {ev.statement for ev in whole.undated}
    else:  # the party's undated statements, on every page
        assert undated == [ev.statement for ev in whole.undated] * pages
    beyond = ask(store, question, {**params, "limit": str(limit), "offset": str(rows + 50)})
    assert (beyond.items, beyond.next) == ((), None)


def test_the_default_page_holds_twenty_five_items(store):
    first = ask(store, "conflicts", {"at": "2025-06"})
    assert (first.limit, first.offset, first.next, len(first.items)) == (25, 0, 25, 25)
    assert first.to_dict()["page"] == {"limit": 25, "offset": 0, "next": 25}
    rest = ask(store, "conflicts", {"at": "2025-06", "offset": str(first.next)})
    assert (rest.next, len(rest.items)) == (
        None,
        4,
    )  # the curated data's 29 conflicts between parties
