"""What an operator runs the service with: ``/health``, ``/metrics`` (Prometheus text format
0.0.4, checked line by line against its grammar), the request id and the access log."""

from __future__ import annotations

import json
import logging
import re
import urllib.request

import pytest

from kg.pipeline.manifest import read_manifest
from server import sparql
from server.identity import source_file
from server.metrics import Metrics, escape_label
from tests.conftest import running_server

QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"

# The exposition format's grammar, one line at a time.
NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
LABELS = (
    rf"\{{(?:[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE}(?:,[a-zA-Z_][a-zA-Z0-9_]*={LABEL_VALUE})*)?\}}"
)
VALUE = r"(?:[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|[+-]Inf|NaN)"
SAMPLE = re.compile(rf"({NAME})({LABELS})? {VALUE}(?: -?\d+)?")
HELP = re.compile(rf"# HELP ({NAME}) (?:[^\\\n]|\\[\\n])*")
TYPE = re.compile(rf"# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)")


def parse_exposition(text: str) -> dict[str, str]:
    """Each metric family's type, after checking every line against the grammar: HELP and TYPE
    before a family's samples, each family once, samples only of the declared families."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    helped: set[str] = set()
    current = None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP"):
            found = HELP.fullmatch(line)
            assert found, line
            assert found[1] not in helped, f"two HELP lines for {found[1]}"
            helped.add(found[1])
            current = found[1]
        elif line.startswith("# TYPE"):
            found = TYPE.fullmatch(line)
            assert found and found[1] == current and found[1] not in types, line
            types[found[1]] = found[2]
        else:
            found = SAMPLE.fullmatch(line)
            assert found, line
            name = found[1]
            family = (
                re.sub(r"_(bucket|sum|count)$", "", name)
                if current and (types.get(current) == "histogram")
                else name
            )
            assert family == current, f"sample {name} outside its family {current}"
    return types


def samples(text: str, name: str) -> dict[str, float]:
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


def test_health_names_the_build_and_the_workers(app, client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    manifest = read_manifest(source_file(app.config))
    assert manifest is not None
    assert body["ok"] is True
    assert body["build"] == {"sha256": manifest.sha256, "triples": manifest.quads}
    assert body["workers"]["configured"] == sparql.query_pool(app).size
    assert body["workers"]["alive"] == body["workers"]["configured"]
    assert body["version"]
    assert "no-store" in response.headers["Cache-Control"]


def test_health_is_503_with_the_same_shape_when_no_worker_is_alive(app, client):
    pool = sparql.query_pool(app)
    pool.start()
    pool.shutdown()  # every worker stopped; none is started again
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ok"] is False and body["workers"]["alive"] == 0
    assert set(body) == {"ok", "version", "build", "workers"}


def test_metrics_follow_the_exposition_format(client):
    client.get("/sparql", query_string={"query": QUERY})
    client.get("/sparql", query_string={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    client.get("/no/such/page")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    types = parse_exposition(text)
    assert types["ptkg_http_requests_total"] == "counter"
    assert types["ptkg_http_request_duration_seconds"] == "histogram"
    assert types["ptkg_build_triples"] == "gauge"
    for name in ("ptkg_sparql_timeouts_total", "ptkg_sparql_refused_total"):
        assert types[name] == "counter"
    assert types["ptkg_worker_restarts_total"] == "counter"
    requests = samples(text, "ptkg_http_requests_total")
    assert requests['ptkg_http_requests_total{route="/sparql",method="GET",status="200"}'] == 1
    assert requests['ptkg_http_requests_total{route="unmatched",method="GET",status="404"}'] == 1
    assert samples(text, "ptkg_sparql_refused_total") == {
        'ptkg_sparql_refused_total{reason="guard"}': 1
    }
    buckets = samples(text, "ptkg_http_request_duration_seconds_bucket")
    inf = buckets['ptkg_http_request_duration_seconds_bucket{route="/sparql",le="+Inf"}']
    assert inf == 2  # cumulative: the last bucket holds every request of the route
    assert samples(text, "ptkg_build_triples")["ptkg_build_triples"] > 0


def test_label_values_are_escaped():
    counted = Metrics()
    counted.observe('/odd"\\\nroute', "GET", 200, 0.001)
    text = "\n".join(counted.lines()) + "\n"
    parse_exposition(text)
    assert '{route="/odd\\"\\\\\\nroute"' in text
    assert escape_label('a"b') == 'a\\"b'


def test_each_app_counts_its_own_requests(app, client):
    client.get("/health")
    other = Metrics()
    assert not samples("\n".join(other.lines()), "ptkg_http_requests_total")


def test_the_request_id_is_echoed_logged_and_in_the_error_shape(client, caplog):
    caplog.set_level(logging.INFO, logger="ptkg.access")
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT"},
        headers={"X-Request-Id": "abc-123", "User-Agent": 'tester "1"'},
    )
    assert response.status_code == 400
    assert response.headers["X-Request-Id"] == "abc-123"
    assert response.get_json()["request_id"] == "abc-123"
    [line] = [r.getMessage() for r in caplog.records if r.name == "ptkg.access"]
    fields = line.split(" ", 7)
    assert fields[1:6] == ["abc-123", "127.0.0.1", "GET", "/sparql", "400"]
    assert int(fields[6]) == len(response.data)
    duration, agent = fields[7].split(" ", 1)
    assert float(duration) >= 0
    assert json.loads(agent) == 'tester "1"'


@pytest.mark.parametrize("sent", ["", "a b", "x" * 200, "evil\r\nSet-Cookie: x", "ü"])
def test_an_insane_request_id_is_replaced(client, sent):
    response = client.get("/health", headers={"X-Request-Id": sent.encode("utf-8")})
    echoed = response.headers["X-Request-Id"]
    assert echoed != sent and re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_the_real_server_answers_health_and_metrics(good_project):
    with running_server("--root", str(good_project)) as base:
        with urllib.request.urlopen(base + "/health", timeout=30) as answer:
            body = json.load(answer)
            assert body["ok"] and body["workers"]["alive"] >= 1
        with urllib.request.urlopen(base + "/metrics", timeout=30) as answer:
            parse_exposition(answer.read().decode("utf-8"))
