"""The pipeline: load → validate → reason → write the build artefact the server loads.

The artefact is one sorted N-Quads file (``build/ptkg.nq``): every curated file in its own named
graph, plus the entailments in ``graph:inferred``. It is written atomically, and only for data that
conforms to the shapes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset

from kg.derive import derive_dataset
from kg.formats import canonical_nquads
from kg.fsutil import atomic_write
from kg.load import Project, find_root, load_project
from kg.namespaces import INFERRED_GRAPH
from kg.reason import infer
from kg.store import DEFAULT_ENGINE, SparqlHttpStore, Store, is_remote, open_store
from kg.validate import ValidationResult, validate_project

ARTEFACT = Path("build") / "ptkg.nq"
"""Where ``kg build`` writes, relative to the project root."""


class BuildRefused(Exception):
    """The data does not conform to the shapes; nothing was written."""

    def __init__(self, validation: ValidationResult) -> None:
        self.validation = validation
        super().__init__("the data does not conform to the shapes; nothing was written")


@dataclass
class BuildReport:
    path: Path
    quads: int
    inferred: int
    seconds: float
    graphs: dict[str, int] = field(default_factory=dict)


def assemble(project: Project, inference: str = "owlrl") -> Dataset:
    """The project's dataset with the closure of ontology + data in ``graph:inferred`` and the
    lifecycles the temporal questions need in ``graph:derived`` (``kg/derive.py``)."""
    inferred = infer(project.graph("ontology", "data"), inference)
    target = project.dataset.graph(INFERRED_GRAPH)
    for triple in inferred:
        target.add(triple)
    derive_dataset(project.dataset)
    return project.dataset


def build(
    root: Path | None = None, out: Path | None = None, inference: str = "owlrl"
) -> BuildReport:
    """Validate, reason and write the artefact; raise :class:`BuildRefused` if the data does not conform."""
    started = time.perf_counter()
    project = load_project(root)
    validation = validate_project(project)
    if not validation.conforms:
        raise BuildRefused(validation)
    dataset = assemble(project, inference)
    path = out or project.root / ARTEFACT
    quads = write_nquads(dataset, path)
    graphs = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    return BuildReport(
        path=path,
        quads=quads,
        inferred=len(dataset.graph(INFERRED_GRAPH)),
        seconds=time.perf_counter() - started,
        graphs=graphs,
    )


def write_nquads(dataset: Dataset, path: Path, *, overwrite: bool = True) -> int:
    """Write the named graphs of ``dataset`` as sorted N-Quads, atomically; return the quad count."""
    data = canonical_nquads(dataset)
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(data)
    return data.count(b"\n")


def is_fresh(root: Path, artefact: Path) -> bool:
    """True when the artefact exists and is newer than every curated file."""
    if not artefact.exists():
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
    (rebuilt first when a curated file is newer than it). A remote store (``engine`` a
    ``sparql+http(s)://`` URL) is checked to answer and used as it is: nothing is loaded locally."""
    if is_remote(engine):
        remote = SparqlHttpStore(engine)
        remote.check()
        return remote
    store = open_store(engine)
    if dataset_file is not None:
        store.load_file(Path(dataset_file))
        return store
    root = (root or find_root()).resolve()
    artefact = root / ARTEFACT
    if not is_fresh(root, artefact):
        build(root, artefact, inference)
    store.load_file(artefact)
    return store
