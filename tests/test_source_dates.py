"""Every day-precision date in data/*.ttl comes from a source that gives that day.

A day-precision ``pt:date`` (an ``xsd:date``) on a statement, event, role assignment or date report is checked
against its basis, using the source documents of its evidence (``pt:evidence`` → ``oa:hasTarget`` →
``oa:hasSource``):

- ``pt:AsOfReport``: the date equals (same lexical form and datatype) the ``pt:reportDate`` of one of those
  source documents. This holds for every precision, not only days.
- otherwise (``pt:StatedDate``, or no date basis as on events and role assignments): the day is written in one
  of those texts, as "Month D", "D Month", "Month D, YYYY", "D Month YYYY" or "DD.MM.YYYY". When a year is
  written with the day it must be the date's year; a day written without a year is accepted (the year is then
  inferred from context, which the curator says in an rdfs:comment).
- one exception: a resource whose own sources do not write the day, but which is ``pt:atEvent`` an event with
  the same ``pt:date`` whose own evidence does, passes if it says so in an ``rdfs:comment``.

Every offender is reported with its IRI, date and sources. The seeds folder is ``$PTKG_SEEDS`` if set, else
``<repo>/../shared/seeds``; when it is missing the tests are skipped, except under ``CI``, where they fail.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from tests.sources import OA, PT, data_graph, document_text, seeds_folder


def short(iri: URIRef) -> str:
    return data_graph().namespace_manager.normalizeUri(iri)


def sources_of(resource: URIRef) -> set[URIRef]:
    """The source documents of the resource's evidence annotations."""
    graph = data_graph()
    return {
        source
        for annotation in graph.objects(resource, PT.evidence)
        for target in graph.objects(annotation, OA.hasTarget)
        for source in graph.objects(target, OA.hasSource)
    }


def identifier(source: URIRef) -> str:
    return str(data_graph().value(source, DCTERMS.identifier))


def day_is_written(day: date, text: str) -> bool:
    """Whether ``text`` writes ``day`` as one of the accepted forms (a written year must match)."""
    month = calendar.month_name[day.month]
    d = str(day.day)
    if re.search(rf"(?<!\d)0?{day.day}\.0?{day.month}\.{day.year}(?!\d)", text):
        return True
    year_after = r"(?:,? (?P<year>\d{4}))?"
    patterns = (
        rf"\b{month} {d}(?!\d){year_after}",  # July 23 / June 14, 2024
        rf"(?<!\d){d} {month}\b{year_after}",  # 16 May / 2 June 2025
    )
    for pattern in patterns:
        for match in re.finditer(pattern, text):
            written = match.group("year")
            if written is None or int(written) == day.year:
                return True
    return False


def test_the_written_forms_are_recognised() -> None:
    text = "On June 14, 2024, … held on 16 May and 2 June 2025 … on July 23 … (15.05.2025)"
    assert day_is_written(date(2024, 6, 14), text)
    assert not day_is_written(date(2025, 6, 14), text)
    assert day_is_written(date(2025, 5, 16), text)
    assert day_is_written(date(2025, 6, 2), text)
    assert day_is_written(date(2025, 7, 23), text)
    assert day_is_written(date(2025, 5, 15), text)
    assert not day_is_written(date(2025, 7, 2), text)
    assert not day_is_written(date(2025, 5, 1), text)


def dated_resources() -> list[tuple[URIRef, Literal]]:
    graph = data_graph()
    found = [
        (subject, value)
        for subject, value in graph.subject_objects(PT.date)
        if isinstance(subject, URIRef) and isinstance(value, Literal)
    ]
    return sorted(found, key=lambda pair: str(pair[0]))


def problem(resource: URIRef, value: Literal) -> str | None:
    """Why the resource's pt:date is not backed by its sources, or None."""
    graph = data_graph()
    if (resource, RDF.type, PT.SourceDocument) in graph:
        return None  # a document's own publication date: the text it is dated by is the document
    sources = sources_of(resource)
    names = ", ".join(sorted(identifier(s) for s in sources)) or "no source"
    where = f"{short(resource)} {value} ({value.datatype and short(value.datatype)}) from {names}"
    basis = graph.value(resource, PT.dateBasis)
    if basis == PT.AsOfReport:
        reports = {graph.value(s, PT.reportDate) for s in sources} - {None}
        if not any(str(value) == str(r) and value.datatype == r.datatype for r in reports):
            shown = ", ".join(sorted(str(r) for r in reports)) or "none"
            return (
                f"{where}: as of report, but no source has this report date (report dates: {shown})"
            )
        return None
    if value.datatype != XSD.date:
        return None
    day = value.toPython()
    if not isinstance(day, date):
        return f"{where}: not a valid xsd:date"
    if any(day_is_written(day, document_text(identifier(s))) for s in sources):
        return None
    for event in graph.objects(resource, PT.atEvent):
        if graph.value(event, PT.date) == value and any(
            day_is_written(day, document_text(identifier(s))) for s in sources_of(event)
        ):
            if graph.value(resource, RDFS.comment) is not None:
                return None
            return (
                f"{where}: the day comes only from {short(event)}'s sources; "
                "say so in an rdfs:comment"
            )
    return f"{where}: the day is not written in its sources"


DATED = dated_resources()


def test_there_are_day_dates() -> None:
    assert any(value.datatype == XSD.date for _, value in DATED)


def test_every_day_and_as_of_report_date_is_backed_by_its_sources() -> None:
    seeds_folder()
    problems = [p for resource, value in DATED if (p := problem(resource, value))]
    assert not problems, f"{len(problems)} date(s) not backed by their sources:\n" + "\n".join(
        problems
    )
