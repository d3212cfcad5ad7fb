"""What one build leaves for the next, so that an edit costs what it can affect.

``build/cache/`` holds each curated file's quads exactly as the build loaded them (blank nodes
with the labels the validation and the closure know them by) and, beside them, the states the
validation and the closure keep between builds. ``snapshot.json``, written last, names every part
with its SHA-256 and says what the build read: each curated file's digest, the inference mode, the
package and cache format versions. A snapshot that is missing, of another version or mode, or whose
parts do not match their digests is no snapshot: the build is then a full one, and writes a new
cache. Parts are written atomically, the snapshot after them, so a build stopped half-way leaves
either the previous snapshot with its parts or none that matches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from rdflib.term import Node

import kg
from kg.fsutil import atomic_write, file_sha256, sha256_hex
from kg.pipeline.load import CuratedFile, Project

CACHE = Path("build") / "cache"
"""Where a build leaves its cache, relative to the project root."""
FORMAT = 1
"""The layout of the cache; another one is ignored (and replaced)."""
SNAPSHOT = "snapshot.json"


@dataclass
class Snapshot:
    """What the previous build read (``files``: curated file, relative to the root → SHA-256 of
    its bytes) and the cache parts it left (part name → SHA-256)."""

    files: dict[str, str]
    inference: str
    parts: dict[str, str] = field(default_factory=dict)
    version: str = kg.__version__
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=1, sort_keys=True).encode()


@dataclass(frozen=True)
class Changes:
    """How the curated files differ from the snapshot's, by path relative to the root."""

    changed: frozenset[str]
    added: frozenset[str]
    removed: frozenset[str]

    @property
    def touched(self) -> frozenset[str]:
        return self.changed | self.added | self.removed

    def only_data(self) -> bool:
        """True when every touched file is a data file (ontology and shapes as they were)."""
        return all(name.startswith("data/") for name in self.touched)


class BuildCache:
    """The cache folder of one project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / CACHE

    def snapshot(self, inference: str) -> Snapshot | None:
        """The previous build's snapshot, if it is whole and of this version and mode."""
        try:
            recorded = json.loads((self.folder / SNAPSHOT).read_bytes())
            found = Snapshot(**recorded)
        except (OSError, ValueError, TypeError):
            return None
        if (found.format, found.version, found.inference) != (FORMAT, kg.__version__, inference):
            return None
        for name, expected in found.parts.items():
            try:
                if file_sha256(self.folder / name) != expected:
                    return None
            except OSError:
                return None
        return found

    def part(self, name: str) -> bytes:
        """A part of the current snapshot (checked against its digest by :meth:`snapshot`)."""
        return (self.folder / name).read_bytes()

    def begin(self) -> None:
        """Take the snapshot away before any part changes: a build stopped while writing the
        cache leaves none, and the next build is a full one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / SNAPSHOT).unlink(missing_ok=True)

    def save(
        self, snapshot: Snapshot, parts: dict[str, bytes], written: Iterable[str] = ()
    ) -> None:
        """Write ``parts``, then the snapshot naming them, the parts it already names and the
        ``written`` ones (files the caller wrote into the folder itself); any other file is
        removed. Call :meth:`begin` before changing anything in the folder."""
        self.begin()
        for name, data in parts.items():
            with atomic_write(self.folder / name) as handle:
                handle.write(data)
            snapshot.parts[name] = sha256_hex(data)
        for name in written:
            snapshot.parts[name] = file_sha256(self.folder / name)
        with atomic_write(self.folder / SNAPSHOT) as handle:
            handle.write(snapshot.to_json())
        for stale in self.folder.iterdir():
            named = stale.name == SNAPSHOT or stale.name in snapshot.parts
            if not named and not stale.name.startswith(".") and stale.is_file():
                stale.unlink()  # (a name starting with a dot is a file being written)


def file_digests(root: Path, files: Iterable[CuratedFile]) -> dict[str, str]:
    """Each curated file (relative to the root) → the SHA-256 of its bytes."""
    return {f.path.relative_to(root).as_posix(): sha256_hex(f.path.read_bytes()) for f in files}


def changes(previous: dict[str, str], current: dict[str, str]) -> Changes:
    return Changes(
        changed=frozenset(n for n in current if n in previous and previous[n] != current[n]),
        added=frozenset(n for n in current if n not in previous),
        removed=frozenset(n for n in previous if n not in current),
    )


TRIPLES = "triples-"
"""The name of every cache part holding a curated file's triples starts so."""


def triples_part(name: str) -> str:
    """The cache part holding a curated file's triples as loaded."""
    return TRIPLES + quote(name, safe="") + ".nt"


def file_triples(project: Project, f: CuratedFile) -> bytes:
    """A curated file's triples as N-Triples, blank nodes by the labels the project gave them
    (:func:`kg.pipeline.load.load_project` reads them back with those labels)."""
    written = project.quads.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(f.graph))
    assert written is not None
    return written


Triple = tuple[Node, Node, Node]


def triple_changes(
    project: Project, earlier: Mapping[str, bytes], touched: Iterable[str]
) -> tuple[set[Triple], set[Triple]]:
    """The triples the union of the project's graphs gained and lost, as rdflib triples, when the
    ``touched`` files changed: ``earlier`` holds the triples of those that existed before, as
    that build loaded them. A triple that another ontology or data file still states was neither
    gained nor lost (shapes are not part of the union the validation and the closure read)."""
    touched = set(touched)
    graphs = {str(f.graph) for f in project.files if f.kind != "shapes"}  # what is reasoned on
    now_touched = {
        f.path.relative_to(project.root).as_posix(): f
        for f in project.files
        if f.path.relative_to(project.root).as_posix() in touched
    }
    before: set[ox.Triple] = set()
    for name in touched:
        if name in earlier:
            before.update(q.triple for q in ox.parse(earlier[name], format=ox.RdfFormat.N_TRIPLES))
    after: set[ox.Triple] = set()
    for f in now_touched.values():
        for quad in project.quads.quads_for_pattern(None, None, None, ox.NamedNode(f.graph)):
            after.add(quad.triple)
    touched_graphs = {str(f.graph) for f in now_touched.values()}

    def elsewhere(triple: ox.Triple) -> bool:
        return any(
            str(q.graph_name.value) in graphs and str(q.graph_name.value) not in touched_graphs
            for q in project.quads.quads_for_pattern(
                triple.subject, triple.predicate, triple.object
            )
            if isinstance(q.graph_name, ox.NamedNode)
        )

    convert = project.converter()
    gained = {_rdflib(t, convert) for t in after - before if not elsewhere(t)}
    lost = {_rdflib(t, convert) for t in before - after if not elsewhere(t)}
    return gained, lost


def _rdflib(triple: ox.Triple, convert: Callable[[object], Node]) -> Triple:
    return convert(triple.subject), convert(triple.predicate), convert(triple.object)


Signature = frozenset[tuple[object, ...]]


def keep_blank_labels(project: Project, f: CuratedFile, earlier: bytes) -> int:
    """Give the blank nodes of ``f``, just parsed again, the labels the previous load gave them,
    where a blank node's triples tell which one it was; how many were renamed.

    A parse labels blank nodes anew, so without this every triple about a blank node of an edited
    file (two per evidence annotation) would count as removed and added again, and the validation
    and the closure would redo all of them for a one-literal edit. A blank node is matched when the
    triples about it (its predicates, and the IRIs, literals and blank nodes already matched they
    reach, in either direction) are those of exactly one blank node before and exactly one now;
    matching repeats while it finds more (a quote's selector is told apart by the annotation that
    points to it, once that is matched). Any other keeps its new label. Labels are the parse's to
    choose, so the project means the same either way."""
    graph = ox.NamedNode(f.graph)
    now = [q.triple for q in project.quads.quads_for_pattern(None, None, None, graph)]
    before = [q.triple for q in ox.parse(earlier, format=ox.RdfFormat.N_TRIPLES)]
    renamed = _matched(before, now)
    if not renamed:
        return 0

    def label(term: Any) -> Any:
        return renamed.get(term, term) if isinstance(term, ox.BlankNode) else term

    touched = [t for t in now if t.subject in renamed or t.object in renamed]
    for t in touched:
        project.quads.remove(ox.Quad(t.subject, t.predicate, t.object, graph))
    project.quads.extend(
        ox.Quad(label(t.subject), t.predicate, label(t.object), graph) for t in touched
    )
    return sum(1 for new, old in renamed.items() if new != old)


def _matched(before: list[ox.Triple], now: list[ox.Triple]) -> dict[ox.BlankNode, ox.BlankNode]:
    """Each blank node of ``now`` → the one of ``before`` it is, where the triples tell."""
    renamed: dict[ox.BlankNode, ox.BlankNode] = {}
    while True:
        kept = {node: node for node in renamed.values()}
        earlier = _unique(_signatures(before, kept.get))
        found = {
            node: earlier[signature]
            for signature, node in _unique(_signatures(now, renamed.get)).items()
            if signature in earlier and node not in renamed and earlier[signature] not in kept
        }
        if not found:
            return renamed
        renamed.update(found)


def _signatures(
    triples: Iterable[ox.Triple], known: Callable[[ox.BlankNode], ox.BlankNode | None]
) -> dict[ox.BlankNode, set[tuple[object, ...]]]:
    """Each blank node → what the triples say about it, another blank node written as what
    ``known`` gives for it (its earlier label, or None while it is not matched)."""
    found: dict[ox.BlankNode, set[tuple[object, ...]]] = {}
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if isinstance(s, ox.BlankNode):
            found.setdefault(s, set()).add(
                ("out", p, known(o) if isinstance(o, ox.BlankNode) else o)
            )
        if isinstance(o, ox.BlankNode):
            found.setdefault(o, set()).add(
                ("in", known(s) if isinstance(s, ox.BlankNode) else s, p)
            )
    return found


def _unique(
    signatures: dict[ox.BlankNode, set[tuple[object, ...]]],
) -> dict[Signature, ox.BlankNode]:
    """Signature → its blank node, for the signatures only one blank node has."""
    seen: dict[Signature, ox.BlankNode | None] = {}
    for node, said in signatures.items():
        key = frozenset(said)
        seen[key] = None if key in seen else node
    return {key: node for key, node in seen.items() if node is not None}
