"""Correcting and retracting a statement as docs/model.md ("Curation provenance") records it:
nothing is deleted. A correction is a new statement (``prov:wasRevisionOf`` the old one, with
its curator and time); the old statement's block gains ``pt:correctedBy``,
``prov:invalidatedAtTime`` and a ``pt:correctionReason``. A retraction gives the statement
``pt:retracted true``, the time and the reason. Both are saves (:func:`kg.curation.saving.save`):
validated, and all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD
from rdflib.term import Node

from kg.curation.curators import NO_CURATOR, NoCurator
from kg.curation.edits import Amendment
from kg.curation.problems import Problem, SaveRefused
from kg.curation.records import StatementDraft, completed
from kg.curation.render import english, literal, name
from kg.curation.saving import Saved, Workspace, save, time_literal
from kg.rdf.namespaces import PT


def correct(
    root: Path,
    old_iri: URIRef,
    new_draft: StatementDraft,
    reason: str,
    curator: str | URIRef,
    now: datetime,
    *,
    corpus: Path,
    expected: Mapping[str, str] | None = None,
    workspace: Workspace | None = None,
) -> Saved:
    """Write ``new_draft`` as the correction of the statement ``old_iri`` for ``reason``, and
    mark the old one corrected. :class:`~kg.curation.problems.SaveRefused` for a statement that
    is not there or no longer holds, an empty reason, or a correction that does not validate."""
    space = workspace or Workspace(root)
    space.refresh()
    _refuse(space, old_iri, reason, curator)
    draft = replace(new_draft, revision_of=old_iri)
    if draft.id == old_iri:
        draft = replace(draft, id=None)
    draft = completed([draft], space.graph, space.names.labels)[0]
    assert draft.id is not None
    amendment = _invalidation(
        old_iri, f"pt:correctedBy {name(draft.id)}", (PT.correctedBy, draft.id), reason, now
    )
    return save(
        root,
        [draft],
        corpus=corpus,
        curator=curator,
        now=now,
        expected=expected,
        amendments=[amendment],
        workspace=space,
    )


def retract(
    root: Path,
    iri: URIRef,
    reason: str,
    curator: str | URIRef,
    now: datetime,
    *,
    corpus: Path,
    expected: Mapping[str, str] | None = None,
    workspace: Workspace | None = None,
) -> Saved:
    """Retract the statement ``iri`` for ``reason``: it stays, marked ``pt:retracted true``
    with the time and the reason. (The model records no curator for a retraction; one is
    still required, so that no change is anonymous.)"""
    space = workspace or Workspace(root)
    space.refresh()
    _refuse(space, iri, reason, curator)
    true = Literal(True, datatype=XSD.boolean)
    amendment = _invalidation(iri, "pt:retracted true", (PT.retracted, true), reason, now)
    return save(
        root,
        [],
        corpus=corpus,
        curator=curator,
        now=now,
        expected=expected,
        amendments=[amendment],
        workspace=space,
    )


def _invalidation(
    iri: URIRef, line: str, fact: tuple[URIRef, Node], reason: str, now: datetime
) -> Amendment:
    """What marks ``iri`` no longer holding: ``line`` (its correction or retraction, the triple
    ``fact``), then when and why."""
    stamp = time_literal(now)
    because = reason.strip()
    return Amendment(
        iri,
        (
            line,
            f"prov:invalidatedAtTime {literal(stamp)}",
            f"pt:correctionReason {english(because)}",
        ),
        (
            (iri, *fact),
            (iri, PROV.invalidatedAtTime, stamp),
            (iri, PT.correctionReason, Literal(because, lang="en")),
        ),
    )


def _refuse(space: Workspace, iri: URIRef, reason: str, curator: str | URIRef) -> None:
    if not str(curator or "").strip():
        raise NoCurator(NO_CURATOR)
    if (iri, RDF.type, PT.PositionStatement) not in space.graph:
        raise SaveRefused([Problem(None, "id", f"{name(iri)} is no position statement")])
    if (iri, PROV.invalidatedAtTime, None) in space.graph:
        raise SaveRefused([Problem(None, "id", f"{name(iri)} is corrected or retracted already")])
    if not reason.strip():
        raise SaveRefused([Problem(None, "reason", "a correction or retraction needs a reason")])
