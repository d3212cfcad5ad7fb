"""SHACL property paths: predicate, inverse, alternative and sequence paths, read once.

Evaluation follows pySHACL's ``value_nodes_from_path``, including how it walks an inverse
sequence (each step inverted, in the written order); paths the fast validator does not implement
(``sh:zeroOrMorePath`` and the like) are refused with the reason, so the caller falls back to
pySHACL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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


Walk = Callable[[Node], Sequence[Node]]
"""A path made ready for one index: a node's value nodes, each once."""


def walker(path: Path, index: DataIndex, inverse: bool = False) -> Walk:
    """``path`` over ``index``, its tables fetched once: pySHACL's ``value_nodes_from_path``,
    which inverts each step of an inverse sequence in the written order."""
    if isinstance(path, URIRef):
        table = index.into(path) if inverse else index.out(path)
        return lambda node: table.get(node, NOTHING)
    if isinstance(path, Inverse):
        return walker(path.path, index, not inverse)
    if isinstance(path, Alternative):
        options = [walker(option, index, inverse) for option in path.options]
        return lambda node: _union([option(node) for option in options])
    steps = [walker(step, index, inverse) for step in path.steps]

    def walk(node: Node) -> Sequence[Node]:
        reached: Sequence[Node] = (node,)
        for step in steps:
            reached = step(reached[0]) if len(reached) == 1 else _union([step(n) for n in reached])
        return reached

    return walk


def values_of(path: Path, foci: Iterable[Node], index: DataIndex) -> dict[Node, Sequence[Node]]:
    """Each focus node's value nodes along ``path``."""
    walk = walker(path, index)
    return {f: walk(f) for f in foci}


def _union(parts: list[Sequence[Node]]) -> Sequence[Node]:
    found = [part for part in parts if part]
    if len(found) < 2:
        return found[0] if found else NOTHING
    merged: dict[Node, None] = {}
    for part in found:
        merged.update(dict.fromkeys(part))
    return tuple(merged)
