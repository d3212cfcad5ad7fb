"""``kg.endpoint.guard`` decides, before any engine sees a query, whether it may run and on which dataset."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import XSD, Graph, URIRef
from rdflib.plugins.sparql.parser import parseQuery

from kg.endpoint.guard import PARSER_LOCK, CheckedQuery, QueryRefused, check_query, update_operation
from kg.store import MAX_SLICE, QueryDataset, QuerySyntaxError
from tests.outbound import Listener, tricky_queries

G1, G2 = "http://example.org/g1", "http://example.org/g2"
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
    checked = check_query(query)
    assert checked == CheckedQuery(form, None)
    assert checked.text == query
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
        f"?s ?p ?o # a comment ended by a bare CR\r SERVICE <{REMOTE}> {{ ?s ?p ?o }}",
        f"?s ?p 1SERVICE <{REMOTE}> {{ ?s ?p ?o }}",  # Oxigraph reads 1 then SERVICE
        "?s ?p ?o SERVICE:x { ?s ?p ?o }",  # ... and SERVICE then :x
        f"?s ?p ?o service <{REMOTE}> {{ ?s ?p ?o }}",
    ],
)
def test_service_is_refused_wherever_it_hides(pattern):
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(f"SELECT * WHERE {{ {pattern} }}")


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
        check_query(text)


@pytest.mark.parametrize(
    "text", ["SELECT ?s WHERE { ?s", "", "# only a comment", "ASK { ?s nope:p ?o }"]
)
def test_malformed_text_is_a_syntax_error(text):
    assert update_operation(text) is None
    with pytest.raises(QuerySyntaxError):
        check_query(text)


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
    assert check_query(query, default, named).dataset == dataset


@pytest.mark.parametrize(
    ("query", "default", "named", "dataset"),
    [
        (
            f"SELECT * FROM <{REMOTE}x> WHERE {{}}",
            (),
            (),
            QueryDataset((URIRef(f"{REMOTE}x"),), ()),
        ),
        (
            "SELECT * FROM <file:///etc/passwd> WHERE {}",
            (),
            (),
            QueryDataset((URIRef("file:///etc/passwd"),), ()),
        ),
        ("ASK {}", (), ("file:///etc/passwd",), QueryDataset((), (URIRef("file:///etc/passwd"),))),
        (
            "ASK {}",
            (),
            ("urn:x-rdflib:default",),
            QueryDataset((), (URIRef("urn:x-rdflib:default"),)),
        ),
    ],
)
def test_graphs_outside_the_store_are_named_not_fetched(query, default, named, dataset):
    # The engine is handed the dataset and reads it from the store alone: a graph it does not
    # hold is an empty graph (what the protocol allows), never one fetched from elsewhere.
    assert check_query(query, default, named).dataset == dataset


@pytest.mark.parametrize(
    ("default", "named", "problem"),
    [
        (("a b",), (), "default-graph-uri: not an IRI: 'a b' contains a space"),
        (("<x>",), (), "default-graph-uri: not an IRI: '<x>' contains '<'"),
        ((), ("x",), "named-graph-uri: not an IRI: 'x' has no scheme"),
    ],
)
def test_dataset_parameters_must_be_iris(default, named, problem):
    with pytest.raises(QuerySyntaxError, match=re.escape(problem)):
        check_query("ASK {}", default, named)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("SELECT * FROM <1:x> WHERE {}", "FROM <1:x>: not an IRI: '1:x' has no scheme"),
        ("SELECT * FROM NAMED <a:%zz> WHERE {}", "FROM NAMED <a:%zz>: not an IRI"),
    ],
)
def test_graphs_named_in_the_query_must_be_iris(text, problem):
    with pytest.raises(QuerySyntaxError, match=re.escape(problem)):
        check_query(text)


@pytest.mark.parametrize("keyword", ["LIMIT", "OFFSET", "limit"])
def test_slices_beyond_what_every_engine_takes_are_refused(keyword):
    largest = f"SELECT * WHERE {{ ?s ?p ?o }}\n {keyword} {MAX_SLICE}"
    assert check_query(largest).form == "SELECT"
    assert check_query(f"SELECT * WHERE {{}} {keyword} 000{MAX_SLICE}").form == "SELECT"
    for number in (str(MAX_SLICE + 1), "9" * 5000):
        with pytest.raises(
            QuerySyntaxError, match=r"line 2, column \d+ is larger than the largest"
        ):
            check_query(f"SELECT * WHERE {{ ?s ?p ?o }}\n {keyword} {number}")


@pytest.mark.parametrize(
    ("text", "run"),
    [
        ("SELECT *   WHERE {\r\n ?s ?p ?o # note\n}", "SELECT * WHERE { ?s ?p ?o }"),
        ("\ufeffASK {}", "ASK {}"),  # a byte-order mark is not part of the query
        ("ASK { ?s ?p '''a\r\nb\\u00e9\\'''' }", 'ASK { ?s ?p "a\\r\\nbé\'" }'),
        ("ASK { ?s ?p <http://e/\\u0041> }", "ASK { ?s ?p <http://e/A> }"),
        ("ASK{?s?p?o}", "ASK{?s?p?o}"),  # no space is added where there was none
    ],
)
def test_the_engine_runs_the_canonical_text(text, run):
    assert check_query(text).text == run


def test_relative_iris_resolve_against_the_endpoint():
    checked = check_query("CONSTRUCT { <s> <p> 1 } WHERE {}", base="http://h/sparql")
    assert checked.text == "CONSTRUCT { <s> <p> 1 } WHERE {}"
    assert checked.base == "http://h/sparql"
    (triple,) = Graph().query(checked.text, base=checked.base)
    assert triple[0] == URIRef("http://h/s")


def test_syntax_errors_point_into_the_text_as_sent():
    with pytest.raises(QuerySyntaxError, match=r"line 3, column 3"):
        check_query("SELECT * WHERE {\n  ?s ?p ?o . # a comment\n  FILTER(?o = \n}")


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p <http://e/\\u003E> }",  # an escape may not end an IRI
        'SELECT * WHERE { ?s ?p "\\uD800" }',  # nor name half a character
    ],
)
def test_escapes_the_parsers_would_read_differently_are_refused(text):
    with pytest.raises(QuerySyntaxError):
        check_query(text)


FIRST_PARSES = """
import sys, threading
from tests.outbound import Listener, tricky_queries
from kg.endpoint.guard import check_query
errors = []
start = threading.Barrier(16)
def one(i):
    start.wait()
    try:
        check_query(f"SELECT ?x{i} WHERE {{ ?x{i} ?p {i} FILTER(?p != <http://e/{i}>) }}")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(errors[:3])
sys.exit(1 if errors else 0)
"""


def test_sixteen_first_parses_at_once_all_succeed():
    # pyparsing sets rdflib's grammar up on first use in a way threads can break; a fresh
    # interpreter makes each run a first use.
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", FIRST_PARSES], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


# --- the guard and the engine read the same text ------------------------------------------------


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def engine_calls(store: ox.Store, text: str, listener: Listener) -> int:
    """How many connections Oxigraph makes to the listener while running ``text``."""
    before = listener.connections
    with contextlib.suppress(SyntaxError, OSError, RuntimeError):
        result = store.query(text, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    deadline = time.monotonic() + 0.3
    while listener.connections == before and time.monotonic() < deadline:
        time.sleep(0.01)
    return listener.connections - before


def rdflib_sees_service(text: str) -> bool:
    try:
        with PARSER_LOCK:
            parsed = parseQuery(text)
    except Exception:
        return False
    return "ServiceGraphPattern" in repr(parsed)


def oxigraph_parses(text: str) -> bool:
    try:
        ox.Store().query(text)
    except SyntaxError:
        return False
    except Exception:
        return True
    return True


@pytest.fixture(scope="module")
def store():
    engine = ox.Store()
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    for o in (ox.Literal("o"), ox.Literal("1", datatype=ox.NamedNode(str(XSD.integer)))):
        engine.add(ox.Quad(s, p, o, ox.NamedNode("http://e/g")))
    engine.add(ox.Quad(s, p, ox.NamedNode("http://e/o"), ox.NamedNode("http://e/g")))
    return engine


@pytest.mark.slow
def test_every_tricky_form_gets_one_verdict(store, listener):
    calls_seen = 0
    for text in tricky_queries(listener.port):
        calls = engine_calls(store, text, listener)
        calls_seen += calls
        try:
            checked = check_query(text)
        except (QueryRefused, QuerySyntaxError):
            continue  # refused: whatever either parser made of it, nothing runs
        # Accepted: neither parser may read a SERVICE call into what was sent ...
        assert calls == 0, f"the engine called out on {text!r}, the guard let it pass"
        assert not rdflib_sees_service(text), text
        # ... and the text that runs is one both parsers read alike, with no call in it.
        assert engine_calls(store, checked.text, listener) == 0, checked.text
        assert oxigraph_parses(checked.text), checked.text
    assert calls_seen >= 10  # the control: unguarded, the engine does call out on this corpus


def test_groups_nested_beyond_the_parsers_depth_are_a_syntax_error():
    """rdflib's parser recurses once per group: a deep enough nest exhausts Python's stack, which
    the guard answers as the sender's mistake (a 400), not as a failure of its own."""
    deep = "SELECT * WHERE " + "{ " * 400 + "?s ?p ?o " + "} " * 400
    with pytest.raises(QuerySyntaxError, match="nests its groups too deeply"):
        check_query(deep)
