"""Curation provenance end to end, over tests/fixtures/datasets/curation.trig (one corrected and one
retracted statement, a correction recorded by a curator): the data conforms to the shapes with either
validator; the temporal questions count neither invalidated statement; the corrected statement's page
names its correction and why; the retracted one's IRI answers 410 Gone for HTML, JSON and Turtle with
the reason; ``/sparql`` still finds both."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.cli import cli
from kg.pipeline.build import write_nquads
from kg.pipeline.derive import derive_dataset
from kg.pipeline.validate import validate
from kg.questions import ask
from kg.rdf.namespaces import GRAPH, PROV, PT, bind_prefixes
from kg.store import open_store
from server import create_app
from tests.asking import local, statements, summary
from tests.conftest import FIXTURES, REPO

CURATION = FIXTURES / "datasets" / "curation.trig"
STATEMENT = "https://w3id.org/peace-talks-kg/id/statement/"
CORRECTED = URIRef(STATEMENT + "putin-2024-06-14-renounce-nato")
CORRECTION = URIRef(STATEMENT + "putin-2024-07-14-renounce-nato")
RETRACTED = URIRef(STATEMENT + "putin-2024-05-01-neutrality")
RETRACTED_REASON = "Recorded by mistake: the quote says nothing of neutrality."
ENGINES_LOCAL = ("oxigraph", "rdflib")


def curated() -> Graph:
    found = Graph()
    found.parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    dataset = Dataset()
    dataset.parse(CURATION, format="trig")
    for quad in dataset.quads((None, None, None, None)):
        found.add(quad[:3])
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture as ``kg build`` would serve it: ontology, data and derived lifecycles."""
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    dataset.graph(GRAPH["ontology/ptkg.ttl"]).parse(REPO / "ontology" / "ptkg.ttl")
    source = Dataset()
    source.parse(CURATION, format="trig")
    for s, p, o, g in source.quads((None, None, None, None)):
        dataset.graph(g).add((s, p, o))
    derive_dataset(dataset)
    path = tmp_path_factory.mktemp("curation") / "curation.nq"
    write_nquads(dataset, path)
    return path


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "PTKG_DATASET": str(built)}).test_client()


# --- the model ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", [False, True], ids=["fast", "pyshacl"])
def test_the_fixture_conforms_to_the_shapes(reference):
    from tests.validation_graphs import shapes

    result = validate(curated(), shapes(), reference=reference)
    assert result.engine == ("pyshacl" if reference else "fast")
    assert result.conforms, result.text


def test_correction_and_corrected_name_each_other_and_keep_their_triples():
    graph = curated()
    assert (CORRECTION, PROV.wasRevisionOf, CORRECTED) in graph
    assert (CORRECTED, PT.correctedBy, CORRECTION) in graph
    assert (CORRECTED, PT.stance, PT.Demands) in graph
    stamp = graph.value(CORRECTION, PROV.generatedAtTime)
    assert stamp == Literal("2026-12-01T10:00:00Z", datatype=XSD.dateTime)


# --- the questions --------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES_LOCAL)
@pytest.mark.parametrize(
    ("question", "params", "expected"),
    [
        # without the exclusion, the misdated 14 June statement and the retracted 1 May one would
        # both be held at the end of June
        ("position", {"at": "2024-06"}, {}),
        ("position", {"at": "2024-07"}, {"ukraine-renounces-nato-membership": "certain"}),
        (
            "added",
            {"from": "2024-06", "to": "2024-07"},
            {"ukraine-renounces-nato-membership": "certain"},
        ),
    ],
)
def test_questions_count_neither_the_corrected_nor_the_retracted(
    built, engine, question, params, expected
):
    store = open_store(engine)
    store.load_file(built)
    assert summary(ask(store, question, {"party": "russia", **params})) == expected


@pytest.mark.parametrize("engine", ENGINES_LOCAL)
def test_the_timeline_lists_the_correction_only(built, engine):
    store = open_store(engine)
    store.load_file(built)
    nato = ask(store, "timeline", {"position": "ukraine-renounces-nato-membership"})
    assert [statements(i) for i in nato.items] == [[local(str(CORRECTION))]]
    assert ask(store, "timeline", {"position": "ukrainian-neutrality"}).items == ()


# --- the browser ----------------------------------------------------------------------------------


def test_the_corrected_page_names_its_correction_and_why(client):
    response = client.get("/page/statement/putin-2024-06-14-renounce-nato")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    notice = page[page.index('id="curation-heading"') : page.index('id="card-heading"')]
    assert "Corrected" in notice
    assert re.search(r'<a href="/page/statement/putin-2024-07-14-renounce-nato"[^>]*>', notice)
    assert "Misdated: the text dates the condition to 14 July 2024." in notice
    twin = json.loads(client.get("/page/statement/putin-2024-06-14-renounce-nato.json").data)
    assert twin["curation"]["status"] == "corrected"
    assert twin["curation"]["corrected_by"]["iri"] == str(CORRECTION)


def test_the_correction_page_names_what_it_corrects_and_its_curator(client):
    page = client.get("/page/statement/putin-2024-07-14-renounce-nato").get_data(as_text=True)
    notice = page[page.index("curation-current") : page.index('id="card-heading"')]
    assert re.search(
        r'This corrects <a href="/page/statement/putin-2024-06-14-renounce-nato"', notice
    )
    assert re.search(r'Recorded by <a href="/page/curator/example-curator"[^>]*>', notice)


def test_a_page_without_curation_facts_has_no_notice(client):
    page = client.get("/page/actor/russia").get_data(as_text=True)
    assert "curation-heading" not in page


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/statement/putin-2024-05-01-neutrality", "text/html"),
        ("/page/statement/putin-2024-05-01-neutrality", "text/html"),
    ],
)
def test_the_retracted_iri_and_page_are_gone_with_the_reason(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert '<h2 id="curation-heading">Retracted</h2>' in page
    assert RETRACTED_REASON in page
    assert "<blockquote>" in page  # the page is still the page


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/statement/putin-2024-05-01-neutrality", "application/json"),
        ("/page/statement/putin-2024-05-01-neutrality.json", "application/json"),
    ],
)
def test_the_retracted_json_is_gone_in_the_error_shape(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 410
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert body["ok"] is False and body["status"] == 410
    assert RETRACTED_REASON in body["error"]
    assert body["iri"] == str(RETRACTED)
    assert body["curation"]["status"] == "retracted"
    assert body["curation"]["reason"] == RETRACTED_REASON


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/statement/putin-2024-05-01-neutrality", "text/turtle"),
        ("/data/statement/putin-2024-05-01-neutrality.ttl", "text/turtle"),
    ],
)
def test_the_retracted_turtle_is_gone_and_still_gives_the_triples(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 410
    triples = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (RETRACTED, PT.retracted, Literal(True)) in triples
    assert (RETRACTED, PT.correctionReason, Literal(RETRACTED_REASON, lang="en")) in triples
    assert (
        RETRACTED,
        PT.about,
        URIRef("https://w3id.org/peace-talks-kg/id/position/ukrainian-neutrality"),
    ) in triples


def test_a_current_iri_still_answers_303(client):
    response = client.get(
        "/id/statement/putin-2024-07-14-renounce-nato", headers={"Accept": "text/html"}
    )
    assert response.status_code == 303


def test_sparql_still_finds_both(client):
    query = (
        "PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#> "
        "SELECT ?s WHERE { { ?s pt:retracted true } UNION { ?s pt:correctedBy ?by } } ORDER BY ?s"
    )
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    found = [b["s"]["value"] for b in json.loads(response.data)["results"]["bindings"]]
    assert found == sorted([str(CORRECTED), str(RETRACTED)])


# --- lists keep invalidated statements, marked; timelines and summaries leave them out ------------


def test_a_position_page_marks_the_corrected_and_draws_only_the_correction(client):
    twin = json.loads(client.get("/page/position/ukraine-renounces-nato-membership.json").data)
    by_iri = {a["statement"]["iri"]: a for a in twin["attestations"]}
    assert by_iri[str(CORRECTED)]["withdrawn"]["status"] == "corrected"
    assert by_iri[str(CORRECTED)]["withdrawn"]["correction"]["iri"] == str(CORRECTION)
    assert by_iri[str(CORRECTION)]["withdrawn"] is None
    dates = [d["date"] for s in twin["stances"] for _, ds in s["parties"] for d, _ in ds]
    assert dates == ["2024-07-14"]
    page = client.get("/page/position/ukraine-renounces-nato-membership").get_data(as_text=True)
    chart = page[page.index('<figure class="timeline"') : page.index("</figure>")]
    assert "putin-2024-07-14-renounce-nato" in chart
    assert "putin-2024-06-14-renounce-nato" not in chart
    row = re.search(r'<tr class="withdrawn">.*?</tr>', page, re.S)
    assert row and "putin-2024-06-14-renounce-nato" in row.group(0)
    assert re.search(
        r'class="withdrawn-tag">corrected, see <a href="/page/statement/putin-2024-07', page
    )


def test_an_actor_page_counts_and_marks_the_withdrawn(client):
    twin = json.loads(client.get("/page/actor/vladimir-putin.json").data)
    status = {
        s["statement"]["iri"]: (s["withdrawn"] or {}).get("status") for s in twin["statements"]
    }
    assert status[str(CORRECTED)] == "corrected"
    assert status[str(RETRACTED)] == "retracted"
    assert status[str(CORRECTION)] is None
    page = client.get("/page/actor/vladimir-putin").get_data(as_text=True)
    assert f"({len(status)}, 2 of them corrected or retracted)" in page
    chart = page[page.index('<figure class="timeline"') : page.index("</figure>")]
    assert "putin-2024-05-01-neutrality" not in chart
    assert "putin-2024-06-14-renounce-nato" not in chart


def test_a_source_page_marks_what_was_retracted(client):
    twin = json.loads(client.get("/page/source/doc-000.json").data)
    status = {
        r["statement"]["iri"]: (r["withdrawn"] or {}).get("status")
        for r in twin["reports"]
        if r["statement"]
    }
    assert status[str(RETRACTED)] == "retracted"
    assert status[str(CORRECTION)] is None


def test_the_demands_table_counts_only_current_statements(runner, built):
    result = runner.invoke(
        cli, ["export", "--dataset", str(built), "--format", "csv", "--table", "demands"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["demand"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    nato = rows["position:ukraine-renounces-nato-membership"]
    assert (nato["statements"], nato["parties"]) == ("1", "Russia")
    neutrality = rows["position:ukrainian-neutrality"]
    assert (neutrality["statements"], neutrality["parties"]) == ("0", "")
