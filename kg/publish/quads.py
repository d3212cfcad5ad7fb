"""The quads an export is made of: read from a build or a file, and put in canonical order.

A quad is four rdflib terms, the graph ``None`` for the default graph. :func:`canonical` labels
blank nodes by RDFC-1.0 and sorts, so every serialiser writes the same graph as the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.pipeline.build import checked_source
from kg.rdf.formats import LoadError, file_format
from kg.store.base import Quad
from kg.store.terms import from_ox, from_ox_graph, to_ox_quad

Triple = tuple[Node, Node, Node]


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown graph, unwritable term, …)."""


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
    return [from_ox_quad(q) for q in parsed]


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


def from_ox_quad(quad: ox.Quad) -> Quad:
    """A pyoxigraph quad as rdflib terms."""
    graph = from_ox_graph(quad.graph_name)
    return (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object), graph)


# --- canonical order ------------------------------------------------------------------------------


def canonical(quads: Iterable[Quad], *, merge: bool = False) -> list[Quad]:
    """The quads with blank nodes relabelled by RDFC-1.0, deduplicated and sorted; with
    ``merge`` all graphs are merged into the default graph first."""
    try:
        dataset = ox.Dataset(to_ox_quad(s, p, o, None if merge else g) for s, p, o, g in quads)
    except (ValueError, TypeError) as exc:
        raise ExportError(f"cannot export this graph: {exc}") from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((from_ox_quad(q) for q in dataset), key=quad_key)


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
    return (term_key(g), term_key(s), predicate_key(p), term_key(o))


def predicate_key(p: Node) -> tuple:
    return (0, "") if p == RDF.type else (1, str(p))
