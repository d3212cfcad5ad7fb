"""Deterministic RDF/XML: one ``rdf:Description`` per subject, properties in order."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from kg.publish.quads import ExportError, Triple, predicate_key, term_key
from kg.rdf.namespaces import PREFIXES

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_RDF_SYNTAX_NAMES = {
    "RDF",
    "Description",
    "ID",
    "about",
    "parseType",
    "resource",
    "nodeID",
    "datatype",
    "li",
    "aboutEach",
    "aboutEachPrefix",
    "bagID",
}


def rdfxml(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Deterministic RDF/XML: one ``rdf:Description`` per subject, properties in order."""
    triples = sorted(triples, key=lambda t: (term_key(t[0]), predicate_key(t[1]), term_key(t[2])))
    known = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    namespaces: dict[str, str] = {"rdf": str(RDF)}
    generated: dict[str, str] = {}

    def qname(iri: str) -> str:
        for name, namespace in known:
            if iri.startswith(namespace) and _NCNAME.match(iri[len(namespace) :]):
                namespaces[name] = namespace
                return f"{name}:{iri[len(namespace) :]}"
        match = re.search(r"[A-Za-z_][A-Za-z0-9_.-]*$", iri)
        if not match or match.start() == 0:
            raise ExportError(f"RDF/XML cannot write the property <{iri}> as an XML name")
        namespace = iri[: match.start()]
        if namespace not in generated:
            generated[namespace] = f"ns{len(generated) + 1}"
        namespaces[generated[namespace]] = namespace
        return f"{generated[namespace]}:{match.group()}"

    def text(value: str) -> str:
        if _XML_INVALID.search(value):
            raise ExportError(f"RDF/XML cannot hold the control characters in {value!r}")
        return xml_escape(value).replace("\r", "&#13;")

    body: list[str] = []
    current: Node | None = None
    for s, p, o in triples:
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>")
            about = (
                f"rdf:nodeID={quoteattr(str(s))}"
                if isinstance(s, BNode)
                else f"rdf:about={quoteattr(text(str(s)))}"
            )
            body.append(f"  <rdf:Description {about}>")
            current = s
        name = qname(str(p))
        if name.startswith("rdf:") and name[4:] in _RDF_SYNTAX_NAMES:
            raise ExportError(f"RDF/XML cannot use {name} as a property")
        if isinstance(o, URIRef):
            body.append(f"    <{name} rdf:resource={quoteattr(text(str(o)))}/>")
        elif isinstance(o, BNode):
            body.append(f"    <{name} rdf:nodeID={quoteattr(str(o))}/>")
        else:
            assert isinstance(o, Literal)
            attrs = ""
            if o.language:
                attrs = f" xml:lang={quoteattr(o.language)}"
            elif o.datatype is not None and o.datatype != XSD.string:
                attrs = f" rdf:datatype={quoteattr(text(str(o.datatype)))}"
            body.append(f"    <{name}{attrs}>{text(str(o))}</{name}>")
    if current is not None:
        body.append("  </rdf:Description>")
    declarations = "".join(
        f"\n    xmlns:{name}={quoteattr(namespaces[name])}" for name in sorted(namespaces)
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>'
    return "\n".join([head, *body, "</rdf:RDF>"]) + "\n"
