"""The linked-data browser in process: dereferencing (303 See Other, Vary, Link), suffix twins,
404s, the ontology document, the resource, actor, demand, source and evidence pages, search, the
query editor page, and escaping of hostile literals and IRIs."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from markupsafe import escape
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.browse.dates import When
from kg.browse.timeline import Entry, layout
from kg.questions import QUESTIONS
from kg.rdf.namespaces import PT, WD
from server import create_app
from server.questions import HEADLINE
from tests.conftest import FIXTURES

BROWSE = FIXTURES / "datasets" / "browse.trig"
ACTOR = "https://w3id.org/peace-talks-kg/id/actor/"
RUSSIA = URIRef(ACTOR + "russia")
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def browse():
    """A client over the browse fixture: day/month/year/unknown dates, quotes, hostile literals."""
    app = create_app({"TESTING": True, "PTKG_DATASET": str(BROWSE)})
    return app.test_client()


def links(response) -> dict[tuple[str, str | None], str]:
    """The HTTP ``Link`` header as {(rel, type): target}."""
    found = {}
    for part in response.headers.get("Link", "").split(","):
        match = re.match(r'\s*<([^>]*)>\s*;\s*rel="([^"]+)"(?:\s*;\s*type="([^"]+)")?', part)
        if match:
            found[(match[2], match[3])] = match[1]
    return found


def parse(response, fmt: str) -> Graph:
    return Graph().parse(data=response.get_data(as_text=True), format=fmt)


# --- dereferencing ------------------------------------------------------------------------------


def test_identifier_answers_303_to_the_page_for_browsers(client):
    response = client.get("/id/actor/russia", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/actor/russia"
    assert "Accept" in response.headers["Vary"]
    advertised = links(response)
    assert advertised[("alternate", "text/turtle")] == "/data/actor/russia.ttl"
    assert advertised[("alternate", "text/html")] == "/page/actor/russia"


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_identifier_answers_303_to_the_data_document_for_rdf_clients(client, media):
    ext, fmt = RDF_TYPES[media]
    response = client.get("/id/actor/russia", headers={"Accept": media})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/data/actor/russia.{ext}"
    assert "Accept" in response.headers["Vary"]
    data = client.get(response.headers["Location"])
    assert data.status_code == 200
    assert data.mimetype == media
    graph = parse(data, fmt)
    assert (RUSSIA, RDFS.label, Literal("Russia", lang="en")) in graph
    assert links(data)[("describes", None)] == str(RUSSIA)


def test_no_accept_or_any_type_gets_the_page(client):
    for headers in ({}, {"Accept": "*/*"}):
        response = client.get("/id/actor/russia", headers=headers)
        assert response.status_code == 303
        assert response.headers["Location"] == "/page/actor/russia"


def test_weighted_accept_prefers_the_better_quality(client):
    response = client.get(
        "/id/actor/russia", headers={"Accept": "text/html;q=0.5, text/turtle;q=0.9"}
    )
    assert response.headers["Location"] == "/data/actor/russia.ttl"


def test_nothing_acceptable_is_406(client):
    response = client.get("/id/actor/russia", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.get_json()["ok"] is False
    assert "text/turtle" in response.get_json()["error"]


def test_unknown_iri_is_404_page_for_browsers_and_json_for_machines(client):
    html = client.get("/id/actor/nobody", headers={"Accept": BROWSER_ACCEPT})
    assert html.status_code == 404
    assert html.mimetype == "text/html"
    assert "https://w3id.org/peace-talks-kg/id/actor/nobody" in html.get_data(as_text=True)
    machine = client.get("/id/actor/nobody", headers={"Accept": "text/turtle"})
    assert machine.status_code == 404
    assert machine.get_json() == {
        "ok": False,
        "status": 404,
        "error": "the graph holds nothing about <https://w3id.org/peace-talks-kg/id/actor/nobody>",
        "request_id": machine.headers["X-Request-Id"],  # the error shape carries the request's id
    }
    for url in ("/page/actor/nobody", "/data/actor/nobody.ttl", "/page/actor/nobody.json"):
        assert client.get(url).status_code == 404, url


NOT_IRIS = [
    # (as sent in the path, as routed after percent-decoding, what is wrong)
    ("a b", "a b", "contains a space"),
    ("a%20b", "a b", "contains a space"),
    ('a"b', 'a"b', "contains '\"', which no IRI may hold"),
    ("a%22b", 'a"b', "contains '\"', which no IRI may hold"),
    ("a%3Cb", "a<b", "contains '<', which no IRI may hold"),
    ("a%7Bb", "a{b", "contains '{', which no IRI may hold"),
    ("a%25b", "a%b", "has a '%' not followed by two hex digits"),
    (
        "a%FFb",
        "a\ufffdb",
        "contains U+FFFD, which no IRI may hold (it stands in for bytes that are not UTF-8)",
    ),
    ("a%00b", "a\x00b", "contains a NUL character (U+0000)"),
]


@pytest.mark.parametrize(("sent", "routed", "reason"), NOT_IRIS, ids=[s for s, _, _ in NOT_IRIS])
def test_a_path_that_makes_no_iri_is_a_404_that_says_why(client, sent, routed, reason):
    actor = repr(f"https://w3id.org/peace-talks-kg/id/actor/{routed}")
    named = repr(f"https://w3id.org/peace-talks-kg/graph/{routed}")
    for url, iri in (
        (f"/page/actor/{sent}", actor),
        (f"/page/actor/{sent}.json", actor),
        (f"/id/actor/{sent}", actor),
        (f"/data/actor/{sent}.ttl", actor),
        (f"/graph/{sent}", named),
        (f"/page/graph/{sent}", named),
        (f"/data/graph/{sent}.nt", named),
    ):
        machine = client.get(url, headers={"Accept": "application/json"})
        assert machine.status_code == 404, url
        assert machine.get_json() == {
            "ok": False,
            "status": 404,
            "error": f"no such resource: not an IRI: {iri} {reason}",
            "request_id": machine.headers["X-Request-Id"],
        }, url
        browser = client.get(url, headers={"Accept": BROWSER_ACCEPT})
        assert browser.status_code == 404, url
        assert browser.mimetype == "text/html"
        page = browser.get_data(as_text=True)
        assert escape(f"no such resource: not an IRI: {iri} {reason}") in page, url
        assert "Traceback" not in page and "internal error" not in page


def test_a_path_that_decodes_to_an_iri_the_graph_lacks_is_the_usual_404(client):
    """``%2520`` routes as ``%20``, an escape an IRI may hold: a well-formed IRI, just unknown."""
    response = client.get("/page/actor/a%2520b", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == (
        "the graph holds nothing about <https://w3id.org/peace-talks-kg/id/actor/a%20b>"
    )


def test_suffix_twins_are_the_same_graph_in_four_syntaxes(client):
    graphs = {}
    for media, (ext, fmt) in RDF_TYPES.items():
        response = client.get(f"/data/statement/russia-demands-a.{ext}")
        assert response.status_code == 200
        assert response.mimetype == media
        graphs[ext] = parse(response, fmt)
    assert len(graphs["ttl"]) > 0
    for ext in ("jsonld", "nt", "rdf"):
        assert isomorphic(graphs["ttl"], graphs[ext]), ext
    statement = URIRef("https://w3id.org/peace-talks-kg/id/statement/russia-demands-a")
    # its triples, plus the labels of what it links to
    assert (statement, PT.speaker, RUSSIA) in graphs["ttl"]
    assert (RUSSIA, RDFS.label, Literal("Russia", lang="en")) in graphs["ttl"]
    assert (PT.speaker, RDFS.label, Literal("speaker", lang="en")) in graphs["ttl"]


def test_unknown_suffix_is_404(client):
    assert client.get("/data/actor/russia.csv").status_code == 404
    assert client.get("/data/actor/russia").status_code == 404


def test_page_advertises_its_twins_in_link_header_and_html(client):
    response = client.get("/page/actor/russia")
    assert response.status_code == 200
    advertised = links(response)
    assert advertised[("describes", None)] == str(RUSSIA)
    for media, (ext, _) in RDF_TYPES.items():
        assert advertised[("alternate", media)] == f"/data/actor/russia.{ext}"
    assert advertised[("alternate", "application/json")] == "/page/actor/russia.json"
    page = response.get_data(as_text=True)
    assert '<link rel="alternate" type="text/turtle" href="/data/actor/russia.ttl">' in page
    assert '<link rel="alternate" type="application/json" href="/page/actor/russia.json">' in page


def test_page_json_twin(client):
    response = client.get("/page/actor/russia.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["iri"] == str(RUSSIA)
    assert body["label"] == "Russia"
    assert "actor" in body["kinds"]


def test_named_graph_dereferences_and_its_data_is_the_graph(client):
    response = client.get("/graph/data/statements.ttl", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/graph/data/statements.ttl"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Russia demands that A withdraws" in page.get_data(as_text=True)
    data = client.get("/data/graph/data/statements.ttl.nt")
    graph = parse(data, "nt")
    curated = Graph().parse(FIXTURES / "projects" / "good" / "data" / "statements.ttl")
    assert isomorphic(graph, curated)


# --- the ontology: hash IRIs, negotiated in place -----------------------------------------------


def test_ontology_page_lists_terms_with_anchors(browse):
    response = browse.get("/ontology", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"] == "/ontology.html"
    page = response.get_data(as_text=True)
    assert 'id="State"' in page and 'id="speaker"' in page and 'id="Demands"' in page
    speaker = page[page.index('id="speaker"') :]
    speaker = speaker[: speaker.index("</section>")]
    assert "Who said it." in speaker
    assert re.search(r"Domain</dt><dd><a [^>]*>statement</a>", speaker)
    assert re.search(r"Range</dt><dd><a [^>]*>actor</a>", speaker)
    about = page[page.index('id="about"') :]
    about = about[: about.index("</section>")]
    assert re.search(r"Range</dt><dd><a [^>]*>position</a> or <a [^>]*>event</a>", about)


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_ontology_negotiates_rdf_in_place(browse, media):
    ext, fmt = RDF_TYPES[media]
    response = browse.get("/ontology", headers={"Accept": media})
    assert response.status_code == 200
    assert response.mimetype == media
    assert response.headers["Content-Location"] == f"/ontology.{ext}"
    graph = parse(response, fmt)
    assert (PT.State, RDF.type, OWL.Class) in graph
    assert (PT.State, RDFS.subClassOf, PT.Actor) in graph
    twin = browse.get(f"/ontology.{ext}")
    assert isomorphic(parse(twin, fmt), graph)


def test_ontology_terms_link_to_their_anchor(browse):
    page = browse.get("/page/actor/russia").get_data(as_text=True)
    assert 'href="/ontology#State"' in page
    shapes = browse.get("/shapes", headers={"Accept": BROWSER_ACCEPT})
    assert shapes.status_code == 200
    assert 'id="StatementShape"' in shapes.get_data(as_text=True)


def test_fixture_project_ontology(client):
    response = client.get("/ontology")
    assert response.status_code == 200
    assert "Miniature test ontology" in response.get_data(as_text=True)


# --- escaping -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/page/actor/mallory",
        "/page/position/renounce-nato",
        "/page/source/doc-000",
        "/page/actor/russia",
        "/page/statement/mallory-undated-renounce-nato",
        "/page/evidence/mallory-undated-renounce-nato--000",
        "/search?q=script",
    ],
)
def test_hostile_literals_are_shown_as_text(browse, url):
    response = browse.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>markup</b>" not in page
    assert 'href="javascript:' not in page


def test_hostile_label_is_visible_escaped(browse):
    page = browse.get("/page/actor/mallory").get_data(as_text=True)
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "&lt;b&gt;markup&lt;/b&gt; &amp; an ampersand" in page
    assert "javascript:alert(2)" in page
    assert 'href="javascript:' not in page
    quote = browse.get("/page/evidence/mallory-undated-renounce-nato--000").get_data(as_text=True)
    assert "<blockquote>&lt;img src=x onerror=alert(4)&gt;</blockquote>" in quote


# --- pages --------------------------------------------------------------------------------------


def test_description_holds_curated_triples_only(browse):
    graph = parse(browse.get("/data/actor/russia.nt"), "nt")
    assert (RUSSIA, OWL.sameAs, WD.Q159) in graph
    assert (RUSSIA, SKOS.altLabel, Literal("Moscow", lang="en")) in graph
    assert (RUSSIA, RDF.type, PT.State) in graph
    assert (RUSSIA, RDF.type, PT.Actor) not in graph  # entailed, in graph:inferred
    assert (WD.Q159, OWL.sameAs, RUSSIA) not in graph  # entailed
    assert not any("shapes#" in str(s) for s in graph.subjects())  # the shapes point here too
    # inbound links are part of the description
    statement = URIRef("https://w3id.org/peace-talks-kg/id/statement/russia-2025-06-renounce-nato")
    assert (statement, PT.onBehalfOf, RUSSIA) in graph


def test_resource_page_groups_labels_and_collapses_many_inbound_links(browse):
    page = browse.get("/page/actor/russia").get_data(as_text=True)
    assert "<h1>Russia</h1>" in page
    assert "https://w3id.org/peace-talks-kg/id/actor/russia" in page
    assert "A party to the talks." in page
    assert "<h3>Names and notes</h3>" in page and "Moscow" in page
    assert 'href="https://www.wikidata.org/wiki/Q159"' in page
    assert (
        'href="/query?query=DESCRIBE+%3Chttps://w3id.org/peace-talks-kg/id/actor/russia%3E"' in page
    )
    inbound = page[page.index('id="inbound-heading"') :]
    on_behalf = re.search(r'<details class="inbound"( open)?>\s*<summary>on behalf of', inbound)
    assert on_behalf and on_behalf[1] is None  # 14 links: collapsed
    assert re.search(r"on behalf of <span class=\"count\">14</span>", inbound)
    organisation = re.search(
        r'<details class="inbound"( open)?>\s*<summary>org:organization', inbound
    )
    assert organisation and organisation[1] == " open"  # one link: open


def test_statement_page_shows_who_when_what_and_the_quote(browse):
    page = browse.get("/page/statement/putin-2024-06-14-renounce-nato").get_data(as_text=True)
    card = page[page.index('id="card-heading"') : page.index('id="evidence-heading"')]
    assert re.search(r"<dt>Speaker</dt>\s*<dd><a href=\"/page/actor/vladimir-putin\"", card)
    assert re.search(r"<dt>On behalf of</dt>\s*<dd><a href=\"/page/actor/russia\"", card)
    assert re.search(r"<dt>Stance</dt>\s*<dd><a href=\"/ontology#Demands\"[^>]*>demands</a>", card)
    assert "Ukraine renounces NATO membership" in card
    assert (
        '<time datetime="2024-06-14">14 June 2024</time> <span class="precision">(day)</span>'
        in card
    )
    assert "Putin&#39;s speech of 14 June 2024" in card
    assert (
        "<blockquote>These include Ukraine’s formal renunciation of its NATO membership aspirations</blockquote>"
        in page
    )
    assert "000_test.txt" in page


def test_demand_page_draws_a_timeline_honest_about_precision(browse):
    page = browse.get("/page/position/renounce-nato").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert '<title id="timeline-title">' in svg and '<desc id="timeline-desc">' in svg
    # a day is a dot; a month and a year are bars across their span
    assert svg.count("<circle") == 1
    marks = re.findall(r'<g class="mark tone-(\w+) precision-(\w+)">(.*?)</g>', svg, re.S)
    shapes = {precision: (tone, body) for tone, precision, body in marks}
    assert set(shapes) == {"day", "month", "year"}
    assert "<circle" in shapes["day"][1] and "<rect" not in shapes["day"][1]
    widths = {
        p: float(re.search(r'<rect [^>]*width="([\d.]+)"', shapes[p][1])[1])
        for p in ("month", "year")
    }
    assert widths["year"] > 10 * widths["month"]
    assert {p: tone for p, (tone, _) in shapes.items()} == {
        "day": "supporting",
        "month": "supporting",
        "year": "opposing",
    }
    # the undated are listed apart, never on the axis
    undated = page[
        page.index("<h3>Undated</h3>") : page.index("</div>", page.index("<h3>Undated</h3>"))
    ]
    assert undated.count("<li>") == 12
    assert "Russia: demands — Further Russian statement 01" in undated
    # who accepted or rejected it
    stances = page[
        page.index("<h3>Stances</h3>") : page.index("</ul>", page.index("<h3>Stances</h3>"))
    ]
    assert re.search(r"rejects</a></strong>:\s*<a href=\"/page/actor/ukraine\"", stances)
    assert "date unknown</span> ×12" in stances
    # the table is the text equivalent
    assert "<caption>Every attestation" in page
    assert "Kyiv has rejected the demand" in page
    # an entailed copy of a link (owl:sameAs onto Wikidata) is not a second attestation
    table = page[page.index("<caption>Every attestation") : page.index("</table>")]
    assert table.count("<tr>") == 1 + 15  # the header, and 14 statements for Russia, 1 for Ukraine
    assert "wikidata.org" not in page


def test_actor_page_has_statement_timeline_and_roles(browse):
    page = browse.get("/page/actor/vladimir-putin").get_data(as_text=True)
    assert "<svg" in page
    roles = page[page.index('id="roles-heading"') :]
    assert re.search(
        r'<time datetime="2024">2024</time> <span class="precision">\(year\)</span>', roles
    )
    assert ">president</a>" in roles and ">Russia</a>" in roles


def test_source_page_reports_statement_by_statement_with_quotes(browse):
    page = browse.get("/page/source/doc-000").get_data(as_text=True)
    reported = page[page.index('id="reported-heading"') :]
    assert reported.count('<article class="reported">') == 4
    first = reported.index("Putin demands that Ukraine renounce NATO membership")
    assert first < reported.index("Kyiv has rejected the demand")  # date order
    assert "Moscow still insists on &lt;neutrality&gt; &amp; more" in reported


def test_evidence_page_shows_its_quote(browse):
    page = browse.get("/page/evidence/putin-2024-06-14-renounce-nato--000").get_data(as_text=True)
    assert "<blockquote>These include Ukraine’s formal renunciation" in page
    assert 'href="/page/source/doc-000"' in page


# --- one label rule -----------------------------------------------------------------------------

NAMED = "https://w3id.org/peace-talks-kg/id/actor/"
LABEL_CASES = {
    # rdfs:label before skos:prefLabel, whatever their texts
    "by-property": (
        [(RDFS.label, Literal("Zeta", lang="en")), (SKOS.prefLabel, Literal("Alpha", lang="en"))],
        "Zeta",
    ),
    # any English before another language, a tagged label before an untagged one
    "by-language": (
        [(RDFS.label, Literal("Kyiv")), (SKOS.prefLabel, Literal("Київ", lang="uk"))],
        "Київ",
    ),
    "english-first": (
        [(SKOS.prefLabel, Literal("Anglia", lang="en-GB")), (RDFS.label, Literal("Aa", lang="fr"))],
        "Anglia",
    ),
    # ``en-GB`` is as English as ``en``: the property decides, then the text
    "by-text": (
        [
            (RDFS.label, Literal("Beta", lang="en-GB")),
            (SKOS.prefLabel, Literal("Alpha", lang="en")),
        ],
        "Beta",
    ),
    "in-order": (
        [(RDFS.label, Literal("Gamma", lang="en")), (RDFS.label, Literal("Delta", lang="en"))],
        "Delta",
    ),
}


def test_pages_search_and_answers_show_the_same_label():
    """One rule (kg.rdf.labels.best_label) names a resource on its page, in a search hit and in
    a question's answer."""
    from kg.browse.describe import describe
    from kg.browse.search import search
    from kg.questions.evidence import read_labels
    from kg.rdf.labels import best_label
    from kg.store import open_store

    store = open_store("oxigraph")
    quads = []
    for slug, (labels, _) in LABEL_CASES.items():
        iri = URIRef(NAMED + slug)
        quads.append((iri, RDF.type, PT.Actor, None))
        quads += [(iri, prop, label, None) for prop, label in labels]
    store.add_quads(quads)
    answers = read_labels(store, {NAMED + slug for slug in LABEL_CASES})
    for slug, (labels, expected) in LABEL_CASES.items():
        iri = URIRef(NAMED + slug)
        assert str(best_label(labels)) == expected
        assert describe(store, iri, lambda term: None).label == expected, slug
        assert answers[str(iri)].label == expected, slug
        for _, label in labels:
            hits = search(store, str(label), lambda term: None, "actor")
            assert [h.label for h in hits if h.iri == str(iri)] == [expected], (slug, label)


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [("turkiye", "Türkiye"), ("TÜRKİYE", "Türkiye"), ("moscow", "Russia"), ("nato", None)],
)
def test_search_ignores_case_and_accents(browse, query, expected):
    body = browse.get("/search.json", query_string={"q": query}).get_json()
    labels = [r["label"] for r in body["results"]]
    if expected:
        assert labels[0] == expected
    else:
        assert "Ukraine renounces NATO membership" in labels
        assert "NATO and neutrality" in labels


def test_search_by_kind_and_html(browse):
    body = browse.get("/search.json", query_string={"q": "000", "kind": "source"}).get_json()
    assert [r["iri"] for r in body["results"]] == [
        "https://w3id.org/peace-talks-kg/id/source/doc-000"
    ]
    assert body["results"][0]["page"] == "/page/source/doc-000"
    page = browse.get("/search", query_string={"q": "moscow"}).get_data(as_text=True)
    assert '<a href="/page/actor/russia">Russia</a>' in page
    assert "also “Moscow”" in page
    assert browse.get("/search.json", query_string={"q": ""}).get_json()["count"] == 0
    moscow = browse.get("/search.json", query_string={"q": "moscow"}).get_json()
    assert [r["iri"] for r in moscow["results"]] == [str(RUSSIA)]


# --- the query editor ---------------------------------------------------------------------------


def test_editor_page_is_prefilled_and_configured_for_this_endpoint(browse):
    iri = "https://w3id.org/peace-talks-kg/id/actor/russia"
    page = browse.get("/query", query_string={"query": f"DESCRIBE <{iri}>"}).get_data(as_text=True)
    config = json.loads(re.search(r'id="editor-config">(.*?)</script>', page, re.S)[1])
    assert config == {"endpoint": "/sparql", "query": f"DESCRIBE <{iri}>"}
    assert "/static/vendor/yasgui/yasgui.min.js" in page
    assert 'href="/query?example=summary"' in page
    assert "https://" not in re.sub(r"https://w3id\.org/peace-talks-kg/[^\s\"<]*", "", page)


def test_editor_loads_canned_examples(browse):
    page = browse.get("/query", query_string={"example": "summary"}).get_data(as_text=True)
    config = json.loads(re.search(r'id="editor-config">(.*?)</script>', page, re.S)[1])
    assert "SELECT ?kind" in config["query"]
    rq = browse.get("/query/examples/summary.rq")
    assert rq.mimetype == "application/sparql-query"
    assert rq.get_data(as_text=True) == config["query"]
    assert browse.get("/query", query_string={"example": "nope"}).status_code == 404


def test_a_hostile_query_text_cannot_break_out_of_the_editor_config(browse):
    page = browse.get("/query", query_string={"query": "</script><script>alert(1)</script>"})
    text = page.get_data(as_text=True)
    assert "<script>alert(1)" not in text


def test_vendored_yasgui_is_served_with_its_notice(browse):
    for name in ("yasgui.min.js", "yasgui.min.css", "NOTICE"):
        response = browse.get(f"/static/vendor/yasgui/{name}")
        assert response.status_code == 200, name
        response.close()
    script = (Path(__file__).parents[1] / "server" / "static" / "editor.js").read_text()
    assert "populateFromUrl: false" in script and "persistenceId: null" in script
    assert '"property"' in script and '"class"' in script


# --- a namespace of one's own -------------------------------------------------------------------


def test_the_served_namespace_is_configurable(tmp_path):
    data = tmp_path / "mine.ttl"
    data.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<http://example.org/kg/id/thing/a> rdfs:label "A"@en ; rdfs:seeAlso <http://example.org/kg/id/thing/b> .\n'
        '<http://example.org/kg/id/thing/b> rdfs:label "B"@en .\n',
        encoding="utf-8",
    )
    app = create_app(
        {"TESTING": True, "PTKG_DATASET": str(data), "PTKG_BASE": "http://example.org/kg/"}
    )
    client = app.test_client()
    response = client.get("/id/thing/a", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/data/thing/a.ttl"
    graph = parse(client.get("/data/thing/a.ttl"), "turtle")
    a, b = URIRef("http://example.org/kg/id/thing/a"), URIRef("http://example.org/kg/id/thing/b")
    assert (a, RDFS.seeAlso, b) in graph
    assert (b, RDFS.label, Literal("B", lang="en")) in graph
    page = client.get("/page/thing/a").get_data(as_text=True)
    assert '<a href="/page/thing/b" title="http://example.org/kg/id/thing/b">B</a>' in page
    assert client.get("/id/actor/russia").status_code == 404


# --- dates and timelines ------------------------------------------------------------------------


def test_when_keeps_the_precision_of_the_source():
    day = When.of(Literal("2025-06-02", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date")))
    assert (day.precision, day.text, day.iso) == ("day", "2 June 2025", "2025-06-02")
    month = When.of(Literal("2025-06"), PT.MonthPrecision)
    assert (month.precision, month.text, month.start, month.end) == (
        "month",
        "June 2025",
        dt.date(2025, 6, 1),
        dt.date(2025, 7, 1),
    )
    year = When.of(Literal("2024"), PT.YearPrecision)
    assert (year.text, year.end) == ("2024", dt.date(2025, 1, 1))
    unreadable = When.of(Literal("2025-06-02"), PT.YearPrecision)
    assert (unreadable.known, unreadable.literal) == (False, "2025-06-02")
    assert When.of(None, PT.UnknownDate).text == "date unknown"
    assert When.of(Literal("soon"), None).known is False
    assert sorted([When.of(None), year, month, day], key=lambda w: w.sort_key) == [
        year,
        month,
        day,
        When.of(None),
    ]


def test_layout_never_places_undated_entries_and_spans_intervals():
    entries = [
        Entry(When.of(Literal("2024-06-14")), "Russia", "a day"),
        Entry(When.of(Literal("2025")), "Ukraine", "a year"),
        Entry(When.of(None), "Russia", "undated"),
    ]
    chart = layout(entries, "t")
    assert [m.entry.label for m in chart.marks] == ["a day", "a year"]
    assert [e.label for e in chart.undated] == ["undated"]
    day, year = chart.marks
    assert day.is_point and day.width == 0
    assert year.width == pytest.approx((chart.right - chart.left) / 2, rel=0.01)
    assert [t.label for t in chart.ticks if t.major] == ["2024", "2025", "2026"]
    assert "1 undated" in chart.summary
    assert layout([Entry(When.of(None), "x", "y")], "t").marks == []


XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


@pytest.mark.parametrize(
    ("literal", "precision", "text", "long_text", "iso", "days"),
    [
        (
            Literal("2025-05-15", datatype=XSD_DATE),
            PT.DayPrecision,
            "by 15 May 2025",
            "stated on or before 15 May 2025, the date of the report",
            "2025-05-15",
            (dt.date(2025, 5, 15), dt.date(2025, 5, 16)),
        ),
        (
            Literal("2025-08"),
            PT.MonthPrecision,
            "by August 2025",
            "stated in or before August 2025, the month of the report",
            "2025-08",
            (dt.date(2025, 8, 1), dt.date(2025, 9, 1)),
        ),
        (
            Literal("2024"),
            PT.YearPrecision,
            "by 2024",
            "stated in or before 2024, the year of the report",
            "2024",
            (dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
        ),
    ],
)
def test_when_as_of_a_report_reads_by_the_report_date(
    literal, precision, text, long_text, iso, days
):
    """A report date D bounds the statement from above: "by D", as precise as D, never "on D"."""
    for basis in (PT.AsOfReport, "as-of"):
        when = When.of(literal, precision, basis)
        assert (when.basis, when.as_of, when.known) == ("as-of", True, True)
        assert (when.text, when.long_text, when.iso) == (text, long_text, iso)
        assert (when.start, when.end) == days  # D's own interval, for the axis and sorting
        assert (when.earliest, when.latest) == (None, days[1] - dt.timedelta(days=1))
        assert when.qualifier == f"{when.precision}, as of the report"
        assert "0001" not in when.text + when.long_text
    stated = When.of(literal, precision, PT.StatedDate)
    assert (stated.basis, stated.as_of, stated.long_text) == ("stated", False, None)
    assert stated.text == text.removeprefix("by ") and stated.iso == iso
    assert stated.qualifier == stated.precision
    assert When.of(literal, precision).basis is None
    assert When.of(literal, precision, PT.Nothing).basis is None  # not a basis: not said


def test_an_as_of_date_sorts_at_its_report_date():
    """At the last day of D, by which it was certainly stated (as the temporal questions place
    it); at the same days a stated date comes first; undated last."""

    def of(text: str, basis: URIRef | None = None) -> When:
        return When.of(Literal(text), None, basis)

    by_august = of("2025-08", PT.AsOfReport)
    in_august = of("2025-08", PT.StatedDate)
    by_may_15 = When.of(Literal("2025-05-15", datatype=XSD_DATE), None, PT.AsOfReport)
    ordered = [
        of("2025"),
        of("2025-05"),
        of("2025-05-14"),
        by_may_15,
        of("2025-05-16"),
        in_august,
        of("2025-08-02"),
        of("2025-08-31"),
        by_august,
        When.of(None),
    ]
    shuffled = [ordered[i] for i in (9, 7, 3, 0, 6, 5, 1, 4, 2, 8)]
    assert sorted(shuffled, key=lambda w: w.sort_key) == ordered
    assert by_august != in_august and len({by_august, in_august}) == 2  # counted apart


def test_layout_draws_an_as_of_entry_by_its_report_date_without_widening_the_axis():
    entries = [
        Entry(When.of(Literal("2025-03-01"), None, "stated"), "Russia", "a day"),
        Entry(When.of(Literal("2025-08"), None, PT.AsOfReport), "Russia", "by August"),
        Entry(When.of(Literal("2025-05-15"), None, PT.AsOfReport), "Ukraine", "by 15 May"),
    ]
    chart = layout(entries, "t")
    assert chart.span == (dt.date(2025, 1, 1), dt.date(2026, 1, 1))  # not from the year 1
    assert [t.label for t in chart.ticks if t.major] == ["2025", "2026"]
    marks = {m.entry.label: m for m in chart.marks}
    day, august, may = marks["a day"], marks["by August"], marks["by 15 May"]
    assert day.is_point and not day.is_as_of
    assert august.is_as_of and may.is_as_of and not august.is_point and not may.is_point
    x_of = (
        chart.left
        + (chart.right - chart.left) * (dt.date(2025, 9, 1) - dt.date(2025, 1, 1)).days / 365
    )
    assert august.by_x == pytest.approx(x_of)  # at the end of August
    may_x = (
        chart.left
        + (chart.right - chart.left) * (dt.date(2025, 5, 15) - dt.date(2025, 1, 1)).days / 365
    )
    assert may.by_x == pytest.approx(may_x)  # on the day itself
    assert 0 < august.width <= 48 and august.x >= chart.left  # a short bar to the left
    assert chart.has_as_of and "2 dated only by a report" in chart.summary
    assert not layout(entries[:1], "t").has_as_of


# --- the questions, on the curated data -----------------------------------------------------------


@pytest.fixture(scope="module")
def curated(curated_root):
    """A client over the repository's curated data (the temporal questions need its build)."""
    app = create_app({"TESTING": True, "PTKG_ROOT": str(curated_root)})
    return app.test_client()


def test_questions_index_lists_every_question_and_the_headline(curated):
    page = curated.get("/questions").get_data(as_text=True)
    for name in QUESTIONS:
        assert f'href="/questions/{name}"' in page
    assert HEADLINE["title"] in page
    home = curated.get("/").get_data(as_text=True)
    assert f'href="{escape(headline_url_for_test())}"' in home


def headline_url_for_test() -> str:
    return f"/questions/{HEADLINE['question']}?" + urlencode(HEADLINE["params"])


def test_question_form_has_a_field_per_parameter(curated):
    page = curated.get("/questions/persisted").get_data(as_text=True)
    for name in ("party", "from", "to", "mode"):
        assert f'<label for="p-{name}">' in page
        assert f'name="{name}"' in page
    assert '<option value="russia">Russia</option>' in page
    assert 'id="answer-heading"' not in page


def test_headline_answer_shows_items_evidence_quotes_and_its_twins(curated, curated_root):
    response = curated.get(headline_url_for_test())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    answer = ask_curated(curated_root, HEADLINE["question"], HEADLINE["params"])
    assert answer.items, "the headline question has an answer on the curated data"
    for item in answer.items:
        assert escape(item.position.label) in page
    quotes = [q.quote for item in answer.items for ev in item.evidence for q in ev.quotes]
    assert quotes and f"<blockquote>{escape(quotes[0])}</blockquote>" in page
    json_url = "/api/ask/persisted?" + urlencode(HEADLINE["params"])
    assert f'href="{escape(json_url)}"' in page
    assert links(response)[("alternate", "application/json")] == json_url
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page


def ask_curated(root, question: str, params: dict[str, str]):
    from kg.pipeline.build import open_graph
    from kg.questions import ask

    return ask(open_graph(root), question, params)


def test_the_sparql_link_reproduces_the_answer(curated, curated_root):
    page = curated.get(headline_url_for_test()).get_data(as_text=True)
    link = re.search(r'<a href="(/query\?query=[^"]+)">The SPARQL that computes it</a>', page)
    assert link
    query = parse_qs(urlparse(html.unescape(link[1])).query)["query"][0]
    assert "VALUES (?party ?fromEnd ?toEnd ?entries)" in query and "# VALUES" not in query
    result = curated.post("/sparql", data={"query": query}, headers={"Accept": JSON_RESULTS})
    assert result.status_code == 200
    rows = result.get_json()["results"]["bindings"]
    answer = ask_curated(curated_root, HEADLINE["question"], HEADLINE["params"])
    assert {r["position"]["value"] for r in rows} == {i.position.iri for i in answer.items}


def test_a_bad_parameter_is_a_400_with_the_reason_and_the_form(curated):
    response = curated.get("/questions/persisted?party=nobody&from=2024-06&to=2025-07")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "unknown party &#39;nobody&#39;" in page
    assert '<input id="p-from" name="from" type="text" value="2024-06"' in page
    hostile = curated.get("/questions/position", query_string={"party": "<script>", "at": "x"})
    assert hostile.status_code == 400
    assert "<script>" not in hostile.get_data(as_text=True)
    assert curated.get("/questions/nope").status_code == 404


def test_every_question_answers_from_its_form(curated, curated_root):
    params = {
        "persisted": {"party": "russia", "from": "2024-06", "to": "2025-07.."},
        "added": {"party": "russia", "from": "2024-06", "to": "2025-07"},
        "dropped": {"party": "ukraine", "from": "2022", "to": "2025"},
        "re-emerged": {"party": "russia", "from": "2022", "to": "2025"},
        "position": {"party": "russia", "at": "2025-06"},
        "diff": {"party": "russia", "from": "2024-06", "to": "2025-07"},
        "conflicts": {"at": "2025-06"},
        "timeline": {"position": "ukrainian-withdrawal-from-four-regions"},
    }
    assert set(params) == set(QUESTIONS)
    for name, values in params.items():
        response = curated.get(f"/questions/{name}", query_string=values)
        assert response.status_code == 200, (name, response.get_data(as_text=True)[-800:])
        answer = ask_curated(curated_root, name, values)
        page = response.get_data(as_text=True)
        assert f"{len(answer.items)} answer" in page, name


def test_every_iri_of_the_curated_namespace_dereferences(curated):
    """Every IRI of the namespace in the curated build: a 303 to a page (a few of each kind are
    rendered), or, for the hash IRIs of the ontology and the shapes, an anchor on their page."""
    store = curated.application.extensions["ptkg"]
    found = store.query(
        "SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x } UNION { ?s ?x ?o } "
        "UNION { GRAPH ?x { ?s ?p ?o } } "
        'FILTER (isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/peace-talks-kg/")) }'
    )
    iris = sorted(str(row[0]) for row in found.rows)
    assert len(iris) > 500
    documents: dict[str, str] = {}
    rendered: dict[str, int] = {}
    for iri in iris:
        rest = iri.removeprefix("https://w3id.org/peace-talks-kg/")
        document, _, fragment = rest.partition("#")
        if document in ("ontology", "shapes"):
            if document not in documents:
                response = curated.get(f"/{document}", headers={"Accept": BROWSER_ACCEPT})
                assert response.status_code == 200, document
                documents[document] = response.get_data(as_text=True)
            assert not fragment or f'id="{fragment}"' in documents[document], iri
            continue
        response = curated.get(f"/{rest}", headers={"Accept": BROWSER_ACCEPT})
        assert response.status_code == 303, iri
        kind = rest.split("/")[1] if rest.startswith("id/") else "graph"
        if rendered.get(kind, 0) < 3:
            rendered[kind] = rendered.get(kind, 0) + 1
            assert curated.get(response.headers["Location"]).status_code == 200, iri
    assert {"actor", "position", "statement", "evidence", "source", "event", "graph"} <= set(
        rendered
    )
    assert set(documents) == {"ontology", "shapes"}


# --- report dates on the curated data -------------------------------------------------------------

AS_OF_AUGUST = (
    '<time datetime="2025-08" class="as-of" title="stated in or before August 2025, the month of '
    'the report">by August 2025</time> <span class="precision">(month, as of the report)</span>'
)
AS_OF_MAY_15 = (
    '<time datetime="2025-05-15" class="as-of" title="stated on or before 15 May 2025, the date of '
    'the report">by 15 May 2025</time> <span class="precision">(day, as of the report)</span>'
)
CEASEFIRE_CONDITION = "russia-undated-ceasefire-condition-withdrawal-four-regions"
FOUR_REGIONS = "ukrainian-withdrawal-from-four-regions"
AS_OF_JSON = {"date": "2025-08", "precision": "month", "basis": "as-of", "text": "by August 2025"}


def test_a_statement_page_dates_a_report_date_as_by(curated):
    page = curated.get(f"/page/statement/{CEASEFIRE_CONDITION}").get_data(as_text=True)
    card = page[page.index('id="card-heading"') : page.index('id="evidence-heading"')]
    assert re.search(r"<dt>Date</dt>\s*<dd>" + re.escape(AS_OF_AUGUST) + "</dd>", card)
    properties = page[page.index('id="properties-heading"') :]
    assert re.search(r'date</a></dt>\s*<dd><time datetime="2025-08" class="as-of"', properties)
    assert ">August 2025<" not in page  # never as if stated in August
    twin = curated.get(f"/page/statement/{CEASEFIRE_CONDITION}.json").get_json()
    assert twin["when"] == AS_OF_JSON
    assert dict(twin["card"])["Date"] == AS_OF_JSON
    (date,) = [
        row["values"][0]
        for group in twin["properties"]
        for row in group["rows"]
        if row["predicate"]["iri"].endswith("#date")
    ]
    assert (date["label"], date["value"], date["basis"]) == ("by August 2025", "2025-08", "as-of")
    stated = curated.get("/page/statement/putin-2024-06-14-renounce-nato.json").get_json()
    assert stated["when"]["basis"] == "stated" and stated["when"]["text"] == "14 June 2024"


def test_a_position_page_lists_and_draws_report_dates_as_by(curated):
    page = curated.get(f"/page/position/{FOUR_REGIONS}").get_data(as_text=True)
    table = page[page.index("<caption>Every attestation") : page.index("</table>")]
    row = next(r for r in table.split("<tr>") if f"/page/statement/{CEASEFIRE_CONDITION}" in r)
    assert f'<td data-label="Date">{AS_OF_AUGUST}</td>' in row
    assert AS_OF_MAY_15 in page  # 002's "today's talks in Istanbul (15.05.2025)"
    stances = page[page.index("<h3>Stances</h3>") : page.index("</ul>", page.index("<h3>Stances"))]
    assert AS_OF_AUGUST in stances
    svg = page[page.index("<svg") : page.index("</svg>")]
    mark = svg[svg.index(f'<a href="/page/statement/{CEASEFIRE_CONDITION}">') :]
    mark = mark[: mark.index("</a>")]
    assert '<g class="mark tone-supporting precision-month as-of">' in mark
    assert (
        "<title>by August 2025 (stated in or before August 2025, the month of the report): "
        "Russia: demands — " in mark
    )
    assert 'mask="url(#timeline-fade)"' in mark and '<path class="by"' in mark
    assert "<circle" not in mark and 'id="timeline-fade"' in svg
    assert "dated only by a report" in svg[svg.index("<desc") : svg.index("</desc>")]
    assert "stated by this date (as of a report)" in page  # the legend
    twin = curated.get(f"/page/position/{FOUR_REGIONS}.json").get_json()
    (attestation,) = [
        a for a in twin["attestations"] if a["statement"]["iri"].endswith(CEASEFIRE_CONDITION)
    ]
    assert attestation["when"] == AS_OF_JSON


def test_source_and_actor_pages_date_reports_as_by(curated):
    source = curated.get("/page/source/doc-003").get_data(as_text=True)
    reported = source[source.index('id="reported-heading"') :]
    assert reported.count(AS_OF_AUGUST) >= 20
    twin = curated.get("/page/source/doc-003.json").get_json()
    bases = {r["when"]["basis"] for r in twin["reports"] if r["when"]["date"] == "2025-08"}
    assert bases == {"as-of"}
    assert AS_OF_MAY_15 in curated.get("/page/source/doc-002").get_data(as_text=True)
    actor = curated.get("/page/actor/russia").get_data(as_text=True)
    statements = actor[actor.index('id="statements-heading"') : actor.index("</table>")]
    assert AS_OF_AUGUST in statements and AS_OF_MAY_15 in statements
    assert 'class="mark tone-supporting precision-day as-of"' in actor
    twin = curated.get("/page/actor/russia.json").get_json()
    (item,) = [s for s in twin["statements"] if s["statement"]["iri"].endswith(CEASEFIRE_CONDITION)]
    assert item["when"] == AS_OF_JSON


def test_an_answer_page_dates_its_evidence_by_the_report(curated):
    page = curated.get(f"/questions/timeline?position={FOUR_REGIONS}").get_data(as_text=True)
    answer = page[page.index('id="answer-heading"') :]
    evidence = answer[: answer.index(f'href="/page/statement/{CEASEFIRE_CONDITION}">statement')]
    assert evidence[evidence.rindex('<p class="meta">') :].startswith(
        '<p class="meta">' + AS_OF_AUGUST
    )
    assert 'class="mark tone-supporting precision-month as-of"' in answer


OPEN_START = re.compile(r"(?<![\w-])0001(?![\w])|\b1 January 1(?!\d)")
"""The first day of an interval with no known start, as the build writes it: never shown."""


def test_no_curated_page_writes_the_open_start_of_a_report_date(curated):
    """A statement known only by a report date has no first day; no page (HTML or JSON) shows the
    build's stand-in for it."""
    store = curated.application.extensions["ptkg"]
    found = store.query(
        "SELECT DISTINCT ?x WHERE { ?x ?p ?o "
        'FILTER (STRSTARTS(STR(?x), "https://w3id.org/peace-talks-kg/id/statement/")) }'
    )
    paths = sorted("/page/" + str(row[0]).split("/id/", 1)[1] for row in found.rows)
    assert len(paths) > 100
    paths += [
        f"/page/position/{FOUR_REGIONS}",
        "/page/actor/russia",
        "/page/actor/ukraine",
        "/page/source/doc-002",
        "/page/source/doc-003",
    ]
    for path in paths:
        for url in (path, path + ".json"):
            response = curated.get(url)
            assert response.status_code == 200, url
            text = response.get_data(as_text=True)
            assert not OPEN_START.search(text), (url, OPEN_START.search(text))


def test_the_home_page_counts_once_per_app(curated_root):
    """The home page's figures (kinds, graphs, statements per source) are counted on the first
    visit and kept: a second visit asks the store nothing."""
    from server import EXTENSION

    app = create_app({"TESTING": True, "PTKG_ROOT": str(curated_root)})
    store = app.extensions[EXTENSION]
    asked: list[str] = []
    query = store.query

    def counting(text, *args, **kwargs):
        asked.append(text)
        return query(text, *args, **kwargs)

    store.query = counting
    client = app.test_client()
    first = client.get("/").get_data(as_text=True)
    assert asked and "Position statements" in first
    asked.clear()
    second = client.get("/").get_data(as_text=True)
    assert (asked, second) == ([], first)


def test_canned_queries_are_read_from_their_files_once():
    from kg.store.queries import canned_query

    canned_query.cache_clear()
    first = canned_query("summary")
    assert canned_query("summary") is first
    assert canned_query.cache_info().misses == 1


def test_an_answer_page_says_what_a_package_statement_restates_the_position_as_part_of(curated):
    page = curated.get("/questions/persisted?party=russia&from=2024-06&to=2025").get_data(
        as_text=True
    )
    assert re.search(
        r'stated as part of <a href="[^"]*ukraine-neutral-status">Neutral status for Ukraine</a>',
        page,
    )
    alone = curated.get(
        "/questions/persisted?party=russia&from=2024-06&to=2025&packages=exclude"
    ).get_data(as_text=True)
    assert "stated as part of" not in alone.split("</form>", 1)[1]


def test_a_page_query_bound_in_its_text_answers_as_with_substitutions(curated_build: Path):
    """A page's canned query gets its resource in its ``# VALUES`` line, which Oxigraph plans
    with; the rows are those of pyoxigraph's substitutions. A blank node, which no query text
    can carry, is still passed to the store."""
    from rdflib import BNode

    from kg.store import OxigraphStore
    from kg.store.queries import canned_query, fill_bound, select, with_prefixes

    store = OxigraphStore()
    store.load_file(curated_build)
    text = canned_query("page-labels")
    russia = URIRef("https://w3id.org/peace-talks-kg/id/actor/russia")
    [[blank]] = store.query(with_prefixes("SELECT ?b WHERE { ?e oa:hasTarget ?b } LIMIT 1")).rows
    assert isinstance(blank, BNode)
    for resource, filled in ((russia, True), (blank, False)):
        bound, rest = fill_bound(text, {"resource": resource})
        assert (f"VALUES ?resource {{ <{russia}> }}" in bound) is filled
        assert rest == ({} if filled else {"resource": resource})
        rows = select(store, "page-labels", {"resource": resource}).rows
        substituted = store.query(with_prefixes(text), {"resource": resource}).rows
        assert len(rows) == len(substituted) > 0 and set(rows) == set(substituted)
