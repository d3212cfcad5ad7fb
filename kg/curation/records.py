"""A position statement as a curator gives it, before it is written: :class:`StatementDraft`.

A draft holds resolved IRIs (:mod:`kg.curation.names` turns typed names into them) and one piece
of evidence: the source document and the quote. A statement attested by several quotes is
several drafts with the same ``id``. What the curator leaves out is made here the way the curated
data makes it: the statement's IRI (:func:`mint_id`, ``<speaker>-<date|undated>-<position>``),
its English label (:func:`mint_label`) and its evidence IRI (:func:`evidence_iri`,
``<statement>--<NNN>``). :func:`drafts_of` reads an existing statement back as drafts, so every
curated statement can be expressed as one, and :func:`date_problem` says what is wrong with a
date and its precision.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields, replace
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from kg.rdf.labels import best_text
from kg.rdf.namespaces import ID, OA, PT
from kg.rdf.periods import PRECISION_IRIS, PRECISIONS

STATEMENT = f"{ID}statement/"
EVIDENCE = f"{ID}evidence/"
EN = "en"

MULTI = {
    "parties": PT.onBehalfOf,
    "framings": PT.framing,
    "conditional_on": PT.conditionalOn,
    "responds_to": PT.respondsTo,
    "events": PT.atEvent,
    "lapses_with": PT.lapsesWith,
    "guarantors": PT.guarantor,
    "participants": PT.proposedParticipant,
    "quantities": PT.quantity,
}
"""The draft's many-valued fields and their predicates, in the order a block writes them."""


@dataclass(frozen=True)
class StatementDraft:
    """One position statement with one evidence quote, every name resolved to its IRI.

    ``source`` is the source document (``source:doc-NNN``), ``quote`` the verbatim text quoted
    from it, ``start`` which occurrence (its start offset) when the quote occurs more than once.
    ``date`` is a ``pt:date`` literal (``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``) or
    None, ``precision`` its ``pt:datePrecision`` and ``basis`` its ``pt:dateBasis``. ``note`` is
    the ``rdfs:comment``. ``id``, ``label`` and ``evidence`` are minted when None. ``curator`` is
    who records it (``pt:recordedBy``); ``revision_of`` the statement it corrects."""

    source: URIRef
    quote: str
    speaker: URIRef
    parties: tuple[URIRef, ...]
    stance: URIRef
    position: URIRef
    precision: URIRef
    date: Literal | None = None
    basis: URIRef | None = None
    events: tuple[URIRef, ...] = ()
    framings: tuple[URIRef, ...] = ()
    note: str | None = None
    curator: URIRef | None = None
    start: int | None = None
    id: URIRef | None = None
    label: str | None = None
    evidence: URIRef | None = None
    according_to: URIRef | None = None
    responds_to: tuple[URIRef, ...] = ()
    conditional_on: tuple[URIRef, ...] = ()
    lapses_with: tuple[URIRef, ...] = ()
    guarantors: tuple[URIRef, ...] = ()
    participants: tuple[URIRef, ...] = ()
    quantities: tuple[URIRef, ...] = ()
    revision_of: URIRef | None = None
    recorded_at: Literal | None = None

    def statement_fields(self) -> dict[str, object]:
        """The fields that describe the statement itself (not its evidence): two drafts of one
        statement must agree on them."""
        evidence_only = {"source", "quote", "start", "evidence", "according_to"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in evidence_only}


DRAFT_FIELDS = tuple(f.name for f in fields(StatementDraft))


def date_problem(value: Literal | None, precision: URIRef, basis: URIRef | None) -> str | None:
    """What is wrong with a date, its precision and basis together, or None: a known precision
    needs a date of its datatype (a day ``YYYY-MM-DD``, a month ``YYYY-MM``, a year ``YYYY``),
    an unknown one no date and no basis, and a date needs a basis."""
    name = PRECISION_IRIS.get(precision)
    if name is None:
        return f"{precision} is not a date precision"
    if value is None:
        if name != "unknown":
            return f"precision {_short(precision)} needs a date"
        return None if basis is None else "an undated statement has no date basis"
    if name == "unknown":
        return f"a date ({value}) needs precision Day, Month or Year, not Unknown"
    given = PRECISIONS.get(value.datatype) if value.datatype is not None else None
    if given != name:
        shape = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "year": "YYYY"}[name]
        return f"{value} is not a {name} ({shape}) as precision {_short(precision)} needs"
    if value.toPython() is None or (isinstance(value.toPython(), str) and name == "day"):
        return f"{value} is not a calendar date"
    if basis is None:
        return "a dated statement needs a date basis (StatedDate or AsOfReport)"
    return None


def date_literal(text: str) -> Literal:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` as the ``pt:date`` literal of that precision;
    ValueError for anything else."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        date.fromisoformat(text)
        return Literal(text, datatype=XSD.date)
    if re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", text):
        return Literal(text, datatype=XSD.gYearMonth)
    if re.fullmatch(r"[0-9]{4}", text):
        return Literal(text, datatype=XSD.gYear)
    raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY")


def local(iri: URIRef) -> str:
    """The last segment of an IRI (after its last ``/`` or ``#``)."""
    return re.split(r"[/#]", str(iri))[-1]


def _short(iri: URIRef) -> str:
    return re.sub(r"(Precision|Date)$", "", local(iri)) or local(iri)


def mint_id(draft: StatementDraft, graph: Graph, taken: Collection[URIRef] = ()) -> URIRef:
    """A new statement IRI as the curated ones are made: the speaker's short name (a person's
    family name), the date or ``undated``, the position's name; ``-2``, ``-3`` … when taken."""
    speaker = local(draft.speaker)
    if (draft.speaker, RDF.type, PT.Person) in graph:
        speaker = speaker.split("-")[-1]
    when = str(draft.date) if draft.date is not None else "undated"
    base = f"{STATEMENT}{speaker}-{when}-{local(draft.position)}"
    return _unique(base, graph, taken)


def evidence_iri(
    statement: URIRef, document: str, graph: Graph, taken: Collection[URIRef] = ()
) -> URIRef:
    """The evidence IRI of ``statement`` in the document numbered ``document``:
    ``evidence:<statement>--<NNN>``, then ``-2`` … when taken."""
    return _unique(f"{EVIDENCE}{local(statement)}--{document}", graph, taken)


def _unique(base: str, graph: Graph, taken: Collection[URIRef]) -> URIRef:
    candidate, n = URIRef(base), 1
    while candidate in taken or (candidate, None, None) in graph:
        n += 1
        candidate = URIRef(f"{base}-{n}")
    return candidate


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_text(value: Literal | None, basis: URIRef | None) -> str:
    """A date as a label writes it: ``14 June 2024``, ``June 2024``, ``2024``; ``as of …`` for a
    report date; ``undated`` without one."""
    if value is None:
        return "undated"
    parts = str(value).split("-")
    shown = parts[0]
    if len(parts) >= 2:
        shown = f"{_MONTHS[int(parts[1]) - 1]} {shown}"
    if len(parts) == 3:
        shown = f"{int(parts[2])} {shown}"
    return f"as of {shown}" if basis == PT.AsOfReport else shown


def mint_label(draft: StatementDraft, label_of: dict[URIRef, str] | Graph) -> str:
    """An English label: the speaker, the stance, the position and the date, as in
    ``Vladimir Putin demands: Ukraine renounces NATO membership (14 June 2024)``."""

    def name(iri: URIRef) -> str:
        if isinstance(label_of, Graph):
            value = best_text(label_of.objects(iri, RDFS.label))  # English, not any label
            return str(value) if value is not None else local(iri)
        return label_of.get(iri, local(iri))

    stance = local(draft.stance)
    verb = stance[0].lower() + stance[1:]
    when = date_text(draft.date, draft.basis)
    return f"{name(draft.speaker)} {verb}: {name(draft.position)} ({when})"


def completed(
    drafts: Iterable[StatementDraft], graph: Graph, label_of: dict[URIRef, str] | Graph
) -> list[StatementDraft]:
    """The drafts with their id, label and evidence IRI minted where missing (drafts of one id
    share its label); every IRI minted is new to ``graph`` and to each other."""
    taken: set[URIRef] = set()
    labels: dict[URIRef, str] = {}
    done: list[StatementDraft] = []
    for draft in drafts:
        iri = draft.id or mint_id(draft, graph, taken)
        taken.add(iri)
        label = draft.label or labels.get(iri) or mint_label(draft, label_of)
        labels.setdefault(iri, label)
        evidence = draft.evidence
        if evidence is None:
            number = document_number(graph, draft.source)
            evidence = evidence_iri(iri, number, graph, taken)
        taken.add(evidence)
        done.append(replace(draft, id=iri, label=label, evidence=evidence))
    return done


def document_number(graph: Graph, source: URIRef) -> str:
    """A source document's number: ``000`` for ``source:doc-000`` (its file name's number, or
    its IRI's last segment, when the IRI does not say)."""
    match = re.search(r"doc-([0-9]+)$", str(source))
    if match is not None:
        return match.group(1)
    name = graph.value(source, DCTERMS.identifier)
    return str(name).split("_")[0] if name is not None else local(source)


def drafts_of(graph: Graph, statement: URIRef) -> list[StatementDraft]:
    """The drafts that write ``statement`` as ``graph`` holds it: one per evidence annotation,
    in the order of their IRIs (many-valued fields in IRI order)."""

    def one(prop: URIRef) -> URIRef | None:
        value = graph.value(statement, prop)
        return value if isinstance(value, URIRef) else None

    def many(prop: URIRef) -> tuple[URIRef, ...]:
        return tuple(sorted(v for v in graph.objects(statement, prop) if isinstance(v, URIRef)))

    note = graph.value(statement, RDFS.comment)
    common = {
        "speaker": one(PT.speaker),
        "stance": one(PT.stance),
        "position": one(PT.about),
        "precision": one(PT.datePrecision),
        "date": _literal(graph.value(statement, PT.date)),
        "basis": one(PT.dateBasis),
        "note": None if note is None else str(note),
        "id": statement,
        "label": str(graph.value(statement, RDFS.label) or "") or None,
        "curator": one(PT.recordedBy),
        "revision_of": one(PROV.wasRevisionOf),
        "recorded_at": _literal(graph.value(statement, PROV.generatedAtTime)),
        **{name: many(prop) for name, prop in MULTI.items()},
    }
    drafts = []
    for annotation in sorted(graph.objects(statement, PT.evidence), key=str):
        target = graph.value(annotation, OA.hasTarget)
        selectors = list(graph.objects(target, OA.hasSelector))
        exact = _first(graph, selectors, OA.exact)
        start = _first(graph, selectors, OA.start)
        according = graph.value(annotation, PT.accordingTo)
        drafts.append(
            StatementDraft(
                source=graph.value(target, OA.hasSource),  # type: ignore[arg-type]
                quote="" if exact is None else str(exact),
                start=None if start is None else int(str(start)),
                evidence=annotation,  # type: ignore[arg-type]
                according_to=according if isinstance(according, URIRef) else None,
                **common,  # type: ignore[arg-type]
            )
        )
    return drafts


def _literal(node: object) -> Literal | None:
    return node if isinstance(node, Literal) else None


def _first(graph: Graph, subjects: list[Node], prop: URIRef) -> Node | None:
    return next((v for s in subjects for v in graph.objects(s, prop)), None)
