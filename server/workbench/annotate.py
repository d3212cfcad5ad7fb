"""A source text with its curated passages highlighted, and the form that records a statement
from a passage selected in it (``/sources/<name>``); the save (``POST /sources/<name>/statements``)
goes through the curation core, which writes canonical Turtle, validates at once and keeps all
or nothing. ``/names/<kind>.json?q=`` is what the form's pickers search as the curator types.

A save that finds the data changed since its page read it (another tab saved first) is refused
as a conflict (409) and shows what changed, with the form still filled; a possible duplicate (the
same party, position and date quoted from another source) is offered as a second annotation of
the existing statement before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS
from werkzeug.wrappers import Response as BaseResponse

from kg.curation.names import KINDS, Names
from kg.curation.records import STATEMENT
from kg.curation.report import Labels, as_json
from kg.rdf.namespaces import compact
from kg.sources.registry import SourceRecord
from server.workbench import workbench
from server.workbench.form import (
    GENERAL,
    Filled,
    chosen,
    draft,
    duplicates,
    filled,
)
from server.workbench.reading import (
    SLUG,
    NotFound,
    passages,
    segments,
    source_record,
    source_text,
)
from server.workbench.replies import expected_hashes, reply, wants_json
from server.workbench.saving import Conflict, save_drafts
from server.workbench.state import Hashes

bp = Blueprint("annotate", __name__)

PICKED = 12
"""How many names a picker offers."""
CLOSED = ("stance", "precision", "basis", "framing")
"""The fields chosen from a closed vocabulary (a list, not a search)."""


@bp.get("/sources/<name>.json")
@bp.get("/sources/<name>")
def source(name: str) -> Response:
    return _page(name, filled({}), status=200)


@bp.post("/sources/<name>/statements")
def save(name: str) -> Response | BaseResponse:
    """Record the statement the form describes; the page again with the problems, the
    duplicates to choose from or the conflict when it is not saved."""
    bench = workbench()
    form = filled(request.form)
    expected = expected_hashes()
    snapshot = bench.read()
    record, text = _source(name, snapshot.graph)
    made = draft(form, snapshot.names, record.iri, text)
    if made is None:
        return _page(name, form, status=422)
    made = chosen(form, snapshot.graph, made)
    if made is None:
        return _page(name, form, status=422)
    try:
        saved = save_drafts(
            bench, [made], form.values["curator"], expected, datetime.now(UTC), form.created
        )
    except Conflict as exc:
        return _page(name, form, status=409, conflict=_conflict(expected, exc.files))
    if saved.problems:
        for problem in saved.problems:
            form.add(problem.field if problem.field in form.values else GENERAL, problem.message)
        return _page(name, form, status=422)
    result: dict[str, Any] = {
        "ok": True,
        "statements": [
            {"iri": str(s), "slug": str(s).rsplit("/", 1)[-1]} for s in saved.statements
        ],
        "files": saved.files,
        "seconds": saved.seconds,
    }
    if wants_json():
        return Response(json.dumps(result), status=201, mimetype="application/json")
    return redirect(
        url_for(
            "annotate.source",
            name=name,
            saved=",".join(r["slug"] for r in result["statements"]),
            seconds=f"{saved.seconds:.3f}",
        ),
        code=303,
    )


def _conflict(expected: Hashes, files: list[str]) -> dict[str, Any]:
    """What changed since the page was read: the files, and the statements when the versions
    the page read are still known."""
    diff = workbench().changes_since(expected)
    changes = []
    if diff is not None:
        changes = as_json(diff, Labels.of(diff))["statements"]
    return {"files": files, "statements": changes}


def _source(name: str, graph: Graph) -> tuple[SourceRecord, str]:
    try:
        record = source_record(graph, name)
        return record, source_text(record, workbench().corpus)
    except NotFound as exc:
        abort(404, str(exc))


def _page(name: str, form: Filled, status: int, conflict: dict[str, Any] | None = None) -> Response:
    """The source page: its text with the curated passages, and the form as ``form`` holds it."""
    bench = workbench()
    snapshot = bench.read()
    record, text = _source(name, snapshot.graph)
    curated = passages(snapshot.graph, record.iri)
    saved = _saved_notice(snapshot.graph)
    found_duplicates = []
    if "evidence_of" in form.problems:
        made = draft(Filled(dict(form.values)), snapshot.names, record.iri, text)
        found_duplicates = [
            {"iri": str(d), "slug": str(d).rsplit("/", 1)[-1], "label": snapshot.names.label(d)}
            for d in (duplicates(snapshot.graph, made) if made else [])
        ]
    data = {
        "source": {
            "name": name,
            "iri": str(record.iri),
            "file": record.file,
            "title": record.title,
            "published": str(record.published) if record.published is not None else None,
        },
        "length": len(text),
        "passages": [asdict(p) for p in curated],
        "expected": snapshot.hashes,
        "values": form.values,
        "problems": dict(form.problems),
        "duplicates": found_duplicates,
        "conflict": conflict,
        "saved": saved,
    }
    if status >= 400 and wants_json():
        data = {"ok": False, "status": status, "error": _summary(form, conflict), **data}
    return reply(
        "source.html",
        data,
        status,
        segments=segments(text, curated),
        choices=choices(snapshot.names),
        curator_needed=bench.curator is None,
        expected_json=json.dumps(snapshot.hashes, sort_keys=True),
    )


def _summary(form: Filled, conflict: dict[str, Any] | None) -> str:
    if conflict is not None:
        return "the data changed since the page was read: " + ", ".join(conflict["files"])
    return "; ".join(f"{k or 'form'}: {' '.join(v)}" for k, v in form.problems.items())


def _saved_notice(graph: Any) -> dict[str, Any] | None:
    slugs = [s for s in request.args.get("saved", "").split(",") if s]
    if not slugs:
        return None
    statements = [
        {"slug": s, "label": str(graph.value(URIRef(STATEMENT + s), RDFS.label) or s)}
        for s in slugs
        if SLUG.match(s)
    ]
    try:
        seconds = float(request.args.get("seconds", ""))
    except ValueError:
        seconds = None
    return {"statements": statements, "seconds": seconds}


def choices(names: Names) -> dict[str, list[tuple[str, str]]]:
    return {
        kind: sorted(
            ((str(i), names.label(i)) for i in names.kind_members(kind)), key=lambda c: c[1]
        )
        for kind in CLOSED
    }


@bp.get("/names/<kind>.json")
def picker(kind: str) -> Response:
    """The names of ``kind`` that match ``q``, best first, each with the value to put in the
    field: its label when that names it alone, else its prefixed name."""
    if kind not in KINDS:
        abort(404, f"no kind of name {kind!r}; kinds: {', '.join(KINDS)}")
    text = request.args.get("q", "")[:200]
    names = workbench().read().names
    matches = []
    for match in names.search(kind, text, PICKED):
        try:
            alone = names.resolve(kind, match.label) == match.iri
        except ValueError:
            alone = False
        matches.append(
            {
                "label": match.label,
                "iri": str(match.iri),
                "matched": match.matched,
                "value": match.label if alone else compact(match.iri),
            }
        )
    return Response(
        json.dumps({"kind": kind, "query": text, "matches": matches}, ensure_ascii=False),
        mimetype="application/json",
    )
