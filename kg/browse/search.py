"""Search: find actors, demands, topics, events, places and sources by any of their names.

Matching ignores case and accents (``turkiye`` finds Türkiye, ``zelensky`` finds Zelenskyy's
"Volodymyr Zelenskyy"; typographic quotes and dashes match their ASCII forms) and reads names in
every language (``Путин`` finds "Владимир Путин"; Cyrillic folds as Latin does, so ``й`` and ``и``,
``ё`` and ``е`` match). Every word of the query must occur in one name. A hit shows the
resource's English label (:mod:`kg.rdf.labels`) and the name that matched best.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

from kg.browse.terms import Href, Labeller
from kg.store import Store
from kg.store.queries import select

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
"""The most hits one search answers."""
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
    """How well ``matched`` fits: 0 the whole name, 1 its start, 2 the start of a word in it for
    each word, 3 anywhere."""


def match_rank(name: str, words: list[str]) -> int | None:
    """How well a name matches the folded query ``words`` (see :attr:`Hit.rank`); None when some
    word does not occur in it."""
    folded = fold(name)
    if not all(w in folded for w in words):
        return None
    phrase = " ".join(words)
    if folded == phrase:
        return 0
    if folded.startswith(phrase):
        return 1
    if all(any(token.startswith(w) for token in folded.split()) for w in words):
        return 2
    return 3


def search(store: Store, text: str, href: Href, kind: str | None = None) -> list[Hit]:
    """The resources (of ``kind``, else of every kind) with a name matching every word of
    ``text``: best match first, then by kind in display order, then by label."""
    words = fold(text).split()
    if not words:
        return []
    labeller = Labeller(href)
    names: dict[tuple[str, str], list[str]] = {}
    for row in select(store, "search-labels").dicts():
        resource, found_kind = row["resource"], str(row["kind"])
        if kind and found_kind != kind:
            continue
        labeller.add(resource, row["label"], row["property"])
        names.setdefault((str(resource), found_kind), []).append(str(row["label"]))
    hits: dict[str, Hit] = {}
    for (iri, found_kind), labels in names.items():
        best: tuple[int, str] | None = None
        for label in labels:
            rank = match_rank(label, words)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, label)
        if best is None:
            continue
        previous = hits.get(iri)
        if previous is None or best[0] < previous.rank:
            term = URIRef(iri)
            hits[iri] = Hit(iri, found_kind, labeller.label(term), best[1], href(term), best[0])
    order = list(KINDS)
    return sorted(
        hits.values(),
        key=lambda h: (h.rank, order.index(h.kind) if h.kind in order else 99, fold(h.label)),
    )[:LIMIT]
