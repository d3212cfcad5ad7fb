"""Names for the shapes graph's blank nodes that do not depend on their labels, and a fingerprint.

A saved incremental validation names the shapes its results came from, and must know whether the
shapes are still the ones it validated against; the next process parses the shapes again, and
every parse gives blank nodes new labels. rdflib's canonical labelling would answer both, but
takes most of a second on our shapes. Shapes graphs are trees of blank nodes (property shapes,
paths, lists) below IRIs, and in a tree a blank node is told apart by what is below it and
what is above it: its key hashes the keys below it (its triples, with each blank object's key
below) with those above it (the triples naming it, with each blank subject's key). Identical
siblings get the same key, and so does a blank node in a cycle of blank nodes (there is no
"below" to start from): :func:`blank_keys` then gives None, and whoever needs the keys
validates in full rather than guess.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph
from rdflib.term import Node


def blank_keys(graph: Graph) -> dict[Node, str] | None:
    """blank node → its key; None when keys cannot tell every blank node apart from the others
    (identical siblings, cycles)."""
    below: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    above: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in graph:
        if isinstance(s, BNode):
            below[s].append((p, o))
        if isinstance(o, BNode):
            above[o].append((s, p))
    down: dict[Node, str] = {}
    up: dict[Node, str] = {}

    def key_below(node: Node, trail: frozenset[Node]) -> str:
        if node in down:
            return down[node]
        if node in trail:
            raise _Cycle
        inner = trail | {node}
        parts = sorted(
            f"{p.n3()} {key_below(o, inner) if isinstance(o, BNode) else o.n3()}"
            for p, o in below[node]
        )
        down[node] = found = _hash(parts)
        return found

    def key_above(node: Node) -> str:
        if node not in up:
            parts = sorted(
                f"{key(s) if isinstance(s, BNode) else s.n3()} {p.n3()}" for s, p in above[node]
            )
            up[node] = _hash(parts)
        return up[node]

    def key(node: Node) -> str:
        return _hash([key_below(node, frozenset()), key_above(node)])

    try:
        keys = {node: key(node) for node in {*below, *above}}
    except (_Cycle, RecursionError):
        return None
    return keys if len(set(keys.values())) == len(keys) else None


def fingerprint(graph: Graph, keys: dict[Node, str] | None) -> str | None:
    """A hash of the graph's triples with each blank node named by its key: the same for every
    parse of the same shapes; None without keys."""
    if keys is None:
        return None

    def name(term: Node) -> str:
        return f"_:{keys[term]}" if isinstance(term, BNode) else term.n3()

    return _hash(sorted(" ".join(name(t) for t in triple) for triple in graph))


def _hash(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class _Cycle(Exception):
    """A blank node below itself."""
