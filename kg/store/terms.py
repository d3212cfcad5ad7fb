"""Terms crossing the store's edges: rdflib terms to and from Oxigraph's (a term, or a whole
triple or quad with each term in the place Oxigraph allows it), terms read from SPARQL results,
and :func:`sparql_term`, the one writer of a term into query text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import IdentifiedNode, Node

from kg.rdf.results import SelectResult
from kg.rdf.terms import checked_iri

XSD_STRING = str(XSD.string)

STRING_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
"""The characters a string in double quotes writes escaped (``ECHAR`` of SPARQL and Turtle)."""


_ESCAPED = str.maketrans(STRING_ESCAPES)


def quoted_string(value: str) -> str:
    """``value`` in double quotes with :data:`STRING_ESCAPES` applied: a SPARQL string no text
    can end early, every other character written as itself."""
    return '"' + value.translate(_ESCAPED) + '"'


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")


def sparql_term(term: Node) -> str:
    """An IRI or literal written as SPARQL syntax, escaped so that no text can end it early:
    the one writer of terms into query text. An IRI must pass :func:`kg.rdf.terms.checked_iri`
    (else :class:`kg.rdf.terms.BadIRI`, a ValueError)."""
    if isinstance(term, URIRef):
        return f"<{checked_iri(str(term))}>"
    if isinstance(term, Literal):
        text = quoted_string(str(term))
        if term.language:
            if not _LANGUAGE_TAG.match(term.language):
                raise ValueError(f"not a valid language tag: {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{sparql_term(URIRef(term.datatype))}"
        return text
    raise ValueError(f"cannot send {term!r} to a remote store (blank nodes are local to a store)")


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
"""A pyoxigraph term that an rdflib term becomes (RDF-star's quoted triples are not used)."""
OxGraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
"""Where a pyoxigraph quad sits: a named graph or the default graph."""


def to_ox(term: Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} in Oxigraph")


def to_ox_resource(term: Node) -> ox.NamedNode | ox.BlankNode:
    """An IRI or blank node as a pyoxigraph term: what a subject or a graph name may be."""
    converted = to_ox(term)
    if isinstance(converted, ox.Literal):
        raise TypeError(f"a literal cannot be a subject or a graph name: {term!r}")
    return converted


def to_ox_predicate(term: Node) -> ox.NamedNode:
    """An IRI as a pyoxigraph term: what a predicate must be."""
    if not isinstance(term, URIRef):
        raise TypeError(f"a predicate must be an IRI: {term!r}")
    return ox.NamedNode(str(term))


def to_ox_graph(name: Node | None) -> OxGraphName:
    """A graph name as pyoxigraph's: ``None`` is the default graph."""
    return ox.DefaultGraph() if name is None else to_ox_resource(name)


def to_ox_triple(s: Node, p: Node, o: Node) -> ox.Triple:
    """An rdflib triple as a pyoxigraph triple (a TypeError for a term out of its place)."""
    return ox.Triple(to_ox_resource(s), to_ox_predicate(p), to_ox(o))


def to_ox_quad(s: Node, p: Node, o: Node, g: Node | None) -> ox.Quad:
    """An rdflib quad as a pyoxigraph quad, ``None`` as the graph meaning the default graph (a
    TypeError for a term out of its place)."""
    return ox.Quad(to_ox_resource(s), to_ox_predicate(p), to_ox(o), to_ox_graph(g))


class _Made(dict[Node | None, object]):
    """Each key made into its value once, by ``make``."""

    def __init__(self, make: Callable[[Node | None], object]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Node | None) -> object:
        made = self[key] = self.make(key)
        return made


class QuadConverter:
    """rdflib quads made into pyoxigraph quads, as :func:`to_ox_quad` makes them (the same
    TypeError for a term out of its place), each distinct term converted once: a build adds
    hundreds of thousands of quads that repeat the same predicates, graphs, days and resources."""

    def __init__(self) -> None:
        self._resources = _Made(lambda term: to_ox_resource(cast(Node, term)))
        self._predicates = _Made(lambda term: to_ox_predicate(cast(Node, term)))
        self._objects = _Made(lambda term: to_ox(cast(Node, term)))
        self._graphs = _Made(to_ox_graph)

    def __call__(self, s: Node, p: Node, o: Node, g: Node | None) -> ox.Quad:
        return ox.Quad(
            cast(ox.NamedNode | ox.BlankNode, self._resources[s]),
            cast(ox.NamedNode, self._predicates[p]),
            cast(OxTerm, self._objects[o]),
            cast(OxGraphName, self._graphs[g]),
        )


def from_ox(term: object) -> Node:
    """A pyoxigraph term as an rdflib term (plain literals without an explicit xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return _valid_iri(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return (
            Literal(term.value)
            if datatype == XSD_STRING
            else Literal(term.value, datatype=URIRef(datatype))
        )
    raise TypeError(f"unsupported term {term!r}")


class ConvertedTerms(dict[object, Node | None]):
    """pyoxigraph terms and the rdflib terms made of them, each made on first use (unbound,
    ``None``, stays ``None``). rdflib's constructors (literals above all, which parse and
    normalise their value) are slow next to a dictionary lookup, and answers and graphs repeat
    the same terms: one of these per result or per graph converts each distinct term once."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, term: object) -> Node:
        node = self[term] = from_ox(term)
        return node


def from_ox_graph(name: OxGraphName) -> IdentifiedNode | None:
    """A pyoxigraph graph name as rdflib's: ``None`` for the default graph."""
    if isinstance(name, ox.NamedNode):
        return _valid_iri(name.value)
    if isinstance(name, ox.BlankNode):
        return BNode(name.value)
    return None


def _valid_iri(value: str) -> URIRef:
    """``URIRef(value)`` for an IRI that Oxigraph holds, without the check in ``URIRef.__new__``.

    That check only logs a warning when the text has a character no IRI may contain (a space,
    angle brackets, a double quote, braces, a vertical bar, a backslash, a caret or a backquote).
    Oxigraph checks every IRI it loads or is given (RFC 3987; this store never loads leniently),
    so the check cannot fire on what it returns; the object is the one ``URIRef(value)`` returns
    (same type and text, equal, same hash), built in a fraction of the time, which counts in
    answers of thousands of rows.
    """
    return str.__new__(URIRef, value)


def from_json(value: Mapping[str, str]) -> Node:
    """A term of the SPARQL JSON results format (including Virtuoso's ``typed-literal``)."""
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise ValueError(f"unknown term type {kind!r}")


def count_value(term: Node | None) -> int:
    """A count as a number (0 where a ``COUNT(…)`` is unbound): an aggregate's value, like a
    stated ``void:triples``, is an ``xsd:integer`` literal whose text is the number. Anything
    else (only a faulty remote store could send it) is a ValueError."""
    if term is None:
        return 0
    if not isinstance(term, Literal):
        raise ValueError(f"a count must be an integer literal, not {term!r}")
    return int(term)


def first_count(result: SelectResult) -> int:
    """The count in the first cell of a ``SELECT (COUNT(…) AS ?n)`` answer; 0 without a row."""
    return count_value(result.rows[0][0]) if result.rows else 0
