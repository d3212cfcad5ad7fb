"""The schema.org ``Dataset`` markup of the home page and of each release page, parsed as JSON-LD
by rdflib and checked against the data: what dataset search engines index."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from kg.cli import cli
from kg.publish.quads import read_quads
from kg.publish.schemaorg import quad_dates, temporal_coverage
from kg.publish.void import CREATOR, KEYWORDS, LICENSE
from kg.rdf.periods import interval_of
from server import create_app, sparql
from server.downloads import DUMPS

SDO = Namespace("https://schema.org/")
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def markup(html: str) -> tuple[dict, Graph]:
    """The page's one JSON-LD block, and its triples (the schema.org context given locally, as
    the test runs offline)."""
    [block] = SCRIPT.findall(html)
    document = json.loads(block)
    assert document["@context"] == "https://schema.org/"
    local = {**document, "@context": {"@vocab": str(SDO)}}
    return document, Graph().parse(data=json.dumps(local), format="json-ld")


def fetch(client, path: str):
    """A response, read and closed (a served file is held open until then)."""
    reply = client.get(path)
    reply.get_data()
    reply.close()
    return reply


def check_common(found: Graph, dataset: URIRef) -> None:
    assert (dataset, RDF.type, SDO.Dataset) in found
    assert found.value(dataset, SDO.license) == Literal(str(LICENSE))
    creator = found.value(dataset, SDO.creator)
    assert found.value(creator, SDO.name) == Literal(CREATOR)
    assert {str(k) for k in found.objects(dataset, SDO.keywords)} == set(KEYWORDS)
    assert found.value(dataset, SDO.description) is not None
    assert found.value(dataset, SDO.spatialCoverage) is None  # no single place is certain
    assert found.value(dataset, SDO.includedInDataCatalog) is None


def check_downloads(client, found: Graph, dataset: URIRef, names: set[str]) -> None:
    """Every ``DataDownload`` answers on the app with the media type it states."""
    seen = set()
    for download in found.objects(dataset, SDO.distribution):
        assert (download, RDF.type, SDO.DataDownload) in found
        url = str(found.value(download, SDO.contentUrl))
        media = str(found.value(download, SDO.encodingFormat))
        reply = fetch(client, url.removeprefix("http://localhost"))
        assert reply.status_code == 200, url
        assert reply.mimetype == media, url
        seen.add(url.rsplit("/", 1)[1])
    assert seen == names


def check_coverage(coverage: str, quads) -> None:
    """The span runs from a statement date that no other starts before to one that no other
    ends after, both written as the data writes them."""
    dates = quad_dates(quads)
    spans = {str(d): interval_of(d) for d in dates}
    first, _, last = coverage.partition("/")
    last = last or first
    assert first in spans and last in spans
    known = [s for s in spans.values() if s is not None]
    assert spans[first].start == min(s.start for s in known)
    assert spans[last].end == max(s.end for s in known)


@pytest.fixture(scope="module")
def curated_app(curated_root):
    app = create_app({"TESTING": True, "PTKG_ROOT": str(curated_root)})
    yield app
    sparql.shutdown(app)


def test_home_page_describes_the_served_dataset(curated_app, curated_build):
    client = curated_app.test_client()
    document, found = markup(client.get("/").get_data(as_text=True))
    dataset = URIRef(document["@id"])
    check_common(found, dataset)
    assert found.value(dataset, SDO.name) == Literal("Peace Talks KG")
    assert str(found.value(dataset, SDO.url)) == "http://localhost/"
    check_coverage(str(found.value(dataset, SDO.temporalCoverage)), read_quads(curated_build))
    check_downloads(client, found, dataset, set(DUMPS))


def test_temporal_coverage_keeps_each_end_as_precise_as_the_data():
    day = Literal("2024-06-14", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))
    month = Literal("2025-08", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYearMonth"))
    assert temporal_coverage([month, day]) == "2024-06-14/2025-08"
    assert temporal_coverage([day]) == "2024-06-14"
    assert temporal_coverage([]) is None


@pytest.fixture
def released(fixture_project):
    result = CliRunner().invoke(
        cli,
        ["release", "--root", str(fixture_project), "--version", "1.2.0", "--date", "2026-02-03"],
    )
    assert result.exit_code == 0, result.output
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project)})
    yield app, fixture_project / "releases" / "1.2.0"
    sparql.shutdown(app)


def test_each_release_page_describes_its_release(released):
    app, folder = released
    client = app.test_client()
    listing = client.get("/release/").get_data(as_text=True)
    assert 'href="/release/1.2.0/"' in listing
    page = client.get("/release/1.2.0/")
    assert page.status_code == 200
    document, found = markup(page.get_data(as_text=True))
    dataset = URIRef("https://w3id.org/peace-talks-kg/release/1.2.0/")
    assert document["@id"] == str(dataset)
    check_common(found, dataset)
    assert found.value(dataset, SDO.version) == Literal("1.2.0")
    assert found.value(dataset, SDO.datePublished) == Literal("2026-02-03")
    assert found.value(dataset, SDO.name) == Literal("Peace Talks KG 1.2.0")
    coverage = found.value(dataset, SDO.temporalCoverage)
    if coverage is not None:
        check_coverage(str(coverage), read_quads(folder / "ptkg.nq"))
    check_downloads(client, found, dataset, {n for n in DUMPS})


def test_release_files_are_served_and_nothing_else(released):
    app, folder = released
    client = app.test_client()
    reply = fetch(client, "/release/1.2.0/void.ttl")
    assert reply.status_code == 200 and reply.mimetype == "text/turtle"
    assert reply.data == (folder / "void.ttl").read_bytes()
    assert fetch(client, "/release/1.2.0/csv/statements.csv").status_code == 200
    assert client.get("/release/9.9.9/").status_code == 404
    assert client.get("/release/1.2.0/nothing.txt").status_code == 404
    assert client.get("/release/1.2.0/../../data/actors.ttl").status_code == 404
    assert client.get("/release/1.2.0").status_code == 308


def test_a_project_without_releases_lists_none(client):
    page = client.get("/release/")
    assert page.status_code == 200
    assert "No release has been made here yet" in page.get_data(as_text=True)
    assert client.get("/release/0.1.0/").status_code == 404
