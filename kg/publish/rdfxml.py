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
    names = _Names(prefixes)
    body: list[str] = []
    current: Node | None = None
    for s, p, o in triples:
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>")
            about = (
                f"rdf:nodeID={quoteattr(str(s))}"
                if isinstance(s, BNode)
                else f"rdf:about={quoteattr(_text(str(s)))}"
            )
            body.append(f"  <rdf:Description {about}>")
            current = s
        body.append(_property(names.qname(str(p)), o))
    if current is not None:
        body.append("  </rdf:Description>")
    declarations = "".join(
        f"\n    xmlns:{name}={quoteattr(names.used[name])}" for name in sorted(names.used)
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>'
    return "\n".join([head, *body, "</rdf:RDF>"]) + "\n"


class _Names:
    """XML names for property IRIs: a known prefix where one fits (the longest namespace first),
    else a generated ``nsN`` prefix; ``used`` collects the declarations the document needs."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.known = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.used: dict[str, str] = {"rdf": str(RDF)}
        self.generated: dict[str, str] = {}

    def qname(self, iri: str) -> str:
        for name, namespace in self.known:
            if iri.startswith(namespace) and _NCNAME.match(iri[len(namespace) :]):
                self.used[name] = namespace
                return self._checked(f"{name}:{iri[len(namespace) :]}")
        match = re.search(r"[A-Za-z_][A-Za-z0-9_.-]*$", iri)
        if not match or match.start() == 0:
            raise ExportError(f"RDF/XML cannot write the property <{iri}> as an XML name")
        namespace = iri[: match.start()]
        if namespace not in self.generated:
            self.generated[namespace] = f"ns{len(self.generated) + 1}"
        self.used[self.generated[namespace]] = namespace
        return self._checked(f"{self.generated[namespace]}:{match.group()}")

    @staticmethod
    def _checked(name: str) -> str:
        if name.startswith("rdf:") and name[4:] in _RDF_SYNTAX_NAMES:
            raise ExportError(f"RDF/XML cannot use {name} as a property")
        return name


def _property(name: str, o: Node) -> str:
    """One property element: a resource, a blank node, or a literal with its language or
    datatype."""
    if isinstance(o, URIRef):
        return f"    <{name} rdf:resource={quoteattr(_text(str(o)))}/>"
    if isinstance(o, BNode):
        return f"    <{name} rdf:nodeID={quoteattr(str(o))}/>"
    assert isinstance(o, Literal)
    attrs = ""
    if o.language:
        attrs = f" xml:lang={quoteattr(o.language)}"
    elif o.datatype is not None and o.datatype != XSD.string:
        attrs = f" rdf:datatype={quoteattr(_text(str(o.datatype)))}"
    return f"    <{name}{attrs}>{_text(str(o))}</{name}>"


def _text(value: str) -> str:
    if _XML_INVALID.search(value):
        raise ExportError(f"RDF/XML cannot hold the control characters in {value!r}")
    return xml_escape(value).replace("\r", "&#13;")
