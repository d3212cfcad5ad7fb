"""The build's on-disk Oxigraph store (``kg.store.ondisk``): ``kg build`` writes it beside the
artefact, from exactly its bytes and in one step; whoever opens the build opens it read-only,
rebuilding it first when it is missing or stale; the server and every query worker open the same
folder read-only, and nothing they do (a worker killed mid-query included) changes it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.endpoint.workers import QueryPool, StoreSource
from kg.pipeline.build import ARTEFACT, build, open_graph
from kg.pipeline.manifest import manifest_path, read_manifest, write_manifest
from kg.rdf.results import SelectResult
from kg.store import OxigraphStore, Store
from kg.store.ondisk import (
    RECORD,
    LoadedFrom,
    StoreFolderError,
    loaded_from,
    open_read_only,
    store_path,
    write_store,
    write_store_from,
)
from kg.store.serialize import Digest
from tests.conftest import PROJECTS, REPO, running_server
from tests.processes import query_workers, server_pid
from tests.sparql_http import call
from tests.test_operator_faults import kg, refused

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
EXTRA = (
    "<https://w3id.org/peace-talks-kg/id/actor/x> <http://www.w3.org/2000/01/rdf-schema#label> "
    '"X" <https://w3id.org/peace-talks-kg/graph/data/extra.ttl> .\n'
)
ON_LINUX = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def count(store: Store) -> int:
    result = store.query(COUNT)
    assert isinstance(result, SelectResult)
    return int(result.rows[0][0])  # type: ignore[arg-type]


def graphs(store: Store) -> dict[str, Graph]:
    """Every named graph of ``store``, as an rdflib graph."""
    names = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(names, SelectResult)
    found = {}
    for (name,) in names.rows:
        got = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        found[str(name)] = got.graph  # type: ignore[union-attr]
    return found


def assert_same_graphs(found: Store, expected: Store) -> None:
    """Both stores hold the same named graphs, isomorphic (blank-node labels aside)."""
    wanted, got = graphs(expected), graphs(found)
    assert sorted(got) == sorted(wanted)
    for name, graph in wanted.items():
        assert isomorphic(got[name], graph), name


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file of ``folder`` with its size and modification time: what a write would change."""
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def leftovers(artefact: Path) -> list[str]:
    return sorted(p.name for p in artefact.parent.iterdir() if p.name.startswith("."))


def rebuilt_without_store(artefact: Path) -> int:
    """Write the artefact and its manifest again, with one quad more, as a build from before the
    on-disk store would: the store beside it is then stale. Returns the new quad count."""
    data = artefact.read_bytes() + EXTRA.encode()
    artefact.write_bytes(data)
    write_manifest(artefact, data)
    return data.count(b"\n")


@pytest.fixture
def built(fixture_project: Path) -> Path:
    """The fixture project built here (its own, to change); returns the artefact."""
    return build(fixture_project).path


# --- kg build writes it ----------------------------------------------------------------------


def test_kg_build_writes_the_store_and_the_manifest_names_it(good_build: Path):
    folder = store_path(good_build)
    assert folder == good_build.with_name("ptkg.oxigraph") and folder.is_dir()
    assert json.loads(manifest_path(good_build).read_text())["store"] == folder.name
    manifest = read_manifest(good_build)
    source = loaded_from(folder)
    assert manifest is not None and source is not None
    assert (source.artefact, source.sha256, source.quads, source.bytes) == (
        good_build.name,
        manifest.sha256,
        manifest.quads,
        manifest.bytes,
    )
    assert source.matches(manifest.sha256, manifest.quads)
    assert not leftovers(good_build)


def test_the_store_holds_exactly_the_artefacts_quads(good_build: Path):
    on_disk = open_read_only(store_path(good_build))
    in_memory = OxigraphStore()
    in_memory.load_file(good_build)
    assert on_disk.quad_count() == in_memory.quad_count() == read_manifest(good_build).quads
    assert_same_graphs(on_disk, in_memory)


def _written_from_the_artefact(artefact: Path, data: bytes) -> Path:
    return write_store(artefact, data)


def _written_from_memory(artefact: Path, data: bytes) -> Path:
    return write_store_from(artefact, Digest.of(data), ox.Store())


FILLS = {"_bulk_load": _written_from_the_artefact, "_bulk_extend": _written_from_memory}
"""How a store is filled (``kg.store.ondisk``'s function) → a write of the store that way."""


@pytest.mark.parametrize("fill", list(FILLS))
def test_a_failed_store_build_leaves_the_previous_store(built: Path, monkeypatch, fill: str):
    folder = store_path(built)
    before = files(folder)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(f"kg.store.ondisk.{fill}", full)
    with pytest.raises(StoreFolderError, match=r"cannot be written \(No space left on device\)"):
        FILLS[fill](built, built.read_bytes() + EXTRA.encode())
    assert files(folder) == before
    assert not leftovers(built)
    assert count(open_read_only(folder)) == read_manifest(built).quads


def test_a_store_filled_from_the_quads_the_artefact_was_written_from_holds_them(
    good_build: Path, tmp_path: Path, monkeypatch
):
    """What ``kg build`` does: the store is filled from its in-memory store, a batch at a time,
    not from the artefact's text; it holds the same graphs (blank nodes under other labels)."""
    monkeypatch.setattr("kg.store.ondisk.BULK_BATCH", 10)  # the build in several batches
    artefact = tmp_path / "ptkg.nq"
    shutil.copy(good_build, artefact)
    quads = ox.Store()
    quads.load(path=str(good_build), format=ox.RdfFormat.N_QUADS)
    in_memory = OxigraphStore.of(quads)
    data = artefact.read_bytes()
    assert data.count(b"\n") > 3 * 10 and b"_:" in data
    folder = write_store_from(artefact, Digest.of(data), quads)
    on_disk = open_read_only(folder)
    assert on_disk.quad_count() == in_memory.quad_count() == data.count(b"\n")
    assert_same_graphs(on_disk, in_memory)
    assert loaded_from(folder) == LoadedFrom.of(artefact, data)


# --- opening it: matching, stale, missing ----------------------------------------------------


def _removed(artefact: Path) -> int:
    shutil.rmtree(store_path(artefact))
    return read_manifest(artefact).quads


def _artefact_rebuilt(artefact: Path) -> int:
    return rebuilt_without_store(artefact)


def _from_another_pyoxigraph(artefact: Path) -> int:
    record = store_path(artefact) / RECORD
    record.write_text(json.dumps({**json.loads(record.read_text()), "pyoxigraph": "0.4.11"}))
    return read_manifest(artefact).quads


def _unreadable_record(artefact: Path) -> int:
    (store_path(artefact) / RECORD).write_text("{ not json")
    return read_manifest(artefact).quads


STALE = {
    "missing (a build from before the store)": _removed,
    "loaded from an artefact since rebuilt": _artefact_rebuilt,
    "written by another pyoxigraph": _from_another_pyoxigraph,
    "with an unreadable record": _unreadable_record,
}
"""How a store comes to be missing or stale → the quads the build then holds."""


@pytest.mark.parametrize("stale", list(STALE))
def test_a_missing_or_stale_store_is_rebuilt_before_it_is_served(built: Path, stale: str):
    folder = store_path(built)
    quads = STALE[stale](built)
    store = open_graph(built.parents[1])
    assert isinstance(store, OxigraphStore) and store.folder == folder
    assert count(store) == quads  # with the extra quad, where the artefact was rebuilt
    source = loaded_from(folder)
    assert source is not None and source.matches(read_manifest(built).sha256, quads)
    assert not leftovers(built)


def test_a_dataset_file_is_opened_from_a_matching_store_beside_it_else_loaded(
    built: Path, tmp_path: Path
):
    copy = tmp_path / "copy" / "graph.nq"
    copy.parent.mkdir()
    shutil.copy(built, copy)
    shutil.copy(manifest_path(built), manifest_path(copy))
    alone = open_graph(dataset_file=copy)
    assert isinstance(alone, OxigraphStore) and alone.folder is None  # in memory, as before
    shutil.copytree(store_path(built), store_path(copy))
    beside = open_graph(dataset_file=copy)
    assert isinstance(beside, OxigraphStore) and beside.folder == store_path(copy)
    # a stale store beside a dataset file is not rebuilt: the file is loaded, the store left
    rebuilt_without_store(copy)
    before = files(store_path(copy))
    stale = open_graph(dataset_file=copy)
    assert isinstance(stale, OxigraphStore) and stale.folder is None
    assert count(stale) == count(beside) + 1
    assert files(store_path(copy)) == before


def test_oxigraph_memory_loads_the_build_as_before(good_project: Path):
    store = open_graph(good_project, engine="oxigraph-memory")
    assert isinstance(store, OxigraphStore) and store.folder is None
    assert count(store) == read_manifest(good_project / ARTEFACT).quads


# --- a build that crashed half-way ------------------------------------------------------------

CRASHING_BUILD = """
import sys, time
from pathlib import Path
from kg.store import ondisk

real = ondisk._bulk_load

def load_then_hang(folder, data, base):
    quads = real(folder, data, base)
    print("loaded", flush=True)
    time.sleep(120)
    return quads

ondisk._bulk_load = load_then_hang
artefact = Path(sys.argv[1])
ondisk.write_store(artefact, artefact.read_bytes() + sys.argv[2].encode())
"""


def test_a_build_killed_half_way_leaves_the_store_and_its_leftover_is_cleaned(built: Path):
    folder = store_path(built)
    before = files(folder)
    crashing = subprocess.Popen(
        [sys.executable, "-c", CRASHING_BUILD, str(built), EXTRA],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert crashing.stdout is not None and crashing.stdout.readline() == "loaded\n"
    finally:
        crashing.kill()
        crashing.wait()
        crashing.stdout.close()  # type: ignore[union-attr]
    [leftover] = leftovers(built)
    assert leftover.startswith(f".{folder.name}.") and (built.parent / leftover).is_dir()
    assert files(folder) == before
    # ignored by whoever opens the build: the store in place matches the artefact
    store = open_graph(built.parents[1])
    assert isinstance(store, OxigraphStore) and store.folder == folder
    assert count(store) == read_manifest(built).quads
    # and removed by the next builder, whose turn came although the crashed one never ended its
    quads = rebuilt_without_store(built)
    assert count(open_graph(built.parents[1])) == quads
    assert not leftovers(built)


# --- a store that cannot be opened -----------------------------------------------------------


def _a_file(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.write_text("not a store\n")


def _no_current(folder: Path) -> None:
    (folder / "CURRENT").unlink()


def _truncated_table(folder: Path) -> None:
    largest = max(folder.glob("*.sst"), key=lambda p: p.stat().st_size)
    with largest.open("r+b") as handle:
        handle.truncate(100)


BROKEN = {
    "a file where the folder belongs": (_a_file, "is a file where the build's store folder"),
    "its CURRENT file removed": (_no_current, "cannot be opened as an Oxigraph store"),
    "a table file truncated": (_truncated_table, "cannot be opened as an Oxigraph store"),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_store_that_cannot_be_opened_is_one_line(built: Path, broken: str):
    damage, fragment = BROKEN[broken]
    folder = store_path(built)
    damage(folder)
    line = refused(kg("query", "--root", str(built.parents[1]), COUNT), 2, fragment)
    assert line.startswith(f"error: {folder} ")
    assert folder.exists()  # left as it is, for the operator to look at


# --- the server and its workers open it read-only --------------------------------------------


@pytest.mark.parametrize("engine", ["oxigraph", "oxigraph-memory"])
def test_every_worker_reports_how_it_opened_its_store(good_project: Path, engine: str):
    source = StoreSource.of(good_project, None, engine)
    pool = QueryPool(source, size=2, timeout=30)
    try:
        pool.start()
        opened = pool.opened()
        assert len(opened) == pool.size
        folder = str(store_path(good_project / ARTEFACT)) if engine == "oxigraph" else None
        assert set(opened.values()) == {folder}
    finally:
        pool.shutdown()


def test_what_a_worker_opens_refuses_updates(good_project: Path):
    store = StoreSource.of(good_project, None, "oxigraph").open()
    assert isinstance(store, OxigraphStore) and store.folder == store_path(good_project / ARTEFACT)
    quad = (URIRef("urn:x:s"), URIRef("urn:x:p"), URIRef("urn:x:o"), URIRef("urn:x:g"))
    with pytest.raises(RuntimeError, match="read-write"):
        store.add_quads([quad])


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?o ?q }"
"""Billions of rows on the fixture project's few dozen triples: it runs until it is killed."""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A real server with two query workers on a fresh build of the fixture project; yields its
    base URL and its store's folder."""
    root = tmp_path_factory.mktemp("served") / "project"
    shutil.copytree(PROJECTS / "good", root, ignore=shutil.ignore_patterns("build"))
    artefact = build(root).path
    with running_server("--root", str(root), "--workers", "2", "--timeout", "60") as base:
        yield base, store_path(artefact)


def open_store_files(pid: int, folder: Path) -> dict[str, int]:
    """The files of ``folder`` that process ``pid`` has open, with each one's access mode."""
    found = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = Path(os.readlink(fd))
            flags = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
        except OSError:
            continue
        if target.parent == folder:
            octal = next(line for line in flags.splitlines() if line.startswith("flags:"))
            found[target.name] = int(octal.split()[1], 8) & os.O_ACCMODE
    return found


@ON_LINUX
def test_the_app_and_every_worker_read_the_same_store_read_only(served):
    base, folder = served
    app = server_pid(base)
    workers = query_workers(base)
    assert len(workers) == min(2, os.cpu_count() or 1)
    tables = {p.name for p in folder.glob("*.sst")}
    for pid in (app, *workers):
        opened = open_store_files(pid, folder)
        assert tables <= set(opened), f"process {pid} has {sorted(opened)} of {folder} open"
        assert set(opened.values()) == {os.O_RDONLY}, f"process {pid} writes {folder}"
        assert "LOCK" not in opened
    # nobody holds RocksDB's lock: read-only opens take none, so any number may open the store
    with (folder / "LOCK").open("r+b") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(lock, fcntl.LOCK_UN)
    answer = call(base, "/sparql", params={"query": COUNT})
    assert answer.status == 200
    quads = int(answer.json()["results"]["bindings"][0]["n"]["value"])
    assert quads == loaded_from(folder).quads


@ON_LINUX
def test_workers_killed_mid_query_leave_the_store_as_it_was(served):
    base, folder = served
    before = files(folder)
    workers = query_workers(base)
    outcome: dict = {}
    running = threading.Thread(
        target=lambda: outcome.update(reply=call(base, "/sparql", params={"query": RUNAWAY}))
    )
    running.start()
    time.sleep(1.0)
    for pid in workers:  # one of them is running the query
        os.kill(pid, signal.SIGKILL)
    running.join(timeout=60)
    assert outcome["reply"].status == 500, outcome["reply"].text
    assert files(folder) == before
    assert count(open_read_only(folder)) == loaded_from(folder).quads
    assert call(base, "/sparql", params={"query": COUNT}).status == 200  # on the replacements
    assert not workers & query_workers(base)
