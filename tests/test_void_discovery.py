"""What a dataset search engine or a linked-data crawler needs from the VoID/DCAT description:
who made the data and whom to ask, its licence and keywords, a dump for each format the service
offers, a few resources to start from and the SPARQL endpoint, checked with SPARQL ASKs on the
served ``/.well-known/void`` and on a release's ``void.ttl``."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph

from kg.cli import cli
from kg.publish.void import CREATOR, EXAMPLE_RESOURCES, KEYWORDS, checked_contact
from server import create_app, sparql
from server.downloads import DUMPS
from tests.conftest import REPO

PREFIXES = """
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
"""
DESCRIBED = (
    PREFIXES
    + """
ASK {
  ?d a void:Dataset, dcat:Dataset ;
     dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
     dcterms:creator [ a foaf:Organization ; foaf:name "Peace Talks KG contributors" ] ;
     dcat:contactPoint [ a vcard:Organization ; vcard:fn "Peace Talks KG contributors" ] ;
     dcat:keyword "knowledge graph"@en, "peace negotiations"@en .
}"""
)


def ask(graph: Graph, query: str) -> bool:
    return bool(graph.query(query).askAnswer)


@pytest.fixture(scope="module")
def curated_app(curated_root):
    app = create_app(
        {"TESTING": True, "PTKG_ROOT": str(curated_root), "PTKG_CONTACT": "mailto:ptkg@example.org"}
    )
    yield app
    sparql.shutdown(app)


@pytest.fixture(scope="module")
def served(curated_app) -> Graph:
    reply = curated_app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    return Graph().parse(data=reply.data, format="turtle")


def test_served_void_names_creator_contact_licence_and_keywords(served):
    assert ask(served, DESCRIBED)
    assert ask(
        served, PREFIXES + "ASK { ?d dcat:contactPoint/vcard:hasEmail <mailto:ptkg@example.org> }"
    )


def test_served_void_lists_a_dump_for_every_download_and_each_answers(served, curated_app):
    dumps = {
        str(o) for o in served.objects(None, served.namespace_manager.expand_curie("void:dataDump"))
    }
    assert {d.rsplit("/", 1)[1] for d in dumps} == set(DUMPS)
    client = curated_app.test_client()
    for dump in sorted(dumps):
        assert dump.startswith("http://localhost/downloads/")
        assert client.head(dump.removeprefix("http://localhost")).status_code == 200


def test_served_void_gives_three_real_example_resources_and_the_endpoint(served, curated_app):
    for resource in EXAMPLE_RESOURCES:
        assert ask(served, PREFIXES + f"ASK {{ ?d void:exampleResource <{resource}> }}")
        page = "/id/" + str(resource).split("/id/", 1)[1]
        assert curated_app.test_client().get(page).status_code == 303
    assert len(EXAMPLE_RESOURCES) == 3
    assert ask(served, PREFIXES + "ASK { ?d void:sparqlEndpoint <http://localhost/sparql> }")


def test_without_a_contact_the_vcard_points_nowhere(client):
    reply = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    found = Graph().parse(data=reply.data, format="turtle")
    assert ask(found, DESCRIBED)
    assert not ask(found, PREFIXES + "ASK { ?c vcard:hasURL|vcard:hasEmail ?a }")


def test_a_bad_contact_is_refused_with_one_line():
    with pytest.raises(ValueError, match="https:// address or a mailto:"):
        checked_contact("ptkg@example.org")
    assert checked_contact("https://example.org/issues") == "https://example.org/issues"


def test_release_metadata_says_the_same(curated_root, tmp_path):
    out = tmp_path / "release"
    result = CliRunner().invoke(
        cli,
        [
            "release",
            "--root",
            str(curated_root),
            "--out",
            str(out),
            "--version",
            "9.9.9",
            "--contact",
            "https://example.org/issues",
        ],
    )
    assert result.exit_code == 0, result.output
    void = Graph().parse(out / "void.ttl", format="turtle")
    assert ask(void, DESCRIBED)
    assert ask(
        void, PREFIXES + "ASK { ?d dcat:contactPoint/vcard:hasURL <https://example.org/issues> }"
    )
    for resource in EXAMPLE_RESOURCES:
        assert ask(void, PREFIXES + f"ASK {{ ?d void:exampleResource <{resource}> }}")


def test_a_release_refuses_a_bad_contact(curated_root, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["release", "--root", str(curated_root), "--out", str(tmp_path / "r"), "--contact", "me"],
    )
    assert result.exit_code == 2
    assert "not a contact address" in result.output
    assert not (tmp_path / "r").exists()


def test_creator_and_keywords_are_those_of_the_citation():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert [a["name"] for a in citation["authors"]] == [CREATOR]
    assert tuple(citation["keywords"]) == KEYWORDS
