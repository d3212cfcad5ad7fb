"""Load the curated Turtle of a project into one RDF dataset, one named graph per file.

A *project* is a folder holding ``ontology/``, ``shapes/`` and ``data/``. Every Turtle file in them
becomes the named graph ``graph:<dir>/<file>`` so the provenance of every triple is known; the
dataset's default graph is the union of them all, for querying.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

import kg
from kg.rdf.formats import LoadError
from kg.rdf.namespaces import GRAPH, bind_prefixes

KINDS = ("ontology", "shapes", "data")
"""The curated folders of a project, in load order."""

ROOT_ENV = "PTKG_ROOT"


@dataclass(frozen=True)
class CuratedFile:
    """One Turtle file of a project and the named graph it is loaded into."""

    path: Path
    kind: str
    graph: URIRef


@dataclass
class Project:
    """The curated files of a project loaded into one dataset (default graph = union)."""

    root: Path
    dataset: Dataset
    files: list[CuratedFile] = field(default_factory=list)

    def graph(self, *kinds: str) -> Graph:
        """A new graph holding the triples of every file of the given kinds (all by default)."""
        wanted = kinds or KINDS
        merged = Graph()
        bind_prefixes(merged)
        for f in self.files:
            if f.kind in wanted:
                for triple in self.dataset.graph(f.graph):
                    merged.add(triple)
        return merged

    def file_of_graph(self, graph: URIRef) -> Path | None:
        """The file (relative to the project root) a named graph was loaded from."""
        for f in self.files:
            if f.graph == graph:
                return f.path.relative_to(self.root)
        return None


def graph_iri(root: Path, path: Path) -> URIRef:
    """The named-graph IRI of a curated file: ``graph:<dir>/<file>`` relative to the root."""
    return GRAPH[path.relative_to(root).as_posix()]


def find_root(start: Path | None = None) -> Path:
    """The project root: ``$PTKG_ROOT``, else ``start`` (or the working directory) or a parent of it
    that holds ``data/`` and ``ontology/``, else the checkout this package is installed from."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _is_project(candidate):
            return candidate
    checkout = Path(kg.__file__).resolve().parent.parent
    if _is_project(checkout):
        return checkout
    raise LoadError(
        here, "no project here: expected folders ontology/ and data/ (or set PTKG_ROOT)"
    )


def _is_project(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "data").is_dir()


def curated_files(root: Path, kinds: Iterable[str] = KINDS) -> Iterator[CuratedFile]:
    """Every ``*.ttl`` file below the given folders of ``root``, in a stable order."""
    for kind in kinds:
        for path in sorted((root / kind).rglob("*.ttl")):
            yield CuratedFile(path=path, kind=kind, graph=graph_iri(root, path))


def parse_turtle(path: Path, into: Graph | None = None) -> Graph:
    """Parse one Turtle file, raising :class:`LoadError` with ``file:line`` on a syntax error."""
    graph = into if into is not None else Graph()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc)) from None
    try:
        graph.parse(data=data, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise LoadError(path, exc._why, line=exc.lines + 1) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise LoadError(path, str(exc)) from None
    return graph


def load_project(root: Path | None = None, kinds: Iterable[str] = KINDS) -> Project:
    """Load every curated file of a project into its own named graph of one dataset."""
    root = (root or find_root()).resolve()
    if not _is_project(root):
        raise LoadError(root, "not a project folder: expected folders ontology/ and data/")
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    files = list(curated_files(root, kinds))
    for f in files:
        parse_turtle(f.path, into=dataset.graph(f.graph))
    return Project(root=root, dataset=dataset, files=files)
