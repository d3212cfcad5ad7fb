"""The curated data and the source documents, as the data tests read them: all of data/*.ttl as one graph, and
each document's text with whitespace collapsed.

The seeds folder (the corpus folder of the source texts) is ``$PTKG_SOURCES`` if set, else
``$PTKG_SEEDS``, else ``<repo>/../shared/seeds``. When it is missing a test that needs
it is skipped, except under ``CI``, where it fails.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Namespace

from kg.sources.anchoring import normalise

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SEEDS = Path(
    os.environ.get("PTKG_SOURCES")
    or os.environ.get("PTKG_SEEDS")
    or REPO.parent / "shared" / "seeds"
)

PT = Namespace("https://w3id.org/peace-talks-kg/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")


@cache
def data_graph() -> Graph:
    """All curated data files, merged into one graph."""
    graph = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def seeds_folder() -> Path:
    """The seeds folder, or skip (fail under CI) when it does not exist."""
    if not SEEDS.is_dir():
        reason = f"source documents not found at {SEEDS}; set PTKG_SEEDS"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return SEEDS


@cache
def document_text(identifier: str) -> str:
    """A source document's text, whitespace collapsed (:func:`normalise`)."""
    return normalise((seeds_folder() / identifier).read_text(encoding="utf-8"))
