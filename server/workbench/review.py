"""The review page (``/review``): what the curated data says differently since the last commit of
the project's git repository — or since the workbench started, when the project is not a git
checkout — statement by statement (added, changed, removed, with their quotes), as ``kg diff``
reports it (:mod:`kg.curation.diff`, :mod:`kg.curation.report`)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from kg.curation.diff import Diff, Value
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
        readable=_readable(diff, labels),
    )


def _readable(diff: Diff, labels: Labels) -> dict[str, list[tuple[str, str, str]]]:
    """Each changed statement's properties as the page shows them: the property's name, the
    values before and after by their labels (the JSON twin keeps the prefixed names)."""

    def shown(values: frozenset[Value]) -> str:
        return ", ".join(sorted(labels.value(v) for v in values)) or "—"

    return {
        str(c.iri): [
            (property_name(k), shown(old), shown(new)) for k, (old, new) in c.changes.items()
        ]
        for c in diff.statements
    }
