"""Export the graph for other research graphs: RDF dumps and CSV tables.

Every RDF format is deterministic: blank nodes are labelled by RDFC-1.0 first and everything is
written in sorted order, so the same graph always gives the same bytes and dumps diff cleanly.

- ``turtle``: pretty Turtle (prefixes, one block per subject, blank nodes nested as ``[ … ]``)
- ``nt``: sorted N-Triples; ``nquads``: sorted N-Quads; ``trig``: pretty TriG — both keep the
  named graphs (one per curated file, plus ``graph:inferred``/``graph:derived`` when selected)
- ``jsonld``: compact JSON-LD with the published context (``kg/context.jsonld``) embedded
- ``xml``: RDF/XML
- ``csv``: one table for spreadsheets: ``statements``, ``demands`` or ``actors``
- ``nanopub``: one nanopublication per current position statement, as TriG (``nanopub``)

What is exported is a :class:`Selection` of the build's named graphs: by default the curated data
only (``graph/data/…``), optionally with the ontology, the shapes, the entailments, the derived
facts, or exactly one named graph. :func:`select` is the one place that decides. Each writer has
its module (``turtle``, ``jsonld``, ``rdfxml``, ``tables``); this one picks among them.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import IdentifiedNode

from kg.fsutil import atomic_write
from kg.publish.jsonld import jsonld
from kg.publish.nanopub import nanopub_trig
from kg.publish.quads import ExportError, Quad, canonical
from kg.publish.rdfxml import rdfxml
from kg.publish.tables import csv_table
from kg.publish.turtle import trig, turtle
from kg.publish.void import license_of
from kg.rdf.formats import DATASET, RDF_BY_NAME, RESULTS_BY_NAME, Format
from kg.rdf.namespaces import DERIVED_GRAPH, GRAPH, INFERRED_GRAPH
from kg.store.serialize import sorted_lines
from kg.store.terms import to_ox_quad, to_ox_triple

EXPORTS: dict[str, Format] = {**RDF_BY_NAME, "csv": RESULTS_BY_NAME["csv"]}
"""Export format → its record in the format registry: every RDF format, and CSV for tables."""
NANOPUB = "nanopub"
"""The export of one nanopublication per current statement (``kg.publish.nanopub``), written as
TriG: its media type and suffix are TriG's record. Not a dump of the graph, so neither in
:data:`EXPORTS` nor in :data:`EXTENSIONS` (releases and downloads write each of those)."""
NANOPUB_FORMAT = RDF_BY_NAME["trig"]
FORMATS: dict[str, str] = {
    **{name: f.media_type for name, f in EXPORTS.items()},
    NANOPUB: NANOPUB_FORMAT.media_type,
}
"""Export format → media type."""
EXTENSIONS: dict[str, str] = {name: f.suffix for name, f in EXPORTS.items()}
"""Export format → the suffix of a file in it."""
QUAD_FORMATS = tuple(name for name, f in RDF_BY_NAME.items() if f.kind == DATASET)
"""Formats that keep the named graphs; the others write the union of the selected graphs."""

KINDS = ("data", "ontology", "shapes", "inferred", "derived")
"""The kinds of named graph in a build."""


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

    def wants(self, graph: IdentifiedNode | None) -> bool:
        if self.graph is not None:
            return graph == self.graph
        return bool(getattr(self, graph_kind(graph)))


EVERYTHING = Selection(ontology=True, shapes=True, inferred=True, derived=True)


def graph_kind(graph: IdentifiedNode | None) -> str:
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


# --- the dump ------------------------------------------------------------------------------------


def export(
    quads: Iterable[Quad],
    fmt: str,
    *,
    table: str = "statements",
    context: str | None = None,
    ontology: Iterable[Quad] = (),
    created: dt.datetime | None = None,
    trusty: bool = False,
) -> bytes:
    """The (already selected) quads in ``fmt``. JSON-LD embeds its ``@context`` unless
    ``context`` gives an IRI to reference; ``ontology`` gives CSV tables the class hierarchy and
    nanopublications the licence; ``created`` is a nanopublication's creation time where its
    statement records none, and ``trusty`` gives nanopublications trusty URIs."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; accepted: {', '.join(FORMATS)}")
    quads = list(quads)
    if fmt == NANOPUB:
        licence = license_of(ontology)
        return nanopub_trig(quads, created=created, license=licence, trusty=trusty)
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
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with atomic_write(Path(out), overwrite=force) as handle:
        handle.write(data)


def _ntriples_lines(quads: list[Quad], *, with_graph: bool) -> bytes:
    if with_graph:
        return sorted_lines([to_ox_quad(*q) for q in quads], ox.RdfFormat.N_QUADS)
    return sorted_lines([to_ox_triple(s, p, o) for s, p, o, _ in quads], ox.RdfFormat.N_TRIPLES)
