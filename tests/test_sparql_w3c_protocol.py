"""The W3C SPARQL 1.1 Protocol test manifest (``tests/fixtures/w3c-protocol/``, vendored from
w3c/rdf-tests) run against a real ``kg serve --dataset FILE`` on 127.0.0.1.

The manifest is read with rdflib: each ``mf:ProtocolTest`` is a list of ``ht:Request`` (method,
``ht:absolutePath``, headers, a ``cnt:ContentAsText`` body) with the expected ``ht:Response``
(``mf:expectedStatus``, ``mf:expectedFormat``, ``mf:expectedBoolean``); ``ut:graphData`` names
the graphs the service must hold. Every request is sent as the manifest writes it, except that the
manifest's ``/sparql/`` prefix becomes this service's ``/sparql`` (the manifest's comment asks a
runner to replace it with the endpoint's path) and the connection goes to the test server instead
of ``www.example``.

Each test IRI has one implementation in ``IMPLEMENTATIONS`` (keyed by its local name), and the
parametrised test runs every entry of the manifest: an entry without an implementation fails. The
service is read-only, so the update tests (``update_*``) check the opposite of the manifest's 2xx:
the update is refused (400 or 403), the manifest's follow-up ASK finds nothing it would have
written, and the served quads are unchanged.
"""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, RDF, RDFS
from rdflib.query import Result

from tests.conftest import FIXTURES, running_server
from tests.sparql_http import Reply, call

HERE = FIXTURES / "w3c-protocol"
MANIFEST = HERE / "manifest.ttl"
ENTRY_COUNT = 34
"""Entries of the vendored manifest (README.md names its commit); pinned so that it cannot
silently lose tests."""

MANIFEST_PATH_PREFIX = "/sparql/"
ENDPOINT = "/sparql"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"

KASEI = "http://kasei.us/2009/09/sparql/data/"
DATA0 = KASEI + "data0.rdf"
"""Named in ``default-graph-uri`` by several tests, but with no ``ut:graphData``: the service
holds a one-triple stand-in (the pattern of data1–3), so the parameter names a graph it has."""


def quoted(name: str) -> str:
    """The percent-encoded IRI of the manifest's graph ``name`` (data0 … data3)."""
    return urllib.parse.quote(f"{KASEI}{name}.rdf", safe="")


DEFAULT_DATA2 = "default-graph-uri=" + quoted("data2")
NAMED_DATA2 = "named-graph-uri=" + quoted("data2")

REFUSED = (400, 403)
"""What a read-only service answers to an update request."""

BOOLEAN_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
}
TABULAR_TYPES = {
    **BOOLEAN_TYPES,
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "text/n3": "n3",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
"""Media types the manifest's prose accepts for each ``mf:expectedFormat`` (it adds "or any other
valid media type" for the kind), with the rdflib parser that reads each."""


# --- the manifest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One ``ht:Request`` and its expected ``ht:Response``."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected_status: frozenset[int]  # status classes: 2 for hts:StatusCode2xx …
    expected_format: str | None
    expected_boolean: bool | None

    def describe(self) -> str:
        head = "".join(f"\n  {name}: {value}" for name, value in self.headers)
        body = f"\n  body: {self.body!r}" if self.body is not None else ""
        return f"{self.method} {self.path}{head}{body}"


@dataclass(frozen=True)
class ProtocolTest:
    name: str  # the test IRI's local name
    title: str  # mf:name
    graph_data: tuple[tuple[str, str], ...]  # (graph IRI, data file name)
    requests: tuple[HttpRequest, ...]


def _one(graph: Graph, subject, predicate):
    return graph.value(subject, predicate, any=False)


def _items(graph: Graph, head) -> list:
    return list(Collection(graph, head)) if head is not None else []


def _request(graph: Graph, node) -> HttpRequest:
    headers = tuple(
        (str(_one(graph, h, HT.fieldName)), str(_one(graph, h, HT.fieldValue)))
        for h in _items(graph, _one(graph, node, HT.headers))
    )
    body = None
    content = _one(graph, node, HT.body)
    if content is not None:
        encoding = str(_one(graph, content, CNT.characterEncoding) or "UTF-8")
        body = str(_one(graph, content, CNT.chars)).encode(encoding)
    response = _one(graph, node, HT.resp)
    statuses = frozenset(
        int(str(code).removeprefix(HTS)[0]) for code in graph.objects(response, MF.expectedStatus)
    )
    fmt = _one(graph, response, MF.expectedFormat)
    boolean = _one(graph, response, MF.expectedBoolean)
    return HttpRequest(
        method=str(_one(graph, node, HT.methodName)),
        path=str(_one(graph, node, HT.absolutePath)),
        headers=headers,
        body=body,
        expected_status=statuses,
        expected_format=None if fmt is None else str(fmt),
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
    )


def read_manifest(path: Path = MANIFEST) -> list[ProtocolTest]:
    """The manifest's entries, in its order."""
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(graph, _one(graph, manifest, MF.entries)):
        data = tuple(
            sorted(
                (
                    str(_one(graph, d, RDFS.label)),
                    urllib.parse.unquote(str(_one(graph, d, UT.graph)).rsplit("/", 1)[-1]),
                )
                for d in graph.objects(entry, UT.graphData)
            )
        )
        action = _one(graph, entry, MF.action)
        requests = tuple(
            _request(graph, r) for r in _items(graph, _one(graph, action, HT.requests))
        )
        tests.append(
            ProtocolTest(
                name=str(entry).rsplit("#", 1)[-1],
                title=str(_one(graph, entry, MF.name)),
                graph_data=data,
                requests=requests,
            )
        )
    return tests


TESTS = read_manifest()
BY_NAME = {t.name: t for t in TESTS}


def served_dataset() -> Dataset:
    """Every graph the manifest's ``ut:graphData`` names, loaded from the vendored files, plus
    the stand-in for data0."""
    dataset = Dataset()
    for test in TESTS:
        for iri, file in test.graph_data:
            dataset.graph(URIRef(iri)).parse(HERE / file, format="nt")
    dataset.graph(URIRef(DATA0)).add((URIRef(DATA0), RDF.type, FOAF.Document))
    return dataset


def quads(dataset: Dataset) -> set[tuple[str, str, str, str]]:
    return {
        (str(g), str(s), str(p), str(o))
        for s, p, o, g in dataset.quads((None, None, None, None))
        if g is not None and g != dataset.default_graph.identifier
    }


# --- the server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("w3c-protocol") / "dataset.nq"
    served_dataset().serialize(path, format="nquads")
    with running_server("--dataset", str(path)) as base:
        yield base


@dataclass
class Case:
    """One manifest test against the running server, with the checks its implementations share."""

    base: str
    test: ProtocolTest

    def send(self, index: int = 0) -> Reply:
        """Send the test's ``index``-th request as the manifest writes it (3xx followed)."""
        sent = self.test.requests[index]
        assert sent.path.startswith(MANIFEST_PATH_PREFIX), sent.path
        path = ENDPOINT + sent.path.removeprefix(MANIFEST_PATH_PREFIX)
        return self._send(sent.method, path, dict(sent.headers), sent.body)

    def _send(self, method: str, path: str, headers: dict, body: bytes | None, hops: int = 0):
        reply = call(self.base, path, method, body=body, headers=headers)
        location = reply.headers.get("Location")
        if 300 <= reply.status < 400 and location and hops < 5:
            target = urllib.parse.urljoin(self.base + path, location)
            if not target.startswith(self.base):
                return reply
            target = target[len(self.base) :]
            if reply.status in (307, 308):
                return self._send(method, target, headers, body, hops + 1)
            return self._send("GET", target, {}, None, hops + 1)
        return reply

    def why(self, index: int, reply: Reply) -> str:
        sent = self.test.requests[index]
        return (
            f"{self.test.name} ({self.test.title})\nrequest:\n  {sent.describe()}\n"
            f"answer: {reply.status} {reply.headers.get('Content-Type')}\n"
            f"  {reply.body[:600]!r}"
        )

    # checks the manifest states

    def expect(self, index: int, reply: Reply) -> None:
        """The manifest's ``ht:resp`` for the request: status class, format and boolean."""
        sent = self.test.requests[index]
        assert reply.status // 100 in sent.expected_status, self.why(index, reply)
        if sent.expected_format is not None:
            parsed = self.parse(index, reply, sent.expected_format)
            if sent.expected_boolean is not None:
                assert parsed.askAnswer is sent.expected_boolean, self.why(index, reply)

    def parse(self, index: int, reply: Reply, kind: str):
        """The answer parsed as ``kind`` (``boolean``, ``tabular`` or ``RDF``): a Result or Graph."""
        media = reply.media
        table = {"boolean": BOOLEAN_TYPES, "tabular": TABULAR_TYPES, "RDF": RDF_TYPES}[kind]
        assert media in table, f"not a {kind} media type: {media}\n" + self.why(index, reply)
        if kind == "RDF":
            return Graph().parse(data=reply.body, format=table[media], publicID=self.base)
        parsed = Result.parse(io.BytesIO(reply.body), format=table[media])
        assert parsed.type == ("ASK" if kind == "boolean" else "SELECT"), self.why(index, reply)
        return parsed

    def boolean(self, index: int, expected: bool) -> None:
        """Send the request; a 2xx boolean answer of ``expected`` (the manifest's expectation)."""
        sent = self.test.requests[index]
        assert sent.expected_format == "boolean"
        assert sent.expected_boolean is expected
        self.expect(index, self.send(index))

    def control(self, index: int, old: str, new: str, expected: bool) -> None:
        """Not in the manifest: the request with ``old`` in its URL replaced by ``new`` (one
        dataset parameter dropped or changed) answers ``expected``, so that the manifest's true
        comes from the protocol's dataset and not from, say, a default graph that is the union of
        all graphs whatever the parameters say."""
        sent = self.test.requests[index]
        assert old in sent.path, f"{self.test.name}: {old!r} not in {sent.path!r}"
        path = ENDPOINT + sent.path.replace(old, new).removeprefix(MANIFEST_PATH_PREFIX)
        reply = self._send(sent.method, path, dict(sent.headers), sent.body)
        why = f"control (URL {old!r} -> {new!r}) of " + self.why(index, reply)
        assert reply.status // 100 == 2, why
        assert self.parse(index, reply, "boolean").askAnswer is expected, why

    def client_error(self, index: int = 0) -> Reply:
        """Send the request; the manifest expects a 4xx."""
        assert self.test.requests[index].expected_status == {4}
        reply = self.send(index)
        self.expect(index, reply)
        return reply

    # a read-only service and the update tests

    def refused(self, index: int = 0) -> Reply:
        """Send the update; a read-only service refuses it (400 or 403) instead of the 2xx."""
        reply = self.send(index)
        assert reply.status in REFUSED, self.why(index, reply)
        return reply

    def follow_up_finds_nothing(self, index: int = 1) -> None:
        """The manifest's follow-up ASK (true after a successful update) is false here."""
        sent = self.test.requests[index]
        assert sent.expected_format == "boolean" and sent.expected_boolean is True
        reply = self.send(index)
        assert reply.status // 100 == 2, self.why(index, reply)
        assert self.parse(index, reply, "boolean").askAnswer is False, self.why(index, reply)

    def unchanged(self) -> None:
        """The server still serves exactly the dataset it was started with."""
        query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
        request = urllib.request.Request(
            self.base + ENDPOINT + "?" + urllib.parse.urlencode({"query": query}),
            headers={"Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = json.load(response)["results"]["bindings"]
        found = {tuple(row[v]["value"] for v in ("g", "s", "p", "o")) for row in rows}
        assert found == quads(served_dataset())


# --- one implementation per manifest test ------------------------------------------------------


def query_post_form(case: Case) -> None:
    """POST form ``query=ASK {}``, default-graph-uri data0 in the URL: 2xx, boolean true."""
    case.boolean(0, True)


def query_dataset_default_graphs_get(case: Case) -> None:
    """GET ASK over data1 and data2 as two default-graph-uri: both in one default graph, true
    (control: with data1 alone as the default graph, false)."""
    case.boolean(0, True)
    case.control(0, "&" + DEFAULT_DATA2, "", False)


def query_dataset_default_graphs_post(case: Case) -> None:
    """Direct POST of the same ASK, default-graph-uri data1 and data2 in the URL: true
    (control: with data1 alone as the default graph, false)."""
    case.boolean(0, True)
    case.control(0, "&" + DEFAULT_DATA2, "", False)


def query_dataset_named_graphs_post(case: Case) -> None:
    """Direct POST, GRAPH ?g1 / GRAPH ?g2 over named-graph-uri data1 and data2: true
    (control: with data1 the only named graph, false)."""
    case.boolean(0, True)
    case.control(0, "&" + NAMED_DATA2, "", False)


def query_dataset_named_graphs_get(case: Case) -> None:
    """GET, GRAPH ?g1 / GRAPH ?g2 over named-graph-uri data1 and data2: true (control: with data1
    the only named graph, false)."""
    case.boolean(0, True)
    case.control(0, "&" + NAMED_DATA2, "", False)


def query_dataset_full(case: Case) -> None:
    """default-graph-uri data3 with named-graph-uri data1 and data2: true (controls: data1 as the
    default graph instead of data3, false; data3 instead of data2 as a named graph, false)."""
    case.boolean(0, True)
    case.control(
        0, "default-graph-uri=" + quoted("data3"), "default-graph-uri=" + quoted("data1"), False
    )
    case.control(0, NAMED_DATA2, "named-graph-uri=" + quoted("data3"), False)


def query_multiple_dataset(case: Case) -> None:
    """FROM data3 in the query, named-graph-uri data1 and data2 in the protocol: the protocol's
    dataset replaces the query's (no default graph holds data3), and the GRAPH patterns match."""
    case.boolean(0, True)


def query_get(case: Case) -> None:
    """GET ``?query=ASK {}`` with default-graph-uri data0: true."""
    case.boolean(0, True)


def query_content_type_select(case: Case) -> None:
    """SELECT: a tabular answer (XML, JSON, CSV or TSV) with its one row ``?value = 1``."""
    reply = case.send(0)
    case.expect(0, reply)
    rows = [row.asdict() for row in case.parse(0, reply, "tabular")]
    assert [{k: v.toPython() for k, v in row.items()} for row in rows] in (
        [{"value": 1}],
        [{"value": "1"}],  # CSV and TSV results carry no datatype
    ), case.why(0, reply)


def query_content_type_ask(case: Case) -> None:
    """ASK: a boolean answer (XML or JSON)."""
    reply = case.send(0)
    case.expect(0, reply)
    assert case.parse(0, reply, "boolean").askAnswer is True, case.why(0, reply)


def query_content_type_describe(case: Case) -> None:
    """DESCRIBE: an RDF answer (RDF/XML, Turtle, N-Triples …), empty for an unknown resource."""
    reply = case.send(0)
    case.expect(0, reply)
    assert len(case.parse(0, reply, "RDF")) == 0, case.why(0, reply)


def query_content_type_construct(case: Case) -> None:
    """CONSTRUCT ``{ <s> <p> 1 }`` (relative IRIs, resolved against the service's base): an RDF
    answer with that one triple."""
    reply = case.send(0)
    case.expect(0, reply)
    graph = case.parse(0, reply, "RDF")
    assert len(graph) == 1, case.why(0, reply)
    ((s, p, o),) = graph
    assert isinstance(s, URIRef) and str(s).endswith("s"), case.why(0, reply)
    assert isinstance(p, URIRef) and str(p).endswith("p"), case.why(0, reply)
    assert o == Literal(1), case.why(0, reply)


def update_dataset_default_graph(case: Case) -> None:
    """CLEAR ALL + INSERT with using-graph-uri: refused, nothing written, nothing cleared."""
    case.refused(0)
    case.follow_up_finds_nothing(1)
    case.unchanged()


def update_dataset_default_graphs(case: Case) -> None:
    """DROP ALL + INSERT with two using-graph-uri: refused, nothing written or dropped."""
    case.refused(0)
    case.follow_up_finds_nothing(1)
    case.unchanged()


def update_dataset_named_graphs(case: Case) -> None:
    """DROP ALL + INSERT with two using-named-graph-uri: refused, nothing written or dropped."""
    case.refused(0)
    case.follow_up_finds_nothing(1)
    case.unchanged()


def update_dataset_full(case: Case) -> None:
    """DROP ALL + INSERT with using-graph-uri and using-named-graph-uri: refused, unchanged."""
    case.refused(0)
    case.follow_up_finds_nothing(1)
    case.unchanged()


def update_post_form(case: Case) -> None:
    """Form POST ``update=CLEAR ALL``: refused, nothing cleared."""
    case.refused(0)
    case.unchanged()


def update_post_direct(case: Case) -> None:
    """Direct POST (application/sparql-update) ``CLEAR ALL``: refused, nothing cleared."""
    case.refused(0)
    case.unchanged()


def update_base_uri(case: Case) -> None:
    """INSERT DATA with a relative IRI (the service's BASE): refused, the follow-up ASK false."""
    case.refused(0)
    case.follow_up_finds_nothing(1)
    case.unchanged()


def query_post_direct(case: Case) -> None:
    """Direct POST (application/sparql-query) ``ASK {}``: true."""
    case.boolean(0, True)


def bad_query_method(case: Case) -> None:
    """PUT with a query: 4xx."""
    assert case.test.requests[0].method == "PUT"
    case.client_error(0)


def bad_multiple_queries(case: Case) -> None:
    """GET with two ``query`` parameters: 4xx."""
    case.client_error(0)


def bad_query_wrong_media_type(case: Case) -> None:
    """POST of a query as text/plain: 4xx."""
    case.client_error(0)


def bad_query_missing_form_type(case: Case) -> None:
    """POST of ``query=…`` with no Content-Type: 4xx."""
    assert not case.test.requests[0].headers
    case.client_error(0)


def bad_query_missing_direct_type(case: Case) -> None:
    """POST of ``ASK {}`` with no Content-Type: 4xx."""
    assert not case.test.requests[0].headers
    case.client_error(0)


def bad_query_non_utf8(case: Case) -> None:
    """Direct POST encoded in UTF-16 (charset=UTF-16): 4xx."""
    assert case.test.requests[0].body == "ASK {}".encode("utf-16")
    case.client_error(0)


def bad_query_syntax(case: Case) -> None:
    """GET ``?query=ASK {``: 4xx."""
    case.client_error(0)


def bad_update_get(case: Case) -> None:
    """GET ``?update=CLEAR ALL``: 4xx, nothing cleared."""
    case.client_error(0)
    case.unchanged()


def bad_multiple_updates(case: Case) -> None:
    """Form POST with two ``update`` parameters: 4xx, nothing cleared."""
    case.client_error(0)
    case.unchanged()


def bad_update_wrong_media_type(case: Case) -> None:
    """POST of ``CLEAR NAMED`` as text/plain: 4xx, nothing cleared."""
    case.client_error(0)
    case.unchanged()


def bad_update_missing_form_type(case: Case) -> None:
    """POST of ``update=CLEAR NAMED`` with no Content-Type: 4xx, nothing cleared."""
    case.client_error(0)
    case.unchanged()


def bad_update_non_utf8(case: Case) -> None:
    """Direct update POST encoded in UTF-16: 4xx, nothing cleared."""
    case.client_error(0)
    case.unchanged()


def bad_update_syntax(case: Case) -> None:
    """Form POST ``update=CLEAR XYZ``: 4xx, unchanged."""
    case.client_error(0)
    case.unchanged()


def bad_update_dataset_conflict(case: Case) -> None:
    """using-named-graph-uri together with WITH in the update: 4xx, unchanged."""
    case.client_error(0)
    case.unchanged()


IMPLEMENTATIONS: dict[str, Callable[[Case], None]] = {
    f.__name__: f
    for f in (
        query_post_form,
        query_dataset_default_graphs_get,
        query_dataset_default_graphs_post,
        query_dataset_named_graphs_post,
        query_dataset_named_graphs_get,
        query_dataset_full,
        query_multiple_dataset,
        query_get,
        query_content_type_select,
        query_content_type_ask,
        query_content_type_describe,
        query_content_type_construct,
        update_dataset_default_graph,
        update_dataset_default_graphs,
        update_dataset_named_graphs,
        update_dataset_full,
        update_post_form,
        update_post_direct,
        update_base_uri,
        query_post_direct,
        bad_query_method,
        bad_multiple_queries,
        bad_query_wrong_media_type,
        bad_query_missing_form_type,
        bad_query_missing_direct_type,
        bad_query_non_utf8,
        bad_query_syntax,
        bad_update_get,
        bad_multiple_updates,
        bad_update_wrong_media_type,
        bad_update_missing_form_type,
        bad_update_non_utf8,
        bad_update_syntax,
        bad_update_dataset_conflict,
    )
}


# --- the tests ---------------------------------------------------------------------------------


def test_manifest_is_the_vendored_one():
    assert len(TESTS) == ENTRY_COUNT
    assert len(BY_NAME) == ENTRY_COUNT  # no duplicate entries
    for test in TESTS:
        assert test.requests, test.name
        for sent in test.requests:
            assert sent.method and sent.path.startswith(MANIFEST_PATH_PREFIX), test.name
            assert sent.expected_status, test.name
        for _, file in test.graph_data:
            assert (HERE / file).is_file(), f"{test.name}: {file} is not vendored"


def test_every_implementation_names_a_manifest_entry():
    assert sorted(set(IMPLEMENTATIONS) - set(BY_NAME)) == []


def test_served_dataset_holds_every_graph_the_manifest_names():
    """Each graph IRI a request sends (default-graph-uri, named-graph-uri) is one the service
    holds: the tests exercise the protocol, not the refusal of unknown graphs."""
    held = {g for g, *_ in quads(served_dataset())}
    for test in TESTS:
        for sent in test.requests:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(sent.path).query)
            for key in ("default-graph-uri", "named-graph-uri"):
                for iri in query.get(key, []):
                    assert iri in held, f"{test.name}: {key}={iri}"


@pytest.mark.parametrize("name", [t.name for t in TESTS])
def test_w3c_protocol(name: str, server: str) -> None:
    implementation = IMPLEMENTATIONS.get(name)
    if implementation is None:
        pytest.fail(f"manifest entry {name!r} has no implementation in IMPLEMENTATIONS")
    implementation(Case(server, BY_NAME[name]))
