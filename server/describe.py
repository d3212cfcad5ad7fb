"""What a page says about one resource: its description (the triples, grouped and labelled), what
points at it, and the kind-specific parts (evidence and quotes, timelines, a source's statements).

Everything is read with the canned ``kg/queries/page-*.rq`` queries, the resource bound as
``?resource``. A description holds the *curated* triples only: entailments (``graph:inferred``),
build-time derived facts and the SHACL shapes are left out, so a page shows what the data says;
a resource that exists only as a derived fact (a lifecycle) is described by its derived facts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, XSD, NamespaceManager
from rdflib.term import Node

from kg.rdf.namespaces import DERIVED_GRAPH, GRAPH, INFERRED_GRAPH, OA, PT, SCHEMA, bind_prefixes
from kg.rdf.results import AskResult, SelectResult
from kg.store import Store
from kg.store.queries import canned_query, run
from server.timeline import Entry, When, layout

Href = Callable[[URIRef], "str | None"]
"""Where a page links an IRI: a page on this server, an external http(s) address, or nowhere."""

SHAPES_GRAPHS = str(GRAPH) + "shapes/"
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel)
DESCRIPTION_PROPERTIES = (SKOS.definition, RDFS.comment, DCTERMS.description)
DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear, XSD.dateTime}
EXTERNAL_MATCHES = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch, RDFS.seeAlso)

GROUPS: list[tuple[str, tuple[URIRef, ...]]] = [
    (
        "Names and notes",
        (
            RDFS.label,
            SKOS.prefLabel,
            SKOS.altLabel,
            DCTERMS.title,
            SKOS.definition,
            RDFS.comment,
            DCTERMS.description,
            SKOS.note,
            SKOS.scopeNote,
        ),
    ),
    (
        "Who",
        (
            PT.speaker,
            PT.onBehalfOf,
            PT.participant,
            ORG.member,
            ORG.organization,
            ORG.role,
            PT.delegationOf,
            PT.memberOfParty,
            ORG.subOrganizationOf,
            DCTERMS.publisher,
        ),
    ),
    (
        "What",
        (
            PT.stance,
            PT.about,
            PT.reportsOn,
            PT.framing,
            PT.conditionalOn,
            PT.respondsTo,
            PT.supersedes,
            PT.quantity,
            PT.contradicts,
            PT.comprises,
            PT.partOfPackage,
            SKOS.broader,
            SKOS.narrower,
            SKOS.inScheme,
            SKOS.topConceptOf,
            SKOS.hasTopConcept,
            PT.partOf,
            SCHEMA.value,
            SCHEMA.minValue,
            SCHEMA.maxValue,
            SCHEMA.unitText,
        ),
    ),
    (
        "When and where",
        (
            PT.date,
            PT.datePrecision,
            PT.dateBasis,
            PT.dateQualifier,
            PT.atEvent,
            SCHEMA.location,
        ),
    ),
    (
        "Evidence and sources",
        (
            PT.evidence,
            OA.hasBody,
            OA.hasTarget,
            OA.motivatedBy,
            OA.hasSource,
            OA.hasSelector,
            OA.exact,
            PT.accordingTo,
            PT.cites,
            PT.sourceKind,
            DCTERMS.identifier,
        ),
    ),
    ("Elsewhere", EXTERNAL_MATCHES),
]
"""How a page groups properties, in display order; anything else goes under "Other"."""

_GROUP_OF = {p: (i, j) for i, (_, props) in enumerate(GROUPS) for j, p in enumerate(props)}
INBOUND_COLLAPSE = 10
"""Inbound links of one property are collapsed (with their count) beyond this many."""

SUPPORTING = "supporting"
OPPOSING = "opposing"


# --- terms as shown -----------------------------------------------------------------------------


@dataclass
class Ref:
    """A term as a page shows it: a label, where it links, and what it is."""

    term: Node
    label: str
    href: str | None = None
    when: When | None = None

    @property
    def iri(self) -> str | None:
        return str(self.term) if isinstance(self.term, URIRef) else None

    @property
    def is_literal(self) -> bool:
        return isinstance(self.term, Literal)

    @property
    def is_blank(self) -> bool:
        return isinstance(self.term, BNode)

    @property
    def lang(self) -> str | None:
        return self.term.language if isinstance(self.term, Literal) else None

    @property
    def datatype(self) -> str | None:
        if isinstance(self.term, Literal) and self.term.datatype:
            return _compact(self.term.datatype)
        return None


class Labeller:
    """Turns terms into :class:`Ref`\\ s with the best label known for each."""

    def __init__(self, href: Href) -> None:
        self.href = href
        self._labels: dict[Node, list[Literal]] = defaultdict(list)

    def add(self, term: Node | None, label: Node | None) -> None:
        if term is not None and isinstance(label, Literal) and label not in self._labels[term]:
            self._labels[term].append(label)

    def label(self, term: Node) -> str:
        found = self._labels.get(term)
        if found:
            return str(sorted(found, key=_label_rank)[0])
        if isinstance(term, Literal):
            return str(term)
        if isinstance(term, BNode):
            return "(blank node)"
        return _compact(term)

    def has_label(self, term: Node) -> bool:
        return bool(self._labels.get(term))

    def labels_of(self, term: Node) -> list[Literal]:
        return list(self._labels.get(term, []))

    def ref(self, term: Node, *, precision: Node | None = None) -> Ref:
        if isinstance(term, Literal):
            when = When.of(term, precision) if term.datatype in DATE_TYPES else None
            return Ref(term, when.text if when and when.known else str(term), None, when)
        href = self.href(term) if isinstance(term, URIRef) else None
        return Ref(term, self.label(term), href)


def _label_rank(label: Literal) -> tuple[int, str]:
    lang = (label.language or "").lower()
    return (0 if lang == "en" else 1 if lang.startswith("en") else 2 if not lang else 3, str(label))


_NM = NamespaceManager(Graph(), bind_namespaces="none")
bind_prefixes(_NM)


def _compact(term: Node) -> str:
    """A prefixed name (``actor:russia``) where a project prefix fits, else the IRI itself."""
    try:
        text = term.n3(_NM)
    except Exception:  # an IRI rdflib cannot abbreviate or write
        return str(term)
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def is_curated(graphs: set[Node | None], *, derived: bool = False) -> bool:
    """Whether a triple seen in these graphs (None: read from the union default graph) is curated:
    held by the default graph alone, or by at least one graph that is neither entailed, nor
    computed at build time (unless ``derived``), nor the shapes."""
    named = {g for g in graphs if g is not None}
    if not named:
        return True
    excluded = (INFERRED_GRAPH,) if derived else (INFERRED_GRAPH, DERIVED_GRAPH)
    return any(g not in excluded and not str(g).startswith(SHAPES_GRAPHS) for g in named)


# --- the description ----------------------------------------------------------------------------


@dataclass
class PropertyRow:
    predicate: Ref
    values: list[Ref]


@dataclass
class Group:
    name: str
    rows: list[PropertyRow]


@dataclass
class InboundGroup:
    predicate: Ref
    subjects: list[Ref]
    via: Ref | None = None
    """For links from blank nodes: the property by which the owner holds the blank node."""

    @property
    def count(self) -> int:
        return len(self.subjects)

    @property
    def collapsed(self) -> bool:
        return self.count > INBOUND_COLLAPSE


@dataclass
class Description:
    iri: URIRef
    label: str
    kinds: list[str]
    types: list[Ref]
    summary: list[str]
    groups: list[Group]
    inbound: list[InboundGroup]
    matches: list[Ref]
    blank_nodes: dict[str, list[PropertyRow]]
    graph: Graph
    when: When | None = None
    labeller: Labeller | None = None

    def values(self, predicate: URIRef) -> list[Ref]:
        for group in self.groups:
            for row in group.rows:
                if row.predicate.term == predicate:
                    return row.values
        return []

    def first(self, predicate: URIRef) -> Ref | None:
        found = self.values(predicate)
        return found[0] if found else None

    @property
    def inbound_count(self) -> int:
        return sum(g.count for g in self.inbound)


def exists(store: Store, iri: URIRef) -> bool:
    result = run(store, canned_query("page-exists"), {"resource": iri})
    return isinstance(result, AskResult) and result.value


def _select(store: Store, name: str, iri: URIRef) -> SelectResult:
    result = run(store, canned_query(name), {"resource": iri})
    if not isinstance(result, SelectResult):
        raise TypeError(f"canned query {name} is not a SELECT")
    return result


def kinds(store: Store, iri: URIRef) -> list[str]:
    order = ["statement", "assessment", "date-report", "position", "topic", "actor", "source"]
    order += ["event", "evidence"]
    found = {str(row["kind"]) for row in _select(store, "page-kinds", iri).dicts()}
    return [k for k in order if k in found]


def describe(store: Store, iri: URIRef, href: Href) -> Description:
    """The curated triples about ``iri`` (with its blank nodes), what points at it, and labels."""
    labeller = Labeller(href)
    seen: dict[tuple[Node, Node, Node], set[Node | None]] = defaultdict(set)
    for row in _select(store, "page-outbound", iri).dicts():
        subject = row.get("b", iri)
        seen[(subject, row["p"], row["o"])].add(row.get("g"))
    outbound = [t for t, graphs in seen.items() if is_curated(graphs)]
    if not any(s == iri for s, _, _ in outbound):
        # A resource computed at build time (a lifecycle) is described by its derived facts.
        outbound = [t for t, graphs in seen.items() if is_curated(graphs, derived=True)]

    seen_in: dict[tuple[Node, Node], set[Node | None]] = defaultdict(set)
    owners: dict[Node, tuple[Node, Node]] = {}
    for row in _select(store, "page-inbound", iri).dicts():
        seen_in[(row["s"], row["p"])].add(row.get("g"))
        if "owner" in row:
            owners[row["s"]] = (row["owner"], row["ownerProperty"])
    inbound = [t for t, graphs in seen_in.items() if is_curated(graphs)]

    for row in _select(store, "page-labels", iri).dicts():
        labeller.add(row["term"], row["label"])
    for s, p, o in outbound:
        if s == iri and p in LABEL_PROPERTIES:
            labeller.add(iri, o)

    graph = Graph()
    bind_prefixes(graph)
    for triple in outbound:
        graph.add(triple)
    for s, p in inbound:
        graph.add((s, p, iri))
        if isinstance(s, BNode) and s in owners:
            owner, via = owners[s]
            graph.add((owner, via, s))
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef)} - {iri}:
        for label in labeller.labels_of(term):
            graph.add((term, RDFS.label, label))

    own = [(p, o) for s, p, o in outbound if s == iri]
    precision = next((o for p, o in own if p == PT.datePrecision), None)
    types = [labeller.ref(o) for p, o in own if p == RDF.type]
    summary_property = next(
        (p for p in DESCRIPTION_PROPERTIES if any(q == p for q, _ in own)), None
    )
    summary = [str(o) for p, o in own if p == summary_property]
    title = labeller.label(iri) if labeller.has_label(iri) else _compact(iri)
    hidden = {RDF.type, summary_property}
    # A label that only repeats the title is not shown again.
    shown = [
        (p, o)
        for p, o in own
        if p not in hidden and not (p in LABEL_PROPERTIES and str(o) == title)
    ]
    groups = _groups(shown, labeller, precision)
    blank = {
        str(b): _rows([(p, o) for s, p, o in outbound if s == b], labeller, None)
        for b in {s for s, _, _ in outbound if isinstance(s, BNode)}
    }
    date = next((o for p, o in own if p == PT.date), None)
    when = When.of(date, precision) if (date is not None or precision is not None) else None
    matches = [labeller.ref(o) for p, o in own if p in EXTERNAL_MATCHES and isinstance(o, URIRef)]
    return Description(
        iri=iri,
        label=title,
        kinds=kinds(store, iri),
        types=sorted(types, key=lambda r: r.label.lower()),
        summary=summary,
        groups=groups,
        inbound=_inbound(inbound, owners, labeller),
        matches=matches,
        blank_nodes=blank,
        graph=graph,
        when=when,
        labeller=labeller,
    )


def _rows(pairs: Iterable[tuple[Node, Node]], labeller: Labeller, precision: Node | None):
    by_predicate: dict[Node, list[Node]] = defaultdict(list)
    for p, o in pairs:
        by_predicate[p].append(o)
    rows = []
    for p, objects in by_predicate.items():
        values = [
            labeller.ref(o, precision=precision if p == PT.date else None)
            for o in sorted(objects, key=lambda o: (labeller.label(o).lower(), str(o)))
        ]
        rows.append(PropertyRow(labeller.ref(p), values))
    return sorted(
        rows, key=lambda r: (_GROUP_OF.get(r.predicate.term, (99, 99)), r.predicate.label.lower())
    )


def _groups(pairs: list[tuple[Node, Node]], labeller: Labeller, precision: Node | None):
    buckets: dict[int, list[PropertyRow]] = defaultdict(list)
    for row in _rows(pairs, labeller, precision):
        buckets[_GROUP_OF.get(row.predicate.term, (len(GROUPS), 0))[0]].append(row)
    names = [name for name, _ in GROUPS] + ["Other"]
    return [Group(names[i], buckets[i]) for i in sorted(buckets)]


def _inbound(pairs, owners, labeller: Labeller) -> list[InboundGroup]:
    by_key: dict[tuple[Node, Node | None], list[Node]] = defaultdict(list)
    for s, p in pairs:
        if isinstance(s, BNode) and s in owners:
            owner, via = owners[s]
            by_key[(p, via)].append(owner)
        else:
            by_key[(p, None)].append(s)
    groups = [
        InboundGroup(
            labeller.ref(p),
            sorted(
                (labeller.ref(s) for s in set(subjects)),
                key=lambda r: (r.label.lower(), str(r.term)),
            ),
            labeller.ref(via) if via is not None else None,
        )
        for (p, via), subjects in by_key.items()
    ]
    return sorted(groups, key=lambda g: (g.predicate.label.lower(), str(g.predicate.term)))


# --- evidence -----------------------------------------------------------------------------------


@dataclass
class Evidence:
    """One verbatim quote in one source document, attesting a statement."""

    annotation: Ref
    source: Ref
    identifier: str | None
    quote: str | None
    according_to: Ref | None = None


def evidence(store: Store, iri: URIRef, href: Href) -> list[Evidence]:
    labeller = Labeller(href)
    found: dict[Node, Evidence] = {}
    for row in _select(store, "page-statement-evidence", iri).dicts():
        labeller.add(row["source"], row.get("sourceLabel"))
        labeller.add(row.get("accordingTo"), row.get("accordingToLabel"))
        if row["evidence"] in found:
            continue
        found[row["evidence"]] = Evidence(
            annotation=labeller.ref(row["evidence"]),
            source=labeller.ref(row["source"]),
            identifier=_str(row.get("identifier")),
            quote=_str(row.get("quote")),
            according_to=labeller.ref(row["accordingTo"]) if "accordingTo" in row else None,
        )
    return list(found.values())


def annotation_quote(description: Description) -> Evidence | None:
    """For an ``oa:Annotation``'s own page: its quote and source, read from its blank nodes."""
    target = description.first(OA.hasTarget)
    if target is None or not target.is_blank:
        return None
    rows = {r.predicate.term: r.values for r in description.blank_nodes.get(str(target.term), [])}
    source = (rows.get(OA.hasSource) or [None])[0]
    selector = (rows.get(OA.hasSelector) or [None])[0]
    quote = None
    if selector is not None and selector.is_blank:
        inner = {
            r.predicate.term: r.values for r in description.blank_nodes.get(str(selector.term), [])
        }
        quote = (inner.get(OA.exact) or [None])[0]
    if source is None:
        return None
    return Evidence(
        annotation=Ref(description.iri, description.label),
        source=source,
        identifier=None,
        quote=quote.label if quote else None,
        according_to=description.first(PT.accordingTo),
    )


# --- timelines ----------------------------------------------------------------------------------


@dataclass
class Attestation:
    """A party's statement about a position, with its evidence."""

    statement: Ref
    party: Ref
    speaker: Ref
    stance: Ref
    tone: str
    when: When
    evidence: list[Evidence] = field(default_factory=list)


def tone_of(row: dict[str, Node]) -> str:
    if row.get("opposing") is not None:
        return OPPOSING
    if row.get("supporting") is not None:
        return SUPPORTING
    return "other"


def position_attestations(store: Store, iri: URIRef, href: Href) -> list[Attestation]:
    labeller = Labeller(href)
    found: dict[tuple[Node, Node], Attestation] = {}
    for row in _select(store, "page-position-attestations", iri).dicts():
        for key, label in (
            ("statement", "statementLabel"),
            ("party", "partyLabel"),
            ("speaker", "speakerLabel"),
            ("stance", "stanceLabel"),
            ("source", "sourceLabel"),
        ):
            labeller.add(row.get(key), row.get(label))
        key = (row["statement"], row["party"])
        if key not in found:
            found[key] = Attestation(
                statement=labeller.ref(row["statement"]),
                party=labeller.ref(row["party"]),
                speaker=labeller.ref(row["speaker"]),
                stance=labeller.ref(row["stance"]),
                tone=tone_of(row),
                when=When.of(row.get("date"), row.get("precision")),
            )
        attestation = found[key]
        if "evidence" in row and all(
            e.annotation.term != row["evidence"] for e in attestation.evidence
        ):
            attestation.evidence.append(
                Evidence(
                    annotation=labeller.ref(row["evidence"]),
                    source=labeller.ref(row["source"]),
                    identifier=_str(row.get("identifier")),
                    quote=_str(row.get("quote")),
                )
            )
    return sorted(found.values(), key=lambda a: (a.when.sort_key, a.party.label, a.statement.label))


@dataclass
class StanceSummary:
    """Which parties took which stance on a position: each party with its distinct dates (and how
    many statements fall on each)."""

    stance: Ref
    tone: str
    parties: list[tuple[Ref, list[tuple[When, int]]]]


def stance_summary(attestations: list[Attestation]) -> list[StanceSummary]:
    by_stance: dict[Node, dict[Node, dict[When, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    refs: dict[Node, Ref] = {}
    tones: dict[Node, str] = {}
    for a in attestations:
        by_stance[a.stance.term][a.party.term][a.when] += 1
        refs[a.stance.term] = a.stance
        refs[a.party.term] = a.party
        tones[a.stance.term] = a.tone
    order = {SUPPORTING: 0, OPPOSING: 1, "other": 2}
    summaries = []
    for stance, parties in by_stance.items():
        listed = [
            (refs[party], sorted(dates.items(), key=lambda item: item[0].sort_key))
            for party, dates in parties.items()
        ]
        listed.sort(key=lambda item: item[0].label)
        summaries.append(StanceSummary(refs[stance], tones[stance], listed))
    return sorted(summaries, key=lambda s: (order[s.tone], s.stance.label))


def attestation_chart(attestations: list[Attestation], title: str):
    entries = [
        Entry(
            when=a.when,
            lane=a.party.label,
            label=f"{a.party.label}: {a.stance.label} — {a.statement.label}",
            href=a.statement.href,
            tone=a.tone,
        )
        for a in attestations
    ]
    return layout(entries, title)


@dataclass
class ActorStatement:
    statement: Ref
    kind: str
    roles: list[str]
    stance: Ref | None
    tone: str
    about: list[Ref]
    when: When


def actor_statements(store: Store, iri: URIRef, href: Href) -> list[ActorStatement]:
    labeller = Labeller(href)
    found: dict[Node, ActorStatement] = {}
    for row in _select(store, "page-actor-statements", iri).dicts():
        for key, label in (
            ("statement", "statementLabel"),
            ("stance", "stanceLabel"),
            ("about", "aboutLabel"),
        ):
            labeller.add(row.get(key), row.get(label))
        statement = row["statement"]
        if statement not in found:
            found[statement] = ActorStatement(
                statement=labeller.ref(statement),
                kind="assessment" if row["kind"] == PT.Assessment else "position statement",
                roles=[],
                stance=labeller.ref(row["stance"]) if "stance" in row else None,
                tone=tone_of(row),
                about=[],
                when=When.of(row.get("date"), row.get("precision")),
            )
        item = found[statement]
        if str(row["role"]) not in item.roles:
            item.roles.append(str(row["role"]))
        if "about" in row and all(a.term != row["about"] for a in item.about):
            item.about.append(labeller.ref(row["about"]))
    for item in found.values():
        item.about = [labeller.ref(a.term) for a in item.about]
        item.about.sort(key=lambda r: r.label)
    return sorted(found.values(), key=lambda s: (s.when.sort_key, s.statement.label))


def actor_chart(statements: list[ActorStatement], title: str):
    entries = [
        Entry(
            when=s.when,
            lane=s.stance.label if s.stance else "Assessments",
            label=s.statement.label,
            href=s.statement.href,
            tone=s.tone,
        )
        for s in statements
    ]
    return layout(entries, title, lane_order=lambda lane: (lane == "Assessments", lane))


@dataclass
class RoleHeld:
    assignment: Ref
    role: Ref | None
    organization: Ref | None
    event: Ref | None
    when: When


def actor_roles(store: Store, iri: URIRef, href: Href) -> list[RoleHeld]:
    labeller = Labeller(href)
    rows = list(_select(store, "page-actor-roles", iri).dicts())
    for row in rows:
        for key in ("assignment", "role", "organization", "event"):
            labeller.add(row.get(key), row.get(key + "Label"))
    found: dict[Node, RoleHeld] = {}
    for row in rows:
        if row["assignment"] in found:
            continue
        found[row["assignment"]] = RoleHeld(
            assignment=labeller.ref(row["assignment"]),
            role=labeller.ref(row["role"]) if "role" in row else None,
            organization=labeller.ref(row["organization"]) if "organization" in row else None,
            event=labeller.ref(row["event"]) if "event" in row else None,
            when=When.of(row.get("date"), row.get("precision")),
        )
    return sorted(found.values(), key=lambda r: r.when.sort_key)


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


def source_statements(store: Store, iri: URIRef, href: Href) -> list[Reported]:
    labeller = Labeller(href)
    rows = list(_select(store, "page-source-statements", iri).dicts())
    for row in rows:
        for key in ("statement", "speaker", "party", "stance", "about", "accordingTo", "kind"):
            labeller.add(row.get(key), row.get(key + "Label"))
    found: dict[Node, Reported] = {}
    for row in rows:
        key = row.get("statement", row["evidence"])
        if key not in found:
            found[key] = Reported(
                statement=labeller.ref(row["statement"]) if "statement" in row else None,
                kind=labeller.label(row["kind"]) if "kind" in row else None,
                speaker=labeller.ref(row["speaker"]) if "speaker" in row else None,
                parties=[],
                stance=labeller.ref(row["stance"]) if "stance" in row else None,
                about=[],
                when=When.of(row.get("date"), row.get("precision")),
                quotes=[],
            )
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
                    quote=_str(row.get("quote")),
                    according_to=labeller.ref(row["accordingTo"]) if "accordingTo" in row else None,
                )
            )
    return sorted(
        found.values(),
        key=lambda r: (r.when.sort_key, r.statement.label if r.statement else ""),
    )


def _str(term: Node | None) -> str | None:
    return None if term is None else str(term)


# --- the machine twin ---------------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """A page's data as plain JSON values: terms as their IRI or lexical form, dates with precision."""
    if isinstance(value, Ref):
        out: dict[str, Any] = {"label": value.label}
        if isinstance(value.term, URIRef):
            out["iri"] = str(value.term)
        elif isinstance(value.term, Literal):
            out["value"] = str(value.term)
            if value.lang:
                out["lang"] = value.lang
            if value.term.datatype:
                out["datatype"] = str(value.term.datatype)
        else:
            out["blank_node"] = str(value.term)
        return out
    if isinstance(value, When):
        return {"date": value.iso, "precision": value.precision, "text": value.text}
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


def dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=1)
