"""Whether the corpus folder still holds what the records describe: each record's text present
with the SHA-256 it records, no text that no record names, and every quote in its text.

:func:`check_sources` is what ``kg sources check`` and ``kg validate`` run; :func:`statuses` is
what ``kg sources list`` shows. A problem is one line; a warning (a text no record names) is told
but does not make the check fail."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kg.fsutil import file_sha256
from kg.sources.quotes import check_quotes
from kg.sources.registry import SourceRecord, records


@dataclass(frozen=True)
class SourceProblem:
    """What does not hold of one record or file (``subject``: an IRI or a file name)."""

    subject: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass(frozen=True)
class TextStatus:
    """A record and its text in the corpus folder: ``actual`` is the text's SHA-256, or None
    when the text is missing or unreadable."""

    record: SourceRecord
    actual: str | None

    @property
    def present(self) -> bool:
        return self.actual is not None

    @property
    def hash_ok(self) -> bool | None:
        """Whether the text has the recorded SHA-256; None when there is nothing to compare."""
        if self.actual is None or self.record.sha256 is None:
            return None
        return self.actual == self.record.sha256


def statuses(graph: Graph, corpus: Path) -> list[TextStatus]:
    """Each record of ``graph`` with the SHA-256 of its text in ``corpus``."""
    return [TextStatus(record, _actual(corpus, record.file)) for record in records(graph)]


def _actual(corpus: Path, name: str | None) -> str | None:
    if name is None or Path(name).name != name:
        return None
    try:
        return file_sha256(corpus / name)
    except OSError:
        return None


def check_sources(graph: Graph, corpus: Path) -> list[SourceProblem]:
    """Every problem of the records in ``graph`` against the texts in ``corpus``, then the
    quotes' (:func:`kg.sources.quotes.check_quotes`), then the unnamed texts (warnings)."""
    problems: list[SourceProblem] = []
    found = statuses(graph, corpus)
    for status in found:
        record, iri = status.record, str(status.record.iri)
        if record.file is None:
            problems.append(SourceProblem(iri, "names no file (dcterms:identifier)"))
        elif not status.present:
            problems.append(SourceProblem(iri, f"its text {record.file} is not in {corpus}"))
        elif record.sha256 is None:
            problems.append(
                SourceProblem(iri, f"records no SHA-256 of {record.file}", warning=True)
            )
        elif status.hash_ok is False:
            problems.append(
                SourceProblem(
                    record.file,
                    f"the text has changed: its SHA-256 is {status.actual}, "
                    f"{iri} records {record.sha256}",
                )
            )
    for quote in check_quotes(graph, corpus):
        where = f" ({quote.document})" if quote.document else ""
        problems.append(SourceProblem(f"{quote.annotation}{where}", quote.message))
    named = {status.record.file for status in found}
    for path in sorted(corpus.iterdir()):
        if path.is_file() and not path.name.startswith(".") and path.name not in named:
            problems.append(SourceProblem(path.name, "no record names this text", warning=True))
    return problems
