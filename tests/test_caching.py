"""Cache validators (ETag, Cache-Control, 304 on If-None-Match compared weakly) and the public
address behind a reverse proxy (``PTKG_PUBLIC_URL``; forwarded headers only from a trusted
proxy)."""

from __future__ import annotations

import urllib.request

import pytest
from rdflib import Graph, URIRef

from kg.rdf.namespaces import SD
from server import create_app, sparql
from server.caching import etag_for
from tests.conftest import running_server

TURTLE = {"Accept": "text/turtle"}
CACHED = [
    "/page/actor/russia",
    "/page/actor/russia.json",
    "/data/actor/russia.ttl",
    "/ontology.ttl",
    "/",
    "/.well-known/void",
]


@pytest.fixture
def make_app(fixture_project):
    made = []

    def make(**config):
        app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project), **config})
        made.append(app)
        return app

    yield make
    for app in made:
        sparql.shutdown(app)


@pytest.mark.parametrize("path", CACHED)
def test_pages_and_data_have_validators_and_answer_304(client, path):
    first = client.get(path)
    assert first.status_code == 200
    tag, weak = first.get_etag()
    assert tag and weak
    assert first.headers["Cache-Control"] == "public, max-age=300"
    for sent in (f'W/"{tag}"', f'"{tag}"', f'"other", W/"{tag}"', "*"):
        again = client.get(path, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.data == b""
        assert again.get_etag() == (tag, True)
        assert "max-age=300" in again.headers["Cache-Control"]
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_each_representation_has_its_own_tag_and_says_it_varies(client):
    html = client.get("/ontology", headers={"Accept": "text/html"})
    turtle = client.get("/ontology", headers=TURTLE)
    assert html.get_etag()[0] != turtle.get_etag()[0]
    assert "Accept" in turtle.headers["Vary"]
    stale = client.get("/ontology", headers={**TURTLE, "If-None-Match": html.headers["ETag"]})
    assert stale.status_code == 200


def test_a_new_build_changes_every_tag(app, client):
    response = client.get("/data/actor/russia.ttl")
    with app.test_request_context("/data/actor/russia.ttl"):
        assert response.get_etag()[0] == etag_for(
            app.extensions["ptkg.served-build"].sha256, response
        )
        assert etag_for("0" * 64, response) != response.get_etag()[0]


def test_downloads_keep_their_tag_and_get_a_max_age(make_app):
    client = make_app(PTKG_CACHE_MAX_AGE=60).test_client()
    response = client.get("/downloads/ptkg.ttl")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/downloads/ptkg.ttl", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "public, max-age=60"


def test_sparql_answers_are_not_stored(client):
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/health").headers["Cache-Control"] == "no-store"


def _endpoint(client, **headers) -> URIRef:
    answer = client.get("/sparql", headers={**TURTLE, **headers})
    description = Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    [endpoint] = description.objects(None, SD.endpoint)
    return endpoint


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Prefix": "/kg",
}


def test_the_description_names_the_public_address(make_app):
    client = make_app(PTKG_PUBLIC_URL="https://peacetalks.example.org/kg").test_client()
    assert _endpoint(client, **FORWARDED) == URIRef("https://peacetalks.example.org/kg/sparql")
    void = client.get("/.well-known/void", headers=TURTLE).get_data(as_text=True)
    assert "http://localhost" not in void and "https://peacetalks.example.org/kg/" in void
    page = client.get("/data/actor/russia.ttl")
    assert "</kg/page/actor/russia>" in page.headers["Link"]


def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(make_app):
    client = make_app().test_client()
    assert _endpoint(client, **FORWARDED) == URIRef("http://localhost/sparql")
    trusting = make_app(PTKG_TRUSTED_PROXY="10.0.0.0/8").test_client()
    assert _endpoint(trusting, **FORWARDED) == URIRef("http://localhost/sparql")
    from_proxy = {"REMOTE_ADDR": "10.1.2.3"}
    answer = trusting.get("/sparql", headers={**TURTLE, **FORWARDED}, environ_base=from_proxy)
    assert "<https://evil.example/kg/sparql>" in answer.get_data(as_text=True)


def test_a_bad_public_url_is_refused(make_app, runner):
    with pytest.raises(ValueError, match="not an http"):
        make_app(PTKG_PUBLIC_URL="peacetalks.example.org")
    from server.cli import serve

    result = runner.invoke(serve, ["--public-url", "ftp://x/", "--get", "/health"])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output


def test_the_real_server_behind_a_public_address(good_project):
    public = "https://peacetalks.example.org/"
    with running_server("--root", str(good_project), "--public-url", public) as base:
        request = urllib.request.Request(base + "/sparql", headers=TURTLE)
        with urllib.request.urlopen(request, timeout=30) as answer:
            description = Graph().parse(data=answer.read(), format="turtle")
        assert set(description.objects(None, SD.endpoint)) == {URIRef(public + "sparql")}


def test_each_language_of_a_page_has_its_own_tag(client):
    english = client.get("/page/actor/russia", headers={"Accept-Language": "en"})
    ukrainian = client.get("/page/actor/russia", headers={"Accept-Language": "uk"})
    assert "Accept-Language" in ukrainian.headers["Vary"]
    assert english.headers["ETag"] != ukrainian.headers["ETag"]
    asked = client.get(
        "/page/actor/russia",
        headers={"Accept-Language": "uk", "If-None-Match": english.headers["ETag"]},
    )
    assert asked.status_code == 200
    assert asked.headers["Content-Language"] == "uk"
    again = client.get(
        "/page/actor/russia",
        headers={"Accept-Language": "uk", "If-None-Match": ukrainian.headers["ETag"]},
    )
    assert again.status_code == 304
    assert "Accept-Language" in again.headers["Vary"]
