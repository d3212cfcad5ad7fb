"""What the repository records about each source text, and how a new record is written.

A source text stays in the corpus folder (``kg.sources.corpus``); ``data/sources.ttl`` describes
it as a ``pt:SourceDocument`` in standard vocabularies: its file name (``dcterms:identifier``),
its SHA-256 as DCAT 3 records a file's checksum (``spdx:checksum [ spdx:algorithm
spdx:checksumAlgorithm_sha256 ; spdx:checksumValue "…" ]``), its headline (``dcterms:title``),
its outlet (``dcterms:publisher``, an actor of the graph), its publication date (``pt:date`` with
``pt:datePrecision``), its address and an archived copy's (``schema:url``,
``schema:archivedAt``), its language (``dcterms:language``, a BCP 47 tag) and a licence note
(``dcterms:rights``). What a text does not tell stays unrecorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from kg.rdf.namespaces import ID, PT, SCHEMA, SPDX
from kg.rdf.periods import PRECISION_IRIS, PRECISIONS, PeriodError, parse_period
from kg.rdf.terms import BadIRI, checked_iri

SOURCE = f"{ID}source/"
ACTOR = f"{ID}actor/"
FILE_NAME = re.compile(r"^([0-9]{3})_[0-9a-f]{16}\.txt$")
"""A text's file name in the corpus folder: its number, then the first 16 hex digits of its
SHA-256 (the shapes check the same pattern)."""
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
"""A BCP 47 tag's form, its primary subtag two or three letters as every tag in use has
(``en``, ``uk``, ``pt-BR``); the shapes check the same pattern."""
KINDS = {
    "news-report": PT.NewsReport,
    "state-media-report": PT.StateMediaReport,
    "analyst-report": PT.AnalystReport,
}
"""The ``pt:sourceKind`` a new record can take, by the name ``kg sources add --kind`` uses."""


class RecordError(ValueError):
    """A value a record cannot hold (a bad date, address or language tag); the message is one
    line naming the option."""


@dataclass(frozen=True)
class SourceRecord:
    """One ``pt:SourceDocument`` as the graph records it; None where nothing is recorded."""

    iri: URIRef
    file: str | None
    sha256: str | None = None
    title: str | None = None
    outlet: URIRef | None = None
    published: Literal | None = None
    precision: URIRef | None = None
    url: URIRef | None = None
    archived_url: URIRef | None = None
    language: str | None = None
    licence: str | None = None


def records(graph: Graph) -> list[SourceRecord]:
    """Every source document of ``graph``, in the order of their IRIs."""
    documents = {s for s in graph.subjects(RDF.type, PT.SourceDocument) if isinstance(s, URIRef)}
    return [record_of(graph, iri) for iri in sorted(documents)]


def record_of(graph: Graph, iri: URIRef) -> SourceRecord:
    """What ``graph`` records about the source document ``iri``."""

    def text(prop: URIRef) -> str | None:
        value = graph.value(iri, prop)
        return None if value is None else str(value)

    def iri_of(prop: URIRef) -> URIRef | None:
        value = graph.value(iri, prop)
        return value if isinstance(value, URIRef) else None

    published = graph.value(iri, PT.date)
    return SourceRecord(
        iri=iri,
        file=text(DCTERMS.identifier),
        sha256=_sha256_of(graph, iri),
        title=text(DCTERMS.title),
        outlet=iri_of(DCTERMS.publisher),
        published=published if isinstance(published, Literal) else None,
        precision=iri_of(PT.datePrecision),
        url=iri_of(SCHEMA.url),
        archived_url=iri_of(SCHEMA.archivedAt),
        language=text(DCTERMS.language),
        licence=text(DCTERMS.rights),
    )


def _sha256_of(graph: Graph, iri: URIRef) -> str | None:
    for checksum in graph.objects(iri, SPDX.checksum):
        if (checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256) in graph:
            value = graph.value(checksum, SPDX.checksumValue)
            if value is not None:
                return str(value)
    return None


def file_name(number: int, sha256: str) -> str:
    """The corpus file name of text number ``number``: ``NNN_<sha256[:16]>.txt``."""
    return f"{number:03d}_{sha256[:16]}.txt"


def numbers(graph: Graph, corpus_files: Iterable[str]) -> Iterator[int]:
    """The numbers already taken: by a record's IRI (``source:doc-NNN``) or file name, or by a
    file in the corpus folder."""
    for record in records(graph):
        if (match := re.fullmatch(r"doc-([0-9]+)", str(record.iri)[len(SOURCE) :])) is not None:
            yield int(match.group(1))
        if record.file and (match := FILE_NAME.match(record.file)) is not None:
            yield int(match.group(1))
    for name in corpus_files:
        if (match := FILE_NAME.match(name)) is not None:
            yield int(match.group(1))


def published_date(text: str) -> tuple[Literal, URIRef]:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the ``pt:date`` literal and its precision."""
    try:
        period = parse_period(text, name="--published")
    except PeriodError as exc:
        raise RecordError(str(exc)) from None
    datatype = next(d for d, name in PRECISIONS.items() if name == period.precision)
    precision = next(p for p, name in PRECISION_IRIS.items() if name == period.precision)
    return Literal(period.text, datatype=datatype), precision


def web_address(text: str, option: str) -> URIRef:
    """``text`` as an http(s) address, or :class:`RecordError` naming ``option``."""
    try:
        iri = checked_iri(text)
    except BadIRI as exc:
        raise RecordError(f"{option}: {exc}") from None
    if not re.match(r"^https?://[^/?#]+", text, flags=re.I):
        raise RecordError(f"{option}: {text!r} is not an http:// or https:// address")
    return iri


def language_tag(text: str) -> str:
    """``text`` if it has the form of a BCP 47 language tag (``en``, ``uk``, ``pt-BR``)."""
    if not LANGUAGE_TAG.match(text):
        raise RecordError(f"--language: {text!r} is not a BCP 47 language tag such as en or uk")
    return text


def find_outlet(graph: Graph, name: str) -> URIRef | None:
    """The actor whose ``rdfs:label`` or ``skos:altLabel`` is ``name`` (ignoring case), if one
    is; several matches are taken in IRI order."""
    wanted = name.strip().casefold()
    found = sorted(
        subject
        for prop in (RDFS.label, SKOS.altLabel)
        for subject, label in graph.subject_objects(prop)
        if isinstance(subject, URIRef)
        and str(subject).startswith(ACTOR)
        and str(label).strip().casefold() == wanted
    )
    return found[0] if found else None


def record_turtle(record: SourceRecord, kind: URIRef) -> str:
    """``record`` as a block of ``data/sources.ttl``, in its style (prefixed names, one property
    a line); ``kind`` is its ``pt:sourceKind``."""
    number = str(record.iri)[len(SOURCE) :].removeprefix("doc-")
    title = f": {record.title}" if record.title else f" ({record.file})"
    lines = [
        f"source:{str(record.iri)[len(SOURCE) :]} a pt:SourceDocument",
        f"rdfs:label {Literal(f'Source document {number}{title}', lang='en').n3()}",
        f"dcterms:identifier {Literal(record.file).n3()}",
    ]
    if record.title:
        lines.append(f"dcterms:title {Literal(record.title, lang=record.language).n3()}")
    if record.outlet is not None:
        lines.append(f"dcterms:publisher actor:{str(record.outlet)[len(ACTOR) :]}")
    if record.published is not None:
        lines.append(f"pt:date {_typed(record.published)}")
    precision = record.precision or PT.UnknownDate
    lines.append(f"pt:datePrecision pt:{str(precision)[len(str(PT)) :]}")
    lines.append(f"pt:sourceKind pt:{str(kind)[len(str(PT)) :]}")
    if record.language:
        lines.append(f"dcterms:language {Literal(record.language).n3()}")
    if record.licence:
        lines.append(f"dcterms:rights {Literal(record.licence).n3()}")
    for prop, address in (("schema:url", record.url), ("schema:archivedAt", record.archived_url)):
        if address is not None:
            lines.append(f"{prop} <{address}>")
    lines.append(
        "spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ;\n"
        f'        spdx:checksumValue "{record.sha256}" ]'
    )
    return " ;\n    ".join(lines) + " .\n"


def _typed(value: Literal) -> str:
    datatype = value.datatype or XSD.string
    return f'"{value}"^^xsd:{str(datatype)[len(str(XSD)) :]}'


PREFIXES = {
    "pt": str(PT),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcterms": str(DCTERMS),
    "actor": ACTOR,
    "source": SOURCE,
    "schema": str(SCHEMA),
    "spdx": str(SPDX),
}
"""The prefixes a written record uses."""


def with_prefixes(text: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """``text`` (a Turtle file) with an ``@prefix`` line for each of ``prefixes`` it does not
    declare yet, added after its last one in its column layout."""
    declared = re.findall(r"^@prefix\s+(\w*):", text, flags=re.M)
    missing = [name for name in prefixes if name not in declared]
    if not missing:
        return text
    last = list(re.finditer(r"^@prefix\s+\w*:(\s*)<[^>]*>\s*\.[ \t]*$", text, flags=re.M))
    width = len("@prefix ") + max((len(n) + 1 for n in [*declared, *missing]), default=0) + 1
    added = "".join(f"\n{f'@prefix {name}:'.ljust(width)}<{prefixes[name]}> ." for name in missing)
    if not last:
        return added.lstrip("\n") + "\n\n" + text
    end = last[-1].end()
    return text[:end] + added + text[end:]
