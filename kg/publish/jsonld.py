"""Compact JSON-LD against the published context (``kg/context.jsonld``), and that context."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.publish.quads import Triple, term_key
from kg.publish.turtle import PrefixedTerms
from kg.rdf.namespaces import BASE, OA, PREFIXES, PT, SCHEMA

CONTEXT_IRI = BASE + "context.jsonld"
"""Where the JSON-LD context is published; the app serves the same file at ``/context.jsonld``."""
CONTEXT_FILE = "context.jsonld"
"""The context as package data of ``kg``."""


_OBJECT = "@id"
JSONLD_TERMS: dict[str, tuple[str, str | None]] = {
    "label": (str(RDFS.label), None),
    "comment": (str(RDFS.comment), None),
    "seeAlso": (str(RDFS.seeAlso), _OBJECT),
    "prefLabel": (str(SKOS.prefLabel), None),
    "altLabel": (str(SKOS.altLabel), None),
    "definition": (str(SKOS.definition), None),
    "broader": (str(SKOS.broader), _OBJECT),
    "related": (str(SKOS.related), _OBJECT),
    "inScheme": (str(SKOS.inScheme), _OBJECT),
    "topConceptOf": (str(SKOS.topConceptOf), _OBJECT),
    "hasTopConcept": (str(SKOS.hasTopConcept), _OBJECT),
    "sameAs": ("http://www.w3.org/2002/07/owl#sameAs", _OBJECT),
    "identifier": ("http://purl.org/dc/terms/identifier", None),
    "title": ("http://purl.org/dc/terms/title", None),
    "license": ("http://purl.org/dc/terms/license", _OBJECT),
    "motivatedBy": (str(OA.motivatedBy), _OBJECT),
    "hasBody": (str(OA.hasBody), _OBJECT),
    "hasTarget": (str(OA.hasTarget), _OBJECT),
    "hasSource": (str(OA.hasSource), _OBJECT),
    "hasSelector": (str(OA.hasSelector), _OBJECT),
    "exact": (str(OA.exact), None),
    "prefix": (str(OA.prefix), None),
    "suffix": (str(OA.suffix), None),
    "start": (str(OA.start), None),
    "end": (str(OA.end), None),
    "member": ("http://www.w3.org/ns/org#member", _OBJECT),
    "organization": ("http://www.w3.org/ns/org#organization", _OBJECT),
    "subOrganizationOf": ("http://www.w3.org/ns/org#subOrganizationOf", _OBJECT),
    "location": (str(SCHEMA.location), _OBJECT),
    "value": (str(SCHEMA.value), None),
    "minValue": (str(SCHEMA.minValue), None),
    "maxValue": (str(SCHEMA.maxValue), None),
    "unitText": (str(SCHEMA.unitText), None),
    **{
        name: (str(PT[name]), _OBJECT)
        for name in (
            "about",
            "accordingTo",
            "atEvent",
            "cites",
            "comprises",
            "conditionalOn",
            "contradicts",
            "dateBasis",
            "datePrecision",
            "delegationOf",
            "framing",
            "memberOfParty",
            "onBehalfOf",
            "partOf",
            "partOfPackage",
            "participant",
            "reportsOn",
            "respondsTo",
            "sourceKind",
            "speaker",
            "stance",
            "supersedes",
        )
    },
    "date": (str(PT.date), None),
    "dateQualifier": (str(PT.dateQualifier), None),
}
"""Readable JSON-LD keys → (property IRI, ``@id`` when values are resources). Properties without
a term (``pt:evidence``, ``pt:quantity`` …, whose local names are also prefixes) appear as
compact IRIs such as ``pt:evidence``."""

DEFAULT_LANGUAGE = "en"


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context published as ``kg/context.jsonld``, built from the project's
    prefixes and :data:`JSONLD_TERMS`."""
    clash = set(JSONLD_TERMS) & set(PREFIXES)
    if clash:
        raise ValueError(f"JSON-LD terms that are also prefixes: {sorted(clash)}")
    context: dict[str, Any] = {
        "@version": 1.1,
        "@language": DEFAULT_LANGUAGE,
        "id": "@id",
        "type": "@type",
    }
    context.update(PREFIXES)
    terms = PrefixedTerms(PREFIXES)
    for name, (iri, coercion) in sorted(JSONLD_TERMS.items()):
        compact = terms.iri(iri)
        context[name] = {"@id": compact, "@type": "@id"} if coercion else {"@id": compact}
    return {"@context": context}


def context_document() -> bytes:
    """The text of the JSON-LD context file shipped with the package."""
    return resources.files("kg").joinpath(CONTEXT_FILE).read_bytes()


def context_text() -> str:
    """The context as it is written to ``kg/context.jsonld`` (regenerate with this)."""
    return json.dumps(jsonld_context(), indent=2, ensure_ascii=False) + "\n"


class _JsonTerms:
    def __init__(self) -> None:
        self.namespaces = sorted(PREFIXES.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.keys = {iri: (name, coercion) for name, (iri, coercion) in JSONLD_TERMS.items()}

    def compact(self, iri: str) -> str:
        for name, namespace in self.namespaces:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and not local.startswith("//"):
                return f"{name}:{local}"
        return iri

    def node_id(self, term: Node) -> str:
        return f"_:{term}" if isinstance(term, BNode) else self.compact(str(term))

    def value(self, term: Node, coerced: bool) -> Any:
        if isinstance(term, URIRef | BNode):
            return self.node_id(term) if coerced else {"@id": self.node_id(term)}
        assert isinstance(term, Literal)
        if term.language:
            if term.language == DEFAULT_LANGUAGE and not coerced:
                return str(term)
            return {"@value": str(term), "@language": term.language}
        if term.datatype is None or term.datatype == XSD.string:
            return {"@value": str(term)}
        return {"@value": str(term), "@type": self.compact(str(term.datatype))}


def jsonld(triples: Iterable[Triple], *, context: str | None = None) -> str:
    """Compact JSON-LD: a ``@graph`` of node objects (one per subject, in order) with readable
    keys from the context, which is embedded (so the document reads offline), or referenced
    when ``context`` gives its IRI."""
    writer = _JsonTerms()
    nodes: dict[Node, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        node = nodes[s]
        if p == RDF.type and isinstance(o, URIRef):
            node["type"].append(writer.compact(str(o)))
            continue
        name, coercion = writer.keys.get(str(p), (writer.compact(str(p)), None))
        node[name].append(writer.value(o, coercion is not None))
    graph = []
    for subject in sorted(nodes, key=term_key):
        entry: dict[str, Any] = {"id": writer.node_id(subject)}
        properties = nodes[subject]
        for key in ["type", *sorted(k for k in properties if k != "type")]:
            if key not in properties:
                continue
            values = sorted(properties[key], key=lambda v: json.dumps(v, sort_keys=True))
            entry[key] = values[0] if len(values) == 1 else values
        graph.append(entry)
    document = {
        "@context": jsonld_context()["@context"] if context is None else context,
        "@graph": graph,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
