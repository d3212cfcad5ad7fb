"""The linked-data face: every IRI of the graph's namespace dereferences on this server.

IRI scheme (``PTKG_BASE``, default ``https://w3id.org/peace-talks-kg/``, is mapped to ``/``):

- ``<base>id/<kind>/<slug>`` (a thing: an actor, a statement…) → ``GET /id/<kind>/<slug>`` answers
  **303 See Other** to the page ``/page/<kind>/<slug>`` (``text/html``) or to the data document
  ``/data/<kind>/<slug>.<ext>`` (Turtle, JSON-LD, N-Triples, RDF/XML), chosen by ``Accept``, with
  ``Vary: Accept``. ``/page/<kind>/<slug>.json`` is the page's own data as JSON.
- ``<base>graph/<path>`` (a named graph) → ``GET /graph/<path>``: the same, to ``/page/graph/<path>``
  and ``/data/graph/<path>.<ext>`` (the graph's triples).
- ``<base>ontology#Term`` and ``<base>shapes#Shape`` are hash IRIs: ``GET /ontology`` (and
  ``/shapes``) answers the document itself, negotiated (``Vary: Accept``, ``Content-Location``);
  every term has an anchor on the page. ``/ontology.ttl`` … are its explicit twins.

Every answer advertises its twins in an HTTP ``Link`` header (and HTML pages in
``<link rel="alternate">``). An IRI the graph does not hold is a 404, and so is a path that makes no
IRI (checked by :func:`kg.rdf.terms.checked_iri`), with the reason.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, url_for
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from kg.rdf.formats import RDF_FORMATS
from kg.rdf.namespaces import BASE, PT, bind_prefixes
from kg.rdf.results import GraphResult, SelectResult
from kg.rdf.terms import BadIRI, checked_iri
from kg.store import sparql_term
from kg.store.queries import canned_query, run
from kg.store.serialize import serialize
from server import describe as d
from server import graph
from server.errors import error_response
from server.negotiation import accepted

bp = Blueprint("pages", __name__)

SUFFIXES: dict[str, str] = {"ttl": "turtle", "jsonld": "jsonld", "nt": "nt", "rdf": "xml"}
"""File suffix of a data twin → format name in kg.store.formats.RDF_FORMATS."""
HTML_TYPES = ("text/html", "application/xhtml+xml")
DOCUMENTS = ("ontology", "shapes")
"""Hash-IRI documents: ``<base>ontology`` and ``<base>shapes``."""
SAFE_SCHEMES = ("http://", "https://")


# --- the namespace ------------------------------------------------------------------------------


def base() -> str:
    return current_app.config.get("PTKG_BASE") or BASE


def local_url(iri: str) -> str | None:
    """The address on this server of a page about an IRI of the namespace, else None."""
    root = base()
    if not iri.startswith(root):
        return None
    rest = iri[len(root) :]
    if rest == "":
        return url_for("home.index")
    document, hash_, fragment = rest.partition("#")
    if document in DOCUMENTS:
        return url_for("pages.document", name=document) + (
            "#" + quote(fragment, safe="") if hash_ else ""
        )
    if "#" in rest or "?" in rest:
        return None
    if rest.startswith("id/") and len(rest) > 3:
        return url_for("pages.page", path=rest[3:])
    if rest.startswith("graph/") and len(rest) > 6:
        return url_for("pages.page", path=rest)
    return None


def href(term: URIRef) -> str | None:
    """Where a page links an IRI: its page here, an external http(s) address, or nowhere (a
    ``javascript:`` or other IRI is shown, never linked)."""
    text = str(term)
    found = local_url(text)
    if found is not None:
        return found
    return text if text.lower().startswith(SAFE_SCHEMES) else None


def _iri_of_page(path: str) -> URIRef:
    """The IRI a page's path (percent-decoded, as routed) stands for; a path that makes no IRI
    (a space, a ``"``, a ``%`` that starts no escape, bytes that are not UTF-8 …) is a 404 that
    says why, since no resource can have it."""
    try:
        return checked_iri(base() + (path if path.startswith("graph/") else "id/" + path))
    except BadIRI as exc:
        abort(404, f"no such resource: {exc}")


def _twins(path: str) -> list[dict[str, str]]:
    """The data twins of a page: label, address, media type."""
    return [
        {
            "label": ext,
            "url": url_for("pages.data", path=f"{path}.{ext}"),
            "type": RDF_FORMATS[fmt],
        }
        for ext, fmt in SUFFIXES.items()
    ]


def _link_header(links: list[tuple[str, str, str | None]]) -> str:
    parts = []
    for target, rel, media in links:
        part = f'<{target}>; rel="{rel}"'
        if media:
            part += f'; type="{media}"'
        parts.append(part)
    return ", ".join(parts)


def _alternates(path: str, *, html: bool = True, json_twin: bool = True):
    links: list[tuple[str, str, str | None]] = []
    if html:
        links.append((url_for("pages.page", path=path), "alternate", "text/html"))
    if json_twin and not path.startswith("graph/"):
        links.append((url_for("pages.page", path=path + ".json"), "alternate", "application/json"))
    links += [(t["url"], "alternate", t["type"]) for t in _twins(path)]
    return links


def negotiate(offers_html: bool = True) -> str | None:
    """The best media type for this request among HTML and the RDF formats; None if nothing fits.
    A request without ``Accept`` (or with ``*/*``) gets HTML."""
    offers = ([*HTML_TYPES] if offers_html else []) + [RDF_FORMATS[f] for f in SUFFIXES.values()]
    accept = accepted()
    if not accept:
        return offers[0]
    return accept.best_match(offers)


def _not_acceptable():
    kinds = ", ".join([*HTML_TYPES, *(RDF_FORMATS[f] for f in SUFFIXES.values())])
    response = error_response(406, f"no representation fits the Accept header; available: {kinds}")
    body, status = response
    return body, status, {"Vary": "Accept"}


def _not_found(iri: str):
    return error_response(404, f"the graph holds nothing about <{iri}>")


# --- dereferencing: 303 See Other ---------------------------------------------------------------


@bp.get("/id/<path:path>")
def identifier(path: str):
    return _see_other(path)


@bp.get("/graph/<path:path>")
def named_graph(path: str):
    return _see_other("graph/" + path)


def _see_other(path: str):
    iri = _iri_of_page(path)
    if not d.exists(graph(), iri):
        body, status = _not_found(str(iri))
        return body, status, {"Vary": "Accept"}
    media = negotiate()
    if media is None:
        return _not_acceptable()
    if media in HTML_TYPES:
        location = url_for("pages.page", path=path)
    else:
        ext = next(e for e, f in SUFFIXES.items() if RDF_FORMATS[f] == media)
        location = url_for("pages.data", path=f"{path}.{ext}")
    response = Response(
        f"See {location}\n", status=303, mimetype="text/plain", headers={"Location": location}
    )
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _link_header(_alternates(path))
    return response


# --- data twins ---------------------------------------------------------------------------------


@bp.get("/data/<path:path>")
def data(path: str):
    stem, _, ext = path.rpartition(".")
    if not stem or ext not in SUFFIXES:
        return error_response(
            404, f"no such data document; add one of {', '.join('.' + s for s in SUFFIXES)}"
        )
    iri = _iri_of_page(stem)
    store = graph()
    if not d.exists(store, iri):
        return _not_found(str(iri))
    is_graph = stem.startswith("graph/")
    found = _graph_triples(iri) if is_graph else d.describe(store, iri, href).graph
    fmt = SUFFIXES[ext]
    response = Response(serialize(GraphResult(found), fmt), mimetype=RDF_FORMATS[fmt])
    response.headers["Link"] = _link_header([(str(iri), "describes", None), *_alternates(stem)])
    return response


def _graph_triples(iri: URIRef) -> Graph:
    result = run(graph(), canned_query("page-graph"), {"resource": iri})
    found = Graph()
    bind_prefixes(found)
    if isinstance(result, SelectResult):
        for row in result.dicts():
            found.add((row["s"], row["p"], row["o"]))
    return found


# --- pages --------------------------------------------------------------------------------------


@bp.get("/page/<path:path>")
def page(path: str):
    store = graph()
    if path.endswith(".json") and not path.startswith("graph/"):
        stem = path.removesuffix(".json")
        if d.exists(store, _iri_of_page(stem)):
            return _page_json(stem)
    iri = _iri_of_page(path)
    if not d.exists(store, iri):
        return _not_found(str(iri))
    if path.startswith("graph/"):
        return _graph_page(path, iri)
    view = _view(path, iri)
    html = render_template("pages/resource.html", **view)
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = _link_header(
        [(str(iri), "describes", None), *_alternates(path, html=False)]
    )
    return response


def _view(path: str, iri: URIRef) -> dict:
    store = graph()
    description = d.describe(store, iri, href)
    kinds = description.kinds
    view: dict = {
        "d": description,
        "path": path,
        "twins": _twins(path),
        "json_url": url_for("pages.page", path=path + ".json"),
        "query_url": url_for("editor.editor", query=f"DESCRIBE {sparql_term(iri)}"),
    }
    if {"statement", "assessment", "date-report"} & set(kinds):
        view["card"] = _card(description)
    if view.get("card") or description.values(PT.evidence):
        view["evidence"] = d.evidence(store, iri, href)
    if "evidence" in kinds:
        view["annotation"] = d.annotation_quote(description)
    if "position" in kinds or "topic" in kinds:
        attestations = d.position_attestations(store, iri, href)
        view["attestations"] = attestations
        view["stances"] = d.stance_summary(attestations)
        view["chart"] = d.attestation_chart(
            attestations, f"Timeline of the statements about {description.label}"
        )
    if "actor" in kinds:
        statements = d.actor_statements(store, iri, href)
        view["statements"] = statements
        view["roles"] = d.actor_roles(store, iri, href)
        view["chart"] = d.actor_chart(
            statements, f"Timeline of the statements by or for {description.label}"
        )
    if "source" in kinds:
        view["reported"] = d.source_statements(store, iri, href)
    return view


CARD: list[tuple[str, URIRef | None]] = [
    ("Speaker", PT.speaker),
    ("On behalf of", PT.onBehalfOf),
    ("Stance", PT.stance),
    ("About", PT.about),
    ("Reports on", PT.reportsOn),
    ("Date", None),
    ("Date basis", PT.dateBasis),
    ("Qualifier", PT.dateQualifier),
    ("At", PT.atEvent),
    ("Framing", PT.framing),
    ("Conditional on", PT.conditionalOn),
    ("Responds to", PT.respondsTo),
    ("Supersedes", PT.supersedes),
    ("Quantity", PT.quantity),
]
"""The facts a statement's page leads with, in order."""


def _card(description: d.Description) -> list[tuple[str, object]]:
    card: list[tuple[str, object]] = []
    for name, prop in CARD:
        if prop is None:
            card.append((name, description.when or d.When("unknown")))
        elif values := description.values(prop):
            card.append((name, values))
    return card


def _page_json(path: str):
    iri = _iri_of_page(path)
    view = _view(path, iri)
    description = view["d"]
    body = {
        "iri": str(iri),
        "label": description.label,
        "kinds": description.kinds,
        "types": description.types,
        "summary": description.summary,
        "when": description.when,
        "properties": description.groups,
        "inbound": description.inbound,
        "matches": description.matches,
        "blank_nodes": description.blank_nodes,
    }
    for key in ("card", "evidence", "annotation", "attestations", "stances", "statements", "roles"):
        if key in view:
            body[key] = view[key]
    if "reported" in view:
        body["reports"] = view["reported"]
    response = Response(d.dumps(body), mimetype="application/json")
    response.headers["Link"] = _link_header(
        [(str(iri), "describes", None), *_alternates(path, json_twin=False)]
    )
    return response


def _graph_page(path: str, iri: URIRef):
    triples = _graph_triples(iri)
    labeller = d.Labeller(href)
    subjects = sorted({s for s in triples.subjects() if isinstance(s, URIRef)})
    for s in subjects:
        for prop in d.LABEL_PROPERTIES:
            for label in triples.objects(s, prop):
                labeller.add(s, label)
    html = render_template(
        "pages/graph.html",
        iri=iri,
        path=path,
        size=len(triples),
        subjects=[labeller.ref(s) for s in subjects],
        twins=_twins(path),
        query_url=url_for(
            "editor.editor",
            query=f"SELECT ?s ?p ?o WHERE {{ GRAPH {sparql_term(iri)} {{ ?s ?p ?o }} }} LIMIT 100",
        ),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = _link_header(
        [(str(iri), "describes", None), *_alternates(path, html=False, json_twin=False)]
    )
    return response


# --- hash-IRI documents: the ontology and the shapes ------------------------------------------


@bp.get("/<any(ontology, shapes):name>")
def document(name: str):
    media = negotiate()
    if media is None:
        return _not_acceptable()
    if media in HTML_TYPES:
        response = _document_html(name)
        location = url_for("pages.document_twin", name=name, ext="html")
    else:
        ext = next(e for e, f in SUFFIXES.items() if RDF_FORMATS[f] == media)
        response = _document_rdf(name, ext)
        location = url_for("pages.document_twin", name=name, ext=ext)
    if isinstance(response, Response):
        response.headers["Content-Location"] = location
        response.headers["Vary"] = "Accept"
        return response
    body, status = response
    return body, status, {"Vary": "Accept"}


@bp.get("/<any(ontology, shapes):name>.<ext>")
def document_twin(name: str, ext: str):
    if ext == "html":
        return _document_html(name)
    if ext not in SUFFIXES:
        return error_response(
            404, f"no such document; use .html or one of {', '.join('.' + s for s in SUFFIXES)}"
        )
    return _document_rdf(name, ext)


def _document_triples(name: str) -> tuple[URIRef, Graph]:
    iri = URIRef(base() + name)
    result = run(graph(), canned_query("page-document"), {"resource": iri})
    found = Graph()
    bind_prefixes(found)
    if isinstance(result, SelectResult):
        for row in result.dicts():
            found.add((row["s"], row["p"], row["o"]))
    return iri, found


def _document_links(name: str) -> str:
    links = [(url_for("pages.document_twin", name=name, ext="html"), "alternate", "text/html")]
    links += [
        (url_for("pages.document_twin", name=name, ext=ext), "alternate", RDF_FORMATS[fmt])
        for ext, fmt in SUFFIXES.items()
    ]
    return _link_header(links)


def _document_rdf(name: str, ext: str):
    iri, triples = _document_triples(name)
    if not len(triples):
        return _not_found(str(iri))
    fmt = SUFFIXES[ext]
    response = Response(serialize(GraphResult(triples), fmt), mimetype=RDF_FORMATS[fmt])
    response.headers["Link"] = _document_links(name)
    return response


def _document_html(name: str):
    iri, triples = _document_triples(name)
    if not len(triples):
        return _not_found(str(iri))
    view = _ontology_view(iri, triples) if name == "ontology" else _shapes_view(iri, triples)
    twins = [
        {
            "label": ext,
            "url": url_for("pages.document_twin", name=name, ext=ext),
            "type": RDF_FORMATS[fmt],
        }
        for ext, fmt in SUFFIXES.items()
    ]
    html = render_template(f"pages/{name}.html", iri=iri, twins=twins, **view)
    response = Response(html, mimetype="text/html")
    response.headers["Link"] = _document_links(name)
    return response


class _Terms:
    """Labels and links for the terms of one vocabulary document."""

    def __init__(self, doc: Graph) -> None:
        self.doc = doc
        self.labeller = d.Labeller(href)
        for prop in d.LABEL_PROPERTIES:
            for s, o in doc.subject_objects(prop):
                self.labeller.add(s, o)

    def ref(self, term: Node) -> d.Ref:
        return self.labeller.ref(term)

    def expression(self, term: Node) -> list[d.Ref]:
        """A class expression as the terms it is made of (``owl:unionOf`` lists are unfolded)."""
        if isinstance(term, URIRef):
            return [self.ref(term)]
        for prop in (OWL.unionOf, OWL.intersectionOf, OWL.oneOf):
            head = self.doc.value(term, prop)
            if head is not None:
                return [self.ref(t) for t in Collection(self.doc, head)]
        return []

    def text(self, term: Node, prop: URIRef) -> str | None:
        values = sorted(self.doc.objects(term, prop), key=lambda o: d._label_rank(o))
        return str(values[0]) if values else None


def _anchor(iri: URIRef, doc_iri: URIRef) -> str:
    return str(iri)[len(str(doc_iri)) + 1 :]


def _ontology_view(iri: URIRef, doc: Graph) -> dict:
    terms = _Terms(doc)
    prefix = str(iri) + "#"
    own = sorted({s for s in doc.subjects() if isinstance(s, URIRef) and str(s).startswith(prefix)})

    def entry(term: URIRef) -> dict:
        return {
            "anchor": _anchor(term, iri),
            "iri": str(term),
            "label": terms.labeller.label(term),
            "comment": terms.text(term, RDFS.comment) or terms.text(term, SKOS.definition),
            "types": [terms.ref(t) for t in sorted(doc.objects(term, RDF.type))],
            "superclasses": [terms.ref(t) for t in sorted(doc.objects(term, RDFS.subClassOf))],
            "subclasses": [terms.ref(t) for t in sorted(doc.subjects(RDFS.subClassOf, term))],
            "superproperties": [
                terms.ref(t) for t in sorted(doc.objects(term, RDFS.subPropertyOf))
            ],
            "inverse": [terms.ref(t) for t in sorted(doc.objects(term, OWL.inverseOf))],
            "domain": [r for t in doc.objects(term, RDFS.domain) for r in terms.expression(t)],
            "range": [r for t in doc.objects(term, RDFS.range) for r in terms.expression(t)],
            "equivalent": [
                r for t in doc.objects(term, OWL.equivalentClass) for r in terms.expression(t)
            ],
            "members": [terms.ref(t) for t in sorted(doc.subjects(RDF.type, term))],
        }

    property_types = {
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
    }
    classes = [
        t for t in own if (t, RDF.type, OWL.Class) in doc or (t, RDF.type, RDFS.Class) in doc
    ]
    properties = [t for t in own if set(doc.objects(t, RDF.type)) & property_types]
    individuals = [t for t in own if t not in classes and t not in properties]
    key = lambda e: e["label"].lower()  # noqa: E731
    header = {
        "title": terms.text(iri, DCTERMS.title) or terms.text(iri, RDFS.label),
        "description": terms.text(iri, DCTERMS.description) or terms.text(iri, RDFS.comment),
        "version": terms.text(iri, OWL.versionInfo),
        "license": doc.value(iri, DCTERMS.license),
    }
    return {
        "header": header,
        "classes": sorted((entry(t) for t in classes), key=key),
        "properties": sorted((entry(t) for t in properties), key=key),
        "individuals": sorted((entry(t) for t in individuals), key=key),
        "size": len(doc),
    }


def _shapes_view(iri: URIRef, doc: Graph) -> dict:
    terms = _Terms(doc)
    prefix = str(iri) + "#"
    shapes = sorted(
        s
        for s in set(doc.subjects(RDF.type, SH.NodeShape))
        if isinstance(s, URIRef) and str(s).startswith(prefix)
    )

    def path_text(path: Node) -> str:
        if isinstance(path, URIRef):
            return d._compact(path)
        for prop, joiner in ((SH.alternativePath, " | "),):
            head = doc.value(path, prop)
            if head is not None:
                return joiner.join(path_text(p) for p in Collection(doc, head))
        inverse = doc.value(path, SH.inversePath)
        if inverse is not None:
            return "^" + path_text(inverse)
        if doc.value(path, RDF.first) is not None:
            return "/".join(path_text(p) for p in Collection(doc, path))
        return "(path)"

    def entry(shape: URIRef) -> dict:
        props = []
        for prop in sorted(doc.objects(shape, SH.property), key=str):
            path = doc.value(prop, SH.path)
            props.append(
                {
                    "anchor": _anchor(prop, iri) if str(prop).startswith(prefix) else None,
                    "path": path_text(path) if path is not None else "",
                    "message": terms.text(prop, SH.message),
                    "severity": d._compact(doc.value(prop, SH.severity))
                    if doc.value(prop, SH.severity)
                    else None,
                }
            )
        return {
            "anchor": _anchor(shape, iri),
            "iri": str(shape),
            "comment": terms.text(shape, RDFS.comment),
            "message": terms.text(shape, SH.message),
            "targets": [terms.ref(t) for t in sorted(doc.objects(shape, SH.targetClass))],
            "properties": props,
        }

    return {
        "header": {
            "title": terms.text(iri, RDFS.label),
            "description": terms.text(iri, RDFS.comment),
            "version": terms.text(iri, OWL.versionInfo),
            "license": None,
        },
        "shapes": [entry(s) for s in shapes],
        "size": len(doc),
    }


# --- template helpers ---------------------------------------------------------------------------


@bp.app_template_global("page_for")
def page_for(iri: str) -> str | None:
    """The page on this server about an IRI of the namespace (None for other IRIs)."""
    return local_url(str(iri))
