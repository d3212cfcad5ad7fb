"""What the workbench's pages show, read from the curated data: the registry of source texts with
how many statements each attests, the passages of a text already curated (from their position
selectors), and the text cut into segments so that a page can highlight those passages and a
script can tell where in the raw text a selection starts and ends."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.rdf.namespaces import OA, PT
from kg.sources.registry import FILE_NAME, SOURCE, SourceRecord, record_of, records

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,200}$")
"""The last segment of an IRI the workbench takes from a URL (``doc-000``, a statement's)."""


class NotFound(LookupError):
    """A page about something the data does not hold (404); the message says what."""


@dataclass(frozen=True)
class Source:
    """A row of the registry."""

    name: str
    iri: str
    file: str | None
    title: str | None
    published: str | None
    statements: int


@dataclass(frozen=True)
class Passage:
    """A curated passage of a text: ``text[start:end]``, quoted by ``statement``."""

    start: int
    end: int
    statement: str
    slug: str
    label: str


@dataclass(frozen=True)
class Segment:
    """A run of the text that starts at ``start`` (code points) and is quoted by
    ``statements`` (none: not curated)."""

    start: int
    text: str
    statements: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()


def registry(graph: Graph, statement_classes: frozenset[URIRef]) -> list[Source]:
    """Every source document with the number of statements quoted from it."""
    counts: dict[URIRef, set[URIRef]] = defaultdict(set)
    for body, document in _bodies_by_document(graph):
        if any(t in statement_classes for t in graph.objects(body, RDF.type)):
            counts[document].add(body)
    return [
        Source(
            name=str(r.iri)[len(SOURCE) :],
            iri=str(r.iri),
            file=r.file,
            title=r.title,
            published=str(r.published) if r.published is not None else None,
            statements=len(counts[r.iri]),
        )
        for r in records(graph)
    ]


def _bodies_by_document(graph: Graph) -> list[tuple[URIRef, URIRef]]:
    found = []
    for annotation, body in graph.subject_objects(OA.hasBody):
        for target in graph.objects(annotation, OA.hasTarget):
            document = graph.value(target, OA.hasSource)
            if isinstance(body, URIRef) and isinstance(document, URIRef):
                found.append((body, document))
    return found


def source_record(graph: Graph, name: str) -> SourceRecord:
    """The record of ``source:<name>``; :class:`NotFound` when there is none."""
    iri = URIRef(SOURCE + name)
    if not SLUG.match(name) or (iri, RDF.type, PT.SourceDocument) not in graph:
        raise NotFound(f"no source document {name!r} is registered")
    return record_of(graph, iri)


def source_text(record: SourceRecord, corpus: Path) -> str:
    """The text of ``record`` from the corpus folder: only a file named as the registry names
    texts (``NNN_<hash>.txt``), directly in the folder."""
    if not record.file or not FILE_NAME.match(record.file):
        raise NotFound(f"{record.iri} names no text file of the corpus")
    path = corpus / record.file
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotFound(f"cannot read {record.file} in the corpus folder {corpus}: {exc}") from None


def passages(graph: Graph, document: URIRef) -> list[Passage]:
    """The passages of ``document`` curated so far, from their ``oa:TextPositionSelector``, in
    the order of the text."""
    found = []
    for body, target in _targets(graph, document):
        for selector in graph.objects(target, OA.hasSelector):
            start, end = graph.value(selector, OA.start), graph.value(selector, OA.end)
            if isinstance(start, Literal) and isinstance(end, Literal):
                label = graph.value(body, RDFS.label)
                found.append(
                    Passage(
                        int(start),
                        int(end),
                        str(body),
                        str(body).rsplit("/", 1)[-1],
                        str(label) if label is not None else str(body),
                    )
                )
    return sorted(found, key=lambda p: (p.start, p.end, p.statement))


def _targets(graph: Graph, document: URIRef) -> list[tuple[URIRef, Node]]:
    found: list[tuple[URIRef, Node]] = []
    for target in graph.subjects(OA.hasSource, document):
        for annotation in graph.subjects(OA.hasTarget, target):
            body = graph.value(annotation, OA.hasBody)
            if isinstance(body, URIRef):
                found.append((body, target))
    return found


def segments(text: str, curated: list[Passage]) -> list[Segment]:
    """``text`` cut at every start and end of a curated passage; each piece knows which
    passages cover it (overlapping passages make pieces covered by several)."""
    cuts = sorted({0, len(text)} | {p.start for p in curated} | {p.end for p in curated})
    cuts = [c for c in cuts if 0 <= c <= len(text)]
    pieces = []
    for start, end in itertools.pairwise(cuts):
        over = [p for p in curated if p.start <= start and end <= p.end]
        pieces.append(
            Segment(
                start,
                text[start:end],
                tuple(p.statement for p in over),
                tuple(p.label for p in over),
            )
        )
    return pieces
