"""``kg.guard`` decides, before any engine sees a query, whether it may run and on which dataset."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from kg.guard import CheckedQuery, QueryRefused, check_query, update_operation
from kg.store import QueryDataset, QuerySyntaxError

G1, G2 = "http://example.org/g1", "http://example.org/g2"
KNOWN = {G1, G2}
REMOTE = "http://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ASK { ?s a pt:State }", "ASK"),  # the project's prefixes are predeclared
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://example.org/x>", "DESCRIBE"),
        ("PREFIX pt: <http://other/> SELECT ?s WHERE { ?s a pt:X }", "SELECT"),
    ],
)
def test_queries_pass_with_their_form(query, form):
    checked = check_query(query, KNOWN)
    assert checked == CheckedQuery(form, None)
    assert checked.returns_graph == (form in ("CONSTRUCT", "DESCRIBE"))


@pytest.mark.parametrize(
    "pattern",
    [
        f"SERVICE <{REMOTE}> {{ ?s ?p ?o }}",
        f"SERVICE SILENT <{REMOTE}> {{ ?s ?p ?o }}",
        "SERVICE ?endpoint { ?s ?p ?o }",
        f"?s ?p ?o OPTIONAL {{ SERVICE <{REMOTE}> {{ ?s ?p ?x }} }}",
        f"?s ?p ?o MINUS {{ GRAPH ?g {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }} }}",
        f"?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}",
        f"{{ SELECT ?s WHERE {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }} }}",
        f"{{ ?s ?p ?o }} UNION {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }}",
        f"BIND(EXISTS {{ SERVICE <{REMOTE}> {{ ?s ?p ?o }} }} AS ?e)",
        f"\\u0053ERVICE <{REMOTE}> {{ ?s ?p ?o }}",  # codepoint escapes are undone first
    ],
)
def test_service_is_refused_wherever_it_hides(pattern):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(f"SELECT * WHERE {{ {pattern} }}", KNOWN)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("INSERT DATA { <a:s> <a:p> <a:o> }", "INSERT DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
        (f"LOAD <{REMOTE}x>", "LOAD"),
        ("CLEAR ALL", "CLEAR"),
        ("DROP GRAPH <a:g>", "DROP"),
        ("CREATE GRAPH <a:g>", "CREATE"),
        ("ADD <a:g> TO <a:h>", "ADD"),
        ("MOVE DEFAULT TO <a:h>", "MOVE"),
        ("COPY <a:g> TO DEFAULT", "COPY"),
    ],
)
def test_updates_are_refused_by_name(text, keyword):
    assert update_operation(text) == keyword
    with pytest.raises(QueryRefused, match=f"read-only: {keyword}"):
        check_query(text, KNOWN)


@pytest.mark.parametrize(
    "text", ["SELECT ?s WHERE { ?s", "", "# only a comment", "ASK { ?s nope:p ?o }"]
)
def test_malformed_text_is_a_syntax_error(text):
    assert update_operation(text) is None
    with pytest.raises(QuerySyntaxError):
        check_query(text, KNOWN)


@pytest.mark.parametrize(
    ("query", "default", "named", "dataset"),
    [
        (f"SELECT * FROM <{G1}> WHERE {{}}", (), (), QueryDataset((URIRef(G1),), ())),
        (f"SELECT * FROM NAMED <{G2}> WHERE {{}}", (), (), QueryDataset((), (URIRef(G2),))),
        (
            f"SELECT * FROM <{G1}> FROM <{G2}> FROM NAMED <{G2}> WHERE {{}}",
            (),
            (),
            QueryDataset((URIRef(G1), URIRef(G2)), (URIRef(G2),)),
        ),
        # the protocol's parameters replace the query's dataset
        (f"SELECT * FROM <{G1}> WHERE {{}}", (G2,), (), QueryDataset((URIRef(G2),), ())),
        (f"SELECT * FROM <{G1}> WHERE {{}}", (), (G1,), QueryDataset((), (URIRef(G1),))),
        # the default-graph names clients send mean the whole dataset
        ("SELECT * WHERE {}", ("urn:x-rdflib:default",), (), None),
        ("SELECT * FROM <urn:x-arq:DefaultGraph> WHERE {}", (), (), None),
        (
            f"SELECT * FROM <urn:x-rdflib:default> FROM NAMED <{G1}> WHERE {{}}",
            (),
            (),
            QueryDataset(None, (URIRef(G1),)),
        ),
    ],
)
def test_the_dataset_comes_from_the_protocol_or_the_query(query, default, named, dataset):
    assert check_query(query, KNOWN, default, named).dataset == dataset


@pytest.mark.parametrize(
    ("query", "default", "named"),
    [
        (f"SELECT * FROM <{REMOTE}x> WHERE {{}}", (), ()),
        (f"SELECT * FROM NAMED <{REMOTE}x> WHERE {{}}", (), ()),
        ("SELECT * FROM <file:///etc/passwd> WHERE {}", (), ()),
        ("SELECT * WHERE {}", (f"{REMOTE}x",), ()),
        ("SELECT * WHERE {}", (), ("file:///etc/passwd",)),
        ("SELECT * WHERE {}", (), ("urn:x-rdflib:default",)),  # not a named graph
    ],
)
def test_graphs_outside_the_dataset_are_refused(query, default, named):
    with pytest.raises(QueryRefused, match="names no graph of this dataset"):
        check_query(query, KNOWN, default, named)
