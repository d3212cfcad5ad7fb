"""The evidence a page shows: a statement's quotes in their source documents, an annotation's own
quote, and everything one source document reports.

Each part reads one canned ``kg/queries/page-*.rq`` query with the resource bound as
``?resource``; all labels of a part are read before any term is shown, so the label a term gets
never depends on the order of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.term import Node

from kg.browse.curation import Withdrawal, withdrawal
from kg.browse.dates import When
from kg.browse.describe import Description
from kg.browse.terms import Href, Labeller, Ref
from kg.rdf.namespaces import OA, PT
from kg.store import Store
from kg.store.queries import select


@dataclass
class Evidence:
    """One verbatim quote in one source document, attesting a statement."""

    annotation: Ref
    source: Ref
    identifier: str | None
    quote: str | None
    according_to: Ref | None = None


def evidence(store: Store, iri: URIRef, href: Href) -> list[Evidence]:
    """The quotes that attest a statement (or an event, or a role assignment), one per annotation."""
    labeller = Labeller(href)
    rows = list(select(store, "page-statement-evidence", {"resource": iri}).dicts())
    for row in rows:
        labeller.add_row(row, ("source", "accordingTo"))
    found: dict[Node, Evidence] = {}
    for row in rows:
        if row["evidence"] in found:
            continue
        found[row["evidence"]] = Evidence(
            annotation=labeller.ref(row["evidence"]),
            source=labeller.ref(row["source"]),
            identifier=text_of(row.get("identifier")),
            quote=text_of(row.get("quote")),
            according_to=labeller.ref(row["accordingTo"]) if "accordingTo" in row else None,
        )
    return list(found.values())


def annotation_quote(description: Description) -> Evidence | None:
    """For an ``oa:Annotation``'s own page: its quote and source, read from its blank nodes."""
    target = description.first(OA.hasTarget)
    if target is None or not target.is_blank:
        return None
    rows = {r.predicate.term: r.values for r in description.blank_nodes.get(str(target.term), [])}
    source = _first(rows.get(OA.hasSource))
    quote = None
    for selector in rows.get(OA.hasSelector) or []:
        # The quote selector: a target also has a position selector, which holds no quote.
        if quote is None and selector.is_blank:
            inner = {
                r.predicate.term: r.values
                for r in description.blank_nodes.get(str(selector.term), [])
            }
            quote = _first(inner.get(OA.exact))
    if source is None:
        return None
    return Evidence(
        annotation=Ref(description.iri, description.label),
        source=source,
        identifier=None,
        quote=quote.label if quote else None,
        according_to=description.first(PT.accordingTo),
    )


def _first(values: list[Ref] | None) -> Ref | None:
    """The first of a blank node's values of one property; None when it has none."""
    return values[0] if values else None


@dataclass
class Reported:
    """One statement (or other fact) a source document reports, with the quote."""

    statement: Ref | None
    kind: str | None
    speaker: Ref | None
    parties: list[Ref]
    stance: Ref | None
    about: list[Ref]
    when: When
    quotes: list[Evidence]
    withdrawn: Withdrawal | None = None


REPORTED_TERMS = (
    "statement",
    "speaker",
    "party",
    "stance",
    "about",
    "accordingTo",
    "kind",
    "correction",
)
"""The labelled columns of ``page-source-statements.rq``."""


def source_statements(store: Store, iri: URIRef, href: Href) -> list[Reported]:
    """What a source document reports, statement by statement (an annotation without a
    statement stands alone), in date order."""
    labeller = Labeller(href)
    rows = list(select(store, "page-source-statements", {"resource": iri}).dicts())
    for row in rows:
        labeller.add_row(row, REPORTED_TERMS)
    found: dict[Node, Reported] = {}
    for row in rows:
        key = row.get("statement", row["evidence"])
        if key not in found:
            found[key] = _reported(row, labeller)
        item = found[key]
        if "party" in row and all(p.term != row["party"] for p in item.parties):
            item.parties.append(labeller.ref(row["party"]))
        if "about" in row and all(a.term != row["about"] for a in item.about):
            item.about.append(labeller.ref(row["about"]))
        if all(q.annotation.term != row["evidence"] for q in item.quotes):
            item.quotes.append(
                Evidence(
                    annotation=labeller.ref(row["evidence"]),
                    source=labeller.ref(iri),
                    identifier=None,
                    quote=text_of(row.get("quote")),
                    according_to=labeller.ref(row["accordingTo"]) if "accordingTo" in row else None,
                )
            )
    return sorted(
        found.values(),
        key=lambda r: (r.when.sort_key, r.statement.label if r.statement else ""),
    )


def _reported(row: dict[str, Node], labeller: Labeller) -> Reported:
    """A reported statement as its first row tells it (parties, topics and quotes still to add)."""
    return Reported(
        statement=labeller.ref(row["statement"]) if "statement" in row else None,
        kind=labeller.label(row["kind"]) if "kind" in row else None,
        speaker=labeller.ref(row["speaker"]) if "speaker" in row else None,
        parties=[],
        stance=labeller.ref(row["stance"]) if "stance" in row else None,
        about=[],
        when=When.of(row.get("date"), row.get("precision"), row.get("basis")),
        quotes=[],
        withdrawn=withdrawal(row, labeller),
    )


def text_of(term: Node | None) -> str | None:
    """A literal's text, or None when the query left it unbound."""
    return None if term is None else str(term)
