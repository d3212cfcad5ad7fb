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
IRI (checked by :func:`kg.rdf.terms.checked_iri`), with the reason. A retracted resource
(``pt:retracted true``, docs/model.md) answers **410 Gone** at its IRI, its page, its JSON and its data
twins alike, each still with its content (the page with the reason, the triples) and the reason in
the error shape's ``error``.

A page and its JSON twin name things in English, Russian or Ukrainian (:func:`page_language`):
``?lang=`` when given, else the request's ``Accept-Language`` (and then ``Vary: Accept-Language``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue, ResponseValue
from rdflib import Graph, URIRef

from kg.browse.curation import Retraction, retraction
from kg.browse.describe import describe, exists, graph_subjects, graph_triples
from kg.browse.page import resource_page
from kg.browse.vocabulary import document_triples, ontology_page, shapes_page
from kg.rdf.formats import RDF_FORMATS
from kg.rdf.labels import ENGLISH, LANGUAGES
from kg.rdf.namespaces import BASE
from kg.rdf.results import GraphResult
from kg.rdf.terms import BadIRI, checked_iri
from kg.store import sparql_term
from kg.store.serialize import serialize
from server import graph
from server.errors import error_response
from server.negotiation import accepted

bp = Blueprint("pages", __name__)

SUFFIXES: dict[str, str] = {"ttl": "turtle", "jsonld": "jsonld", "nt": "nt", "rdf": "xml"}
"""File suffix of a data twin → format name in kg.rdf.formats.RDF_FORMATS."""
HTML_TYPES = ("text/html", "application/xhtml+xml")
DOCUMENTS = ("ontology", "shapes")
"""Hash-IRI documents: ``<base>ontology`` and ``<base>shapes``."""
SAFE_SCHEMES = ("http://", "https://")
LANGUAGE_NAMES = {
    "en": ("English", "English"),
    "ru": ("Russian", "Русский"),
    "uk": ("Ukrainian", "Українська"),
}
"""Each language of :data:`kg.rdf.labels.LANGUAGES` in English and by its own name."""


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


def _link_header(links: Sequence[tuple[str, str, str | None]]) -> str:
    parts = []
    for target, rel, media in links:
        part = f'<{target}>; rel="{rel}"'
        if media:
            part += f'; type="{media}"'
        parts.append(part)
    return ", ".join(parts)


def _alternates(
    path: str, *, html: bool = True, json_twin: bool = True
) -> list[tuple[str, str, str | None]]:
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


def _not_acceptable() -> tuple[ResponseValue, int, dict[str, str]]:
    kinds = ", ".join([*HTML_TYPES, *(RDF_FORMATS[f] for f in SUFFIXES.values())])
    response = error_response(406, f"no representation fits the Accept header; available: {kinds}")
    body, status = response
    return body, status, {"Vary": "Accept"}


def _not_found(iri: str) -> tuple[ResponseValue, int]:
    return error_response(404, f"the graph holds nothing about <{iri}>")


# --- dereferencing: 303 See Other ---------------------------------------------------------------


@bp.get("/id/<path:path>")
def identifier(path: str) -> ResponseReturnValue:
    return _see_other(path)


@bp.get("/graph/<path:path>")
def named_graph(path: str) -> ResponseReturnValue:
    return _see_other("graph/" + path)


def _see_other(path: str) -> ResponseReturnValue:
    iri = _iri_of_page(path)
    if not exists(graph(), iri):
        body, status = _not_found(str(iri))
        return body, status, {"Vary": "Accept"}
    gone = None if path.startswith("graph/") else retraction(graph(), iri)
    if gone is not None:
        return _gone(path, iri, gone)
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
def data(path: str) -> ResponseReturnValue:
    stem, _, ext = path.rpartition(".")
    if not stem or ext not in SUFFIXES:
        return error_response(
            404, f"no such data document; add one of {', '.join('.' + s for s in SUFFIXES)}"
        )
    iri = _iri_of_page(stem)
    store = graph()
    if not exists(store, iri):
        return _not_found(str(iri))
    return _data_twin(stem, iri, SUFFIXES[ext])


def _data_twin(path: str, iri: URIRef, fmt: str) -> Response:
    """The triples about ``iri`` in ``fmt``; 410 Gone (still with them) when it was retracted."""
    store = graph()
    is_graph = path.startswith("graph/")
    found = graph_triples(store, iri) if is_graph else describe(store, iri, href).graph
    gone = None if is_graph else retraction(store, iri)
    response = Response(
        serialize(GraphResult(found), fmt),
        status=410 if gone else 200,
        mimetype=RDF_FORMATS[fmt],
    )
    response.headers["Link"] = _link_header([(str(iri), "describes", None), *_alternates(path)])
    return response


# --- pages --------------------------------------------------------------------------------------


@bp.get("/page/<path:path>")
def page(path: str) -> ResponseReturnValue:
    store = graph()
    if path.endswith(".json") and not path.startswith("graph/"):
        stem = path.removesuffix(".json")
        if exists(store, _iri_of_page(stem)):
            return _page_json(stem)
    iri = _iri_of_page(path)
    if not exists(store, iri):
        return _not_found(str(iri))
    if path.startswith("graph/"):
        return _graph_page(path, iri)
    return _html_page(path, iri, retraction(store, iri))


def page_language() -> tuple[str, bool]:
    """The language a resource page names things in, and whether ``Accept-Language`` chose it
    (the answer then varies with that header). ``?lang=`` wins; else the header's best match
    among :data:`LANGUAGES`; else English. An unknown ``?lang=`` is a 400 that lists them."""
    asked = request.args.get("lang")
    if asked is not None:
        if asked not in LANGUAGES:
            abort(400, f"unknown language {asked!r}; languages: {', '.join(LANGUAGES)}")
        return asked, False
    return request.accept_languages.best_match(LANGUAGES) or ENGLISH, True


def _languages(path: str, lang: str) -> list[dict[str, str]]:
    """The links of a page to itself in the other languages."""
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code][1],
            "url": url_for("pages.page", path=path, lang=code),
        }
        for code in LANGUAGES
        if code != lang
    ]


def _in_language(response: Response, lang: str, negotiated: bool) -> Response:
    """A page says its language (``Content-Language``, which a cache validator can key on), and,
    when ``Accept-Language`` chose it, that the answer varies with that header."""
    response.content_language.add(lang)
    if negotiated:
        response.vary.add("Accept-Language")
    return response


def _html_page(path: str, iri: URIRef, gone: Retraction | None) -> Response:
    """A resource's page; 410 Gone (the page, with the reason) when it was retracted."""
    lang, negotiated = page_language()
    html = render_template("pages/resource.html", **_view(path, iri, lang))
    response = Response(html, status=410 if gone else 200, mimetype="text/html")
    response.headers["Link"] = _link_header(
        [(str(iri), "describes", None), *_alternates(path, html=False)]
    )
    return _in_language(response, lang, negotiated)


def _gone(path: str, iri: URIRef, gone: Retraction) -> ResponseReturnValue:
    """A retracted resource's IRI: 410 Gone in place of the 303, with the page (HTML), its JSON or
    its triples as ``Accept`` asks."""
    offers = [*HTML_TYPES, "application/json", *(RDF_FORMATS[f] for f in SUFFIXES.values())]
    accept = accepted()
    media = accept.best_match(offers) if accept else offers[0]
    if media is None:
        return _not_acceptable()
    if media in HTML_TYPES:
        response = _html_page(path, iri, gone)
    elif media == "application/json":
        response = _page_json(path)
    else:
        response = _data_twin(
            path, iri, next(f for f in SUFFIXES.values() if RDF_FORMATS[f] == media)
        )
    response.vary.add("Accept")  # beside Accept-Language, when the page's language varies too
    return response


def _view(path: str, iri: URIRef, lang: str) -> dict[str, Any]:
    """What a resource page's template is given."""
    found = resource_page(graph(), iri, href, lang)
    view: dict[str, Any] = {
        "d": found.description,
        "path": path,
        "page_lang": lang,
        "language_name": LANGUAGE_NAMES[lang][0],
        "languages": _languages(path, lang),
        "twins": _twins(path),
        "json_url": url_for("pages.page", path=path + ".json", lang=request.args.get("lang")),
        "query_url": url_for("editor.editor", query=f"DESCRIBE {sparql_term(iri)}"),
        **found.parts(),
    }
    if found.chart is not None:
        view["chart"] = found.chart
    return view


def _page_json(path: str) -> Response:
    """A page's JSON twin; a retracted resource's is 410 Gone, the error shape's keys first."""
    iri = _iri_of_page(path)
    store = graph()
    lang, negotiated = page_language()
    found = resource_page(store, iri, href, lang)
    gone = retraction(store, iri)
    if gone is None:
        response = Response(found.as_json(), mimetype="application/json")
    else:
        body = found.as_json(ok=False, status=410, error=gone.message)
        response = Response(body, status=410, mimetype="application/json")
    response.headers["Link"] = _link_header(
        [(str(iri), "describes", None), *_alternates(path, json_twin=False)]
    )
    return _in_language(response, lang, negotiated)


def _graph_page(path: str, iri: URIRef) -> Response:
    triples = graph_triples(graph(), iri)
    html = render_template(
        "pages/graph.html",
        iri=iri,
        path=path,
        size=len(triples),
        subjects=graph_subjects(triples, href),
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
def document(name: str) -> ResponseReturnValue:
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
def document_twin(name: str, ext: str) -> ResponseReturnValue:
    if ext == "html":
        return _document_html(name)
    if ext not in SUFFIXES:
        return error_response(
            404, f"no such document; use .html or one of {', '.join('.' + s for s in SUFFIXES)}"
        )
    return _document_rdf(name, ext)


def _document_triples(name: str) -> tuple[URIRef, Graph]:
    iri = URIRef(base() + name)
    return iri, document_triples(graph(), iri)


def _document_links(name: str) -> str:
    links = [(url_for("pages.document_twin", name=name, ext="html"), "alternate", "text/html")]
    links += [
        (url_for("pages.document_twin", name=name, ext=ext), "alternate", RDF_FORMATS[fmt])
        for ext, fmt in SUFFIXES.items()
    ]
    return _link_header(links)


def _document_rdf(name: str, ext: str) -> Response | tuple[ResponseValue, int]:
    iri, triples = _document_triples(name)
    if not len(triples):
        return _not_found(str(iri))
    fmt = SUFFIXES[ext]
    response = Response(serialize(GraphResult(triples), fmt), mimetype=RDF_FORMATS[fmt])
    response.headers["Link"] = _document_links(name)
    return response


def _document_html(name: str) -> Response | tuple[ResponseValue, int]:
    iri, triples = _document_triples(name)
    if not len(triples):
        return _not_found(str(iri))
    found = (ontology_page if name == "ontology" else shapes_page)(iri, triples, href)
    view = {f.name: getattr(found, f.name) for f in fields(found)}  # its parts, unconverted
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


# --- template helpers ---------------------------------------------------------------------------


@bp.app_template_global("page_for")
def page_for(iri: str) -> str | None:
    """The page on this server about an IRI of the namespace (None for other IRIs)."""
    return local_url(str(iri))
