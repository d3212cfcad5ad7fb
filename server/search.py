"""``/search``: find actors, demands, topics, events, places and sources by any of their names
(:mod:`kg.browse.search`). ``/search.json`` is the same answer for machines."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from kg.browse.search import KINDS, search
from server import graph
from server.pages import href

bp = Blueprint("search", __name__)


def _query() -> tuple[str, str | None]:
    text = request.args.get("q", "")[:200]
    kind = request.args.get("kind") or None
    return text, kind if kind in KINDS else None


@bp.get("/search")
def page() -> str:
    text, kind = _query()
    hits = search(graph(), text, href, kind)
    grouped = [(k, title, [h for h in hits if h.kind == k]) for k, title in KINDS.items()]
    return render_template(
        "search/index.html",
        q=text,
        kind=kind,
        kinds=KINDS,
        hits=hits,
        grouped=[g for g in grouped if g[2]],
    )


@bp.get("/search.json")
def machine() -> Response:
    text, kind = _query()
    hits = search(graph(), text, href, kind)
    body = {
        "query": text,
        "kind": kind,
        "count": len(hits),
        "results": [
            {"iri": h.iri, "kind": h.kind, "label": h.label, "matched": h.matched, "page": h.href}
            for h in hits
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
