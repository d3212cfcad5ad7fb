"""A statement's page in the workbench (``/statements/<slug>``): what it says, its quotes, whether it
was corrected or retracted, and the two forms that correct it (a new statement that revises it)
or retract it, each with the reason the curation core records (``correct()`` / ``retract()``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from werkzeug.wrappers import Response as BaseResponse

from kg.curation.records import STATEMENT, StatementDraft, drafts_of
from kg.rdf.namespaces import PT, compact
from server.workbench import workbench
from server.workbench.annotate import choices
from server.workbench.form import GENERAL, Filled, filled, revised, values_of
from server.workbench.reading import SLUG
from server.workbench.replies import expected_hashes, reply, wants_json
from server.workbench.saving import Conflict, correct_statement, retract_statement

bp = Blueprint("statements", __name__)

PROV = "http://www.w3.org/ns/prov#"


@bp.get("/statements/<slug>.json")
@bp.get("/statements/<slug>")
def statement(slug: str) -> Response:
    return _page(slug, None, status=200)


@bp.post("/statements/<slug>/correct")
def correct(slug: str) -> Response | BaseResponse:
    """Record the form's statement as the correction of this one (reason required)."""
    iri, found = _statement(slug)
    form = filled(request.form)
    reason = request.form.get("reason", "").strip()
    if not reason:
        form.add("reason", "say why the statement is corrected")
    new = revised(form, workbench().read().names, found[0])
    if new is None or not reason:
        return _page(slug, form, status=422)
    return _finish(
        slug,
        form,
        lambda expected, now: correct_statement(
            workbench(), iri, new, reason, form.values["curator"], expected, now
        ),
    )


@bp.post("/statements/<slug>/retract")
def retract(slug: str) -> Response | BaseResponse:
    """Retract this statement (reason required): it stays, marked, and its page answers 410."""
    iri, _ = _statement(slug)
    form = filled(request.form)
    reason = request.form.get("retract_reason", "").strip()
    if not reason:
        form.add("retract_reason", "say why the statement is retracted")
        return _page(slug, form, status=422)
    return _finish(
        slug,
        form,
        lambda expected, now: retract_statement(
            workbench(), iri, reason, form.values["curator"], expected, now
        ),
    )


def _finish(slug: str, form: Filled, action: Any) -> Response | BaseResponse:
    expected = expected_hashes()
    try:
        saved = action(expected, datetime.now(UTC))
    except Conflict as exc:
        form.add(GENERAL, str(exc))
        return _page(slug, form, status=409)
    if saved.problems:
        for problem in saved.problems:
            form.add(problem.field if problem.field in form.values else GENERAL, problem.message)
        return _page(slug, form, status=422)
    target = saved.statements[0] if saved.statements else URIRef(STATEMENT + slug)
    target_slug = str(target).rsplit("/", 1)[-1]
    if wants_json():
        body = {"ok": True, "statement": str(target), "seconds": saved.seconds}
        return Response(json.dumps(body), status=201, mimetype="application/json")
    return redirect(url_for("statements.statement", slug=target_slug), code=303)


def _statement(slug: str) -> tuple[URIRef, list[StatementDraft]]:
    graph = workbench().read().graph
    iri = URIRef(STATEMENT + slug)
    if not SLUG.match(slug) or (iri, RDF.type, PT.PositionStatement) not in graph:
        abort(404, f"no position statement {slug!r}")
    found = drafts_of(graph, iri)
    if not found:
        abort(404, f"statement {slug!r} has no evidence to correct it from")
    return iri, found


def _page(slug: str, form: Filled | None, status: int) -> Response:
    bench = workbench()
    snapshot = bench.read()
    graph, names = snapshot.graph, snapshot.names
    iri, found = _statement(slug)
    values = form.values if form is not None else values_of(found[0], names)
    retracted = graph.value(iri, PT.retracted)
    corrected_by = graph.value(iri, PT.correctedBy)
    problems = dict(form.problems) if form is not None else {}
    data: dict[str, Any] = {
        "statement": str(iri),
        "name": compact(iri),
        "label": names.label(iri),
        "says": {
            "speaker": names.label(found[0].speaker),
            "parties": [names.label(p) for p in found[0].parties],
            "stance": names.label(found[0].stance),
            "position": names.label(found[0].position),
            "date": str(found[0].date) if found[0].date is not None else None,
            "precision": names.label(found[0].precision),
        },
        "evidence": [
            {
                "source": str(d.source),
                "source_name": str(d.source).rsplit("/", 1)[-1],
                "quote": d.quote,
                "start": d.start,
            }
            for d in found
        ],
        "retracted": isinstance(retracted, Literal) and retracted.toPython() is True,
        "corrected_by": str(corrected_by) if corrected_by is not None else None,
        "revision_of": str(found[0].revision_of) if found[0].revision_of else None,
        "reason": str(graph.value(iri, PT.correctionReason) or "") or None,
        "expected": snapshot.hashes,
        "values": values,
        "problems": problems,
    }
    if status >= 400 and wants_json():
        data = {"ok": False, "status": status, "error": _summary(problems), **data}
    return reply(
        "statement.html",
        data,
        status,
        choices=choices(names),
        curator_needed=bench.curator is None,
        expected_json=json.dumps(snapshot.hashes, sort_keys=True),
        slug_of=lambda i: str(i).rsplit("/", 1)[-1],
        asdict=asdict,
    )


def _summary(problems: dict[str, list[str]]) -> str:
    return "; ".join(f"{k or 'form'}: {' '.join(v)}" for k, v in problems.items())
