"""The evidence behind an answer, read from the store: each statement's date, speaker, stance and
quotes (ask-evidence), the statements of lifecycles with their roles (ask-entries), the undated
statements in scope (ask-undated) and the labels of everything shown (ask-labels). What does not
change from one answer to the next (a statement's evidence, a label, a party's undated
statements) is kept in the :class:`~kg.questions.memo.StoreMemo` and read once.

The helper queries are filled with IRIs the store itself returned, never with user text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import cast

from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from kg.questions.answers import Evidence, Resource, StatementDate
from kg.questions.binding import iris, select, select_values
from kg.questions.memo import StatementDetails, StoreMemo, UndatedRow
from kg.questions.parameters import short_name
from kg.rdf.labels import best_label
from kg.rdf.periods import BASES, OPEN_START, PRECISION_IRIS, interval_of
from kg.rdf.results import SelectResult
from kg.store import Store

_EVIDENCE_COLUMNS = (
    "statement",
    "date",
    "datatype",
    "precision",
    "basis",
    "speaker",
    "stance",
    "annotation",
    "source",
    "sourceId",
    "quote",
)
"""The columns of ask-evidence (one row per quote)."""

_PRECISIONS = {str(iri): name for iri, name in PRECISION_IRIS.items()}
""":data:`PRECISION_IRIS` by the text of the IRI."""
_BASES = {str(iri): name for iri, name in BASES.items()}
""":data:`BASES` by the text of the IRI."""

Entry = tuple[str, str, str | None]
"""A statement of a lifecycle: its IRI, its role, and the package it attests the position through
(``None`` for a statement about the position itself)."""


def _columns(result: SelectResult, names: Iterable[str]) -> tuple[int, ...]:
    """The positions of ``names`` in the rows of ``result``."""
    return tuple(result.variables.index(name) for name in names)


class Statements:
    """The statements of one answer and their evidence: each statement's date, speaker and
    stance (from its first row of ask-evidence) and its quotes (from all its rows), read once per
    memo. Each :class:`Evidence` (a statement in a role, for a party and a position) is built
    once and shared by every item, and every answer, that cites it.

    Statements, parties and positions are keyed by the text of their IRIs: rdflib compares terms
    in Python, text is compared in C."""

    def __init__(self, memo: StoreMemo) -> None:
        self._memo = memo
        self._used: dict[str, StatementDetails] = {}
        """The statements of this answer with their evidence (those that have some)."""
        self.labels: Mapping[str, Resource] = {}

    def read(self, statements: Iterable[str]) -> None:
        """Take in the evidence of ``statements`` (IRIs): from the memo, else from ask-evidence."""
        known = self._memo.details
        unread: list[str] = []
        for statement in statements:
            detail = known.get(statement)
            if detail is not None:
                self._used[statement] = detail
            elif statement not in self._used:
                unread.append(statement)
        if unread:
            result = select_values(
                self._memo.store, "ask-evidence", "statement", (URIRef(s) for s in unread)
            )
            for statement, detail in self._details(result).items():
                self._used[statement] = self._memo.keep(known, statement, detail)

    def _details(self, result: SelectResult | None) -> dict[str, StatementDetails]:
        """The statements of ask-evidence rows with their evidence."""
        found: dict[str, StatementDetails] = {}
        if result is None or not result.rows:
            return found
        columns = _columns(result, _EVIDENCE_COLUMNS)
        statement_, date_, datatype_, precision_, basis_, speaker_, stance_ = columns[:7]
        annotation_, source_, source_id_, quote_ = columns[7:]
        for row in result.rows:
            statement = str(row[statement_])
            detail = found.get(statement)
            if detail is None:
                # ask-evidence binds ?speaker and ?stance in every row.
                detail = StatementDetails(
                    date=self._date(row[date_], row[datatype_], row[precision_], row[basis_]),
                    speaker=cast(Node, row[speaker_]),
                    stance=cast(Node, row[stance_]),
                    quotes={},
                )
                found[statement] = detail
            source_id = row[source_id_]
            quote = (
                str(row[annotation_]),
                str(row[source_]),
                str(source_id) if source_id is not None else None,
                str(row[quote_]),
            )
            detail.quotes[quote] = None
        return found

    def _date(
        self,
        written: Node | None,
        datatype: Node | None,
        precision: Node | None,
        basis: Node | None,
    ) -> StatementDate:
        """A statement's date, one object per distinct date."""
        value = str(written) if written is not None else None
        datatype_text = str(datatype) if datatype is not None else None
        name = (
            _PRECISIONS.get(str(precision), "unknown")
            if isinstance(precision, URIRef)
            else "unknown"
        )
        basis_name = _BASES.get(str(basis)) if isinstance(basis, URIRef) else None
        key = (value, datatype_text, name, basis_name)
        found = self._memo.dates.get(key)
        if found is None:
            interval = interval_of(value, name, basis_name) if value is not None else None
            found = StatementDate(
                value=value,
                datatype=datatype_text,
                precision=name,
                earliest=(
                    interval.start.isoformat()
                    if interval and interval.start != OPEN_START
                    else None
                ),
                latest=interval.end.isoformat() if interval else None,
                basis=basis_name,
            )
            self._memo.keep(self._memo.dates, key, found)
        return found

    def evidence(
        self, statement: str, role: str, party: str, position: str, via: str | None = None
    ) -> Evidence | None:
        """The statement as evidence in ``role`` for ``party`` and ``position`` (IRIs), attesting
        it as part of the package ``via`` when given; ``None`` when no evidence of it was read."""
        key = (statement, role, party, position, via)
        found = self._memo.evidence.get(key)
        if found is not None:
            return found
        detail = self._used.get(statement)
        if detail is None:
            return None
        labels = self.labels
        found = Evidence(
            statement=statement,
            role=role,
            party=labels[party],
            position=labels[position],
            speaker=labels[str(detail.speaker)],
            stance=labels[str(detail.stance)],
            date=detail.date,
            quotes=detail.sorted_quotes(),
            via=labels[via] if via is not None else None,
        )
        return self._memo.keep(self._memo.evidence, key, found)

    def resources(self) -> set[str]:
        """The IRIs of the speakers and stances of the statements (to be labelled)."""
        return iris(t for d in self._used.values() for t in (d.speaker, d.stance))


def read_entries(
    memo: StoreMemo, variable: str, terms: Iterable[Node | None], statements: Statements
) -> dict[str, list[Entry]]:
    """The statements of the given lifecycles (``variable`` ``lifecycle``) or lifecycle entries
    (``entry``) with their roles and packages, by lifecycle, in the order found, each once; their
    evidence goes to ``statements``."""
    result = select_values(memo.reader("ask-entries"), "ask-entries", variable, terms)
    found: dict[str, dict[Entry, None]] = defaultdict(dict)
    if result is not None and result.rows:
        columns = _columns(result, ("lifecycle", "statement", "role", "via"))
        lifecycle_, statement_, role_, via_ = columns
        for row in result.rows:
            via = row[via_]
            entry = (str(row[statement_]), str(row[role_]), str(via) if via is not None else None)
            found[str(row[lifecycle_])][entry] = None
    statements.read(s for entries in found.values() for s, _role, _via in entries)
    return {lifecycle: list(entries) for lifecycle, entries in found.items()}


def read_undated(
    memo: StoreMemo,
    party: Node | None,
    rows: list[dict[str, Node]],
    entries: Mapping[str, list[Entry]],
    statements: Statements,
) -> list[UndatedRow]:
    """The undated statements in scope (ask-undated) as ``(party, position, statement, role)``,
    in the order found, each once: the party's when one is given (read once per memo), else
    those about the positions of ``rows``. Their roles are those of ask-entries: from ``entries``
    (the answer's lifecycles, read already) or read now; their evidence goes to ``statements``."""
    if party is not None:
        found = memo.undated.get(str(party))
        if found is None:
            own = select(memo.reader("ask-undated"), "ask-undated", {"party": party})
            found = memo.keep(memo.undated, str(party), _undated(memo, own, entries, statements))
        statements.read(statement for _party, _position, statement, _role in found)
        return found
    positions = (r[k] for r in rows for k in ("position", "otherPosition") if k in r)
    found_rows = select_values(memo.reader("ask-undated"), "ask-undated", "position", positions)
    return _undated(memo, found_rows, entries, statements)


def _undated(
    memo: StoreMemo,
    result: SelectResult | None,
    entries: Mapping[str, list[Entry]],
    statements: Statements,
) -> list[UndatedRow]:
    """The undated statements of ask-undated rows, each once with each of its roles."""
    if result is None or not result.rows:
        return []
    columns = _columns(result, ("party", "lifecycle", "position", "entry", "statement"))
    party_, lifecycle_, position_, entry_, statement_ = columns
    unread = (row[entry_] for row in result.rows if str(row[lifecycle_]) not in entries)
    read = read_entries(memo, "entry", unread, statements)
    roles: dict[str, dict[str, list[str]]] = {}  # lifecycle → statement → roles, when needed
    undated: dict[UndatedRow, None] = {}
    for row in result.rows:
        lifecycle, statement = str(row[lifecycle_]), str(row[statement_])
        found = roles.get(lifecycle)
        if found is None:
            found = roles[lifecycle] = defaultdict(list)
            for known, role, _via in entries.get(lifecycle) or read.get(lifecycle, []):
                found[known].append(role)
        for role in found.get(statement, ()):
            undated[(str(row[party_]), str(row[position_]), statement, role)] = None
    return list(undated)


def read_labels(
    store: Store, resources: set[str], memo: StoreMemo | None = None
) -> dict[str, Resource]:
    """Each resource (by the text of its IRI) with the label :func:`kg.rdf.labels.best_label`
    picks, else the last segment of its IRI; read once per ``memo`` (of ``store``) when given."""
    known = memo.labels if memo is not None else {}
    unread = [i for i in resources if i not in known]
    candidates: dict[str, list[tuple[Node, Node | None]]] = defaultdict(list)
    result = select_values(store, "ask-labels", "resource", (URIRef(i) for i in unread))
    if result is not None and result.rows:
        resource_, label_, pref_label_ = _columns(result, ("resource", "label", "prefLabel"))
        for row in result.rows:
            found = candidates[str(row[resource_])]
            found.append((RDFS.label, row[label_]))
            found.append((SKOS.prefLabel, row[pref_label_]))
    labels = {i: known[i] for i in resources if i in known}
    for i in unread:
        label = best_label(candidates.get(i, ()))
        labels[i] = Resource(i, str(label) if label is not None else short_name(i))
        if memo is not None:
            memo.keep(known, i, labels[i])
    return labels
