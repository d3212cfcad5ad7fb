"""``/release/``: the releases ``kg release`` wrote into the project's ``releases/`` folder, each
at ``/release/<version>/`` (its IRI ``<base>release/<version>/``, as its ``void.ttl`` names it):
a page listing its files with the release's schema.org ``Dataset`` markup, and every file at
``/release/<version>/<path>``.

A release folder is made once and never changed, so its page's facts (its date, its statements'
time span) are read from it once per version of its ``SHA256SUMS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from werkzeug.wrappers import Response

from kg.pipeline.load import find_root
from kg.publish.quads import read_quads
from kg.publish.release import (
    COMPLETE,
    DUMP,
    RELEASE_IRI,
    RELEASES,
    SUMS,
    media_type,
    release_folders,
)
from kg.publish.release import METADATA as RELEASE_METADATA
from kg.publish.schemaorg import DataDownload, dataset_markup, quad_dates, temporal_coverage
from kg.rdf.formats import LoadError
from server.errors import ErrorReply, error_response
from server.identity import made_once

bp = Blueprint("releases", __name__)
CACHE = "ptkg-releases"


@dataclass(frozen=True)
class _Release:
    version: str
    issued: str | None
    coverage: str | None
    files: tuple[tuple[str, str], ...]
    """Each file's path in the folder and its SHA-256, as ``SHA256SUMS`` lists them."""


def _releases() -> list[Path]:
    """The project's release folders, highest version first; none when the app serves a file or
    a store outside any project."""
    config = current_app.config
    try:
        root = Path(config["PTKG_ROOT"]) if config.get("PTKG_ROOT") else find_root()
    except LoadError:
        return []
    return release_folders(root.resolve() / RELEASES)


def _folder(version: str) -> Path | None:
    return next((p for p in _releases() if p.name == version), None)


@bp.get("/release/")
def index() -> str:
    return render_template("releases/index.html", versions=[p.name for p in _releases()])


@bp.get("/release/<version>/")
def release_page(version: str) -> str | ErrorReply:
    folder = _folder(version)
    if folder is None:
        return error_response(404, f"no release {version!r}; see /release/")
    found = _read(folder)
    return render_template(
        "releases/release.html", release=found, dataset=_markup(found), iri=_iri(version)
    )


@bp.get("/release/<version>/<path:name>")
def release_file(version: str, name: str) -> Response | ErrorReply:
    folder = _folder(version)
    if folder is None:
        return error_response(404, f"no release {version!r}; see /release/")
    if name not in dict(_read(folder).files) and name != SUMS:
        return error_response(404, f"release {version} has no file {name!r}")
    return send_from_directory(folder, name, mimetype=media_type(name))


def _iri(version: str) -> str:
    return f"{RELEASE_IRI}{version}/"


def _read(folder: Path) -> _Release:
    """What a release page shows, read once per version of the folder's checksums."""
    return made_once(CACHE, folder / SUMS, None, lambda: _release_of(folder))


def _release_of(folder: Path) -> _Release:
    files = tuple(
        (name, digest)
        for digest, name in (
            line.split("  ", 1) for line in (folder / SUMS).read_text(encoding="utf-8").splitlines()
        )
    )
    metadata = Graph().parse(folder / RELEASE_METADATA, format="turtle")
    issued = metadata.value(URIRef(_iri(folder.name)), DCTERMS.issued)
    return _Release(
        folder.name,
        None if issued is None else str(issued),
        temporal_coverage(quad_dates(read_quads(folder / f"{DUMP}.nq"))),
        files,
    )


def _markup(found: _Release) -> dict[str, Any]:
    """The release as a schema.org ``Dataset``: its dumps (``ptkg.*``) and its complete dataset
    (``ptkg-all.*``) as downloads."""
    dumps = [name for name, _ in found.files if name.startswith((f"{DUMP}.", f"{COMPLETE}."))]
    return dataset_markup(
        url=url_for("releases.release_page", version=found.version, _external=True),
        coverage=found.coverage,
        downloads=[
            DataDownload(
                url_for("releases.release_file", version=found.version, name=name, _external=True),
                media_type(name),
            )
            for name in dumps
        ],
        identifier=_iri(found.version),
        version=found.version,
        published=found.issued,
    )
