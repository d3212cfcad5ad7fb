"""The statement form: what the curator typed, turned into a :class:`StatementDraft` of the
curation core, or the problems that stop it, each tied to the form's field that caused it.

The quote comes from the passage selected in the text: the page sends its start and end in code
points of the raw text and the quote as the browser saw it; the quote is taken again from the
text at those offsets (whitespace at either end trimmed), and a selection whose text is not the
quote sent (a page showing another version of the text, a forged request) is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from werkzeug.datastructures import MultiDict

from kg.curation.names import Names, UnknownName
from kg.curation.records import StatementDraft, date_literal, drafts_of, mint_id, mint_label
from kg.curation.terms import NewTerm, new_position
from kg.rdf.namespaces import PT, compact
from kg.sources.anchoring import normalise

FIELDS = (
    "quote",
    "start",
    "end",
    "speaker",
    "party",
    "stance",
    "position",
    "new_position",
    "topic",
    "date",
    "precision",
    "basis",
    "event",
    "framing",
    "note",
    "curator",
    "evidence_of",
    "reason",
    "retract_reason",
)
"""The form's fields, as the page names its inputs."""
GENERAL = ""
"""The key of a problem no one field caused (shown above the form)."""
NEW_STATEMENT = "new"
"""``evidence_of`` when the curator says a possible duplicate is a statement of its own."""


@dataclass
class Filled:
    """A filled form: its values as sent, and the problems found, by field."""

    values: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    created: list[NewTerm] = field(default_factory=list)
    """The positions the form asks to create with its statement."""

    def add(self, name: str, message: str) -> None:
        self.problems[name].append(message)


@dataclass(frozen=True)
class Selection:
    """The passage selected: the quote (whitespace collapsed) and where it starts."""

    quote: str
    start: int
    end: int


SEVERAL = ("party", "event", "framing")
"""The fields that take several values: names separated by ";" (a list's choices, joined so)."""
SEPARATOR = "; "


def filled(form: Mapping[str, str] | MultiDict[str, str]) -> Filled:
    """The form's values as sent; a list that allows several choices gives them joined."""
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    if isinstance(form, MultiDict):
        values["framing"] = SEPARATOR.join(v for v in form.getlist("framing") if v.strip())
    return Filled(values)


def selection(form: Filled, text: str) -> Selection | None:
    """The selected passage, taken from ``text`` at the offsets sent; None (with a problem on
    ``quote``) when nothing is selected or the text there is not the quote sent."""
    values = form.values
    try:
        start, end = int(values["start"]), int(values["end"])
    except ValueError:
        form.add("quote", "select the passage to quote in the text first")
        return None
    if not 0 <= start < end <= len(text):
        form.add("quote", f"the selection {start}–{end} is not inside the text (0–{len(text)})")
        return None
    raw = text[start:end]
    start += len(raw) - len(raw.lstrip())
    end -= len(raw) - len(raw.rstrip())
    quote = normalise(text[start:end])
    if not quote or quote != normalise(values["quote"]):
        form.add(
            "quote",
            f"the text at {start}–{end} is not the quote sent; select the passage again "
            "(has the text changed since the page was loaded?)",
        )
        return None
    return Selection(quote, start, end)


def draft(form: Filled, names: Names, source: URIRef, text: str) -> StatementDraft | None:
    """The draft the form describes, quoting the passage selected in ``text``; None when some
    field has a problem (in ``form``)."""
    chosen = selection(form, text)
    described = statement_fields(form, names)
    if described is None or chosen is None:
        return None
    made = StatementDraft(source=source, quote=chosen.quote, start=chosen.start, **described)
    return _labelled(made, form, names)


def revised(form: Filled, names: Names, old: StatementDraft) -> StatementDraft | None:
    """The correction the form describes of the statement ``old`` is the first evidence of:
    its quote stays, what the form shows is the form's, and what it does not show (responds
    to, conditional on, guarantors …) stays as it was; id, label and evidence are made anew."""
    described = statement_fields(form, names)
    if described is None:
        return None
    made = replace(
        old,
        **described,
        id=None,
        label=None,
        evidence=None,
        curator=None,
        revision_of=None,
        recorded_at=None,
    )
    return _labelled(made, form, names)


def _labelled(made: StatementDraft, form: Filled, names: Names) -> StatementDraft:
    """The draft with its label made here when it is about a position the save creates: the
    core makes labels from the names it knows, which do not hold the new position's yet."""
    if not form.created:
        return made
    labels = {**names.labels, **{term.iri: term.label for term in form.created}}
    return replace(made, label=mint_label(made, labels))


def statement_fields(form: Filled, names: Names) -> dict[str, Any] | None:
    """What the statement says, every name resolved (the draft's fields other than its
    evidence); None when some field has a problem."""
    values = form.values

    def one(name: str, kind: str, required: bool = True) -> URIRef | None:
        if not values[name]:
            if required:
                form.add(name, f"give the {name.replace('_', ' ')}")
            return None
        try:
            return names.resolve(kind, values[name])
        except UnknownName as exc:
            form.add(name, str(exc))
            return None

    described: dict[str, Any] = {
        "speaker": one("speaker", "speaker"),
        "parties": _several(form, names, "party", "give the party on whose behalf it was said"),
        "stance": one("stance", "stance"),
        "position": None if values["new_position"] else one("position", "position"),
        "precision": one("precision", "precision"),
        "basis": one("basis", "basis", required=False),
        "events": _several(form, names, "event"),
        "framings": _several(form, names, "framing"),
        "date": _date(form),
        "note": values["note"] or None,
    }
    if values["new_position"]:
        described["position"] = _new_position(form, names)
    return None if form.problems else described


def _several(form: Filled, names: Names, name: str, required: str = "") -> tuple[URIRef, ...]:
    """The things the field ``name`` names, separated by ";"; ``required``: the problem when it
    names none."""
    texts = [t.strip() for t in form.values[name].split(";") if t.strip()]
    if not texts and required:
        form.add(name, required)
    found = []
    for text in texts:
        try:
            found.append(names.resolve(name, text))
        except UnknownName as exc:
            form.add(name, str(exc))
    return tuple(found)


def _date(form: Filled) -> Literal | None:
    if not form.values["date"]:
        return None
    try:
        return date_literal(form.values["date"])
    except ValueError as exc:
        form.add("date", str(exc))
        return None


def _new_position(form: Filled, names: Names) -> URIRef | None:
    """The IRI of the new position the form asks for, which the save creates with the statement
    (:attr:`Filled.created`) under the form's topic; a name a position has already is refused
    (pick that position instead)."""
    label = form.values["new_position"]
    try:
        existing = names.resolve("position", label)
    except UnknownName:
        existing = None
    if existing is not None:
        form.add(
            "new_position",
            f"a position is named so already: {names.label(existing)} "
            f"({compact(existing)}); pick it in the Position field",
        )
        return None
    if not form.values["topic"]:
        form.add("topic", "give the topic the new position belongs under")
        return None
    try:
        topic = names.resolve("topic", form.values["topic"])
    except UnknownName as exc:
        form.add("topic", str(exc))
        return None
    term = new_position(label, topic, names.kind_members("position"))
    form.created.append(term)
    return term.iri


def duplicates(graph: Graph, draft: StatementDraft) -> list[URIRef]:
    """The position statements quoted from other sources with one of the draft's parties, its
    position and its date: perhaps the same statement, which the curator may want to add this
    quote to instead of recording it twice."""
    found = set()
    for statement in graph.subjects(PT.about, draft.position):
        if not isinstance(statement, URIRef) or graph.value(statement, PT.date) != draft.date:
            continue
        if (statement, RDF.type, PT.PositionStatement) not in graph:
            continue
        if not set(draft.parties) & set(graph.objects(statement, PT.onBehalfOf)):
            continue
        if draft.source not in {d.source for d in drafts_of(graph, statement)}:
            found.add(statement)
    return sorted(found)


def chosen(form: Filled, graph: Graph, draft: StatementDraft) -> StatementDraft | None:
    """The draft as the curator chose for a possible duplicate: this quote added to the existing
    statement as a further evidence annotation, or a statement of its own (given its own IRI, so
    that the core does not add it to the existing one), or — not chosen yet — None with the
    choice asked for (a problem on ``evidence_of``). A quote added to an existing statement
    keeps that statement as recorded: only the quote, its source and the curator come from the
    form (the core refuses a draft that says otherwise of a recorded statement)."""
    choice = form.values["evidence_of"]
    found = duplicates(graph, draft)
    if choice == NEW_STATEMENT:
        return replace(draft, id=mint_id(draft, graph))
    if choice:
        if URIRef(choice) not in found:
            form.add("evidence_of", "choose one of the statements offered, or a new statement")
            return None
        (recorded, *_) = drafts_of(graph, URIRef(choice))
        return replace(
            recorded,
            source=draft.source,
            quote=draft.quote,
            start=draft.start,
            evidence=None,
            according_to=None,
            curator=draft.curator,
            recorded_at=None,
        )
    if found:
        form.add(
            "evidence_of",
            "the same party, position and date are recorded from another source: add this quote "
            "to that statement, or say it is a statement of its own",
        )
        return None
    return draft


def values_of(draft: StatementDraft, names: Names) -> dict[str, str]:
    """The form's values that describe ``draft`` (to correct it): names as their labels where a
    label names them alone, else as prefixed names; closed vocabularies as IRIs."""

    def shown(kind: str, iri: URIRef | None) -> str:
        if iri is None:
            return ""
        label = names.label(iri)
        try:
            return label if names.resolve(kind, label) == iri else compact(iri)
        except UnknownName:
            return compact(iri)

    return {
        **{name: "" for name in FIELDS},
        "speaker": shown("speaker", draft.speaker),
        "party": SEPARATOR.join(shown("party", p) for p in draft.parties),
        "stance": str(draft.stance),
        "position": shown("position", draft.position),
        "date": str(draft.date) if draft.date is not None else "",
        "precision": str(draft.precision),
        "basis": str(draft.basis) if draft.basis else "",
        "event": SEPARATOR.join(shown("event", e) for e in draft.events),
        "framing": SEPARATOR.join(str(f) for f in draft.framings),
        "note": draft.note or "",
    }
