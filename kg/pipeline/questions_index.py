"""The questions' index: the quads of a build that the temporal questions' own queries read (the
derived lifecycles with their dated entries, and the conflicts), written beside the artefact so
that a server can hold them in memory while the rest of the graph stays in the on-disk store.

Why: on the on-disk store each pattern a query follows is a RocksDB seek into compressed blocks,
several times the cost of a lookup in memory. A question's query follows a party's lifecycles
and every dated entry of each (its kind, first and last day, and ends): at a million triples,
thousands of seeks, and 60–400 ms where the store in memory takes 2–50 ms
(``docs/performance.md``, "Serving"). Memory for the whole graph in every process is what the
on-disk store saves, so only these quads are held: about 810,000 of 1.79 million at that size.

What it holds: every quad of the artefact whose predicate is one of :data:`PREDICATES`, and the
``rdf:type`` quads whose class is one of :data:`CLASSES`. Each triple pattern of the queries of
:data:`QUERIES` has such a predicate (or such a type), so each of those queries matches the same
quads in the index as in the whole graph, and gives the same rows (``tests/test_questions_index.py``
checks the patterns against the queries' algebra, and the answers on both).

The file (:func:`index_path`: ``build/ptkg.nq`` → ``build/ptkg.index.nq``) is N-Quads whose first
line is a comment naming the artefact's SHA-256: an index of another build is never read. ``kg
build`` writes it (:func:`write_index`) after the artefact; :func:`load_index` reads it, or makes
it from the artefact when it is missing or of another build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path

import pyoxigraph as ox

from kg.fsutil import atomic_write
from kg.rdf.namespaces import PT
from kg.store.ondisk import loaded_from
from kg.store.oxigraph import OxigraphStore

QUERIES = frozenset(
    {
        "ask-persisted-attested",
        "ask-persisted-in-force",
        "ask-added",
        "ask-dropped",
        "ask-re-emerged",
        "ask-position",
        "ask-diff",
        "ask-conflicts",
        "ask-conflict-parties",
        "ask-conflict-years",
        "ask-derived",
        "ask-entries",
        "ask-undated",
    }
)
"""The canned queries (``kg/queries/<name>.rq``) the index answers as the whole graph would: the
questions' own queries but the timeline's (which reads statements, not lifecycles), and the
helpers that read lifecycles, their entries and the conflicts."""

PREDICATES = frozenset(
    PT[name]
    for name in (
        # lifecycles and their entries
        "lifecycleParty",
        "lifecyclePosition",
        "firstAttestedEarliest",
        "firstAttestedLatest",
        "entry",
        "entryWithPackages",
        "packageEntry",
        "viaPackage",
        "entryStatement",
        "undatedEntry",
        "earliest",
        "latest",
        "mayEndFrom",
        "certainlyEndedBy",
        "stance",
        # conflicts
        "conflictingParty",
        "conflictYearsFrom",
        "conflictYearsUntil",
        "conflictYear",
        "conflictStart",
        "conflictEnd",
        "conflictParty",
        "conflictNonParty",
        "conflictPosition",
        "conflictHolding",
        "conflictKind",
        "conflictOtherParty",
        "conflictOtherPosition",
        "conflictOpposing",
        "conflictCertain",
    )
)
"""The predicates of the quads the index holds: every predicate the queries of :data:`QUERIES`
name, and those their variable predicates are bound to (``?entries``: ``pt:entry`` or
``pt:entryWithPackages``)."""

CLASSES = frozenset({PT.Lifecycle, PT.Attestation, PT.Ending})
"""The classes whose ``rdf:type`` quads the index holds: every class those queries ask a node to
be (``?kind`` is one of the two kinds of entry)."""

SUFFIX = ".index.nq"
"""The index of ``build/ptkg.nq`` is ``build/ptkg.index.nq``."""
_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def index_path(artefact: Path) -> Path:
    """Where the index of ``artefact`` lives: beside it, named after it."""
    artefact = Path(artefact)
    return artefact.with_name(artefact.name.removesuffix(artefact.suffix) + SUFFIX)


def header(sha256: str) -> bytes:
    """The index's first line: the SHA-256 of the artefact it was taken from."""
    return f"# the questions' index of the artefact with sha256 {sha256}\n".encode("ascii")


def index_lines(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The ``lines`` of N-Quads (an open file, or text split with its newlines) the index holds.

    The artefact is written one quad a line, its terms apart by one space (as N-Quads written by
    ``kg build``, ``rdflib`` or ``bench/synthetic.py`` are): the predicate is the second term,
    since no subject (an IRI or a blank node) holds a space, and the class of an ``rdf:type``
    quad is the third."""
    predicates = {f"<{p}>".encode("ascii") for p in PREDICATES}
    classes = {f"<{c}>".encode("ascii") for c in CLASSES}
    for line in lines:
        terms = line.split(b" ", 3)
        if len(terms) < 4:
            continue
        if terms[1] in predicates or (terms[1] == _RDF_TYPE and terms[2] in classes):
            yield line if line.endswith(b"\n") else line + b"\n"


def write_index(artefact: Path, data: bytes | None = None, sha256: str | None = None) -> Path:
    """Write the index of ``artefact``, whose bytes are ``data`` (SHA-256 ``sha256`` when known),
    atomically beside it; return its path. Without ``data`` the artefact is read line by line
    (``kg build``: at a million triples its 470 MB are never held), and ``sha256``, its
    manifest's, is needed. Raises :class:`OSError` when it cannot be written."""
    path = index_path(artefact)
    if data is not None:
        digest = sha256 or hashlib.sha256(data).hexdigest()
        _write(path, digest, index_lines(data.splitlines(keepends=True)))
        return path
    if sha256 is None:
        raise ValueError("the artefact's SHA-256 is needed to index it from its file")
    with Path(artefact).open("rb") as handle:
        _write(path, sha256, index_lines(handle))
    return path


def load_index(artefact: Path, sha256: str) -> OxigraphStore | None:
    """The index of ``artefact`` (whose manifest records ``sha256``) in a new store in memory.
    When the file is missing or of another build, it is made from the artefact and written (if
    it can be) for the next start; ``None`` when the artefact no longer has those bytes.

    pyoxigraph parses a file without holding Python's lock, so a server loads the index in a
    thread of its own while it answers."""
    path = index_path(artefact)
    store = ox.Store()
    with contextlib.suppress(FileNotFoundError), path.open("rb") as handle:
        if handle.readline() == header(sha256):
            # parsed by name, so that no block of it is read through Python (which would take
            # Python's lock for each); the same file still, unless a build replaced it meanwhile
            store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            if _same_file(os.fstat(handle.fileno()), path):
                return OxigraphStore(store)
            store = ox.Store()
    data = Path(artefact).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    lines = b"".join(index_lines(data.splitlines(keepends=True)))
    del data
    with contextlib.suppress(OSError):  # a folder this process may not write: made again next time
        _write(path, sha256, (lines,))
    store.bulk_load(lines, ox.RdfFormat.N_QUADS)
    return OxigraphStore(store)


def _same_file(opened: os.stat_result, path: Path) -> bool:
    """Whether ``path`` is still the file that was opened (a write replaces it by a new one)."""
    try:
        now = path.stat()
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino)


def _write(path: Path, sha256: str, lines: Iterable[bytes]) -> None:
    """Write an index's ``lines`` to ``path`` atomically, under the header of ``sha256``."""
    with atomic_write(path) as handle:
        handle.write(header(sha256))
        handle.writelines(lines)


def index_of_store(folder: PathLike[str]) -> OxigraphStore | None:
    """The index of the build whose on-disk store is ``folder`` (the artefact the store records
    it was loaded from, beside it), as :func:`load_index` gives it; ``None`` when the store has no
    record."""
    record = loaded_from(Path(folder))
    if record is None:
        return None
    return load_index(Path(folder).parent / record.artefact, record.sha256)
