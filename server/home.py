"""The home page: what the graph holds, and where to go from here."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.browse.stats import statements_per_source, summary
from server import graph
from server.service import dataset_facts

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    store = graph()
    facts = dataset_facts()
    return render_template(
        "home/index.html",
        counts=summary(store),
        total=sum(n for _, n in facts.graphs),
        graphs=[(str(g), n) for g, n in facts.graphs],
        sources=statements_per_source(store),
    )
