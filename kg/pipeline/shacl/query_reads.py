"""The triples a SPARQL constraint's query reads, as walks from ``$this`` (``kg.pipeline.shacl.reads``).

The query's rows for a focus node come from its triple patterns. Within one basic graph pattern
(a ``BGP`` of the algebra, or the ``TriplesBlock`` of a ``FILTER EXISTS``/``NOT EXISTS`` that
rdflib leaves untranslated) every solution matches every pattern at once, so a pattern joined to
``$this`` through the others reads only triples a walk from the focus node reaches: each such
pattern is a step (or a path) from the positions of a variable already placed. Variables are
placed only from patterns of the same basic graph pattern: one bound elsewhere may be unbound
when this one is matched (an ``OPTIONAL`` that found nothing), and then it ranges over the whole
graph. What is not joined to ``$this`` that way — a pattern of other variables or constants
only, a path with ``*``, ``+`` or ``!``, a ``GRAPH`` pattern, a query that needs the data's own
prefixes to parse — is read everywhere (its predicates, or every predicate), so any change to it
reaches every focus node: never a smaller answer than the query's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rdflib import BNode, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.paths import Path as SparqlPath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.pipeline.shacl.reads import ANY

if TYPE_CHECKING:
    from kg.pipeline.shacl.reads import Position, Reads

Pattern = tuple[Any, Any, Any]
THIS = Variable("this")
EVERYWHERE = {"Graph", "GraphGraphPattern", "ServiceGraphPattern"}
"""Algebra (or syntax) nodes whose patterns are not matched against the data graph as it is."""


def query_reads(query: Query | None, reads: Reads, this: Position) -> None:
    """Tell ``reads`` what ``query`` reads for a focus node at ``this`` (``None``: a query that
    could not be translated without the data graph's prefixes reads everything)."""
    if query is None:
        reads.anywhere(ANY)
        return
    try:
        blocks = list(_blocks(query.algebra))
    except _Everywhere:
        reads.anywhere(ANY)
        return
    for patterns in blocks:
        _place(patterns, reads, this)


class _Everywhere(Exception):
    """The query has a part whose reads are not a walk from ``$this``."""


def _blocks(part: object) -> Iterator[list[Pattern]]:
    """The triple patterns of each basic graph pattern anywhere in the algebra (filters' EXISTS
    included)."""
    if isinstance(part, CompValue):
        if part.name in EVERYWHERE:
            raise _Everywhere
        if part.name == "BGP":
            yield [tuple(t) for t in part.triples]
            return
        if part.name == "TriplesBlock":
            flat = [term for chunk in part.triples for term in chunk]
            if len(flat) % 3:
                raise _Everywhere
            yield [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]
            return
        for value in part.values():
            yield from _blocks(value)
    elif isinstance(part, list | tuple):
        for value in part:
            yield from _blocks(value)


def _is_variable(term: object) -> bool:
    return isinstance(term, Variable | BNode)


def _place(patterns: list[Pattern], reads: Reads, this: Position) -> None:
    """Each pattern as steps from a placed variable, as long as one is; the rest read everywhere."""
    placed: dict[Node, list[Position]] = {THIS: [this]}
    todo = list(patterns)
    progress = True
    while progress:
        progress = False
        for pattern in list(todo):
            s, p, o = pattern
            if _is_variable(s) and s in placed:
                start, forward, other = placed[s], True, o
            elif _is_variable(o) and o in placed:
                start, forward, other = placed[o], False, s
            else:
                continue
            todo.remove(pattern)
            progress = True
            ends = [end for at in start for end in _walk(p, at, forward, reads) or ()]
            if ends and _is_variable(other) and other not in placed:
                placed[other] = ends
            elif not ends:
                _everywhere(p, reads)
    for _, p, _ in todo:
        _everywhere(p, reads)


def _walk(predicate: object, at: Position, forward: bool, reads: Reads) -> list[Position] | None:
    """The positions a pattern's predicate (an IRI, a variable or a path) leads to from ``at``;
    None for a path that is no finite walk."""
    if _is_variable(predicate):
        return [reads.step(at, ANY, forward)]
    if isinstance(predicate, URIRef):
        return [reads.step(at, predicate, forward)]
    if isinstance(predicate, InvPath):
        return _walk(predicate.arg, at, not forward, reads)
    if isinstance(predicate, SequencePath):
        steps: Sequence[object] = predicate.args if forward else predicate.args[::-1]
        reached: list[Position] = [at]
        for step in steps:
            walked = [_walk(step, r, forward, reads) for r in reached]
            if any(w is None for w in walked):
                return None
            reached = [end for w in walked for end in w or ()]
        return reached
    if isinstance(predicate, AlternativePath):
        walked = [_walk(option, at, forward, reads) for option in predicate.args]
        if any(w is None for w in walked):
            return None
        return [end for w in walked for end in w or ()]
    if isinstance(predicate, MulPath) and predicate.mod == "?":
        once = _walk(predicate.path, at, forward, reads)
        return None if once is None else [at, *once]
    return None


def _everywhere(predicate: object, reads: Reads) -> None:
    """The triples of the pattern's predicate (every IRI of its path) are read everywhere."""
    if isinstance(predicate, URIRef):
        reads.anywhere(predicate)
    elif isinstance(predicate, NegatedPath) or not isinstance(predicate, SparqlPath):
        reads.anywhere(ANY)
    else:
        for part in _parts(predicate):
            _everywhere(part, reads)


def _parts(path: SparqlPath) -> list[object]:
    if isinstance(path, InvPath):
        return [path.arg]
    if isinstance(path, MulPath):
        return [path.path]
    if isinstance(path, SequencePath | AlternativePath):
        return list(path.args)
    return [ANY]
