"""What stops a save, told per draft and field in a sentence a curator can act on.

A problem found before writing (a quote not in the text, a bad date) names its draft and field
directly; a SHACL violation found after writing names a focus node and a path, which
:func:`problems_of` maps back to the draft that wrote the node and to the field that gave the
path's value (``pt:date`` → ``date``, ``pt:speaker`` → ``speaker`` …).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rdflib import URIRef

from kg.pipeline.validate import Violation
from kg.rdf.namespaces import compact
from kg.sources.quotes import QuoteProblem

FIELDS = {
    "rdfs:label": "label",
    "rdfs:comment": "note",
    "pt:speaker": "speaker",
    "pt:onBehalfOf": "party",
    "pt:stance": "stance",
    "pt:about": "position",
    "pt:framing": "framing",
    "pt:atEvent": "event",
    "pt:date": "date",
    "pt:datePrecision": "precision",
    "pt:dateBasis": "basis",
    "pt:respondsTo": "responds_to",
    "pt:conditionalOn": "conditional_on",
    "pt:lapsesWith": "lapses_with",
    "pt:guarantor": "guarantor",
    "pt:proposedParticipant": "participant",
    "pt:quantity": "quantity",
    "pt:accordingTo": "according_to",
    "pt:recordedBy": "curator",
    "pt:evidence": "evidence",
    "oa:hasSource": "source",
}
"""A violation's path (as a prefixed name) → the field (and CSV column) that gave its value."""


@dataclass(frozen=True)
class Problem:
    """What is wrong with draft number ``draft`` (from 0, in the order given; None when it is
    no one draft's), in ``field`` (None when no one field's)."""

    draft: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{where}{self.message}"


class SaveRefused(Exception):
    """Nothing was saved (every file is as it was) because of ``problems``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "refused"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"nothing was saved: {first}{more}")


class _Planned(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def draft(self) -> _Draft: ...


class _Draft(Protocol):
    @property
    def id(self) -> URIRef | None: ...
    @property
    def evidence(self) -> URIRef | None: ...


def problems_of(
    violations: Iterable[Violation], quotes: Iterable[QuoteProblem], planned: Sequence[_Planned]
) -> list[Problem]:
    """The violations and quote problems as problems of the drafts that wrote their nodes."""
    drafts: dict[str, int] = {}
    evidence: dict[str, int] = {}
    for p in planned:
        if p.draft.id is not None:
            drafts.setdefault(compact(p.draft.id), p.index)
        if p.draft.evidence is not None:
            evidence[compact(p.draft.evidence)] = p.index
            evidence[str(p.draft.evidence)] = p.index
    found = []
    for v in violations:
        field = FIELDS.get(v.path or "")
        index = drafts.get(v.focus)
        if index is None and v.focus in evidence:
            index, field = evidence[v.focus], field or "quote"
        value = f" (value {v.value})" if v.value else ""
        found.append(Problem(index, field, f"{v.message}{value} [{v.focus}]"))
    for q in quotes:
        found.append(Problem(evidence.get(q.annotation), "quote", q.message))
    return found
