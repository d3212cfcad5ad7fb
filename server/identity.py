"""Which build the app serves: the file it was loaded from and that file's checksum.

``/health`` reports it, ``/metrics`` states its size, and every cache validator of the app is
derived from it (``server.caching``), so that a new build changes every ETag. The checksum is the
one ``kg build`` recorded in the manifest beside the file; a dataset file without a manifest is
hashed once, when the app starts. An app fronting a remote store has no file, hence no checksum:
it then offers no validators, since it cannot know when the data changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app

from kg.fsutil import file_sha256
from kg.pipeline.build import ARTEFACT
from kg.pipeline.load import find_root
from kg.pipeline.manifest import read_manifest
from kg.store import Store, is_remote

IDENTITY = "ptkg.served-build"
T = TypeVar("T")


@dataclass
class ServedBuild:
    """The served build's checksum (None for a remote store) and, counted on first use when no
    manifest records it, its size in triples (quads: every named graph counts)."""

    sha256: str | None
    store: Store = field(repr=False)
    _triples: int | None = None

    @property
    def triples(self) -> int:
        if self._triples is None:
            self._triples = self.store.quad_count()
        return self._triples


def source_file(config: Mapping[str, Any]) -> Path | None:
    """The RDF file the served graph was loaded from (None for a remote store)."""
    if is_remote(str(config["PTKG_STORE"])):
        return None
    if config.get("PTKG_DATASET"):
        return Path(config["PTKG_DATASET"])
    root = Path(config["PTKG_ROOT"]) if config.get("PTKG_ROOT") else find_root()
    return root.resolve() / ARTEFACT


def init_app(app: Flask, store: Store) -> None:
    """Record which build ``app`` serves (``store`` was loaded from it)."""
    source = source_file(app.config)
    if source is None:
        app.extensions[IDENTITY] = ServedBuild(None, store)
        return
    manifest = read_manifest(source)
    if manifest is not None:
        app.extensions[IDENTITY] = ServedBuild(manifest.sha256, store, manifest.quads)
    else:
        app.extensions[IDENTITY] = ServedBuild(file_sha256(source), store)


def served_build(app: Flask | None = None) -> ServedBuild:
    """What :func:`init_app` recorded for ``app`` (the current app by default)."""
    return (app or current_app).extensions[IDENTITY]


def made_once(cache: str, source: Path, name: Hashable, make: Callable[[], T]) -> T:
    """What ``make`` makes of the build file ``source`` (a download, the nanopublications …),
    made on first use and kept in the app's extension ``cache`` under ``name`` until the file
    changes (its modification time); what was made of earlier versions of the file is dropped."""
    kept = current_app.extensions.setdefault(cache, {})
    stamp = source.stat().st_mtime_ns
    key = (str(source), stamp, name)
    if key not in kept:
        for old in [k for k in kept if k[0] == str(source) and k[1] != stamp]:
            del kept[old]
        kept[key] = make()
    return kept[key]
