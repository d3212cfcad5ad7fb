"""The vocabulary documents as pages: the ontology (its classes, properties and individuals, each
term with its definition and relations) and the shapes (each node shape with its targets and
property constraints).

Both are hash-IRI documents (``<base>ontology#Term``): every term is an entry of one page, at the
anchor its IRI names. A document is read with ``kg/queries/page-document.rq``, the curated graphs
that define its terms, so it is the document as published, without entailments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Identifier, Node

from kg.browse.terms import Href, Labeller, Ref, compact
from kg.rdf.labels import LABEL_PROPERTIES, best_text
from kg.store import Store
from kg.store.queries import select_graph

PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}


def document_triples(store: Store, iri: URIRef) -> Graph:
    """The triples of a vocabulary document (empty when the graph holds no such document)."""
    return select_graph(store, "page-document", {"resource": iri})


@dataclass
class Header:
    title: str | None
    description: str | None
    version: str | None
    license: Node | None


class _Terms:
    """Labels, links and texts of the terms of one vocabulary document, as the document gives them."""

    def __init__(self, doc: Graph, href: Href) -> None:
        self.doc = doc
        self.labeller = Labeller(href)
        for prop in LABEL_PROPERTIES:
            for s, o in doc.subject_objects(prop):
                self.labeller.add(s, o, prop)

    def ref(self, term: Node) -> Ref:
        return self.labeller.ref(term)

    def refs(self, terms: Iterable[Node]) -> list[Ref]:
        """The terms, in IRI order."""
        # rdflib types a graph's terms as Node, which has no order; they are Identifiers, which do.
        return [self.ref(t) for t in sorted(cast("Iterable[Identifier]", terms))]

    def expression(self, term: Node) -> list[Ref]:
        """A class expression as the terms it is made of (``owl:unionOf`` lists are unfolded)."""
        if isinstance(term, URIRef):
            return [self.ref(term)]
        for prop in (OWL.unionOf, OWL.intersectionOf, OWL.oneOf):
            head = self.doc.value(term, prop)
            if head is not None:
                return [self.ref(t) for t in Collection(self.doc, head)]
        return []

    def expressions(self, term: Node, prop: URIRef) -> list[Ref]:
        return [r for t in self.doc.objects(term, prop) for r in self.expression(t)]

    def text(self, term: Node, prop: URIRef) -> str | None:
        found = best_text(self.doc.objects(term, prop))
        return str(found) if found is not None else None


def _anchor(iri: Node, doc_iri: URIRef) -> str:
    return str(iri)[len(str(doc_iri)) + 1 :]


# --- the ontology -------------------------------------------------------------------------------


@dataclass
class TermEntry:
    """One term of the ontology, at its anchor."""

    anchor: str
    iri: str
    label: str
    comment: str | None
    types: list[Ref]
    superclasses: list[Ref]
    subclasses: list[Ref]
    superproperties: list[Ref]
    inverse: list[Ref]
    domain: list[Ref]
    range: list[Ref]
    equivalent: list[Ref]
    members: list[Ref]


@dataclass
class OntologyPage:
    header: Header
    classes: list[TermEntry]
    properties: list[TermEntry]
    individuals: list[TermEntry]
    size: int


def ontology_page(iri: URIRef, doc: Graph, href: Href) -> OntologyPage:
    """The ontology's terms in three lists (classes, properties, individuals), each by label."""
    terms = _Terms(doc, href)
    prefix = str(iri) + "#"
    own = sorted({s for s in doc.subjects() if isinstance(s, URIRef) and str(s).startswith(prefix)})
    classes = [
        t for t in own if (t, RDF.type, OWL.Class) in doc or (t, RDF.type, RDFS.Class) in doc
    ]
    properties = [t for t in own if set(doc.objects(t, RDF.type)) & PROPERTY_TYPES]
    individuals = [t for t in own if t not in classes and t not in properties]

    def entries(found: list[URIRef]) -> list[TermEntry]:
        return sorted((_term_entry(terms, t, iri) for t in found), key=lambda e: e.label.lower())

    header = Header(
        title=terms.text(iri, DCTERMS.title) or terms.text(iri, RDFS.label),
        description=terms.text(iri, DCTERMS.description) or terms.text(iri, RDFS.comment),
        version=terms.text(iri, OWL.versionInfo),
        license=doc.value(iri, DCTERMS.license),
    )
    return OntologyPage(
        header, entries(classes), entries(properties), entries(individuals), len(doc)
    )


def _term_entry(terms: _Terms, term: URIRef, doc_iri: URIRef) -> TermEntry:
    doc = terms.doc
    return TermEntry(
        anchor=_anchor(term, doc_iri),
        iri=str(term),
        label=terms.labeller.label(term),
        comment=terms.text(term, RDFS.comment) or terms.text(term, SKOS.definition),
        types=terms.refs(doc.objects(term, RDF.type)),
        superclasses=terms.refs(doc.objects(term, RDFS.subClassOf)),
        subclasses=terms.refs(doc.subjects(RDFS.subClassOf, term)),
        superproperties=terms.refs(doc.objects(term, RDFS.subPropertyOf)),
        inverse=terms.refs(doc.objects(term, OWL.inverseOf)),
        domain=terms.expressions(term, RDFS.domain),
        range=terms.expressions(term, RDFS.range),
        equivalent=terms.expressions(term, OWL.equivalentClass),
        members=terms.refs(doc.subjects(RDF.type, term)),
    )


# --- the shapes ---------------------------------------------------------------------------------


@dataclass
class PropertyConstraint:
    anchor: str | None
    path: str
    message: str | None
    severity: str | None


@dataclass
class ShapeEntry:
    """One node shape, at its anchor."""

    anchor: str
    iri: str
    comment: str | None
    message: str | None
    targets: list[Ref]
    properties: list[PropertyConstraint]


@dataclass
class ShapesPage:
    header: Header
    shapes: list[ShapeEntry]
    size: int


def shapes_page(iri: URIRef, doc: Graph, href: Href) -> ShapesPage:
    """The node shapes the document defines, in IRI order."""
    terms = _Terms(doc, href)
    prefix = str(iri) + "#"
    shapes = sorted(
        s
        for s in set(doc.subjects(RDF.type, SH.NodeShape))
        if isinstance(s, URIRef) and str(s).startswith(prefix)
    )
    header = Header(
        title=terms.text(iri, RDFS.label),
        description=terms.text(iri, RDFS.comment),
        version=terms.text(iri, OWL.versionInfo),
        license=None,
    )
    return ShapesPage(header, [_shape_entry(terms, s, iri) for s in shapes], len(doc))


def _shape_entry(terms: _Terms, shape: URIRef, doc_iri: URIRef) -> ShapeEntry:
    doc = terms.doc
    prefix = str(doc_iri) + "#"
    constraints = []
    for prop in sorted(doc.objects(shape, SH.property), key=str):
        path = doc.value(prop, SH.path)
        severity = doc.value(prop, SH.severity)
        constraints.append(
            PropertyConstraint(
                anchor=_anchor(prop, doc_iri) if str(prop).startswith(prefix) else None,
                path=path_text(doc, path) if path is not None else "",
                message=terms.text(prop, SH.message),
                severity=compact(severity) if severity else None,
            )
        )
    return ShapeEntry(
        anchor=_anchor(shape, doc_iri),
        iri=str(shape),
        comment=terms.text(shape, RDFS.comment),
        message=terms.text(shape, SH.message),
        targets=terms.refs(doc.objects(shape, SH.targetClass)),
        properties=constraints,
    )


def path_text(doc: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL writes it: ``a/b``, ``a | b``, ``^a``."""
    if isinstance(path, URIRef):
        return compact(path)
    head = doc.value(path, SH.alternativePath)
    if head is not None:
        return " | ".join(path_text(doc, p) for p in Collection(doc, head))
    inverse = doc.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(doc, inverse)
    if doc.value(path, RDF.first) is not None:
        return "/".join(path_text(doc, p) for p in Collection(doc, path))
    return "(path)"
