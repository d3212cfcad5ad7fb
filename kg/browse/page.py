"""One resource's page as data: its description and the parts its kinds call for (a statement's
card and evidence, a position's attestations, an actor's statements and roles, a source's
reports), and the same page as JSON for machines.

The web application renders a :class:`ResourcePage` into HTML; :meth:`ResourcePage.as_json` is
its machine twin (``/page/<kind>/<slug>.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.browse.curation import Curation, curation
from kg.browse.dates import When
from kg.browse.describe import Description, describe
from kg.browse.evidence import Evidence, Reported, annotation_quote, evidence, source_statements
from kg.browse.statements import (
    ActorStatement,
    Attestation,
    RoleHeld,
    StanceSummary,
    actor_chart,
    actor_roles,
    actor_statements,
    attestation_chart,
    position_attestations,
    stance_summary,
)
from kg.browse.terms import Href, Labeller, Ref
from kg.browse.timeline import Chart
from kg.rdf.labels import ENGLISH
from kg.rdf.namespaces import PT
from kg.store import Store

CARD: list[tuple[str, URIRef | None]] = [
    ("Speaker", PT.speaker),
    ("On behalf of", PT.onBehalfOf),
    ("Stance", PT.stance),
    ("About", PT.about),
    ("Reports on", PT.reportsOn),
    ("Date", None),
    ("Date basis", PT.dateBasis),
    ("Qualifier", PT.dateQualifier),
    ("At", PT.atEvent),
    ("Framing", PT.framing),
    ("Conditional on", PT.conditionalOn),
    ("Responds to", PT.respondsTo),
    ("Supersedes", PT.supersedes),
    ("Quantity", PT.quantity),
]
"""The facts a statement's page leads with, in order (``None``: its date, however precise)."""

STATEMENT_KINDS = {"statement", "assessment", "date-report"}
PARTS = (
    "curation",
    "card",
    "evidence",
    "annotation",
    "attestations",
    "stances",
    "statements",
    "roles",
    "reported",
)
"""The parts a page may have, in display order."""

CardValue = When | list[Ref]


def card(description: Description) -> list[tuple[str, CardValue]]:
    """A statement's leading facts: each fact of :data:`CARD` it has, and its date always."""
    found: list[tuple[str, CardValue]] = []
    for name, prop in CARD:
        if prop is None:
            found.append((name, description.when or When("unknown")))
        elif values := description.values(prop):
            found.append((name, values))
    return found


@dataclass
class ResourcePage:
    """A resource's page. A part its kinds do not call for is None (and absent from
    :meth:`parts`); a part it calls for may be empty."""

    description: Description
    curation: Curation | None = None
    """Corrected or retracted, or a correction: the notice the page opens with."""
    card: list[tuple[str, CardValue]] | None = None
    evidence: list[Evidence] | None = None
    annotation: Evidence | None = None
    attestations: list[Attestation] | None = None
    stances: list[StanceSummary] | None = None
    statements: list[ActorStatement] | None = None
    roles: list[RoleHeld] | None = None
    reported: list[Reported] | None = None
    chart: Chart | None = None
    """An actor's timeline, else a position's or topic's."""

    def parts(self) -> dict[str, object]:
        """The parts this page has, in display order; an annotation's page has its quote part
        even when it has no quote."""
        found: dict[str, object] = {}
        for name in PARTS:
            value = getattr(self, name)
            if value is not None or (name == "annotation" and self.is_annotation):
                found[name] = value
        return found

    @property
    def is_annotation(self) -> bool:
        return "evidence" in self.description.kinds

    def as_json(self, **head: object) -> str:
        """The page's data for machines (its chart and data graph left out), after ``head`` (a
        retracted resource's answer puts the error shape's ``ok``, ``status`` and ``error`` first)."""
        d = self.description
        body: dict[str, object] = {
            **head,
            "iri": str(d.iri),
            "lang": d.lang,
            "label": d.label,
            "kinds": d.kinds,
            "types": d.types,
            "summary": d.summary,
            "when": d.when,
            "properties": d.groups,
            "inbound": d.inbound,
            "matches": d.matches,
            "blank_nodes": d.blank_nodes,
        }
        for name, value in self.parts().items():
            body["reports" if name == "reported" else name] = value
        return dumps(body)


def resource_page(store: Store, iri: URIRef, href: Href, lang: str = ENGLISH) -> ResourcePage:
    """The page of ``iri``: its description, and each part one of its kinds calls for. Its
    title and the terms it describes are named in ``lang`` where they can be (else in English);
    the lists of statements, roles and reports are named in English."""
    description = describe(store, iri, href, lang)
    kinds = set(description.kinds)
    page = ResourcePage(description, curation=curation(description))
    if STATEMENT_KINDS & kinds:
        page.card = card(description)
    if page.card or description.values(PT.evidence):
        page.evidence = evidence(store, iri, href)
    if "evidence" in kinds:
        page.annotation = annotation_quote(description)
    if "position" in kinds or "topic" in kinds:
        page.attestations = position_attestations(store, iri, href)
        page.stances = stance_summary(page.attestations)
        page.chart = attestation_chart(
            page.attestations, f"Timeline of the statements about {description.label}"
        )
    if "actor" in kinds:
        page.statements = actor_statements(store, iri, href)
        page.roles = actor_roles(store, iri, href)
        page.chart = actor_chart(
            page.statements, f"Timeline of the statements by or for {description.label}"
        )
    if "source" in kinds:
        page.reported = source_statements(store, iri, href)
    return page


# --- the machine twin ---------------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """A page's data as plain JSON values: terms as their IRI or lexical form, dates with precision
    and basis (``stated``, ``as-of`` for a report date, the statement made on or before it, or
    null when the data does not say)."""
    if isinstance(value, Ref):
        return _ref_jsonable(value)
    if isinstance(value, When):
        return {
            "date": value.iso,
            "precision": value.precision,
            "basis": value.basis,
            "text": value.text,
        }
    if isinstance(value, Graph | Labeller):
        return None
    if is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in fields(value)
            if not isinstance(getattr(value, f.name), Graph | Labeller)
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Node):
        return str(value)
    return value


def _ref_jsonable(value: Ref) -> dict[str, Any]:
    out: dict[str, Any] = {"label": value.label}
    if isinstance(value.term, URIRef):
        out["iri"] = str(value.term)
    elif isinstance(value.term, Literal):
        out["value"] = str(value.term)
        if value.lang:
            out["lang"] = value.lang
        if value.term.datatype:
            out["datatype"] = str(value.term.datatype)
        if value.when is not None and value.when.basis:
            out["basis"] = value.when.basis
    else:
        out["blank_node"] = str(value.term)
    return out


def dumps(value: Any) -> str:
    """JSON text of a page's data, as :func:`to_jsonable` makes it."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=1)
