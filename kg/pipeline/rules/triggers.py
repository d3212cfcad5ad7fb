"""The rules a schema triple sets off in ``kg.pipeline.rules.engine``: owlrl's own rule bodies for
that triple, joined with the data processed so far (data processed later meets the schema through
the profiles), the scm-* rules over the whole schema, and the two rules that walk several
triples of the data, prp-spo2 (property chains) and prp-key (keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from kg.pipeline.rules import terms as vocab
from kg.pipeline.rules.index import Index, Schema, each


class ScanRules:
    """Part of ``Engine``: what a new schema triple derives from the data already processed."""

    index: Index
    schema: Schema
    lists: Callable[[int], list[int]]
    add: Callable[[int, int, int], None]
    has: Callable[[int, int, int], bool]
    same_values: Callable[[Sequence[int]], None]

    def typed_rules(self, s: int, kind: int) -> None:
        """``s rdf:type kind`` for a kind of property or class (prp-fp, prp-ifp, prp-symp,
        prp-trp, scm-cls, scm-op, scm-dp)."""
        add, index = self.add, self.index
        if kind == vocab.FUNCTIONAL:
            for values in index.out.get(s, {}).values():
                self.same_values(each(values))
        elif kind == vocab.INVERSE_FUNCTIONAL:
            for values in index.reversed(s).values():
                self.same_values(each(values))
        elif kind == vocab.SYMMETRIC:
            for x, y in index.pairs(s):
                add(y, s, x)
        elif kind == vocab.TRANSITIVE:
            for x, y in index.pairs(s):
                for z in index.objects(y, s):
                    add(x, s, z)
        elif kind == vocab.CLASS:
            add(s, vocab.SCO, s)
            add(s, vocab.EQC, s)
            add(s, vocab.SCO, vocab.THING)
            add(vocab.NOTHING, vocab.SCO, s)
        else:  # owl:ObjectProperty, owl:DatatypeProperty, rdf:Property
            add(s, vocab.SPO, s)
            add(s, vocab.EQP, s)

    def schema_rules(self, s: int, p: int, o: int) -> None:
        """A triple of a predicate of ``SCHEMA_PREDICATES``."""
        _SCANS[p](self, s, o)

    def _domain(self, p: int, c: int) -> None:  # prp-dom
        for x in list(self.index.out.get(p, {})):
            self.add(x, vocab.TYPE, c)

    def _range(self, p: int, c: int) -> None:  # prp-rng
        for _x, y in self.index.pairs(p):
            self.add(y, vocab.TYPE, c)

    def _sub_property(self, p1: int, p2: int) -> None:  # prp-spo1
        for x, y in self.index.pairs(p1):
            self.add(x, p2, y)

    def _equivalent_property(self, p1: int, p2: int) -> None:  # prp-eqp1/2, scm-eqp1
        self._equivalent(p1, p2, self._sub_property, vocab.SPO)

    def _inverse(self, p1: int, p2: int) -> None:  # prp-inv1, prp-inv2
        for x, y in self.index.pairs(p1):
            self.add(y, p2, x)
        for x, y in self.index.pairs(p2):
            self.add(y, p1, x)

    def _chain(self, p: int, head: int) -> None:  # prp-spo2
        items = self.lists(head)
        if items:
            for u, v in list(self.index.pairs(items[0])):
                self.chain_rule(p, items, 0, u, v)

    def _key(self, c: int, head: int) -> None:  # prp-key
        items = self.lists(head)
        if items:
            for x in list(self.index.subjects(vocab.TYPE, c)):
                self.key_rule(c, items, x)

    def _sub_class(self, c1: int, c2: int) -> None:  # cax-sco
        if c1 != c2:
            for x in self.index.subjects(vocab.TYPE, c1):
                self.add(x, vocab.TYPE, c2)

    def _equivalent_class(self, c1: int, c2: int) -> None:  # cax-eqc1/2, scm-eqc1
        self._equivalent(c1, c2, self._sub_class, vocab.SCO)

    def _equivalent(self, a: int, b: int, sub_rule: Callable[[int, int], None], sub: int) -> None:
        """Each of two equivalents (a ≠ b) is subsumed by the other, both in the data and said."""
        if a != b:
            sub_rule(a, b)
            sub_rule(b, a)
            self.add(a, sub, b)
            self.add(b, sub, a)

    def _intersection(self, c: int, head: int) -> None:  # cls-int1, cls-int2, scm-int
        has, index, items = self.has, self.index, self.lists(head)
        if items:
            for y in index.subjects(vocab.TYPE, items[0]):
                if all(has(y, vocab.TYPE, d) for d in items[1:]):
                    self.add(y, vocab.TYPE, c)
        for y in index.subjects(vocab.TYPE, c):
            for d in items:
                self.add(y, vocab.TYPE, d)
        for d in items:
            self.add(c, vocab.SCO, d)

    def _union(self, c: int, head: int) -> None:  # cls-uni, scm-uni
        for d in self.lists(head):
            for y in self.index.subjects(vocab.TYPE, d):
                self.add(y, vocab.TYPE, c)
            self.add(d, vocab.SCO, c)

    def _one_of(self, c: int, head: int) -> None:  # cls-oo
        for y in self.lists(head):
            self.add(y, vocab.TYPE, c)

    def _restriction(self, r: int, _o: int) -> None:
        """Any triple about a restriction ``r``: owlrl's bodies of all of them (cls-svf1/2,
        cls-avf, cls-hv1/2, cls-maxc2, cls-maxqc3/4)."""
        add, has, index = self.add, self.has, self.index
        on = index.objects(r, vocab.ON_PROPERTY)
        for q in on:
            for y in index.objects(r, vocab.SOME):
                for u, v in index.pairs(q):
                    if y == vocab.THING or has(v, vocab.TYPE, y):
                        add(u, vocab.TYPE, r)
            members = index.subjects(vocab.TYPE, r)
            for y in index.objects(r, vocab.ALL):
                for u in members:
                    for v in index.objects(u, q):
                        add(v, vocab.TYPE, y)
            for y in index.objects(r, vocab.HAS_VALUE):
                for u in members:
                    add(u, q, y)
                for u in index.subjects(q, y):
                    add(u, vocab.TYPE, r)
            self._cardinality(r, q, members)

    def _cardinality(self, r: int, q: int, members: Sequence[int]) -> None:
        index, has = self.index, self.has
        if self.schema.states(r, vocab.MAX, 1):
            for u in members:
                self.same_values(index.objects(u, q))
        if self.schema.states(r, vocab.MAX_QUALIFIED, 1):
            for c in index.objects(r, vocab.ON_CLASS):
                for u in members:
                    values = index.objects(u, q)
                    if c != vocab.THING:
                        values = [y for y in values if has(y, vocab.TYPE, c)]
                    self.same_values(values)

    # -- rules over several triples of the data ------------------------------------------------

    def chain_rule(self, p: int, items: list[int], i: int, x: int, y: int) -> None:
        """prp-spo2 for the triple ``x items[i] y``: every chain through it."""
        index = self.index
        starts = {x}
        for step in reversed(items[:i]):
            starts = {w for u in starts for w in index.subjects(step, u)}
        ends = {y}
        for step in items[i + 1 :]:
            ends = {z for u in ends for z in index.objects(u, step)}
        for u in starts:
            for z in ends:
                self.add(u, p, z)

    def key_rule(self, c: int, items: list[int], x: int) -> None:
        """prp-key for ``x`` of class ``c`` with key ``items``, owlrl's way: ``x`` is the same
        as ``y`` when ``x`` has a value of every key property and ``y`` shares one of ``x``'s
        values of each key property *but the last* (owlrl's loop stops one short)."""
        index, has = self.index, self.has
        if len(items) > 1:
            candidates: Iterable[int] = {
                y for v in index.objects(x, items[0]) for y in index.subjects(items[0], v)
            }
        else:
            candidates = list(index.subjects(vocab.TYPE, c))
        for y in candidates:
            if y != x and has(y, vocab.TYPE, c):
                if self._keyed(items, x, y):
                    self.add(x, vocab.SAME, y)
                if self._keyed(items, y, x):
                    self.add(y, vocab.SAME, x)

    def _keyed(self, items: list[int], x: int, y: int) -> bool:
        objects = self.index.objects
        if not all(objects(x, q) for q in items):
            return False
        return all(any(self.has(y, q, v) for v in objects(x, q)) for q in items[:-1])

    # -- the scm-* rules -----------------------------------------------------------------------

    def schema_pass(self) -> None:
        """One pass of owlrl's scm-* rules that join schema triples, over the whole schema."""
        self._hierarchy_pass(vocab.SCO, vocab.EQC)  # scm-sco, scm-eqc2
        self._hierarchy_pass(vocab.SPO, vocab.EQP)  # scm-spo, scm-eqp2
        self._domain_range_pass(vocab.DOMAIN)  # scm-dom1, scm-dom2
        self._domain_range_pass(vocab.RANGE)  # scm-rng1, scm-rng2
        self._has_value_pass()  # scm-hv
        self._filler_pass(vocab.SOME)  # scm-svf1, scm-svf2
        self._filler_pass(vocab.ALL)  # scm-avf1, scm-avf2

    def _hierarchy_pass(self, sub: int, equivalent: int) -> None:
        index, add, has = self.index, self.add, self.has
        for c1, c2 in index.pairs(sub):
            if c1 != c2:
                for c3 in index.objects(c2, sub):
                    if c1 != c3:
                        add(c1, sub, c3)
            # owlrl tests classes for equivalence even when c1 is c2, properties only when not
            if (c1 != c2 or sub == vocab.SCO) and has(c2, sub, c1):
                add(c1, equivalent, c2)

    def _domain_range_pass(self, predicate: int) -> None:
        index, add = self.index, self.add
        for p, c1 in index.pairs(predicate):
            for c2 in index.objects(c1, vocab.SCO):
                if c1 != c2:
                    add(p, predicate, c2)
            for p1 in index.subjects(vocab.SPO, p):
                if p1 != p:
                    add(p1, predicate, c1)

    def _has_value_pass(self) -> None:
        index, add, has = self.index, self.add, self.has
        for c1, i in index.pairs(vocab.HAS_VALUE):
            for p1 in index.objects(c1, vocab.ON_PROPERTY):
                for c2 in index.subjects(vocab.HAS_VALUE, i):
                    for p2 in index.objects(c2, vocab.ON_PROPERTY):
                        if has(p1, vocab.SPO, p2):
                            add(c1, vocab.SCO, c2)

    def _filler_pass(self, filler: int) -> None:
        index, add, has = self.index, self.add, self.has
        for c1, y1 in index.pairs(filler):
            for q in index.objects(c1, vocab.ON_PROPERTY):  # scm-svf1, scm-avf1
                for c2 in index.subjects(vocab.ON_PROPERTY, q):
                    for y2 in index.objects(c2, filler):
                        if has(y1, vocab.SCO, y2):
                            add(c1, vocab.SCO, c2)
            for p1 in index.objects(c1, vocab.ON_PROPERTY):  # scm-svf2, scm-avf2
                for c2 in index.subjects(filler, y1):
                    for p2 in index.objects(c2, vocab.ON_PROPERTY):
                        if has(p1, vocab.SPO, p2):
                            if filler == vocab.SOME:
                                add(c1, vocab.SCO, c2)
                            else:
                                add(c2, vocab.SCO, c1)


_SCANS: dict[int, Callable[[ScanRules, int, int], None]] = {
    vocab.DOMAIN: ScanRules._domain,
    vocab.RANGE: ScanRules._range,
    vocab.SPO: ScanRules._sub_property,
    vocab.EQP: ScanRules._equivalent_property,
    vocab.INVERSE: ScanRules._inverse,
    vocab.CHAIN: ScanRules._chain,
    vocab.KEY: ScanRules._key,
    vocab.SCO: ScanRules._sub_class,
    vocab.EQC: ScanRules._equivalent_class,
    vocab.INTERSECTION: ScanRules._intersection,
    vocab.UNION: ScanRules._union,
    vocab.ONE_OF: ScanRules._one_of,
    **dict.fromkeys(
        (
            vocab.ON_PROPERTY,
            vocab.SOME,
            vocab.ALL,
            vocab.HAS_VALUE,
            vocab.MAX,
            vocab.MAX_QUALIFIED,
            vocab.ON_CLASS,
        ),
        ScanRules._restriction,
    ),
}
