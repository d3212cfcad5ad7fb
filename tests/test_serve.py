"""The server: in-process through Flask's client, and as a real process on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from tests.conftest import running_server


def test_home_page_says_what_the_graph_holds(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Position statements" in page
    assert "graph/data/statements.ttl" in page


def test_sparql_get_returns_json_results(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s a pt:State }"})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert len(response.get_json()["results"]["bindings"]) == 2


def test_sparql_syntax_error_is_400_with_the_parsers_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and "syntax" in body["error"]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get_content_type(), json.load(response)


def test_real_server_answers_sparql_over_http(good_project):
    query = "SELECT ?label WHERE { ?s a pt:PositionStatement ; rdfs:label ?label } ORDER BY ?label"
    with running_server("--root", str(good_project)) as base:
        status, media, body = _get_json(f"{base}/sparql?{urllib.parse.urlencode({'query': query})}")
    assert status == 200
    assert media == "application/sparql-results+json"
    labels = [b["label"]["value"] for b in body["results"]["bindings"]]
    assert labels == ["Russia demands that A withdraws", "Ukraine demands that B withdraws"]
