"""Nanopublications: one per current position statement, for research graphs that take
nanopublications (``kg export --format nanopub``).

A nanopublication is four named graphs. The *head* says which graph is which; the *assertion*
holds the statement's own triples (speaker, party, stance, position, date and precision …); the
*provenance* says where the assertion comes from: ``prov:wasDerivedFrom`` each source document,
the evidence annotations with their quote and position selectors, and who recorded the
statement and when, where the data says so; the *publication info* says when the
nanopublication was made, under which licence, by whom.

IRIs follow nanopub-java's current layout: the nanopublication is
``https://w3id.org/peace-talks-kg/np/<statement's local name>`` and its graphs and skolemised
blank nodes are below it (``…/Head``, ``…/assertion``, ``…/provenance``, ``…/pubinfo``,
``…/_1``). With ``trusty`` the nanopublication is ``…/np/RA<hash>`` instead: a trusty URI of
module RA, computed as nanopub-java and trustyuri-java compute it (:func:`artifact_code`).

Which statements are current is decided where the CSV statements table decides it (the canned
query ``export-statements.rq`` leaves out corrected and retracted statements). The output is
deterministic: blank nodes are numbered in RDFC-1.0 order within each nanopublication, and the
creation time is the statement's recorded curation time or the time given, never the clock's.
:func:`check` holds a set of nanopublications to the well-formedness rules of nanopub-java.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, XSD
from rdflib.term import Node

from kg.publish.quads import ExportError, Quad, Triple, canonical
from kg.publish.turtle import trig
from kg.publish.void import CREATOR
from kg.rdf.namespaces import NANOPUB, NP, OA, PREFIXES, PT
from kg.store.oxigraph import OxigraphStore
from kg.store.queries import select

PREFIXES_WRITTEN = {**PREFIXES, "np": str(NP)}
"""The prefixes the nanopublications are written with: the project's and ``np:``."""
CURATION = (PT.recordedBy, PROV.generatedAtTime, PROV.wasRevisionOf)
"""A statement's predicates that are about the record rather than the talks: provenance."""
CURRENT_QUERY = "export-statements"
"""The canned query that lists the current statements (its ``?id``), as the CSV table does."""
PLACEHOLDER = " "
"""What stands for the artifact code while a trusty URI is computed (trustyuri-java)."""
ARTIFACT_CODE = re.compile(r"RA[A-Za-z0-9_-]{43}$")
"""A trusty URI's artifact code of module RA: ``RA`` and a base64url SHA-256 without padding."""


@dataclass(frozen=True)
class Nanopub:
    """One nanopublication's IRI and its four graphs' IRIs, all under ``base``."""

    base: str

    @property
    def iri(self) -> URIRef:
        return URIRef(self.base)

    def part(self, name: str) -> URIRef:
        """A graph (``Head`` …) or a skolemised blank node (``_1`` …) of this nanopublication."""
        return URIRef(f"{self.base}/{name}")

    @property
    def head(self) -> URIRef:
        return self.part("Head")

    @property
    def assertion(self) -> URIRef:
        return self.part("assertion")

    @property
    def provenance(self) -> URIRef:
        return self.part("provenance")

    @property
    def pubinfo(self) -> URIRef:
        return self.part("pubinfo")


# --- what goes in ------------------------------------------------------------------------------


class _Graph:
    """The exported quads' triples, by subject, for describing one resource at a time."""

    def __init__(self, quads: Iterable[Quad]) -> None:
        self.by_subject: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
        for s, p, o, _ in quads:
            self.by_subject[s].add((p, o))

    def describe(self, subject: Node) -> list[Triple]:
        """The triples of ``subject`` and, recursively, of the blank nodes they lead to."""
        out: list[Triple] = []
        todo, seen = [subject], {subject}
        while todo:
            node = todo.pop()
            for p, o in sorted(self.by_subject.get(node, ()), key=str):
                out.append((node, p, o))
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return out

    def objects(self, subject: Node, predicate: Node) -> list[Node]:
        return sorted((o for p, o in self.by_subject.get(subject, ()) if p == predicate), key=str)


def current_statements(quads: Iterable[Quad]) -> list[URIRef]:
    """The position statements that are neither corrected nor retracted, in IRI order: those
    the CSV statements table lists (:data:`CURRENT_QUERY`)."""
    store = OxigraphStore()
    store.add_quads(quads)
    result = select(store, CURRENT_QUERY)
    at = result.variables.index("id")
    found = {row[at] for row in result.rows}
    return sorted((s for s in found if isinstance(s, URIRef)), key=str)


def statement_quads(
    graph: _Graph, statement: URIRef, np: Nanopub, created: Literal, license: URIRef
) -> list[Quad]:
    """The four graphs of the nanopublication of ``statement``, blank nodes still blank."""
    own = graph.describe(statement)
    assertion = [t for t in own if not (t[0] == statement and t[1] in CURATION)]
    provenance = [t for t in own if t not in assertion]
    for annotation in graph.objects(statement, PT.evidence):
        provenance += graph.describe(annotation)
        for target in graph.objects(annotation, OA.hasTarget):
            sources = graph.objects(target, OA.hasSource)
            provenance += [(np.assertion, PROV.wasDerivedFrom, s) for s in sources]
    for curator in graph.objects(statement, PT.recordedBy):
        provenance.append((np.assertion, PROV.wasAttributedTo, curator))
        provenance += graph.describe(curator)
    times = graph.objects(statement, PROV.generatedAtTime)
    creator = BNode()
    pubinfo: list[Triple] = [
        (np.iri, DCTERMS.created, times[0] if times else created),
        (np.iri, DCTERMS.license, license),
        (np.iri, DCTERMS.creator, creator),
        (creator, RDF.type, FOAF.Organization),
        (creator, FOAF.name, Literal(CREATOR)),
    ]
    head: list[Triple] = [
        (np.iri, RDF.type, NP.Nanopublication),
        (np.iri, NP.hasAssertion, np.assertion),
        (np.iri, NP.hasProvenance, np.provenance),
        (np.iri, NP.hasPublicationInfo, np.pubinfo),
    ]
    parts = zip(
        (np.head, np.assertion, np.provenance, np.pubinfo),
        (head, assertion, provenance, pubinfo),
        strict=True,
    )
    return [(s, p, o, g) for g, triples in parts for s, p, o in triples]


def skolemised(quads: list[Quad], np: Nanopub) -> list[Quad]:
    """The quads with each blank node made an IRI of the nanopublication (``…/_1``, ``…/_2`` …),
    numbered in RDFC-1.0 order, as nanopub-java names blank nodes for trusty URIs."""
    names: dict[Node, URIRef] = {}

    def name(term: Node) -> Node:
        if not isinstance(term, BNode):
            return term
        if term not in names:
            names[term] = np.part(f"_{int(str(term).removeprefix('c14n')) + 1}")
        return names[term]

    return [(name(s), p, name(o), g) for s, p, o, g in canonical(quads)]


# --- trusty URIs -------------------------------------------------------------------------------


def artifact_code(quads: Iterable[Quad], old: str, new: str = PLACEHOLDER) -> str:
    """The RA artifact code of quads whose IRIs hold ``old`` where the code goes (``new``, the
    :data:`PLACEHOLDER`, stands for it while hashing), as trustyuri-java's ``RdfHasher``
    computes it: the quads in ``StatementComparator`` order (graph, subject, predicate, object;
    IRIs before literals), each written as four lines, duplicates once, hashed with SHA-256 and
    written in base64url without padding."""
    return "RA" + base64.urlsafe_b64encode(digest(quads, old, new)).decode("ascii").rstrip("=")


def digest(quads: Iterable[Quad], old: str, new: str = PLACEHOLDER) -> bytes:
    """The SHA-256 that :func:`artifact_code` writes in base64url."""
    rows = {tuple(_hashed(t, old, new) for t in (g, s, p, o)) for s, p, o, g in quads}
    text = "".join(_hash_line(t) for row in sorted(rows, key=_hash_order) for t in row)
    return hashlib.sha256(text.encode("utf-8")).digest()


def _hashed(term: Node | None, old: str, new: str) -> Node | str | None:
    """An IRI as the text it is hashed as (``old`` replaced by ``new``); other terms as they are.
    (The placeholder is a space, which an rdflib IRI must not hold.)"""
    if isinstance(term, BNode):
        raise ExportError(f"a trusty URI cannot be computed over the blank node {term}")
    return str(term).replace(old, new) if isinstance(term, URIRef) else term


def _java(text: str) -> bytes:
    """A string as Java's ``String.compareTo`` orders it (UTF-16 code units)."""
    return text.encode("utf-16-be")


def _hash_order(row: tuple) -> tuple:
    g, s, p, o = row
    graph = (0, b"") if g is None else (1, _java(g))
    if isinstance(o, Literal):
        datatype = None if o.language else str(o.datatype or XSD.string)
        language = (o.language or "").lower()
        obj: tuple = (1, _java(str(o)), datatype is not None, _java(datatype or ""), language)
    else:
        obj = (0, _java(o))
    return (graph, _java(s), _java(p), obj)


def _hash_line(term: Node | str | None) -> str:
    if term is None:
        return "\n"
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace("\n", "\\n")
        if term.language:
            return f"@{term.language.lower()} {text}\n"
        return f"^{term.datatype or XSD.string} {text}\n"
    return f"{term}\n"


def with_code(quads: Iterable[Quad], old: str, new: str) -> list[Quad]:
    """The quads with ``old`` replaced by ``new`` in every IRI (never in a literal)."""

    def swap(term: Node | None) -> Node | None:
        return URIRef(str(term).replace(old, new)) if isinstance(term, URIRef) else term

    return [(swap(s), swap(p), swap(o), swap(g)) for s, p, o, g in quads]  # type: ignore[misc]


def parsed(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TRIG) -> list[Quad]:
    """TriG (or ``fmt``) as quads with every literal's lexical form kept as written (rdflib would normalise
    ``"…T00:00:00.0Z"``), since a trusty URI is computed over the lexical forms."""
    return [
        (_term(q.subject), _term(q.predicate), _term(q.object), _term(q.graph_name))  # type: ignore[misc]
        for q in ox.parse(data, format=fmt)
    ]


def _term(term: object) -> Node | None:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language, normalize=False)
        return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    return None


def is_trusty(quads: Iterable[Quad], iri: str) -> bool:
    """Whether the nanopublication ``iri`` (its quads given) has the artifact code its content
    hashes to (its code replaced by the placeholder in every IRI, as trustyuri-java's
    ``RdfUtils.normalize`` does)."""
    match = ARTIFACT_CODE.search(iri)
    return match is not None and artifact_code(quads, match.group()) == match.group()


# --- the export --------------------------------------------------------------------------------


def nanopubs(
    quads: Iterable[Quad], *, created: dt.datetime, license: URIRef, trusty: bool = False
) -> Iterator[list[Quad]]:
    """The nanopublication of each current statement, in statement order: its quads, blank
    nodes skolemised; ``created`` is its creation time where the statement records none."""
    for _, made in published(quads, created=created, license=license, trusty=trusty):
        yield made


def published(
    quads: Iterable[Quad], *, created: dt.datetime, license: URIRef, trusty: bool = False
) -> Iterator[tuple[URIRef, list[Quad]]]:
    """Each current statement with its nanopublication (as :func:`nanopubs` makes them)."""
    quads = list(quads)
    graph = _Graph(quads)
    when = Literal(created.isoformat(), datatype=XSD.dateTime)
    for statement in current_statements(quads):
        local = str(statement).rstrip("/").rsplit("/", 1)[-1]
        np = Nanopub(f"{NANOPUB}{local}")
        made = skolemised(statement_quads(graph, statement, np, when, license), np)
        if trusty:
            code = artifact_code(made, np.base, f"{NANOPUB}{PLACEHOLDER}")
            made = with_code(made, np.base, f"{NANOPUB}{code}")
        yield statement, made


def nanopub_iri(quads: Iterable[Quad]) -> URIRef:
    """The IRI of the nanopublication ``quads`` are (the subject of its head's type triple)."""
    return next(URIRef(str(s)) for s, p, o, _ in quads if p == RDF.type and o == NP.Nanopublication)


def built_at(source: Path) -> dt.datetime:
    """The time ``source`` (a build or dataset file) was written, to the second, in UTC: the
    creation time of nanopublications whose statements record none, unless another is given, so
    that the same build gives the same bytes every time."""
    return dt.datetime.fromtimestamp(int(source.stat().st_mtime), dt.UTC)


def nanopub_trig(
    quads: Iterable[Quad], *, created: dt.datetime | None, license: URIRef, trusty: bool = False
) -> bytes:
    """Every nanopublication as one TriG document, each checked by :func:`check` first."""
    if created is None:
        raise ExportError("nanopublications need a creation time for statements that record none")
    if created.tzinfo is None:
        raise ExportError(f"the creation time {created.isoformat()} has no time zone")
    out = [q for np in nanopubs(quads, created=created, license=license, trusty=trusty) for q in np]
    problems = check(out)
    if problems:
        raise ExportError("malformed nanopublication: " + "; ".join(problems[:5]))
    return trig(out, PREFIXES_WRITTEN).encode("utf-8")


# --- well-formedness ---------------------------------------------------------------------------


def check(quads: Iterable[Quad]) -> list[str]:
    """What makes these quads no set of well-formed nanopublications, as nanopub-java's
    ``NanopubImpl`` checks one (empty if none): no triple in the default graph; each
    nanopublication typed once, in its head, which names one assertion, provenance and
    publication info graph and holds nothing else; four distinct graphs under the
    nanopublication's IRI, none of them the IRI itself, none empty, none shared; the provenance
    mentions the assertion and the publication info the nanopublication; no blank node, so a
    trusty URI can be computed."""
    by_graph: dict[Node | None, list[Triple]] = defaultdict(list)
    for s, p, o, g in quads:
        by_graph[g].append((s, p, o))
    problems = [f"{len(by_graph[None])} triples in the default graph"] if None in by_graph else []
    typed = [
        (s, g)
        for g, ts in by_graph.items()
        for s, p, o in ts
        if p == RDF.type and o == NP.Nanopublication
    ]
    claimed: set[Node] = set()
    for np, head in typed:
        graphs, found = _one_nanopub(np, head, by_graph)
        problems += found
        problems += [f"<{g}> is a graph of more than one nanopublication" for g in graphs & claimed]
        claimed |= graphs
    problems += [
        f"graph <{g}> belongs to no nanopublication"
        for g in by_graph
        if g is not None and g not in claimed
    ]
    problems += sorted(
        {
            f"blank node in graph <{g}>"
            for g, ts in by_graph.items()
            for t in ts
            if any(isinstance(x, BNode) for x in t)
        }
    )
    return problems


def _one_nanopub(
    np: Node, head: Node | None, by_graph: dict[Node | None, list[Triple]]
) -> tuple[set[Node], list[str]]:
    """The graphs of the nanopublication ``np`` typed in ``head``, and what is wrong with it."""
    problems: list[str] = []
    links = {}
    for link in (NP.hasAssertion, NP.hasProvenance, NP.hasPublicationInfo):
        found = [o for s, p, o in by_graph[head] if s == np and p == link]
        if len(found) != 1:
            problems.append(f"<{np}> has {len(found)} {link.fragment} in its head")
        links[link] = found[0] if found else None
    assertion, provenance, pubinfo = links.values()
    graphs = [head, assertion, provenance, pubinfo]
    named = {g for g in graphs if g is not None}
    if len(named) != 4:
        problems.append(f"<{np}> has no four distinct graphs")
    if len(by_graph[head]) != 4:
        problems.append(f"the head of <{np}> holds {len(by_graph[head])} triples, not 4")
    for g in named:
        if g == np or not str(g).startswith(str(np)):
            problems.append(f"graph <{g}> is not under the nanopublication <{np}>")
        if not by_graph.get(g):
            problems.append(f"graph <{g}> of <{np}> is empty")
    if provenance is not None and not any(
        assertion in (s, o) for s, _, o in by_graph.get(provenance, [])
    ):
        problems.append(f"the provenance of <{np}> does not mention its assertion")
    if pubinfo is not None and not any(np in (s, o) for s, _, o in by_graph.get(pubinfo, [])):
        problems.append(f"the publication info of <{np}> does not mention the nanopublication")
    return named, problems
