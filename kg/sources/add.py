"""Registering a new source text: copy it into the corpus folder under its number and hash, add
its record to ``data/sources.ttl``, and keep both only if the project still validates.

Everything the curator gives is checked before anything is written (:class:`SourceRefused`,
one line); once the text and the record are written the project is validated, and a refusal —
or any failure — puts both files back as they were."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from kg.fsutil import atomic_write, sha256_hex
from kg.pipeline.load import load_project
from kg.pipeline.validate import ValidationResult, validate_project
from kg.sources.check import statuses
from kg.sources.registry import (
    KINDS,
    SOURCE,
    SourceRecord,
    file_name,
    find_outlet,
    language_tag,
    numbers,
    published_date,
    record_turtle,
    web_address,
    with_prefixes,
)

SOURCES_FILE = Path("data") / "sources.ttl"
"""Where the records are, relative to the project root."""
LAST_NUMBER = 999


class SourceRefused(Exception):
    """The text cannot be registered (one line); ``validation`` holds the violations when the
    project did not validate with the new record."""

    def __init__(self, message: str, validation: ValidationResult | None = None) -> None:
        super().__init__(message)
        self.validation = validation


@dataclass(frozen=True)
class NewSource:
    """What the curator says about a text; None where the text does not tell."""

    title: str | None = None
    published: str | None = None
    url: str | None = None
    archived_url: str | None = None
    outlet: str | None = None
    language: str | None = None
    licence: str | None = None
    kind: str = "news-report"


def add_source(
    text: Path, corpus: Path, details: NewSource, root: Path | None = None
) -> SourceRecord:
    """Register the text file ``text``: copy it into ``corpus`` as ``NNN_<sha256[:16]>.txt``
    and add its record ``source:doc-NNN`` to ``data/sources.ttl``; the new record is returned.
    Raises :class:`SourceRefused`, writing nothing, for a missing corpus folder, a text that
    cannot be read as UTF-8, a text already registered, a bad detail, or a project that does not
    validate with the record; :class:`kg.pipeline.load.LoadError` for a project that cannot be
    loaded."""
    if not corpus.is_dir():
        raise SourceRefused(f"the corpus folder {corpus} does not exist or is not a folder")
    data = _read_text(text)
    project = load_project(root)
    graph = project.graph("data")
    sha256 = sha256_hex(data)
    _refuse_registered(graph, corpus, sha256, text)
    taken = list(numbers(graph, (p.name for p in corpus.iterdir())))
    number = max(taken, default=-1) + 1
    if number > LAST_NUMBER:
        raise SourceRefused(f"no number left for a new text (the last is {LAST_NUMBER:03d})")
    record = _record(graph, details, number, sha256)
    path = project.root / SOURCES_FILE
    before = path.read_bytes() if path.exists() else None
    after = inserted((before or b"").decode("utf-8"), record_turtle(record, KINDS[details.kind]))
    copy = corpus / str(record.file)
    with atomic_write(copy, overwrite=False) as handle:
        handle.write(data)
    try:
        with atomic_write(path) as handle:
            handle.write(after.encode("utf-8"))
        result = validate_project(load_project(project.root))
        if not result.conforms:
            raise SourceRefused(
                f"the project does not validate with {record.iri}; nothing was added", result
            )
    except BaseException:
        _put_back(path, before)
        copy.unlink(missing_ok=True)
        raise
    return record


def _read_text(text: Path) -> bytes:
    try:
        data = text.read_bytes()
    except OSError as exc:
        raise SourceRefused(f"cannot read {text}: {exc.strerror or exc}") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceRefused(f"{text} is not UTF-8 text (byte {exc.start})") from None
    return data


def _refuse_registered(graph: Graph, corpus: Path, sha256: str, text: Path) -> None:
    """A text whose SHA-256 a record holds, or whose named file has, is registered already."""
    for status in statuses(graph, corpus):
        if sha256 in (status.record.sha256, status.actual):
            raise SourceRefused(
                f"{text} is registered already as {status.record.iri} ({status.record.file})"
            )


def _record(graph: Graph, details: NewSource, number: int, sha256: str) -> SourceRecord:
    """The record of text ``number`` from ``details``, each checked (:class:`SourceRefused`)."""
    try:
        published, precision = (
            published_date(details.published) if details.published else (None, None)
        )
        url = web_address(details.url, "--url") if details.url else None
        archived = (
            web_address(details.archived_url, "--archived-url") if details.archived_url else None
        )
        language = language_tag(details.language) if details.language else None
    except ValueError as exc:
        raise SourceRefused(str(exc)) from None
    outlet = None
    if details.outlet:
        outlet = find_outlet(graph, details.outlet)
        if outlet is None:
            raise SourceRefused(
                f"--outlet {details.outlet!r} is no actor: add the outlet to data/actors.ttl "
                "(a pt:MediaOutlet with that rdfs:label or skos:altLabel), or leave --outlet out"
            )
    if details.kind not in KINDS:
        raise SourceRefused(f"--kind {details.kind!r} is not one of {', '.join(KINDS)}")
    return SourceRecord(
        iri=URIRef(f"{SOURCE}doc-{number:03d}"),
        file=file_name(number, sha256),
        sha256=sha256,
        title=details.title or None,
        outlet=outlet,
        published=published,
        precision=precision,
        url=url,
        archived_url=archived,
        language=language,
        licence=details.licence or None,
    )


_DOCUMENT = re.compile(r"^source:doc-[0-9]+ a pt:SourceDocument\b", flags=re.M)
_BLOCK_END = re.compile(r" \.[ \t]*$", flags=re.M)


def inserted(text: str, block: str) -> str:
    """``text`` (data/sources.ttl) with the prefixes ``block`` needs and ``block`` after the
    last source document's record (at the end when there is none), a blank line either side."""
    text = with_prefixes(text)
    starts = list(_DOCUMENT.finditer(text))
    end = _BLOCK_END.search(text, starts[-1].end()) if starts else None
    if end is None:
        return text.rstrip("\n") + "\n\n" + block
    return text[: end.end()] + "\n\n" + block.rstrip("\n") + text[end.end() :]


def _put_back(path: Path, before: bytes | None) -> None:
    if before is None:
        path.unlink(missing_ok=True)
        return
    with atomic_write(path) as handle:
        handle.write(before)
