"""Forward chaining of owlrl's OWL 2 RL rules over numbered triples, each triple processed once.

owlrl applies every rule to every triple of the graph in every cycle until a cycle adds nothing.
Here each triple is processed once, when it is taken from a work list: it is joined, in every
place it can fill in a rule's premises, with the triples processed before it (the index), and
what that derives and is new goes on the work list. Whatever order the triples come in, each rule
instance fires when the last of its premises is processed, so the result is the same fixpoint.

Triples of the schema (``rdfs:subClassOf``, ``owl:onProperty``, ``a owl:FunctionalProperty``, ...)
are processed before the data, and what the schema asks of a property or a class is worked out
once into a profile (``kg.pipeline.rules.index``), kept until the schema changes again. The scm-*
rules, joins of schema triples with each other, run over the whole (small) schema whenever it
has changed and the work lists are empty. Equality follows owlrl literally: ``owl:sameAs`` is
symmetric and transitive and every triple is restated with each equal of each of its terms; only
the reflexive ``x owl:sameAs x`` of every term is left implicit (``kg.pipeline.rules.closure``
makes sure no rule could use it). The rules that only report inconsistencies are in
``kg.pipeline.rules.checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from kg.pipeline.rules.index import ClassProfile, Index, PropertyProfile, Schema, each
from kg.pipeline.rules.terms import (
    ALL,
    CHAIN,
    CLASS,
    DATATYPE_PROPERTY,
    DOMAIN,
    EQC,
    EQP,
    FUNCTIONAL,
    HAS_VALUE,
    INTERSECTION,
    INVERSE,
    INVERSE_FUNCTIONAL,
    KEY,
    MAX,
    MAX_QUALIFIED,
    OBJECT_PROPERTY,
    ON_CLASS,
    ON_PROPERTY,
    ONE_OF,
    PROPERTY,
    RANGE,
    SAME,
    SCO,
    SOME,
    SPO,
    SYMMETRIC,
    THING,
    TRANSITIVE,
    TYPE,
    UNION,
)
from kg.pipeline.rules.triggers import ScanRules

Triple = tuple[int, int, int]

SCHEMA_PREDICATES = frozenset(
    (
        *(DOMAIN, RANGE, SPO, EQP, INVERSE, CHAIN, KEY, ON_PROPERTY, SOME, ALL, HAS_VALUE),
        *(MAX, MAX_QUALIFIED, ON_CLASS, SCO, EQC, INTERSECTION, UNION, ONE_OF),
    )
)
"""Predicates whose triples change a profile or set off a scan of the data."""
SCHEMA_CLASSES = frozenset(
    (
        *(FUNCTIONAL, INVERSE_FUNCTIONAL, SYMMETRIC, TRANSITIVE, CLASS, OBJECT_PROPERTY),
        *(DATATYPE_PROPERTY, PROPERTY),
    )
)
"""Classes whose ``rdf:type`` triples do the same."""


def in_schema(p: int, o: int) -> bool:
    """Is a triple of predicate ``p`` and object ``o`` part of the schema (processed first, and
    read into the profiles)?"""
    return p in SCHEMA_PREDICATES or (p == TYPE and o in SCHEMA_CLASSES)


class Engine(ScanRules):
    """The closure of one graph: :meth:`seed` it with the graph's triples, :meth:`run`, then read
    ``derived`` (the new triples, as keys of :meth:`unpack`) and ``index`` (all of them)."""

    def __init__(
        self,
        size: int,
        literal: bytearray,
        lists: Callable[[int], list[int]],
        value: Callable[[int], object],
    ) -> None:
        self.base = size
        self.literal = literal
        self.lists = lists
        self.known: set[int] = set()
        self.derived: list[int] = []
        self.schema_queue: list[Triple] = []
        self.data_queue: list[Triple] = []
        self.index = Index(always_reversed=(TYPE, SAME))
        self.schema = Schema(self.index, lists, value)
        self.properties: dict[int, PropertyProfile] = {}
        self.classes: dict[int, ClassProfile] = {}
        self.schema_changed = False
        self.equality = False

    # -- the work lists ----------------------------------------------------------------------

    def seed(self, triples: Iterable[Triple]) -> None:
        """The graph's own triples: to be processed, but not derived."""
        known, base = self.known, self.base
        for s, p, o in triples:
            key = (s * base + p) * base + o
            if key not in known:
                known.add(key)
                self._queue(s, p, o)

    def add(self, s: int, p: int, o: int) -> None:
        """A derived triple (owlrl's ``store_triple``: never with a literal predicate)."""
        if self.literal[p] or (p == SAME and s == o):
            return
        key = (s * self.base + p) * self.base + o
        if key not in self.known:
            self.known.add(key)
            self.derived.append(key)
            self._queue(s, p, o)

    def has(self, s: int, p: int, o: int) -> bool:
        return (s * self.base + p) * self.base + o in self.known

    def unpack(self, key: int) -> Triple:
        s, rest = divmod(key, self.base * self.base)
        p, o = divmod(rest, self.base)
        return s, p, o

    def _queue(self, s: int, p: int, o: int) -> None:
        if in_schema(p, o):
            self.schema_queue.append((s, p, o))
        else:
            self.data_queue.append((s, p, o))

    @contextmanager
    def redirected(self, add: Callable[[int, int, int], None]) -> Iterator[None]:
        """The rules' conclusions go to ``add`` instead of :meth:`add` while this lasts (an
        incremental closure collects what to over-delete, or guards what it derives)."""
        self.__dict__["add"] = add
        try:
            yield
        finally:
            del self.__dict__["add"]

    def run(self) -> None:
        while True:
            self._settle_schema()
            if not self.data_queue:
                return
            while self.data_queue:
                self._process(*self.data_queue.pop())
                while self.schema_queue:
                    self._process(*self.schema_queue.pop())

    def _settle_schema(self) -> None:
        while True:
            while self.schema_queue:
                self._process(*self.schema_queue.pop())
            if not self.schema_changed:
                return
            self.schema_changed = False
            self.schema_pass()

    # -- one triple ----------------------------------------------------------------------------

    def _process(self, s: int, p: int, o: int) -> None:
        self.index.insert(s, p, o)
        self.fire(s, p, o)

    def fire(self, s: int, p: int, o: int) -> None:
        """Every rule instance with ``s p o`` (already in the index) as one premise and the
        others in the index: what a triple derives when it is the last of its premises to be
        processed, and (with ``add`` redirected) what an incremental closure over-deletes."""
        if p == TYPE:
            if o in SCHEMA_CLASSES:
                self._schema_grew()
                self.typed_rules(s, o)
            self._class_rules(s, o)
        elif p in SCHEMA_PREDICATES:
            self._schema_grew()
            self.schema_rules(s, p, o)
        elif p == SAME and s != o:
            self._equality(s, o)
        profile = self.properties.get(p)
        if profile is None:
            profile = self.properties[p] = PropertyProfile(self.schema, p)
        if profile.useful:
            self._property_rules(s, p, o, profile)
        if self.equality:
            self._replace(s, p, o)

    def _schema_grew(self) -> None:
        self.properties.clear()
        self.classes.clear()
        self.schema_changed = True

    def _class_rules(self, x: int, c: int) -> None:
        profile = self.classes.get(c)
        if profile is None:
            profile = self.classes[c] = ClassProfile(self.schema, c)
        if not profile.useful:
            return
        add = self.add
        for d in profile.supers:  # cax-sco
            add(x, TYPE, d)
        for d in profile.equivalents:  # cax-eqc1, cax-eqc2
            add(x, TYPE, d)
        if profile.rare:
            self._class_restrictions(x, c, profile)
            self._class_sets(x, c, profile)

    def _class_sets(self, x: int, c: int, profile: ClassProfile) -> None:
        add, has = self.add, self.has
        for whole, items in profile.intersections:  # cls-int1
            if all(has(x, TYPE, d) for d in items):
                add(x, TYPE, whole)
        for d in profile.parts:  # cls-int2
            add(x, TYPE, d)
        for whole in profile.unions:  # cls-uni
            add(x, TYPE, whole)
        for items in profile.keys:  # prp-key
            self.key_rule(c, items, x)

    def _class_restrictions(self, x: int, c: int, profile: ClassProfile) -> None:
        add, has, index = self.add, self.has, self.index
        for r, q in profile.some_values:  # cls-svf1, x as the value
            for u in index.subjects(q, x):
                add(u, TYPE, r)
        for q, y in profile.all_values:  # cls-avf, x as the restricted
            for v in index.objects(x, q):
                add(v, TYPE, y)
        for q, y in profile.has_values:  # cls-hv1
            add(x, q, y)
        for q in profile.max_one:  # cls-maxc2, x as the restricted
            self.same_values(index.objects(x, q))
        for q, d in profile.max_one_qualified:  # cls-maxqc3/4, x as the restricted
            values = index.objects(x, q)
            if d != THING:
                values = [y for y in values if has(y, TYPE, d)]
            self.same_values(values)
        for r, q in profile.qualifying:  # cls-maxqc3, x as a value of class c
            for u in index.subjects(q, x):
                if has(u, TYPE, r):
                    self.same_as(x, [y for y in index.objects(u, q) if has(y, TYPE, c)])

    def _property_rules(self, x: int, p: int, y: int, profile: PropertyProfile) -> None:
        add = self.add
        for c in profile.domains:  # prp-dom
            add(x, TYPE, c)
        for c in profile.ranges:  # prp-rng
            add(y, TYPE, c)
        for q in profile.supers:  # prp-spo1
            add(x, q, y)
        for q in profile.equivalents:  # prp-eqp1, prp-eqp2
            add(x, q, y)
        for q in profile.inverses:  # prp-inv1, prp-inv2
            add(y, q, x)
        if profile.rare:
            self._property_characteristics(x, p, y, profile)
            self._property_restrictions(x, p, y, profile)

    def _property_characteristics(self, x: int, p: int, y: int, profile: PropertyProfile) -> None:
        add, index = self.add, self.index
        if profile.symmetric:  # prp-symp
            add(y, p, x)
        if profile.functional:  # prp-fp
            self.same_as(y, index.objects(x, p))
        if profile.inverse_functional:  # prp-ifp
            self.same_as(x, index.subjects(p, y))
        if profile.transitive:  # prp-trp, the triple first and second
            for z in index.objects(y, p):
                add(x, p, z)
            for w in index.subjects(p, x):
                add(w, p, y)
        for chained, items, i in profile.chains:  # prp-spo2
            self.chain_rule(chained, items, i, x, y)
        for c, items in profile.keys:  # prp-key
            if self.has(x, TYPE, c):
                self.key_rule(c, items, x)

    def _property_restrictions(self, x: int, p: int, y: int, profile: PropertyProfile) -> None:
        add, has, index = self.add, self.has, self.index
        for r, filler in profile.some_values:  # cls-svf1, cls-svf2
            if filler == THING or has(y, TYPE, filler):
                add(x, TYPE, r)
        for r, filler in profile.all_values:  # cls-avf
            if has(x, TYPE, r):
                add(y, TYPE, filler)
        for r, value in profile.has_values:  # cls-hv2
            if y == value:
                add(x, TYPE, r)
        for r in profile.max_one:  # cls-maxc2
            if has(x, TYPE, r):
                self.same_as(y, index.objects(x, p))
        for r, c in profile.max_one_qualified:  # cls-maxqc3, cls-maxqc4
            if has(x, TYPE, r) and (c == THING or has(y, TYPE, c)):
                others = index.objects(x, p)
                self.same_as(y, [v for v in others if c == THING or has(v, TYPE, c)])

    # -- equality ------------------------------------------------------------------------------

    def _equality(self, a: int, b: int) -> None:
        """``a owl:sameAs b`` (a ≠ b) as the first premise of eq-sym, eq-trans and eq-rep-*,
        and as the second of eq-trans."""
        add, index = self.add, self.index
        add(b, SAME, a)  # eq-sym
        for z in index.objects(b, SAME):  # eq-trans
            add(a, SAME, z)
        for w in index.subjects(SAME, a):
            add(w, SAME, b)
        if not self.equality:
            self.equality = True
            index.track_all()
        for p, by_subject in index.out.items():  # eq-rep-s
            for o in each(by_subject.get(a)):
                add(b, p, o)
        for s, o in index.pairs(a):  # eq-rep-p
            add(s, b, o)
        for p, by_object in list(index.inn.items()):  # eq-rep-o
            for s in each(by_object.get(b)):
                add(s, p, a)

    def _replace(self, s: int, p: int, o: int) -> None:
        """Any triple as the second premise of eq-rep-s, eq-rep-p and eq-rep-o."""
        add = self.add
        equal = self.index.out[SAME]
        for other in each(equal.get(s)):
            add(other, p, o)
        for other in each(equal.get(p)):
            add(s, other, o)
        for other in each(self.index.inn[SAME].get(o)):
            add(s, p, other)

    def same_values(self, values: Sequence[int]) -> None:
        """Each two different values are the same individual (prp-fp, prp-ifp, cls-maxc2)."""
        if len(values) > 1:
            for y in values:
                self.same_as(y, values)

    def same_as(self, y: int, values: Iterable[int]) -> None:
        """``y`` and each other value are the same individual, both ways round."""
        add = self.add
        for other in values:
            if other != y:
                add(y, SAME, other)
                add(other, SAME, y)
