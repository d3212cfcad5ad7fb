"""The answer to a question as plain data: the items, each with the statements that are its
evidence, and the undated statements in scope; :meth:`Answer.to_dict` is its one serialisation
(``kg ask --format json`` and ``/api/ask/<question>`` print it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from kg.questions.jsontext import Written, indented
from kg.questions.registry import PAGE_SIZE


@dataclass(frozen=True)
class Resource:
    """An IRI with its English label (the IRI's last segment when it has none)."""

    iri: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class StatementDate:
    """A statement's ``pt:date`` (lexical form and datatype, ``None`` when unknown), its precision
    (``day``, ``month``, ``year`` or ``unknown``), its basis (``stated``: the source dates the
    statement; ``as-of``: the date is the source's report date, the statement was made on or
    before it; ``None`` when not given) and the interval of days it denotes: ``earliest`` is
    ``None`` when the start is unknown (as of a report), both are ``None`` when undated."""

    value: str | None
    datatype: str | None
    precision: str
    earliest: str | None
    latest: str | None
    basis: str | None = None

    @property
    def dated(self) -> bool:
        """Whether the statement is placed in time (it has a last day)."""
        return self.latest is not None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "value": self.value,
            "datatype": self.datatype,
            "precision": self.precision,
            "basis": self.basis,
            "earliest": self.earliest,
            "latest": self.latest,
        }

    def __str__(self) -> str:
        if not self.value:
            return "undated"
        if self.basis == "as-of":
            return f"by {self.value} ({self.precision}, as of the report)"
        return f"{self.value} ({self.precision})"


@dataclass(frozen=True)
class Quote:
    """One evidence annotation: the source document (IRI and file name) and the verbatim quote."""

    annotation: str
    source: str
    identifier: str | None
    quote: str

    def to_dict(self) -> dict[str, str | None]:
        return {
            "annotation": self.annotation,
            "source": self.source,
            "identifier": self.identifier,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Evidence:
    """One position statement behind an answer.

    ``role`` is what it is in the party's record of the position: ``attestation`` (a supporting
    stance), ``withdrawal``, ``rejection`` (an opposing stance) or ``supersession`` (it replaces an
    attestation); for a timeline, the same from its stance, or ``other`` (conditions, threatens).
    ``via`` is the package position the statement is about when it attests ``position`` as part
    of that package (``pt:comprises``), else ``None``.
    """

    statement: str
    role: str
    party: Resource
    position: Resource
    speaker: Resource
    stance: Resource
    date: StatementDate
    quotes: tuple[Quote, ...]
    via: Resource | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "role": self.role,
            "party": self.party.to_dict(),
            "position": self.position.to_dict(),
            "via": self.via.to_dict() if self.via else None,
            "speaker": self.speaker.to_dict(),
            "stance": self.stance.to_dict(),
            "date": self.date.to_dict(),
            "quotes": [q.to_dict() for q in self.quotes],
        }

    @cached_property
    def written(self) -> Written:
        """:meth:`to_dict` as JSON text, written once however many answers cite the statement."""
        return Written(indented(self.to_dict()))


@dataclass(frozen=True)
class Item:
    """One answer: a position (of ``party``), certain or uncertain, with its evidence.

    ``category`` sorts items where a question has several kinds of answer (diff: added, persisted,
    dropped; dropped: withdrawn, not re-attested; conflicts: contradicted, rejected) and is
    ``None`` otherwise. Conflicts also name ``other_party`` and ``other_position``.
    ``last_attested`` is the party's latest dated attestation of the position (its statement
    and date), however late, so a reader sees how fresh the evidence is.
    """

    position: Resource
    party: Resource | None
    certainty: str
    category: str | None
    other_party: Resource | None
    other_position: Resource | None
    last_attested: Evidence | None
    evidence: tuple[Evidence, ...]

    @property
    def certain(self) -> bool:
        return self.certainty == "certain"

    def to_dict(self, evidence: Callable[[Evidence], Any] = Evidence.to_dict) -> dict[str, Any]:
        """The item as JSON-ready data, each statement of its evidence as ``evidence`` gives it."""
        return {
            "position": self.position.to_dict(),
            "party": self.party.to_dict() if self.party else None,
            "certainty": self.certainty,
            "category": self.category,
            "other_party": self.other_party.to_dict() if self.other_party else None,
            "other_position": self.other_position.to_dict() if self.other_position else None,
            "last_attested": (
                {
                    "statement": self.last_attested.statement,
                    "date": self.last_attested.date.to_dict(),
                }
                if self.last_attested
                else None
            ),
            "evidence": [evidence(e) for e in self.evidence],
        }


@dataclass(frozen=True)
class Answer:
    """The answer to one question: the parameters as understood (party IRI, periods as given),
    the days bound into the query (``bounds``), the items, and the undated evidence (statements
    without a date, never placed in time, listed so that none is silently dropped).

    The items are one page, in the order of the query's ORDER BY: at most ``limit`` (all when
    ``None``) after the first ``offset``; ``next`` is the offset of the next page, ``None`` on
    the last. The undated evidence is the one the question declares
    (:attr:`~kg.questions.registry.Question.undated`): the party's (the same on every page) or,
    for conflicts and a timeline, that of the page's rows."""

    question: str
    title: str
    query: str
    parameters: dict[str, str]
    bounds: dict[str, str]
    items: tuple[Item, ...]
    undated: tuple[Evidence, ...]
    limit: int | None = PAGE_SIZE
    offset: int = 0
    next: int | None = None

    def to_dict(self, evidence: Callable[[Evidence], Any] = Evidence.to_dict) -> dict[str, Any]:
        """The one JSON-ready form of an answer (CLI ``--format json`` and the JSON API), each
        statement of its evidence as ``evidence`` gives it."""
        return {
            "question": self.question,
            "title": self.title,
            "query": f"{self.query}.rq",
            "parameters": dict(self.parameters),
            "bounds": dict(self.bounds),
            "page": {"limit": self.limit, "offset": self.offset, "next": self.next},
            "items": [i.to_dict(evidence) for i in self.items],
            "undated": [evidence(e) for e in self.undated],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (an indent of two, non-ASCII kept), each statement's
        evidence written once (:attr:`Evidence.written`)."""
        return indented(self.to_dict(_written)) + "\n"


def _written(evidence: Evidence) -> Written:
    return evidence.written
