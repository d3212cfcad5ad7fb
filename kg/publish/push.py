"""Push the build into a SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …), one named graph at a time.

Two ways in:

- the Graph Store HTTP Protocol (:class:`GraphStoreTarget`): ``PUT ?graph=G`` with the graph as
  N-Triples replaces it whole; ``DELETE`` drops it; ``GET`` reads it;
- SPARQL 1.1 Update (:class:`UpdateTarget`): ``DROP SILENT GRAPH`` then ``INSERT DATA`` in
  batches (never splitting the triples that share a blank node).

Both send HTTP Basic or Digest authentication. The store keeps a manifest in the named graph
:data:`MANIFEST_GRAPH`: every graph the push owns, with its triple count and the checksum of its
canonical N-Triples. A push replaces the graphs of the build and drops the owned graphs the build no
longer has; graphs it does not own are never touched. Each graph is marked unfinished in the
manifest before it is written and finished after, so a failure mid-way leaves a manifest that says
what was written; re-running replaces everything (idempotent), and ``resume`` skips the graphs the
manifest records as finished with the same checksum.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, VOID, XSD
from rdflib.term import Node

from kg.publish.export import export
from kg.publish.quads import Quad, Triple, term_key
from kg.rdf.formats import RDF_BY_NAME, accept_header, graph_format_of
from kg.rdf.namespaces import BASE, GRAPH
from kg.rdf.results import GraphResult, SelectResult
from kg.store.base import RemoteStoreError
from kg.store.http_client import (
    ANY_CHALLENGE,
    Credentials,
    HttpClient,
    HttpStatusError,
    Reply,
)
from kg.store.remote import SparqlHttpStore
from kg.store.terms import count_value, first_count, sparql_term

MANIFEST_GRAPH = GRAPH["push-manifest"]
"""The named graph, in the target store, listing the graphs a push owns."""
OWNER = URIRef(BASE)
"""What the manifest says owns a graph: the Peace Talks KG dataset."""
DEFAULT_BATCH = 2000
"""Triples per ``INSERT DATA`` request."""

Progress = Callable[[str], None]


_NT = RDF_BY_NAME["nt"]
_GRAPH_ACCEPT = accept_header(("nt", 1), ("turtle", 0.9), graph=True)


def _send(
    http: HttpClient,
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    ok_missing: bool = False,
) -> Reply | None:
    """The store's answer; ``None`` for a 404 when ``ok_missing`` (a graph not there yet). A
    refusal says what to check, for the credentials of a push are given by hand."""
    try:
        return http.send(method, url, body, headers)
    except HttpStatusError as exc:
        if exc.status == 404 and ok_missing:
            return None
        if exc.status in (401, 403):
            raise RemoteStoreError(
                f"{method} {url} was refused ({exc.status} {exc.reason}): check the user, "
                "password and authentication scheme"
            ) from None
        raise


# --- targets -------------------------------------------------------------------------------------


class Target(Protocol):
    """A store a push writes to."""

    description: str

    def put_graph(self, graph: URIRef, triples: list[Triple], progress: Progress) -> None: ...

    def drop_graph(self, graph: URIRef) -> None: ...

    def read_graph(self, graph: URIRef) -> Graph: ...

    def count(self, graph: URIRef) -> int | None: ...


class _Counting:
    """Counts a graph's triples through a SPARQL query endpoint, when one is known."""

    query_endpoint: str | None
    credentials: Credentials | None

    def _query_store(self) -> SparqlHttpStore | None:
        if not self.query_endpoint:
            return None
        credentials = self.credentials
        if credentials is not None:  # a query store answers whichever challenge is asked
            credentials = Credentials(credentials.user, credentials.password, ANY_CHALLENGE)
        return SparqlHttpStore("sparql+" + self.query_endpoint, credentials=credentials)

    def count(self, graph: URIRef) -> int | None:
        store = self._query_store()
        if store is None:
            return None
        result = store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_term(graph)} {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, SelectResult)
        return first_count(result)


class GraphStoreTarget(_Counting):
    """The SPARQL 1.1 Graph Store HTTP Protocol: one ``PUT`` of N-Triples per named graph.
    ``query_endpoint`` (optional) is used to check the triple count after each write."""

    def __init__(
        self,
        endpoint: str,
        *,
        credentials: Credentials | None = None,
        query_endpoint: str | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.endpoint = endpoint
        self.credentials = credentials
        self.query_endpoint = query_endpoint
        self.http = HttpClient(endpoint, credentials, timeout=timeout)
        self.description = f"Graph Store Protocol at {endpoint}"

    def _url(self, graph: URIRef) -> str:
        separator = "&" if "?" in self.endpoint else "?"
        return f"{self.endpoint}{separator}{urllib.parse.urlencode({'graph': str(graph)})}"

    def put_graph(self, graph: URIRef, triples: list[Triple], progress: Progress) -> None:
        body = export([(*t, None) for t in triples], _NT.name)
        content_type = f"{_NT.media_type}; charset=utf-8"
        _send(self.http, "PUT", self._url(graph), body, {"Content-Type": content_type})

    def drop_graph(self, graph: URIRef) -> None:
        _send(self.http, "DELETE", self._url(graph), ok_missing=True)

    def read_graph(self, graph: URIRef) -> Graph:
        reply = _send(
            self.http, "GET", self._url(graph), headers={"Accept": _GRAPH_ACCEPT}, ok_missing=True
        )
        result = Graph()
        if reply is not None and reply.body.strip():
            result.parse(data=reply.body, format=graph_format_of(reply.media).rdflib)
        return result


class UpdateTarget(_Counting):
    """SPARQL 1.1 Update: ``DROP SILENT GRAPH`` then ``INSERT DATA`` in batches of about
    ``batch_size`` triples. Reads (the manifest, counts) go to ``query_endpoint``, by default the
    update endpoint itself (Virtuoso's ``/sparql-auth`` answers both)."""

    def __init__(
        self,
        endpoint: str,
        *,
        credentials: Credentials | None = None,
        query_endpoint: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        timeout: float = 300.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("the batch size must be at least 1")
        self.endpoint = endpoint
        self.credentials = credentials
        self.query_endpoint = query_endpoint or endpoint
        self.batch_size = batch_size
        self.http = HttpClient(endpoint, credentials, timeout=timeout)
        self.description = f"SPARQL Update at {endpoint}"

    def _update(self, text: str) -> None:
        _send(
            self.http,
            "POST",
            self.endpoint,
            urllib.parse.urlencode({"update": text}).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )

    def put_graph(self, graph: URIRef, triples: list[Triple], progress: Progress) -> None:
        name = sparql_term(graph)
        self._update(f"DROP SILENT GRAPH {name}")
        batches = list(batched_by_blank_nodes(triples, self.batch_size))
        for number, batch in enumerate(batches, 1):
            body = "\n".join(" ".join(_update_term(t) for t in triple) + " ." for triple in batch)
            if any(isinstance(t, BNode) for triple in batch for t in triple):
                # Virtuoso 7 refuses blank nodes in INSERT DATA; a template makes fresh ones too.
                self._update(f"INSERT {{ GRAPH {name} {{\n{body}\n}} }} WHERE {{}}")
            else:
                self._update(f"INSERT DATA {{ GRAPH {name} {{\n{body}\n}} }}")
            if len(batches) > 1:
                progress(f"    batch {number}/{len(batches)}: {len(batch)} triples")

    def drop_graph(self, graph: URIRef) -> None:
        self._update(f"DROP SILENT GRAPH {sparql_term(graph)}")

    def read_graph(self, graph: URIRef) -> Graph:
        store = self._query_store()
        assert store is not None
        result = store.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_term(graph)} {{ ?s ?p ?o }} }}"
        )
        assert isinstance(result, GraphResult)  # a CONSTRUCT's answer is a graph
        return result.graph


def _update_term(term: Node) -> str:
    if isinstance(term, BNode):
        return "_:b" + "".join(c if c.isalnum() else "_" for c in str(term))
    return sparql_term(term)


def batched_by_blank_nodes(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    """Batches of about ``size`` triples; the triples linked by blank nodes stay in one batch
    (a blank node label means a new node in each request)."""
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    ground: list[Triple] = []
    linked: list[Triple] = []
    for triple in triples:
        blanks = [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]
        if not blanks:
            ground.append(triple)
            continue
        linked.append(triple)
        first = find(blanks[0])
        for other in blanks[1:]:
            parent[find(other)] = first
    groups: dict[Node, list[Triple]] = defaultdict(list)
    for triple in linked:
        blank = triple[0] if isinstance(triple[0], BNode) else triple[2]
        groups[find(blank)].append(triple)
    units = [[t] for t in ground] + [groups[k] for k in sorted(groups, key=term_key)]
    batch: list[Triple] = []
    for unit in units:
        if batch and len(batch) + len(unit) > size:
            yield batch
            batch = []
        batch.extend(unit)
    if batch:
        yield batch


# --- the manifest --------------------------------------------------------------------------------


@dataclass
class ManifestEntry:
    triples: int | None = None
    checksum: str | None = None
    modified: str | None = None

    @property
    def finished(self) -> bool:
        return self.checksum is not None


def read_manifest(target: Target) -> dict[URIRef, ManifestEntry]:
    """The graphs the manifest in the target store says a push owns."""
    graph = target.read_graph(MANIFEST_GRAPH)
    entries: dict[URIRef, ManifestEntry] = {}
    for owned in graph.subjects(DCTERMS.isPartOf, OWNER):
        if not isinstance(owned, URIRef):
            continue
        triples = graph.value(owned, VOID.triples)
        checksum = graph.value(owned, DCTERMS.identifier)
        modified = graph.value(owned, DCTERMS.modified)
        entries[owned] = ManifestEntry(
            count_value(triples) if triples is not None else None,
            str(checksum) if checksum is not None else None,
            str(modified) if modified is not None else None,
        )
    return entries


def manifest_triples(entries: Mapping[URIRef, ManifestEntry]) -> list[Triple]:
    out: list[Triple] = []
    for graph in sorted(entries, key=str):
        entry = entries[graph]
        out.append((graph, DCTERMS.isPartOf, OWNER))
        if entry.finished:
            out.append((graph, DCTERMS.identifier, Literal(entry.checksum)))
            out.append((graph, VOID.triples, Literal(entry.triples, datatype=XSD.integer)))
            out.append((graph, DCTERMS.modified, Literal(entry.modified, datatype=XSD.dateTime)))
    return out


def checksum(triples: list[Triple]) -> str:
    """``sha256:`` of the graph's canonical, sorted N-Triples."""
    return "sha256:" + hashlib.sha256(export([(*t, None) for t in triples], "nt")).hexdigest()


# --- the push ------------------------------------------------------------------------------------

WRITTEN, SKIPPED, DROPPED, FAILED, NOT_WRITTEN = (
    "written",
    "unchanged, skipped",
    "dropped",
    "failed",
    "not written",
)


@dataclass
class GraphOutcome:
    graph: URIRef
    triples: int
    status: str
    seconds: float = 0.0
    detail: str = ""


@dataclass
class PushReport:
    """What a push did to each graph; ``error`` is set when it stopped before the end."""

    target: str
    outcomes: list[GraphOutcome] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None

    def having(self, *statuses: str) -> list[GraphOutcome]:
        return [o for o in self.outcomes if o.status in statuses]

    def summary(self) -> str:
        done = self.having(WRITTEN, SKIPPED)
        lines = [
            f"{len(self.having(WRITTEN))} graph(s) written, {len(self.having(SKIPPED))} "
            f"unchanged, {len(self.having(DROPPED))} dropped "
            f"({sum(o.triples for o in done)} triples) to {self.target}"
        ]
        if self.error is not None:
            missing = self.having(FAILED, NOT_WRITTEN)
            lines.append(f"incomplete: {self.error}")
            lines.append("not written: " + ", ".join(str(o.graph) for o in missing))
            lines.append("run the same `kg push` again (add --resume to skip finished graphs)")
        return "\n".join(lines)


def push(
    quads: Iterable[Quad],
    target: Target,
    *,
    resume: bool = False,
    only: Iterable[URIRef] | None = None,
    progress: Progress = lambda _: None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> PushReport:
    """Write each named graph of ``quads`` into ``target`` and keep the manifest true.

    With ``only``, just those graphs are written and no owned graph is dropped. Never raises for
    the store's failures: the report says what was and was not written."""
    plan = _plan(quads, only)
    report = PushReport(target.description)
    try:
        manifest = read_manifest(target)
    except RemoteStoreError as exc:
        report.outcomes = [GraphOutcome(g, len(ts), NOT_WRITTEN) for g, ts in plan]
        report.error = f"cannot read the manifest: {exc}"
        return report
    sums = {g: checksum(ts) for g, ts in plan}
    todo = [
        (g, ts)
        for g, ts in plan
        if not (resume and g in manifest and manifest[g].checksum == sums[g])
    ]
    skipped = {g for g, _ in plan} - {g for g, _ in todo}
    stale = [] if only is not None else sorted(set(manifest) - {g for g, _ in plan}, key=str)
    report.outcomes = [
        GraphOutcome(g, len(ts), SKIPPED if g in skipped else NOT_WRITTEN) for g, ts in plan
    ] + [GraphOutcome(g, 0, NOT_WRITTEN, detail="owned, no longer in the build") for g in stale]
    outcome = {o.graph: o for o in report.outcomes}
    try:
        for g, _ in todo:
            manifest[g] = ManifestEntry()
        target.put_graph(MANIFEST_GRAPH, manifest_triples(manifest), progress)
        for number, (g, triples) in enumerate(todo, 1):
            progress(f"[{number}/{len(todo)}] {g}: {len(triples)} triples")
            started = time.perf_counter()
            with _failing(outcome[g]):
                manifest[g] = _write_graph(target, g, triples, sums[g], progress, clock)
                target.put_graph(MANIFEST_GRAPH, manifest_triples(manifest), progress)
            outcome[g].status = WRITTEN
            outcome[g].seconds = time.perf_counter() - started
        for g in stale:
            progress(f"dropping {g}: owned by an earlier push, no longer in the build")
            with _failing(outcome[g]):
                target.drop_graph(g)
                del manifest[g]
                target.put_graph(MANIFEST_GRAPH, manifest_triples(manifest), progress)
            outcome[g].status = DROPPED
    except RemoteStoreError as exc:
        report.error = str(exc)
    return report


def _plan(
    quads: Iterable[Quad], only: Iterable[URIRef] | None
) -> list[tuple[URIRef, list[Triple]]]:
    """The graphs to push (all of the build's, or ``only`` those), in IRI order, each with its
    triples; a ValueError for a triple in the default graph or in a graph named by a blank node
    (a store names graphs by IRIs), or for a graph not in the build."""
    by_graph: dict[URIRef, set[Triple]] = defaultdict(set)
    for s, p, o, g in quads:
        if g is None:
            raise ValueError("the default graph cannot be pushed: every triple needs a named graph")
        if not isinstance(g, URIRef):
            raise ValueError(f"a graph named by a blank node ({g}) cannot be pushed: it has no IRI")
        by_graph[g].add((s, p, o))
    wanted = sorted(by_graph if only is None else set(only), key=str)
    missing = [g for g in wanted if g not in by_graph]
    if missing:
        raise ValueError(f"not in the build: {', '.join(str(g) for g in missing)}")
    return [(g, list(by_graph[g])) for g in wanted]


def _write_graph(
    target: Target,
    graph: URIRef,
    triples: list[Triple],
    digest: str,
    progress: Progress,
    clock: Callable[[], dt.datetime],
) -> ManifestEntry:
    """Write one graph and check the store holds all of it; its finished manifest entry."""
    target.put_graph(graph, triples, progress)
    stored = target.count(graph)
    if stored is not None and stored != len(triples):
        raise RemoteStoreError(
            f"the store holds {stored} triples in {graph} after the write; {len(triples)} were sent"
        )
    return ManifestEntry(len(triples), digest, clock().isoformat(timespec="seconds"))


@contextlib.contextmanager
def _failing(outcome: GraphOutcome) -> Iterator[None]:
    """Mark the graph worked on as failed, with the store's words, when the store fails; the
    failure then ends the push."""
    try:
        yield
    except RemoteStoreError as exc:
        outcome.status = FAILED
        outcome.detail = str(exc)
        raise
