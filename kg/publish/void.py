"""VoID + DCAT descriptions of the dataset: the one builder behind a release's ``void.ttl`` and the
endpoint's ``/.well-known/void``.

What both say of the Peace Talks KG data (a ``void:Dataset`` and ``dcat:Dataset`` under
:data:`LICENSE`, its IRIs in ``id/``, its vocabulary the ontology, the triples of each named graph
as a ``void:subset``) is made here once. A release adds its version, files and checksums
(:func:`release_description`); the endpoint adds the SPARQL view of the dataset it serves
(:func:`served_dataset`), and ``server/service.py`` the service around it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD
from rdflib.term import IdentifiedNode, Node

from kg.publish.quads import Quad, Triple
from kg.rdf.namespaces import ID, ONTOLOGY, PREFIXES, PT, SD, VCARD

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
"""The data's licence (CC BY 4.0), as the ontology states it; the licence described wherever the
ontology is not at hand (the endpoint) or states none."""
LICENSE_NAMES: dict[str, tuple[str, str, str]] = {
    str(LICENSE): ("CC-BY-4.0", "Creative Commons Attribution 4.0 International", "CC BY 4.0"),
}
"""Licence IRI → its SPDX identifier, title and short name, for the licences the ontology may
state (LICENSE-DATA names CC BY 4.0 so): what the Data Package and the RO-Crate call it."""
SPDX = "http://spdx.org/rdf/terms#"
DCAT_VERSION = URIRef(f"{DCAT}version")
"""DCAT 3's version (rdflib's DCAT namespace is DCAT 2)."""
METADATA_PREFIXES = {**PREFIXES, "spdx": SPDX, "vcard": str(VCARD)}
"""The prefixes a release's ``void.ttl`` is written with."""
MEDIA_TYPE_IRI = "https://www.iana.org/assignments/media-types/"

TITLE = "Peace Talks KG"
RELEASE_DESCRIPTION = (
    "Positions in the Russia–Ukraine peace negotiations: who demanded, proposed, accepted and "
    "rejected what, when, and according to which source, each statement traceable to a "
    "verbatim quote."
)
ENDPOINT_DESCRIPTION = (
    "The positions in the Russia–Ukraine peace negotiations: what each party demanded, "
    "proposed, accepted and rejected, when, through whom, and according to which source; every "
    "statement traceable to a verbatim quote in a dated source document."
)
"""The two wordings of what the dataset is, one in release metadata, one on the endpoint; both
are published as they stand."""
CREATOR = "Peace Talks KG contributors"
"""Who made the data, as LICENSE, CITATION.cff and .zenodo.json name them: the project's
contributors as one body (the repository names no person)."""
KEYWORDS = (
    "knowledge graph",
    "linked data",
    "RDF",
    "peace negotiations",
    "Russia–Ukraine war",
    "diplomacy",
    "provenance",
)
"""The dataset's keywords, in the order CITATION.cff and .zenodo.json list them."""
EXAMPLE_RESOURCES = (
    ID["position/ukrainian-withdrawal-from-four-regions"],
    ID["actor/russia"],
    ID["statement/putin-2024-06-14-renounce-nato"],
)
"""Three resources of the curated data that show what it is about (a demand, a party, a
statement with its evidence), as ``void:exampleResource``; a test checks that each is there."""
CONTACT_SCHEMES = ("https://", "http://", "mailto:")


def count(n: int) -> Literal:
    """A number of triples, subjects, bytes … as VoID and DCAT state it (``xsd:integer``)."""
    return Literal(n, datatype=XSD.integer)


def dataset_triples(subject: URIRef, title: Literal) -> list[Triple]:
    """What any dataset described here is: a ``void:Dataset`` and ``dcat:Dataset``, titled."""
    return [
        (subject, RDF.type, VOID.Dataset),
        (subject, RDF.type, DCAT.Dataset),
        (subject, DCTERMS.title, title),
    ]


def peace_talks_triples(
    subject: URIRef,
    description: str,
    license: URIRef = LICENSE,
    contact: str | None = None,
    held: Container[Node] = (),
) -> list[Triple]:
    """What is true of the Peace Talks KG data wherever it is described: what it is, its
    licence, who made it and whom to ask, its keywords, the space its IRIs are minted in, its
    vocabulary and those of :data:`EXAMPLE_RESOURCES` it ``held`` (a fixture project holds
    none)."""
    out = [
        (subject, DCTERMS.description, Literal(description, lang="en")),
        (subject, DCTERMS.license, license),
        *creator_triples(subject, contact),
        *((subject, DCAT.keyword, Literal(k, lang="en")) for k in KEYWORDS),
        (subject, VOID.uriSpace, Literal(str(ID))),
        (subject, VOID.vocabulary, URIRef(str(PT))),
    ]
    out += [(subject, VOID.exampleResource, r) for r in EXAMPLE_RESOURCES if r in held]
    return out


def creator_triples(subject: URIRef, contact: str | None = None) -> list[Triple]:
    """``dcterms:creator`` (the contributors, a ``foaf:Organization``) and ``dcat:contactPoint``
    (a vCard of the same body). The repository states no issue tracker or address, so the vCard
    carries one only when the operator gives it (``contact``: an ``https:`` address or a
    ``mailto:``), rather than an invented one."""
    creator, card = BNode("creator"), BNode("contact")
    out: list[Triple] = [
        (subject, DCTERMS.creator, creator),
        (creator, RDF.type, FOAF.Organization),
        (creator, FOAF.name, Literal(CREATOR)),
        (subject, DCAT.contactPoint, card),
        (card, RDF.type, VCARD.Organization),
        (card, VCARD.fn, Literal(CREATOR)),
    ]
    if contact:
        address = URIRef(checked_contact(contact))
        out.append(
            (card, VCARD.hasEmail if contact.startswith("mailto:") else VCARD.hasURL, address)
        )
    return out


def checked_contact(contact: str) -> str:
    """``contact`` if it is an address a vCard can point at; else ValueError saying what is."""
    if not contact.startswith(CONTACT_SCHEMES) or any(c.isspace() for c in contact):
        raise ValueError(
            f"not a contact address: {contact!r}; give an https:// address or a mailto: address"
        )
    return contact


def subset_triples(dataset: URIRef, subset: Node, triples: int) -> list[Triple]:
    """A named graph (or the resource standing for it) as a ``void:subset`` of its size."""
    return [
        (dataset, VOID.subset, subset),
        (subset, RDF.type, VOID.Dataset),
        (subset, VOID.triples, count(triples)),
    ]


def license_of(quads: Iterable[Quad]) -> URIRef:
    """The licence the ontology states, else :data:`LICENSE`."""
    for s, p, o, _ in quads:
        if s == URIRef(ONTOLOGY) and p == DCTERMS.license and isinstance(o, URIRef):
            return o
    return LICENSE


# --- a release -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasedFile:
    """A file of a release folder: its path in the folder, checksum, size, media type, what it
    is for and the profile (a specification's IRI) it conforms to, if any. The checksum is None
    for the one file that lists the others' (``SHA256SUMS``)."""

    name: str
    sha256: str | None
    size: int
    media_type: str
    description: str | None = None
    conforms_to: str | None = None


@dataclass(frozen=True)
class ReleaseFacts:
    """What a release's metadata states besides its files."""

    here: URIRef
    version: str
    issued: dt.date
    license: URIRef
    dataset: URIRef
    replaces: URIRef | None = None
    contact: str | None = None


def release_description(
    facts: ReleaseFacts, dumped: Iterable[Quad], files: Iterable[ReleasedFile], dump: str
) -> list[Triple]:
    """VoID + DCAT triples describing a release, what its dumps hold (``dumped``) and every
    file in it (the files named ``<dump>.*`` are its ``void:dataDump``\\ s)."""
    here = facts.here
    dumped = list(dumped)
    triples = {(s, p, o) for s, p, o, _ in dumped}
    out = [
        *dataset_triples(here, Literal(f"{TITLE} {facts.version}", lang="en")),
        *peace_talks_triples(
            here, RELEASE_DESCRIPTION, facts.license, facts.contact, {s for s, _, _ in triples}
        ),
        (here, DCAT_VERSION, Literal(facts.version)),
        (here, OWL.versionInfo, Literal(facts.version)),
        (here, DCTERMS.issued, Literal(facts.issued.isoformat(), datatype=XSD.date)),
        (here, DCTERMS.isVersionOf, facts.dataset),
        (here, VOID.triples, count(len(triples))),
        (here, VOID.distinctSubjects, count(len({s for s, _, _ in triples}))),
        (here, VOID.properties, count(len({p for _, p, _ in triples}))),
        (here, VOID.classes, count(len({o for _, p, o in triples if p == RDF.type}))),
        (here, DCTERMS.conformsTo, URIRef(ONTOLOGY)),
    ]
    if facts.replaces is not None:
        out.append((here, DCTERMS.replaces, facts.replaces))
    for graph, n in sorted(_graph_sizes(dumped).items()):
        out += subset_triples(here, graph, n)
    for file in sorted(files, key=lambda f: f.name):
        out += _distribution(here, file)
        if file.name.startswith(f"{dump}."):
            out.append((here, VOID.dataDump, URIRef(f"{here}{file.name}")))
    return out


def _graph_sizes(quads: Iterable[Quad]) -> dict[IdentifiedNode, int]:
    sizes: dict[IdentifiedNode, int] = {}
    for _, _, _, g in quads:
        if g is not None:
            sizes[g] = sizes.get(g, 0) + 1
    return sizes


def _distribution(here: URIRef, file: ReleasedFile) -> list[Triple]:
    """A file as a ``dcat:Distribution`` with its SPDX checksum."""
    iri = URIRef(f"{here}{file.name}")
    checksum = BNode(f"sha256-{file.sha256}")
    stated: list[Triple] = [
        (here, DCAT.distribution, iri),
        (iri, RDF.type, DCAT.Distribution),
        (iri, DCTERMS.title, Literal(file.name)),
        (iri, DCAT.downloadURL, iri),
        (iri, DCAT.mediaType, URIRef(MEDIA_TYPE_IRI + file.media_type)),
        (iri, DCAT.byteSize, count(file.size)),
    ]
    if file.description:
        stated.append((iri, DCTERMS.description, Literal(file.description, lang="en")))
    if file.conforms_to:
        stated.append((iri, DCTERMS.conformsTo, URIRef(file.conforms_to)))
    if file.sha256 is None:
        return stated
    return [
        *stated,
        (iri, URIRef(SPDX + "checksum"), checksum),
        (checksum, RDF.type, URIRef(SPDX + "Checksum")),
        (checksum, URIRef(SPDX + "algorithm"), URIRef(SPDX + "checksumAlgorithm_sha256")),
        (checksum, URIRef(SPDX + "checksumValue"), Literal(file.sha256, datatype=XSD.hexBinary)),
    ]


# --- the served dataset ----------------------------------------------------------------------------


def served_dataset(
    dataset: URIRef,
    endpoint: URIRef,
    quads: int,
    graphs: Iterable[tuple[URIRef, int]],
    dataset_file: str | None = None,
    dumps: Iterable[URIRef] = (),
    contact: str | None = None,
    held: Container[Node] = (),
) -> list[Triple]:
    """The dataset an endpoint serves, in VoID, DCAT and the SPARQL Service Description: its
    size, its default graph (the union), each named graph with its size and the ``dumps`` the
    service offers of it (``void:dataDump``); ``held`` are the example resources it holds. ``dataset_file`` is the name of the RDF file
    served instead of the project's build, which is then described by its name only."""
    if dataset_file is not None:
        out = dataset_triples(dataset, Literal(f"RDF dataset {dataset_file}"))
    else:
        out = dataset_triples(dataset, Literal(TITLE, lang="en"))
        out += peace_talks_triples(dataset, ENDPOINT_DESCRIPTION, contact=contact, held=held)
    out += [(dataset, VOID.dataDump, dump) for dump in dumps]
    default = BNode()
    out += [
        (dataset, RDF.type, SD.Dataset),
        (dataset, VOID.sparqlEndpoint, endpoint),
        (dataset, VOID.triples, count(quads)),
        (dataset, SD.defaultGraph, default),
        (default, RDF.type, SD.Graph),
        (default, VOID.triples, count(quads)),
        (default, RDFS.comment, Literal("The union of all graphs of the dataset.", lang="en")),
    ]
    for name, triples in graphs:
        named, described = BNode(), BNode()
        out += [
            (dataset, SD.namedGraph, named),
            (named, RDF.type, SD.NamedGraph),
            (named, SD.name, name),
            (named, SD.graph, described),
            (described, RDF.type, SD.Graph),
            *subset_triples(dataset, described, triples),
        ]
    return out
