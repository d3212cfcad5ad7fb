"""``kg export --format nanopub``: one well-formed nanopublication per current position
statement, whose assertions together are the statements' own triples, written the same way
twice; ``--trusty`` gives trusty URIs that verify, as published nanopublications of the
nanopub test suite (tests/fixtures/nanopub/) verify with the same code."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from kg.cli import cli
from kg.publish.export import FORMATS, Selection, export, select
from kg.publish.nanopub import ARTIFACT_CODE, artifact_code, check, is_trusty, parsed
from kg.publish.quads import ExportError, Quad, dataset_quads, read_quads
from kg.rdf.namespaces import NANOPUB, NP, PT
from kg.store.terms import from_ox, to_ox_quad
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "nanopub"
"""Nanopublications of Nanopublication/nanopub-testsuite (commit ff038a7, MIT licence, its
LICENSE beside them), unchanged: valid/ and invalid/ as the suite sorts them."""
CURATION = REPO / "tests" / "fixtures" / "datasets" / "curation.trig"
WHEN = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

CURRENT = """
PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a pt:PositionStatement . FILTER NOT EXISTS { ?s prov:invalidatedAtTime ?t }
}"""
STATEMENT_TRIPLES = """
PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
CONSTRUCT { ?s ?p ?o } WHERE {
  ?s a pt:PositionStatement ; ?p ?o .
  FILTER NOT EXISTS { ?s prov:invalidatedAtTime ?t }
  FILTER (?p NOT IN (pt:recordedBy, prov:generatedAtTime, prov:wasRevisionOf))
}"""
"""What the assertions must hold together: every triple of a current statement but those
about its record (curator, time, what it revises), which the provenance holds."""


def union_store(quads: list[Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(to_ox_quad(s, p, o, None) for s, p, o, _ in quads)
    return store


def nanopub_iris(quads: list[Quad]) -> list[str]:
    return [str(s) for s, p, o, _ in quads if p == RDF.type and o == NP.Nanopublication]


def graph_of(quads: list[Quad], name: URIRef) -> Graph:
    graph = Graph()
    for s, p, o, g in quads:
        if g == name:
            graph.add((s, p, o))
    return graph


def assertions(quads: list[Quad]) -> Graph:
    heads = [o for _, p, o, _ in quads if p == NP.hasAssertion]
    union = Graph()
    for s, p, o, g in quads:
        if g in heads:
            union.add((s, p, o))
    return union


@pytest.fixture(scope="module")
def data(curated_build: Path) -> tuple[list[Quad], list[Quad]]:
    """The curated data of the session's build, and its ontology (for the licence)."""
    quads = read_quads(curated_build)
    return select(quads, Selection()), select(quads, Selection(data=False, ontology=True))


@pytest.fixture(scope="module")
def exported(data) -> bytes:
    chosen, ontology = data
    return export(chosen, "nanopub", ontology=ontology, created=WHEN)


# --- the export of the curated data ------------------------------------------------------------


def test_the_export_is_trig_that_rdflib_reads_and_every_nanopub_is_well_formed(exported):
    assert FORMATS["nanopub"] == "application/trig"
    dataset = Dataset()
    dataset.parse(data=exported, format="trig")
    read = dataset_quads(dataset)
    assert read and all(g is not None for *_, g in read)  # nothing in the default graph
    quads = parsed(exported)
    assert len(set(read)) == len(set(quads))
    assert check(quads) == []


def test_one_nanopub_per_current_statement(data, exported):
    chosen, _ = data
    [row] = union_store(chosen).query(CURRENT)
    expected = int(row["n"].value)
    iris = nanopub_iris(parsed(exported))
    assert len(iris) == len(set(iris)) == expected > 100
    assert all(iri.startswith(str(NANOPUB)) for iri in iris)


def test_the_assertions_together_are_the_statements_triples(data, exported):
    chosen, _ = data
    expected = Graph()
    for triple in union_store(chosen).query(STATEMENT_TRIPLES):
        expected.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
    got = assertions(parsed(exported))
    assert len(got) == len(expected) > 1000
    assert isomorphic(got, expected)


def test_provenance_names_the_source_and_holds_the_quote(exported):
    quads = parsed(exported)
    np = "https://w3id.org/peace-talks-kg/np/putin-2024-06-14-renounce-nato"
    provenance = graph_of(quads, URIRef(f"{np}/provenance"))
    assertion = URIRef(f"{np}/assertion")
    sources = set(provenance.objects(assertion, PROV.wasDerivedFrom))
    assert sources == {URIRef("https://w3id.org/peace-talks-kg/id/source/doc-000")}
    exact = {str(o) for _, p, o in provenance if p.endswith("#exact")}
    assert any("NATO membership" in quote for quote in exact)
    assert any(p.endswith("#start") for _, p, _ in provenance)
    pubinfo = graph_of(quads, URIRef(f"{np}/pubinfo"))
    licences = set(pubinfo.objects(URIRef(np), DCTERMS.license))
    assert licences == {URIRef("https://creativecommons.org/licenses/by/4.0/")}
    assert set(pubinfo.objects(URIRef(np), DCTERMS.created)) == {
        Literal("2026-12-03T12:00:00+00:00", datatype=XSD.dateTime)
    }


def test_the_same_data_gives_the_same_bytes(data, exported):
    chosen, ontology = data
    again = export(list(reversed(chosen)), "nanopub", ontology=ontology, created=WHEN)
    assert again == exported


def test_a_nanopub_needs_a_creation_time_with_a_zone(data):
    chosen, _ = data
    with pytest.raises(ExportError, match="creation time"):
        export(chosen, "nanopub")
    with pytest.raises(ExportError, match="time zone"):
        export(chosen, "nanopub", created=dt.datetime(2026, 12, 3))


# --- trusty URIs -------------------------------------------------------------------------------


def test_trusty_nanopubs_verify_and_a_changed_one_does_not(data):
    chosen, ontology = data
    text = export(chosen, "nanopub", ontology=ontology, created=WHEN, trusty=True)
    quads = parsed(text)
    assert check(quads) == []
    iris = nanopub_iris(quads)
    assert len(iris) > 100
    for iri in iris:
        assert re.fullmatch(f"{re.escape(str(NANOPUB))}RA[A-Za-z0-9_-]{{43}}", iri)
        mine = [q for q in quads if str(q[3]).startswith(iri + "/")]
        assert is_trusty(mine, iri), iri
    first = iris[0]
    mine = [q for q in quads if str(q[3]).startswith(first + "/")]
    changed = [
        (s, p, Literal(str(o) + "!", lang=o.language) if p.endswith("#label") else o, g)
        for s, p, o, g in mine
    ]
    assert not is_trusty(changed, first)


def test_two_trusty_exports_in_separate_processes_give_identical_bytes(curated_root: Path):
    command = [sys.executable, "-m", "kg", "export", "--root", str(curated_root)]
    runs = [
        subprocess.run(
            [*command, "--format", "nanopub", "--trusty"],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    quads = parsed(runs[0])
    assert check(quads) == [] and len(nanopub_iris(quads)) > 100


@pytest.mark.parametrize(
    "name",
    [
        "valid/trusty/example3.trig",
        "valid/trusty/trusty1.trig",
        "valid/trusty/nextprot-1.trig",  # the older layout: '.' before the code, '#' after
        "valid/signed/specialchars.trig",  # control and bidi characters, a fractional time
    ],
)
def test_published_trusty_nanopubs_verify(name: str):
    quads = parsed((FIXTURES / name).read_bytes())
    [iri] = nanopub_iris(quads)
    assert ARTIFACT_CODE.search(iri)
    assert is_trusty(quads, iri)
    assert check(quads) == []


def test_a_published_nanopub_with_a_wrong_code_does_not_verify():
    quads = parsed((FIXTURES / "invalid/trusty/trusty1.trig").read_bytes())
    [iri] = nanopub_iris(quads)
    code = ARTIFACT_CODE.search(iri).group()  # type: ignore[union-attr]
    assert artifact_code(quads, code) != code
    assert not is_trusty(quads, iri)


# --- well-formedness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("emptya.trig", "is empty"),
        ("extragraph.trig", "belongs to no nanopublication"),
        ("noprovlink.trig", "does not mention its assertion"),
        ("noinfolink.trig", "does not mention the nanopublication"),
        ("graphs_uris_equal.trig", "no four distinct graphs"),
        ("assertion_graph_uri_not_matching.trig", "is not under the nanopublication"),
    ],
)
def test_malformed_nanopubs_of_the_test_suite_are_caught(name: str, problem: str):
    quads = parsed((FIXTURES / "invalid" / "plain" / name).read_bytes())
    problems = check(quads)
    assert any(problem in p for p in problems), problems


def test_a_well_formed_plain_nanopub_passes_and_default_graph_triples_do_not():
    quads = parsed((FIXTURES / "valid/plain/simple1.trig").read_bytes())
    assert check(quads) == []
    s, p, o, _ = quads[0]
    assert any("default graph" in x for x in check([*quads, (s, p, o, None)]))


# --- curation: corrected and retracted statements, curators ------------------------------------


def test_corrected_and_retracted_statements_get_no_nanopub(runner):
    result = runner.invoke(
        cli, ["export", "--format", "nanopub", "--dataset", str(CURATION), "--created", "now"]
    )
    assert result.exit_code == 0, result.output
    quads = parsed(result.stdout_bytes)
    np = f"{NANOPUB}putin-2024-07-14-renounce-nato"
    assert nanopub_iris(quads) == [np]  # the correction; not what it corrects nor the retracted
    provenance = graph_of(quads, URIRef(f"{np}/provenance"))
    curator = URIRef("https://w3id.org/peace-talks-kg/id/curator/example-curator")
    assert (URIRef(f"{np}/assertion"), PROV.wasAttributedTo, curator) in provenance
    pubinfo = graph_of(quads, URIRef(f"{np}/pubinfo"))
    [created] = pubinfo.objects(URIRef(np), DCTERMS.created)
    assert created.toPython() == dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)  # its record's
    assert not any(p == PT.recordedBy for p in assertions(quads).predicates())


def test_the_creation_time_defaults_to_the_builds(runner, tmp_path: Path):
    copy = tmp_path / "curation.trig"
    copy.write_bytes(CURATION.read_bytes())
    os.utime(copy, (1_764_000_000, 1_764_000_000))
    args = ["export", "--format", "nanopub", "--dataset", str(copy)]
    first, second = runner.invoke(cli, args), runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.stdout_bytes == second.stdout_bytes
    # The correction records its own time; a copy without it takes the file's.
    bare = tmp_path / "bare.trig"
    text = CURATION.read_text(encoding="utf-8")
    bare.write_text(text.replace('prov:generatedAtTime "2026-12-01T10:00:00Z"^^xsd:dateTime ;', ""))
    os.utime(bare, (1_764_000_000, 1_764_000_000))
    result = runner.invoke(cli, ["export", "--format", "nanopub", "--dataset", str(bare)])
    times = {o for _, p, o, _ in parsed(result.stdout_bytes) if p == DCTERMS.created}
    expected = dt.datetime.fromtimestamp(1_764_000_000, dt.UTC).isoformat()
    assert times == {Literal(expected, datatype=XSD.dateTime)}


@pytest.mark.parametrize(
    ("given", "message"),
    [("yesterday", "not an ISO 8601 date-time"), ("2026-12-01T10:00:00", "no time zone")],
)
def test_a_bad_creation_time_is_refused_in_one_line(runner, given: str, message: str):
    args = ["export", "--format", "nanopub", "--dataset", str(CURATION), "--created", given]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
