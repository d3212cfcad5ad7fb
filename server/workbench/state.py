"""What one running workbench owns: the project and corpus folders it may write in, the curator
it records, the lock that lets one save write at a time, and the curated files as pages read them.

A page embeds the SHA-256 of every data file as it read them (:meth:`Workbench.files`); a save
sends them back, and a file whose hash changed since means another tab (or an editor, or git)
changed it: the save is refused as a conflict instead of overwriting. To say *what* changed, the
bytes of each version a page was shown are kept here (:class:`Versions`, bounded), so the
conflict page can compare them with the files as they are now, statement by statement.
"""

from __future__ import annotations

import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import Graph, URIRef

from kg.curation.diff import Diff, compare, statement_classes
from kg.curation.names import Names
from kg.curation.saving import Workspace
from kg.curation.sides import (
    DATA,
    VOCABULARY,
    Side,
    SideError,
    read_project,
    read_revision,
    read_texts,
)
from kg.fsutil import sha256_hex
from kg.pipeline.load import curated_files, parse_turtle

Hashes = dict[str, str]
"""The SHA-256 of each data file by its path relative to the project (``data/source-000.ttl``)."""

KEPT_VERSIONS = 256
"""File versions kept for conflict reports: a few per data file and save, for hours of work."""


class Versions:
    """The bytes of file versions by SHA-256, the oldest forgotten beyond ``limit``."""

    def __init__(self, limit: int = KEPT_VERSIONS) -> None:
        self.limit = limit
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, data: bytes) -> str:
        digest = sha256_hex(data)
        with self._lock:
            self._kept[digest] = data
            self._kept.move_to_end(digest)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)
        return digest

    def get(self, digest: str) -> bytes | None:
        with self._lock:
            return self._kept.get(digest)


class Snapshot:
    """The curated files as read at one moment: the data files' hashes, the triples of the
    ontology and data, and the index of names made from them when first asked for."""

    def __init__(self, hashes: Hashes, key: Hashes, graph: Graph) -> None:
        self.hashes = hashes
        self.key = key
        self.graph = graph

    @cached_property
    def names(self) -> Names:
        return Names(self.graph)


@dataclass
class Workbench:
    """The state of one ``kg curate``: folders, curator, the save lock, kept versions, and the
    curated files as they were when it started (what the review page compares with when the
    project is not a git checkout)."""

    root: Path
    corpus: Path
    curator: str | None = None
    save_lock: threading.Lock = field(default_factory=threading.Lock)
    versions: Versions = field(default_factory=Versions)
    started: dict[Path, bytes] = field(default_factory=dict)
    warming: bool = False
    statement_classes: frozenset[URIRef] = frozenset()
    _snapshot: Snapshot | None = None
    _workspace: Workspace | None = None
    _snapshot_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.corpus = self.corpus.resolve()
        self.started = {
            f.path.relative_to(self.root): f.path.read_bytes()
            for f in curated_files(self.root, (VOCABULARY, DATA))
        }
        vocabulary = {p: t for p, t in self.started.items() if p.parts[0] == VOCABULARY}
        self.statement_classes = frozenset(
            c
            for c in statement_classes([read_texts(self.root, "ontology", vocabulary).vocabulary])
            if isinstance(c, URIRef)
        )

    def read(self) -> Snapshot:
        """The curated files now: parsed again only when one changed since the last read."""
        texts = {
            f.path.relative_to(self.root).as_posix(): f.path.read_bytes()
            for f in curated_files(self.root, (VOCABULARY, DATA))
        }
        key = {name: self.versions.keep(text) for name, text in texts.items()}
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot.key == key:
                return self._snapshot
            graph = Graph()
            for name in sorted(texts):
                parse_turtle(self.root / name, graph)
            hashes = {n: h for n, h in key.items() if n.split("/", 1)[0] == DATA}
            self._snapshot = Snapshot(hashes, key, graph)
            return self._snapshot

    def workspace(self) -> Workspace:
        """The curation core's view of the project that saves go through, made on first use and
        kept, so that each save validates only what it changes (call with the save lock held)."""
        if self._workspace is None:
            self._workspace = Workspace(self.root)
        return self._workspace

    def warm(self) -> threading.Thread | None:
        """When :attr:`warming`: bring the core's workspace up to date with the files and
        validate the project in full, in the background, so that the next save validates only
        what it changes (it waits for this, under the lock). Called at start and after a text
        is registered (which changes ``data/sources.ttl``)."""
        if not self.warming:
            return None

        def run() -> None:
            with self.save_lock:
                space = self.workspace()
                space.refresh()
                space.validate(Graph())

        thread = threading.Thread(target=run, name="workbench-warm", daemon=True)
        thread.start()
        return thread

    def changed_files(self, expected: Hashes) -> list[str]:
        """The data files whose hash is not ``expected`` any more: changed, added or removed."""
        now = self.read().hashes
        return sorted(
            name for name in expected.keys() | now.keys() if expected.get(name) != now.get(name)
        )

    def changes_since(self, expected: Hashes) -> Diff | None:
        """The statements that differ between the data files as hashed in ``expected`` and now;
        None when a version is no longer kept (the files' names are all that can be said)."""
        texts: dict[Path, bytes] = {}
        for name, digest in expected.items():
            kept = self.versions.get(digest)
            if kept is None:
                return None
            texts[Path(name)] = kept
        vocabulary = {p: t for p, t in self.started.items() if p.parts[0] == VOCABULARY}
        try:
            before = read_texts(self.root, "as the page read it", texts | vocabulary)
            return compare(before, read_project(self.root, "now"))
        except (SideError, ValueError):
            return None

    def review(self) -> Diff:
        """The change since the last commit of the project's git repository, or since the
        workbench started when the project is not a git checkout."""
        return compare(self.baseline(), read_project(self.root, "now"))

    def baseline(self) -> Side:
        if self.git_head() is not None:
            return read_revision(self.root, "HEAD")
        return read_texts(self.root, "when the workbench started", self.started)

    def git_head(self) -> str | None:
        """The commit the project's checkout is at, or None when it is not a git checkout (or
        git is missing, or the repository has no commit yet)."""
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
                cwd=self.root,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            return None
        return done.stdout.strip() or None if done.returncode == 0 else None
