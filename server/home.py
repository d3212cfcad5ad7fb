"""The home page: what the graph holds, and where to go from here."""

from __future__ import annotations

from flask import Blueprint, render_template

from server.service import dataset_facts

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    facts = dataset_facts()  # counted once per app, not on every visit
    return render_template(
        "home/index.html",
        counts=dict(facts.kinds),
        total=sum(n for _, n in facts.graphs),
        graphs=[(str(g), n) for g, n in facts.graphs],
        sources=list(facts.sources),
    )
