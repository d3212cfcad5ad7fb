"""The build artefact's integrity record: a manifest beside it saying what ``kg build`` wrote.

A build file cut short at a line boundary, or emptied, is still valid N-Quads: a server would load
what is left and serve it without a word. So ``kg build`` writes, after the artefact and with the
same atomic helper, ``<artefact>.manifest.json`` (``build/ptkg.nq.manifest.json``): the build's
format version, its quad count, byte size and SHA-256, and the name of the on-disk store loaded
from it (``kg.store.ondisk``, which tells a store that matches the artefact from a stale one). Whoever opens a build checks the file
against its manifest first (:func:`verify`) and refuses one that does not match, naming the
remedy. (Not to be confused with the push manifest, a graph in a remote store: ``kg.publish.push``.)
"""

from __future__ import annotations

import builtins
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.fsutil import atomic_write, file_sha256
from kg.pipeline.load import LoadError
from kg.store.ondisk import read_only_store, store_path
from kg.store.oxigraph import OxigraphStore
from kg.store.serialize import Digest

BUILD_FORMAT_VERSION = 1
"""The layout of the artefact (sorted canonical N-Quads; a named graph per curated file plus
``graph:inferred`` and ``graph:derived``). Raise it when the layout changes: a build recorded
with another version is then stale, and rebuilt when the app builds automatically."""

SUFFIX = ".manifest.json"
"""The manifest of ``FILE`` is ``FILE.manifest.json``, beside it."""

MEDIA_TYPE = "application/n-quads"
REMEDY = "run `kg build` again"


class ArtefactError(LoadError):
    """A build artefact that cannot be written where asked (a directory, an unwritable place) or
    opened. A :class:`kg.pipeline.load.LoadError`, so every command reports it as bad input in one line
    (exit 2); ``str()`` is a sentence about the file: ``FILE is a directory, not a file: …``."""

    def __str__(self) -> str:
        return f"{self.path} {self.message}"


class ManifestMismatch(ArtefactError):
    """The artefact is not what its manifest records (changed or truncated after ``kg build``),
    or its manifest cannot be read: ``FILE does not match its manifest (…): …``."""


@dataclass(frozen=True)
class Manifest:
    """What ``kg build`` wrote: enough to tell the artefact from any changed copy of it."""

    format_version: int
    quads: int
    bytes: int
    """The artefact's size; named so in the JSON, so the builtin type is ``builtins.bytes`` here."""
    sha256: str

    @classmethod
    def of(cls, data: builtins.bytes | Digest) -> Manifest:
        """The manifest of the N-Quads ``data`` (one quad per line), or of the bytes whose
        :class:`kg.store.serialize.Digest` was kept as they were written."""
        written = data if isinstance(data, Digest) else Digest.of(data)
        return cls(BUILD_FORMAT_VERSION, written.quads, written.bytes, written.sha256)

    def to_json(self, artefact: Path) -> builtins.bytes:
        """Deterministic JSON (the same build gives the same manifest bytes)."""
        record = {
            "artefact": artefact.name,
            "media_type": MEDIA_TYPE,
            "store": store_path(artefact).name,
            **asdict(self),
        }
        return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")


def manifest_path(artefact: Path) -> Path:
    """Where the manifest of ``artefact`` lives: beside it, named after it."""
    artefact = Path(artefact)
    return artefact.with_name(artefact.name + SUFFIX)


def write_manifest(artefact: Path, data: bytes | Digest) -> Path:
    """Write the manifest of ``artefact``, whose bytes are ``data`` (or have that digest),
    atomically; return its path.

    Called after the artefact itself was renamed into place, so a manifest never describes a file
    that is not (yet) there; a crash between the two leaves the previous manifest, which the new
    artefact does not match, and the next open says to run ``kg build`` again."""
    path = manifest_path(artefact)
    with atomic_write(path) as handle:
        handle.write(Manifest.of(data).to_json(artefact))
    return path


def read_manifest(artefact: Path) -> Manifest | None:
    """The manifest beside ``artefact``, or None when there is none.

    Raises :class:`ManifestMismatch` when there is a file but it is not a manifest this version
    of ``kg`` can read."""
    path = manifest_path(artefact)
    try:
        record = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ManifestMismatch(
            artefact, f"has an unreadable manifest {path} ({reason}); {REMEDY}"
        ) from None
    try:
        return Manifest(
            format_version=_integer(record, "format_version"),
            quads=_integer(record, "quads"),
            bytes=_integer(record, "bytes"),
            sha256=_digest(record),
        )
    except (TypeError, ValueError) as exc:
        raise ManifestMismatch(
            artefact, f"has a manifest {path} that is not a build manifest ({exc}); {REMEDY}"
        ) from None


def _integer(record: object, key: str) -> int:
    if not isinstance(record, dict):
        raise TypeError("not a JSON object")
    value = record.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key!r} is not a count")
    return value


def _digest(record: dict[str, object]) -> str:
    value = record.get("sha256")
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise ValueError("'sha256' is not a SHA-256 in hex")
    return value


def is_recorded(artefact: Path) -> bool:
    """True when ``artefact`` has a readable manifest of this build format (its content is not
    checked here: see :func:`verify`). A build without one is from before manifests, or of
    another format, and is simply rebuilt by whoever builds automatically."""
    try:
        manifest = read_manifest(artefact)
    except ManifestMismatch:
        return False
    return manifest is not None and manifest.format_version == BUILD_FORMAT_VERSION


def verify(artefact: Path, *, required: bool = False) -> Manifest | None:
    """Check ``artefact`` against its manifest; return the manifest (None when there is none and
    it is not ``required``).

    Raises :class:`ManifestMismatch` when the size or the SHA-256 differ from what ``kg build``
    recorded, the manifest cannot be read, or (``required``) it is missing. The size is compared
    first (a truncated file fails without being read); hashing a few MB takes milliseconds."""
    artefact = Path(artefact)
    manifest = read_manifest(artefact)
    if manifest is None:
        if required:
            raise ManifestMismatch(
                artefact, f"has no manifest {manifest_path(artefact).name} beside it; {REMEDY}"
            )
        return None
    try:
        size = artefact.stat().st_size
        if size == manifest.bytes:
            digest = file_sha256(artefact)
    except OSError as exc:
        raise LoadError(artefact, exc.strerror or str(exc)) from None
    if size != manifest.bytes:
        detail = f"{size} bytes, its manifest records {manifest.bytes}"
    elif digest != manifest.sha256:
        detail = f"sha256 {digest[:16]}…, its manifest records {manifest.sha256[:16]}…"
    else:
        return manifest
    raise ManifestMismatch(
        artefact,
        f"does not match its manifest ({detail}): it was changed or truncated after "
        f"`kg build`; {REMEDY}",
    )


def named_store(artefact: Path | None) -> OxigraphStore | None:
    """The on-disk store beside ``artefact``, opened read-only, when it matches the manifest
    beside ``artefact``; None when there is no manifest or no such store. The artefact itself is
    not hashed: this is for a process that opens what another has checked already (a query
    worker starting once its app has opened the build), which is then ready sooner, and needs
    none of the pipeline that a rebuild would."""
    if artefact is None:
        return None
    try:
        manifest = read_manifest(artefact)
    except ManifestMismatch:
        return None
    if manifest is None:
        return None
    return read_only_store(artefact, manifest.sha256, manifest.quads, rebuild=False)
