"""``/sparql`` keeps the SPARQL 1.1 Protocol, checked against a real server process on 127.0.0.1
serving the fixture dataset (``kg serve --dataset``): the three ways to send a query, the
protocol's dataset parameters, content negotiation, the service description and VoID, CORS, and
the status code of every kind of wrong request (the spec's own test list as the checklist)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from rdflib.query import Result

from kg.rdf.namespaces import SD, SERVICE
from kg.rdf.results import GraphResult, SelectResult
from kg.store import from_ox
from server import create_app, sparql
from tests.conftest import PROJECTS, running_server
from tests.sparql_http import (
    EX,
    GRAPH_TYPES,
    LIBRARY,
    RESULT_TYPES,
    call,
    form,
    library_store,
    reference,
)

TITLES = "SELECT ?book ?title WHERE { ?book dcterms:title ?title } ORDER BY ?title"
EVERYTHING = (
    "SELECT ?g ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"  # default + named
)
BOOKS, PEOPLE, LOANS = EX + "books", EX + "people", EX + "loans"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server("--dataset", str(LIBRARY)) as base:
        yield base


@pytest.fixture(scope="module")
def store():
    return library_store()


def rows(body: bytes, fmt: str = "json") -> list[tuple]:
    """The rows of a serialised result, blank nodes made comparable, sorted."""
    parsed = Result.parse(io.BytesIO(body), format=fmt)
    return sorted((tuple(_comparable(row[v]) for v in parsed.vars) for row in parsed), key=repr)


def expected_rows(result: SelectResult) -> list[tuple]:
    return sorted((tuple(_comparable(t) for t in row) for row in result.rows), key=repr)


def _comparable(term):
    return "_:" if isinstance(term, BNode) else term


# --- three ways to send a query ---------------------------------------------------------------


def test_get_form_post_and_direct_post_answer_alike(server, store):
    expected = expected_rows(reference(store, TITLES))
    by_get = call(server, "/sparql", params={"query": TITLES})
    body, headers = form({"query": TITLES})
    by_form = call(server, "/sparql", "POST", body=body, headers=headers)
    by_direct = call(
        server,
        "/sparql",
        "POST",
        body=TITLES,
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    for reply in (by_get, by_form, by_direct):
        assert reply.status == 200, reply.text
        assert reply.media == "application/sparql-results+json"
        assert rows(reply.body) == expected
    assert len(expected) == 3


def test_non_ascii_query_text_is_read_as_utf8(server):
    query = 'ASK { ?p foaf:name "Тарас Шевченко"@uk }'
    for reply in (
        call(server, "/sparql", params={"query": query}),
        call(
            server,
            "/sparql",
            "POST",
            body=query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query"},
        ),
    ):
        assert reply.status == 200, reply.text
        assert reply.json()["boolean"] is True


# --- the dataset: FROM, FROM NAMED and the protocol's parameters ------------------------------


def native(sparql: str) -> list[tuple]:
    """Rows of ``sparql`` run by Oxigraph itself on the fixture, its FROM clauses as written."""
    store = ox.Store()
    store.bulk_load(path=str(LIBRARY), format=ox.RdfFormat.TRIG)
    found = store.query(sparql)
    names = [v.value for v in found.variables]
    out = []
    for solution in found:
        out.append(
            tuple(
                None
                if solution[n] is None
                else "_:"
                if isinstance(solution[n], ox.BlankNode)
                else from_ox(solution[n])
                for n in names
            )
        )
    return sorted(out, key=repr)


def _with_dataset(query: str, default: list[str], named: list[str]) -> str:
    clauses = "".join(f"FROM <{g}> " for g in default) + "".join(
        f"FROM NAMED <{g}> " for g in named
    )
    return query.replace(" WHERE ", f" {clauses}WHERE ", 1)


@pytest.mark.parametrize(
    ("default", "named"),
    [
        ([BOOKS], []),
        ([BOOKS, PEOPLE], []),  # several default graphs are merged
        ([], [PEOPLE]),  # FROM NAMED alone: an empty default graph
        ([LOANS], [BOOKS, PEOPLE]),
    ],
    ids=["one-default", "two-defaults", "named-only", "default-and-named"],
)
def test_protocol_dataset_parameters_replace_the_querys_own(server, default, named):
    expected = native(_with_dataset(EVERYTHING, default, named))
    assert expected, "the reference answer should not be empty"
    params = {"query": EVERYTHING, "default-graph-uri": default, "named-graph-uri": named}
    by_get = call(server, "/sparql", params=params)
    body, headers = form(params)
    by_form = call(server, "/sparql", "POST", body=body, headers=headers)
    # The query names other graphs: the protocol's parameters win.
    in_query = _with_dataset(EVERYTHING, [PEOPLE], [LOANS])
    by_direct = call(
        server,
        "/sparql",
        "POST",
        params={"default-graph-uri": default, "named-graph-uri": named},
        body=in_query,
        headers={"Content-Type": "application/sparql-query"},
    )
    for reply in (by_get, by_form, by_direct):
        assert reply.status == 200, reply.text
        assert rows(reply.body) == expected


def test_from_and_from_named_in_the_query_are_honoured(server):
    query = _with_dataset(EVERYTHING, [BOOKS], [PEOPLE])
    reply = call(server, "/sparql", params={"query": query})
    assert reply.status == 200, reply.text
    assert rows(reply.body) == native(query)


def test_default_graph_alias_of_common_clients_means_the_whole_dataset(server):
    plain = call(server, "/sparql", params={"query": EVERYTHING})
    aliased = call(
        server,
        "/sparql",
        params={"query": EVERYTHING, "default-graph-uri": "urn:x-rdflib:default"},
    )
    assert plain.status == aliased.status == 200
    assert rows(aliased.body) == rows(plain.body)
    assert {r[0] for r in rows(plain.body)} == {None, URIRef(BOOKS), URIRef(PEOPLE), URIRef(LOANS)}


@pytest.fixture(params=["trig", "nquads", "turtle"])
def dataset(request, good_build):
    """A dataset file in each of three syntaxes (the N-Quads one a build, manifest beside it)."""
    return {
        "trig": LIBRARY,
        "nquads": good_build,
        "turtle": PROJECTS / "good" / "data" / "statements.ttl",
    }[request.param]


def test_any_dataset_file_is_served_with_its_named_graphs(fixture_project, dataset):
    expected = Dataset()
    expected.parse(dataset)
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project), "PTKG_DATASET": dataset})
    try:
        client = app.test_client()
        per_graph = client.get(
            "/sparql",
            query_string={
                "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            },
        ).get_json()
        everything = client.get(
            "/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        ).get_json()
    finally:
        sparql.shutdown(app)
    named = {
        str(g.identifier): len(g)
        for g in expected.graphs()
        if len(g) and g.identifier != expected.default_graph.identifier
    }
    assert {
        b["g"]["value"]: int(b["n"]["value"]) for b in per_graph["results"]["bindings"]
    } == named
    distinct = {(s, p, o) for s, p, o, _ in expected.quads()}
    assert int(everything["results"]["bindings"][0]["n"]["value"]) == len(distinct)


# --- content negotiation ----------------------------------------------------------------------

CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
DESCRIBE = f"DESCRIBE <{EX}book3>"


@pytest.mark.parametrize(("media", "fmt"), RESULT_TYPES, ids=[f for _, f in RESULT_TYPES])
def test_select_and_ask_results_in_each_type(server, store, media, fmt):
    reply = call(server, "/sparql", params={"query": TITLES}, headers={"Accept": media})
    assert reply.status == 200, reply.text
    assert reply.media == media
    assert "Accept" in reply.headers["Vary"]
    if fmt == "csv":  # CSV keeps only the lexical forms
        expected = sorted(
            (tuple(str(t) for t in row) for row in reference(store, TITLES).rows), key=repr
        )
        assert sorted((tuple(str(t) for t in r) for r in rows(reply.body, fmt)), key=repr) == (
            expected
        )
    else:
        assert rows(reply.body, fmt) == expected_rows(reference(store, TITLES))
    ask = call(
        server, "/sparql", params={"query": f"ASK {{ ?b a <{EX}Book> }}"}, headers={"Accept": media}
    )
    assert ask.status == 200, ask.text
    assert ask.media == media
    assert "true" in ask.text


@pytest.mark.parametrize(("media", "fmt"), GRAPH_TYPES, ids=[f for _, f in GRAPH_TYPES])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_construct_and_describe_in_each_rdf_type(server, store, query, media, fmt):
    reply = call(server, "/sparql", params={"query": query}, headers={"Accept": media})
    assert reply.status == 200, reply.text
    assert reply.media == media
    expected = reference(store, query)
    assert isinstance(expected, GraphResult) and len(expected) > 0
    if fmt in ("trig", "nquads"):
        quads = Dataset()
        quads.parse(data=reply.body, format=fmt)
        got = Graph()
        for s, p, o, _ in quads.quads():
            got.add((s, p, o))
    else:
        got = Graph().parse(data=reply.body, format=fmt)
    assert isomorphic(got, expected.graph)


@pytest.mark.parametrize("accept", [None, "*/*", "application/*"])
def test_any_type_gets_json_results_or_turtle_never_html(server, accept):
    headers = {"Accept": accept} if accept else {}
    if accept == "application/*":
        expect_select, expect_graph = "application/sparql-results+json", "application/n-triples"
    else:
        expect_select, expect_graph = "application/sparql-results+json", "text/turtle"
    select = call(server, "/sparql", params={"query": TITLES}, headers=headers)
    construct = call(server, "/sparql", params={"query": CONSTRUCT}, headers=headers)
    assert (select.status, select.media) == (200, expect_select)
    assert (construct.status, construct.media) == (200, expect_graph)


def test_a_browser_sending_a_query_gets_results_not_a_page(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = call(server, "/sparql", params={"query": TITLES}, headers={"Accept": browser})
    assert reply.status == 200
    assert reply.media != "text/html"
    assert rows(reply.body, "xml")  # application/xml is the results' XML


@pytest.mark.parametrize(
    ("value", "media"),
    [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", "application/sparql-results+xml"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_format_parameter_wins_over_accept(server, value, media):
    reply = call(
        server,
        "/sparql",
        params={"query": TITLES, "format": value},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert (reply.status, reply.media) == (200, media)


# --- without a query: the page, the service description ---------------------------------------


def test_a_browser_without_a_query_gets_the_query_page(server):
    reply = call(server, "/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert (reply.status, reply.media) == (200, "text/html")
    assert 'method="post"' in reply.text and 'name="query"' in reply.text


def _library_sizes() -> dict[str, int]:
    dataset = Dataset()
    dataset.parse(LIBRARY, format="trig")
    return {str(g.identifier): len(g) for g in dataset.graphs() if str(g.identifier).startswith(EX)}


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [(None, "turtle"), ("text/turtle", "turtle"), ("application/ld+json", "json-ld")],
)
def test_an_rdf_client_without_a_query_gets_the_service_description(server, accept, fmt):
    reply = call(server, "/sparql", headers={"Accept": accept} if accept else {})
    assert reply.status == 200, reply.text
    description = Graph().parse(data=reply.body, format=fmt)
    endpoint = URIRef(f"{server}/sparql")
    [service] = description.subjects(SD.endpoint, endpoint)
    assert (service, RDF.type, SD.Service) in description
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert description.value(service, SERVICE.maxResultRows).toPython() == 10000
    assert description.value(service, SERVICE.queryTimeout).toPython() == 30
    assert description.value(service, SERVICE.maxRequestBytes).toPython() == 65536
    dataset = description.value(service, SD.defaultDataset)
    named = {
        str(description.value(n, SD.name)): description.value(
            description.value(n, SD.graph), VOID.triples
        ).toPython()
        for n in description.objects(dataset, SD.namedGraph)
    }
    assert named == _library_sizes()


def test_void_describes_the_dataset_its_graphs_and_the_endpoint(server):
    reply = call(server, "/.well-known/void")
    assert (reply.status, reply.media) == (200, "text/turtle")
    void = Graph().parse(data=reply.body, format="turtle")
    [dataset] = list(void.subjects(RDF.type, DCAT.Dataset))
    assert (dataset, RDF.type, VOID.Dataset) in void
    assert (dataset, VOID.sparqlEndpoint, URIRef(f"{server}/sparql")) in void
    library = Dataset()
    library.parse(LIBRARY, format="trig")
    assert void.value(dataset, VOID.triples) == Literal(sum(1 for _ in library.quads()))
    assert sorted(
        s.toPython()
        for s in (void.value(subset, VOID.triples) for subset in void.objects(dataset, VOID.subset))
    ) == sorted(_library_sizes().values())
    [service] = void.subjects(RDF.type, DCAT.DataService)
    assert (service, DCAT.servesDataset, dataset) in void
    assert (service, DCAT.endpointURL, URIRef(f"{server}/sparql")) in void
    assert void.value(dataset, DCTERMS.license) is None  # a foreign dataset: no licence claimed
    as_jsonld = call(server, "/.well-known/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.media == "application/ld+json"
    assert isomorphic(Graph().parse(data=as_jsonld.body, format="json-ld"), void)


def test_void_of_the_curated_graph_names_its_licence(client):
    reply = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    void = Graph().parse(data=reply.data, format="turtle")
    [dataset] = list(void.subjects(RDF.type, DCAT.Dataset))
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(dataset, DCTERMS.title) == Literal("Peace Talks KG", lang="en")


# --- wrong requests ---------------------------------------------------------------------------

DIRECT = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

WRONG = [
    # (id, method, params, body, headers, status)
    ("put", "PUT", {"query": "ASK {}"}, None, {}, 405),
    ("delete", "DELETE", {}, None, {}, 405),
    ("patch", "PATCH", {}, b"query=ASK%7B%7D", FORM, 405),
    ("missing-query-post", "POST", {}, b"default-graph-uri=urn%3Ax", FORM, 400),
    ("missing-query-get-with-parameters", "GET", {"default-graph-uri": BOOKS}, None, {}, 400),
    ("empty-query", "GET", {"query": "  "}, None, {}, 400),
    ("repeated-query-get", "GET", [("query", "ASK {}"), ("query", "ASK {}")], None, {}, 400),
    ("repeated-query-form", "POST", {}, b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400),
    ("query-in-url-and-form", "POST", {"query": "ASK {}"}, b"query=ASK%7B%7D", FORM, 400),
    ("query-in-url-and-body", "POST", {"query": "ASK {}"}, b"ASK {}", DIRECT, 400),
    ("body-on-get", "GET", {"query": "ASK {}"}, b"ASK {}", DIRECT, 400),
    ("syntax-error", "GET", {"query": "SELECT ?s WHERE { ?s"}, None, {}, 400),
    ("undeclared-prefix", "GET", {"query": "ASK { ?s nope:p ?o }"}, None, {}, 400),
    ("wrong-media-type", "POST", {}, b"ASK {}", {"Content-Type": "text/plain"}, 415),
    ("missing-form-type", "POST", {}, b"query=ASK%7B%7D", {}, 415),
    ("non-utf8-charset", "POST", {}, "ASK {}".encode("utf-16"), {"Content-Type": "application/sparql-query; charset=UTF-16"}, 415),
    ("invalid-utf8", "POST", {}, b"ASK { ?s ?p \"\xff\xfe\" }", DIRECT, 400),
    ("nothing-acceptable", "GET", {"query": "ASK {}"}, None, {"Accept": "image/png"}, 406),
    ("html-only-for-a-query", "GET", {"query": TITLES}, None, {"Accept": "text/html"}, 406),
    ("unknown-format", "GET", {"query": "ASK {}", "format": "bogus"}, None, {}, 406),
    ("update-in-query", "GET", {"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}, None, {}, 403),
    ("update-get", "GET", {"update": "CLEAR ALL"}, None, {}, 403),
    ("update-form", "POST", {}, b"update=DROP+ALL", FORM, 403),
    ("update-direct", "POST", {}, b"DROP ALL", {"Content-Type": "application/sparql-update"}, 403),
    ("default-graph-not-an-iri", "GET", {"query": "ASK {}", "default-graph-uri": "a b"}, None, {}, 400),
    ("named-graph-not-an-iri", "GET", {"query": "ASK {}", "named-graph-uri": "<x>"}, None, {}, 400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "params", "body", "headers", "status"),
    [w[1:] for w in WRONG],
    ids=[w[0] for w in WRONG],
)
def test_each_wrong_request_gets_its_status(server, method, params, body, headers, status):
    reply = call(server, "/sparql", method, params=params, body=body, headers=headers)
    assert reply.status == status, reply.text
    if "html" in headers.get("Accept", ""):
        assert reply.media == "text/html"  # the error page, for a browser
    elif method in ("GET", "POST"):
        answer = reply.json()
        assert answer["ok"] is False and answer["status"] == status and answer["error"]
    if status == 405:
        assert set(reply.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_syntax_error_carries_the_parsers_message(server):
    reply = call(server, "/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p"})
    assert reply.status == 400
    message = reply.json()["error"]
    assert message.startswith("query syntax error:") and "line 2, column" in message


def test_a_query_the_engine_rejects_is_400_with_the_users_line_numbers(server):
    # rdflib's parser lets this through; Oxigraph knows ?x is not grouped.
    reply = call(server, "/sparql", params={"query": "SELECT ?x WHERE { ?x ?p ?y }\nGROUP BY ?y"})
    assert reply.status == 400
    assert reply.json()["error"].startswith("query syntax error: error at 2:")


def test_a_query_nested_too_deeply_is_400_not_a_failure(server):
    deep = "SELECT * WHERE " + "{ " * 400 + "?s ?p ?o " + "} " * 400
    reply = call(server, "/sparql", params={"query": deep})
    assert reply.status == 400
    assert "nests its groups too deeply" in reply.json()["error"]


# --- protocol corners ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "accept"),
    [
        ("/sparql", {"query": "ASK {}"}, "application/sparql-results+json; charset=utf-8"),
        ("/sparql", {"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, "text/turtle;charset=UTF-8"),
        ("/sparql", {"query": "ASK {}"}, "application/sparql-results+xml; charset=utf-8; q=0.9"),
        ("/.well-known/void", {}, "text/turtle; charset=utf-8"),
        ("/sparql", {}, "text/html; charset=utf-8"),
    ],
)
def test_accept_parameters_do_not_refuse_a_type(server, path, params, accept):
    reply = call(server, path, params=params, headers={"Accept": accept})
    assert reply.status == 200, reply.text
    assert reply.media == accept.split(";")[0]


def test_relative_iris_resolve_against_the_endpoint(server):
    reply = call(
        server,
        "/sparql",
        params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert reply.status == 200, reply.text
    graph = Graph().parse(data=reply.text, format="nt")
    assert set(graph.subjects()) == {URIRef(f"{server}/s")}


def test_an_unknown_graph_is_an_empty_graph(server):
    for parameter in ("default-graph-uri", "named-graph-uri"):
        reply = call(server, "/sparql", params={"query": EVERYTHING, parameter: EX + "nope"})
        assert reply.status == 200, reply.text
        assert rows(reply.body) == []
    reply = call(server, "/sparql", params={"query": f"ASK FROM <{EX}nope> {{ ?s ?p ?o }}"})
    assert reply.status == 200 and reply.json()["boolean"] is False


def test_a_leading_byte_order_mark_is_not_part_of_the_query(server):
    body = "\ufeffASK { ?s ?p ?o }".encode()
    reply = call(server, "/sparql", "POST", body=body, headers=DIRECT)
    assert reply.status == 200, reply.text
    assert reply.json()["boolean"] is True


def test_the_endpoint_answers_with_a_trailing_slash_too(server):
    for method in ("GET", "POST"):
        reply = call(
            server,
            "/sparql/",
            method,
            params={"query": "ASK {}"} if method == "GET" else None,
            body=None if method == "GET" else b"ASK {}",
            headers={} if method == "GET" else DIRECT,
        )
        assert reply.status == 200, reply.text


def test_our_own_fault_is_500_with_a_request_id_in_body_and_log(
    fixture_project, caplog, monkeypatch
):
    def broken_answer(*args, **kwargs):
        raise TypeError("a bug of ours while writing the answer")

    monkeypatch.setattr(sparql, "_answer", broken_answer)
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project)})
    try:
        with caplog.at_level(logging.ERROR, logger=app.logger.name):
            reply = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    finally:
        sparql.shutdown(app)
    assert reply.status_code == 500
    body = reply.get_json()
    assert body["request_id"] and "TypeError" not in body["error"]
    assert body["request_id"] in caplog.text and "TypeError" in caplog.text


# --- CORS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sparql", "/.well-known/void", "/"])
def test_cors_preflight_and_headers(server, path):
    preflight = call(
        server,
        path,
        "OPTIONS",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST" if path == "/sparql" else "GET",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    methods = preflight.headers["Access-Control-Allow-Methods"]
    assert "GET" in methods and (path != "/sparql" or "POST" in methods)
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = call(server, path, headers={"Origin": "https://yasgui.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_headers_on_results_and_errors(server):
    ok = call(server, "/sparql", params={"query": TITLES}, headers={"Origin": "https://x.example"})
    bad = call(
        server, "/sparql", params={"query": "SELEC"}, headers={"Origin": "https://x.example"}
    )
    for reply in (ok, bad):
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-PTKG-Truncated" in reply.headers["Access-Control-Expose-Headers"]
    assert ok.headers["X-PTKG-Truncated"] == "false"
