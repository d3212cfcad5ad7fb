"""The guard decides from rdflib's parse tree as it decided from the algebra, and the app's memory
of its decisions (``kg.endpoint.decisions``) gives each request the decision made for exactly
what that request sent."""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery

from kg.endpoint import guard
from kg.endpoint.decisions import Decisions
from kg.endpoint.guard import CheckedQuery, QueryRefused, check_query
from kg.rdf.namespaces import PREFIXES
from kg.store import QueryDataset, QuerySyntaxError
from server import create_app, sparql
from tests.outbound import tricky_queries
from tests.sparql_http import EX, LIBRARY
from tests.test_fuzz import CORPUS, INJECTIONS, graph_iris, sparql_texts

BASES = [None, "http://h/sparql", "http://127.0.0.1:5000/sparql"]
CANARY = "http://127.0.0.1:9"


def decision(text: str, default=(), named=(), base=None) -> tuple:
    """What the guard decides, as a comparable value: the accepted query, or the refusal."""
    try:
        checked = check_query(text, default, named, base=base)
    except (QuerySyntaxError, QueryRefused) as exc:
        return type(exc).__name__, str(exc)
    return "accepted", checked.form, checked.dataset, checked.text, checked.base


def by_the_algebra(parsed, checked: CheckedQuery):
    """The query as the guard used to read it: rdflib's whole translation to algebra."""
    try:
        return translateQuery(parsed, base=checked.base, initNs=PREFIXES).algebra
    except Exception as exc:
        raise QuerySyntaxError(checked.explain(str(exc))) from None


def both(text: str, default=(), named=(), base=None) -> tuple[tuple, tuple]:
    """The decision from the parse tree, and the one from the algebra."""
    from_tree = decision(text, default, named, base)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(guard, "_resolved", by_the_algebra)
        from_algebra = decision(text, default, named, base)
    return from_tree, from_algebra


def corpus() -> list[str]:
    """The fuzzer's queries, each of its injections put into one of them (inside the first
    group and at the end), and the lexical tricks."""
    texts = [*CORPUS, *tricky_queries(9)]
    for number, injection in enumerate(INJECTIONS):
        query, injected = CORPUS[number % len(CORPUS)], injection.replace("{canary}", CANARY)
        opening = query.find("{") + 1
        texts += [query[:opening] + injected + query[opening:], query + injected]
    return texts


@pytest.mark.slow
def test_the_parse_tree_gives_what_the_algebra_gave():
    decided = set()
    for text in corpus():
        from_tree, from_algebra = both(text, base=BASES[1])
        assert from_tree == from_algebra, text
        decided.add(from_tree[0])
    assert decided == {"accepted", "QuerySyntaxError", "QueryRefused"}  # the corpus has each


@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    sparql_texts(),
    st.lists(graph_iris(), max_size=2),
    st.lists(graph_iris(), max_size=2),
    st.sampled_from(BASES),
)
def test_the_parse_tree_gives_what_the_algebra_gave_on_mutated_queries(text, default, named, base):
    default = [iri.replace("{canary}", CANARY) for iri in default]
    named = [iri.replace("{canary}", CANARY) for iri in named]
    from_tree, from_algebra = both(text.replace("{canary}", CANARY), default, named, base)
    assert from_tree == from_algebra


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ASK { ?s dct:title ?o }", "Unknown namespace prefix : dct"),  # not predeclared
        ("ASK { ?s :x ?o }", "Unknown namespace prefix : None"),
        # rdflib lets a namespace have one prefix: binding another to it unbinds the first
        ("PREFIX x: <http://www.w3.org/2000/01/rdf-schema#> ASK { ?s rdfs:label ?o }", "rdfs"),
    ],
)
def test_undeclared_prefixes_are_found_in_the_tree(text, problem):
    with pytest.raises(QuerySyntaxError, match=problem):
        check_query(text)


def test_names_in_the_dataset_clauses_resolve_as_the_algebra_resolved_them():
    text = "BASE <http://a/b/> SELECT * FROM <c> FROM NAMED pt:g WHERE {}"
    checked = check_query(text, base="http://h/sparql")
    assert checked.dataset == QueryDataset(
        (URIRef("http://a/b/c"),), (URIRef(PREFIXES["pt"] + "g"),)
    )
    from_tree, from_algebra = both(text, base="http://h/sparql")
    assert from_tree == from_algebra


# --- the memory of decisions ----------------------------------------------------------------------

QUERY = "SELECT * WHERE {\n  ?s ?p ?o # every triple\n} LIMIT 3"
G1, G2 = "http://example.org/g1", "http://example.org/g2"


def test_a_remembered_decision_is_the_decision():
    decisions = Decisions()
    first = decisions.check(QUERY, base="http://h/sparql")
    again = decisions.check(QUERY, base="http://h/sparql")
    assert (decisions.misses, decisions.hits) == (1, 1)
    made = check_query(QUERY, base="http://h/sparql")
    for checked in (first, again):
        assert checked == made
        assert (checked.text, checked.base) == (made.text, made.base)
    assert again.text == "SELECT * WHERE { ?s ?p ?o } LIMIT 3"  # the canonical text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"default_graph_uris": [G1]}, {"default_graph_uris": [G2]}),
        ({"default_graph_uris": [G1]}, {}),
        ({"named_graph_uris": [G1]}, {"named_graph_uris": [G2]}),
        ({"named_graph_uris": [G1]}, {"default_graph_uris": [G1]}),
        ({"default_graph_uris": [G1, G2]}, {"default_graph_uris": [G2, G1]}),
        ({"base": "http://a/sparql"}, {"base": "http://b/sparql"}),
        ({"base": "http://a/sparql"}, {}),
    ],
)
def test_a_decision_is_given_only_for_what_it_was_made_for(first, second):
    decisions = Decisions()
    text = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    decisions.check(text, **first)
    got = decisions.check(text, **second)
    made = check_query(text, **second)
    assert (got, got.base) == (made, made.base)
    assert decisions.misses == 2


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", QueryRefused),
        ("INSERT DATA { <a:s> <a:p> <a:o> }", QueryRefused),
        ("SELECT * WHERE { ?s ?p", QuerySyntaxError),
        ("ASK { ?s nope:p ?o }", QuerySyntaxError),
    ],
)
def test_a_refused_query_stays_refused(text, refusal):
    decisions = Decisions()
    messages = []
    for _ in range(3):
        with pytest.raises(refusal) as raised:
            decisions.check(text)
        messages.append(str(raised.value))
    assert (decisions.misses, decisions.hits) == (1, 2)
    with pytest.raises(refusal) as made:
        check_query(text)
    assert messages == [str(made.value)] * 3


def test_a_bad_graph_parameter_stays_refused_and_does_not_taint_the_text():
    decisions = Decisions()
    with pytest.raises(QuerySyntaxError, match="default-graph-uri"):
        decisions.check("ASK {}", ["a b"])
    with pytest.raises(QuerySyntaxError, match="default-graph-uri"):
        decisions.check("ASK {}", ["a b"])
    assert decisions.check("ASK {}").form == "ASK"


def test_the_least_recently_used_decision_goes_first():
    decisions = Decisions(max_entries=3)
    texts = [f"ASK {{ ?s ?p {i} }}" for i in range(4)]
    for text in texts[:3]:
        decisions.check(text)
    decisions.check(texts[0])  # used again: now the most recent
    decisions.check(texts[3])  # one too many: texts[1] goes
    assert len(decisions) == 3
    hits = decisions.hits
    decisions.check(texts[0])
    decisions.check(texts[2])
    assert decisions.hits == hits + 2
    decisions.check(texts[1])
    assert decisions.hits == hits + 2  # judged again


def test_the_memory_is_bounded_in_bytes():
    decisions = Decisions(max_bytes=128 * 1024)
    for i in range(120):
        decisions.check(f"ASK {{ ?s ?p {i} }}")
        assert decisions.bytes <= decisions.max_bytes
    assert 0 < len(decisions) < 120
    kept = len(decisions)
    large = "ASK { ?s ?p ?o FILTER(?o IN (" + ", ".join(map(str, range(150))) + ")) }"
    decisions.check(large)  # over a sixty-fourth of the budget: judged, not kept
    decisions.check(large)
    assert decisions.hits == 0
    assert len(decisions) == kept


def test_threads_share_one_memory():
    decisions = Decisions(max_entries=8)
    texts = [f"ASK {{ ?s ?p {i} }}" for i in range(12)] + ["SELECT * WHERE { SERVICE ?x {} }"]
    expected = {text: decision(text) for text in texts}
    found: list[bool] = []

    def ask(offset: int) -> None:
        for i in range(60):
            text = texts[(i + offset) % len(texts)]
            try:
                checked = decisions.check(text)
                got: tuple = ("accepted", checked.form, checked.dataset, checked.text, None)
            except (QuerySyntaxError, QueryRefused) as exc:
                got = (type(exc).__name__, str(exc))
            found.append(got == expected[text])

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [True] * 360
    assert len(decisions) <= 8


def test_no_room_is_refused():
    with pytest.raises(ValueError):
        Decisions(max_entries=0)


# --- in the app -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library_app():
    app = create_app({"TESTING": True, "PTKG_DATASET": str(LIBRARY)})
    yield app
    sparql.shutdown(app)


def test_the_endpoint_remembers_refusals(library_app):
    client = library_app.test_client()
    decisions = library_app.extensions[sparql.DECISIONS]
    query = {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    first = client.get("/sparql", query_string=query)
    hits = decisions.hits
    again = client.get("/sparql", query_string=query)
    assert first.status_code == again.status_code == 403
    assert first.get_json()["error"] == again.get_json()["error"]
    assert decisions.hits == hits + 1


@pytest.mark.slow
def test_the_endpoint_runs_each_request_on_its_own_dataset(library_app):
    client = library_app.test_client()
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def count(**params) -> int:
        reply = client.get(
            "/sparql",
            query_string={"query": query, **params},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)
        return int(json.loads(reply.data)["results"]["bindings"][0]["n"]["value"])

    books = count(**{"default-graph-uri": EX + "books"})
    people = count(**{"default-graph-uri": EX + "people"})
    assert count(**{"default-graph-uri": EX + "books"}) == books
    assert books != people
    assert count() > books + people  # no graph named: the union of all
