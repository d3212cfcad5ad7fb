"""The build's on-disk Oxigraph store: ``kg build`` writes it beside the artefact, and whoever
serves opens it read-only.

Loading the artefact into memory gives every serving process (the app and each query worker) its
own copy of the graph, and makes each parse it first: at 1M triples, 19 s to the first answer and
2 GB held. An Oxigraph store on disk (RocksDB) opens in milliseconds and is read through the
operating system's page cache, which every process shares: one copy of the data however many
workers. Opened read-only it is never written: RocksDB takes no lock for a read-only open, so any
number of processes open it at once, and a process killed mid-query leaves nothing half-written.

The store is a folder beside the artefact, named after it (``build/ptkg.nq`` →
``build/ptkg.oxigraph/``), and holds the artefact's quads: ``kg build`` fills it from the
in-memory store it wrote the artefact from (:func:`write_store_from`), a rebuild from the artefact
(:func:`write_store`). Besides RocksDB's files it holds ``loaded-from.json``: the name, SHA-256,
quad count and size of the artefact whose quads it holds, and the pyoxigraph version that wrote
it. A store whose record does not match the artefact's manifest (or that has none) is stale,
and one written by another pyoxigraph may not be readable by this one, so it is stale too.

It is built in a temporary sibling folder and swapped in whole (``kg.fsutil.replace_folder``): a
reader finds the previous store or the new one, and a failed build leaves the previous one. The
record is written inside the folder before the swap, so it always describes the folder it is in.
Builders of the stores in one folder take turns (a lock on that folder, which ends with the
process holding it), and each first removes the temporary folders a crashed one left behind.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pyoxigraph as ox

from kg.fsutil import make_temporary_folder, replace_folder
from kg.rdf.formats import LoadError
from kg.store.oxigraph import OxigraphStore
from kg.store.serialize import Digest

SUFFIX = ".oxigraph"
"""The store of ``build/ptkg.nq`` is ``build/ptkg.oxigraph/``."""
RECORD = "loaded-from.json"
"""The file in the store's folder that says what the store was loaded from."""
READ_CACHE_MB = 32
"""What a read-only store may come to hold in memory as queries read it: RocksDB's default block
cache (Oxigraph sets no table options when it opens a store read-only), which fills with the
blocks last read, up to this size. The data itself stays in the page cache, outside the process."""
REMEDY = "remove it and run `kg build` again"
BULK_BATCH = 1_000_000
"""The quads given to Oxigraph's bulk loader at a time when a store is filled from another: as
many as it sorts and writes in one batch. Given them all, it works on two batches at once and
reads a third meanwhile: at a million triples (2.3M quads) that took 1.5 GB, one batch at a time
0.9 GB, as fast on two cores and with the same files. Smaller calls write more, smaller files
(at half this, a store two thirds bigger)."""


class StoreFolderError(LoadError):
    """An on-disk store that cannot be opened or written where it belongs (corrupt, unreadable, a
    file in its place). A :class:`kg.rdf.formats.LoadError`, so every command reports it as bad
    input in one line (exit 2): ``FOLDER cannot be opened as an Oxigraph store (…): …``."""

    def __str__(self) -> str:
        return f"{self.path} {self.message}"


@dataclass(frozen=True)
class LoadedFrom:
    """What a store was loaded from: the artefact's name, SHA-256, quad count and byte size, and
    the pyoxigraph version that wrote the store."""

    artefact: str
    sha256: str
    quads: int
    bytes: int
    pyoxigraph: str = ox.__version__

    @classmethod
    def of(cls, artefact: Path, data: builtins.bytes | Digest) -> LoadedFrom:
        """The record of a store that holds ``data``, the bytes of the N-Quads ``artefact`` (or
        their digest, kept as they were written)."""
        written = data if isinstance(data, Digest) else Digest.of(data)
        return cls(Path(artefact).name, written.sha256, written.quads, written.bytes)

    def matches(self, sha256: str, quads: int) -> bool:
        """True when this store holds the artefact whose manifest records ``sha256`` and
        ``quads``, written by this pyoxigraph."""
        return (self.sha256, self.quads, self.pyoxigraph) == (sha256, quads, ox.__version__)


def store_path(artefact: Path) -> Path:
    """Where the store of ``artefact`` lives: beside it, named after it."""
    artefact = Path(artefact)
    if artefact.suffix == SUFFIX:  # never the artefact itself
        return artefact.with_name(artefact.name + SUFFIX)
    return artefact.with_suffix(SUFFIX)


def loaded_from(folder: Path) -> LoadedFrom | None:
    """What the store in ``folder`` was loaded from; None when there is no store there, or none
    whose record this version can read (it is then rebuilt, as a stale one is).

    Raises :class:`StoreFolderError` when ``folder`` is a file, or cannot be read."""
    try:
        text = (Path(folder) / RECORD).read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise StoreFolderError(
            folder, "is a file where the build's store folder belongs: remove it"
        ) from None
    except OSError as exc:
        raise StoreFolderError(folder, f"cannot be read ({exc.strerror or exc})") from None
    try:
        record = json.loads(text)
        found = LoadedFrom(**{f.name: record[f.name] for f in fields(LoadedFrom)})
    except (ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found.quads, int) and isinstance(found.sha256, str) else None


def open_read_only(folder: Path) -> OxigraphStore:
    """The store in ``folder``, opened read-only; raises :class:`StoreFolderError` when it
    cannot be opened (missing files, a corrupt manifest, a file size that RocksDB's own records
    contradict, no permission).

    A failed open is tried once more: a builder swapping a new store in between RocksDB's read
    of the folder's ``CURRENT`` and its opening of the files it names makes the first attempt
    fail, and the second finds the new store whole."""
    failure: Exception | None = None
    for _ in range(2):
        try:
            return OxigraphStore(ox.Store.read_only(str(folder)), folder=Path(folder))
        except (OSError, RuntimeError) as exc:  # RocksDB's IO errors, and its "Corruption: …"
            failure = exc
    raise StoreFolderError(folder, f"cannot be opened as an Oxigraph store ({failure}); {REMEDY}")


def read_only_store(
    artefact: Path, sha256: str, quads: int, *, rebuild: bool
) -> OxigraphStore | None:
    """The store of ``artefact`` (whose manifest records ``sha256`` and ``quads``), opened
    read-only. When it is missing or stale it is first rebuilt from the artefact if ``rebuild``,
    else there is none: None.

    Raises :class:`StoreFolderError` when the store cannot be opened or rebuilt, or the artefact
    no longer has the bytes its manifest records."""
    folder = store_path(artefact)
    found = loaded_from(folder)
    if found is None or not found.matches(sha256, quads):
        if not rebuild:
            return None
        with _builders_turn(folder):
            found = loaded_from(folder)  # another process may have rebuilt it meanwhile
            if found is None or not found.matches(sha256, quads):
                data = Path(artefact).read_bytes()
                source = LoadedFrom.of(artefact, data)
                if not source.matches(sha256, quads):
                    raise StoreFolderError(
                        artefact, "changed while its store was being built; run `kg build` again"
                    )
                _write(folder, source, _parsed(data, folder, artefact))
    return open_read_only(folder)


def write_store(artefact: Path, data: builtins.bytes) -> Path:
    """Load ``data``, the bytes of the N-Quads ``artefact`` just written, into a new store
    beside it, replacing the store there (if any) in one step; return its folder. Raises
    :class:`StoreFolderError` when it cannot be written."""
    folder = store_path(artefact)
    with _builders_turn(folder):
        _write(folder, LoadedFrom.of(artefact, data), _parsed(data, folder, artefact))
    return folder


def write_store_from(artefact: Path, written: Digest, quads: ox.Store) -> Path:
    """:func:`write_store` for an artefact just written from the store ``quads`` (with
    :func:`kg.store.serialize.write_canonical_store`, which gave ``written``): the new store is
    filled with ``quads`` themselves, not with the artefact parsed again, and neither the
    artefact's text nor a parse of it is held in memory meanwhile. The artefact labels blank
    nodes canonically and the store by their own labels, as a store loaded from the artefact
    does: Oxigraph gives a blank node it loads a label of its own."""
    folder = store_path(artefact)
    with _builders_turn(folder):
        _write(folder, LoadedFrom.of(artefact, written), lambda into: _bulk_extend(into, quads))
    return folder


def _parsed(data: builtins.bytes, folder: Path, artefact: Path) -> Callable[[Path], int]:
    """What fills a store's folder with the N-Quads ``data`` of ``artefact``, relative IRIs
    (none in a build) resolved against the artefact's own place."""
    base = folder.with_name(Path(artefact).name)
    return lambda into: _bulk_load(into, data, base)


def _write(folder: Path, source: LoadedFrom, fill: Callable[[Path], int]) -> None:
    """Build the store in a temporary sibling folder (``fill`` makes it there, with what
    ``source`` describes, and counts its quads), record its source there, and swap it in; on
    any failure remove the temporary folder and leave what was at ``folder``."""
    if folder.exists() and not folder.is_dir():
        raise StoreFolderError(
            folder, "is a file where the build's store folder belongs: remove it"
        )
    _remove_leftovers(folder)
    try:
        temporary = make_temporary_folder(folder, suffix=".tmp")
    except OSError as exc:
        raise StoreFolderError(folder, f"cannot be written ({exc.strerror or exc})") from None
    try:
        count = fill(temporary)
        if count != source.quads:
            raise StoreFolderError(
                folder, f"would hold {count} quads where {source.artefact} has {source.quads}"
            )
        record = json.dumps(asdict(source), indent=2, sort_keys=True) + "\n"
        with (temporary / RECORD).open("w", encoding="utf-8") as handle:
            handle.write(record)
            handle.flush()
            os.fsync(handle.fileno())
        replace_folder(temporary, folder)
    except OSError as exc:
        shutil.rmtree(temporary, ignore_errors=True)
        raise StoreFolderError(folder, f"cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _bulk_load(folder: Path, data: builtins.bytes, base: Path) -> int:
    """Load the N-Quads ``data`` into a new store in ``folder``; return its quad count."""
    return _filled(
        folder,
        lambda store: store.bulk_load(data, ox.RdfFormat.N_QUADS, base_iri=base.resolve().as_uri()),
    )


def _bulk_extend(folder: Path, quads: ox.Store) -> int:
    """Fill a new store in ``folder`` with the quads of ``quads``, a batch of the bulk loader's
    at a time (:data:`BULK_BATCH`); return its quad count."""

    def fill(store: ox.Store) -> None:
        them = iter(quads)
        for _ in range(0, len(quads), BULK_BATCH):
            store.bulk_extend(itertools.islice(them, BULK_BATCH))

    return _filled(folder, fill)


def _filled(folder: Path, fill: Callable[[ox.Store], None]) -> int:
    """A new store in ``folder`` filled by ``fill`` with Oxigraph's bulk loader; return its quad
    count. The store is closed on return (pyoxigraph closes it when the last reference goes),
    so that a read-only open sees every file it wrote."""
    store = ox.Store(str(folder))
    try:
        fill(store)
    except (RuntimeError, SyntaxError) as exc:  # RocksDB's own failures, or not N-Quads
        raise OSError(str(exc)) from None
    store.flush()
    return len(store)


def _remove_leftovers(folder: Path) -> None:
    """Remove the temporary folders a builder of ``folder`` left when it crashed: called only by
    the builder whose turn it is, so none of them is still being written."""
    for leftover in folder.parent.glob(f".{folder.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def _builders_turn(folder: Path) -> Iterator[None]:
    """Wait for the lock on the folder that holds ``folder``, then hold it: one builder at a
    time. The lock is the kernel's (``flock``), so it ends with the process, however that ends,
    and readers never take it."""
    try:
        fd = os.open(folder.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise StoreFolderError(folder, f"cannot be written ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
