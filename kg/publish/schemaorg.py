"""The dataset as a schema.org ``Dataset``, the JSON-LD that dataset search engines read from a
page's ``<script type="application/ld+json">``: the home page's (the data the server serves) and
each release page's (the data the release holds).

What it says is what the VoID/DCAT description says (:mod:`kg.publish.void`: title, licence,
creator, keywords), in the vocabulary those engines index; the temporal coverage is computed from
the statements' dates. ``spatialCoverage`` is left out: the statements concern places across
Ukraine, Russia and Europe and no one place covers them with certainty. ``includedInDataCatalog``
is left out too, as no catalogue lists the dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Literal
from rdflib.namespace import RDF

from kg.publish.quads import Quad
from kg.publish.void import CREATOR, KEYWORDS, LICENSE, RELEASE_DESCRIPTION, TITLE
from kg.rdf.namespaces import BASE, PT
from kg.rdf.periods import interval_of
from kg.store.base import Store
from kg.store.queries import select

SCHEMA_CONTEXT = "https://schema.org/"


@dataclass(frozen=True)
class DataDownload:
    """A dump: where it is and in which media type."""

    url: str
    media_type: str


def temporal_coverage(dates: Iterable[Literal]) -> str | None:
    """The ISO 8601 interval from the earliest statement date to the latest, each written as the
    data gives it (``2024-06-14/2025-08``: a month-precision date stays a month), or None without
    a readable date. The earliest is the one whose interval starts first, the latest the one
    whose interval ends last."""
    spans = [(interval_of(d), str(d)) for d in dates if isinstance(d, Literal)]
    known = [(span, text) for span, text in spans if span is not None]
    if not known:
        return None
    first = min(known, key=lambda k: (k[0].start, k[0].end))[1]
    last = max(known, key=lambda k: (k[0].end, k[0].start))[1]
    return first if first == last else f"{first}/{last}"


def store_dates(store: Store) -> list[Literal]:
    """The position statements' dates in a store."""
    return [d for (d,) in select(store, "statement-dates").rows if isinstance(d, Literal)]


def quad_dates(quads: Iterable[Quad]) -> list[Literal]:
    """The position statements' dates among quads (a release's dump)."""
    quads = list(quads)
    statements = {s for s, p, o, _ in quads if p == RDF.type and o == PT.PositionStatement}
    return [
        o for s, p, o, _ in quads if p == PT.date and s in statements and isinstance(o, Literal)
    ]


def dataset_markup(
    *,
    url: str,
    coverage: str | None,
    downloads: Iterable[DataDownload],
    identifier: str = BASE,
    version: str | None = None,
    published: str | None = None,
) -> dict[str, Any]:
    """The schema.org ``Dataset`` node for a page at ``url`` describing the dataset (or one of
    its releases, with ``version`` and ``published``) named ``identifier``."""
    name = TITLE if version is None else f"{TITLE} {version}"
    markup: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Dataset",
        "@id": identifier,
        "name": name,
        "description": RELEASE_DESCRIPTION,
        "url": url,
        "identifier": identifier,
        "license": str(LICENSE),
        "creator": {"@type": "Organization", "name": CREATOR},
        "keywords": list(KEYWORDS),
        "isAccessibleForFree": True,
    }
    if version is not None:
        markup["version"] = version
    if published is not None:
        markup["datePublished"] = published
    if coverage is not None:
        markup["temporalCoverage"] = coverage
    markup["distribution"] = [
        {"@type": "DataDownload", "encodingFormat": d.media_type, "contentUrl": d.url}
        for d in downloads
    ]
    return markup
