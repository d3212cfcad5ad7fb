"""The incremental build: after an edit of data files, ``kg build`` continues from the cache the
previous build left (``kg.pipeline.incremental``) and writes byte for byte what a full build
writes, or refuses with the same violations.

The property test edits a copy of the curated project at random, a few edits in a row (the
triples of a file dropped, retargeted, re-worded, copied into another file, a file taken out or
added, a class hierarchy edited), and after each compares the incremental build with a full
build of the same files (``cache=False``, into another folder)."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rdflib import RDFS, BNode, Graph, Literal, URIRef

from kg.cli import cli
from kg.pipeline.build import ARTEFACT, BuildRefused, build
from kg.pipeline.cache import CACHE, SNAPSHOT, triples_part
from kg.pipeline.incremental import CLOSURE, VALIDATION

REPO = Path(__file__).resolve().parents[1]
CURATED = ("ontology", "shapes", "data")


def copy_project(target: Path) -> Path:
    for kind in CURATED:
        shutil.copytree(REPO / kind, target / kind)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the curated project, built once (so it has a cache)."""
    root = copy_project(tmp_path / "project")
    build(root)
    return root


def outcome(root: Path, *, cache: bool, out: Path | None = None) -> tuple[str, bytes | str, str]:
    """What a build does: ("built", the artefact's bytes, what it reused) or ("refused", the
    violations in words, what it reused)."""
    try:
        report = build(root, out, cache=cache)
    except BuildRefused as refused:
        return "refused", in_words(refused.validation.violations), ""
    return "built", report.path.read_bytes(), report.reuse


def in_words(violations: list) -> str:
    """The violations as text, each blank node of the shapes written ``_:b``: a path such as
    ``pt:a|pt:b`` is a blank node of the shapes graph, labelled anew by every parse, and violations
    that differ only in it are listed in either order."""
    return "\n\n".join(sorted(re.sub(r"_:[0-9A-Za-z]+", "_:b", v.format()) for v in violations))


def assert_as_full(root: Path, scratch: Path) -> str:
    """The incremental build of ``root`` gives what a full build gives; what it reused."""
    kind, made, reuse = outcome(root, cache=True)
    full_kind, full, _ = outcome(root, cache=False, out=scratch / "full.nq")
    assert (kind, made) == (full_kind, full)
    return reuse or kind


def rewrite(path: Path, graph: Graph) -> None:
    path.write_text(graph.serialize(format="turtle"), encoding="utf-8")


def parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def ordered(graph: Graph) -> list[tuple]:
    """The graph's triples in an order that does not depend on blank-node labels (ties between
    blank nodes are broken by the parse; an edit of either is as good a test)."""

    def key(term: object) -> str:
        return "_" if isinstance(term, BNode) else str(term)

    return sorted(graph, key=lambda t: tuple(key(term) for term in t))


EDITS = ("drop", "retarget", "reword", "copy", "take out", "add file", "hierarchy")


def edit(root: Path, kind: str, draw) -> None:
    """Apply one edit of ``kind`` to the data files of ``root``, choices drawn by ``draw``."""
    files = sorted((root / "data").glob("*.ttl"))
    target = files[draw(st.integers(0, len(files) - 1))]
    graph = parsed(target)
    triples = ordered(graph)
    if kind == "take out":
        target.unlink()
        return
    if kind == "add file" or kind == "copy":
        donor = ordered(parsed(files[draw(st.integers(0, len(files) - 1))]))
        chosen = draw(st.lists(st.integers(0, len(donor) - 1), min_size=1, max_size=5))
        into = root / "data" / f"added-{len(files)}.ttl" if kind == "add file" else target
        extra = Graph() if kind == "add file" else graph
        for i in chosen:
            extra.add(donor[i])
        rewrite(into, extra)
        return
    if kind == "hierarchy":
        classes = sorted(
            {o for _, _, o in graph.triples((None, None, None)) if "ontology" in str(o)}
        )
        if len(classes) >= 2:
            a, b = draw(st.sampled_from(classes)), draw(st.sampled_from(classes))
            graph.add((a, RDFS.subClassOf, b))
            rewrite(target, graph)
        return
    if not triples:
        return
    s, p, o = triples[draw(st.integers(0, len(triples) - 1))]
    graph.remove((s, p, o))
    if kind == "retarget" and isinstance(o, URIRef):
        others = sorted({x for _, _, x in graph.triples((None, p, None)) if isinstance(x, URIRef)})
        if others:
            graph.add((s, p, draw(st.sampled_from(others))))
    elif kind == "reword" and isinstance(o, Literal):
        graph.add((s, p, Literal(f"{o} (edited)", lang=o.language, datatype=o.datatype)))
    rewrite(target, graph)


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_an_incremental_build_writes_what_a_full_build_writes(data) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = copy_project(Path(scratch) / "project")
        build(root)
        for _ in range(data.draw(st.integers(1, 3), label="edits")):
            kind = data.draw(st.sampled_from(EDITS), label="edit")
            edit(root, kind, data.draw)
            event(assert_as_full(root, Path(scratch)).split(":")[0])


def test_a_build_with_nothing_changed_reuses_everything(project: Path, tmp_path: Path) -> None:
    first = (project / ARTEFACT).read_bytes()
    report = build(project)
    assert report.reuse == "incremental: no curated file changed"
    assert "validate: 0 focus nodes, what the change reaches" in report.work
    assert report.path.read_bytes() == first


def test_an_edit_of_one_statement_revalidates_only_what_it_reaches(
    project: Path, tmp_path: Path
) -> None:
    source = project / "data" / "source-002.ttl"
    text = source.read_text(encoding="utf-8")
    speaker = "pt:speaker actor:author-of-doc-002 ;"
    assert speaker in text
    source.write_text(text.replace(speaker, "pt:speaker actor:third-party-countries ;", 1))
    report = build(project)
    assert report.reuse == "incremental: 1 file(s) changed (data/source-002.ttl)"
    # the file is parsed again, but its blank nodes keep their labels: only the statement's
    # own results and derivations are redone, not those of the file's 60-odd annotations
    validated = re.fullmatch(
        r"validate: (\d+) focus nodes, what the change reaches", report.work[0]
    )
    over_deleted = re.fullmatch(r"reason: updated \((\d+) over-deleted, .*", report.work[1])
    assert validated and 0 < int(validated[1]) <= 3, report.work
    assert over_deleted and 0 < int(over_deleted[1]) <= 10, report.work
    assert report.path.read_bytes() == outcome(project, cache=False, out=tmp_path / "f.nq")[1]
    report = build(project)  # nothing changed since: the cache followed the edit
    assert report.reuse == "incremental: no curated file changed"


def test_an_edit_of_the_ontology_builds_in_full(project: Path, tmp_path: Path) -> None:
    ontology = project / "ontology" / "ptkg.ttl"
    ontology.write_text(ontology.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    kind, _, reuse = outcome(project, cache=True)
    assert (kind, reuse) == ("built", "full build: the ontology changed")
    assert build(project).reuse == "incremental: no curated file changed"


def test_a_damaged_cache_is_not_used(project: Path, tmp_path: Path) -> None:
    part = project / CACHE / triples_part("data/source-001.ttl")
    part.write_bytes(part.read_bytes() + b"\n")  # its digest no longer the snapshot's
    source = project / "data" / "source-000.ttl"
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    kind, _, reuse = outcome(project, cache=True)
    assert (kind, reuse) == (
        "built",
        "full build: no cache of a build of this version and inference",
    )
    assert_as_full(project, tmp_path)


def test_a_refused_build_leaves_the_cache_of_the_last_good_one(
    project: Path, tmp_path: Path
) -> None:
    cache = project / CACHE
    before = {p.name: p.read_bytes() for p in cache.iterdir()}
    positions = project / "data" / "positions.ttl"
    kept = positions.read_bytes()
    positions.unlink()  # every statement's position now dangles
    with pytest.raises(BuildRefused):
        build(project)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before
    positions.write_bytes(kept)
    assert build(project).reuse == "incremental: no curated file changed"


def test_the_snapshot_names_every_part_with_its_digest(project: Path) -> None:
    cache = project / CACHE
    snapshot = json.loads((cache / SNAPSHOT).read_text())
    on_disk = {p.name for p in cache.iterdir()} - {SNAPSHOT}
    assert set(snapshot["parts"]) == on_disk
    assert {VALIDATION, CLOSURE} <= on_disk
    assert len(snapshot["files"]) == sum(
        1 for kind in CURATED for _ in (project / kind).rglob("*.ttl")
    )


def test_full_leaves_the_cache_as_it_was(project: Path, runner) -> None:
    cache = project / CACHE
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    source = project / "data" / "source-000.ttl"
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = runner.invoke(cli, ["build", "--root", str(project), "--full", "--timings"])
    assert result.exit_code == 0, result.output
    assert "full build: asked for" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before
    result = runner.invoke(cli, ["build", "--root", str(project), "--timings"])
    assert "incremental: 1 file(s) changed (data/source-000.ttl)" in result.output
    assert "reason: updated" in result.output


def test_a_cache_that_cannot_be_written_is_a_warning(project: Path, runner) -> None:
    shutil.rmtree(project / CACHE)
    (project / CACHE).write_text("not a folder")
    result = runner.invoke(cli, ["build", "--root", str(project)])
    assert result.exit_code == 0, result.output
    assert "warning: the build cache in" in result.output
    assert "could not be written" in result.output
    assert (project / ARTEFACT).is_file()
