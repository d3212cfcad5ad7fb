"""Where a resource stands in the curation record, for its page: corrected (the page names the
correction and why), retracted (its IRI answers 410 Gone, the reason in the body), a correction of
another resource, and who recorded it when. docs/model.md, "Curation provenance", says what is
recorded; corrected and retracted resources keep their triples, so the page still shows them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.browse.describe import Description
from kg.browse.terms import Labeller, Ref
from kg.rdf.namespaces import PROV, PT
from kg.store import Store
from kg.store.queries import select


@dataclass(frozen=True)
class Retraction:
    """A retracted resource's reason and time, as its 410 Gone answer states them."""

    iri: URIRef
    reason: str | None
    invalidated: str | None

    @property
    def message(self) -> str:
        """The one-line error of the 410 answer."""
        when = f" on {self.invalidated}" if self.invalidated else ""
        why = f": {self.reason}" if self.reason else ""
        return f"<{self.iri}> was retracted{when}{why}"


@dataclass
class Curation:
    """The curation facts of a page. ``status`` is ``corrected``, ``retracted`` or ``current``."""

    status: str
    reason: str | None = None
    invalidated: str | None = None
    corrected_by: Ref | None = None
    revision_of: Ref | None = None
    recorded_by: Ref | None = None
    recorded_at: str | None = None


@dataclass(frozen=True)
class Withdrawal:
    """A statement in a list that no longer counts: ``corrected`` (``correction`` names the
    statement that replaces it) or ``retracted``. Lists keep it, marked; timelines and stance
    summaries leave it out, as the questions do."""

    status: str
    correction: Ref | None = None


def withdrawal(row: Mapping[str, Node], labeller: Labeller) -> Withdrawal | None:
    """The withdrawal a ``page-*.rq`` row tells through its ``?retracted`` and ``?correction``
    columns, or None when the statement is current."""
    if row.get("retracted") is not None:
        return Withdrawal("retracted")
    if row.get("correction") is not None:
        return Withdrawal("corrected", labeller.ref(row["correction"]))
    return None


def retraction(store: Store, iri: URIRef) -> Retraction | None:
    """The retraction of ``iri``, or None when it was not retracted."""
    for row in select(store, "page-retraction", {"resource": iri}).dicts():
        reason, invalidated = row.get("reason"), row.get("invalidated")
        return Retraction(
            iri,
            str(reason) if isinstance(reason, Literal) else None,
            str(invalidated) if isinstance(invalidated, Literal) else None,
        )
    return None


def curation(description: Description) -> Curation | None:
    """The curation facts of a described resource, or None when it has none (the curated data
    recorded before the curation tools carries no curator or time, and is current)."""
    retracted = description.first(PT.retracted)
    corrected_by = description.first(PT.correctedBy)
    found = Curation(
        status=(
            "retracted"
            if retracted is not None and str(retracted.term).lower() == "true"
            else "corrected"
            if corrected_by is not None
            else "current"
        ),
        reason=_text(description.first(PT.correctionReason)),
        invalidated=_text(description.first(PROV.invalidatedAtTime)),
        corrected_by=corrected_by,
        revision_of=description.first(PROV.wasRevisionOf),
        recorded_by=description.first(PT.recordedBy),
        recorded_at=_text(description.first(PROV.generatedAtTime)),
    )
    if found == Curation("current"):
        return None
    return found


def _text(ref: Ref | None) -> str | None:
    return None if ref is None else str(ref.term)
