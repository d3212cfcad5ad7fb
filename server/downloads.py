"""``/context.jsonld`` (the published JSON-LD context) and ``/downloads/``: the dumps of the served
build in every export format, and the CSV tables with their Data Package (``datapackage.json``,
whose resource paths are the tables' download addresses).

The dumps hold what a release's dumps hold (curated data + ontology; N-Quads and TriG keep the
named graphs), and what its complete dataset holds (every named graph of the build: what
``kg serve --dataset`` needs to stand the service up elsewhere). They are made from the build artefact (or the served dataset file) on first request
and kept in memory until the artefact changes. An app that fronts a remote store has no local
build: it offers the context, and answers 404 for dumps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kg.publish.datapackage import DATAPACKAGE, datapackage, document
from kg.publish.export import FORMATS, Selection, export, select
from kg.publish.jsonld import context_document
from kg.publish.quads import Quad, read_quads
from kg.publish.release import DUMP_FILES
from kg.publish.tables import TABLES
from kg.publish.void import license_of
from server.errors import error_response
from server.identity import made_once, source_file

bp = Blueprint("downloads", __name__)
CACHE = "ptkg-downloads"
DUMPS = {name: fmt for name, (fmt, _) in DUMP_FILES.items()}
"""The dumps by file name and format: a release's (:data:`kg.publish.release.DUMP_FILES`: the
curated data + ontology in every format, and the complete dataset ``ptkg-all.nq``/``.trig``),
made from the served build."""
TABLE_FILES = {f"{table}.csv": table for table in TABLES}
MEDIA_TYPES = {DATAPACKAGE: "application/json", **{name: FORMATS["csv"] for name in TABLE_FILES}}


@dataclass
class _Made:
    body: bytes
    etag: str


@bp.get("/context.jsonld")
def context():
    body = context_document()
    response = Response(body, mimetype=FORMATS["jsonld"])
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@bp.get("/downloads/")
def index():
    return render_template(
        "downloads/index.html",
        dumps=[(name, FORMATS[fmt]) for name, fmt in DUMPS.items()],
        tables=[*TABLE_FILES, DATAPACKAGE],
        available=_source() is not None,
    )


@bp.get("/downloads/<name>")
def download(name: str):
    if name not in DUMPS and name not in MEDIA_TYPES:
        return error_response(404, f"no download named {name!r}; see /downloads/")
    source = _source()
    if source is None:
        return error_response(
            404, "this server fronts a remote store and has no local build to dump; use kg export"
        )
    made = _made(source, name)
    media = FORMATS[DUMPS[name]] if name in DUMPS else MEDIA_TYPES[name]
    response = Response(made.body, mimetype=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.set_etag(made.etag)
    return response.make_conditional(request)


def dump_urls() -> list[tuple[str, str]]:
    """Each dump this server offers, as its absolute address and media type (none when it fronts
    a remote store): what the VoID's ``void:dataDump`` and the schema.org ``distribution`` list."""
    if _source() is None:
        return []
    return [
        (url_for("downloads.download", name=name, _external=True), FORMATS[fmt])
        for name, fmt in DUMPS.items()
    ]


def _source() -> Path | None:
    """The RDF file the served graph was loaded from (None for a remote store)."""
    return source_file(current_app.config)


def _made(source: Path, name: str) -> _Made:
    """The download, made once per version of the source file."""
    return made_once(CACHE, source, name, lambda: _make(source, name))


def _make(source: Path, name: str) -> _Made:
    quads = read_quads(source)
    if name in DUMPS:
        body = export(select(quads, DUMP_FILES[name][1]), DUMPS[name])
    elif name == DATAPACKAGE:
        body = _package(source, quads)
    else:
        ontology = select(quads, Selection(data=False, ontology=True))
        body = export(select(quads, Selection()), "csv", table=TABLE_FILES[name], ontology=ontology)
    return _Made(body, hashlib.sha256(body).hexdigest())


def _package(source: Path, quads: list[Quad]) -> bytes:
    """``datapackage.json``: the tables as a Data Package whose paths are their download addresses
    (of no release: no version)."""
    tables = {table: _made(source, name).body for name, table in TABLE_FILES.items()}
    paths = {
        table: url_for("downloads.download", name=name, _external=True)
        for name, table in TABLE_FILES.items()
    }
    ontology = select(quads, Selection(data=False, ontology=True))
    package = datapackage(
        tables, version=None, license=license_of(quads), ontology=ontology, paths=paths
    )
    return document(package)
