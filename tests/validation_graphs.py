"""The graphs the validation tests share: our shapes, the ontology, the curated data (each read
once), and shapes beyond ours with data that breaks them — SHACL our shapes do not use
(sh:node, sh:not, sh:and, sh:in, sh:hasValue, sh:equals, inverse and sequence paths, string
checks, $PATH in a SPARQL constraint, a deactivated shape), most of it without sh:message, so
pySHACL's generic messages (which write data nodes out) are in the report."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph

from kg.pipeline.load import load_project
from kg.rdf.namespaces import SH

REPO = Path(__file__).resolve().parents[1]


@cache
def shapes() -> Graph:
    return Graph().parse(REPO / "shapes" / "ptkg-shapes.ttl", format="turtle")


@cache
def ontology() -> Graph:
    return Graph().parse(REPO / "ontology" / "ptkg.ttl", format="turtle")


@cache
def curated() -> Graph:
    return load_project(REPO).graph("ontology", "data")


def without_messages(shapes_graph: Graph) -> Graph:
    """A copy of the shapes without their sh:message: pySHACL's generic messages instead."""
    stripped = Graph()
    stripped += shapes_graph
    stripped.remove((None, SH.message, None))
    for prefix, namespace in shapes_graph.namespaces():
        stripped.bind(prefix, namespace)
    return stripped


EXTRA_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:Thing a rdfs:Class, sh:NodeShape ;
    sh:property [ sh:path [ sh:inversePath ex:owns ] ; sh:maxCount 1 ] ;
    sh:property [ sh:path ex:name ; sh:minLength 3 ; sh:maxLength 5 ; sh:pattern "^a" ; sh:flags "i" ] ;
    sh:property [ sh:path ex:size ; sh:minExclusive 0 ; sh:maxExclusive 10 ; sh:datatype xsd:integer ] ;
    sh:property [ sh:path ex:part ; sh:node ex:PartShape ; sh:class ex:Part ] ;
    sh:property [ sh:path ( ex:part ex:name ) ; sh:uniqueLang true ; sh:severity sh:Info ] ;
    sh:property [ sh:path ex:kind ; sh:in ( ex:a ex:b "c" ) ; sh:hasValue ex:a ] ;
    sh:property [ sh:path ex:twin ; sh:equals ex:owns ; sh:severity sh:Warning ] ;
    sh:not [ sh:property [ sh:path ex:banned ; sh:minCount 1 ] ] ;
    sh:and ( [ sh:nodeKind sh:IRI ] [ sh:property [ sh:path ex:name ; sh:minCount 1 ] ] ) ;
    sh:sparql [ sh:select "SELECT $this ?value WHERE { $this ex:size ?value . FILTER (?value > 5) }" ;
                sh:prefixes ex:decl ; sh:message "{$this} is big: {?value}" ] .

ex:decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .

ex:PartShape a sh:NodeShape ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:languageIn ( "en" ) ] ;
    sh:property [ sh:path ex:weight ; sh:maxInclusive 5 ; sh:minInclusive 1 ] .

ex:Switched a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:nodeKind sh:Literal .

ex:Owners a sh:NodeShape ; sh:targetSubjectsOf ex:owns ;
    sh:property [ sh:path ex:owns ;
        sh:sparql [ sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER isBlank(?value) }" ;
                    sh:prefixes ex:decl ] ] .
"""

EXTRA_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:one a ex:Thing ; ex:name "Apple"@en, "ab"@en ; ex:size 7, "x" ; ex:kind ex:b, "c" ;
    ex:part ex:p1, [ ex:name "nameless"@fr ] ; ex:twin ex:two ; ex:owns ex:two .
ex:two a ex:Thing ; ex:name "AXE" ; ex:size 20 ; ex:kind ex:a ; ex:banned true ; ex:owns [ ex:name "x" ] .
ex:three ex:owns ex:two .
ex:p1 a ex:Part ; ex:weight 9, "heavy" .
_:anon a ex:Thing ; ex:kind ex:a ; ex:name "a nameless thing" .
"""
