"""The vocabulary the OWL 2 RL rules of ``kg.pipeline.rules`` know by number, and the datatype
tables and lexical checks of owlrl's one-time rules (``kg.pipeline.rules.onetime``), without
importing owlrl.

Every term of a graph is numbered by :class:`Terms`; the RDF, RDFS and OWL terms the rules test
for come first, in the order of :data:`VOCABULARY`, so that a rule compares plain ints
(``p == TYPE``). The datatype tables are owlrl 7.6's (``XsdDatatypes.py``, ``AxiomaticTriples.py``),
copied because importing owlrl costs more than the whole closure of the curated data;
``tests/test_reason.py`` holds them equal to owlrl's own.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

VOCABULARY = (
    RDF.type,
    OWL.sameAs,
    RDFS.subClassOf,
    OWL.equivalentClass,
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
    RDFS.domain,
    RDFS.range,
    OWL.inverseOf,
    OWL.propertyChainAxiom,
    OWL.hasKey,
    OWL.onProperty,
    OWL.someValuesFrom,
    OWL.allValuesFrom,
    OWL.hasValue,
    OWL.maxCardinality,
    OWL.maxQualifiedCardinality,
    OWL.onClass,
    OWL.intersectionOf,
    OWL.unionOf,
    OWL.oneOf,
    OWL.Thing,
    OWL.Nothing,
    OWL.Class,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.SymmetricProperty,
    OWL.TransitiveProperty,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    RDF.Property,
    RDF.first,
    RDF.rest,
    RDFS.Datatype,
    OWL.AnnotationProperty,
    OWL.disjointWith,
)
(
    TYPE,
    SAME,
    SCO,
    EQC,
    SPO,
    EQP,
    DOMAIN,
    RANGE,
    INVERSE,
    CHAIN,
    KEY,
    ON_PROPERTY,
    SOME,
    ALL,
    HAS_VALUE,
    MAX,
    MAX_QUALIFIED,
    ON_CLASS,
    INTERSECTION,
    UNION,
    ONE_OF,
    THING,
    NOTHING,
    CLASS,
    FUNCTIONAL,
    INVERSE_FUNCTIONAL,
    SYMMETRIC,
    TRANSITIVE,
    OBJECT_PROPERTY,
    DATATYPE_PROPERTY,
    PROPERTY,
    FIRST,
    REST,
    DATATYPE,
    ANNOTATION_PROPERTY,
    DISJOINT,
) = range(len(VOCABULARY))

ANNOTATION_PROPERTIES = (
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.deprecated,
    OWL.versionInfo,
    OWL.priorVersion,
    OWL.backwardCompatibleWith,
    OWL.incompatibleWith,
)
"""owlrl's ``OWLRL_Annotation_properties`` (rule prp-ap)."""

_COMMON_DATATYPES = (
    *(
        XSD[name]
        for name in (
            *("integer", "decimal", "nonNegativeInteger", "nonPositiveInteger"),
            *("negativeInteger", "positiveInteger", "long", "int", "short", "byte"),
            *("unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "float"),
            *("double", "string", "normalizedString", "token", "language", "Name"),
            *("NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI"),
            *("dateTimeStamp", "dateTime", "time", "date"),
        )
    ),
    RDFS.Literal,
    RDF.XMLLiteral,
    RDF.HTML,
    RDF.langString,
)
RL_DATATYPES: tuple[URIRef, ...] = (*_COMMON_DATATYPES, RDF.PlainLiteral)
"""owlrl's ``OWL_RL_Datatypes``, in its order."""


def _chain(*names: str) -> list[URIRef]:
    return [XSD[name] for name in names]


SUBSUMPTIONS: dict[URIRef, list[URIRef]] = {
    XSD.dateTimeStamp: _chain("dateTime"),
    XSD.integer: _chain("decimal"),
    XSD.long: _chain("integer", "decimal"),
    XSD.int: _chain("long", "integer", "decimal"),
    XSD.short: _chain("int", "long", "integer", "decimal"),
    XSD.byte: _chain("short", "int", "long", "integer", "decimal"),
    XSD.nonNegativeInteger: _chain("integer", "decimal"),
    XSD.positiveInteger: _chain("nonNegativeInteger", "integer", "decimal"),
    XSD.unsignedLong: _chain("nonNegativeInteger", "integer", "decimal"),
    XSD.unsignedInt: _chain("unsignedLong", "nonNegativeInteger", "integer", "decimal"),
    XSD.unsignedShort: _chain(
        "unsignedInt", "unsignedLong", "nonNegativeInteger", "integer", "decimal"
    ),
    XSD.unsignedByte: _chain(
        "unsignedShort", "unsignedInt", "unsignedLong", "nonNegativeInteger", "integer", "decimal"
    ),
    XSD.nonPositiveInteger: _chain("integer", "decimal"),
    XSD.negativeInteger: _chain("nonPositiveInteger", "integer", "decimal"),
    XSD.normalizedString: _chain("string"),
    XSD.token: _chain("normalizedString", "string"),
    XSD.language: _chain("token", "normalizedString", "string"),
    XSD.Name: _chain("token", "normalizedString", "string"),
    XSD.NCName: _chain("Name", "token", "normalizedString", "string"),
    XSD.NMTOKEN: _chain("Name", "token", "normalizedString", "string"),
}
"""owlrl's ``OWL_Datatype_Subsumptions``: the datatypes a value of each datatype also has."""

_TOP_DATATYPES = (
    *_chain("anyURI", "base64Binary", "boolean", "dateTime", "decimal", "double", "float"),
    *_chain("hexBinary", "string"),
    RDF.PlainLiteral,
    RDF.XMLLiteral,
)
DISJOINT_DATATYPES: list[tuple[URIRef, URIRef]] = [
    (left, right)
    for i, left in enumerate(_TOP_DATATYPES)
    for right in _TOP_DATATYPES[i + 1 :]
    if (left, right) not in {(XSD.string, RDF.PlainLiteral), (RDF.PlainLiteral, RDF.XMLLiteral)}
]
"""owlrl's ``OWLRL_Datatypes_Disjointness`` as pairs (each stated with ``owl:disjointWith``)."""


class Terms:
    """Every term of a closure numbered from 0, :data:`VOCABULARY` first; ``literal[i]`` and
    ``blank[i]`` say what kind of term number ``i`` is."""

    def __init__(self) -> None:
        self.ids: dict[Node, int] = {}
        self.terms: list[Node] = []
        self.literal = bytearray()
        self.blank = bytearray()
        for term in VOCABULARY:
            self.id(term)

    def id(self, term: Node) -> int:
        number = self.ids.get(term)
        if number is None:
            number = self.ids[term] = len(self.terms)
            self.terms.append(term)
            self.literal.append(isinstance(term, Literal))
            self.blank.append(not isinstance(term, (Literal, URIRef)))
        return number

    @classmethod
    def of(cls, nodes: list[Node]) -> Terms:
        """``nodes`` numbered in their order, which must start with :data:`VOCABULARY` and
        name each term once (another closure's ``terms``); else ``ValueError``."""
        if tuple(nodes[: len(VOCABULARY)]) != VOCABULARY:
            raise ValueError("the vocabulary is not numbered first, in its order")
        terms = cls()
        terms.terms = nodes
        terms.ids = dict(zip(nodes, range(len(nodes)), strict=True))
        if len(terms.ids) != len(nodes):
            raise ValueError("a term is numbered twice")
        terms.literal = bytearray(isinstance(node, Literal) for node in nodes)
        terms.blank = bytearray(not isinstance(node, (Literal, URIRef)) for node in nodes)
        return terms

    def __len__(self) -> int:
        return len(self.terms)


RL_SET = frozenset(RL_DATATYPES)
"""The same, to test membership."""

_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\Z")
_DATE = re.compile(r"([1-9][0-9]{3})-([0-9]{2})-([0-9]{2})\Z")
_DATETIME = re.compile(
    r"([1-9][0-9]{3})-([0-9]{2})-([0-9]{2})T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
    r"(\.[0-9]{1,6})?Z?\Z"
)


def _valid_date(match: re.Match[str] | None) -> bool | None:
    if match is None:
        return None
    try:
        datetime.date(*(int(part) for part in match.groups()[:3]))
    except ValueError:
        return None
    return True


def _boolean(text: str) -> bool:
    return text.lower() in ("true", "1", "false", "0")


def _integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


_CERTAIN: dict[URIRef, Callable[[str], bool | None]] = {
    XSD.string: lambda text: True,
    RDF.HTML: lambda text: True,
    RDFS.Literal: lambda text: True,
    RDF.langString: lambda text: True,
    XSD.boolean: _boolean,
    XSD.integer: _integer,
    XSD.decimal: lambda text: True if _DECIMAL.match(text) else None,
    XSD.date: lambda text: _valid_date(_DATE.match(text)),
    XSD.dateTime: lambda text: _valid_date(_DATETIME.match(text)),
}
"""Lexical checks that give owlrl's verdict (``None``: not sure, ask owlrl's own converter).
The regular expressions accept only forms owlrl's converters (``AltXSDToPYTHON``) accept too."""


class UnsureLiteral(Exception):
    """owlrl's converter for a literal raised something other than ``ValueError``: owlrl's own
    closure stops there too."""


def lexically_valid(literal: Literal) -> bool:
    """owlrl's rule dt-not-type: does the literal's lexical form fit its datatype?"""
    check = _CERTAIN.get(literal.datatype) if literal.datatype else None
    verdict = check(str(literal)) if check else None
    if verdict is not None:
        return verdict
    from owlrl.DatatypeHandling import AltXSDToPYTHON  # only for rare literals

    converter = AltXSDToPYTHON.get(literal.datatype, lambda text: text)
    try:
        converter(str(literal))
    except ValueError:
        return False
    except Exception as exc:
        raise UnsureLiteral(f"owlrl cannot read the literal {literal!r}: {exc}") from exc
    return True


def first_items(triples: Iterable[tuple[int, int, int]]) -> tuple[dict, dict, list[int]]:
    """``rdf:first`` and ``rdf:rest`` of each list node, and the nodes with more than one of
    either (owlrl would read one of them at random)."""
    first: dict[int, int] = {}
    rest: dict[int, int] = {}
    doubled = []
    for s, p, o in triples:
        table = first if p == FIRST else rest if p == REST else None
        if table is not None:
            if s in table and table[s] != o:
                doubled.append(s)
            table[s] = o
    return first, rest, doubled
