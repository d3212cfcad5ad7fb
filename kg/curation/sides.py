"""The two sides of a diff, read into one shape whatever they were given as.

A side is one of:

- ``.`` (or ``--worktree``): the curated files of the project as they are in the working tree;
- a project folder (one holding ``ontology/`` and ``data/``): its curated files;
- an RDF file: a build artefact (``build/ptkg.nq``), a ``.trig``, a ``.ttl`` or any format
  :func:`kg.rdf.formats.file_format` knows;
- a git revision of the project (``HEAD~1``, a branch, a commit): its curated files as of that
  revision, read from git's object store (what ``git show REV:path`` prints), so nothing is checked
  out and nothing is written to the working tree.

Each becomes a :class:`Side`: the triples of the curated *data* (``data/*.ttl``), which the diff
compares, and those of the *vocabulary* (``ontology/*.ttl``), which only name things (labels) and
say which classes are statements. A dataset that names its graphs as the build does
(``graph:data/…``, ``graph:ontology/…``) gives those graphs and nothing else, so a build's inferred
and derived graphs never count as a difference; any other file is all data.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib.term import Node

from kg.pipeline.load import curated_files, find_root, oxigraph_reason
from kg.rdf.formats import DATASET, LoadError, file_format
from kg.rdf.namespaces import GRAPH
from kg.store.terms import ConvertedTerms

WORKTREE = "."
"""The side that names the project's working tree."""

DATA, VOCABULARY = "data", "ontology"
"""The curated folders a side reads: the data compared, the vocabulary that names things."""

Index = dict[Node, dict[Node, set[Node]]]
"""Triples by subject, then predicate: the objects."""


class SideError(ValueError):
    """A side that cannot be read: no such file or revision, a file that does not parse."""


@dataclass
class Side:
    """One side of a diff: ``data`` (compared) and ``vocabulary`` (labels and classes only),
    ``name`` as the user gave it."""

    name: str
    data: Index = field(default_factory=dict, repr=False)
    vocabulary: Index = field(default_factory=dict, repr=False)
    _terms: ConvertedTerms = field(default_factory=ConvertedTerms, repr=False)

    def add(self, triples: Iterable[ox.Quad], into: Index) -> None:
        """Add pyoxigraph quads (their graph ignored) to ``into``."""
        convert = cast(Callable[[object], Node], self._terms.__getitem__)
        for t in triples:
            subject = convert(t.subject)
            predicates = into.get(subject)
            if predicates is None:
                predicates = into[subject] = {}
            predicates.setdefault(convert(t.predicate), set()).add(convert(t.object))


def read_side(spec: str, root: Path | None = None) -> Side:
    """The side ``spec`` names (see the module's docstring), for the project at ``root`` (found
    from the working directory when None). Raises :class:`SideError` with a one-line message."""
    path = Path(spec)
    try:
        if spec == WORKTREE:
            return read_project(_root(root), spec)
        if path.is_dir():
            if not all((path / kind).is_dir() for kind in (VOCABULARY, DATA)):
                raise SideError(f"{spec}: a folder, but not a project (no ontology/ and data/)")
            return read_project(path, spec)
        if path.exists():
            return read_file(path, spec)
        return read_revision(_root(root), spec)
    except LoadError as exc:
        raise SideError(str(exc)) from None


def _root(root: Path | None) -> Path:
    return (root or find_root()).resolve()


def read_project(root: Path, name: str, kinds: tuple[str, ...] = (VOCABULARY, DATA)) -> Side:
    """The curated data and vocabulary files (``kinds``) of the project folder ``root``."""
    side = Side(name)
    for f in curated_files(root, kinds):
        try:
            text = f.path.read_bytes()
        except OSError as exc:
            raise LoadError(f.path, exc.strerror or str(exc)) from None
        _add_turtle(side, f.kind, text, f.path, f.path)
    return side


def read_texts(root: Path, name: str, texts: Mapping[Path, bytes]) -> Side:
    """The side made of curated files held in memory: ``texts`` maps each file's path relative to
    ``root`` (``data/source-000.ttl``, ``ontology/…``) to its bytes, as a program that read the
    files earlier (a workbench comparing with how they were when it started) kept them."""
    side = Side(name)
    for relative, text in sorted(texts.items()):
        kind = relative.parts[0] if relative.parts else ""
        if kind in (DATA, VOCABULARY):
            _add_turtle(side, kind, text, relative, root / relative)
    return side


def working_vocabulary(root: Path | None = None) -> Index:
    """The working tree's ontology: labels and statement classes for a side that brings none
    (a plain data file). Empty when there is no project to read it from."""
    try:
        return read_project(_root(root), WORKTREE, (VOCABULARY,)).vocabulary
    except LoadError:
        return {}


def read_file(path: Path, name: str) -> Side:
    """An RDF file: the curated graphs of a dataset that names them as the build does, else every
    triple as data."""
    fmt = file_format(path)
    side = Side(name)
    try:
        parsed = list(
            ox.parse(path=str(path), format=fmt.oxigraph, base_iri=path.resolve().as_uri())
        )
    except SyntaxError as exc:
        raise LoadError(path, oxigraph_reason(exc), line=exc.lineno) from None
    except ValueError as exc:
        raise LoadError(path, str(exc)) from None
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc)) from None
    kinds = [_kind_of_graph(q.graph_name) for q in parsed] if fmt.kind == DATASET else []
    if DATA not in kinds:
        side.add(parsed, side.data)
        return side
    side.add((q for q, kind in zip(parsed, kinds, strict=True) if kind == DATA), side.data)
    vocabulary = (q for q, kind in zip(parsed, kinds, strict=True) if kind == VOCABULARY)
    side.add(vocabulary, side.vocabulary)
    return side


def _kind_of_graph(name: object) -> str | None:
    """``data`` or ``ontology`` for a curated file's named graph, None for any other."""
    if not isinstance(name, ox.NamedNode) or not name.value.startswith(str(GRAPH)):
        return None
    folder = name.value[len(str(GRAPH)) :].split("/", 1)[0]
    return folder if folder in (DATA, VOCABULARY) else None


def read_revision(root: Path, revision: str) -> Side:
    """The curated data and vocabulary of the project at ``root`` as of the git ``revision``: each
    ``*.ttl`` file below ``ontology/`` and ``data/`` read from git's object store."""
    commit = _git(
        root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"
    )
    if commit is None:
        raise SideError(
            f"{revision}: neither a file nor a revision of the git repository at {root}"
        )
    commit_id = commit.decode().strip()
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", commit_id, "--", VOCABULARY, DATA)
    names = sorted(n for n in (listing or b"").decode().split("\0") if n.endswith(".ttl"))
    side = Side(revision)
    for kind in (VOCABULARY, DATA):
        for name in names:
            if name.split("/", 1)[0] != kind:
                continue
            text = _git(root, "cat-file", "blob", f"{commit_id}:./{name}")
            if text is None:
                raise SideError(f"{revision}:{name}: git cannot read it")
            _add_turtle(side, kind, text, Path(f"{revision}:{name}"), root / name)
    return side


def _git(root: Path, *args: str) -> bytes | None:
    """What ``git args…`` prints, run in ``root``; None when git refuses (or is not there)."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def _add_turtle(side: Side, kind: str, text: bytes, shown: Path, base: Path) -> None:
    """Parse one Turtle file into the side's data or vocabulary; ``shown`` names it in an error,
    ``base`` is where it lies in the working tree (the base IRI the project's load gives it)."""
    try:
        triples = list(ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base.resolve().as_uri()))
    except SyntaxError as exc:
        raise LoadError(shown, oxigraph_reason(exc), line=exc.lineno) from None
    side.add(triples, side.data if kind == DATA else side.vocabulary)
