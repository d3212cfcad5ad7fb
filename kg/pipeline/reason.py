"""OWL 2 RL / RDFS closure, kept apart from the curated graphs.

The OWL 2 RL closure (``inference="owlrl"``) is computed by ``kg.pipeline.rules``, which gives
exactly owlrl's answer in a fraction of its time; for a graph it cannot promise that for, owlrl
runs instead, and the result says so (:class:`Inferred`). ``rdfs`` and ``both`` are owlrl's own
semantics, as is ``reference=True``.

Only the *new* triples are returned: the caller stores them in the named graph ``graph:inferred`` so
exports and queries can include or exclude them. Trivial entailments that add nothing for a reader
are left out: reflexive ``owl:sameAs``/``subClassOf``/``equivalentClass`` (and the property twins),
anything said to be an ``owl:Thing``/``rdfs:Resource`` or about ``owl:Nothing``, axioms about the
RDF, RDFS, OWL and XSD vocabularies themselves, and literal subjects.

Identity links to other graphs (``actor:russia owl:sameAs wd:Q159``) are for importers to follow,
not for copying: the closure would restate every triple about our resource with the external IRI
in its place. Those copies are left out; the alias links themselves (both directions) are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.pipeline.rules import Unsupported, owl_rl_closure, without_cycle_collection
from kg.rdf.namespaces import BASE, bind_prefixes


class BlankNodes(list):
    """owlrl's record of a graph's blank nodes, in the order first met. Its OWL 2 RL rules test
    every term of every triple against this record in the first cycle; as the plain list owlrl
    uses, that is quadratic in the blank nodes (two per evidence annotation). A set beside the list
    answers each test at once and the list keeps the order, so the closure is the same
    (docs/patches/owlrl-blank-node-set.patch is the same change to owlrl itself)."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set[object] = set()

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def append(self, item: object) -> None:
        self._members.add(item)
        super().append(item)


def _indexed(semantics: type) -> type:
    """``semantics`` with its blank nodes recorded in :class:`BlankNodes`."""

    class Indexed(semantics):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.bnodes = BlankNodes()

    Indexed.__name__ = Indexed.__qualname__ = f"Indexed{semantics.__name__}"
    return Indexed


INFERENCES = ("rdfs", "owlrl", "both")
"""pySHACL's inference vocabulary (and ``none``, no closure)."""


def semantics(inference: str, *, reference: bool = False) -> type:
    """owlrl's semantics for ``inference``: its own with ``reference``, else what the build runs
    when ``kg.pipeline.rules`` cannot (the OWL 2 RL ones with :class:`BlankNodes`). owlrl is
    imported here, not with this module: importing it costs more than the closure of the curated
    data."""
    import owlrl

    own = {
        "rdfs": owlrl.RDFS_Semantics,
        "owlrl": owlrl.OWLRL_Semantics,
        "both": owlrl.RDFS_OWLRL_Semantics,
    }[inference]
    return own if reference or inference == "rdfs" else _indexed(own)


_VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_TOP = {OWL.Thing, RDFS.Resource}
_NOTHING, _SAME = OWL.Nothing, OWL.sameAs  # looked up once: the filters run for every triple
_REFLEXIVE = {
    OWL.sameAs,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}


class Inferred(Graph):
    """The triples a closure adds, with the engine that computed them: ``rules``
    (``kg.pipeline.rules``), ``owlrl``, or ``none``; ``fallback`` is why owlrl ran where the
    rules would have, else ``None``."""

    def __init__(self, engine: str, fallback: str | None = None) -> None:
        super().__init__()
        bind_prefixes(self)
        self.engine = engine
        self.fallback = fallback


def infer(graph: Graph, inference: str = "owlrl", *, reference: bool = False) -> Inferred:
    """The triples the closure adds to ``graph`` (which is left unchanged). ``owlrl`` is computed
    by ``kg.pipeline.rules`` unless it cannot promise owlrl's answer for this graph; ``rdfs``,
    ``both`` and ``reference`` run owlrl's (:func:`semantics`)."""
    if inference == "none":
        return Inferred("none")
    if inference not in INFERENCES:
        raise ValueError(f"inference must be one of none, {', '.join(INFERENCES)}")
    fallback = None
    if inference == "owlrl" and not reference:
        try:
            with without_cycle_collection():
                closure = owl_rl_closure(graph)
                return rules_inferred(closure.triples(), graph.subject_objects(OWL.sameAs))
        except Unsupported as why:
            fallback = str(why)
    import owlrl

    expanded = Graph()
    for triple in graph:
        expanded.add(triple)
    deductive = owlrl.DeductiveClosure(
        semantics(inference, reference=reference), axiomatic_triples=False, datatype_axioms=False
    )
    deductive.expand(expanded)
    new = (triple for triple in expanded if triple not in graph)
    return _filled(Inferred("owlrl", fallback), kept(new, graph.subject_objects(OWL.sameAs)))


def rules_inferred(new: Iterable, same_as: Iterable) -> Inferred:
    """What :func:`infer` gives for the triples ``kg.pipeline.rules`` adds to a graph whose own
    ``owl:sameAs`` pairs are ``same_as`` (an incremental closure gives its triples here too)."""
    return _filled(Inferred("rules"), kept(new, same_as))


def kept(new: Iterable, same_as: Iterable) -> Iterator:
    """The ``new`` triples that are neither trivial nor copies for an alias of ``same_as``, the
    graph's own ``owl:sameAs`` pairs (read at once)."""
    external = aliases(same_as)
    return (t for t in new if not _trivial(t) and not _alias_copy(t, external))


def _filled(inferred: Inferred, triples: Iterable) -> Inferred:
    for triple in triples:
        inferred.add(triple)
    return inferred


def aliases(same_as: Iterable) -> set:
    """The IRIs outside our namespace that the ``owl:sameAs`` pairs equate with one of ours."""
    found = set()
    for s, o in same_as:
        for ours, theirs in ((s, o), (o, s)):
            if str(ours).startswith(BASE) and not str(theirs).startswith(BASE):
                found.add(theirs)
    return found


def _alias_copy(triple, aliases: set) -> bool:
    s, p, o = triple
    return p != _SAME and (s in aliases or o in aliases)


def _trivial(triple) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or str(s).startswith(_VOCABULARIES):
        return True
    if s == o and p in _REFLEXIVE:
        return True
    return o in _TOP or s == _NOTHING
