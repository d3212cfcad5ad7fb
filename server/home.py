"""The home page: what the graph holds, and where to go from here; its schema.org ``Dataset``
markup makes the dataset findable by dataset search engines."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for

from kg.publish.schemaorg import DataDownload, dataset_markup, store_dates, temporal_coverage
from server import graph
from server.downloads import dump_urls
from server.service import dataset_facts

bp = Blueprint("home", __name__)
COVERAGE = "ptkg.coverage"


@bp.get("/")
def index() -> str:
    facts = dataset_facts()  # counted once per app, not on every visit
    return render_template(
        "home/index.html",
        counts=dict(facts.kinds),
        total=sum(n for _, n in facts.graphs),
        graphs=[(str(g), n) for g, n in facts.graphs],
        sources=list(facts.sources),
        dataset=_markup(),
    )


def _markup() -> dict[str, Any]:
    """The served dataset as a schema.org ``Dataset``: its dumps on this host, its statements'
    time span (computed once per app, like the counts)."""
    extensions = current_app.extensions
    if COVERAGE not in extensions:
        extensions[COVERAGE] = temporal_coverage(store_dates(graph()))
    return dataset_markup(
        url=url_for("home.index", _external=True),
        coverage=extensions[COVERAGE],
        downloads=[DataDownload(url, media) for url, media in dump_urls()],
    )
