"""Export the graph for other research graphs: RDF dumps and CSV tables.

Every RDF format is deterministic: blank nodes are labelled by RDFC-1.0 first and everything is
written in sorted order, so the same graph always gives the same bytes and dumps diff cleanly.

- ``turtle``: pretty Turtle (prefixes, one block per subject, blank nodes nested as ``[ … ]``)
- ``nt``: sorted N-Triples; ``nquads``: sorted N-Quads; ``trig``: pretty TriG — both keep the
  named graphs (one per curated file, plus ``graph:inferred``/``graph:derived`` when selected)
- ``jsonld``: compact JSON-LD against the published context (``kg/context.jsonld``)
- ``xml``: RDF/XML
- ``csv``: one table for spreadsheets: ``statements``, ``demands`` or ``actors``

What is exported is a :class:`Selection` of the build's named graphs: by default the curated data
only (``graph/data/…``), optionally with the ontology, the shapes, the entailments, the derived
facts, or exactly one named graph. :func:`select` is the one place that decides.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from kg.fsutil import atomic_write
from kg.pipeline.build import checked_source
from kg.rdf.formats import DATASET, RDF_BY_NAME, RESULTS_BY_NAME, Format, LoadError, file_format
from kg.rdf.namespaces import (
    BASE,
    DERIVED_GRAPH,
    GRAPH,
    INFERRED_GRAPH,
    OA,
    PREFIXES,
    PT,
    SCHEMA,
)
from kg.rdf.results import SelectResult
from kg.store import OxigraphStore, from_ox, to_ox
from kg.store.queries import canned_query

Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef | None]
"""A quad as rdflib terms; the graph is ``None`` for the default graph."""

EXPORTS: dict[str, Format] = {**RDF_BY_NAME, "csv": RESULTS_BY_NAME["csv"]}
"""Export format → its record in the format registry: every RDF format, and CSV for tables."""
FORMATS: dict[str, str] = {name: f.media_type for name, f in EXPORTS.items()}
"""Export format → media type."""
EXTENSIONS: dict[str, str] = {name: f.suffix for name, f in EXPORTS.items()}
"""Export format → the suffix of a file in it."""
QUAD_FORMATS = tuple(name for name, f in RDF_BY_NAME.items() if f.kind == DATASET)
"""Formats that keep the named graphs; the others write the union of the selected graphs."""
TABLES = ("statements", "demands", "actors")
"""The CSV tables, each the canned query ``export-<table>.rq``."""

CONTEXT_IRI = BASE + "context.jsonld"
"""Where the JSON-LD context is published; the app serves the same file at ``/context.jsonld``."""
CONTEXT_FILE = "context.jsonld"
"""The context as package data of ``kg``."""

KINDS = ("data", "ontology", "shapes", "inferred", "derived")
"""The kinds of named graph in a build."""


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown graph, unwritable term, …)."""


# --- what to export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which named graphs to export: curated data by default; ``graph`` overrides the kinds."""

    data: bool = True
    ontology: bool = False
    shapes: bool = False
    inferred: bool = False
    derived: bool = False
    graph: URIRef | None = None

    def wants(self, graph: URIRef | None) -> bool:
        if self.graph is not None:
            return graph == self.graph
        return bool(getattr(self, graph_kind(graph)))


EVERYTHING = Selection(ontology=True, shapes=True, inferred=True, derived=True)


def graph_kind(graph: URIRef | None) -> str:
    """``data``, ``ontology``, ``shapes``, ``inferred`` or ``derived``; a graph that is none of
    these (the default graph of a plain file, a graph named elsewhere) counts as data."""
    if graph == INFERRED_GRAPH:
        return "inferred"
    if graph == DERIVED_GRAPH:
        return "derived"
    text = str(graph or "")
    for kind in ("ontology", "shapes"):
        if text.startswith(f"{GRAPH}{kind}/"):
            return kind
    return "data"


def graph_iri(name: str) -> URIRef:
    """A named graph given on the command line: a full IRI, or a path relative to ``graph:``
    (``data/actors.ttl``, ``inferred``)."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", name) and not name.startswith("graph:"):
        return URIRef(name)
    return GRAPH[name.removeprefix("graph:")]


def select(quads: Iterable[Quad], selection: Selection) -> list[Quad]:
    """The quads of the selected named graphs: the one place that decides what is exported."""
    chosen = [q for q in quads if selection.wants(q[3])]
    if selection.graph is not None and not chosen:
        raise ExportError(f"no named graph <{selection.graph}> in the build (or it is empty)")
    return chosen


def graphs_of(quads: Iterable[Quad]) -> dict[URIRef | None, int]:
    """Quads per named graph, sorted by graph IRI (the default graph first)."""
    counts = Counter(q[3] for q in quads)
    return dict(sorted(counts.items(), key=lambda kv: "" if kv[0] is None else str(kv[0])))


# --- where the quads come from ------------------------------------------------------------------


def read_quads(path: Path) -> list[Quad]:
    """Every quad of an RDF file (N-Quads, TriG, Turtle, N-Triples, JSON-LD, RDF/XML)."""
    path = Path(path)
    fmt = file_format(path).oxigraph
    try:
        parsed = list(ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()))
    except (SyntaxError, ValueError) as exc:
        raise LoadError(path, str(exc)) from None
    except OSError as exc:
        raise LoadError(path, exc.strerror or str(exc)) from None
    return [_from_ox_quad(q) for q in parsed]


def dataset_quads(dataset: Dataset) -> list[Quad]:
    """Every quad of an rdflib dataset (its default graph as ``None``)."""
    out: list[Quad] = []
    for graph in dataset.graphs():
        name = None if graph.identifier == DATASET_DEFAULT_GRAPH_ID else graph.identifier
        out.extend((s, p, o, name) for s, p, o in graph)
    return out


def build_quads(
    root: Path | None = None, dataset_file: Path | None = None, inference: str = "owlrl"
) -> list[Quad]:
    """The quads of the project's build (rebuilt first when a curated file is newer), or of
    ``dataset_file`` when given, checked against its manifest like what the server loads
    (:func:`kg.pipeline.build.checked_source`), so a truncated build is never exported or pushed. Raises
    :class:`kg.pipeline.build.BuildRefused` for data that does not conform."""
    return read_quads(checked_source(root, dataset_file, inference))


def _from_ox_quad(quad: ox.Quad) -> Quad:
    graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else from_ox(quad.graph_name)
    return (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object), graph)


# --- canonical order ------------------------------------------------------------------------------


def canonical(quads: Iterable[Quad], *, merge: bool = False) -> list[Quad]:
    """The quads with blank nodes relabelled by RDFC-1.0, deduplicated and sorted; with
    ``merge`` all graphs are merged into the default graph first."""
    try:
        dataset = ox.Dataset(
            ox.Quad(
                to_ox(s),
                to_ox(p),
                to_ox(o),
                ox.DefaultGraph() if merge or g is None else to_ox(g),
            )
            for s, p, o, g in quads
        )
    except (ValueError, TypeError) as exc:
        raise ExportError(f"cannot export this graph: {exc}") from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((_from_ox_quad(q) for q in dataset), key=quad_key)


def term_key(term: Node | None) -> tuple:
    """A total, stable order on terms: IRIs, then blank nodes, then literals."""
    if term is None:
        return (-1, "")
    if isinstance(term, URIRef):
        return (0, str(term))
    if isinstance(term, BNode):
        label = str(term)
        number = re.fullmatch(r"c14n(\d+)", label)
        return (1, "", int(number.group(1))) if number else (1, label, 0)
    assert isinstance(term, Literal)
    return (2, str(term), term.language or "", str(term.datatype or ""))


def quad_key(quad: Quad) -> tuple:
    s, p, o, g = quad
    return (term_key(g), term_key(s), _predicate_key(p), term_key(o))


def _predicate_key(p: Node) -> tuple:
    return (0, "") if p == RDF.type else (1, str(p))


# --- the dump ------------------------------------------------------------------------------------


def export(
    quads: Iterable[Quad],
    fmt: str,
    *,
    table: str = "statements",
    context: str | None = CONTEXT_IRI,
    ontology: Iterable[Quad] = (),
) -> bytes:
    """The (already selected) quads in ``fmt``. ``context`` is the JSON-LD ``@context`` to
    reference (``None`` embeds it); ``ontology`` gives CSV tables the class hierarchy."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; accepted: {', '.join(FORMATS)}")
    quads = list(quads)
    if fmt == "csv":
        return csv_table(quads, table, ontology=ontology)
    if fmt in QUAD_FORMATS:
        ordered = canonical(quads)
        if fmt == "nquads":
            return _ntriples_lines(ordered, with_graph=True)
        return trig(ordered).encode("utf-8")
    triples = [(s, p, o) for s, p, o, _ in canonical(quads, merge=True)]
    if fmt == "nt":
        return _ntriples_lines([(*t, None) for t in triples], with_graph=False)
    if fmt == "turtle":
        return turtle(triples).encode("utf-8")
    if fmt == "jsonld":
        return jsonld(triples, context=context).encode("utf-8")
    return rdfxml(triples).encode("utf-8")


def write_output(data: bytes, out: Path | None, *, force: bool = False) -> None:
    """Write to ``out`` atomically (refusing to replace a file without ``force``), or to stdout."""
    if out is None or str(out) == "-":
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with atomic_write(Path(out), overwrite=force) as handle:
        handle.write(data)


def _ntriples_lines(quads: list[Quad], *, with_graph: bool) -> bytes:
    if with_graph:
        items: list[Any] = [
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
            for s, p, o, g in quads
        ]
        fmt = ox.RdfFormat.N_QUADS
    else:
        items = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o, _ in quads]
        fmt = ox.RdfFormat.N_TRIPLES
    text = ox.serialize(items, format=fmt).decode("utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


# --- Turtle and TriG -------------------------------------------------------------------------

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def turtle_string(text: str) -> str:
    """A string in double quotes, escaped for Turtle, N-Triples and SPARQL alike."""
    out = []
    for char in text:
        if char in _ECHAR:
            out.append(_ECHAR[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def iri_ref(iri: str) -> str:
    """An IRI in angle brackets, with characters IRIREF does not allow escaped as ``\\uXXXX``."""
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


class _Terms:
    """Writes terms with the project's prefixes, remembering which prefixes were used."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.namespaces = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.used: set[str] = set()

    def iri(self, iri: str) -> str:
        for name, namespace in self.namespaces:
            if iri.startswith(namespace) and _PN_LOCAL.match(iri[len(namespace) :]):
                self.used.add(name)
                return f"{name}:{iri[len(namespace) :]}"
        return iri_ref(iri)

    def term(self, term: Node) -> str:
        if isinstance(term, URIRef):
            return self.iri(str(term))
        if isinstance(term, BNode):
            return f"_:{term}"
        assert isinstance(term, Literal)
        text = turtle_string(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{self.iri(str(term.datatype))}"
        return text

    def predicate(self, p: Node) -> str:
        return "a" if p == RDF.type else self.term(p)

    def header(self, prefixes: Mapping[str, str]) -> str:
        return "".join(f"@prefix {n}: {iri_ref(prefixes[n])} .\n" for n in sorted(self.used))


def _blocks(
    triples: list[Triple], terms: _Terms, indent: str, shared: frozenset[Node] = frozenset()
) -> list[str]:
    """Subject blocks of Turtle; a blank node that is the object of exactly one triple (and not
    part of a cycle of such nodes, nor ``shared`` with another graph) is written nested in
    ``[ … ]`` where it is used."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        by_subject[s].append((p, o))
    used_as_object = Counter(o for _, _, o in triples if isinstance(o, BNode))
    nested = {b for b, n in used_as_object.items() if n == 1 and b not in shared}
    while True:
        roots = [s for s in by_subject if s not in nested]
        reached: set[Node] = set()
        stack = list(roots)
        while stack:
            node = stack.pop()
            for _, o in by_subject.get(node, ()):
                if o in nested and o not in reached:
                    reached.add(o)
                    stack.append(o)
        cyclic = [b for b in nested if b in by_subject and b not in reached]
        if not cyclic:
            break
        nested.discard(min(cyclic, key=term_key))

    def object_text(o: Node, depth: int) -> str:
        if o in nested:
            body = by_subject.get(o, [])
            if not body:
                return "[]"
            inner = indent * (depth + 1)
            lines = _predicate_lines(body, depth + 1)
            return "[\n" + " ;\n".join(inner + line for line in lines) + "\n" + indent * depth + "]"
        return terms.term(o)

    def _predicate_lines(pairs: list[tuple[Node, Node]], depth: int) -> list[str]:
        grouped: dict[Node, list[Node]] = defaultdict(list)
        for p, o in pairs:
            grouped[p].append(o)
        lines = []
        for p in sorted(grouped, key=_predicate_key):
            objects = [object_text(o, depth) for o in sorted(grouped[p], key=term_key)]
            separator = " ,\n" + indent * (depth + 1)
            lines.append(f"{terms.predicate(p)} {separator.join(objects)}")
        return lines

    blocks = []
    for subject in sorted((s for s in by_subject if s not in nested), key=term_key):
        lines = _predicate_lines(by_subject[subject], 1)
        body = (" ;\n" + indent).join(lines)
        blocks.append(f"{terms.term(subject)} {body} .")
    return blocks


_INDENT = "    "


def turtle(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Pretty, deterministic Turtle (give it canonically labelled triples)."""
    terms = _Terms(prefixes)
    blocks = _blocks(list(triples), terms, _INDENT)
    return _document(terms.header(prefixes), blocks)


def trig(quads: Iterable[Quad], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Pretty, deterministic TriG: the default graph first, then each named graph in IRI order."""
    terms = _Terms(prefixes)
    graphs: dict[URIRef | None, list[Triple]] = defaultdict(list)
    homes: dict[Node, set[URIRef | None]] = defaultdict(set)
    for s, p, o, g in quads:
        graphs[g].append((s, p, o))
        for term in (s, o):
            if isinstance(term, BNode):
                homes[term].add(g)
    shared = frozenset(b for b, where in homes.items() if len(where) > 1)
    parts = []
    for name in sorted(graphs, key=term_key):
        blocks = _blocks(graphs[name], terms, _INDENT, shared)
        if name is None:
            parts.append("\n\n".join(blocks))
        else:
            body = "\n\n".join(_INDENT + b.replace("\n", "\n" + _INDENT) for b in blocks)
            parts.append(f"{terms.term(name)} {{\n{body}\n}}")
    return _document(terms.header(prefixes), parts)


def _document(header: str, parts: list[str]) -> str:
    if not parts:
        return header
    return header + ("\n" if header else "") + "\n\n".join(parts) + "\n"


# --- JSON-LD ---------------------------------------------------------------------------------------

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
    terms = _Terms(PREFIXES)
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


def jsonld(triples: Iterable[Triple], *, context: str | None = CONTEXT_IRI) -> str:
    """Compact JSON-LD: a ``@graph`` of node objects (one per subject, in order) with readable
    keys from the context; ``context`` is the IRI to reference, or ``None`` to embed it."""
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


# --- RDF/XML ---------------------------------------------------------------------------------------

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
    triples = sorted(triples, key=lambda t: (term_key(t[0]), _predicate_key(t[1]), term_key(t[2])))
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


# --- CSV tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A CSV table: the canned query ``export-<name>.rq``; rows that share the ``key`` columns
    are merged, joining the distinct values of the other columns with ``"; "``."""

    name: str
    key: tuple[str, ...] = ()


TABLE_SPECS = {
    "statements": Table("statements"),
    "demands": Table("demands", key=("demand",)),
    "actors": Table("actors", key=("actor",)),
}
JOIN = "; "


def csv_table(quads: Iterable[Quad], table: str, *, ontology: Iterable[Quad] = ()) -> bytes:
    """One CSV table computed over the quads (plus ``ontology``, which gives the classes)."""
    try:
        spec = TABLE_SPECS[table]
    except KeyError:
        raise ExportError(f"unknown table {table!r}; accepted: {', '.join(TABLES)}") from None
    store = OxigraphStore()
    store.add_quads(quads)
    store.add_quads(ontology)
    result = store.query(canned_query(f"export-{spec.name}"))
    assert isinstance(result, SelectResult)
    rows = [[_cell(t) for t in row] for row in result.rows]
    if spec.key:
        rows = _merge(result.variables, rows, spec.key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _merge(columns: list[str], rows: list[list[str]], key: tuple[str, ...]) -> list[list[str]]:
    at = [columns.index(k) for k in key]
    merged: dict[tuple[str, ...], list[set[str]]] = {}
    for row in rows:
        values = merged.setdefault(tuple(row[i] for i in at), [set() for _ in columns])
        for i, cell in enumerate(row):
            if cell:
                values[i].add(cell)
    return [
        [JOIN.join(sorted(v)) for v in values]
        for _, values in sorted(merged.items(), key=lambda kv: kv[0])
    ]


_CSV_TERMS = _Terms(PREFIXES)


def _cell(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        short = _CSV_TERMS.iri(str(term))
        return str(term) if short.startswith("<") else short
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)
