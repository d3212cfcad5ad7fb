"""What the endpoint and its data are: the SPARQL Service Description (``GET /sparql`` without a
query, asking for RDF) and the VoID/DCAT description (``/.well-known/void``). Both are the same
graph: the ``sd:Service``/``dcat:DataService`` with its formats and limits, and the dataset
(``void:Dataset``, ``dcat:Dataset``, ``sd:Dataset``) with its named graphs and their sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, XSD

from kg import settings
from kg.browse.describe import exists
from kg.browse.stats import statements_per_source, summary
from kg.publish.void import EXAMPLE_RESOURCES, served_dataset
from kg.rdf.formats import REGISTRY
from kg.rdf.namespaces import FORMATS, SD, SERVICE, bind_prefixes
from kg.rdf.results import GraphResult
from kg.store.queries import select
from kg.store.serialize import serialize
from kg.store.terms import count_value
from server import graph
from server.downloads import dump_urls
from server.errors import ErrorReply, error_response
from server.negotiation import UnknownFormat, choose_format, offered

bp = Blueprint("service", __name__)

FACTS = "ptkg.facts"

DATATYPES = {float: XSD.decimal, int: XSD.integer}
"""The datatype under which the description states a setting of each type."""


@dataclass(frozen=True)
class DatasetFacts:
    """Counted once per app: the quads in the store, the triples of each named graph, the counts
    of the main kinds of thing (:func:`kg.browse.stats.summary`) and the statements each source
    document evidences (the home page's figures)."""

    quads: int
    graphs: tuple[tuple[URIRef, int], ...]
    kinds: tuple[tuple[str, int], ...] = ()
    sources: tuple[tuple[str, int], ...] = ()

    @property
    def graph_names(self) -> frozenset[str]:
        return frozenset(str(name) for name, _ in self.graphs)


def dataset_facts() -> DatasetFacts:
    """The served dataset's named graphs and sizes (counted on first use, then kept)."""
    found = current_app.extensions.get(FACTS)
    if found is None:
        store = graph()
        counts = select(store, "stats-graphs")
        found = DatasetFacts(
            store.quad_count(),
            tuple((URIRef(g), count_value(n)) for g, n in counts.rows if isinstance(g, URIRef)),
            tuple(summary(store).items()),
            tuple(statements_per_source(store)),
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
                "and FROM/FROM NAMED choose among the named graphs listed here (any other is empty).",
                lang="en",
            ),
        )
    )
    _add_limits(g, service, config)

    dataset_file = config.get("PTKG_DATASET")
    for triple in served_dataset(
        dataset,
        endpoint,
        facts.quads,
        facts.graphs,
        str(dataset_file).rsplit("/", 1)[-1] if dataset_file else None,
        dumps=[URIRef(url) for url, _ in dump_urls()],
        contact=config.get(settings.CONTACT_ENV),
        held={r for r in EXAMPLE_RESOURCES if exists(graph(), r)},
    ):
        g.add(triple)
    return g


def _add_limits(g: Graph, service: URIRef, config: Mapping[str, Any]) -> None:
    """The limits the service runs with, each under the property ``kg.settings`` names for it
    (a limit whose 0 means none is left out rather than stated as 0), and what each property
    means."""
    for setting in settings.described():
        prop = SERVICE[str(setting.described_as)]
        value = config[setting.env]
        if value or not setting.zero_means_none:
            g.add((service, prop, Literal(value, datatype=DATATYPES[setting.kind])))
        g.add((prop, RDF.type, RDF.Property))
        g.add((prop, RDFS.comment, Literal(str(setting.description), lang="en")))


def description_response(requested: list[str] | None = None) -> Response | ErrorReply:
    """The description in the negotiated RDF format (406 if none is acceptable)."""
    try:
        chosen = choose_format(True, requested or [])
    except UnknownFormat as exc:
        return error_response(406, f"unknown format {str(exc)!r}; available: {offered(True)}")
    if chosen is None:
        return error_response(406, f"the description is available as {offered(True)}")
    fmt, media = chosen
    try:
        described = description()
    except ValueError as exc:  # a PTKG_CONTACT that is no address
        return error_response(500, f"{settings.CONTACT_ENV}: {exc}")
    body = serialize(GraphResult(described), fmt)
    response = Response(body, content_type=f"{media}; charset=utf-8")
    response.vary.add("Accept")
    return response


@bp.get("/.well-known/void")
def void() -> Response | ErrorReply:
    """VoID and DCAT: the dataset, its named graphs and sizes, licence and endpoint."""
    return description_response(request.args.getlist("format"))
