"""What a page says about one resource: its description (the triples, grouped and labelled) and
what points at it; and a named graph's page.

Everything is read with the canned ``kg/queries/page-*.rq`` queries, the resource bound as
``?resource``. A description holds the *curated* triples only: entailments (``graph:inferred``),
build-time derived facts and the SHACL shapes are left out, so a page shows what the data says;
a resource that exists only as a derived fact (a lifecycle) is described by its derived facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.browse.dates import When
from kg.browse.terms import Href, Labeller, Ref, compact
from kg.rdf.labels import ENGLISH, LABEL_PROPERTIES
from kg.rdf.namespaces import DERIVED_GRAPH, GRAPH, INFERRED_GRAPH, OA, PT, SCHEMA, bind_prefixes
from kg.rdf.results import AskResult
from kg.store import Store
from kg.store.queries import canned_query, run, select, select_graph

SHAPES_GRAPHS = str(GRAPH) + "shapes/"
"""The named graphs of the SHACL shapes start so; their triples are never a resource's own."""
DESCRIPTION_PROPERTIES = (SKOS.definition, RDFS.comment, DCTERMS.description)
"""What a page leads with as its summary: the first of these the resource has."""
EXTERNAL_MATCHES = (
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    RDFS.seeAlso,
)
"""The links to the same or a matching thing elsewhere (Wikidata, OWL-Time, CAMEO and PA-X codes:
ontology/mappings.ttl), shown apart."""

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
            OA.prefix,
            OA.suffix,
            OA.start,
            OA.end,
            PT.accordingTo,
            PT.cites,
            PT.sourceKind,
            DCTERMS.identifier,
        ),
    ),
    ("Elsewhere", EXTERNAL_MATCHES),
]
"""How a page groups properties, in display order; anything else goes under "Other"."""

_GROUP_OF: dict[Node, tuple[int, int]] = {
    p: (i, j) for i, (_, props) in enumerate(GROUPS) for j, p in enumerate(props)
}
INBOUND_COLLAPSE = 10
"""Inbound links of one property are collapsed (with their count) beyond this many."""


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
    """A resource as its page shows it: title, kinds, types and summary, its curated properties
    in groups, what points at it, its blank nodes' properties, and the data twin's graph."""

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
    lang: str = ENGLISH
    """The language the labels are shown in (:data:`kg.rdf.labels.LANGUAGES`)."""

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


Triple = tuple[Node, Node, Node]
Owners = dict[Node, tuple[Node, Node]]
"""A blank node pointing at a resource → the resource holding it, and by which property."""

KIND_ORDER = (
    "statement",
    "assessment",
    "date-report",
    "position",
    "topic",
    "actor",
    "source",
    "event",
    "evidence",
)
"""The kinds of page a resource can have (``page-kinds.rq``), in the order a page shows them."""


def exists(store: Store, iri: URIRef) -> bool:
    """Whether the graph holds anything about ``iri`` (else its page is a 404)."""
    result = run(store, canned_query("page-exists"), {"resource": iri})
    return isinstance(result, AskResult) and result.value


def kinds(store: Store, iri: URIRef) -> list[str]:
    """The kinds of page that fit ``iri`` (a statement, an actor …), in :data:`KIND_ORDER`."""
    found = {str(row["kind"]) for row in select(store, "page-kinds", {"resource": iri}).dicts()}
    return [k for k in KIND_ORDER if k in found]


def describe(store: Store, iri: URIRef, href: Href, lang: str = ENGLISH) -> Description:
    """The curated triples about ``iri`` (with its blank nodes), what points at it, and labels:
    in ``lang`` where a term is named in it, else in English."""
    outbound = _outbound(store, iri)
    inbound, owners = _inbound_links(store, iri)
    labeller = Labeller(href, lang)
    for row in select(store, "page-labels", {"resource": iri}).dicts():
        labeller.add(row["term"], row["label"], row["property"])
    for s, p, o in outbound:
        if s == iri:
            labeller.add(iri, o, p)

    own = [(p, o) for s, p, o in outbound if s == iri]
    precision = next((o for p, o in own if p == PT.datePrecision), None)
    basis = next((o for p, o in own if p == PT.dateBasis), None)
    summary_property = next(
        (p for p in DESCRIPTION_PROPERTIES if any(q == p for q, _ in own)), None
    )
    title = labeller.label(iri) if labeller.has_label(iri) else compact(iri)
    hidden = {RDF.type, summary_property}
    # A label that only repeats the title is not shown again.
    shown = [
        (p, o)
        for p, o in own
        if p not in hidden and not (p in LABEL_PROPERTIES and str(o) == title)
    ]
    blank = {
        str(b): _rows([(p, o) for s, p, o in outbound if s == b], labeller, None)
        for b in {s for s, _, _ in outbound if isinstance(s, BNode)}
    }
    date = next((o for p, o in own if p == PT.date), None)
    when = When.of(date, precision, basis) if (date is not None or precision is not None) else None
    types = [labeller.ref(o) for p, o in own if p == RDF.type]
    return Description(
        iri=iri,
        label=title,
        kinds=kinds(store, iri),
        types=sorted(types, key=lambda r: r.label.lower()),
        summary=[str(o) for p, o in own if p == summary_property],
        groups=_groups(shown, labeller, (precision, basis)),
        inbound=_inbound(inbound, owners, labeller),
        matches=[
            labeller.ref(o) for p, o in own if p in EXTERNAL_MATCHES and isinstance(o, URIRef)
        ],
        blank_nodes=blank,
        graph=_data_graph(iri, outbound, inbound, owners, labeller),
        when=when,
        labeller=labeller,
        lang=lang,
    )


def _outbound(store: Store, iri: URIRef) -> list[Triple]:
    """The curated triples of ``iri`` and of its blank nodes; for a resource computed at build
    time (a lifecycle), which has no curated triple of its own, its derived ones."""
    seen: dict[Triple, set[Node | None]] = defaultdict(set)
    for row in select(store, "page-outbound", {"resource": iri}).dicts():
        subject = row.get("b", iri)
        seen[(subject, row["p"], row["o"])].add(row.get("g"))
    outbound = [t for t, graphs in seen.items() if is_curated(graphs)]
    if not any(s == iri for s, _, _ in outbound):
        outbound = [t for t, graphs in seen.items() if is_curated(graphs, derived=True)]
    return outbound


def _inbound_links(store: Store, iri: URIRef) -> tuple[list[tuple[Node, Node]], Owners]:
    """The curated (subject, property) pairs that point at ``iri``, and who holds the blank
    nodes among the subjects."""
    seen_in: dict[tuple[Node, Node], set[Node | None]] = defaultdict(set)
    owners: Owners = {}
    for row in select(store, "page-inbound", {"resource": iri}).dicts():
        seen_in[(row["s"], row["p"])].add(row.get("g"))
        if "owner" in row:
            owners[row["s"]] = (row["owner"], row["ownerProperty"])
    return [t for t, graphs in seen_in.items() if is_curated(graphs)], owners


def _data_graph(
    iri: URIRef,
    outbound: list[Triple],
    inbound: list[tuple[Node, Node]],
    owners: Owners,
    labeller: Labeller,
) -> Graph:
    """The page's data twin: its triples both ways, with the labels of the IRIs they name."""
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
    return graph


DateOf = tuple[Node | None, Node | None]
"""A resource's ``pt:datePrecision`` and ``pt:dateBasis`` (either may be None), which tell how
its ``pt:date`` reads."""


def _rows(
    pairs: Iterable[tuple[Node, Node]], labeller: Labeller, date_of: DateOf | None
) -> list[PropertyRow]:
    by_predicate: dict[Node, list[Node]] = defaultdict(list)
    for p, o in pairs:
        by_predicate[p].append(o)
    rows = []
    for p, objects in by_predicate.items():
        values = [
            _value(labeller, p, o, date_of)
            for o in sorted(objects, key=lambda o: (labeller.label(o).lower(), str(o)))
        ]
        rows.append(PropertyRow(labeller.ref(p), values))
    return sorted(
        rows, key=lambda r: (_GROUP_OF.get(r.predicate.term, (99, 99)), r.predicate.label.lower())
    )


def _value(labeller: Labeller, p: Node, o: Node, date_of: DateOf | None) -> Ref:
    """A property's value; the resource's own ``pt:date`` as precise as it is, and "by …" when
    it is a report date."""
    if p == PT.date and date_of is not None:
        return labeller.ref(o, precision=date_of[0], basis=date_of[1])
    return labeller.ref(o)


def _groups(pairs: list[tuple[Node, Node]], labeller: Labeller, date_of: DateOf) -> list[Group]:
    buckets: dict[int, list[PropertyRow]] = defaultdict(list)
    for row in _rows(pairs, labeller, date_of):
        buckets[_GROUP_OF.get(row.predicate.term, (len(GROUPS), 0))[0]].append(row)
    names = [name for name, _ in GROUPS] + ["Other"]
    return [Group(names[i], buckets[i]) for i in sorted(buckets)]


def _inbound(
    pairs: list[tuple[Node, Node]], owners: Owners, labeller: Labeller
) -> list[InboundGroup]:
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


# --- a named graph ------------------------------------------------------------------------------


def graph_triples(store: Store, iri: URIRef) -> Graph:
    """Every triple of the named graph ``iri``."""
    return select_graph(store, "page-graph", {"resource": iri})


def graph_subjects(triples: Graph, href: Href) -> list[Ref]:
    """The IRIs a named graph describes, each with the label the graph itself gives it."""
    labeller = Labeller(href)
    subjects = sorted({s for s in triples.subjects() if isinstance(s, URIRef)})
    for s in subjects:
        for prop in LABEL_PROPERTIES:
            for label in triples.objects(s, prop):
                labeller.add(s, label, prop)
    return [labeller.ref(s) for s in subjects]
