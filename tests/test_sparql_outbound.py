"""No query reaches outside the store: every SSRF form — SERVICE anywhere and in every lexical
disguise, FROM/FROM NAMED on http: and file:, LOAD, the protocol's dataset parameters — sent
through every channel (GET, form POST, direct POST, ``kg query``) to real servers on both engines
makes no connection to a listener on loopback and reads no local file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.cli import cli
from tests.conftest import running_server
from tests.outbound import Listener, tricky_queries
from tests.sparql_http import LIBRARY, call, form

SECRET = "a-local-secret-no-answer-may-hold"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("local") / "secret.nt"
    path.write_text(f'<http://e/s> <http://e/p> "{SECRET}" .\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def server(request) -> Iterator[str]:
    with running_server("--dataset", str(LIBRARY), "--store", request.param) as base:
        yield base


def ssrf_queries(port: int, secret: Path) -> list[str]:
    url = f"http://127.0.0.1:{port}/"
    files = [secret.as_uri(), "file:///etc/passwd"]
    return [
        *tricky_queries(port),
        *(f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}" for iri in [f"{url}g", *files]),
        *(
            f"SELECT * FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
            for iri in [f"{url}g", *files]
        ),
        f"LOAD <{url}g>",
        f"LOAD SILENT <{secret.as_uri()}> INTO GRAPH <http://e/g>",
    ]


def channels(query: str) -> Iterator[tuple[str, dict, bytes | None, dict]]:
    yield "GET", {"query": query}, None, {}
    body, headers = form({"query": query})
    yield "POST", {}, body, headers
    yield "POST", {}, query.encode("utf-8"), {"Content-Type": "application/sparql-query"}


def test_no_channel_reaches_out(server, listener, secret_file):
    answered = 0
    for query in ssrf_queries(listener.port, secret_file):
        for method, params, body, headers in channels(query):
            reply = call(server, "/sparql", method, params=params, body=body, headers=headers)
            assert reply.status < 500, (query, reply.status, reply.text)
            assert SECRET not in reply.text and "root:x:0" not in reply.text, query
            answered += reply.status == 200
    for iri in (f"http://127.0.0.1:{listener.port}/g", secret_file.as_uri()):
        for parameter in ("default-graph-uri", "named-graph-uri"):
            reply = call(
                server, "/sparql", params={"query": "SELECT * { ?s ?p ?o }", parameter: iri}
            )
            assert reply.status == 200, reply.text  # an empty graph, not a fetched one
            assert SECRET not in reply.text
    time.sleep(0.5)
    assert listener.connections == 0
    assert answered > 0  # harmless look-alikes (in strings, IRIs, comments) are answered


def test_kg_query_does_not_reach_out(runner, listener, secret_file):
    for query in ssrf_queries(listener.port, secret_file):
        result = runner.invoke(cli, ["query", query, "--dataset", str(LIBRARY)])
        assert result.exit_code in (0, 2), (query, result.output)
        assert "Traceback" not in result.output
        assert SECRET not in result.output and "root:x:0" not in result.output
    time.sleep(0.5)
    assert listener.connections == 0
