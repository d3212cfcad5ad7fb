"""Every namespace and prefix of Peace Talks KG, in one place."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TIME,
    VOID,
    XSD,
    NamespaceManager,
)
from rdflib.term import Node

BASE = "https://w3id.org/peace-talks-kg/"
"""Root of every IRI the project mints; independent of the host that serves it."""

PT = Namespace(BASE + "ontology#")
ONTOLOGY = BASE + "ontology"
PTS = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
"""Named graphs: ``graph/<dir>/<file>.ttl`` per curated file, plus the ones below."""

INFERRED_GRAPH = GRAPH["inferred"]
"""The OWL 2 RL entailments of ontology + data (``kg/pipeline/reason.py``)."""
DERIVED_GRAPH = GRAPH["derived"]
"""Facts computed at build time from the curated data for fast questions (never curated by hand)."""

CAMEO = Namespace(ID + "cameo/")
"""CAMEO event codes (``cameo:10``), which publish no IRIs of their own: the stand-ins the SKOS
mappings of ``ontology/mappings.ttl`` point to (docs/mappings.md)."""
PAX = Namespace(ID + "pax/")
"""PA-X provision categories by their variable (``pax:Ce``), likewise without IRIs of their own."""

OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
"""SPDX, for a source text's checksum (``spdx:checksum``), as DCAT 3 records a file's."""
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
"""vCard, for the dataset's ``dcat:contactPoint`` in VoID/DCAT metadata (rdflib has no constant)."""
NP = Namespace("http://www.nanopub.org/nschema#")
"""The nanopublication schema: ``np:Nanopublication`` and the head's links to its three graphs."""
NANOPUB = Namespace(BASE + "np/")
"""Where the nanopublications of the statements are minted (``kg export --format nanopub``)."""
SERVICE = Namespace(BASE + "service#")
"""The SPARQL endpoint's own terms (its limits) in its service description; not the data model."""

PREFIXES: dict[str, str] = {
    "pt": str(PT),
    "pts": str(PTS),
    "actor": f"{ID}actor/",
    "role": f"{ID}role/",
    "place": f"{ID}place/",
    "event": f"{ID}event/",
    "position": f"{ID}position/",
    "statement": f"{ID}statement/",
    "evidence": f"{ID}evidence/",
    "source": f"{ID}source/",
    "quantity": f"{ID}quantity/",
    "cameo": str(CAMEO),
    "pax": str(PAX),
    "graph": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "time": str(TIME),
    "org": str(ORG),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "wd": str(WD),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sh": str(SH),
}


def sparql_prologue(names: list[str] | None = None) -> str:
    """``PREFIX`` lines for the given prefixes (all of them by default)."""
    chosen = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in chosen.items())


def bind_prefixes(graph: Graph | NamespaceManager) -> None:
    """Bind the project's prefixes on an rdflib graph, dataset or namespace manager (replacing
    rdflib's defaults)."""
    for name, iri in PREFIXES.items():
        graph.bind(name, iri, override=True, replace=True)


_NAMES = NamespaceManager(Graph(), bind_namespaces="none")
bind_prefixes(_NAMES)


def compact(term: Node) -> str:
    """A prefixed name (``actor:russia``) where a project prefix fits, else the IRI itself."""
    try:
        text = term.n3(_NAMES)
    except Exception:  # an IRI rdflib cannot abbreviate or write
        return str(term)
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text
