"""A fast OWL 2 RL closure whose answer is owlrl's, exactly (``kg.pipeline.reason`` uses it).

owlrl 7.6 (``OWLRL_Semantics`` with ``axiomatic_triples=False, datatype_axioms=False``) applies
every rule to every triple of the graph in every cycle, in Python: minutes at 100k triples. This
closure numbers the terms, applies the same rules to each triple once
(``kg.pipeline.rules.engine``) and reports the same inconsistencies (``kg.pipeline.rules.checks``),
with owlrl's quirks: its one-time datatype rules (``kg.pipeline.rules.terms``), its prp-key and
prp-adp loops that stop one item short, its removal of triples whose predicate is a blank node,
and its error messages added as blank nodes of type ``err:ErrorMessage``.

Where owlrl's answer would depend on the order it meets triples in, or on something this engine
leaves implicit, it raises :class:`Unsupported` with the reason, and the caller runs owlrl
instead: ``owl:sameAs`` given a meaning as a property (a domain, a characteristic, an equal...,
since every term's ``x owl:sameAs x`` is left implicit here), a literal as a subject or predicate, an
RDF list node with two ``rdf:first``/``rdf:rest`` (or a closure that adds one, or a cyclic list),
``owl:sameAs`` between a typed literal or a datatype-typed node and something else, a cardinality
that is not a literal, and a literal owlrl's converter cannot read. It never returns an answer
that differs from owlrl's.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from kg.pipeline.rules.checks import Inconsistencies
from kg.pipeline.rules.engine import Engine
from kg.pipeline.rules.index import PropertyProfile, each
from kg.pipeline.rules.onetime import OneTimeRules
from kg.pipeline.rules.terms import (
    FIRST,
    MAX,
    MAX_QUALIFIED,
    ON_PROPERTY,
    REST,
    RL_SET,
    SAME,
    TYPE,
    Terms,
    UnsureLiteral,
    first_items,
)

ERROR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
"""owlrl's vocabulary for its error messages (``owlrl.Namespaces.ERRNS``)."""

Triple = tuple[int, int, int]


class Unsupported(Exception):
    """The graph uses something on which this closure could differ from owlrl's: run owlrl."""


@dataclass
class RuleClosure:
    """The triples owlrl's closure adds to a graph, and its inconsistency messages."""

    engine: Engine
    terms: Terms
    errors: list[str]

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        unpack = self.engine.unpack
        return new_triples(self.terms, (unpack(key) for key in self.engine.derived), self.errors)


def new_triples(
    terms: Terms, derived: Iterable[Triple], errors: Iterable[str]
) -> Iterator[tuple[Node, Node, Node]]:
    """The ``derived`` triples as terms (none with a blank-node predicate: owlrl's
    ``post_process`` removes them), then two per error message, as owlrl adds them."""
    term, blank = terms.terms, terms.blank
    for s, p, o in derived:
        if not blank[p]:
            yield term[s], term[p], term[o]
    for message in errors:
        node = BNode()
        yield node, RDF.type, ERROR.ErrorMessage
        yield node, ERROR.error, Literal(message)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: a closure makes millions of small containers and no
    cycles, and the collector would walk them again and again for nothing (a third of the time
    at 200k triples)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def owl_rl_closure(graph: Graph) -> RuleClosure:
    """owlrl's OWL 2 RL closure of ``graph`` (left unchanged), or :class:`Unsupported`."""
    closed = close(graph)
    return RuleClosure(closed.engine, closed.terms, closed.errors())


@dataclass
class Closed:
    """A closure as the engine left it, with the graph's RDF lists and one-time rules, and (when
    asked for) the keys of the graph's own triples: what an incremental closure continues from."""

    terms: Terms
    engine: Engine
    lists: Lists
    one_time: OneTimeRules
    asserted: set[int] | None

    def errors(self) -> list[str]:
        """owlrl's error messages: the one-time rules', then the inconsistencies'."""
        engine, terms = self.engine, self.terms
        checks = Inconsistencies(terms, engine.index, engine.has, self.lists.items, value_of(terms))
        return self.one_time.errors + checks.messages()


def close(graph: Graph, *, room: bool = False) -> Closed:
    """The closure of ``graph`` (left unchanged), or :class:`Unsupported`. With ``room``, the
    triples' keys leave room for as many terms again (:func:`key_base`) and the graph's own
    keys are kept."""
    terms = Terms()
    triples = _numbered(graph, terms)
    check_input(triples, terms)
    lists = Lists(terms, triples)
    check_equalities([(s, o) for s, p, o in triples if p == SAME], datatyped(triples, terms), terms)
    one_time = OneTimeRules(terms)
    try:
        one_time.count(triples)
    except UnsureLiteral as exc:
        raise Unsupported(str(exc)) from None
    one_time.changes()  # all of them are the graph's, none a change
    base = key_base(len(terms)) if room else len(terms)
    engine = Engine(base, terms.literal, lists.items, value_of(terms))
    engine.seed(triples)
    asserted = set(engine.known) if room else None
    del triples
    for s, p, o in one_time.triples:
        engine.add(s, p, o)
    engine.run()
    check_closure(engine, terms, lists)
    check_same_as(engine, terms)
    return Closed(terms, engine, lists, one_time, asserted)


def key_base(size: int) -> int:
    """A base for the keys of a closure of ``size`` terms that can grow: a power of two with
    room for twice as many (a key is ``(s * base + p) * base + o``)."""
    return 1 << max(10, (2 * size).bit_length())


def _numbered(graph: Graph, terms: Terms) -> list[Triple]:
    ids, number = terms.ids, terms.id
    triples: list[Triple] = []
    append = triples.append
    for s, p, o in graph:
        si, pi, oi = ids.get(s), ids.get(p), ids.get(o)
        append(
            (
                number(s) if si is None else si,
                number(p) if pi is None else pi,
                number(o) if oi is None else oi,
            )
        )
    return triples


def check_input(triples: Iterable[Triple], terms: Terms) -> None:
    literal = terms.literal
    for s, p, o in triples:
        if literal[s] or literal[p]:
            raise Unsupported("a literal is used as a subject or a predicate")
        if p in (MAX, MAX_QUALIFIED) and not literal[o]:
            raise Unsupported("a cardinality restriction's number is not a literal")


def datatyped(triples: Iterable[Triple], terms: Terms) -> set[int]:
    """The nodes the graph types with an OWL RL datatype."""
    node = terms.terms
    return {s for s, p, o in triples if p == TYPE and node[o] in RL_SET}


def check_equalities(pairs: list[tuple[int, int]], datatyped: set[int], terms: Terms) -> None:
    """owlrl's datatype rules read ``owl:sameAs`` pairs in the graph's order: refuse any that
    matter to them."""
    for s, o in pairs:
        if terms.literal[o] or s in datatyped or o in datatyped:
            raise Unsupported("owl:sameAs links a literal or a node typed with a datatype")


def check_closure(engine: Engine, terms: Terms, lists: Lists) -> None:
    """What owlrl would have read differently: a list that grew, a cardinality no number."""
    for p, given in ((FIRST, lists.first), (REST, lists.rest)):
        if sum(len(each(o)) for o in engine.index.out.get(p, {}).values()) != len(given):
            raise Unsupported("the closure adds to an RDF list (owlrl reads lists as they grow)")
    for p in (MAX, MAX_QUALIFIED):
        if any(not terms.literal[o] for _r, o in engine.index.pairs(p)):
            raise Unsupported("the closure makes a cardinality restriction's number a resource")


def check_same_as(engine: Engine, terms: Terms) -> None:
    """Every term is ``owl:sameAs`` itself in owlrl's closure, which this one leaves implicit: no
    rule may read those triples, so ``owl:sameAs`` must mean nothing as a property here."""
    index = engine.index
    number = terms.ids.get
    kinds = {number(OWL.IrreflexiveProperty), number(OWL.AsymmetricProperty)}
    lists = [
        engine.lists(head)
        for x in index.subjects(TYPE, number(OWL.AllDisjointProperties, -1))
        for head in index.objects(x, number(OWL.members, -1))
    ]
    disjoint = number(OWL.propertyDisjointWith, -1)
    if (
        PropertyProfile(engine.schema, SAME).useful
        or index.objects(SAME, SAME)
        or kinds & set(index.objects(SAME, TYPE))
        or index.subjects(ON_PROPERTY, SAME)
        or index.objects(SAME, disjoint)
        or index.subjects(disjoint, SAME)
        or index.subjects(number(OWL.assertionProperty, -1), SAME)
        or any(SAME in items for items in lists)
    ):
        raise Unsupported("owl:sameAs is used as a property with a meaning of its own")


def value_of(terms: Terms) -> Callable[[int], object]:
    """owlrl's ``n.value`` of a cardinality (``None`` for a resource, where owlrl would fail)."""
    nodes = terms.terms

    def value(n: int) -> object:
        node = nodes[n]
        return node.value if isinstance(node, Literal) else None

    return value


class Lists:
    """The RDF lists of the graph, read as owlrl reads them (``Graph.items``)."""

    def __init__(self, terms: Terms, triples: Iterable[Triple]) -> None:
        self.terms = terms
        self.first, self.rest, doubled = first_items(triples)
        if doubled:
            raise Unsupported("an RDF list node has two rdf:first or two rdf:rest")
        self.read: dict[int, list[int]] = {}

    def items(self, head: int) -> list[int]:
        known = self.read.get(head)
        if known is None:
            known = self.read[head] = self._walk(head)
        return known

    def _walk(self, head: int) -> list[int]:
        items: list[int] = []
        seen: set[int | None] = {head}
        node: int | None = head
        while node is not None and self.terms.terms[node]:  # owlrl stops at a false term
            item = self.first.get(node)
            if item is not None:
                items.append(item)
            node = self.rest.get(node)
            if node in seen:
                raise Unsupported("an RDF list is cyclic (owlrl fails on it)")
            seen.add(node)
        return items
