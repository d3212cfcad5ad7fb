"""Every format the project reads or writes, one record each: the one table of RDF formats.

A :class:`Format` names its media types (the first is the one written), the other ``format=``
names clients use, its file suffixes (the first is the one written), its rdflib plug-in and its
Oxigraph format, its W3C format IRI, and whether it holds a graph, a dataset (named graphs) or
SELECT/ASK results. Every other table (content negotiation, file types that load, export
suffixes, what a remote store is asked for) is derived from :data:`REGISTRY` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from kg.rdf.namespaces import FORMATS as W3C

GRAPH, DATASET, RESULTS = "graph", "dataset", "results"
"""What a format holds: the triples of one graph, named graphs (quads), or SELECT/ASK results."""


class LoadError(Exception):
    """A file that cannot be read as RDF; ``str()`` gives ``file:line: message``."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Format:
    """One format. ``name`` is its short name (``format=``, ``--format``); ``names`` and the
    media types after the first are what clients also send for it; ``graph_subset`` (a dataset
    format) is the graph format whose text it writes for a graph without named graphs (TriG
    holds Turtle, N-Quads N-Triples).

    What it is accepted for follows from ``kind`` and ``suffixes``: an RDF format answers
    CONSTRUCT/DESCRIBE and is a dump, a results format answers SELECT/ASK; a file with one of
    an RDF format's ``suffixes`` is loaded in it, and an export is written with the first."""

    name: str
    kind: str
    media_types: tuple[str, ...]
    names: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    rdflib: str | None = None
    oxigraph: ox.RdfFormat | None = None
    w3c: URIRef | None = None
    graph_subset: str | None = None

    @property
    def media_type(self) -> str:
        """The media type written (``Content-Type``)."""
        return self.media_types[0]

    @property
    def suffix(self) -> str:
        """The file suffix written."""
        return self.suffixes[0]

    @property
    def is_rdf(self) -> bool:
        return self.kind != RESULTS


REGISTRY: tuple[Format, ...] = (
    Format(
        "turtle",
        GRAPH,
        (
            "text/turtle",
            "application/turtle",
            "application/x-turtle",
            "text/n3",  # Turtle is N3
            "text/rdf+n3",
            "application/n3",
        ),
        names=("ttl", "n3"),
        suffixes=(".ttl",),
        rdflib="turtle",
        oxigraph=ox.RdfFormat.TURTLE,
        w3c=W3C["Turtle"],
    ),
    Format(
        "nt",
        GRAPH,
        ("application/n-triples", "text/plain"),  # text/plain: N-Triples' historical type
        names=("ntriples", "n-triples"),
        suffixes=(".nt",),
        rdflib="nt",
        oxigraph=ox.RdfFormat.N_TRIPLES,
        w3c=W3C["N-Triples"],
    ),
    Format(
        "jsonld",
        GRAPH,
        ("application/ld+json", "application/json", "application/x-json+ld"),
        names=("json-ld", "json"),
        suffixes=(".jsonld",),
        rdflib="json-ld",
        oxigraph=ox.RdfFormat.JSON_LD,
        w3c=W3C["JSON-LD"],
    ),
    Format(
        "xml",
        GRAPH,
        ("application/rdf+xml", "application/xml", "text/xml"),
        names=("rdf", "rdf+xml", "rdfxml"),
        suffixes=(".rdf", ".owl"),
        rdflib="xml",
        oxigraph=ox.RdfFormat.RDF_XML,
        w3c=W3C["RDF_XML"],
    ),
    Format(
        "trig",
        DATASET,
        ("application/trig", "application/x-trig"),
        suffixes=(".trig",),
        rdflib="trig",
        oxigraph=ox.RdfFormat.TRIG,
        w3c=W3C["TriG"],
        graph_subset="turtle",
    ),
    Format(
        "nquads",
        DATASET,
        ("application/n-quads", "text/x-nquads"),
        names=("n-quads", "nq"),
        suffixes=(".nq",),
        rdflib="nquads",
        oxigraph=ox.RdfFormat.N_QUADS,
        w3c=W3C["N-Quads"],
        graph_subset="nt",
    ),
    Format(
        "json",
        RESULTS,
        ("application/sparql-results+json", "application/json"),
        names=("srj",),
        w3c=W3C["SPARQL_Results_JSON"],
    ),
    Format(
        "xml",
        RESULTS,
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        names=("srx",),
        w3c=W3C["SPARQL_Results_XML"],
    ),
    Format("csv", RESULTS, ("text/csv",), suffixes=(".csv",), w3c=W3C["SPARQL_Results_CSV"]),
    Format(
        "tsv",
        RESULTS,
        ("text/tab-separated-values",),
        suffixes=(".tsv",),
        w3c=W3C["SPARQL_Results_TSV"],
    ),
)
"""Every format, in order of preference within its family: the first RDF format (Turtle) and
the first results format (JSON) answer a client that accepts anything."""

RDF_BY_NAME: dict[str, Format] = {f.name: f for f in REGISTRY if f.is_rdf}
"""The RDF formats (graphs and datasets) by short name."""
RESULTS_BY_NAME: dict[str, Format] = {f.name: f for f in REGISTRY if not f.is_rdf}
"""The SELECT/ASK result formats by short name."""

RDF_FORMATS: dict[str, str] = {name: f.media_type for name, f in RDF_BY_NAME.items()}
"""Short name → media type for RDF (CONSTRUCT/DESCRIBE results and dumps)."""
RESULT_FORMATS: dict[str, str] = {name: f.media_type for name, f in RESULTS_BY_NAME.items()}
"""Short name → media type for SELECT/ASK results."""
SUFFIX_MEDIA_TYPES: dict[str, str] = {s: f.media_type for f in REGISTRY for s in f.suffixes}
"""File suffix → media type."""


def family(graph: bool) -> dict[str, Format]:
    """The RDF formats for a graph result, the result formats otherwise."""
    return RDF_BY_NAME if graph else RESULTS_BY_NAME


def media_types(graph: bool) -> list[str]:
    """The media types a result can be written as, the preferred (default) one first: RDF
    formats for a graph result, SELECT/ASK result formats otherwise; other names last."""
    formats = family(graph).values()
    return [*(f.media_type for f in formats), *(m for f in formats for m in f.media_types[1:])]


def format_for(token: str, graph: bool) -> str | None:
    """The short name of the format ``token`` designates (a short name, another name or a media
    type, as clients send in ``Accept`` or ``format=``), or None if it names none for this kind
    of result."""
    token = token.strip().lower()
    formats = family(graph)
    if token in formats:
        return token
    for f in formats.values():
        if token in f.media_types or token in f.names:
            return f.name
    return None


def accept_header(*wanted: tuple[str, float], graph: bool) -> str:
    """An ``Accept`` header asking for the named formats with their qualities (1 is left out)."""
    formats = family(graph)
    return ", ".join(
        formats[name].media_type + ("" if q == 1 else f";q={q:g}") for name, q in wanted
    )


def graph_format_of(media: str, default: str = "turtle") -> Format:
    """The graph format of an answer sent as ``media``; ``default`` for a type no graph format
    has (Turtle reads N-Triples too)."""
    for f in RDF_BY_NAME.values():
        if f.kind == GRAPH and media in f.media_types:
            return f
    return RDF_BY_NAME[default]


def file_format(path: Path) -> Format:
    """The RDF format of a file, from its suffix; :class:`LoadError` for any other file."""
    suffix = path.suffix.lower()
    for f in RDF_BY_NAME.values():
        if suffix in f.suffixes:
            return f
    accepted = ", ".join(sorted(s for f in RDF_BY_NAME.values() for s in f.suffixes))
    raise LoadError(path, f"unknown RDF file type; accepted: {accepted}")
