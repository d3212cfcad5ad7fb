"""What is kept from one answer to the next changes no answer: every answer of the pinned grid, asked
with one memo kept over all the questions (and asked again, from what the memo holds), is the one
read afresh; the answers' JSON text is what ``json.dumps`` writes; helper queries read in blocks
give the rows of one query; the JSON API keeps the answers it wrote, within its bound."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from kg.questions import QUESTIONS, ask
from kg.questions.binding import VALUES_CHUNK, fill_values, run_select, select_values
from kg.questions.jsontext import Written, indented
from kg.questions.memo import StoreMemo
from kg.store import open_store
from kg.store.queries import canned_query, select
from tests.test_pinned_answers import requests


@pytest.fixture(scope="module")
def store(curated_build):
    store = open_store("oxigraph")
    store.load_file(curated_build)
    return store


@pytest.fixture(scope="module")
def memo(store):
    return StoreMemo(store)


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_a_memo_kept_over_every_question_changes_no_answer(store, memo, question):
    for params in requests(store, question):
        afresh = ask(store, question, params).to_json()
        for _ in range(2):  # the first fills the memo (as far as earlier questions had not)
            assert ask(store, question, params, memo).to_json() == afresh, params


def test_pages_with_a_memo_are_the_pages_read_afresh(store, memo):
    params = {"party": "russia", "from": "2022", "to": "2025", "mode": "in-force", "limit": "2"}
    offset: int | None = 0
    pages = 0
    while offset is not None:
        paged = {**params, "offset": str(offset)}
        kept = ask(store, "persisted", paged, memo)
        assert kept.to_dict() == ask(store, "persisted", paged).to_dict()
        offset, pages = kept.next, pages + 1
    assert pages > 1, "the case checks no second page"


def test_a_memo_of_another_store_is_refused(store):
    other = StoreMemo(open_store("oxigraph"))
    with pytest.raises(ValueError, match="another store"):
        ask(store, "position", {"party": "russia", "at": "2025"}, other)


def test_a_full_memo_keeps_nothing_more_and_answers_the_same(store):
    small = StoreMemo(store, max_entries=3)
    params = {"party": "russia", "at": "2025", "limit": "all"}
    assert (
        ask(store, "position", params, small).to_json() == ask(store, "position", params).to_json()
    )
    assert len(small.details) <= 3 and len(small.labels) <= 3 and len(small.evidence) <= 3


def test_helper_rows_read_in_blocks_are_the_rows_of_one_query(store):
    statements = [row[0] for row in select(store, "export-statements").rows]
    statements = [s for s in dict.fromkeys(statements) if isinstance(s, URIRef)]
    assert len(statements) > 2 * VALUES_CHUNK, "the case reads fewer than three blocks"
    blocks = select_values(store, "ask-evidence", "statement", statements)
    rows = [(s,) for s in sorted(statements)]
    whole = run_select(store, fill_values(canned_query("ask-evidence"), ("statement",), rows))
    assert blocks is not None and blocks.variables == whole.variables
    assert sorted(map(repr, blocks.rows)) == sorted(map(repr, whole.rows))
    assert len(whole.rows) >= len(statements)


_TEXT = st.text(alphabet=string.printable + 'äöü€\u2028\x00"\\', max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON, _JSON)
def test_json_text_is_what_json_dumps_writes(value, part):
    expected = json.dumps({"a": [value, part], "b": part}, ensure_ascii=False, indent=2)
    written = Written(json.dumps(part, ensure_ascii=False, indent=2))
    assert indented({"a": [value, written], "b": written}) == expected


def test_the_api_keeps_the_answers_it_wrote_within_its_bound(curated_build):
    from server import create_app, sparql
    from server.api import AnswerCache, answer_cache

    app = create_app({"TESTING": True, "PTKG_DATASET": str(curated_build)})
    try:
        client = app.test_client()
        path = "/api/ask/position?party=russia&at=2025"
        first, again = client.get(path), client.get(path)
        assert first.status_code == again.status_code == 200
        assert first.get_data() == again.get_data()
        with app.app_context():
            cache = answer_cache()
            assert cache is not None
            assert cache.get(("position", (("at", "2025"), ("party", "russia")))) == first.get_data(
                as_text=True
            )
        bad = client.get("/api/ask/position?party=nobody&at=2025")
        assert bad.status_code == 400 and client.get(bad.request.full_path).status_code == 400
    finally:
        sparql.shutdown(app)
    cache = AnswerCache(10)
    cache.put(("a", ()), "12345")
    cache.put(("b", ()), "67890")
    assert cache.get(("a", ())) == "12345"  # now the most recent
    cache.put(("c", ()), "abcde")
    assert cache.get(("b", ())) is None and cache.get(("a", ())) == "12345"
    cache.put(("d", ()), "x" * 11)
    assert cache.get(("d", ())) is None
