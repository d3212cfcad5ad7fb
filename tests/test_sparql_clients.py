"""Real SPARQL clients against a real server process on 127.0.0.1 serving the fixture dataset:
SPARQLWrapper, rdflib's SPARQLStore (also under a Dataset), and curl with each Accept type.
Every answer is parsed back and compared with the same query run in-process; graphs with
``rdflib.compare.isomorphic``."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.rdf.results import AskResult, GraphResult, SelectResult
from tests.conftest import require, running_server
from tests.sparql_http import EX, GRAPH_TYPES, LIBRARY, RESULT_TYPES, library_store, reference

SELECT = (
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "SELECT ?book ?title ?issued WHERE { ?book dcterms:title ?title "
    "OPTIONAL { ?book dcterms:issued ?issued } }"
)
ASK_TRUE = "ASK { ?p <http://xmlns.com/foaf/0.1/name> ?name }"
ASK_FALSE = "ASK { ?p <http://xmlns.com/foaf/0.1/name> 'Nobody' }"
CONSTRUCT = (
    "CONSTRUCT { ?book ?p ?o } WHERE { GRAPH <http://example.org/library/books> { ?book ?p ?o } }"
)
DESCRIBE = "DESCRIBE <http://example.org/library/shevchenko>"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_server("--dataset", str(LIBRARY)) as base:
        yield f"{base}/sparql"


@pytest.fixture(scope="module")
def store():
    return library_store()


def table(result: SelectResult) -> list[tuple]:
    return sorted((tuple(_comparable(t) for t in row) for row in result.rows), key=repr)


def parsed_table(body: bytes, fmt: str) -> list[tuple]:
    parsed = Result.parse(io.BytesIO(body), format=fmt)
    return sorted((tuple(_comparable(row[v]) for v in parsed.vars) for row in parsed), key=repr)


def _csv(body: bytes) -> Result:
    return Result.parse(io.BytesIO(body), format="csv")


def _comparable(term):
    return "_:" if isinstance(term, BNode) else term


def _term(binding: dict):
    """A SPARQL JSON results binding as an rdflib term."""
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    if binding["type"] == "bnode":
        return "_:"
    if "xml:lang" in binding:
        return Literal(binding["value"], lang=binding["xml:lang"])
    if "datatype" in binding:
        return Literal(binding["value"], datatype=URIRef(binding["datatype"]))
    return Literal(binding["value"])


# --- SPARQLWrapper ----------------------------------------------------------------------------

CONJUNCTIVE = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
"""SPARQLWrapper parses RDF answers into rdflib's deprecated ConjunctiveGraph."""


def wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST], ids=["get", "post"])
def test_sparqlwrapper_json(endpoint, store, method):
    answer = wrapper(endpoint, SELECT, JSON, method).queryAndConvert()
    got = sorted(
        (
            tuple(_term(b[v]) if v in b else None for v in answer["head"]["vars"])
            for b in answer["results"]["bindings"]
        ),
        key=repr,
    )
    assert answer["head"]["vars"] == reference(store, SELECT).variables
    assert got == table(reference(store, SELECT))
    assert wrapper(endpoint, ASK_TRUE, JSON, method).queryAndConvert()["boolean"] is True
    assert wrapper(endpoint, ASK_FALSE, JSON, method).queryAndConvert()["boolean"] is False


@pytest.mark.filterwarnings(CONJUNCTIVE)
@pytest.mark.parametrize("method", [None, POST], ids=["get", "post"])
def test_sparqlwrapper_xml(endpoint, store, method):
    document = wrapper(endpoint, SELECT, XML, method).queryAndConvert()
    assert parsed_table(document.toxml().encode("utf-8"), "xml") == table(reference(store, SELECT))
    for query, expected in ((ASK_TRUE, "true"), (ASK_FALSE, "false")):
        document = wrapper(endpoint, query, XML, method).queryAndConvert()
        [boolean] = document.getElementsByTagName("boolean")
        assert boolean.firstChild.data == expected
    graph = wrapper(endpoint, CONSTRUCT, XML, method).queryAndConvert()
    assert isinstance(graph, Graph)
    expected_graph = reference(store, CONSTRUCT)
    assert isinstance(expected_graph, GraphResult) and len(expected_graph) == 12
    assert isomorphic(graph, expected_graph.graph)


@pytest.mark.filterwarnings(CONJUNCTIVE)
@pytest.mark.parametrize(("fmt", "parse_as"), [(TURTLE, "turtle"), (JSONLD, "json-ld")])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_graphs(endpoint, store, query, fmt, parse_as):
    answer = wrapper(endpoint, query, fmt).queryAndConvert()
    graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format=parse_as)
    expected = reference(store, query)
    assert isinstance(expected, GraphResult) and len(expected) > 0
    assert isomorphic(graph, expected.graph)


@pytest.mark.parametrize(("fmt", "name"), [(CSV, "csv"), (TSV, "tsv")])
def test_sparqlwrapper_csv_and_tsv(endpoint, store, fmt, name):
    body = wrapper(endpoint, SELECT, fmt).queryAndConvert()
    expected = reference(store, SELECT)
    if name == "csv":  # CSV keeps lexical forms only
        got = {tuple("" if c is None else str(c) for c in row) for row in _csv(body)}
        assert got == {tuple("" if t is None else str(t) for t in row) for row in expected.rows}
    else:
        assert parsed_table(body, "tsv") == table(expected)


def test_sparqlwrapper_only_conneg_and_bad_query(endpoint, store):
    client = wrapper(endpoint, SELECT, JSON)
    client.setOnlyConneg(True)
    assert len(client.queryAndConvert()["results"]["bindings"]) == len(reference(store, SELECT))
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT ?s WHERE { ?s", JSON).query()


# --- rdflib's SPARQLStore ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_queries(endpoint, store, method):
    remote = Graph(store=SPARQLStore(endpoint, method=method))
    assert sorted(
        (tuple(_comparable(t) for t in row) for row in remote.query(SELECT)), key=repr
    ) == table(reference(store, SELECT))
    assert remote.query(ASK_TRUE).askAnswer is True
    assert remote.query(ASK_FALSE).askAnswer is False
    constructed = Graph()
    for triple in remote.query(CONSTRUCT):
        constructed.add(triple)
    expected = reference(store, CONSTRUCT)
    assert isinstance(expected, GraphResult)
    assert isomorphic(constructed, expected.graph)


def test_rdflib_dataset_over_sparqlstore(endpoint, store):
    library = Dataset()
    library.parse(LIBRARY, format="trig")
    remote = Dataset(store=SPARQLStore(endpoint))
    # Every query carries default-graph-uri=urn:x-rdflib:default: the whole dataset.
    answer = remote.query(SELECT)
    assert sorted((tuple(_comparable(t) for t in r) for r in answer), key=repr) == table(
        reference(store, SELECT)
    )
    names = {str(g) for g in remote.store.contexts()}
    assert names == {EX + "books", EX + "people", EX + "loans"}
    for name in names:
        remote_graph = Graph(store=remote.store, identifier=URIRef(name))
        fetched = Graph()
        for triple in remote_graph.triples((None, None, None)):
            fetched.add(triple)
        assert isomorphic(fetched, library.graph(URIRef(name)))
    everything = sum(1 for _ in library.quads())
    count = reference(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(count, SelectResult)
    assert len(remote.store) == int(count.rows[0][0]) == everything


# --- curl -------------------------------------------------------------------------------------


def curl(endpoint: str, accept: str, query: str, get: bool) -> tuple[str, bytes]:
    require(shutil.which("curl") is not None, "curl is not installed")
    command = ["curl", "-sS", "--fail", "-H", f"Accept: {accept}", "--data-urlencode"]
    command += [f"query={query}", "-w", "\n%{content_type}", *(["-G"] if get else []), endpoint]
    done = subprocess.run(command, capture_output=True, timeout=60, check=True)
    body, _, media = done.stdout.rpartition(b"\n")
    return media.decode().split(";")[0], body


@pytest.mark.parametrize("get", [True, False], ids=["get", "post"])
@pytest.mark.parametrize(("accept", "fmt"), RESULT_TYPES, ids=[f for _, f in RESULT_TYPES])
def test_curl_results(endpoint, store, accept, fmt, get):
    media, body = curl(endpoint, accept, SELECT, get)
    assert media == accept
    expected = reference(store, SELECT)
    if fmt == "csv":
        got = {tuple("" if c is None else str(c) for c in row) for row in _csv(body)}
        assert got == {tuple("" if t is None else str(t) for t in row) for row in expected.rows}
    else:
        assert parsed_table(body, fmt) == table(expected)
    media, body = curl(endpoint, accept, ASK_TRUE, get)
    assert media == accept
    if fmt in ("json", "xml"):
        assert Result.parse(io.BytesIO(body), format=fmt).askAnswer is True
    else:  # CSV and TSV have no ASK form: a one-column table
        assert body.split() in ([b"boolean", b"true"], [b"?boolean", b"true"])
    assert isinstance(reference(store, ASK_TRUE), AskResult)


@pytest.mark.parametrize(("accept", "fmt"), GRAPH_TYPES, ids=[f for _, f in GRAPH_TYPES])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_curl_graphs(endpoint, store, query, accept, fmt):
    media, body = curl(endpoint, accept, query, get=True)
    assert media == accept
    if fmt in ("trig", "nquads"):
        quads = Dataset()
        quads.parse(data=body, format=fmt)
        got = Graph()
        for s, p, o, _ in quads.quads():
            got.add((s, p, o))
    else:
        got = Graph().parse(data=body, format=fmt)
    expected = reference(store, query)
    assert isinstance(expected, GraphResult)
    assert isomorphic(got, expected.graph)
