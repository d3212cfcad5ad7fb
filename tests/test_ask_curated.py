"""The headline question on the curated data, pinned: which of Russia's demands persisted from June 2024 to
July 2025, in both modes, with the statements, dates and sources behind each answer.

Putin stated the conditions on 14 June 2024 (document 000): Ukraine renounces NATO membership, and Ukrainian
forces withdraw from the four regions. In 2025 the withdrawal is restated on 15 May (002) and in the June
memorandum (001); the NATO renunciation only in statements the documents do not date (Zakharova at the Legal
Forum, and 000's "Russia steadfastly upholds"), which are listed as undated evidence. Nothing Russian is dated in
July 2025, so in attested mode nothing is restated *within* July 2025, while over the whole of 2025 the
withdrawal is; in in-force mode both conditions (and the 2022 demand for a veto over guarantors, never withdrawn)
are in force, each with when it was last attested.
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


def test_attested_nothing_is_restated_within_july_2025(store):
    found = ask(store, "persisted", HEADLINE)
    assert found.items == ()
    assert found.bounds == {"fromEnd": "2024-06-30", "toStart": "2025-07-01", "toEnd": "2025-07-31"}
    undated = {(local(e.position.iri), local(e.statement)) for e in found.undated}
    assert {
        (NATO, "zakharova-undated-reaffirms-renounce-nato"),
        (NATO, "russia-undated-upholds-renounce-nato"),
        (WITHDRAWAL, "zakharova-undated-reaffirms-withdrawal-four-regions"),
        (WITHDRAWAL, "russia-undated-upholds-withdrawal-four-regions"),
    } <= undated


def test_attested_over_2025_the_withdrawal_demand_persisted(store):
    found = ask(store, "persisted", {**HEADLINE, "to": "2025"})
    items = by_position(found)
    assert set(items) == {WITHDRAWAL}
    item = items[WITHDRAWAL]
    assert item.certainty == "certain"
    assert [
        (
            local(e.statement),
            e.date.value,
            e.date.precision,
            e.role,
            [q.identifier for q in e.quotes],
        )
        for e in item.evidence
    ] == [
        (
            "putin-2024-06-14-withdrawal-four-regions",
            "2024-06-14",
            "day",
            "attestation",
            ["000_5c185bcb0a4c3004.txt"],
        ),
        (
            "russia-2025-05-15-claims-four-regions",
            "2025-05-15",
            "day",
            "attestation",
            ["002_5da6d8e6a93fb2e2.txt"],
        ),
        (
            "russia-memorandum-2025-06-02-withdrawal-four-regions",
            "2025-06-02",
            "day",
            "attestation",
            ["001_d4c24e274d839f46.txt"],
        ),
    ]
    assert item.evidence[0].speaker.iri.endswith("/actor/vladimir-putin")
    assert all(e.party.iri.endswith("/actor/russia") for e in item.evidence)


def test_in_force_both_june_2024_conditions_persisted(store):
    found = ask(store, "persisted", {**HEADLINE, "mode": "in-force"})
    items = by_position(found)
    assert {k: (v.certainty, str(v.last_attested.date)) for k, v in items.items()} == {
        WITHDRAWAL: ("certain", "2025-06-02 (day)"),
        NATO: ("certain", "2024-06-14 (day)"),
        "russian-veto-over-guarantor-actions": ("certain", "2022 (year)"),
    }
    assert statements(items[NATO]) == ["putin-2024-06-14-renounce-nato"]
    [quote] = items[NATO].evidence[0].quotes
    assert (quote.identifier, quote.quote) == (
        "000_5c185bcb0a4c3004.txt",
        "These include Ukraine’s formal renunciation of its NATO membership aspirations",
    )
    assert statements(items[WITHDRAWAL]) == [
        "putin-2024-06-14-withdrawal-four-regions",
        "russia-2025-05-15-claims-four-regions",
        "russia-memorandum-2025-06-02-withdrawal-four-regions",
    ]
    assert local(items[WITHDRAWAL].last_attested.statement) == (
        "russia-memorandum-2025-06-02-withdrawal-four-regions"
    )


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
    assert (rest.next, len(rest.items)) == (None, 5)  # the curated data's 30 conflicts
