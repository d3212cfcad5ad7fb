"""The closure the build runs is owlrl's: the OWL 2 RL semantics with blank nodes recorded in a set
(kg.pipeline.reason.BlankNodes) give exactly the triples owlrl's own semantics give, on the curated data and on
fixture graphs, in every inference mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from kg.pipeline.load import load_project
from kg.pipeline.reason import BlankNodes, infer
from tests.conftest import FIXTURES, PROJECTS, REPO

FIXTURE_GRAPHS = sorted((FIXTURES / "ask").glob("*.ttl")) + sorted(
    (FIXTURES / "shapes" / "valid").glob("*.ttl")
)


def union(root: Path) -> Graph:
    graph = Graph()
    for triple in load_project(root).dataset.triples((None, None, None)):
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def curated() -> Graph:
    return union(REPO)


@pytest.mark.parametrize("inference", ["owlrl", "both"])
def test_the_closure_of_the_curated_data_is_owlrls(curated, inference):
    fast, reference = infer(curated, inference), infer(curated, inference, reference=True)
    assert len(fast) > 100
    assert set(fast) == set(reference)


@pytest.mark.parametrize("inference", ["owlrl", "both"])
@pytest.mark.parametrize("path", FIXTURE_GRAPHS, ids=[p.name for p in FIXTURE_GRAPHS])
def test_the_closure_of_a_fixture_graph_is_owlrls(path, inference):
    graph = Graph().parse(path, format="turtle")
    graph += union(PROJECTS / "good")  # an ontology and data beside the fixture
    fast, reference = infer(graph, inference), infer(graph, inference, reference=True)
    assert isomorphic(fast, reference)


def test_blank_nodes_keep_their_order_and_answer_membership():
    nodes = BlankNodes()
    first, second = BNode(), BNode()
    for node in (second, first):
        nodes.append(node)
    assert list(nodes) == [second, first]
    assert first in nodes and BNode() not in nodes
