"""The pipeline: load → validate → reason → write the build artefact the server loads.

The artefact is one sorted N-Quads file (``build/ptkg.nq``): every curated file in its own named
graph, plus the entailments in ``graph:inferred``. It is written atomically, and only for data that
conforms to the shapes, followed by its manifest (``kg.pipeline.manifest``), against which whoever opens the
build checks it first, and by the on-disk store loaded from it (``kg.store.ondisk``), which the
server opens read-only.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from kg.fsutil import atomic_write
from kg.pipeline.derive import derive_store
from kg.pipeline.incremental import Checks, KeptShapes, load_planned, plan
from kg.pipeline.load import Project, find_root
from kg.pipeline.manifest import ArtefactError, Manifest, is_recorded, verify, write_manifest
from kg.pipeline.questions_index import write_index
from kg.pipeline.reason import Inferred, infer
from kg.pipeline.validate import ValidationResult
from kg.rdf.namespaces import INFERRED_GRAPH
from kg.store import DEFAULT_ENGINE, SparqlHttpStore, Store, is_remote, open_store
from kg.store.ondisk import read_only_store, write_store_from
from kg.store.oxigraph import OxigraphStore
from kg.store.serialize import Digest, canonical_nquads, graph_sizes, write_canonical_store
from kg.store.terms import QuadConverter

ARTEFACT = Path("build") / "ptkg.nq"
"""Where ``kg build`` writes, relative to the project root."""


class BuildRefused(Exception):
    """The data does not conform to the shapes; nothing was written."""

    def __init__(self, validation: ValidationResult) -> None:
        self.validation = validation
        super().__init__("the data does not conform to the shapes; nothing was written")


@dataclass
class BuildReport:
    """What a build wrote, and the seconds each stage took (``stages``, in the order run)."""

    path: Path
    quads: int
    inferred: int
    seconds: float
    graphs: dict[str, int] = field(default_factory=dict)
    manifest: Path | None = None
    store: Path | None = None
    """The on-disk store the server opens (``kg.store.ondisk``), holding the artefact's quads."""
    stages: dict[str, float] = field(default_factory=dict)
    engines: dict[str, str] = field(default_factory=dict)
    """Which engine validated and which reasoned (``fast``/``pyshacl``, ``rules``/``owlrl``…)."""
    fallbacks: dict[str, str] = field(default_factory=dict)
    """Why the reference engine ran where the fast one would have, by stage."""
    reuse: str = ""
    """What the build took from the previous one, or why nothing (``kg.pipeline.incremental``)."""
    work: list[str] = field(default_factory=list)
    """What validating and reasoning did: how many focus nodes, an update or a full closure."""
    notes: list[str] = field(default_factory=list)
    """Warnings that did not stop the build (a cache that could not be written)."""


class Stopwatch:
    """Seconds per stage of one build: ``with watch("load"): …``."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        begun = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] = self.stages.get(stage, 0.0) + time.perf_counter() - begun

    def total(self) -> float:
        return time.perf_counter() - self.started


def assemble(project: Project, inference: str = "owlrl") -> Dataset:
    """The project's dataset with the closure of ontology + data in ``graph:inferred`` and the
    lifecycles the temporal questions need in ``graph:derived`` (``kg/pipeline/derive.py``), as
    rdflib's view (see :func:`close` for the build's own)."""
    close(project, project.graph("ontology", "data"), inference)
    return project.dataset


def close(
    project: Project,
    data: Graph,
    inference: str = "owlrl",
    watch: Stopwatch | None = None,
    *,
    reference: bool = False,
) -> Inferred:
    """Add to ``project.quads`` the closure of ``data`` (the project's ontology and data) in
    ``graph:inferred`` and the derived facts in ``graph:derived``; return the closure."""
    watch = watch or Stopwatch()
    with watch("reason"):
        inferred = infer(data, inference, reference=reference)
        convert, graph = QuadConverter(), INFERRED_GRAPH
        project.quads.extend(convert(s, p, o, graph) for s, p, o in inferred)
    with watch("derive"):
        derive_store(OxigraphStore.of(project.quads))
    return inferred


def build(
    root: Path | None = None,
    out: Path | None = None,
    inference: str = "owlrl",
    *,
    reference: bool = False,
    cache: bool = True,
    kept: KeptShapes | None = None,
) -> BuildReport:
    """Validate, reason and write the artefact, then its manifest; raise :class:`BuildRefused`
    if the data does not conform, :class:`ArtefactError` if the artefact cannot be written there
    (a directory is refused before any work is done). ``reference`` validates with pySHACL and
    reasons with owlrl's own semantics: the reference semantics, which the fast engines match
    (the same bytes), slowly.

    With ``cache`` (the default) the build continues from the previous one when only data files
    changed, validating again and re-deriving only what the change can reach
    (``kg.pipeline.incremental``; the same bytes as a full build), and leaves its own cache in
    ``build/cache/`` for the next when it writes the project's own artefact (one written
    elsewhere, ``out``, may start from the cache but leaves it as it was); ``cache=False`` builds
    in full and leaves the cache as it was. ``kept`` holds the shapes as an earlier build of this
    process read them (``kg build --watch``), reused while their files are unchanged."""
    watch = Stopwatch()
    with watch("load"):
        root = (root or find_root()).resolve()
        found = plan(root, inference, use_cache=cache, reference=reference)
        project = load_planned(found)
    path = out or project.root / ARTEFACT
    _check_target(path)
    with watch("view"):
        checks = Checks(found, project, project.graph("ontology", "data"), reference, kept)
    with watch("validate"):
        validation = checks.validate()
    if not validation.conforms:
        raise BuildRefused(validation)
    engine, fallback, cache_note = _close(checks, inference, path, watch)
    with watch("derive"):
        derive_store(OxigraphStore.of(project.quads))
    written, manifest, store = write_build(project, path, watch)
    graphs = graph_sizes(project.quads)
    return BuildReport(
        path=path,
        quads=written.quads,
        inferred=graphs.get(str(INFERRED_GRAPH), 0),
        seconds=watch.total(),
        graphs=graphs,
        manifest=manifest,
        stages=watch.stages,
        engines={"validate": validation.engine, "reason": engine},
        fallbacks={
            stage: why
            for stage, why in (("validate", validation.fallback), ("reason", fallback))
            if why
        },
        store=store,
        reuse=found.describe(),
        work=checks.notes,
        notes=[cache_note] if cache_note else [],
    )


def _close(
    checks: Checks, inference: str, path: Path, watch: Stopwatch
) -> tuple[str, str | None, str | None]:
    """The closure into ``graph:inferred`` (stage ``reason``), then the cache for the next build
    (``cache``: for the project's own artefact only, ``--out`` leaves no trace in it); the
    closure's engine, why the reference one ran if it did, and a note if the cache could not be
    written. The rdflib view and the states are let go of: the largest things a build holds."""
    project = checks.project
    with watch("reason"):
        triples, engine, fallback = checks.reason(inference)
        convert = QuadConverter()
        project.quads.extend(convert(s, p, o, INFERRED_GRAPH) for s, p, o in triples)
    checks.data = Graph()  # rdflib's copy of ontology + data
    with watch("cache"):
        cache_note = checks.save() if path == project.root / ARTEFACT else None
    checks.release()
    return engine, fallback, cache_note


def write_build(project: Project, path: Path, watch: Stopwatch) -> tuple[Digest, Path, Path]:
    """Write the artefact of ``project.quads`` at ``path`` and its manifest (stage ``write``),
    then the on-disk store beside it (``store``); return the artefact's digest, the manifest and
    the store's folder. Raises :class:`ArtefactError` when either cannot be written.

    The artefact is written as it is serialised, its digest kept on the way, and the store is
    filled from ``project.quads``: at a million triples the artefact's 470 MB of text is never
    held whole, nor parsed again. What the stages before made and no longer need is let go of
    first: the terms of the rdflib views, and the views themselves, which are reference cycles
    (a graph and its namespace manager) that only a full collection frees, and Python's cycle
    collector runs one rarely once millions of objects have lived long: at a million triples
    the rdflib graph of ontology + data stayed, a gigabyte, until the build ended."""
    project.forget_terms()
    gc.collect()
    with watch("write"):
        try:
            with atomic_write(path) as handle:
                written = write_canonical_store(project.quads, handle)
            manifest = write_manifest(path, written)
        except OSError as exc:
            raise ArtefactError(path, f"cannot be written: {exc.strerror or exc}") from None
    with watch("store"):
        try:
            store = write_store_from(path, written, project.quads)  # what the server opens
            write_index(path, sha256=written.sha256)  # what the server holds for the questions
        except OSError as exc:
            raise ArtefactError(path, f"cannot be written: {exc.strerror or exc}") from None
    return written, manifest, store


def _check_target(path: Path) -> None:
    """Refuse, before the slow work, an artefact path that can never be written: a directory, or
    one below a file (the operator's mistake, told in one line rather than as a traceback)."""
    if path.is_dir():
        raise ArtefactError(path, "is a directory where the build file belongs: remove it")
    for folder in path.absolute().parents:
        if folder.exists():
            if not folder.is_dir():
                raise ArtefactError(path, f"cannot be written: {folder} is a file, not a folder")
            return


def write_nquads(dataset: Dataset, path: Path, *, overwrite: bool = True) -> int:
    """Write the named graphs of ``dataset`` as sorted N-Quads, atomically; return the quad count.

    No manifest: a file written this way is an ordinary RDF file, served as given."""
    data = canonical_nquads(dataset)
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(data)
    return data.count(b"\n")


def is_fresh(root: Path, artefact: Path) -> bool:
    """True when the artefact is a file with a manifest of this build format and is newer than
    every curated file. A build from before manifests (or of another format) is not fresh, so
    it is rebuilt rather than refused; whether its content matches is :func:`checked_source`'s
    question."""
    if not artefact.is_file() or not is_recorded(artefact):
        return False
    built = artefact.stat().st_mtime
    curated = [p for kind in ("ontology", "shapes", "data") for p in (root / kind).rglob("*.ttl")]
    return all(p.stat().st_mtime <= built for p in curated)


def open_graph(
    root: Path | None = None,
    dataset_file: Path | None = None,
    engine: str = DEFAULT_ENGINE,
    inference: str = "owlrl",
) -> Store:
    """A store holding what the server serves: ``dataset_file`` if given, else the project's build
    (rebuilt first when a curated file is newer than it), checked against its manifest first
    (:func:`checked_source`). A remote store (``engine`` a ``sparql+http(s)://`` URL) is checked
    to answer and used as it is: nothing is loaded locally.

    The default engine opens the build's on-disk store read-only (``kg.store.ondisk``), rebuilt
    from the artefact first when it is missing or stale; a ``dataset_file`` is opened so only
    when a store matching it is beside it, and otherwise loaded into memory, as every other
    engine loads it (``oxigraph-memory`` is Oxigraph in memory)."""
    if is_remote(engine):
        remote = SparqlHttpStore(engine)
        remote.check()
        return remote
    source, manifest = checked_build(root, dataset_file, inference)
    if engine == DEFAULT_ENGINE and manifest is not None:
        on_disk = read_only_store(
            source, manifest.sha256, manifest.quads, rebuild=dataset_file is None
        )
        if on_disk is not None:
            return on_disk
    store = open_store(engine)
    store.load_file(source)
    return store


def checked_source(
    root: Path | None = None, dataset_file: Path | None = None, inference: str = "owlrl"
) -> Path:
    """The file to load, checked against its manifest: ``dataset_file`` if given, else the
    project's build, rebuilt first when it is stale or has no manifest.

    The project's build must match its manifest; a ``dataset_file`` is any RDF file and is taken
    as given, unless a manifest is beside it (it was written by ``kg build --out``, or it is the
    build itself, as the query workers load it), which it must then match. Raises
    :class:`kg.pipeline.manifest.ManifestMismatch` (a :class:`kg.pipeline.load.LoadError`) when it does not."""
    return checked_build(root, dataset_file, inference)[0]


def checked_build(
    root: Path | None = None, dataset_file: Path | None = None, inference: str = "owlrl"
) -> tuple[Path, Manifest | None]:
    """:func:`checked_source`, and the manifest it was checked against (None for a file
    without one)."""
    if dataset_file is not None:
        dataset_file = Path(dataset_file)
        return dataset_file, verify(dataset_file)
    root = (root or find_root()).resolve()
    artefact = root / ARTEFACT
    if not is_fresh(root, artefact):
        build(root, artefact, inference)
    return artefact, verify(artefact, required=True)
