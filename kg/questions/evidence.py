"""The evidence behind an answer, read from the store: each statement's date, speaker, stance and
quotes (ask-evidence, ask-entries), the statements of lifecycles with their roles (ask-entries),
the undated statements in scope (ask-undated) and the labels of everything shown (ask-labels).

The helper queries are filled with IRIs the store itself returned, never with user text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

from rdflib import URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from kg.questions.answers import Evidence, Quote, Resource, StatementDate
from kg.questions.binding import iris, select, select_values
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
"""The evidence columns of ask-evidence and ask-entries (one row per quote)."""

_PRECISIONS = {str(iri): name for iri, name in PRECISION_IRIS.items()}
""":data:`PRECISION_IRIS` by the text of the IRI."""
_BASES = {str(iri): name for iri, name in BASES.items()}
""":data:`BASES` by the text of the IRI."""

Entry = tuple[str, str, str | None]
"""A statement of a lifecycle: its IRI, its role, and the package it attests the position through
(``None`` for a statement about the position itself)."""


_QuoteFields = tuple[str, str, str | None, str]
"""A quote's annotation, source, identifier and text (a :class:`Quote` once sorted)."""


def _quote_key(q: _QuoteFields) -> tuple[str, str, str]:
    annotation, source, identifier, quote = q
    return (identifier or source, annotation, quote)


@dataclass
class _Details:
    """What is read of one statement: its date, speaker, stance and quotes."""

    date: StatementDate
    speaker: Node
    stance: Node
    quotes: dict[_QuoteFields, None]
    """Each quote once, in the order read (a dict as an ordered set)."""
    in_order: tuple[Quote, ...] | None = None

    def sorted_quotes(self) -> tuple[Quote, ...]:
        """The quotes by source (its identifier, else its IRI), annotation and text."""
        if self.in_order is None:
            self.in_order = tuple(Quote(*q) for q in sorted(self.quotes, key=_quote_key))
        return self.in_order


def _columns(result: SelectResult, names: Iterable[str]) -> tuple[int, ...]:
    """The positions of ``names`` in the rows of ``result``."""
    return tuple(result.variables.index(name) for name in names)


class Statements:
    """The statements of one answer and their evidence, read from the evidence columns of
    ask-entries or ask-evidence rows: each statement's date, speaker and stance (from its first
    row) and its quotes (from all its rows). Each :class:`Evidence` (a statement in a role, for a
    party and a position) is built once and shared by every item that cites it.

    Statements, parties and positions are keyed by the text of their IRIs: rdflib compares terms
    in Python, text is compared in C."""

    def __init__(self) -> None:
        self.details: dict[str, _Details] = {}
        self.labels: Mapping[str, Resource] = {}
        self._dates: dict[tuple[str | None, str | None, str, str | None], StatementDate] = {}
        self._evidence: dict[tuple[str, str, str, str, str | None], Evidence | None] = {}

    def read(self, result: SelectResult | None) -> None:
        """Take in the statements of ``result`` (rows with the evidence columns)."""
        if result is None or not result.rows:
            return
        columns = _columns(result, _EVIDENCE_COLUMNS)
        statement_, date_, datatype_, precision_, basis_, speaker_, stance_ = columns[:7]
        annotation_, source_, source_id_, quote_ = columns[7:]
        for row in result.rows:
            statement = str(row[statement_])
            detail = self.details.get(statement)
            if detail is None:
                # ask-evidence and ask-entries bind ?speaker and ?stance in every row.
                detail = _Details(
                    date=self._date(row[date_], row[datatype_], row[precision_], row[basis_]),
                    speaker=cast(Node, row[speaker_]),
                    stance=cast(Node, row[stance_]),
                    quotes={},
                )
                self.details[statement] = detail
            source_id = row[source_id_]
            quote = (
                str(row[annotation_]),
                str(row[source_]),
                str(source_id) if source_id is not None else None,
                str(row[quote_]),
            )
            detail.quotes[quote] = None

    def _date(
        self,
        written: Node | None,
        datatype: Node | None,
        precision: Node | None,
        basis: Node | None,
    ) -> StatementDate:
        """A statement's date, one object per distinct date of the answer."""
        value = str(written) if written is not None else None
        datatype_text = str(datatype) if datatype is not None else None
        name = (
            _PRECISIONS.get(str(precision), "unknown")
            if isinstance(precision, URIRef)
            else "unknown"
        )
        basis_name = _BASES.get(str(basis)) if isinstance(basis, URIRef) else None
        key = (value, datatype_text, name, basis_name)
        found = self._dates.get(key)
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
            self._dates[key] = found
        return found

    def evidence(
        self, statement: str, role: str, party: str, position: str, via: str | None = None
    ) -> Evidence | None:
        """The statement as evidence in ``role`` for ``party`` and ``position`` (IRIs), attesting
        it as part of the package ``via`` when given; ``None`` when no evidence of it was read."""
        key = (statement, role, party, position, via)
        if key in self._evidence:
            return self._evidence[key]
        detail = self.details.get(statement)
        found = None
        if detail is not None:
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
        self._evidence[key] = found
        return found

    def resources(self) -> set[str]:
        """The IRIs of the speakers and stances of the statements (to be labelled)."""
        return iris(t for d in self.details.values() for t in (d.speaker, d.stance))


def read_entries(
    store: Store, variable: str, terms: Iterable[Node | None], statements: Statements
) -> dict[str, list[Entry]]:
    """The statements of the given lifecycles (``variable`` ``lifecycle``) or lifecycle entries
    (``entry``) with their roles and packages, by lifecycle, in the order found, each once; their
    evidence goes to ``statements``."""
    result = select_values(store, "ask-entries", variable, terms)
    statements.read(result)
    found: dict[str, dict[Entry, None]] = defaultdict(dict)
    if result is not None and result.rows:
        columns = _columns(result, ("lifecycle", "statement", "role", "via"))
        lifecycle_, statement_, role_, via_ = columns
        for row in result.rows:
            via = row[via_]
            entry = (str(row[statement_]), str(row[role_]), str(via) if via is not None else None)
            found[str(row[lifecycle_])][entry] = None
    return {lifecycle: list(entries) for lifecycle, entries in found.items()}


def read_undated(
    store: Store,
    party: Node | None,
    rows: list[dict[str, Node]],
    entries: Mapping[str, list[Entry]],
    statements: Statements,
) -> list[tuple[str, str, str, str]]:
    """The undated statements in scope (ask-undated) as ``(party, position, statement, role)``,
    in the order found, each once: the party's when one is given, else those about the
    positions of ``rows``. Their roles and evidence are those of ask-entries: from ``entries``
    (the answer's lifecycles, read already) or read now into ``statements``."""
    if party is not None:
        result: SelectResult | None = select(store, "ask-undated", {"party": party})
    else:
        positions = (r[k] for r in rows for k in ("position", "otherPosition") if k in r)
        result = select_values(store, "ask-undated", "position", positions)
    if result is None or not result.rows:
        return []
    columns = _columns(result, ("party", "lifecycle", "position", "entry", "statement"))
    party_, lifecycle_, position_, entry_, statement_ = columns
    unread = (row[entry_] for row in result.rows if str(row[lifecycle_]) not in entries)
    read = read_entries(store, "entry", unread, statements)
    roles: dict[str, dict[str, list[str]]] = {}  # lifecycle → statement → roles, when needed
    undated: dict[tuple[str, str, str, str], None] = {}
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


def read_labels(store: Store, resources: set[str]) -> dict[str, Resource]:
    """Each resource (by the text of its IRI) with the label :func:`kg.rdf.labels.best_label`
    picks, else the last segment of its IRI."""
    candidates: dict[str, list[tuple[Node, Node | None]]] = defaultdict(list)
    result = select_values(store, "ask-labels", "resource", (URIRef(i) for i in resources))
    if result is not None and result.rows:
        resource_, label_, pref_label_ = _columns(result, ("resource", "label", "prefLabel"))
        for row in result.rows:
            found = candidates[str(row[resource_])]
            found.append((RDFS.label, row[label_]))
            found.append((SKOS.prefLabel, row[pref_label_]))
    labels = {i: best_label(candidates.get(i, ())) for i in resources}
    return {
        i: Resource(i, str(label) if label is not None else short_name(i))
        for i, label in labels.items()
    }
