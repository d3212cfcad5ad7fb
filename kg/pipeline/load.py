"""Load the curated Turtle of a project into one RDF dataset, one named graph per file.

A *project* is a folder holding ``ontology/``, ``shapes/`` and ``data/``. Every Turtle file in them
becomes the named graph ``graph:<dir>/<file>`` so the provenance of every triple is known.

The files are parsed by Oxigraph into an in-memory pyoxigraph store (``Project.quads``): at a
million triples that takes seconds where rdflib's Turtle parser takes most of a minute, and holds
the data in a fraction of the memory. rdflib's views are made from it on demand: the graph of some
kinds of file (what SHACL validation and the OWL 2 RL closure read) and the whole dataset. A file
Oxigraph cannot parse is parsed again by rdflib for its message, so a syntax error reads as it
always has (``file:line: what is wrong``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

import kg
from kg.rdf.formats import LoadError
from kg.rdf.namespaces import GRAPH, bind_prefixes
from kg.store.terms import ConvertedTerms, to_ox

KINDS = ("ontology", "shapes", "data")
"""The curated folders of a project, in load order."""

ROOT_ENV = "PTKG_ROOT"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@dataclass(frozen=True)
class CuratedFile:
    """One Turtle file of a project and the named graph it is loaded into."""

    path: Path
    kind: str
    graph: URIRef


@dataclass
class Project:
    """The curated files of a project, each in its named graph of ``quads`` (a pyoxigraph store
    that the build goes on to fill with the inferred and derived graphs)."""

    root: Path
    quads: ox.Store
    files: list[CuratedFile] = field(default_factory=list)
    _terms: ConvertedTerms = field(default_factory=ConvertedTerms, init=False, repr=False)

    def graph(self, *kinds: str) -> Graph:
        """A new rdflib graph holding the triples of every file of the given kinds (all by
        default)."""
        wanted = kinds or KINDS
        merged = Graph()
        bind_prefixes(merged)
        convert = self.converter()
        add = merged.add
        for f in self.files:
            if f.kind in wanted:
                for quad in self.quads.quads_for_pattern(None, None, None, ox.NamedNode(f.graph)):
                    add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
        return merged

    @property
    def dataset(self) -> Dataset:
        """A new rdflib dataset of every graph in ``quads`` (default graph = their union): rdflib's
        view for whoever wants its API; the build itself never makes one."""
        dataset = Dataset(default_union=True)
        bind_prefixes(dataset)
        convert = self.converter()
        for quad in self.quads:
            graph = dataset.graph(cast(URIRef, convert(quad.graph_name)))
            graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
        return dataset

    def forget_terms(self) -> None:
        """Let go of the rdflib terms the views made (each distinct term of the project, made
        once and kept): at a million triples they hold hundreds of megabytes that a build needs
        no more once its views are made. A later view makes its terms again."""
        self._terms = ConvertedTerms()

    def converter(self) -> Callable[[object], Node]:
        """pyoxigraph term → rdflib term, each distinct term made once for the project."""
        return cast(Callable[[object], Node], self._terms.__getitem__)

    def file_of_graph(self, graph: URIRef) -> Path | None:
        """The file (relative to the project root) a named graph was loaded from."""
        for f in self.files:
            if f.graph == graph:
                return f.path.relative_to(self.root)
        return None

    def file_describing(self, subject: Node) -> str | None:
        """The first curated file (ontology or data, in load order) that types ``subject``
        (``rdf:type``), else the first with it as the subject of a triple, relative to the root;
        ``None`` when none has. A file that only links the subject elsewhere (the SKOS mappings of
        ``ontology/mappings.ttl``) is named only when no file types it."""
        try:
            term = to_ox(subject)
        except TypeError:
            return None
        if isinstance(term, ox.Literal):
            return None
        named: dict[str, bool] = {}
        for q in self.quads.quads_for_pattern(term, None, None, None):
            if isinstance(q.graph_name, ox.NamedNode):
                graph = str(q.graph_name.value)
                named[graph] = named.get(graph, False) or q.predicate == _RDF_TYPE
        curated = [f for f in self.files if f.kind != "shapes" and str(f.graph) in named]
        chosen = next((f for f in curated if named[str(f.graph)]), curated[0] if curated else None)
        return chosen.path.relative_to(self.root).as_posix() if chosen else None


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


def load_project(
    root: Path | None = None,
    kinds: Iterable[str] = KINDS,
    *,
    as_loaded: Mapping[str, bytes] | None = None,
) -> Project:
    """Load every curated file of a project into its own named graph of one store.

    ``as_loaded`` maps a file (relative to the root) to its triples as an earlier load gave them
    (N-Triples, ``kg.pipeline.cache``): such a file is read from them, keeping the blank-node
    labels that load gave, instead of being parsed again (the caller has checked that the file
    is unchanged)."""
    root = (root or find_root()).resolve()
    if not _is_project(root):
        raise LoadError(root, "not a project folder: expected folders ontology/ and data/")
    quads = ox.Store()
    files = list(curated_files(root, kinds))
    earlier = as_loaded or {}
    for f in files:
        name = f.path.relative_to(root).as_posix()
        if name in earlier:
            graph = ox.NamedNode(f.graph)
            triples = ox.parse(earlier[name], format=ox.RdfFormat.N_TRIPLES)
            quads.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        else:
            _load_turtle(f, quads)
    return Project(root=root, quads=quads, files=files)


def _load_turtle(f: CuratedFile, into: ox.Store) -> None:
    """Parse ``f`` with Oxigraph into its named graph; on a syntax error, raise rdflib's
    :class:`LoadError` (the message curators know), or Oxigraph's where rdflib accepts the text."""
    base = f.path.resolve().as_uri()
    try:
        data = f.path.read_bytes()
    except OSError as exc:
        raise LoadError(f.path, exc.strerror or str(exc)) from None
    try:
        into.load(data, format=ox.RdfFormat.TURTLE, base_iri=base, to_graph=ox.NamedNode(f.graph))
    except SyntaxError as exc:
        parse_turtle(f.path)
        raise LoadError(f.path, oxigraph_reason(exc), line=exc.lineno) from None


def oxigraph_reason(error: SyntaxError) -> str:
    """Oxigraph's message without the position it starts with (the caller gives the line)."""
    message = str(error.msg)
    return (
        message.split(": ", 1)[1]
        if message.startswith("Parser error") and ": " in message
        else message
    )
