"""A release's ``ro-crate-metadata.json``: the MUSTs of RO-Crate 1.2 checked one by one, the crate
read as JSON-LD by rdflib (offline, with the vendored RO-Crate context), a real validator's verdict
(``rocrate-validator``), and the release page serving it."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.cli import cli
from kg.publish.release import media_type, verify
from tests.conftest import FIXTURES, REPO, require

CRATE = "ro-crate-metadata.json"
SPEC = "https://w3id.org/ro/crate/1.2"
VENDORED = FIXTURES / "rocrate" / "context-1.2.jsonld"
VALIDATOR = Path(__file__).resolve().parent / "rocrate_validate.py"
SDO = Namespace("http://schema.org/")
"""schema.org as the RO-Crate context maps its terms (http, not https)."""


@pytest.fixture
def released(runner, fixture_project: Path) -> Path:
    result = runner.invoke(
        cli,
        ["release", "--root", str(fixture_project), "--version", "1.0.0", "--date", "2026-01-02"],
    )
    assert result.exit_code == 0, result.output
    return fixture_project / "releases" / "1.0.0"


def entities(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    document = json.loads((folder / CRATE).read_bytes().decode("utf-8"))
    by_id: dict[str, dict[str, Any]] = {}
    for entity in document["@graph"]:
        assert entity["@id"] not in by_id, f"two entities with @id {entity['@id']}"
        by_id[entity["@id"]] = entity
    return document, by_id


def types(entity: dict[str, Any]) -> list[str]:
    found = entity["@type"]
    return found if isinstance(found, list) else [found]


def root_of(by_id: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The root data entity, found as RO-Crate says a consumer finds it: the ``about`` of the
    entity that ``conformsTo`` an RO-Crate specification."""
    [descriptor] = [
        e
        for e in by_id.values()
        if str(e.get("conformsTo", {}).get("@id", "")).startswith("https://w3id.org/ro/crate/")
    ]
    return by_id[descriptor["about"]["@id"]]


def test_the_crate_meets_the_musts_of_ro_crate(released: Path):
    document, by_id = entities(released)
    assert document["@context"] == f"{SPEC}/context"
    # Flattened: an entity refers to another by {"@id": …} only, never nests one.
    for entity in by_id.values():
        for value in entity.values():
            for item in value if isinstance(value, list) else [value]:
                assert not isinstance(item, dict) or set(item) == {"@id"}, entity["@id"]

    descriptor = by_id[CRATE]
    assert types(descriptor) == ["CreativeWork"]
    assert descriptor["conformsTo"] == {"@id": SPEC}
    assert descriptor["about"] == {"@id": "./"}

    root = root_of(by_id)
    assert root["@id"] == "./" and "Dataset" in types(root)
    assert root["name"] == "Peace Talks KG 1.0.0" and root["description"]
    assert dt.date.fromisoformat(root["datePublished"]) == dt.date(2026, 1, 2)
    assert root["identifier"] == "https://w3id.org/peace-talks-kg/release/1.0.0/"
    licence = by_id[root["license"]["@id"]]
    assert licence["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert licence["name"] and "publishers' rights" in licence["description"]
    assert "oa:exact" in root["copyrightNotice"]  # NOTICE: the quotes are not CC BY 4.0

    # Every file of the folder is a File in hasPart, with its media type, size and checksum.
    on_disk = {p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file()}
    parts = {part["@id"] for part in root["hasPart"]}
    assert parts == on_disk - {CRATE}
    for name in parts:
        entity, path = by_id[name], released / name
        assert "File" in types(entity), name
        assert entity["encodingFormat"] == media_type(name), name
        assert int(entity["contentSize"]) == path.stat().st_size, name
        if name != "SHA256SUMS":  # it lists the crate's own checksum: it can have none here
            assert entity["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name
    assert "sha256" not in by_id["SHA256SUMS"]
    assert "Every named graph" in by_id["ptkg-all.nq"]["description"]


def test_author_and_publisher_are_those_citation_cff_names(released: Path):
    _, by_id = entities(released)
    root = root_of(by_id)
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert [author["name"] for author in citation["authors"]] == ["Peace Talks KG contributors"]
    for role in ("author", "publisher"):
        body = by_id[root[role]["@id"]]
        assert types(body) == ["Organization"]
        assert body["name"] == citation["authors"][0]["name"]
    everyone = [e for e in by_id.values() if "Person" in types(e)]
    assert everyone == []  # the project names no person
    assert not any("doi.org" in json.dumps(e) or "orcid" in json.dumps(e) for e in by_id.values())


def test_the_crate_is_checked_by_sha256sum_and_served_by_the_release_page(released: Path, client):
    assert verify(released) == []
    sums = (released / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"  {CRATE}\n" in sums
    reply = client.get(f"/release/1.0.0/{CRATE}")
    try:
        assert reply.status_code == 200 and reply.mimetype == "application/ld+json"
        assert reply.data == (released / CRATE).read_bytes()
    finally:
        reply.close()  # a file response holds the file open until closed


def test_the_crate_parses_as_json_ld_into_a_graph_with_the_root_dataset(released: Path):
    """rdflib reads the crate as JSON-LD with the RO-Crate context from the vendored copy (what
    ``https://w3id.org/ro/crate/1.2/context`` serves), so nothing is fetched."""
    vendored = json.loads(VENDORED.read_text(encoding="utf-8"))
    assert vendored["@id"] == f"{SPEC}/context"
    document = json.loads((released / CRATE).read_text(encoding="utf-8"))
    document["@context"] = vendored["@context"]
    base = released.as_uri() + "/"
    graph = Graph().parse(data=json.dumps(document), format="json-ld", base=base)
    root, descriptor = URIRef(base), URIRef(base + CRATE)
    assert (root, RDF.type, SDO.Dataset) in graph
    assert (descriptor, SDO.about, root) in graph
    assert (descriptor, DCTERMS.conformsTo, URIRef(SPEC)) in graph
    assert graph.value(root, SDO.datePublished) == Literal("2026-01-02")
    parts = set(graph.objects(root, SDO.hasPart))
    assert URIRef(base + "ptkg-all.nq") in parts and URIRef(base + "csv/statements.csv") in parts
    assert all((part, RDF.type, SDO.MediaObject) in graph for part in parts)  # File
    assert len(parts) == len(document["@graph"][1]["hasPart"])


def validate(folder: Path, cache: Path) -> dict[str, Any]:
    """The verdict of the RO-Crate validator on ``folder`` at the REQUIRED level, offline."""
    result = subprocess.run(
        [sys.executable, str(VALIDATOR), str(folder), "ro-crate-1.2", "REQUIRED", str(cache)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[0])


@pytest.mark.slow
def test_a_real_validator_finds_no_required_issue(released: Path, tmp_path: Path):
    require(
        importlib.util.find_spec("rocrate_validator") is not None,
        "rocrate-validator (the roc-validator package) is not installed",
    )
    verdict = validate(released, tmp_path / "cache-good")
    assert verdict == {"passed": True, "issues": []}

    # The same validator fails a crate whose root lacks its date and names a missing file.
    document = json.loads((released / CRATE).read_text(encoding="utf-8"))
    root = document["@graph"][1]
    del root["datePublished"]
    root["hasPart"].append({"@id": "missing.csv"})
    document["@graph"].append({"@id": "missing.csv", "@type": "File"})
    (released / CRATE).write_text(json.dumps(document), encoding="utf-8")
    broken = validate(released, tmp_path / "cache-broken")
    assert broken["passed"] is False
    messages = " ".join(issue["message"] for issue in broken["issues"])
    assert "datePublished" in messages and "missing.csv" in messages
