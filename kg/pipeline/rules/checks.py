"""owlrl's OWL 2 RL rules that derive nothing but report an inconsistency (eq-diff1, prp-irp,
prp-asyp, prp-adp, prp-pdw, prp-npa1/2, cls-nothing2, cls-com, cls-maxc1, cls-maxqc1/2, cax-dw,
cax-adc), with owlrl's messages word for word, quirks included.

owlrl tests them on the graph of every cycle; each tests for triples being present, so what they
find over all cycles is what they find in the final closure, where they run here once. eq-diff2/3
(members of an ``owl:AllDifferent`` that are the same) cannot arise here: the closure restates
the list with each member's equals, and ``kg.pipeline.rules.closure`` leaves a graph whose lists
grow to owlrl.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rdflib.namespace import OWL
from rdflib.term import Node

from kg.pipeline.rules.index import Index
from kg.pipeline.rules.terms import (
    DISJOINT,
    MAX,
    MAX_QUALIFIED,
    NOTHING,
    ON_CLASS,
    ON_PROPERTY,
    SAME,
    THING,
    TYPE,
    Terms,
)


class Inconsistencies:
    """The messages of one closure: ``index`` holds all its triples, ``has`` tests for one."""

    def __init__(
        self,
        terms: Terms,
        index: Index,
        has: Callable[[int, int, int], bool],
        lists: Callable[[int], list[int]],
        value: Callable[[int], object],
    ) -> None:
        self.terms, self.index, self.has, self.lists, self.value = terms, index, has, lists, value

    def messages(self) -> list[str]:
        found = [
            *self._equality(),
            *self._properties(),
            *self._disjoint_properties(),
            *self._negative_assertions(),
            *self._classes(),
            *self._cardinalities(),
            *self._disjoint_classes(),
        ]
        return list(dict.fromkeys(found))

    def _id(self, term: Node) -> int:
        """The number of a term, or -1 (a triple with it is in no graph) if the closure has none."""
        return self.terms.ids.get(term, -1)

    def _say(self, message: str, *numbers: int) -> str:
        return message % tuple(self.terms.terms[n] for n in numbers)

    def _equality(self) -> Iterator[str]:
        has, index, say = self.has, self.index, self._say
        message = (
            "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: (%s, %s)"
        )
        for a, b in index.pairs(self._id(OWL.differentFrom)):  # eq-diff1
            if a == b:  # every term is owl:sameAs itself
                yield say(message, a, a)
            elif has(a, SAME, b):
                yield say(message, a, b)
                yield say(message, b, a)

    def _properties(self) -> Iterator[str]:
        has, index, say = self.has, self.index, self._say
        for p in index.subjects(TYPE, self._id(OWL.IrreflexiveProperty)):  # prp-irp
            for x, y in index.pairs(p):
                if x == y:
                    yield say("Irreflexive property used on %s with %s", x, p)
        for p in index.subjects(TYPE, self._id(OWL.AsymmetricProperty)):  # prp-asyp
            for x, y in index.pairs(p):
                if has(y, p, x):
                    yield say("Erroneous usage of asymmetric property %s on %s and %s", p, x, y)
        message = "Erroneous usage of disjoint properties %s and %s on %s and %s"
        for p1, p2 in index.pairs(self._id(OWL.propertyDisjointWith)):  # prp-pdw
            for x, y in index.pairs(p1):
                if has(x, p2, y):
                    yield say(message, p1, p2, x, y)

    def _disjoint_properties(self) -> Iterator[str]:  # prp-adp
        has, index, say = self.has, self.index, self._say
        message = (
            "Disjoint properties in an 'AllDisjointProperties' are not really disjoint: "
            "(%s, %s,%s) and (%s,%s,%s)"
        )
        for x in index.subjects(TYPE, self._id(OWL.AllDisjointProperties)):
            for head in index.objects(x, self._id(OWL.members)):
                items = self.lists(head)
                for i in range(len(items) - 1):
                    for j in range(i + 1, len(items) - 1):  # owlrl's loop stops one short
                        pi, pj = items[i], items[j]
                        for a, b in index.pairs(pi):
                            if has(a, pj, b):
                                yield say(message, a, pi, b, a, pj, b)

    def _negative_assertions(self) -> Iterator[str]:  # prp-npa1, prp-npa2
        has, index, say = self.has, self.index, self._say
        kinds = (
            (
                OWL.targetIndividual,
                "Negative (object) property assertion violated for: (%s, %s, %s)",
            ),
            (OWL.targetValue, "Negative (datatype) property assertion violated for: (%s, %s, %s)"),
        )
        for x, i1 in index.pairs(self._id(OWL.sourceIndividual)):
            for p1 in index.objects(x, self._id(OWL.assertionProperty)):
                for target, message in kinds:
                    for i2 in index.objects(x, self._id(target)):
                        if has(i1, p1, i2):
                            yield say(message, i1, p1, i2)

    def _classes(self) -> Iterator[str]:
        has, index, say = self.has, self.index, self._say
        for c in index.subjects(TYPE, NOTHING):  # cls-nothing2
            yield say("%s is defined of type 'Nothing'", c)
        message = "Violation of complementarity for classes %s and %s on element %s"
        for c1, c2 in index.pairs(self._id(OWL.complementOf)):  # cls-com
            for x in index.subjects(TYPE, c1):
                if has(x, TYPE, c2):
                    yield say(message, c1, c2, c2)  # owlrl names the class, not the element

    def _cardinalities(self) -> Iterator[str]:  # cls-maxc1, cls-maxqc1, cls-maxqc2
        has, index, say = self.has, self.index, self._say
        for r, n in index.pairs(MAX):
            if self.value(n) == 0:
                for q in index.objects(r, ON_PROPERTY):
                    for u, y in index.pairs(q):
                        if has(u, TYPE, r):
                            yield say("Erroneous usage of maximum cardinality with %s and %s", r, y)
        message = "Erroneous usage of maximum qualified cardinality with %s, %s and %s"
        for r, n in index.pairs(MAX_QUALIFIED):
            if self.value(n) == 0:
                for q in index.objects(r, ON_PROPERTY):
                    for c in index.objects(r, ON_CLASS):
                        for u, y in index.pairs(q):
                            if (has(y, TYPE, c) or c == THING) and has(u, TYPE, r):
                                yield say(message, r, c, y)

    def _disjoint_classes(self) -> Iterator[str]:  # cax-dw, cax-adc
        has, index, say = self.has, self.index, self._say
        message = "Disjoint classes %s and %s have a common individual %s"
        for c1, c2 in index.pairs(DISJOINT):
            for x in index.subjects(TYPE, c1):
                if has(x, TYPE, c2):
                    yield say(message, c1, c2, x)
        for x in index.subjects(TYPE, self._id(OWL.AllDisjointClasses)):
            for head in index.objects(x, self._id(OWL.members)):
                items = self.lists(head)
                for i in range(len(items) - 1):
                    for z in index.subjects(TYPE, items[i]):
                        for other in items[i + 1 :]:
                            if has(z, TYPE, other):
                                yield say(message, items[i], other, z)
