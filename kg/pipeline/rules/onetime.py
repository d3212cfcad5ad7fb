"""owlrl's one-time rules: the triples and error messages it adds before its cycles, as a function
of the graph's own triples, kept as counts so that a triple taken out of the graph takes out what
it alone justified (``kg.pipeline.rules.incremental`` relies on that).

With ``axiomatic_triples=False, datatype_axioms=False`` owlrl adds cls-thing, cls-nothing1, prp-ap
and dt-type1 whatever the graph; for each literal of an OWL RL datatype (dt-type2) its datatype and
the wider ones, and dt-not-type's message when its lexical form does not fit; for each node typed
with an OWL RL datatype the wider datatypes; and the disjointness of each two datatypes in use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from rdflib import Literal, URIRef

from kg.pipeline.rules.terms import (
    ANNOTATION_PROPERTIES,
    ANNOTATION_PROPERTY,
    CLASS,
    DATATYPE,
    DISJOINT,
    DISJOINT_DATATYPES,
    NOTHING,
    RL_DATATYPES,
    RL_SET,
    SUBSUMPTIONS,
    THING,
    TYPE,
    Terms,
    lexically_valid,
)

Triple = tuple[int, int, int]

_PARTNERS: dict[URIRef, list[tuple[URIRef, URIRef]]] = {}
for _pair in DISJOINT_DATATYPES:
    for _dt in _pair:
        _PARTNERS.setdefault(_dt, []).append(_pair)


class OneTimeRules:
    """The one-time triples and messages of the graph :meth:`count` has been given: ``triples``
    (each with the number of things that justify it) and ``errors``. A literal justifies its
    triples while some triple of the graph has it as object; a node's typing with an OWL RL
    datatype while that triple is in the graph; a datatype is in use while a literal or a typing
    uses it. The caller makes sure no subject or predicate is a literal and no ``owl:sameAs`` pair
    touches a datatype or a typed literal, where owlrl's answer depends on the order it meets
    them in."""

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self.support: dict[Triple, int] = {}
        self.uses: dict[int, int] = {}
        self.used: dict[URIRef, int] = {}
        self.typed: dict[int, int] = {}
        self.failures: dict[str, int] = {}
        self.touched: dict[Triple, bool] = {}
        number = terms.id
        always = [(THING, TYPE, CLASS), (NOTHING, TYPE, CLASS)]  # cls-thing, cls-nothing1
        always += [(number(prop), TYPE, ANNOTATION_PROPERTY) for prop in ANNOTATION_PROPERTIES]
        always += [(number(dt), TYPE, DATATYPE) for dt in RL_DATATYPES]  # dt-type1
        for triple in always:
            self._justify(triple, 1)
        self.touched.clear()

    def plain(self) -> dict[str, dict]:
        """The counts, as plain data (``kg.pipeline.rules.state`` saves them)."""
        used = {str(dt): n for dt, n in self.used.items()}
        return {
            "support": self.support,
            "uses": self.uses,
            "used": used,
            "typed": self.typed,
            "failures": self.failures,
        }

    @classmethod
    def restored(cls, terms: Terms, plain: dict[str, dict]) -> OneTimeRules:
        """The rules whose counts :meth:`plain` gave, over the same ``terms``."""
        rules = cls(terms)
        rules.support, rules.uses, rules.typed = plain["support"], plain["uses"], plain["typed"]
        rules.failures = plain["failures"]
        rules.used = {URIRef(dt): n for dt, n in plain["used"].items()}
        return rules

    @property
    def triples(self) -> list[Triple]:
        return list(self.support)

    @property
    def errors(self) -> list[str]:
        return list(self.failures)

    def count(self, triples: Iterable[Triple], change: int = 1) -> None:
        """The graph gains (``change`` 1) or loses (-1) ``triples``, which it did not hold (or
        held); raises ``UnsureLiteral`` for a literal owlrl cannot read."""
        literal, uses = self.terms.literal, self.uses
        for s, p, o in triples:
            if literal[o]:
                held = uses.get(o, 0) + change
                if held:
                    uses[o] = held
                else:
                    del uses[o]
                if (change > 0 and held == 1) or (change < 0 and held == 0):
                    self._literal(o, change)  # its first use, or its last one gone
            if p == TYPE:
                dt = self.terms.terms[o]
                if isinstance(dt, URIRef) and dt in RL_SET:
                    self.typed[s] = self.typed.get(s, 0) + change
                    if not self.typed[s]:
                        del self.typed[s]
                    self._wider(s, dt, change)
                    self._use(dt, change)

    def changes(self) -> tuple[list[Triple], list[Triple]]:
        """The triples gained and lost since the last call, and a fresh start."""
        gained = [t for t, held in self.touched.items() if not held and t in self.support]
        lost = [t for t, held in self.touched.items() if held and t not in self.support]
        self.touched.clear()
        return gained, lost

    def _literal(self, lit: int, change: int) -> None:
        """dt-type2 and dt-not-type: a literal of an OWL RL datatype is of its datatype, and its
        lexical form had better fit it."""
        literal = cast(Literal, self.terms.terms[lit])
        dt = literal.datatype
        if dt not in RL_SET:
            return
        self._justify((lit, TYPE, self.terms.id(dt)), change)
        self._wider(lit, dt, change)
        self._use(dt, change)
        if not lexically_valid(literal):
            message = "Lexical value of the literal '%s' does not match its datatype (%s)"
            message %= (literal, dt)
            held = self.failures.get(message, 0) + change
            if held:
                self.failures[message] = held
            else:
                del self.failures[message]

    def _wider(self, node: int, dt: URIRef, change: int) -> None:
        for wider in SUBSUMPTIONS.get(dt, ()):
            self._justify((node, TYPE, self.terms.id(wider)), change)

    def _use(self, dt: URIRef, change: int) -> None:
        """cax-dw's axioms for the datatypes in use: each two disjoint ones are said to be."""
        held = self.used.get(dt, 0) + change
        if (change > 0 and held == 1) or (change < 0 and held == 0):
            for left, right in _PARTNERS.get(dt, ()):
                if (right if left == dt else left) in self.used:
                    self._justify((self.terms.id(left), DISJOINT, self.terms.id(right)), change)
        if held:
            self.used[dt] = held
        else:
            del self.used[dt]

    def _justify(self, triple: Triple, change: int) -> None:
        held = self.support.get(triple, 0)
        self.touched.setdefault(triple, held > 0)
        if held + change:
            self.support[triple] = held + change
        else:
            del self.support[triple]
