"""docs/hosting.md says what the service does: its nginx headers, sent from the proxy's
address, make the service write the public address; its kg serve command line is accepted;
its health check, scrape path and log line are what the app answers and writes."""

from __future__ import annotations

import logging
import re
import shlex

import pytest
from rdflib import Graph, URIRef

from kg.rdf.namespaces import SD
from server import create_app, sparql
from server.cli import serve
from tests.conftest import REPO

PAGE = (REPO / "docs" / "hosting.md").read_text()
NGINX_VARIABLES = {
    "$host": "peacetalks.example.org",
    "$scheme": "https",
    "$proxy_add_x_forwarded_for": "203.0.113.7",
    "$request_id": "4f1c0e2a9b7d4e55a1c3d2b0e9f87a6c",
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE, flags=re.S)


def nginx_headers() -> dict[str, str]:
    [config] = blocks("nginx")
    found = re.findall(r"proxy_set_header (\S+) (\S+);", config)
    return {name: NGINX_VARIABLES.get(value, value) for name, value in found}


@pytest.fixture
def behind_nginx(fixture_project):
    """The app as docs/hosting.md runs it: nginx on the same machine is the trusted proxy."""
    [command] = [line for line in blocks("sh")[0].splitlines() if line.startswith("kg serve")]
    words = shlex.split(command)
    proxy = words[words.index("--trusted-proxy") + 1]
    app = create_app(
        {"TESTING": True, "PTKG_ROOT": str(fixture_project), "PTKG_TRUSTED_PROXY": proxy}
    )
    yield app, proxy
    sparql.shutdown(app)


def test_the_serve_command_lines_are_accepted():
    for block in blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line)
            if "serve" not in words:
                continue
            args = words[words.index("serve") + 1 :]
            serve.make_context("serve", args)  # raises on an option kg serve does not have


def test_the_nginx_headers_give_the_public_address(behind_nginx, caplog):
    app, proxy = behind_nginx
    headers = {**nginx_headers(), "Accept": "text/turtle"}
    assert headers["X-Forwarded-Prefix"] == "/kg"
    caplog.set_level(logging.INFO, logger="ptkg.access")
    answer = app.test_client().get("/sparql", headers=headers, environ_base={"REMOTE_ADDR": proxy})
    description = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    assert set(description.objects(None, SD.endpoint)) == {
        URIRef("https://peacetalks.example.org/kg/sparql")
    }
    assert answer.headers["X-Request-Id"] == NGINX_VARIABLES["$request_id"]
    [line] = [r.getMessage() for r in caplog.records if r.name == "ptkg.access"]
    [example] = blocks("text")
    shape = r"\S+ [0-9a-f]{32} 203\.0\.113\.7 GET /sparql 200 \d+ \d+\.\d \"[^\"]*\""
    assert re.fullmatch(shape, example.strip()), example
    assert re.fullmatch(shape, line), line


def test_without_the_proxy_the_headers_change_nothing(behind_nginx):
    app, _ = behind_nginx
    headers = {**nginx_headers(), "Accept": "text/turtle"}
    answer = app.test_client().get(
        "/sparql", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.9"}
    )
    description = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    # the Host header is the request's own; the forwarded scheme and prefix are not believed
    assert set(description.objects(None, SD.endpoint)) == {
        URIRef("http://peacetalks.example.org/sparql")
    }


def test_the_public_url_example(fixture_project):
    [line] = [b for b in blocks("sh") if b.startswith("PTKG_PUBLIC_URL=")]
    public = re.search(r"PTKG_PUBLIC_URL=(\S+)", line)[1]
    app = create_app(
        {"TESTING": True, "PTKG_ROOT": str(fixture_project), "PTKG_PUBLIC_URL": public}
    )
    try:
        answer = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
        assert f"<{public}sparql>" in answer.get_data(as_text=True)
    finally:
        sparql.shutdown(app)


def test_the_health_check_and_scrape_paths(behind_nginx):
    app, _ = behind_nginx
    client = app.test_client()
    [check] = [b for b in blocks("sh") if "curl" in b]
    path = re.search(r"http://127\.0\.0\.1:5000(/\S*)", check)[1]
    assert client.get(path).get_json()["ok"] is True
    [scrape] = blocks("yaml")
    metrics_path = re.search(r"metrics_path: (\S+)", scrape)[1]
    answer = client.get(metrics_path)
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    for name in re.findall(r"^\| `(ptkg_[a-z_]+)", PAGE, flags=re.M):
        assert f"# TYPE {name} " in answer.get_data(as_text=True), name
