"""The guard decides from rdflib's parse tree as it decided from the algebra."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery

from kg.endpoint import guard
from kg.endpoint.guard import CheckedQuery, QueryRefused, check_query
from kg.rdf.namespaces import PREFIXES
from kg.store import QueryDataset, QuerySyntaxError
from tests.outbound import tricky_queries
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
