"""Helpers for the temporal-question tests: fixture graphs built like ``kg build`` builds (ontology + data +
derived lifecycles), loaded into either engine, and compact views of answers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Dataset

from kg.pipeline.build import write_nquads
from kg.pipeline.derive import derive_dataset
from kg.questions import Answer, Item
from kg.rdf.namespaces import GRAPH, bind_prefixes
from kg.store import Store, open_store
from tests.conftest import FIXTURES, REPO

ASK_FIXTURES = FIXTURES / "ask"
CASES = sorted(p.stem for p in ASK_FIXTURES.glob("*.ttl") if p.stem != "common")


def fixture_dataset(case: str) -> Dataset:
    """The ontology, the shared fixture header and one case file, with the derived lifecycles."""
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for path in (
        REPO / "ontology" / "ptkg.ttl",
        ASK_FIXTURES / "common.ttl",
        ASK_FIXTURES / f"{case}.ttl",
    ):
        dataset.graph(GRAPH[path.name]).parse(path, format="turtle")
    derive_dataset(dataset)
    return dataset


@cache
def fixture_build(case: str, folder: Path) -> Path:
    """The fixture as a build artefact (sorted N-Quads) in ``folder``."""
    path = folder / f"{case}.nq"
    write_nquads(fixture_dataset(case), path)
    return path


def fixture_store(case: str, engine: str, folder: Path) -> Store:
    store = open_store(engine)
    store.load_file(fixture_build(case, folder))
    return store


def local(iri: str | None) -> str | None:
    return None if iri is None else iri.rstrip("/").rsplit("/", 1)[-1]


def summary(answer: Answer) -> dict[str, str]:
    """``{position: certainty}`` (with ``category:`` in front when the question has categories)."""
    out = {}
    for item in answer.items:
        key = local(item.position.iri)
        if item.category and answer.question not in ("timeline",):
            key = f"{item.category}:{key}"
        if item.other_party:
            key += f"/{local(item.party.iri)}>{local(item.other_party.iri)}:{local(item.other_position.iri)}"
        out[key] = item.certainty
    return out


def statements(item: Item) -> list[str]:
    return [local(e.statement) for e in item.evidence]
