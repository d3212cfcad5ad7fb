"""SHACL property paths: predicate, inverse, alternative and sequence paths, read once.

Evaluation follows pySHACL's ``value_nodes_from_path``, including how it walks an inverse
sequence (each step inverted, in the written order); paths the fast validator does not implement
(``sh:zeroOrMorePath`` and the like) are refused with the reason, so the caller falls back to
pySHACL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.pipeline.shacl.index import NOTHING, DataIndex
from kg.pipeline.shacl.unsupported import Unsupported, named
from kg.rdf.namespaces import SH


@dataclass(frozen=True)
class Inverse:
    path: Path


@dataclass(frozen=True)
class Steps:
    """A sequence path: each step from the nodes the previous one reached."""

    steps: tuple[Path, ...]


@dataclass(frozen=True)
class Alternative:
    options: tuple[Path, ...]


Path = URIRef | Inverse | Steps | Alternative


def compile_path(graph: Graph, node: Node) -> Path:
    """The path written at ``node`` of the shapes graph."""
    if isinstance(node, URIRef):
        return node
    if not isinstance(node, BNode):
        raise Unsupported(f"the path {named(node)} is neither an IRI nor a blank node")
    keys = set(graph.predicates(node))
    if RDF.first in keys:
        return Steps(tuple(compile_path(graph, item) for item in _items(graph, node, "sequence")))
    if keys == {SH.inversePath}:
        return Inverse(compile_path(graph, _one(graph, node, SH.inversePath)))
    if keys == {SH.alternativePath}:
        listed = _one(graph, node, SH.alternativePath)
        return Alternative(
            tuple(compile_path(graph, item) for item in _items(graph, listed, "alternative"))
        )
    written = ", ".join(sorted(named(k) for k in keys)) or "nothing"
    raise Unsupported(f"a path written with {written} (the fast validator does not implement it)")


def _one(graph: Graph, node: Node, predicate: URIRef) -> Node:
    values = list(graph.objects(node, predicate))
    if len(values) != 1:
        raise Unsupported(f"a path with {len(values)} values of {named(predicate)}")
    return values[0]


def _items(graph: Graph, head: Node, kind: str) -> list[Node]:
    """The members of a well-formed list of at least two paths."""
    items: list[Node] = []
    seen: set[Node] = set()
    node = head
    while node != RDF.nil:
        if node in seen or set(graph.predicates(node)) != {RDF.first, RDF.rest}:
            raise Unsupported(f"an ill-formed {kind} path list")
        seen.add(node)
        items.append(_one(graph, node, RDF.first))
        node = _one(graph, node, RDF.rest)
    if len(items) < 2:
        raise Unsupported(f"a {kind} path of fewer than two paths")
    return items


def values(path: Path, focus: Node, index: DataIndex, inverse: bool = False) -> Sequence[Node]:
    """The value nodes of ``focus`` along ``path`` (each once)."""
    if isinstance(path, URIRef):
        return index.subjects(path, focus) if inverse else index.objects(focus, path)
    if isinstance(path, Inverse):
        return values(path.path, focus, index, not inverse)
    if isinstance(path, Alternative):
        return _union(values(option, focus, index, inverse) for option in path.options)
    reached: Sequence[Node] = (focus,)
    for step in path.steps:
        reached = _union(values(step, node, index, inverse) for node in reached)
    return reached


def values_of(path: Path, foci: Iterable[Node], index: DataIndex) -> dict[Node, Sequence[Node]]:
    """Each focus node's value nodes; a predicate path is read straight off the index."""
    if isinstance(path, URIRef):
        table = index.out(path)
        return {f: table.get(f, NOTHING) for f in foci}
    return {f: values(path, f, index) for f in foci}


def _union(parts: Iterable[Sequence[Node]]) -> Sequence[Node]:
    merged: dict[Node, None] = {}
    for part in parts:
        merged.update(dict.fromkeys(part))
    return tuple(merged)


def used_predicates(path: Path) -> set[URIRef]:
    """Every predicate the path walks (for reading the index ahead)."""
    if isinstance(path, URIRef):
        return {path}
    if isinstance(path, Inverse):
        return used_predicates(path.path)
    parts = path.steps if isinstance(path, Steps) else path.options
    return set().union(*(used_predicates(p) for p in parts))
