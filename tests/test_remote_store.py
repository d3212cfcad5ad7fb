"""``SparqlHttpStore``: a remote SPARQL endpoint as the store. Bindings are sent as escaped VALUES
and give Oxigraph's answers; partial results and HTTP failures become clear errors, never rows.

The remote side is real HTTP on 127.0.0.1: this project's own server (``kg serve``), and a tiny
scripted server for the answers a store like Virtuoso sends on a timeout (``X-SQL-State: S1TAT``)
or at its row limit (``X-SPARQL-MaxRows``). The same against a real Virtuoso is in
``test_push_virtuoso.py``."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.cli import cli
from kg.rdf.results import GraphResult, SelectResult
from kg.store import (
    OxigraphStore,
    PartialResultError,
    QuerySyntaxError,
    RemoteStoreError,
    SparqlHttpStore,
    open_store,
    query_form,
    with_bindings,
)
from kg.store.queries import canned_query, with_prefixes
from server import create_app, sparql
from tests.conftest import PROJECTS, free_port, running_server

RUSSIA = URIRef("https://w3id.org/peace-talks-kg/id/actor/russia")


@pytest.fixture(scope="module")
def local(good_build: Path) -> OxigraphStore:
    store = OxigraphStore()
    store.load_file(good_build)
    return store


def rows(result) -> list:
    """The solutions as sorted ``{variable: term}`` (``SELECT *`` may order variables apart)."""
    return sorted(repr(sorted(row.items())) for row in result.dicts())


# --- bindings ----------------------------------------------------------------------------------

RUSSIA_IRI = f"<{RUSSIA}>"
STATE = URIRef("https://w3id.org/peace-talks-kg/ontology#State")
BOUND_QUERIES = [
    # (query with variables, bindings, the same question written with the constants by hand)
    (
        "SELECT ?label WHERE { ?s rdfs:label ?label }",
        {"s": RUSSIA},
        f"SELECT ?label WHERE {{ {RUSSIA_IRI} rdfs:label ?label }}",
    ),
    (
        '# a comment with WHERE { and "quotes"\nSELECT ?s ?l WHERE { ?s rdfs:label ?l '
        'FILTER (?l != "WHERE { } }") }',
        {"l": Literal("Russia", lang="en")},
        'SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER (?l = "Russia"@en) }',
    ),
    (
        "SELECT * { ?s a ?class }",
        {"class": STATE},
        "SELECT ?s ?class WHERE { ?s a ?class FILTER (?class = pt:State) }",
    ),
    (
        "ASK { ?s rdfs:label ?label }",
        {"label": Literal("Ukraine", lang="en")},
        'ASK { ?s rdfs:label "Ukraine"@en }',
    ),
    (
        "ASK WHERE { ?s rdfs:label ?label }",
        {"label": Literal("Nobody", lang="en")},
        'ASK { ?s rdfs:label "Nobody"@en }',
    ),
    (
        "CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s rdfs:label ?label }",
        {"s": RUSSIA},
        f"CONSTRUCT {{ {RUSSIA_IRI} rdfs:label ?label }} WHERE {{ {RUSSIA_IRI} rdfs:label ?label }}",
    ),
    (
        "SELECT ?s (COUNT(?p) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s",
        {"s": RUSSIA},
        f"SELECT ?s (COUNT(?p) AS ?n) WHERE {{ ?s ?p ?o FILTER (?s = {RUSSIA_IRI}) }} GROUP BY ?s",
    ),
    (
        "SELECT ?s WHERE { { SELECT ?s WHERE { ?s a pt:State } } "
        "FILTER NOT EXISTS { ?s rdfs:label ?s } }",
        {"s": RUSSIA},
        f"SELECT ?s WHERE {{ ?s a pt:State FILTER (?s = {RUSSIA_IRI}) }}",
    ),
    (
        "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l = ?wanted) }",
        {"wanted": Literal("Russia", lang="en")},
        'SELECT ?s WHERE { ?s rdfs:label "Russia"@en }',
    ),
    (  # a grouped sub-select: the binding must reach inside it, as substitution does
        "SELECT ?party ?n WHERE { { SELECT ?party (COUNT(?s) AS ?n) "
        "WHERE { ?s pt:speaker ?party } GROUP BY ?party } }",
        {"party": RUSSIA},
        "SELECT ?party ?n WHERE { { SELECT ?party (COUNT(?s) AS ?n) "
        f"WHERE {{ ?s pt:speaker ?party FILTER (?party = {RUSSIA_IRI}) }} GROUP BY ?party }} }}",
    ),
    (  # a sub-select without WHERE that uses the variable only in a FILTER
        "SELECT ?x WHERE { { SELECT ?x { ?x rdfs:label ?l FILTER (STR(?l) = ?name) } } }",
        {"name": Literal("Ukraine")},
        'SELECT ?x WHERE { ?x rdfs:label ?l FILTER (STR(?l) = "Ukraine") }',
    ),
]


@pytest.mark.parametrize(("query", "bindings", "by_hand"), BOUND_QUERIES)
def test_bindings_sent_as_values_answer_like_the_constants(local, query, bindings, by_hand):
    expected = local.query(with_prefixes(by_hand))
    joined = local.query(with_bindings(with_prefixes(query), bindings))
    if isinstance(expected, GraphResult):
        assert set(joined.graph) == set(expected.graph) and len(expected.graph)
    elif isinstance(expected, SelectResult):
        assert rows(joined) == rows(expected)
        assert set(joined.variables) == set(expected.variables)
    else:
        assert joined.value == expected.value


def test_canned_query_with_a_binding_of_a_projected_variable(local):
    """Oxigraph substitutes only projected variables; there both ways must agree."""
    text = canned_query("stats-graphs")
    graph = URIRef("https://w3id.org/peace-talks-kg/graph/inferred")
    joined = local.query(with_bindings(text, {"graph": graph}))
    assert rows(joined) == rows(local.query(text, {"graph": graph}))
    assert len(joined.rows) == 1


class ValuesStore:
    """A store that binds variables the way SparqlHttpStore does (VALUES in the query text)."""

    engine = "values"

    def __init__(self, inner: OxigraphStore) -> None:
        self.inner = inner

    def query(self, sparql, bindings=None, *, dataset=None, limit=None):
        return self.inner.query(with_bindings(sparql, bindings or {}), dataset=dataset, limit=limit)


def test_headline_question_with_bindings_sent_as_values(curated_build: Path):
    """persisted(russia, 2024-06, 2025-07) on the real build, in both modes: the same answer
    whether the parameters are substituted by Oxigraph or sent as VALUES, as to a remote store."""
    from kg.questions import ask

    store = OxigraphStore()
    store.load_file(curated_build)
    items = 0
    for mode in ("attested", "in-force"):
        params = {"party": "russia", "from": "2024-06", "to": "2025-07", "mode": mode}
        expected = ask(store, "persisted", params)
        assert ask(ValuesStore(store), "persisted", params).to_dict() == expected.to_dict()
        items += len(expected.items)
    assert items > 0, "the comparison is not vacuous: the curated data answers the question"


HOSTILE = [
    'x" } } ; DROP ALL ; #',
    "line\nbreak\r\ttab \\ backslash 'single' \"double\" \\u0022",
    "}} WHERE { ?a ?b ?c } #",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_text_stays_a_literal(local, value):
    for literal in (Literal(value), Literal(value, lang="en"), Literal(value, datatype=XSD.token)):
        query = with_bindings("SELECT ?v WHERE { }", {"v": literal})
        result = local.query(query)
        assert result.rows == [(literal,)]


def test_bindings_that_cannot_be_written_are_refused():
    with pytest.raises(ValueError, match=r"not an IRI: .* contains '>'"):
        with_bindings("SELECT * WHERE { }", {"v": URIRef("http://x/> } DROP ALL <http://y")})
    with pytest.raises(ValueError, match="not a SPARQL variable name"):
        with_bindings("SELECT * WHERE { }", {"v) } #": Literal("x")})
    with pytest.raises(ValueError, match="not a valid language tag"):
        with_bindings("SELECT * WHERE { }", {"v": Literal("x", lang='en" . }')})


def test_query_form_and_updates():
    assert (
        query_form("PREFIX a: <http://a/>\n# SELECT\nCONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    )
    assert query_form("describe <http://a/>") == "DESCRIBE"
    with pytest.raises(QuerySyntaxError, match="update"):
        query_form("INSERT DATA { <http://a/> <http://a/> <http://a/> }")
    with pytest.raises(QuerySyntaxError, match="not a SPARQL query"):
        query_form("# SELECT * WHERE {}")


# --- this project's own server as the remote store -------------------------------------------------


def test_a_peace_talks_kg_server_as_the_remote_store(local, good_project: Path):
    with running_server("--root", str(good_project)) as base:
        store = open_store(f"sparql+{base}/sparql")
        assert isinstance(store, SparqlHttpStore)
        for name in ("summary", "stats-graphs", "stats-classes", "export-actors"):
            text = with_prefixes(canned_query(name))
            assert rows(store.query(text)) == rows(local.query(text)), name
        text = with_prefixes("SELECT ?s ?label WHERE { ?s rdfs:label ?label }")
        assert rows(store.query(text, {"s": RUSSIA})) == rows(local.query(text, {"s": RUSSIA}))
        construct = with_prefixes("CONSTRUCT WHERE { ?s pt:contradicts ?o }")
        assert set(store.query(construct).graph) == set(local.query(construct).graph)
        assert store.query("ASK { ?s a <https://w3id.org/peace-talks-kg/ontology#State> }").value
        assert store.quad_count() == local.quad_count()
        with pytest.raises(QuerySyntaxError, match="rejected the query"):
            store.query("SELECT * WHERE { ?s ")


# --- a scripted store ------------------------------------------------------------------------------


@dataclass
class Scripted:
    """What the scripted store answers, and what it was sent."""

    answer: Callable[[str], tuple[int, dict[str, str], bytes]]
    user: str | None = None
    password: str | None = None
    seen: list[dict] = field(default_factory=list)


def select_json(*values: str) -> bytes:
    return json.dumps(
        {
            "head": {"vars": ["n"]},
            "results": {
                "bindings": [
                    {"n": {"type": "typed-literal", "datatype": str(XSD.integer), "value": v}}
                    for v in values
                ]
            },
        }
    ).encode()


ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()
JSON = {"Content-Type": "application/sparql-results+json"}


@contextlib.contextmanager
def scripted_store(script: Scripted) -> Iterator[str]:
    """A SPARQL endpoint on 127.0.0.1 answering as ``script`` says; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"))
            query = form.get("query", [""])[0]
            seen = {"query": query, "headers": dict(self.headers), "form": form, "status": 401}
            script.seen.append(seen)
            if script.user is not None:
                token = base64.b64encode(f"{script.user}:{script.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {token}":
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="store"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            status, headers, body = script.answer(query)
            seen["status"] = status
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"sparql+http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_virtuoso_timeout_flag_is_reported_not_passed_on():
    headers = {
        **JSON,
        "X-SQL-State": "S1TAT",
        "X-SQL-Message": "RC...: Returning incomplete results, query interrupted by result timeout.",
    }
    with scripted_store(Scripted(lambda q: (200, headers, select_json("3")))) as url:
        store = SparqlHttpStore(url)
        with pytest.raises(PartialResultError, match=r"partial result \(X-SQL-State: S1TAT"):
            store.query(COUNT)


def test_row_limit_flag_is_reported_when_the_answer_reaches_it():
    capped = {**JSON, "X-SPARQL-MaxRows": "2"}
    answer = Scripted(lambda q: (200, capped, select_json("1", "2")))
    with scripted_store(answer) as url, pytest.raises(PartialResultError, match="at 2 rows"):
        SparqlHttpStore(url).query(COUNT)
    with scripted_store(Scripted(lambda q: (200, capped, select_json("1")))) as url:
        assert SparqlHttpStore(url).query(COUNT).rows == [(Literal(1),)]


def test_cut_off_and_malformed_answers_are_errors():
    cut = Scripted(lambda q: (200, JSON, select_json("1", "2")[:-20]))
    with scripted_store(cut) as url, pytest.raises(PartialResultError, match="not complete"):
        SparqlHttpStore(url).query(COUNT)
    truncated = {**JSON, "X-PTKG-Truncated": "true"}
    flagged = Scripted(lambda q: (200, truncated, select_json("1")))
    with scripted_store(flagged) as url, pytest.raises(PartialResultError, match="Truncated"):
        SparqlHttpStore(url).query(COUNT)


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (400, QuerySyntaxError, "rejected the query: Virtuoso 37000 Error SP030"),
        (401, RemoteStoreError, "check the user and password"),
        (404, RemoteStoreError, "no SPARQL endpoint at"),
        (500, RemoteStoreError, r"failed \(500 .*\): Virtuoso S1T00 Error SR171"),
    ],
)
def test_http_errors_become_clear_messages(status, error, message):
    bodies = {
        400: b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error",
        500: b"Virtuoso S1T00 Error SR171: Transaction timed out\n\nSPARQL query: ...",
    }
    answer = (status, {"Content-Type": "text/plain"}, bodies.get(status, b""))
    with scripted_store(Scripted(lambda q: answer)) as url, pytest.raises(error, match=message):
        SparqlHttpStore(url).query(COUNT)


def test_unreachable_store():
    with pytest.raises(
        RemoteStoreError, match=r"cannot reach the SPARQL store at http://127\.0\.0\.1"
    ):
        SparqlHttpStore(f"sparql+http://127.0.0.1:{free_port()}/sparql").query("ASK {}")


def test_credentials_and_parameters_in_the_url_are_sent():
    script = Scripted(lambda q: (200, JSON, select_json("7")), user="reader", password="s3 cret")
    with scripted_store(script) as url:
        plain = url.removeprefix("sparql+http://")
        store = SparqlHttpStore(f"sparql+http://reader:s3%20cret@{plain}?timeout=5000&x=1")
        assert store.query(COUNT).rows == [(Literal(7),)]
        with pytest.raises(RemoteStoreError, match="refused access"):
            SparqlHttpStore(f"sparql+http://reader:wrong@{plain}").query(COUNT)
    [sent] = [s for s in script.seen if s["status"] == 200]
    assert sent["form"]["timeout"] == ["5000"] and sent["form"]["x"] == ["1"]
    assert sent["headers"]["Accept"].startswith("application/sparql-results+json")


def test_the_app_answers_502_for_a_partial_result_instead_of_a_page():
    def answer(query: str):
        if query.strip() == "ASK {}":
            return 200, JSON, ASK_TRUE
        return 200, {**JSON, "X-SQL-State": "S1TAT"}, select_json("1")

    with scripted_store(Scripted(answer)) as url:
        app = create_app({"TESTING": True, "PTKG_STORE": url, "PTKG_ROOT": str(PROJECTS / "good")})
        try:
            response = app.test_client().get("/", headers={"Accept": "application/json"})
        finally:
            sparql.shutdown(app)
    assert response.status_code == 502
    body = response.get_json()
    assert body["ok"] is False and "X-SQL-State: S1TAT" in body["error"]


# --- the command line ------------------------------------------------------------------------------


def test_store_option_accepts_engines_and_urls_only(runner):
    result = runner.invoke(cli, ["query", "ASK {}", "--store", "virtuoso"])
    assert result.exit_code == 2
    assert (
        "'virtuoso' is neither oxigraph nor oxigraph-memory nor rdflib nor a remote store URL"
        in result.output
    )
    result = runner.invoke(cli, ["query", "ASK {}", "--store", "sparql+http:///sparql"])
    assert result.exit_code == 2 and "no host" in result.output


def test_unreachable_store_on_the_command_line_exits_3(runner, tmp_path: Path):
    url = f"sparql+http://127.0.0.1:{free_port()}/sparql"
    result = runner.invoke(cli, ["stats", "--store", url, "--root", str(PROJECTS / "good")])
    assert result.exit_code == 3
    assert result.output.startswith("error: cannot reach the SPARQL store at http://127.0.0.1:")
