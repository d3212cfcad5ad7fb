"""An OWL 2 RL closure kept up to date as its graph changes: after an edit, only what the edit can
affect is derived again, and the result is exactly the closure of the edited graph.

How to call it (``graph`` is ontology + data, as ``kg.pipeline.reason.infer`` is given it)::

    state = IncrementalClosure.of(graph)    # a full closure; Unsupported where owl_rl_closure is
    state.inferred()                        # == infer(graph, "owlrl")
    state.save(path)
    ...                                     # the next process, after an edit of the data:
    state = IncrementalClosure.load(path)   # StateRefused: no file, or another version
    try:
        report = state.update(added, removed)   # rdflib triples the graph gained and lost
    except Recompute:                       # the state is spent: close the edited graph in full
        state = IncrementalClosure.of(edited)   # (and on Unsupported, infer(edited))
    state.inferred()                        # == infer(edited, "owlrl")

``added`` and ``removed`` are changes of the whole graph, not of one file: a triple still stated
in another file is not removed (``state.holds(triple)`` says whether the graph holds one). A
removed triple the state does not hold, or an added one it already holds, means the state is not
of the graph the edit was made to: :class:`Recompute`. After an update ``len(state)`` is the
number of the graph's triples, a cheap check that the two agree.

The method is DRed (delete and re-derive), on the engine's own rules: a triple that loses its
reason to be in the closure is *over-deleted* with everything the closure derives through it
(each over-deleted triple fired against the closure as it was, its conclusions collected);
what still follows from the rest is *re-derived* by firing again the triples about each
over-deleted triple's subject (every rule instance that concludes a triple has a premise with its
subject as subject or object, or it is cls-oo, checked apart); then what the added triples derive
is added, a triple at a time as the full closure does. Counting derivations would not do:
``owl:sameAs``, transitive properties and the hierarchies derive triples in cycles.

What the incremental path cannot handle exactly it refuses with :class:`Recompute`, never giving
a different answer: an edit of the schema (anything that changes what the rules ask of a
property or a class, :func:`~kg.pipeline.rules.engine.in_schema`) or of an RDF list, a triple the
closure derives or over-deletes that is one, and anything for which the full closure would raise
:class:`~kg.pipeline.rules.closure.Unsupported` (a literal as subject, ``owl:sameAs`` with a
datatype-typed node or given a meaning as a property, a literal owlrl cannot read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph
from rdflib.term import Node

from kg.pipeline.rules.closure import (
    Closed,
    Unsupported,
    check_equalities,
    check_input,
    check_same_as,
    close,
    key_base,
    new_triples,
    without_cycle_collection,
)
from kg.pipeline.rules.engine import Engine, in_schema
from kg.pipeline.rules.index import each
from kg.pipeline.rules.terms import FIRST, ONE_OF, REST, RL_SET, SAME, TYPE, UnsureLiteral

if TYPE_CHECKING:
    from kg.pipeline.reason import Inferred

Triple = tuple[int, int, int]
RdfTriple = tuple[Node, Node, Node]


class Recompute(Exception):
    """The edit needs a full closure, for the reason given; the state it was given to is spent."""


@dataclass(frozen=True)
class UpdateReport:
    """How much an update did. ``over_deleted``: closure triples taken out because a derivation
    went through a removed one; ``rederived``: those derived again from the rest; ``fired``: the
    triples whose rules were fired again to find those; ``gained``/``lost``: what the closure
    (graph and derived triples) holds now that it did not, and no longer holds."""

    added: int
    removed: int
    over_deleted: int
    rederived: int
    fired: int
    gained: int
    lost: int


class IncrementalClosure:
    """The closure of a graph as the engine left it, brought up to date by :meth:`update` (the
    module's docstring says how to call it)."""

    def __init__(self, closed: Closed, asserted: set[int]) -> None:
        self.closed = closed
        self.asserted = asserted
        closed.asserted = None  # one copy, here
        self.spent: str | None = None
        closed.engine.derived = []  # the closure's new triples are its keys minus the graph's
        closed.engine.index.track_all()  # re-derivation walks triples by object too

    @classmethod
    def of(cls, graph: Graph) -> IncrementalClosure:
        """The full closure of ``graph``, or :class:`Unsupported` (then run ``infer``)."""
        with without_cycle_collection():
            closed = close(graph, room=True)
            assert closed.asserted is not None
            return cls(closed, closed.asserted)

    def __len__(self) -> int:
        return len(self.asserted)

    @property
    def engine(self) -> Engine:
        return self.closed.engine

    def holds(self, triple: RdfTriple) -> bool:
        """Is ``triple`` one of the graph's own?"""
        key = self._key(triple)
        return key is not None and key in self.asserted

    def closure(self) -> Iterator[RdfTriple]:
        """Every triple of the closure, the graph's own and the derived ones."""
        term, unpack = self.closed.terms.terms, self.engine.unpack
        for key in self.engine.known:
            s, p, o = unpack(key)
            yield term[s], term[p], term[o]

    def errors(self) -> list[str]:
        """owlrl's error messages for the closure."""
        return self.closed.errors()

    def inferred(self) -> Inferred:
        """What ``kg.pipeline.reason.infer(graph, "owlrl")`` gives for the graph."""
        from kg.pipeline.reason import rules_inferred  # reason imports this package

        return rules_inferred(*self._new_and_same())

    def inferred_triples(self) -> Iterator[RdfTriple]:
        """The triples of :meth:`inferred` without the graph (which costs as much again to
        make), for a caller that copies them elsewhere."""
        from kg.pipeline.reason import kept

        return kept(*self._new_and_same())

    def _new_and_same(self) -> tuple[Iterator[RdfTriple], list[tuple[Node, Node]]]:
        """The closure's new triples (and error messages), and the graph's ``owl:sameAs``
        pairs."""
        self._usable()
        asserted, unpack, key = self.asserted, self.engine.unpack, self._key_of
        derived = (unpack(k) for k in self.engine.known if k not in asserted)
        term = self.closed.terms.terms
        equal = self.engine.index.pairs(SAME)
        same = [(term[s], term[o]) for s, o in equal if key(s, SAME, o) in asserted]
        return new_triples(self.closed.terms, derived, self.errors()), same

    # -- an edit ---------------------------------------------------------------------------------

    def update(self, added: Iterable[RdfTriple], removed: Iterable[RdfTriple]) -> UpdateReport:
        """Bring the closure to that of the graph with ``added`` and without ``removed`` (a
        triple in both is left as it is), or raise :class:`Recompute` and be spent."""
        self._usable()
        self.spent = "an update did not finish"
        try:
            with without_cycle_collection():
                report = _Update(self).run(set(added), set(removed))
        except Recompute as why:
            self.spent = str(why)
            raise
        except (Unsupported, UnsureLiteral) as why:
            self.spent = str(why)
            raise Recompute(str(why)) from None
        self.spent = None
        return report

    def _usable(self) -> None:
        if self.spent is not None:
            raise Recompute(f"this closure is spent ({self.spent})")

    def _key_of(self, s: int, p: int, o: int) -> int:
        base = self.engine.base
        return (s * base + p) * base + o

    def _key(self, triple: RdfTriple) -> int | None:
        """The key of a triple of known terms (``None``: a term is new to the closure)."""
        s, p, o = (self.closed.terms.ids.get(term) for term in triple)
        if s is None or p is None or o is None:
            return None
        return self._key_of(s, p, o)

    # -- persistence -----------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the state to ``path`` atomically (``kg.pipeline.rules.state``)."""
        from kg.pipeline.rules.state import save

        self._usable()
        save(self, path)

    @classmethod
    def load(cls, path: Path) -> IncrementalClosure:
        """The state :meth:`save` wrote, or ``StateRefused`` saying why not."""
        from kg.pipeline.rules.state import load

        return load(path)


class _Update:
    """One edit of an :class:`IncrementalClosure`'s graph."""

    def __init__(self, state: IncrementalClosure) -> None:
        self.state = state
        self.closed = state.closed
        self.engine = state.engine
        self.new: list[int] = []  # the keys the closure gains (or gets back)
        self.gained: list[Triple] = []  # the one-time triples the edit justifies

    def run(self, added: set[RdfTriple], removed: set[RdfTriple]) -> UpdateReport:
        gone = self._held(removed - added)
        came = self._new(added - removed)
        for _s, p, o in gone + came:
            if in_schema(p, o) or p in (FIRST, REST):
                raise Recompute("the edit changes the schema or an RDF list")
        check_input(came, self.closed.terms)
        doomed = self._over_delete(self._assert(came, gone))
        engine, key = self.engine, self.state._key_of
        index, known, unpack = engine.index, engine.known, engine.unpack
        for k in doomed:
            known.discard(k)
            index.remove(*unpack(k))
        with engine.redirected(self._guarded):
            fired = self._rederive(doomed)
            self.new += [k for k in (key(*t) for t in came) if k not in known]
            engine.seed(came)
            for s, p, o in self.gained:
                engine.add(s, p, o)
            engine.run()
        engine.derived.clear()
        check_same_as(engine, self.closed.terms)
        back = sum(1 for k in doomed if k in known)
        return UpdateReport(
            added=len(came),
            removed=len(gone),
            over_deleted=len(doomed),
            rederived=back,
            fired=fired,
            gained=len(self.new) - back,
            lost=len(doomed) - back,
        )

    def _held(self, triples: set[RdfTriple]) -> list[Triple]:
        numbered = []
        for triple in triples:
            k = self.state._key(triple)
            if k is None or k not in self.state.asserted:
                raise Recompute(f"the graph does not hold a removed triple {_shown(triple)}")
            numbered.append(self.engine.unpack(k))
        return numbered

    def _new(self, given: set[RdfTriple]) -> list[Triple]:
        number, triples = self.closed.terms.id, list(given)
        numbered = [(number(s), number(p), number(o)) for s, p, o in triples]
        if len(self.closed.terms) >= self.engine.base:
            self._rekey(key_base(len(self.closed.terms)))
        for triple, (s, p, o) in zip(triples, numbered, strict=True):
            if self.state._key_of(s, p, o) in self.state.asserted:
                raise Recompute(f"the graph already holds an added triple {_shown(triple)}")
        return numbered

    def _rekey(self, base: int) -> None:
        """New terms outgrew the keys: number every triple again with a larger base."""
        unpack = self.engine.unpack

        def moved(keys: set[int]) -> set[int]:
            return {(s * base + p) * base + o for s, p, o in map(unpack, keys)}

        self.engine.known = moved(self.engine.known)
        self.state.asserted = moved(self.state.asserted)
        self.engine.base = base

    def _assert(self, came: list[Triple], gone: list[Triple]) -> list[Triple]:
        """The graph's own triples and owlrl's one-time ones updated; returns the triples that
        were one or the other and are neither now."""
        key, asserted = self.state._key_of, self.state.asserted
        asserted.difference_update(key(*t) for t in gone)
        asserted.update(key(*t) for t in came)
        one_time = self.closed.one_time
        one_time.count(came)
        one_time.count(gone, -1)
        self._check_equalities(came)
        self.gained, lost = one_time.changes()
        support = one_time.support
        return [t for t in gone if t not in support] + [t for t in lost if key(*t) not in asserted]

    def _check_equalities(self, came: list[Triple]) -> None:
        """:func:`check_equalities` for the pairs the edit adds or gives a datatype to."""
        key, asserted, index = self.state._key_of, self.state.asserted, self.engine.index
        terms = self.closed.terms
        pairs = [(s, o) for s, p, o in came if p == SAME]
        for s, p, o in came:
            if p == TYPE and terms.terms[o] in RL_SET:
                pairs += [(s, y) for y in index.objects(s, SAME) if key(s, SAME, y) in asserted]
                pairs += [(w, s) for w in index.subjects(SAME, s) if key(w, SAME, s) in asserted]
        if pairs:
            check_equalities(pairs, set(self.closed.one_time.typed), terms)

    def _over_delete(self, removed: list[Triple]) -> set[int]:
        """``removed`` and every triple of the closure with a derivation through one of them:
        each fired against the closure as it was, its conclusions collected."""
        engine, asserted = self.engine, self.state.asserted
        known, literal, base = engine.known, engine.literal, engine.base
        support = self.closed.one_time.support
        doomed = {(s * base + p) * base + o for s, p, o in removed}
        queue = list(removed)

        def doom(s: int, p: int, o: int) -> None:
            if literal[p] or (p == SAME and s == o):
                return
            k = (s * base + p) * base + o
            if k in known and k not in doomed and k not in asserted and (s, p, o) not in support:
                if in_schema(p, o) or p in (FIRST, REST):
                    raise Recompute("the edit takes a derived triple of the schema away")
                doomed.add(k)
                queue.append((s, p, o))

        with engine.redirected(doom):
            while queue:
                engine.fire(*queue.pop())
        return doomed

    def _rederive(self, doomed: set[int]) -> int:
        """Fire again, against what is left, every triple of the data about the subject of an
        over-deleted one (and cls-oo for an over-deleted typing); returns how many."""
        engine = self.engine
        index, unpack = engine.index, engine.unpack
        subjects: set[int] = set()
        typings = []
        for k in doomed:
            s, p, o = unpack(k)
            subjects.add(s)
            if p == TYPE:
                typings.append((s, o))
        fired = self._fire_about(subjects)
        lists = self.closed.lists.items
        for y, c in typings:  # cls-oo: c is the class of the items of a list
            for head in index.objects(c, ONE_OF):
                if y in lists(head):
                    engine.add(y, TYPE, c)
        return fired

    def _fire_about(self, subjects: set[int]) -> int:
        """Fire the triples of the data with one of ``subjects`` as subject or as object;
        returns how many."""
        engine, index, fired = self.engine, self.engine.index, 0
        for p, by_subject in list(index.out.items()):
            found = [(x, held) for x in subjects if (held := by_subject.get(x)) is not None]
            for x, held in found:
                for o in each(held):
                    if not in_schema(p, o):
                        engine.fire(x, p, o)
                        fired += 1
        for p, by_object in list(index.inn.items()):
            found = [(x, held) for x in subjects if (held := by_object.get(x)) is not None]
            for x, held in found:
                for s in each(held):
                    if s not in subjects and not in_schema(p, x):  # else fired above
                        engine.fire(s, p, x)
                        fired += 1
        return fired

    def _guarded(self, s: int, p: int, o: int) -> None:
        """The engine's ``add``, refusing a new triple of the schema or of an RDF list."""
        engine = self.engine
        if engine.literal[p] or (p == SAME and s == o):
            return
        k = (s * engine.base + p) * engine.base + o
        if k not in engine.known:
            if in_schema(p, o) or p in (FIRST, REST):
                raise Recompute("the edit gives the closure a triple of the schema")
            Engine.add(engine, s, p, o)
            self.new.append(k)


def _shown(triple: RdfTriple) -> str:
    return " ".join(term.n3() for term in triple)
