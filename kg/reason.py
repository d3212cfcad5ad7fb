"""OWL 2 RL / RDFS closure with owlrl, kept apart from the curated graphs.

Only the *new* triples are returned: the caller stores them in the named graph ``graph:inferred`` so
exports and queries can include or exclude them. Trivial entailments that add nothing for a reader
are left out: reflexive ``owl:sameAs``/``subClassOf``/``equivalentClass`` (and the property twins),
anything said to be an ``owl:Thing``/``rdfs:Resource`` or about ``owl:Nothing``, axioms about the
RDF, RDFS, OWL and XSD vocabularies themselves, and literal subjects.
"""

from __future__ import annotations

import owlrl
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from kg.namespaces import bind_prefixes

SEMANTICS = {
    "rdfs": owlrl.RDFS_Semantics,
    "owlrl": owlrl.OWLRL_Semantics,
    "both": owlrl.RDFS_OWLRL_Semantics,
}
"""pySHACL's inference vocabulary (``none`` means no closure)."""

_VOCABULARIES = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_TOP = {OWL.Thing, RDFS.Resource}
_REFLEXIVE = {
    OWL.sameAs,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
}


def infer(graph: Graph, inference: str = "owlrl") -> Graph:
    """The triples the closure adds to ``graph`` (which is left unchanged)."""
    inferred = Graph()
    bind_prefixes(inferred)
    if inference == "none":
        return inferred
    try:
        semantics = SEMANTICS[inference]
    except KeyError:
        raise ValueError(f"inference must be one of none, {', '.join(SEMANTICS)}") from None
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(semantics, axiomatic_triples=False, datatype_axioms=False).expand(
        closure
    )
    for triple in closure:
        if triple not in graph and not _trivial(triple):
            inferred.add(triple)
    return inferred


def _trivial(triple) -> bool:
    s, p, o = triple
    if isinstance(s, Literal) or str(s).startswith(_VOCABULARIES):
        return True
    if s == o and p in _REFLEXIVE:
        return True
    return o in _TOP or s == OWL.Nothing
