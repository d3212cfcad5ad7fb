"""``/np/<name>``: the nanopublications of the served build, so that their IRIs resolve.

Each is the nanopublication ``kg export --format nanopub`` writes for a current position statement
of the served build (``…/np/<statement's local name>``), or, for an IRI of the form
``…/np/RA<hash>``, the one ``kg export --format nanopub --trusty`` writes. Content negotiation picks
TriG (also for ``*/*`` or no ``Accept``, as nanopublication servers answer) or N-Quads; a client
that prefers HTML is sent (303) to the statement's page. The IRI of one of its graphs or
skolemised nodes (``…/np/<name>/assertion``, ``…/_1``) is sent (303) to the nanopublication.

They are made from the build artefact (or the served dataset file) on the first request that asks
for one, with the build's time as creation time, and kept until the artefact changes; the trusty
ones only when a trusty IRI is asked for. An app that fronts a remote store has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from flask.typing import ResponseReturnValue
from rdflib import URIRef

from kg.publish.export import EXTENSIONS, Selection, export, select
from kg.publish.nanopub import ARTIFACT_CODE, PREFIXES_WRITTEN, built_at, nanopub_iri, published
from kg.publish.quads import Quad, read_quads
from kg.publish.turtle import trig
from kg.publish.void import license_of
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.namespaces import ID, NANOPUB
from server.errors import ErrorReply, error_response
from server.identity import made_once, source_file
from server.negotiation import accepted

bp = Blueprint("nanopubs", __name__)
CACHE = "ptkg-nanopubs"
HTML = "text/html"
OFFERED = {RDF_FORMATS["trig"]: "trig", RDF_FORMATS["nquads"]: "nquads"}
"""What a nanopublication is offered as, besides the statement's page; the first is the default."""


@dataclass(frozen=True)
class Published:
    statement: URIRef
    quads: list[Quad]


@bp.get("/np/<name>")
def nanopub(name: str) -> ResponseReturnValue:
    found = _find(name)
    if isinstance(found, tuple):
        return found
    accept = accepted()
    best = accept.best_match([*OFFERED, HTML]) if accept else next(iter(OFFERED))
    if best is None:
        return error_response(406, f"a nanopublication is offered as {', '.join(OFFERED)}")
    if best == HTML:
        page = str(found.statement).removeprefix(str(ID))
        return _see_other(url_for("pages.page", path=page))
    fmt = OFFERED[best]
    body = trig(found.quads, PREFIXES_WRITTEN) if fmt == "trig" else export(found.quads, fmt)
    response = Response(body, mimetype=best)
    response.headers["Content-Disposition"] = f'inline; filename="{name}{EXTENSIONS[fmt]}"'
    response.vary.add("Accept")
    return response


@bp.get("/np/<name>/<part>")
def nanopub_part(name: str, part: str) -> ResponseReturnValue:
    found = _find(name)
    if isinstance(found, tuple):
        return found
    iri = URIRef(f"{NANOPUB}{name}/{part}")
    if not any(iri in (s, o, g) for s, _, o, g in found.quads):
        return error_response(404, f"nanopublication {name} has no {part!r}")
    return _see_other(url_for("nanopubs.nanopub", name=name))


def _see_other(location: str) -> Response:
    response = Response(f"See {location}\n", status=303, mimetype="text/plain")
    response.headers["Location"] = location
    response.vary.add("Accept")
    return response


def _find(name: str) -> Published | ErrorReply:
    """The served nanopublication called ``name``, or the error to answer with."""
    source = source_file(current_app.config)
    if source is None:
        return error_response(
            404,
            "this server fronts a remote store and has no local build to publish; use kg export",
        )
    made = _made(source, trusty=ARTIFACT_CODE.fullmatch(name) is not None)
    found = made.get(URIRef(f"{NANOPUB}{name}"))
    if found is None:
        return error_response(404, f"no nanopublication {name!r} in the served build")
    return found


def _made(source: Path, *, trusty: bool) -> dict[URIRef, Published]:
    """The nanopublications of ``source`` by IRI, made once per version of the file."""
    return made_once(CACHE, source, trusty, lambda: _make(source, trusty=trusty))


def _make(source: Path, *, trusty: bool) -> dict[URIRef, Published]:
    quads = read_quads(source)
    ontology = select(quads, Selection(data=False, ontology=True))
    made = published(
        select(quads, Selection()),
        created=built_at(source),
        license=license_of(ontology),
        trusty=trusty,
    )
    return {nanopub_iri(np): Published(statement, np) for statement, np in made}
