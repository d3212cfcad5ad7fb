"""The triples a closure has processed, indexed for the rules' joins, and what the schema among
them asks of each property and class (its *profile*), for ``kg.pipeline.rules.engine``.

A value of an index is one int while a key has one partner, a list once it has more: most
subjects have one object per property, and a list of one costs far more memory than an int.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kg.pipeline.rules import terms as vocab

_NONE: tuple[int, ...] = ()


def _put(table: dict[int, Any], key: int, value: int) -> None:
    held = table.get(key)
    if held is None:
        table[key] = value
    elif held.__class__ is list:
        held.append(value)
    else:
        table[key] = [held, value]


def _drop(table: dict[int, Any], key: int, value: int) -> None:
    held = table[key]
    if held.__class__ is list:
        held.remove(value)
        if len(held) == 1:
            table[key] = held[0]
    else:
        del table[key]


def each(held: Any) -> Sequence[int]:
    """The values an index holds under a key (``held`` as the index stores it)."""
    if held is None:
        return _NONE
    return held if held.__class__ is list else (held,)


class Index:
    """Processed triples by predicate: ``out[p][s]`` → objects, ``inn[p][o]`` → subjects. The
    reverse side is kept for ``rdf:type`` always and for another predicate from the first rule
    that walks it backwards (for every predicate once ``track_all`` is called)."""

    def __init__(self, always_reversed: Sequence[int]) -> None:
        self.out: dict[int, dict[int, Any]] = {}
        self.inn: dict[int, dict[int, Any]] = {p: {} for p in always_reversed}
        self.all_reversed = False

    def insert(self, s: int, p: int, o: int) -> None:
        by_subject = self.out.get(p)
        if by_subject is None:
            by_subject = self.out[p] = {}
            if self.all_reversed:
                self.inn[p] = {}
        _put(by_subject, s, o)
        by_object = self.inn.get(p)
        if by_object is not None:
            _put(by_object, o, s)

    def remove(self, s: int, p: int, o: int) -> None:
        """Take out a triple the index holds (a predicate keeps its tables, empty or not)."""
        _drop(self.out[p], s, o)
        by_object = self.inn.get(p)
        if by_object is not None:
            _drop(by_object, o, s)

    def objects(self, s: int, p: int) -> Sequence[int]:
        by_subject = self.out.get(p)
        return _NONE if by_subject is None else each(by_subject.get(s))

    def subjects(self, p: int, o: int) -> Sequence[int]:
        return each(self.reversed(p).get(o))

    def reversed(self, p: int) -> dict[int, Any]:
        """``inn[p]``, built from ``out[p]`` the first time it is asked for."""
        by_object = self.inn.get(p)
        if by_object is None:
            by_object = self.inn[p] = {}
            for s, held in self.out.get(p, {}).items():
                for o in each(held):
                    _put(by_object, o, s)
        return by_object

    def track_all(self) -> None:
        for p in self.out:
            self.reversed(p)
        self.all_reversed = True

    def pairs(self, p: int) -> Iterator[tuple[int, int]]:
        for s, held in self.out.get(p, {}).items():
            for o in each(held):
                yield s, o


class _Profile:
    """What the schema asks of the triples of one term: ``COMMON`` and ``RARE`` name the lists
    (or flags) of rules; ``rare`` says whether any of the rare ones applies, ``useful`` any."""

    __slots__ = ("rare", "useful")
    COMMON: tuple[str, ...] = ()
    RARE: tuple[str, ...] = ()

    def _summarise(self) -> None:
        self.rare = any(getattr(self, name) for name in self.RARE)
        self.useful = self.rare or any(getattr(self, name) for name in self.COMMON)


class PropertyProfile(_Profile):
    """What the schema asks of every triple ``x p y`` of one property ``p``."""

    COMMON = ("domains", "ranges", "supers", "equivalents", "inverses")
    RARE = (
        *("functional", "inverse_functional", "symmetric", "transitive", "chains", "keys"),
        *("some_values", "all_values", "has_values", "max_one", "max_one_qualified"),
    )
    __slots__ = COMMON + RARE

    def __init__(self, schema: Schema, p: int) -> None:
        index, lists = schema.index, schema.lists
        objects, subjects = index.objects, index.subjects
        self.domains = tuple(objects(p, vocab.DOMAIN))
        self.ranges = tuple(objects(p, vocab.RANGE))
        self.supers = tuple(q for q in objects(p, vocab.SPO) if q != p)
        self.equivalents = tuple(
            q for q in (*objects(p, vocab.EQP), *subjects(vocab.EQP, p)) if q != p
        )
        self.inverses = (*objects(p, vocab.INVERSE), *subjects(vocab.INVERSE, p))
        kinds = objects(p, vocab.TYPE)
        self.functional = vocab.FUNCTIONAL in kinds
        self.inverse_functional = vocab.INVERSE_FUNCTIONAL in kinds
        self.symmetric = vocab.SYMMETRIC in kinds
        self.transitive = vocab.TRANSITIVE in kinds
        self.chains = [
            (chained, items, i)
            for chained, head in index.pairs(vocab.CHAIN)
            for items in (lists(head),)
            for i, item in enumerate(items)
            if item == p
        ]
        self.keys = [
            (c, items)
            for c, head in index.pairs(vocab.KEY)
            for items in (lists(head),)
            if items and p in items
        ]
        restrictions = subjects(vocab.ON_PROPERTY, p)
        self.some_values = [(r, y) for r in restrictions for y in objects(r, vocab.SOME)]
        self.all_values = [(r, y) for r in restrictions for y in objects(r, vocab.ALL)]
        self.has_values = [(r, y) for r in restrictions for y in objects(r, vocab.HAS_VALUE)]
        self.max_one = [r for r in restrictions if schema.states(r, vocab.MAX, 1)]
        self.max_one_qualified = [
            (r, c)
            for r in restrictions
            if schema.states(r, vocab.MAX_QUALIFIED, 1)
            for c in objects(r, vocab.ON_CLASS)
        ]
        self._summarise()


class ClassProfile(_Profile):
    """What the schema asks of every triple ``x rdf:type c`` of one class ``c``."""

    COMMON = ("supers", "equivalents")
    RARE = (
        *("intersections", "parts", "unions", "some_values", "all_values", "has_values"),
        *("max_one", "max_one_qualified", "qualifying", "keys"),
    )
    __slots__ = COMMON + RARE

    def __init__(self, schema: Schema, c: int) -> None:
        index, lists = schema.index, schema.lists
        objects, subjects = index.objects, index.subjects
        self.supers = tuple(d for d in objects(c, vocab.SCO) if d != c)
        self.equivalents = tuple(
            d for d in (*objects(c, vocab.EQC), *subjects(vocab.EQC, c)) if d != c
        )
        # cls-int1: the intersections c is part of; cls-int2: the parts of c if it is one
        self.intersections = [
            (whole, items)
            for whole, head in index.pairs(vocab.INTERSECTION)
            for items in (lists(head),)
            if c in items
        ]
        self.parts = tuple(d for head in objects(c, vocab.INTERSECTION) for d in lists(head))
        self.unions = tuple(whole for whole, head in index.pairs(vocab.UNION) if c in lists(head))
        # c as the filler of a someValuesFrom restriction r on property q
        self.some_values = [
            (r, q) for r in subjects(vocab.SOME, c) for q in objects(r, vocab.ON_PROPERTY)
        ]
        # c as a restriction on property q
        on = objects(c, vocab.ON_PROPERTY)
        self.all_values = [(q, y) for y in objects(c, vocab.ALL) for q in on]
        self.has_values = [(q, y) for y in objects(c, vocab.HAS_VALUE) for q in on]
        self.max_one = [q for q in on if schema.states(c, vocab.MAX, 1)]
        qualified = schema.states(c, vocab.MAX_QUALIFIED, 1)
        self.max_one_qualified = [
            (q, d) for q in on for d in objects(c, vocab.ON_CLASS) if qualified
        ]
        # c as the class of a qualified restriction r on property q
        self.qualifying = [
            (r, q)
            for r in subjects(vocab.ON_CLASS, c)
            if schema.states(r, vocab.MAX_QUALIFIED, 1)
            for q in objects(r, vocab.ON_PROPERTY)
        ]
        self.keys = [items for head in objects(c, vocab.KEY) if (items := lists(head))]
        self._summarise()


class Schema:
    """What a profile reads: the processed triples, the RDF lists (owlrl reads them with
    ``Graph.items``) and the value of a cardinality's literal (``None`` for anything else)."""

    def __init__(
        self,
        index: Index,
        lists: Callable[[int], list[int]],
        value: Callable[[int], object],
    ) -> None:
        self.index = index
        self.lists = lists
        self.value = value

    def states(self, r: int, p: int, n: int) -> bool:
        """Does ``r`` state ``p`` with a literal whose value equals ``n`` (owlrl's ``x.value == n``)?"""
        return any(self.value(x) == n for x in self.index.objects(r, p))
