"""load → validate → reason → build, on the fixture projects."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from kg.pipeline.build import ARTEFACT, BuildRefused, assemble, build
from kg.pipeline.cache import CACHE
from kg.pipeline.load import LoadError, find_root, load_project, parse_turtle
from kg.pipeline.manifest import ArtefactError, manifest_path
from kg.pipeline.questions_index import index_path
from kg.pipeline.reason import infer
from kg.pipeline.validate import validate_project
from kg.rdf.namespaces import GRAPH, INFERRED_GRAPH, PT
from kg.store import open_store
from kg.store.ondisk import store_path
from tests.conftest import PROJECTS, REPO

POSITION = "https://w3id.org/peace-talks-kg/id/position/"


def test_each_file_is_its_own_named_graph(fixture_project: Path):
    project = load_project(fixture_project)
    names = {f.graph for f in project.files}
    assert names == {
        GRAPH["ontology/mini.ttl"],
        GRAPH["shapes/mini-shapes.ttl"],
        GRAPH["data/statements.ttl"],
    }
    for f in project.files:
        assert len(project.dataset.graph(f.graph)) > 0
        assert project.file_of_graph(f.graph) == f.path.relative_to(project.root)


def test_each_file_reads_as_rdflib_reads_it():
    """Oxigraph parses the curated files; each graph is what rdflib's Turtle parser makes of it."""
    project = load_project(REPO)
    for f in project.files:
        assert isomorphic(project.dataset.graph(f.graph), parse_turtle(f.path)), f.path


def test_blank_node_labels_are_local_to_their_file(tmp_path: Path):
    project = tmp_path / "p"
    for kind in ("ontology", "shapes", "data"):
        (project / kind).mkdir(parents=True)
    for name in ("a", "b"):
        (project / "data" / f"{name}.ttl").write_text(
            f'_:b1 <http://www.w3.org/2000/01/rdf-schema#label> "{name}" .\n'
        )
    loaded = load_project(project)
    assert len(set(loaded.dataset.subjects())) == 2


def test_file_describing_names_the_first_file_in_load_order(fixture_project: Path):
    project = load_project(fixture_project)
    russia = URIRef("https://w3id.org/peace-talks-kg/id/actor/russia")
    assert project.file_describing(russia) == "data/statements.ttl"
    assert project.file_describing(PT.State) == "ontology/mini.ttl"
    assert project.file_describing(URIRef("https://example.org/nobody")) is None


def test_file_describing_prefers_the_file_that_types_the_subject(tmp_path: Path):
    """A file that only links a resource (ontology/mappings.ttl's SKOS mappings, loaded before
    data/) is not named for it while another file types it."""
    for folder in ("ontology", "shapes", "data"):
        (tmp_path / folder).mkdir()
    ex = "@prefix ex: <https://example.org/> .\n"
    (tmp_path / "ontology" / "links.ttl").write_text(
        ex + "ex:a ex:matches ex:b . ex:c ex:matches ex:b .\n"
    )
    (tmp_path / "data" / "things.ttl").write_text(ex + "ex:a a ex:Thing .\n")
    project = load_project(tmp_path)
    assert project.file_describing(URIRef("https://example.org/a")) == "data/things.ttl"
    assert project.file_describing(URIRef("https://example.org/c")) == "ontology/links.ttl"


def test_default_graph_is_the_union(fixture_project: Path):
    project = load_project(fixture_project)
    union = {tuple(row) for row in project.dataset.query("SELECT ?s ?p ?o { ?s ?p ?o }")}
    per_file = {t for f in project.files for t in project.dataset.graph(f.graph)}
    assert union == per_file


def test_broken_turtle_names_file_and_line():
    with pytest.raises(LoadError) as caught:
        load_project(PROJECTS / "broken")
    assert caught.value.path.name == "statements.ttl"
    assert caught.value.line == 7
    assert str(caught.value).endswith("statements.ttl:7: newline found in string literal")


def test_violation_is_reported_with_its_file_path_and_message():
    result = validate_project(load_project(PROJECTS / "violation"))
    assert not result.conforms
    assert result.exit_code == 1
    [violation] = result.violations
    assert violation.focus == "statement:nobody-says"
    assert violation.path == "pt:speaker"
    assert violation.severity == "Violation"
    assert violation.source_file == "data/statements.ttl"
    assert "exactly one speaker" in violation.message


def test_conforming_project_conforms(fixture_project: Path):
    result = validate_project(load_project(fixture_project))
    assert result.conforms, result.format()
    assert result.violations == []


def test_inferred_triples_live_in_their_own_graph(fixture_project: Path):
    project = load_project(fixture_project)
    curated_before = {f.graph: set(project.dataset.graph(f.graph)) for f in project.files}
    dataset = assemble(project, "owlrl")
    inferred = dataset.graph(INFERRED_GRAPH)
    a, b = URIRef(POSITION + "withdrawal-a"), URIRef(POSITION + "withdrawal-b")
    # pt:contradicts is symmetric: the ontology implies the reverse link…
    assert (b, PT.contradicts, a) in inferred
    # …and subclassing: a pt:State is a pt:Actor.
    assert (
        URIRef("https://w3id.org/peace-talks-kg/id/actor/russia"),
        RDF.type,
        PT.Actor,
    ) in inferred
    # The curated graphs are untouched, and nothing asserted is repeated as inferred.
    for f in project.files:
        assert set(dataset.graph(f.graph)) == curated_before[f.graph]
        assert not set(inferred) & curated_before[f.graph]


def test_no_inference_means_an_empty_inferred_graph(fixture_project: Path):
    dataset = assemble(load_project(fixture_project), "none")
    assert len(dataset.graph(INFERRED_GRAPH)) == 0


def test_build_writes_a_loadable_artefact(fixture_project: Path):
    report = build(fixture_project)
    assert report.path == fixture_project / ARTEFACT
    assert report.inferred > 0
    store = open_store("oxigraph")
    store.load_file(report.path)
    assert store.quad_count() == report.quads
    expected = assemble(load_project(fixture_project), "owlrl")
    for name in report.graphs:
        got = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        assert isomorphic(got.graph, expected.graph(URIRef(name)))


def test_build_output_is_sorted_and_deterministic(fixture_project: Path, tmp_path: Path):
    first = build(fixture_project, tmp_path / "a.nq").path.read_bytes()
    second = build(fixture_project, tmp_path / "b.nq").path.read_bytes()
    assert first == second
    lines = first.decode().splitlines()
    assert lines == sorted(lines)


def test_refused_build_writes_nothing(tmp_path: Path):
    project = tmp_path / "violation"
    shutil.copytree(PROJECTS / "violation", project)
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    with pytest.raises(BuildRefused) as refused:
        build(project)
    assert not refused.value.validation.conforms
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_failed_write_keeps_the_previous_artefact(fixture_project: Path, monkeypatch):
    report = build(fixture_project)
    artefact = report.path
    previous = artefact.read_bytes()
    assert report.manifest == manifest_path(artefact)
    recorded = report.manifest.read_bytes()
    (fixture_project / "data" / "more.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/peace-talks-kg/id/actor/x> rdfs:label "X"@en .\n'
    )

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("kg.pipeline.build.write_canonical_store", explode)
    with pytest.raises(ArtefactError, match="cannot be written: disk full"):
        build(fixture_project)
    assert artefact.read_bytes() == previous
    assert report.manifest.read_bytes() == recorded  # the pair still matches: no temp files
    assert sorted(p.name for p in artefact.parent.iterdir()) == sorted(
        [
            artefact.name,
            report.manifest.name,
            store_path(artefact).name,  # the store loaded from the previous artefact
            CACHE.name,  # the previous build's cache, as it left it
            index_path(artefact).name,  # the questions' index of the previous artefact
        ]
    )
    assert not [p for p in (fixture_project / CACHE).iterdir() if p.name.startswith(".")]


def test_identity_links_to_other_graphs_are_not_copied_onto():
    graph = Graph().parse(
        data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix pt: <https://w3id.org/peace-talks-kg/ontology#> .
        pt:State rdfs:subClassOf pt:Actor .
        <https://w3id.org/peace-talks-kg/id/actor/russia> a pt:State ;
            owl:sameAs <http://www.wikidata.org/entity/Q159> .
        """,
        format="turtle",
    )
    inferred = infer(graph, "owlrl")
    russia = URIRef("https://w3id.org/peace-talks-kg/id/actor/russia")
    q159 = URIRef("http://www.wikidata.org/entity/Q159")
    assert (russia, RDF.type, PT.Actor) in inferred
    assert (q159, OWL.sameAs, russia) in inferred
    assert not [t for t in inferred if q159 in (t[0], t[2]) and t[1] != OWL.sameAs]


def test_outside_any_project_the_root_is_the_checkout_the_package_comes_from(tmp_path, monkeypatch):
    monkeypatch.delenv("PTKG_ROOT", raising=False)
    assert find_root(tmp_path) == REPO


def test_the_fast_build_writes_the_reference_builds_bytes(curated_root: Path, tmp_path: Path):
    """The fast validator and rules engine against pySHACL and owlrl's own semantics, on the
    curated project: the same verdict, the same entailments, the same artefact, byte for byte."""
    fast = build(curated_root, tmp_path / "fast.nq")
    reference = build(curated_root, tmp_path / "reference.nq", reference=True)
    assert fast.engines == {"validate": "fast", "reason": "rules"}
    assert reference.engines == {"validate": "pyshacl", "reason": "owlrl"}
    assert fast.fallbacks == reference.fallbacks == {}
    assert fast.path.read_bytes() == reference.path.read_bytes()


def test_a_refused_build_names_the_same_violations_with_either_engine(tmp_path: Path):
    project = tmp_path / "violation"
    shutil.copytree(PROJECTS / "violation", project)
    refusals = []
    for reference in (False, True):
        with pytest.raises(BuildRefused) as caught:
            build(project, reference=reference)
        refusals.append(caught.value.validation.violations)
    assert refusals[0] == refusals[1] and refusals[0]
