"""OWL 2 RL / RDFS closure with owlrl, kept apart from the curated graphs.

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

import owlrl
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

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


REFERENCE_SEMANTICS = {
    "rdfs": owlrl.RDFS_Semantics,
    "owlrl": owlrl.OWLRL_Semantics,
    "both": owlrl.RDFS_OWLRL_Semantics,
}
"""owlrl's own semantics, by pySHACL's inference vocabulary (``none`` means no closure)."""
SEMANTICS = {
    "rdfs": owlrl.RDFS_Semantics,
    "owlrl": _indexed(owlrl.OWLRL_Semantics),
    "both": _indexed(owlrl.RDFS_OWLRL_Semantics),
}
"""What the build runs: owlrl's semantics, the OWL 2 RL ones with :class:`BlankNodes`."""

_VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_TOP = {OWL.Thing, RDFS.Resource}
_REFLEXIVE = {
    OWL.sameAs,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}


def infer(graph: Graph, inference: str = "owlrl", *, reference: bool = False) -> Graph:
    """The triples the closure adds to ``graph`` (which is left unchanged); ``reference`` runs
    owlrl's own semantics instead of :data:`SEMANTICS` (the same closure, more slowly)."""
    inferred = Graph()
    bind_prefixes(inferred)
    if inference == "none":
        return inferred
    try:
        semantics = (REFERENCE_SEMANTICS if reference else SEMANTICS)[inference]
    except KeyError:
        raise ValueError(f"inference must be one of none, {', '.join(SEMANTICS)}") from None
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(
        closure
    )
    aliases = external_aliases(graph)
    for triple in closure:
        if triple not in graph and not _trivial(triple) and not _alias_copy(triple, aliases):
            inferred.add(triple)
    return inferred


def external_aliases(graph: Graph) -> set:
    """IRIs outside our namespace that a curated ``owl:sameAs`` equates with one of ours."""
    aliases = set()
    for s, o in graph.subject_objects(OWL.sameAs):
        for ours, theirs in ((s, o), (o, s)):
            if str(ours).startswith(BASE) and not str(theirs).startswith(BASE):
                aliases.add(theirs)
    return aliases


def _alias_copy(triple, aliases: set) -> bool:
    s, p, o = triple
    return p != OWL.sameAs and (s in aliases or o in aliases)


def _trivial(triple) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or str(s).startswith(_VOCABULARIES):
        return True
    if s == o and p in _REFLEXIVE:
        return True
    return o in _TOP or s == OWL.Nothing
