"""An Oxigraph store keeps the rdflib terms of its answers from one query to the next
(``kg.store.oxigraph.TERMS_KEPT``): answers are the very same as converting afresh, and the table
stays bounded."""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from kg.store import oxigraph
from kg.store.oxigraph import OxigraphStore
from kg.store.serialize import serialize

EX = "http://example.org/"
GRAPH = URIRef(EX + "g")
OBJECTS = [
    URIRef(EX + "o"),
    BNode("b1"),
    Literal("plain"),
    Literal("Київ", lang="uk"),
    Literal("text", lang="en-GB"),
    Literal("01", datatype=XSD.integer),  # rdflib writes it "1"
    Literal("1.50", datatype=XSD.decimal),
    Literal("true", datatype=XSD.boolean),
    Literal("2022-02-24", datatype=XSD.date),
    Literal("not a number", datatype=XSD.integer),
    Literal("x", datatype=URIRef(EX + "type")),
]
QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY STR(?o)",
    "SELECT ?o (STR(?o) AS ?text) WHERE { ?s ?p ?o } ORDER BY DESC(STR(?o))",
    "SELECT ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?o ?p ?missing } }",
]


def filled() -> OxigraphStore:
    store = OxigraphStore()
    store.add_quads(
        (URIRef(f"{EX}s{i}"), URIRef(EX + "p"), term, GRAPH) for i, term in enumerate(OBJECTS)
    )
    return store


def answers(store: OxigraphStore) -> list[tuple[list, bytes]]:
    found = []
    for query in QUERIES:
        result = store.query(query)
        found.append((result.rows, serialize(result, "json")))
    return found


def test_answers_are_the_same_with_terms_kept_from_earlier_queries():
    store = filled()
    first = answers(store)
    again = answers(store)  # every term now comes from the table
    fresh = answers(OxigraphStore(store._store))
    assert first == again == fresh
    for (rows, _), (fresh_rows, _) in zip(again, fresh, strict=True):
        for row, fresh_row in zip(rows, fresh_rows, strict=True):
            assert [type(t) for t in row] == [type(t) for t in fresh_row]
            assert [getattr(t, "datatype", None) for t in row] == [
                getattr(t, "datatype", None) for t in fresh_row
            ]


def test_the_table_of_terms_is_bounded(monkeypatch):
    monkeypatch.setattr(oxigraph, "TERMS_KEPT", 4)
    store = filled()
    expected = answers(OxigraphStore(store._store))
    for _ in range(3):
        assert answers(store) == expected
        assert len(store._terms) <= 4 + len(OBJECTS) * 3 + 1  # at most one answer's worth more
