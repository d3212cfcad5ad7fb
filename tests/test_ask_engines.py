"""Every canned ask-*.rq gives the same answer on the two engines: the embedded store (Oxigraph) and rdflib's
memory store, over the curated build and over a fixture graph. rdflib's SPARQL engine is known to return wrong
rows for some grouped sub-queries; the queries are written so that both engines answer them correctly, and any
disagreement fails here."""

from __future__ import annotations

import pytest

from kg.questions import QUESTIONS, ask, question_query
from kg.rdf.results import SelectResult
from kg.store import open_store
from kg.store.queries import canned_queries
from tests.asking import fixture_build

CURATED = [
    ("persisted", {"party": "russia", "from": "2024-06", "to": "2025"}),
    ("persisted", {"party": "russia", "from": "2024-06", "to": "2025-07", "mode": "in-force"}),
    ("persisted", {"party": "russia", "from": "2025-03", "to": "2025-06.."}),
    ("added", {"party": "russia", "from": "2024-06", "to": "2025-07"}),
    ("dropped", {"party": "russia", "from": "2024-06", "to": "2025-07"}),
    ("dropped", {"party": "ukraine", "from": "2025-03", "to": "2025-08"}),
    ("re-emerged", {"party": "russia", "from": "2024-06", "to": "2025-05"}),
    ("position", {"party": "ukraine", "at": "2025-06"}),
    ("diff", {"party": "russia", "from": "2024-06", "to": "2025-07"}),
    ("diff", {"party": "ukraine", "from": "2025-05-15", "to": "2025-07.."}),
    ("conflicts", {"at": "2025-06"}),
    ("conflicts", {"at": "2025-05", "party": "russia"}),
    ("timeline", {"position": "ukrainian-withdrawal-from-four-regions"}),
]
FIXTURE = [
    ("withdrawal", "persisted", {"party": "alpha", "from": "2024-06", "to": "2024-11.."}),
    (
        "withdrawal",
        "persisted",
        {"party": "alpha", "from": "2024-06", "to": "2025-07", "mode": "in-force"},
    ),
    ("withdrawal", "re-emerged", {"party": "alpha", "from": "2024-06", "to": "2025-07"}),
    ("withdrawal", "dropped", {"party": "alpha", "from": "2024-06", "to": "2025-01"}),
    ("withdrawal", "diff", {"party": "alpha", "from": "2024-06", "to": "2025-01"}),
    ("boundaries", "added", {"party": "alpha", "from": "2024-06", "to": "2025-07-15"}),
    ("boundaries", "position", {"party": "alpha", "at": "2024-06-14"}),
    ("conflicts", "conflicts", {"at": "2024-07-15"}),
    ("undated", "timeline", {"position": "a"}),
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory, curated_build):
    """Both engines on the curated build and on each fixture graph, loaded once."""
    folder = tmp_path_factory.mktemp("engines")
    curated = curated_build
    loaded: dict[tuple[str, str], object] = {}

    def get(name: str, engine: str):
        if (name, engine) not in loaded:
            store = open_store(engine)
            store.load_file(curated if name == "curated" else fixture_build(name, folder))
            loaded[(name, engine)] = store
        return loaded[(name, engine)]

    return get


def rows(store, question: str, params: dict[str, str]) -> list[tuple]:
    result = store.query(question_query(store, question, params))
    assert isinstance(result, SelectResult)
    return sorted(
        tuple(str(term) if term is not None else None for term in row) for row in result.rows
    )


def compare(stores, name: str, question: str, params: dict[str, str]) -> None:
    """Both engines give the same rows and the same answer, which has items: two empty answers
    agreeing would show nothing."""
    oxigraph, rdflib = stores(name, "oxigraph"), stores(name, "rdflib")
    assert rows(oxigraph, question, params) == rows(rdflib, question, params), (
        f"the engines disagree on {question} {params}"
    )
    answer = ask(oxigraph, question, params)
    assert answer.items, f"{question} {params} has no items on {name}: the case checks nothing"
    assert answer.to_dict() == ask(rdflib, question, params).to_dict()


@pytest.mark.parametrize(
    ("question", "params"), CURATED, ids=[f"{q}-{n}" for n, (q, _) in enumerate(CURATED)]
)
def test_engines_agree_on_the_curated_build(stores, question, params):
    compare(stores, "curated", question, params)


@pytest.mark.parametrize(
    ("case", "question", "params"),
    FIXTURE,
    ids=[f"{c}-{q}-{n}" for n, (c, q, _) in enumerate(FIXTURE)],
)
def test_engines_agree_on_fixture_graphs(stores, case, question, params):
    compare(stores, case, question, params)


def test_every_ask_query_is_exercised():
    """Each question's .rq (both modes of persisted) is among the cases above, so none goes unchecked."""
    covered = {
        QUESTIONS[q].query_name(p.get("mode"))
        for q, p in CURATED + [(q, p) for _c, q, p in FIXTURE]
    }
    shipped = {name for name in canned_queries() if name.startswith("ask-")}
    helpers = {
        name for name in shipped if not any(name in q.query_names() for q in QUESTIONS.values())
    }
    assert covered == shipped - helpers
    assert helpers == {
        "ask-conflict-parties",
        "ask-conflict-years",
        "ask-derived",
        "ask-entries",
        "ask-evidence",
        "ask-is-party",
        "ask-is-position",
        "ask-labels",
        "ask-parties",
        "ask-positions",
        "ask-undated",
    }, "helper queries are exercised through ask() above"
