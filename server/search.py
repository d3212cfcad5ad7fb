"""``/search``: find actors, demands, topics, events, places and sources by any of their names.

Matching ignores case and accents (``turkiye`` finds Türkiye, ``zelensky`` finds Zelenskyy's
"Volodymyr Zelenskyy"; typographic quotes and dashes match their ASCII forms). Every word of the
query must occur in one name. ``/search.json`` is the same answer for machines.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef

from kg.rdf.results import SelectResult
from kg.store.queries import canned_query, run
from server import graph
from server.describe import Labeller
from server.pages import href

bp = Blueprint("search", __name__)

KINDS = {
    "actor": "Actors",
    "demand": "Demands, conditions and proposals",
    "topic": "Topics",
    "event": "Events",
    "place": "Places",
    "source": "Sources",
}
"""What the search covers, in display order."""
LIMIT = 200
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def fold(text: str) -> str:
    """Lower-case, accent-free, typographic quotes and dashes as ASCII: the form names are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@dataclass
class Hit:
    iri: str
    kind: str
    label: str
    matched: str
    href: str | None
    rank: int


def search(text: str, kind: str | None = None) -> list[Hit]:
    words = fold(text).split()
    if not words:
        return []
    result = run(graph(), canned_query("search-labels"))
    if not isinstance(result, SelectResult):
        raise TypeError("search-labels is not a SELECT")
    labeller = Labeller(href)
    names: dict[tuple[str, str], list[str]] = {}
    for row in result.dicts():
        resource, found_kind = row["resource"], str(row["kind"])
        if kind and found_kind != kind:
            continue
        if str(row["property"]).endswith(("#label", "#prefLabel")):
            labeller.add(resource, row["label"])
        names.setdefault((str(resource), found_kind), []).append(str(row["label"]))
    hits: dict[str, Hit] = {}
    phrase = " ".join(words)
    for (iri, found_kind), labels in names.items():
        best: tuple[int, str] | None = None
        for label in labels:
            folded = fold(label)
            if not all(w in folded for w in words):
                continue
            if folded == phrase:
                rank = 0
            elif folded.startswith(phrase):
                rank = 1
            elif all(any(token.startswith(w) for token in folded.split()) for w in words):
                rank = 2
            else:
                rank = 3
            if best is None or rank < best[0]:
                best = (rank, label)
        if best is None:
            continue
        term = URIRef(iri)
        main = labeller.label(term)
        previous = hits.get(iri)
        if previous is None or best[0] < previous.rank:
            hits[iri] = Hit(iri, found_kind, main, best[1], href(term), best[0])
    order = list(KINDS)
    return sorted(
        hits.values(),
        key=lambda h: (h.rank, order.index(h.kind) if h.kind in order else 99, fold(h.label)),
    )[:LIMIT]


def _query() -> tuple[str, str | None]:
    text = request.args.get("q", "")[:200]
    kind = request.args.get("kind") or None
    return text, kind if kind in KINDS else None


@bp.get("/search")
def page():
    text, kind = _query()
    hits = search(text, kind)
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
def machine():
    text, kind = _query()
    hits = search(text, kind)
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
