"""The questions' index (``kg.pipeline.questions_index``) changes no answer: it holds every quad of
the artefact that the queries it answers can match (checked on those queries' algebra and on the
quads of each graph), every answer read with it is the answer read from the whole graph (the
pinned grid on the curated build, the fixture graphs, random requests on a synthetic graph served
from the on-disk store), an index of another build is never read, and a server loads it beside
the on-disk store at start (with the home page's facts) and answers as before."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef, Variable
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from bench.synthetic import generate
from kg.pipeline.derive import derive
from kg.pipeline.manifest import write_manifest
from kg.pipeline.questions_index import (
    CLASSES,
    PREDICATES,
    QUERIES,
    index_path,
    load_index,
    write_index,
)
from kg.questions import QUESTIONS, AskError, ask
from kg.questions.memo import Index, StoreMemo
from kg.questions.registry import MODES
from kg.rdf.namespaces import DERIVED_GRAPH, GRAPH, PT
from kg.rdf.results import SelectResult
from kg.store import OxigraphStore, Store, open_store
from kg.store.ondisk import open_read_only, write_store
from kg.store.queries import canned_query, select
from server import create_app, sparql
from server.questions import MEMO
from server.service import FACTS
from server.warm import THREAD
from tests.asking import CASES, fixture_build
from tests.conftest import REPO
from tests.test_pinned_answers import requests

VARIABLE_PATTERNS = {
    # ?entries is bound to the value of the `packages` parameter: pt:entry or pt:entryWithPackages
    ("predicate", "entries"): {PT.entry, PT.entryWithPackages},
    # ?kind is one of the two kinds of entry (a VALUES block, or a FILTER in ask-entries)
    ("class", "kind"): {PT.Attestation, PT.Ending},
}
"""The variables the indexed queries put where a predicate or a class goes, with the values they
can take (what the index must hold for them)."""


def _patterns(node: object) -> Iterator[tuple[object, object, object]]:
    """Every triple pattern of a query's algebra, in sub-queries, OPTIONALs and EXISTS too."""
    if isinstance(node, CompValue):
        if node.name == "BGP":
            yield from node["triples"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _patterns(value)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_pattern_of_an_indexed_query_matches_only_what_the_index_holds(name):
    patterns = list(_patterns(prepareQuery(canned_query(name)).algebra))
    assert patterns, f"{name}: no triple pattern found"
    for _s, p, o in patterns:
        if isinstance(p, Variable):
            assert VARIABLE_PATTERNS[("predicate", str(p))] <= PREDICATES, (name, p)
        elif p == RDF.type:
            classes = VARIABLE_PATTERNS[("class", str(o))] if isinstance(o, Variable) else {o}
            assert classes <= CLASSES, (name, o)
        else:
            assert p in PREDICATES, (name, p)


def test_the_packages_parameter_binds_only_indexed_predicates():
    terms = {
        URIRef(iri)
        for q in QUESTIONS.values()
        for p in q.parameters
        if p.name == "packages"
        for _value, iri in p.terms
    }
    assert terms and terms == VARIABLE_PATTERNS[("predicate", "entries")]


def _indexed(data: bytes) -> set[str]:
    """The quads of the N-Quads ``data`` that the index must hold, as N-Quads text."""
    store = ox.Store()
    store.bulk_load(data, ox.RdfFormat.N_QUADS)
    found = {
        str(q)
        for p in PREDICATES
        for q in store.quads_for_pattern(None, ox.NamedNode(str(p)), None, None)
    }
    for c in CLASSES:
        type_, class_ = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(c))
        found.update(str(q) for q in store.quads_for_pattern(None, type_, class_, None))
    return found


def _held(index: Path) -> set[str]:
    return {str(q) for q in ox.parse(path=str(index), format=ox.RdfFormat.N_QUADS)}


def synthetic_build(folder: Path, size: int = 20_000) -> Path:
    """The synthetic bench graph with the ontology and its derived lifecycles, as an artefact
    with its manifest and on-disk store (as ``bench/questions.py`` makes it)."""
    data = generate(size, contradictions=0.1, supersessions=0.02, focus=0.9)
    ontology = Graph().parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    graph = f"<{GRAPH['ontology/ptkg.ttl']}>"
    text = data + "".join(f"{s.n3()} {p.n3()} {o.n3()} {graph} .\n" for s, p, o in ontology)
    store = OxigraphStore()
    path = folder / "synthetic.nq"
    path.write_text(text, encoding="utf-8")
    store.load_file(path)

    def run(sparql_text: str) -> SelectResult:
        result = store.query(sparql_text)
        assert isinstance(result, SelectResult)
        return result

    derived = "".join(
        f"{s.n3()} {p.n3()} {o.n3()} <{DERIVED_GRAPH}> .\n" for s, p, o in derive(run)
    )
    written = (text + derived).encode("utf-8")
    path.write_bytes(written)
    write_manifest(path, written)
    write_store(path, written)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    return synthetic_build(tmp_path_factory.mktemp("synthetic"))


def _with_index(artefact: Path, store: Store) -> StoreMemo:
    data = artefact.read_bytes()
    index = load_index(artefact, hashlib.sha256(data).hexdigest())
    assert index is not None
    memo = StoreMemo(store)
    memo.index = Index(index, QUERIES)
    return memo


def test_the_index_holds_exactly_the_quads_of_its_predicates_and_classes(
    tmp_path, curated_build, synthetic
):
    artefacts = [curated_build, synthetic, *(fixture_build(c, tmp_path) for c in CASES)]
    for artefact in artefacts:
        data = artefact.read_bytes()
        written = write_index(tmp_path / artefact.name, data)
        expected = _indexed(data)
        assert expected, artefact
        assert _held(written) == expected, artefact


def test_every_pinned_answer_is_the_same_with_the_index(curated_build):
    store = open_store("oxigraph")
    store.load_file(curated_build)
    memo = _with_index(curated_build, store)
    for question in QUESTIONS:
        for params in requests(store, question):
            afresh = ask(store, question, params).to_json()
            assert ask(store, question, params, memo).to_json() == afresh, (question, params)


@pytest.mark.parametrize("case", CASES)
def test_every_answer_on_a_fixture_graph_is_the_same_with_the_index(tmp_path, case):
    artefact = fixture_build(case, tmp_path)
    store = open_store("oxigraph")
    store.load_file(artefact)
    memo = _with_index(artefact, store)
    parties = [str(r[0]) for r in select(store, "ask-parties").rows]
    positions = [str(r[0]) for r in select(store, "ask-positions").rows]
    answered = sum(
        _same(store, memo, question, params)
        for question, params in _random_requests(random.Random(case), parties, positions, 60)
    )
    assert answered > 40, "too few requests were answered to compare"


def _same(store: Store, memo: StoreMemo, question: str, params: dict[str, str]) -> bool:
    """Assert that the answer with the index is the one read afresh (or that both refuse the
    request); whether there was an answer."""
    try:
        afresh = ask(store, question, params).to_json()
    except AskError as exc:
        with pytest.raises(AskError, match=re.escape(str(exc))):
            ask(store, question, params, memo)
        return False
    assert ask(store, question, params, memo).to_json() == afresh, (question, params)
    return True


def _random_requests(
    rng: random.Random, parties: list[str], positions: list[str], count: int
) -> Iterator[tuple[str, dict[str, str]]]:
    """``count`` requests of every question with random parameters: parties, periods of every
    precision (open-ended too), modes, packages, conflicts with or without non-parties, pages."""

    def period() -> str:
        year = rng.randint(2012, 2026)
        return rng.choice([str(year), f"{year}-{rng.randint(1, 12):02d}", f"{year}-06-14"])

    for n in range(count):
        question = list(QUESTIONS)[n % len(QUESTIONS)]
        start = period()
        end = str(int(start[:4]) + rng.randint(0, 6)) + rng.choice(["", "-07", ".."])
        params: dict[str, str] = {
            "limit": rng.choice(["1", "3", "25", "all"]),
            "offset": rng.choice(["0", "0", "2"]),
        }
        if question == "timeline":
            params["position"] = rng.choice(positions)
        elif question in ("position", "conflicts"):
            params["at"] = period()
            if question == "position" or rng.random() < 0.5:
                params["party"] = rng.choice(parties)
            if question == "conflicts":
                params["between"] = rng.choice(["parties", "all"])
        else:
            params.update({"party": rng.choice(parties), "from": start, "to": end})
        if question in ("persisted", "re-emerged", "timeline"):
            params["packages"] = rng.choice(["include", "exclude"])
        if question == "persisted":
            params["mode"] = rng.choice(MODES)
        yield question, params


def test_random_answers_on_the_on_disk_store_are_the_same_with_the_index(synthetic):
    store = open_read_only(synthetic.with_suffix(".oxigraph"))
    memo = _with_index(synthetic, store)
    parties = [str(r[0]) for r in select(store, "ask-parties").rows]
    positions = [str(r[0]) for r in select(store, "ask-positions").rows][:50]
    answered = sum(
        _same(store, memo, question, params)
        for question, params in _random_requests(random.Random(7), parties, positions, 120)
    )
    assert answered > 80, "too few requests were answered to compare"


def test_an_index_of_another_build_is_made_again_and_a_changed_artefact_has_none(tmp_path):
    artefact = fixture_build("withdrawal", tmp_path)
    data = artefact.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    index = index_path(artefact)
    assert index == tmp_path / "withdrawal.index.nq"
    index.write_bytes(b"# the questions' index of the artefact with sha256 0\n")  # another build's
    found = load_index(artefact, sha256)
    assert found is not None and found.quad_count() == len(_indexed(data))
    assert _held(index) == _indexed(data)  # written again, for the next start
    assert index.read_bytes().splitlines()[0].endswith(sha256.encode())
    assert load_index(artefact, "0" * 64) is None  # the artefact is not the one recorded


def _served_copy(curated_build: Path, folder: Path) -> Path:
    """The curated artefact and its manifest copied into ``folder``, with its on-disk store."""
    for name in (curated_build.name, f"{curated_build.name}.manifest.json"):
        shutil.copy(curated_build.parent / name, folder / name)
    served = folder / curated_build.name
    write_store(served, served.read_bytes())
    return served


def test_a_broken_index_is_logged_and_the_questions_read_the_store(tmp_path, curated_build, caplog):
    served = _served_copy(curated_build, tmp_path)
    sha256 = hashlib.sha256(served.read_bytes()).hexdigest()
    index_path(served).write_bytes(
        b"# the questions' index of the artefact with sha256 " + sha256.encode() + b"\nnot RDF\n"
    )
    app = create_app({"TESTING": True, "PTKG_DATASET": str(served), "PTKG_QUERY_WORKERS": "1"})
    try:
        app.extensions[THREAD].join(timeout=60)
        assert app.extensions[MEMO].index is None
        assert "reading the graph at start stopped" in caplog.text
        params = {"party": "russia", "at": "2025-06"}
        reply = app.test_client().get("/api/ask/position", query_string=params)
        whole = open_store("oxigraph")
        whole.load_file(curated_build)
        assert reply.get_data(as_text=True) == ask(whole, "position", params).to_json()
    finally:
        sparql.shutdown(app)


def test_a_server_loads_the_index_beside_its_on_disk_store_and_answers_the_same(
    tmp_path, curated_build
):
    served = _served_copy(curated_build, tmp_path)
    app = create_app({"TESTING": True, "PTKG_DATASET": str(served), "PTKG_QUERY_WORKERS": "1"})
    try:
        app.extensions[THREAD].join(timeout=60)
        memo = app.extensions[MEMO]
        assert memo.index is not None and memo.index.queries == QUERIES
        assert index_path(served).is_file()  # made from the artefact, for the next start
        assert FACTS in app.extensions  # the home page's facts, counted at start too
        whole = open_store("oxigraph")
        whole.load_file(curated_build)
        client = app.test_client()
        for question, params in (
            ("persisted", {"party": "russia", "from": "2024-06", "to": "2025-07"}),
            ("conflicts", {"at": "2025-06"}),
            ("timeline", {"position": "ukrainian-withdrawal-from-four-regions"}),
        ):
            reply = client.get(f"/api/ask/{question}", query_string=params)
            assert reply.status_code == 200
            assert reply.get_data(as_text=True) == ask(whole, question, params).to_json()
    finally:
        sparql.shutdown(app)
