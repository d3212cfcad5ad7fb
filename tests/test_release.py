"""``kg release``: a versioned folder whose checksums verify, whose VoID + DCAT metadata parses and
counts what the dumps hold, and which lists what changed since the previous release."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID, XSD

from kg.cli import cli
from kg.pipeline.build import ARTEFACT
from kg.pipeline.load import load_project
from kg.publish.release import RELEASE_IRI, verify
from kg.publish.void import DCAT_VERSION, MEDIA_TYPE_IRI, SPDX
from kg.rdf.namespaces import GRAPH, INFERRED_GRAPH, SD

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- Something not yet released.

## [1.0.0] - 2026-01-02

### Added
- The first statements.

## [0.9.0] - 2025-12-01
- Older.
"""
EXPECTED_FILES = {
    "ptkg.ttl",
    "ptkg.nt",
    "ptkg.nq",
    "ptkg.trig",
    "ptkg.jsonld",
    "ptkg.rdf",
    "ptkg-all.nq",
    "ptkg-all.trig",
    "ontology.ttl",
    "shapes.ttl",
    "inferred.ttl",
    "csv/statements.csv",
    "csv/demands.csv",
    "csv/actors.csv",
    "datapackage.json",
    "context.jsonld",
    "CHANGELOG.md",
    "CHANGES.md",
    "changes/added.nq",
    "changes/removed.nq",
    "void.ttl",
    "ro-crate-metadata.json",
    "SHA256SUMS",
}
NEW_STATEMENT = """
statement:ukraine-demands-a a pt:PositionStatement ; rdfs:label "Ukraine demands that A withdraws"@en ;
    pt:speaker actor:ukraine ; pt:about position:withdrawal-a .
"""


def release(runner, project: Path, version: str, day: str, *extra: str):
    result = runner.invoke(
        cli, ["release", "--root", str(project), "--version", version, "--date", day, *extra]
    )
    assert result.exit_code == 0, result.output
    return project / "releases" / version, result.output


@pytest.fixture
def first(runner, fixture_project: Path):
    (fixture_project / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    folder, output = release(runner, fixture_project, "1.0.0", "2026-01-02")
    return fixture_project, folder, output


def files_in(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_release_folder_holds_every_part_and_its_checksums_verify(first):
    _, folder, output = first
    assert "release 1.0.0 of 2026-01-02" in output and "(first release)" in output
    assert files_in(folder) == EXPECTED_FILES
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left
    assert verify(folder) == []
    listed = dict(
        reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines()
    )
    assert set(listed) == EXPECTED_FILES - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_tampering_is_caught(first):
    _, folder, _ = first
    (folder / "ptkg.nt").write_bytes((folder / "ptkg.nt").read_bytes() + b"\n")
    (folder / "extra.txt").write_text("x")
    assert verify(folder) == ["extra.txt: not in SHA256SUMS", "ptkg.nt: checksum differs"]


def test_void_and_dcat_metadata_parse_and_count_what_the_dumps_hold(first):
    _, folder, _ = first
    metadata = Graph().parse(folder / "void.ttl", format="turtle")
    here = URIRef(f"{RELEASE_IRI}1.0.0/")
    assert (here, RDF.type, VOID.Dataset) in metadata
    assert (here, RDF.type, DCAT.Dataset) in metadata
    assert metadata.value(here, DCAT_VERSION) == Literal("1.0.0")
    assert metadata.value(here, DCTERMS.issued) == Literal("2026-01-02", datatype=XSD.date)
    assert metadata.value(here, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )

    triples = Graph().parse(folder / "ptkg.nt", format="nt")
    assert int(metadata.value(here, VOID.triples)) == len(triples)
    dataset = Dataset()
    dataset.parse(folder / "ptkg.nq", format="nquads")
    per_graph = {g.identifier: len(g) for g in dataset.graphs() if len(g)}
    subsets = {s: int(metadata.value(s, VOID.triples)) for s in metadata.objects(here, VOID.subset)}
    assert subsets == per_graph
    assert set(per_graph) == {GRAPH["data/statements.ttl"], GRAPH["ontology/mini.ttl"]}

    checksum = URIRef(SPDX + "checksum")
    value = URIRef(SPDX + "checksumValue")
    distributions = set(metadata.objects(here, DCAT.distribution))
    assert {str(d).removeprefix(str(here)) for d in distributions} == EXPECTED_FILES - {
        "void.ttl",
        "ro-crate-metadata.json",
        "SHA256SUMS",
    }
    for file in distributions:
        path = folder / str(file).removeprefix(str(here))
        recorded = metadata.value(metadata.value(file, checksum), value)
        assert str(recorded) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert int(metadata.value(file, DCAT.byteSize)) == path.stat().st_size


def named_graphs(path: Path, fmt: str) -> dict[URIRef, Graph]:
    """Each non-empty named graph of an N-Quads or TriG file, by its name."""
    dataset = Dataset()
    dataset.parse(path, format=fmt)
    found = {}
    for graph in dataset.graphs():
        if len(graph):
            copy = Graph()
            copy += graph
            found[graph.identifier] = copy
    return found


def test_the_complete_dataset_holds_every_named_graph_of_the_build(first):
    project, folder, _ = first
    build = named_graphs(project / ARTEFACT, "nquads")
    assert {
        GRAPH["data/statements.ttl"],
        GRAPH["ontology/mini.ttl"],
        GRAPH["shapes/mini-shapes.ttl"],
        INFERRED_GRAPH,
    } <= set(build)
    for name, fmt in (("ptkg-all.nq", "nquads"), ("ptkg-all.trig", "trig")):
        complete = named_graphs(folder / name, fmt)
        assert set(complete) == set(build), name
        for graph, triples in build.items():
            assert isomorphic(complete[graph], triples), (name, graph)

    metadata = Graph().parse(folder / "void.ttl", format="turtle")
    here = URIRef(f"{RELEASE_IRI}1.0.0/")
    for name, media in (
        ("ptkg-all.nq", "application/n-quads"),
        ("ptkg-all.trig", "application/trig"),
    ):
        file = URIRef(f"{here}{name}")
        assert (here, DCAT.distribution, file) in metadata
        assert metadata.value(file, DCAT.mediaType) == URIRef(MEDIA_TYPE_IRI + media)
        assert "Every named graph" in str(metadata.value(file, DCTERMS.description))
    # The release's counts and changes stay those of the curated data and the ontology.
    assert int(metadata.value(here, VOID.triples)) == len(Graph().parse(folder / "ptkg.nt"))
    added = Dataset()
    added.parse(folder / "changes" / "added.nq", format="nquads")
    assert {g.identifier for g in added.graphs() if len(g)} == {
        GRAPH["data/statements.ttl"],
        GRAPH["ontology/mini.ttl"],
    }


def shared_part(void: Graph, dataset: URIRef) -> Graph:
    """What the release's and the endpoint's VoID both say of the dataset, its subject made one
    node: its VoID and DCAT types, licence, IRI space and vocabulary."""
    kept = {DCTERMS.license, VOID.uriSpace, VOID.vocabulary}
    same = URIRef("urn:x-test:dataset")
    part = Graph()
    for _, p, o in void.triples((dataset, None, None)):
        if p in kept or (p == RDF.type and o in (VOID.Dataset, DCAT.Dataset)):
            part.add((same, p, o))
    return part


def test_the_release_and_the_endpoint_describe_the_dataset_alike(first, client):
    _, folder, _ = first
    released = Graph().parse(folder / "void.ttl", format="turtle")
    here = URIRef(f"{RELEASE_IRI}1.0.0/")
    reply = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    live = Graph().parse(data=reply.data, format="turtle")
    [served] = live.subjects(VOID.sparqlEndpoint, None)

    shared = shared_part(released, here)
    assert len(shared) == 5
    assert isomorphic(shared, shared_part(live, served))

    released_sizes = {
        g: int(released.value(g, VOID.triples)) for g in released.objects(here, VOID.subset)
    }
    live_sizes = {
        live.value(named, SD.name): int(live.value(live.value(named, SD.graph), VOID.triples))
        for named in live.objects(served, SD.namedGraph)
    }
    assert released_sizes and {g: live_sizes.get(g) for g in released_sizes} == released_sizes


def test_dumps_agree_with_each_other_and_parts_are_kept_apart(first):
    project, folder, _ = first
    turtle = Graph().parse(folder / "ptkg.ttl", format="turtle")
    assert len(turtle) == len(Graph().parse(folder / "ptkg.nt", format="nt"))
    # ptkg.jsonld embeds its context: it reads offline, with no document loader.
    assert isinstance(json.loads((folder / "ptkg.jsonld").read_text())["@context"], dict)
    assert isomorphic(Graph().parse(folder / "ptkg.jsonld", format="json-ld"), turtle)
    ontology = Graph().parse(folder / "ontology.ttl", format="turtle")
    assert set(ontology) <= set(turtle)
    shapes = Graph().parse(folder / "shapes.ttl", format="turtle")
    assert len(shapes) == len(load_project(project).graph("shapes"))
    assert not set(shapes) & set(turtle)
    inferred = Graph().parse(folder / "inferred.ttl", format="turtle")
    assert len(inferred) > 0 and not set(inferred) & set(turtle)
    excerpt = (folder / "CHANGELOG.md").read_text()
    assert excerpt.startswith("## [1.0.0] - 2026-01-02") and "The first statements." in excerpt
    assert "Older." not in excerpt and "not yet released" not in excerpt


def test_second_release_lists_added_and_removed_statements(runner, first):
    project, folder, _ = first
    data = project / "data" / "statements.ttl"
    text = data.read_text(encoding="utf-8")
    removed = re.search(r"(?ms)^statement:ukraine-demands-b .*?\.\n", text)
    assert removed
    data.write_text(text.replace(removed.group(0), "") + NEW_STATEMENT, encoding="utf-8")

    second, output = release(runner, project, "1.1.0", "2026-02-01")
    assert "changes since 1.0.0" in output
    changes = (second / "CHANGES.md").read_text()
    assert changes.startswith("# Changes in 1.1.0 since 1.0.0")
    assert "## Statements added\n\n- `statement:ukraine-demands-a`" in changes
    assert "## Statements removed\n\n- `statement:ukraine-demands-b`" in changes
    added = Dataset()
    added.parse(second / "changes" / "added.nq", format="nquads")
    label = Literal("Ukraine demands that A withdraws", lang="en")
    assert any(o == label for _, _, o, _ in added.quads())
    removed_quads = Dataset()
    removed_quads.parse(second / "changes" / "removed.nq", format="nquads")
    assert {str(s).rsplit("/", 1)[1] for s, *_ in removed_quads.quads()} == {"ukraine-demands-b"}
    metadata = Graph().parse(second / "void.ttl", format="turtle")
    here = URIRef(f"{RELEASE_IRI}1.1.0/")
    assert metadata.value(here, DCTERMS.replaces) == URIRef(f"{RELEASE_IRI}1.0.0/")
    assert verify(second) == [] and verify(folder) == []


def test_unchanged_data_gives_an_empty_change_list(runner, first):
    project, _, _ = first
    second, _ = release(runner, project, "1.0.1", "2026-01-03")
    changes = (second / "CHANGES.md").read_text()
    assert "- triples added: 0; removed: 0" in changes
    assert (second / "changes" / "added.nq").read_bytes() == b""
    for name in ("ptkg.ttl", "ptkg.nq", "ptkg.jsonld", "csv/statements.csv"):
        assert (second / name).read_bytes() == (project / "releases/1.0.0" / name).read_bytes()


def test_existing_release_is_not_replaced_without_force(runner, first):
    project, folder, _ = first
    before = (folder / "SHA256SUMS").read_bytes()
    args = ["release", "--root", str(project), "--version", "1.0.0", "--date", "2026-03-03"]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 2 and "exists (use --force to replace it)" in refused.output
    assert (folder / "SHA256SUMS").read_bytes() == before
    forced = runner.invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "2026-03-03" in (folder / "void.ttl").read_text()
    assert verify(folder) == []
    assert sorted(p.name for p in folder.parent.iterdir()) == ["1.0.0"]


def test_a_project_that_does_not_conform_gets_no_release(runner, tmp_path: Path):
    import shutil

    from tests.conftest import PROJECTS

    project = tmp_path / "violation"
    shutil.copytree(PROJECTS / "violation", project)
    result = runner.invoke(cli, ["release", "--root", str(project), "--version", "1.0.0"])
    assert result.exit_code == 1
    assert "does not conform" in result.output
    assert not (project / "releases" / "1.0.0").exists()
