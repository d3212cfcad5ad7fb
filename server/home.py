"""The home page: what the graph holds, and where to go from here."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.stats import stats, summary
from server import graph

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    store = graph()
    found = stats(store)
    return render_template(
        "home/index.html",
        counts=summary(store),
        total=found.total_triples,
        graphs=[(str(g), int(n)) for g, n in found.graphs.rows],
        sources=[(str(r[1]), int(r[2])) for r in found.sources.rows],
    )
