"""What the endpoint and its data are: the SPARQL Service Description (``GET /sparql`` without a
query, asking for RDF) and the VoID/DCAT description (``/.well-known/void``). Both are the same
graph: the ``sd:Service``/``dcat:DataService`` with its formats and limits, and the dataset
(``void:Dataset``, ``dcat:Dataset``, ``sd:Dataset``) with its named graphs and their sizes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, XSD

from kg.publish.void import served_dataset
from kg.rdf.formats import REGISTRY
from kg.rdf.namespaces import FORMATS, SD, SERVICE, bind_prefixes
from kg.rdf.results import GraphResult, SelectResult
from kg.store.queries import canned_query
from kg.store.serialize import serialize
from server import graph
from server.errors import error_response
from server.negotiation import UnknownFormat, choose_format, offered

bp = Blueprint("service", __name__)

FACTS = "ptkg.facts"

LIMITS = (
    ("PTKG_QUERY_TIMEOUT", "queryTimeout", XSD.decimal, "Seconds a query may run before it is stopped."),
    ("PTKG_MAX_ROWS", "maxResultRows", XSD.integer, "Most rows (or triples) a result holds; the rest are cut and the response carries X-PTKG-Truncated: true."),
    ("PTKG_MAX_REQUEST_BYTES", "maxRequestBytes", XSD.integer, "Largest request body or query string accepted."),
    ("PTKG_QUERY_WORKERS", "queryWorkers", XSD.integer, "Queries run at the same time, each in its own process."),
    ("PTKG_MAX_MEMORY", "maxQueryMemory", XSD.integer, "Megabytes of memory a query may take beyond the loaded data; a query needing more is stopped. Not stated when there is no limit."),
    ("PTKG_MAX_WAITING", "maxWaitingQueries", XSD.integer, "Queries that may wait for a free worker; more are refused with 503 and Retry-After."),
    ("PTKG_MAX_QUERIES_PER_CLIENT", "maxQueriesPerClient", XSD.integer, "Queries one client may have running or waiting at once; more are refused with 429 Too Many Requests."),
)  # fmt: skip
NO_LIMIT_WHEN_ZERO = frozenset({"PTKG_MAX_MEMORY"})
"""Limits whose 0 means none: they are left out of the description rather than stated as 0."""


@dataclass(frozen=True)
class DatasetFacts:
    """Counted once per app: the quads in the store and the triples of each named graph."""

    quads: int
    graphs: tuple[tuple[URIRef, int], ...]

    @property
    def graph_names(self) -> frozenset[str]:
        return frozenset(str(name) for name, _ in self.graphs)


def dataset_facts() -> DatasetFacts:
    """The served dataset's named graphs and sizes (counted on first use, then kept)."""
    found = current_app.extensions.get(FACTS)
    if found is None:
        store = graph()
        counts = store.query(canned_query("stats-graphs"))
        assert isinstance(counts, SelectResult)
        found = DatasetFacts(
            store.quad_count(),
            tuple((URIRef(g), int(n)) for g, n in counts.rows if isinstance(g, URIRef)),
        )
        current_app.extensions[FACTS] = found
    return found


def description() -> Graph:
    """The service and its dataset, with addresses on the host the request came to."""
    config = current_app.config
    endpoint = URIRef(url_for("sparql.query", _external=True))
    void = url_for("service.void", _external=True)
    service = URIRef(f"{endpoint}#service")
    dataset = URIRef(f"{void}#dataset")
    facts = dataset_facts()

    g = Graph()
    bind_prefixes(g)
    for prefix, namespace in (("sd", SD), ("formats", FORMATS), ("service", SERVICE)):
        g.bind(prefix, namespace)

    g.add((service, RDF.type, SD.Service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.endpointDescription, endpoint))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    for fmt in REGISTRY:  # every format the endpoint writes, by the W3C's IRI for it
        if fmt.w3c is not None:
            g.add((service, SD.resultFormat, fmt.w3c))
    g.add((service, SD.defaultDataset, dataset))
    g.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                "Read-only SPARQL 1.1 query endpoint: SPARQL Update and SERVICE are refused, "
                "and FROM/FROM NAMED may name only the named graphs listed here.",
                lang="en",
            ),
        )
    )
    for key, name, datatype, comment in LIMITS:
        if key not in NO_LIMIT_WHEN_ZERO or config[key]:
            g.add((service, SERVICE[name], Literal(config[key], datatype=datatype)))
        g.add((SERVICE[name], RDF.type, RDF.Property))
        g.add((SERVICE[name], RDFS.comment, Literal(comment, lang="en")))

    dataset_file = config.get("PTKG_DATASET")
    for triple in served_dataset(
        dataset,
        endpoint,
        facts.quads,
        facts.graphs,
        str(dataset_file).rsplit("/", 1)[-1] if dataset_file else None,
    ):
        g.add(triple)
    return g


def description_response(requested: list[str] | None = None):
    """The description in the negotiated RDF format (406 if none is acceptable)."""
    try:
        chosen = choose_format(True, requested or [])
    except UnknownFormat as exc:
        return error_response(406, f"unknown format {str(exc)!r}; available: {offered(True)}")
    if chosen is None:
        return error_response(406, f"the description is available as {offered(True)}")
    fmt, media = chosen
    body = serialize(GraphResult(description()), fmt)
    response = Response(body, content_type=f"{media}; charset=utf-8")
    response.vary.add("Accept")
    return response


@bp.get("/.well-known/void")
def void():
    """VoID and DCAT: the dataset, its named graphs and sizes, licence and endpoint."""
    return description_response(request.args.getlist("format"))
