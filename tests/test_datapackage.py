"""A release's ``datapackage.json``: the curated data's CSV tables as a Frictionless Data Package,
validated by a real Data Package reader (frictionless-py, in a process of its own), its checksums
and fields against the files, the same reader failing a broken table, and the package listed in
the release's RO-Crate, VoID and SHA256SUMS."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from kg.publish.datapackage import DATAPACKAGE, PROFILE, datapackage, foreign_keys
from kg.publish.release import release, verify
from kg.publish.tables import TABLES
from kg.publish.void import LICENSE
from tests.conftest import require

VERSION = "1.0.0"


@pytest.fixture(scope="module")
def released(curated_root: Path, tmp_path_factory) -> Path:
    """A release of the curated data, made once for the module (read it, never change it)."""
    out = tmp_path_factory.mktemp("datapackage") / "releases" / VERSION
    release(curated_root, out=out, version=VERSION, issued=dt.date(2026, 1, 2))
    return out


def package_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / DATAPACKAGE).read_text(encoding="utf-8"))


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def frictionless_report(folder: Path, descriptor: str = DATAPACKAGE) -> dict[str, Any]:
    """What ``frictionless validate --json`` says of the package in ``folder`` (or at the
    address ``descriptor``)."""
    require(importlib.util.find_spec("frictionless") is not None, "frictionless is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", descriptor],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def test_frictionless_validates_the_package_and_reads_every_row(released: Path):
    report = frictionless_report(released)
    assert report["valid"] is True, json.dumps(report["tasks"], indent=1)[:3000]
    assert report["stats"]["errors"] == 0 and report["errors"] == []
    tasks = {task["name"]: task for task in report["tasks"]}
    assert set(tasks) == set(TABLES)
    for table in TABLES:
        rows = rows_of(released / "csv" / f"{table}.csv")
        assert tasks[table]["valid"] is True
        assert tasks[table]["stats"]["rows"] == len(rows) - 1 > 0
        assert tasks[table]["stats"]["fields"] == len(rows[0])


def test_the_package_describes_the_release_and_its_files(released: Path):
    package = package_of(released)
    assert package["$schema"] == PROFILE
    assert package["name"] == "peace-talks-kg" and package["version"] == VERSION
    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": str(LICENSE),
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["contributors"] == [
        {"title": "Peace Talks KG contributors", "roles": ["creator"]}
    ]
    assert "third-party" in package["description"]
    assert [r["name"] for r in package["resources"]] == list(TABLES)
    for resource in package["resources"]:
        data = (released / resource["path"]).read_bytes()
        assert resource["path"] == f"csv/{resource['name']}.csv"
        assert (resource["format"], resource["mediatype"], resource["encoding"]) == (
            "csv",
            "text/csv",
            "utf-8",
        )
        assert resource["bytes"] == len(data)
        assert resource["hash"] == f"sha256:{hashlib.sha256(data).hexdigest()}"
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == rows_of(released / resource["path"])[0]
        assert all(f["description"] and f["type"] for f in fields)


def test_keys_vocabularies_and_references_are_what_the_data_holds(released: Path):
    schemas = {r["name"]: r["schema"] for r in package_of(released)["resources"]}
    statements = schemas["statements"]
    fields = {f["name"]: f for f in statements["fields"]}
    # One row per evidence annotation: a statement with several quotes has several rows.
    ids = [row[0] for row in rows_of(released / "csv" / "statements.csv")[1:]]
    assert len(set(ids)) < len(ids)
    assert statements["primaryKey"] == ["id", "evidence"]
    assert schemas["demands"]["primaryKey"] == ["demand"]
    assert schemas["actors"]["primaryKey"] == ["actor"]
    stances = "Accepts Conditions Demands Proposes Reaffirms Rejects Threatens Withdraws"
    assert fields["stance"]["constraints"]["enum"] == stances.split()
    assert fields["precision"]["constraints"]["enum"] == ["Day", "Month", "Unknown", "Year"]
    assert fields["basis"]["constraints"]["enum"] == ["AsOfReport", "StatedDate"]
    assert "; " in fields["party"]["description"]
    references = {tuple(k["fields"]): k["reference"] for k in statements["foreignKeys"]}
    assert references[("speaker",)] == {"resource": "actors", "fields": ["actor"]}
    assert references[("position",)] == {"resource": "demands", "fields": ["demand"]}
    # Parties are several in a cell at times: no foreign key can say that.
    assert ("party",) not in references


def test_a_foreign_key_is_declared_only_where_every_value_is_listed():
    actors = [["actor", "label"], ["actor:a", "A"], ["actor:b", "B"]]
    demands = [["demand"], ["position:p"]]

    def keys(speakers: list[str]) -> list[Any]:
        statements = [["id", "speaker", "position"]]
        statements += [[f"statement:{i}", s, "position:p"] for i, s in enumerate(speakers)]
        tables = {"statements": statements, "actors": actors, "demands": demands}
        return [k["fields"] for k in foreign_keys("statements", tables)]

    assert keys(["actor:a", "actor:b"]) == [["speaker"], ["position"]]
    assert keys(["actor:a", "actor:c"]) == [["position"]]
    assert keys(["actor:a; actor:b"]) == [["position"]]


def test_a_column_without_a_description_is_refused():
    with pytest.raises(ValueError, match="'nickname' of table 'actors'"):
        datapackage(
            {"actors": b"actor,nickname\r\nactor:a,A\r\n"}, version=VERSION, license=LICENSE
        )


BROKEN = [
    ("statements", "start", "not-a-number", "type-error"),
    ("statements", "id", "", "constraint-error"),
    ("statements", "stance", "Ponders", "constraint-error"),
    ("statements", "date", "15 May 2025", "constraint-error"),
    ("statements", "speaker", "actor:nobody", "foreign-key"),
]


@pytest.mark.parametrize(("table", "column", "value", "error"), BROKEN)
def test_frictionless_fails_a_table_with_a_bad_value(
    released: Path, tmp_path: Path, table, column, value, error
):
    folder = tmp_path / "release"
    shutil.copytree(released, folder)
    path = folder / "csv" / f"{table}.csv"
    rows = rows_of(path)
    rows[1][rows[0].index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(data)
    # The release's schema, with the broken table's size and checksum: only its values are wrong.
    package = package_of(folder)
    [resource] = [r for r in package["resources"] if r["name"] == table]
    resource.update(bytes=len(data), hash=f"sha256:{hashlib.sha256(data).hexdigest()}")
    (folder / DATAPACKAGE).write_text(json.dumps(package), encoding="utf-8")
    report = frictionless_report(folder)
    assert report["valid"] is False
    [task] = [t for t in report["tasks"] if t["name"] == table]
    assert {e["type"] for e in task["errors"]} == {error}, task["errors"]
    assert all(t["valid"] for t in report["tasks"] if t["name"] != table)


def test_the_crate_void_and_checksums_list_the_package(released: Path):
    assert verify(released) == []
    sums = (released / "SHA256SUMS").read_text(encoding="utf-8")
    digest = hashlib.sha256((released / DATAPACKAGE).read_bytes()).hexdigest()
    assert f"{digest}  {DATAPACKAGE}\n" in sums
    crate = json.loads((released / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    by_id = {entity["@id"]: entity for entity in crate["@graph"]}
    assert {"@id": DATAPACKAGE} in by_id["./"]["hasPart"]
    entity = by_id[DATAPACKAGE]
    assert entity["encodingFormat"] == "application/json"
    assert entity["conformsTo"] == {"@id": PROFILE}
    assert entity["sha256"] == digest
    void = Graph().parse(released / "void.ttl", format="turtle")
    iri = URIRef(f"https://w3id.org/peace-talks-kg/release/{VERSION}/{DATAPACKAGE}")
    assert (iri, DCTERMS.conformsTo, URIRef(PROFILE)) in void


def test_the_app_offers_the_package_of_its_downloads(repo_server: str, released: Path, tmp_path):
    url = f"{repo_server}/downloads/{DATAPACKAGE}"
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.headers.get_content_type() == "application/json"
        package = json.loads(response.read())
    assert "version" not in package  # the served build is no release
    paths = {r["name"]: r["path"] for r in package["resources"]}
    assert paths == {table: f"{repo_server}/downloads/{table}.csv" for table in TABLES}
    # The same tables as the release of the same data, described alike.
    release_package = package_of(released)
    for served, made in zip(package["resources"], release_package["resources"], strict=True):
        assert {**served, "path": made["path"]} == made
    report = frictionless_report(tmp_path, url)
    assert report["valid"] is True, json.dumps(report["tasks"], indent=1)[:3000]
    assert [t["stats"]["rows"] for t in report["tasks"]] == [
        len(rows_of(released / "csv" / f"{table}.csv")) - 1 for table in TABLES
    ]
