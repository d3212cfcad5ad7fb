"""Which recorded statement a draft is, and whether it agrees with the record.

A draft names its statement (``id``) or, without one, may be a further quote of a statement another
source already gave (:func:`recorded_match`). Either way a recorded statement is not changed by a
save: a draft that says something else of it than the record is refused on that field
(:func:`differences`; a correction is how a record changes), and a draft whose quote the statement
already has from that source is recorded already and not written again (:func:`already_quoted`),
so that a table exported and imported again changes nothing.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.curation.records import StatementDraft, drafts_of
from kg.rdf.namespaces import OA, PT, compact
from kg.sources.anchoring import normalise

KEPT_FIELDS = {"curator", "recorded_at", "revision_of", "label", "id"}
"""Statement fields a draft of a recorded statement does not restate: who recorded it and when
(the statement's own record stands), what it revises, its label (the recorded one is used)."""


def differences(draft: StatementDraft, statement: URIRef, graph: Graph) -> list[tuple[str, str]]:
    """Where ``draft`` says something else of the recorded ``statement`` than the record does:
    (field, sentence) for each field it gives (an empty optional field restates nothing). A
    recorded statement changes only by a correction, which keeps what was recorded."""
    recorded = drafts_of(graph, statement)
    if not recorded:
        return []
    was = recorded[0].statement_fields()
    problems = []
    for field_name, value in draft.statement_fields().items():
        if field_name in KEPT_FIELDS or value is None or value == ():
            continue
        before = was[field_name]
        if isinstance(value, tuple) and isinstance(before, tuple):
            same = set(value) == set(before)
        else:
            same = value == before
        if not same:
            message = (
                f"{_shown(before)} is recorded for {compact(statement)}, not {_shown(value)}; "
                "a recorded statement changes only by a correction (kg curate: Correct)"
            )
            problems.append((field_name, message))
    return problems


def _shown(value: object) -> str:
    if value is None or value == ():
        return "nothing"
    if isinstance(value, tuple):
        return "; ".join(sorted(_shown(v) for v in value))
    if isinstance(value, URIRef):
        return compact(value)
    return repr(str(value))


def already_quoted(draft: StatementDraft, graph: Graph) -> bool:
    """Whether the recorded statement already has this quote from this source as evidence (at
    ``draft.start``, when given): such a draft is recorded, and writing it again would only
    duplicate its evidence."""
    quote = normalise(draft.quote)
    for annotation in graph.objects(draft.id, PT.evidence):
        for target in graph.objects(annotation, OA.hasTarget):
            if graph.value(target, OA.hasSource) != draft.source:
                continue
            selectors = list(graph.objects(target, OA.hasSelector))
            exact = {normalise(str(graph.value(s, OA.exact) or "")) for s in selectors}
            starts = {str(graph.value(s, OA.start)) for s in selectors} - {"None"}
            if quote in exact and (draft.start is None or str(draft.start) in starts):
                return True
    return False


def recorded_match(draft: StatementDraft, graph: Graph) -> URIRef | None:
    """The statement ``draft`` records again from another source, if one: the same parties,
    stance, position and date (and speaker, when undated: an undated party position is said
    by many), no evidence in ``draft``'s source, and nothing ``draft`` gives that the record
    contradicts: a draft that differs is a statement of its own (several: the one with its
    speaker, else none)."""
    candidates = []
    for statement in graph.subjects(PT.about, draft.position):
        if (
            not isinstance(statement, URIRef)
            or (statement, RDF.type, PT.PositionStatement) not in graph
        ):
            continue
        same = (
            set(graph.objects(statement, PT.onBehalfOf)) == set(draft.parties)
            and graph.value(statement, PT.stance) == draft.stance
            and graph.value(statement, PT.date) == draft.date
            and graph.value(statement, PT.datePrecision) == draft.precision
            and (draft.date is not None or graph.value(statement, PT.speaker) == draft.speaker)
        )
        sources = {
            graph.value(target, OA.hasSource)
            for annotation in graph.objects(statement, PT.evidence)
            for target in graph.objects(annotation, OA.hasTarget)
        }
        if same and draft.source not in sources and not differences(draft, statement, graph):
            candidates.append(statement)
    if len(candidates) > 1:
        candidates = [c for c in candidates if graph.value(c, PT.speaker) == draft.speaker]
    return candidates[0] if len(candidates) == 1 else None
