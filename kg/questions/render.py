"""Answers and questions as text: a table for a reader, JSON (:meth:`Answer.to_json`) or CSV for
``kg ask --format``, and the questions with their parameters for ``/api/questions``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from rdflib import Graph, URIRef

from kg.questions.answers import Answer, Evidence, Item, Quote
from kg.questions.parameters import AskError
from kg.questions.registry import QUESTIONS, Question, Shape
from kg.rdf.namespaces import bind_prefixes

FORMATS = ("table", "json", "csv")
"""What ``kg ask --format`` accepts."""

CSV_COLUMNS = (
    "section",
    "category",
    "certainty",
    "party",
    "party_label",
    "position",
    "position_label",
    "other_party",
    "other_position",
    "statement",
    "role",
    "via",
    "date",
    "precision",
    "basis",
    "earliest",
    "latest",
    "speaker",
    "speaker_label",
    "stance",
    "source",
    "quote",
)
"""Columns of ``kg ask --format csv``: one row per quote of each evidence statement."""

_Short = Callable[[str], str]
"""An IRI as a prefixed name where a prefix fits."""


def render(answer: Answer, fmt: str) -> str:
    """The answer as text: ``table`` for a reader, ``json`` (:meth:`Answer.to_dict`) or ``csv``."""
    if fmt == "json":
        return answer.to_json()
    if fmt == "csv":
        return _csv(answer)
    if fmt == "table":
        return _table(answer)
    raise AskError(f"unknown format {fmt!r}; accepted: {', '.join(FORMATS)}")


def _csv(answer: Answer) -> str:
    """One row per quote of each statement: the items' evidence, then the undated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def rows(section: str, item: Item | None, ev: Evidence) -> None:
        position = item.position if item else ev.position
        base = [
            section,
            item.category if item and item.category else "",
            item.certainty if item else "",
            ev.party.iri,
            ev.party.label,
            position.iri,
            position.label,
            item.other_party.iri if item and item.other_party else "",
            item.other_position.iri if item and item.other_position else "",
            ev.statement,
            ev.role,
            ev.via.iri if ev.via else "",
            ev.date.value or "",
            ev.date.precision,
            ev.date.basis or "",
            ev.date.earliest or "",
            ev.date.latest or "",
            ev.speaker.iri,
            ev.speaker.label,
            ev.stance.label,
        ]
        for quote in ev.quotes or (Quote("", "", "", ""),):
            writer.writerow([*base, quote.identifier or quote.source, quote.quote])

    for item in answer.items:
        for ev in item.evidence:
            rows("answer", item, ev)
    for ev in answer.undated:
        rows("undated", None, ev)
    return out.getvalue()


def _table(answer: Answer) -> str:
    """The answer for a reader: items numbered across pages, IRIs as prefixed names."""
    graph = Graph()
    bind_prefixes(graph)
    nm = graph.namespace_manager

    def short(iri: str) -> str:
        return URIRef(iri).n3(nm)

    question = QUESTIONS[answer.question]
    lines = _table_head(answer, short)
    for n, item in enumerate(answer.items, answer.offset + 1):
        lines.extend(_item_lines(question, n, item, short))
    if not answer.items:
        lines.extend(["(no answer)", ""])
    if answer.undated:
        lines.append(f"Undated evidence (not placed in time): {len(answer.undated)}")
        for ev in answer.undated:
            lines.append(f"   {ev.position.label}:")
            lines.extend(_evidence_lines(ev, "   ", short))
        lines.append("")
    lines.extend(_table_foot(answer))
    return "\n".join(lines) + "\n"


def _table_head(answer: Answer, short: _Short) -> list[str]:
    """The question with its parameters, and the days bound into its query."""
    params = ", ".join(f"{k} {short(v) if '://' in v else v}" for k, v in answer.parameters.items())
    lines = [f"{answer.title} ({answer.question}: {params})"]
    if answer.bounds:
        lines.append(
            "  bound as "
            + ", ".join(f"?{k} = {v}" for k, v in answer.bounds.items())
            + f" in kg/queries/{answer.query}.rq"
        )
    lines.append("")
    return lines


def _item_lines(question: Question, n: int, item: Item, short: _Short) -> list[str]:
    """Item ``n``: its position (after its party where the question names it), category,
    certainty and other side; for a position, its IRI and when last attested; its evidence."""
    category = f"{item.category}, " if item.category else ""
    who = f"{item.party.label}: " if item.party and question.names_party else ""
    head = f"{n}. {who}{item.position.label} [{category}{item.certainty}]"
    if item.other_party:
        other = (
            f" ↔ {item.other_party.label}: {item.other_position.label}"
            if item.other_position and item.other_position != item.position
            else f" ← rejected by {item.other_party.label}"
        )
        head += other
    lines = [head]
    if question.shape is Shape.LIFECYCLE:
        sub = f"   {short(item.position.iri)}"
        if item.last_attested:
            sub += f" · last attested {item.last_attested.date}"
        lines.append(sub)
    for ev in item.evidence:
        lines.extend(_evidence_lines(ev, "   ", short))
    lines.append("")
    return lines


def _evidence_lines(ev: Evidence, indent: str, short: _Short) -> list[str]:
    """A statement (date, precision, role, speaker, stance, party) and its quotes; a date as of a
    report reads "by" the date, a statement of a package says what it is part of."""
    when = ev.date.value or "undated"
    if ev.date.basis == "as-of" and ev.date.value:
        when = f"by {when}"
    head = (
        f"{indent}{when:<13} {ev.date.precision:<7} {ev.role:<12} {ev.speaker.label} "
        f"({ev.stance.label}) for {ev.party.label} — {short(ev.statement)}"
    )
    out = [head]
    if ev.via:
        out.append(f"{indent}{'':<13} stated as part of: {ev.via.label} ({short(ev.via.iri)})")
    for q in ev.quotes:
        out.append(f"{indent}{'':<13} {q.identifier or short(q.source)}: “{q.quote}”")
    return out


def _table_foot(answer: Answer) -> list[str]:
    """The counts (certain, uncertain, undated) and, for a page, which items it holds."""
    certain = sum(1 for i in answer.items if i.certain)
    lines = [
        f"({len(answer.items)} answer{'s' if len(answer.items) != 1 else ''}: {certain} certain, "
        f"{len(answer.items) - certain} uncertain; {len(answer.undated)} undated statement"
        f"{'s' if len(answer.undated) != 1 else ''})"
    ]
    if answer.offset or answer.next is not None:
        shown = f"items {answer.offset + 1}–{answer.offset + len(answer.items)}"
        if not answer.items:
            shown = f"no items after the first {answer.offset}"
        follows = (
            f"the next page starts at offset {answer.next}" if answer.next else "the last page"
        )
        lines.append(f"(a page: {shown}; {follows})")
    return lines


def questions_to_dict() -> list[dict[str, Any]]:
    """The questions and their parameters, JSON-ready (``/api/questions``)."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "queries": [f"{name}.rq" for name in q.query_names()],
            "modes": list(q.modes),
            "parameters": [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "help": p.help,
                    "required": p.required,
                    "default": p.default,
                    "choices": list(p.choices),
                    "aliases": list(p.aliases),
                }
                for p in q.parameters
            ],
        }
        for q in QUESTIONS.values()
    ]
