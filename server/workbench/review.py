"""The review page (``/review``): what the curated data says differently since the last commit of
the project's git repository — or since the workbench started, when the project is not a git
checkout — statement by statement (added, changed, removed, with their quotes), as ``kg diff``
reports it (:mod:`kg.curation.diff`, :mod:`kg.curation.report`)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from kg.curation.report import Labels, as_json, property_name, summary
from kg.curation.sides import SideError
from kg.pipeline.load import LoadError
from server.workbench import workbench
from server.workbench.replies import reply

bp = Blueprint("review", __name__)


@bp.get("/review.json")
@bp.get("/review")
def review() -> Response:
    bench = workbench()
    try:
        diff = bench.review()
    except (SideError, LoadError) as exc:
        abort(500, f"cannot compare the curated files: {exc}")
    labels = Labels.of(diff)
    body = as_json(diff, labels)
    since = (
        f"the last commit ({head[:12]})"
        if (head := bench.git_head()) is not None
        else "the workbench started"
    )
    return reply(
        "review.html",
        {"since": since, "summary_line": summary(diff), **body},
        property_name=property_name,
    )
