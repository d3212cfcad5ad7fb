"""The CSV inbox: position statements from a spreadsheet, one statement (or one more piece of its
evidence) a row, saved all or none (``kg import``).

The columns are those ``kg export --format csv --table statements`` writes (:data:`COLUMNS`), so
an exported table imports back as it was; :data:`REQUIRED` must be there. A cell holds a name as
:mod:`kg.curation.names` resolves it; a many-valued cell joins its names with ``"; "``. Rows with
the same ``id`` are one statement with several evidence annotations: a statement cell left empty
in a later row is the first row's, one that differs is a conflict. Every problem is reported at
once, each as ``file.csv:LINE: column: problem`` with LINE counted as in the file (the header is
line 1; a quoted cell over several lines counts each).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from kg.curation.names import Names, UnknownName
from kg.curation.records import EVIDENCE, STATEMENT, StatementDraft, date_literal
from kg.curation.terms import NewTerm, new_actor, new_position
from kg.publish.tables import JOIN  # how the exported tables join several names in a cell
from kg.rdf.namespaces import compact

COLUMNS = (
    "id",
    "date",
    "precision",
    "basis",
    "party",
    "speaker",
    "stance",
    "position",
    "source",
    "quote",
    "start",
    "evidence",
    "label",
    "note",
    "event",
    "framing",
    "according_to",
    "responds_to",
    "conditional_on",
    "lapses_with",
    "guarantor",
    "participant",
    "quantity",
    "curator",
)
"""The columns, in the order the export writes them."""
REQUIRED = ("source", "quote", "speaker", "party", "stance", "position", "date", "precision")
"""The columns a file must have; each cell of them must be filled but ``date`` (empty when the
precision is Unknown)."""
CREATE_ONLY = ("topic",)
"""A column read only with ``--create``: the topic a new position goes under."""
ONE = {
    "source": ("source", "source"),
    "speaker": ("speaker", "speaker"),
    "stance": ("stance", "stance"),
    "position": ("position", "position"),
    "precision": ("precision", "precision"),
    "basis": ("basis", "basis"),
    "according_to": ("according_to", "according_to"),
}
"""Single-name columns: the draft's field and the kind of name."""
MANY = {
    "party": ("parties", "party"),
    "event": ("events", "event"),
    "framing": ("framings", "framing"),
    "responds_to": ("responds_to", "statement"),
    "conditional_on": ("conditional_on", "position"),
    "lapses_with": ("lapses_with", "event"),
    "guarantor": ("guarantors", "guarantor"),
    "participant": ("participants", "participant"),
    "quantity": ("quantities", "quantity"),
}
"""Many-name columns: the draft's field and the kind of name."""
EVIDENCE_COLUMNS = ("source", "quote", "start", "evidence", "according_to")
"""The columns that describe a row's evidence rather than its statement."""
CREATABLE = {"speaker", "party", "guarantor", "participant", "according_to", "position"}
FIELD_COLUMNS = {"parties": "party", "events": "event", "framings": "framing"}
FIELD_COLUMNS |= {
    "guarantors": "guarantor",
    "participants": "participant",
    "quantities": "quantity",
}
"""A draft field whose column has another name."""


class UsageError(ValueError):
    """The file cannot be read as an inbox at all (missing, not CSV, a required column
    missing); one line."""


@dataclass(frozen=True)
class RowProblem:
    """A problem in the cell ``column`` (None: the row as a whole) of the row at ``line``
    (None: no one row's, such as a curator's record)."""

    line: int | None
    column: str | None
    message: str

    def format(self, name: str) -> str:
        at = f":{self.line}" if self.line is not None else ""
        where = f"{self.column}: " if self.column else ""
        return f"{name}{at}: {where}{self.message}"


@dataclass(frozen=True)
class Row:
    """A row's cells by column, and the line it starts on."""

    line: int
    cells: dict[str, str]


@dataclass
class Inbox:
    """What an inbox file made: a draft per good row (with its line), the new actors and
    positions asked for, and the problems."""

    drafts: list[StatementDraft] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    created: dict[str, NewTerm] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    ids: set[URIRef] = field(default_factory=set)
    """The statement ids the file gives (a row may respond to another row's statement)."""


def read_rows(text: str) -> tuple[list[str], list[Row]]:
    """The header and the rows of a CSV text, each row with the line it starts on; empty rows
    are skipped. :class:`UsageError` for a text that is not CSV."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        rows: list[Row] = []
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                padded = cells + [""] * (len(header) - len(cells))
                rows.append(Row(start, dict(zip(header, padded, strict=False))))
    except csv.Error as exc:
        raise UsageError(f"not a CSV file: {exc} (line {reader.line_num})") from None
    if not header or not any(header):
        raise UsageError("the file is empty: it needs a header row naming its columns")
    return header, rows


def header_problems(header: list[str], create: bool) -> list[RowProblem]:
    """Unknown and repeated columns (line 1); :class:`UsageError` for a missing required one."""
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UsageError(
            f"missing required column(s): {', '.join(missing)} (required: {', '.join(REQUIRED)})"
        )
    known = COLUMNS + (CREATE_ONLY if create else ())
    problems = [
        RowProblem(1, c, f"unknown column; the columns are {', '.join(known)}")
        for c in header
        if c not in known
    ]
    problems += [RowProblem(1, c, "the column is there twice") for c in _repeated(header)]
    return problems


def _repeated(header: list[str]) -> list[str]:
    return sorted({c for c in header if header.count(c) > 1})


def drafts_of_rows(rows: list[Row], names: Names, *, create: bool) -> Inbox:
    """The drafts of ``rows`` (rows of one id filled in from its first row), the new terms
    ``create`` allows, and every problem found."""
    inbox = Inbox()
    taken = set(names.kind_members("actor")) | set(names.kind_members("position"))
    for row in rows:
        given = _iri(row.line, "id", row.cells.get("id", "").strip(), STATEMENT, [])
        if given is not None:
            inbox.ids.add(given)
    for row in _filled(rows):
        draft = _draft(row, names, create, inbox, taken)
        if draft is not None:
            inbox.drafts.append(draft)
            inbox.lines.append(row.line)
    _conflicts(inbox)
    return inbox


def _filled(rows: list[Row]) -> Iterator[Row]:
    """Each row with the statement cells its id's first row gave and it left empty."""
    first: dict[str, Row] = {}
    for row in rows:
        key = row.cells.get("id", "").strip()
        earlier = first.setdefault(key, row) if key else row
        cells = dict(row.cells)
        for column, value in earlier.cells.items():
            if column not in EVIDENCE_COLUMNS and not cells.get(column, "").strip():
                cells[column] = value
        yield Row(row.line, cells)


def _conflicts(inbox: Inbox) -> None:
    """Drop each draft whose statement cells name other things than its id's first draft's,
    with a problem for each cell that does."""
    first: dict[URIRef, int] = {}
    keep = []
    for index, draft in enumerate(inbox.drafts):
        if draft.id is None or first.setdefault(draft.id, index) == index:
            keep.append(index)
            continue
        earlier = inbox.drafts[first[draft.id]]
        theirs = earlier.statement_fields()
        line, before = inbox.lines[index], inbox.lines[first[draft.id]]
        differ = [(f, v) for f, v in draft.statement_fields().items() if theirs[f] != v]
        for field_name, value in differ:
            inbox.problems.append(
                RowProblem(
                    line,
                    field_column(field_name),
                    f"conflicts with line {before} (same id {compact(draft.id)}): "
                    f"{_shown(value)} there is {_shown(theirs[field_name])}",
                )
            )
        if not differ:
            keep.append(index)
    inbox.drafts = [inbox.drafts[i] for i in keep]
    inbox.lines = [inbox.lines[i] for i in keep]


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(_shown(v) for v in value) or "(none)"
    if isinstance(value, URIRef):
        return compact(value)
    return repr(str(value)) if value is not None else "(none)"


def _draft(
    row: Row, names: Names, create: bool, inbox: Inbox, taken: set[URIRef]
) -> StatementDraft | None:
    """The draft of one row, or None with its problems added to ``inbox``."""
    cells = {c: v.strip() for c, v in row.cells.items() if c is not None}
    problems: list[RowProblem] = []
    given: dict[str, object] = {}

    def name_of(column: str, kind: str, text: str) -> URIRef | None:
        try:
            return names.resolve(kind, text)
        except UnknownName as error:
            pending = _iri(row.line, "id", text, STATEMENT, []) if kind == "statement" else None
            if pending is not None and pending in inbox.ids:
                return pending
            made = _created(column, text, cells, names, create, inbox, taken)
            if isinstance(made, URIRef):
                return made
            problems.append(RowProblem(row.line, column, made or str(error)))
            return None

    for column in REQUIRED:
        if column != "date" and not cells.get(column):
            problems.append(RowProblem(row.line, column, "the cell is empty; it is required"))
    for column, (field_name, kind) in ONE.items():
        if cells.get(column):
            given[field_name] = name_of(column, kind, cells[column])
    for column, (field_name, kind) in MANY.items():
        parts = [p.strip() for p in cells.get(column, "").split(JOIN.strip()) if p.strip()]
        given[field_name] = tuple(name_of(column, kind, part) for part in parts)
    given |= _plain(row.line, cells, names, problems)
    if problems:
        inbox.problems += problems
        return None
    return StatementDraft(**given)  # type: ignore[arg-type]


def _plain(
    line: int, cells: dict[str, str], names: Names, problems: list[RowProblem]
) -> dict[str, object]:
    """The cells that are no names: quote, date, start, note, label, id, evidence, curator."""
    given: dict[str, object] = {
        "quote": cells.get("quote", ""),
        "note": cells.get("note") or None,
        "label": cells.get("label") or None,
    }
    try:
        given["date"] = date_literal(cells["date"]) if cells.get("date") else None
    except ValueError as error:
        problems.append(RowProblem(line, "date", str(error)))
    start = cells.get("start", "")
    if start and not start.isdigit():
        problems.append(
            RowProblem(line, "start", f"{start!r} is not a character offset (0, 1, 2 …)")
        )
    given["start"] = int(start) if start.isdigit() else None
    for column, namespace in (("id", STATEMENT), ("evidence", EVIDENCE)):
        given[column] = _iri(line, column, cells.get(column, ""), namespace, problems)
    curator = cells.get("curator", "")
    given["curator"] = None
    if curator:
        try:
            given["curator"] = names.resolve("curator", curator)
        except UnknownName as error:
            problems.append(RowProblem(line, "curator", f"{error} (a new curator: --curator)"))
    return given


def _iri(
    line: int, column: str, text: str, namespace: str, problems: list[RowProblem]
) -> URIRef | None:
    """An id or evidence cell as an IRI: an IRI, a prefixed name, or a bare name in its
    namespace (``putin-2024-06-14-renounce-nato``)."""
    if not text:
        return None
    if re.fullmatch(r"[A-Za-z0-9][\w.-]*", text):
        return URIRef(namespace + text)
    prefixed = re.fullmatch(r"(statement|evidence):([A-Za-z0-9][\w.-]*)", text)
    if prefixed is not None and prefixed.group(1) == (
        "statement" if column == "id" else "evidence"
    ):
        return URIRef(namespace + prefixed.group(2))
    if text.startswith(namespace) and re.fullmatch(r"[A-Za-z0-9][\w.-]*", text[len(namespace) :]):
        return URIRef(text)
    problems.append(
        RowProblem(line, column, f"{text!r} is no {column} IRI (give e.g. {_example(column)})")
    )
    return None


def _example(column: str) -> str:
    return "statement:putin-2024-06-14-renounce-nato" if column == "id" else "evidence:x--000"


def _created(
    column: str,
    text: str,
    cells: dict[str, str],
    names: Names,
    create: bool,
    inbox: Inbox,
    taken: set[URIRef],
) -> URIRef | str | None:
    """A new actor or position for a name that resolves to nothing, when ``create`` asks for
    one (reused for the same name in later rows); else None, or why none can be made."""
    if not create or column not in CREATABLE or _looks_like_iri(text):
        return None
    key = f"{'position' if column == 'position' else 'actor'}:{text.casefold()}"
    if key in inbox.created:
        return inbox.created[key].iri
    if column == "position":
        topic_text = cells.get("topic", "")
        if not topic_text:
            return f"unknown position {text!r}; to create it, give its topic in the topic column"
        try:
            topic = names.resolve("topic", topic_text)
        except UnknownName as error:
            return f"{error} (the topic of the new position {text!r})"
        term = new_position(text, topic, taken)
    else:
        term = new_actor(text, taken)
    taken.add(term.iri)
    inbox.created[key] = term
    return term.iri


def _looks_like_iri(text: str) -> bool:
    return bool(
        re.match(r"^(<|https?://|[A-Za-z][\w-]*:\S)", text) or re.match(r"^(wd:)?Q\d+$", text)
    )


def field_column(field_name: str | None) -> str | None:
    """The column a draft's field is read from (``parties`` → ``party``)."""
    if field_name is None:
        return None
    return FIELD_COLUMNS.get(field_name, field_name)


def read_inbox(path: Path) -> str:
    """The file's text (UTF-8, a byte-order mark allowed); :class:`UsageError` when it cannot
    be read."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start})") from None
