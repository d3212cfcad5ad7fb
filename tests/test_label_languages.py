"""Russian and Ukrainian names: only the Wikidata-linked actors and places listed here carry them.

The curated data names everything in English; a handful of actors and places whose Wikidata item
is certain also carry their Russian and Ukrainian names, so that a reader searching "Путин" or
"Зеленський" finds them. This pins exactly which resources, with which names.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS, SKOS, XSD
from werkzeug.test import TestResponse

from kg.curation.names import Names, UnknownName
from kg.curation.records import StatementDraft, mint_label
from kg.pipeline.load import load_project
from kg.rdf.labels import best_label
from kg.rdf.namespaces import PT
from server import create_app, sparql

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/peace-talks-kg/id/"
WIKIDATA = "http://www.wikidata.org/entity/"

NAMES = {
    "actor/belarus": ("Белоруссия", "Білорусь"),
    "actor/china": ("Китай", "Китай"),
    "actor/donald-trump": ("Дональд Трамп", "Дональд Трамп"),
    "actor/france": ("Франция", "Франція"),
    "actor/georgia": ("Грузия", "Грузія"),
    "actor/nato": ("НАТО", "НАТО"),
    "actor/russia": ("Россия", "Росія"),
    "actor/sweden": ("Швеция", "Швеція"),
    "actor/turkiye": ("Турция", "Туреччина"),
    "actor/ukraine": ("Украина", "Україна"),
    "actor/united-kingdom": ("Великобритания", "Велика Британія"),
    "actor/united-nations": ("Организация Объединённых Наций", "Організація Об'єднаних Націй"),
    "actor/united-states": ("Соединённые Штаты Америки", "Сполучені Штати Америки"),
    "actor/vladimir-putin": ("Владимир Путин", "Володимир Путін"),
    "actor/volodymyr-zelenskyy": ("Владимир Зеленский", "Володимир Зеленський"),
    "place/crimea": ("Крым", "Крим"),
    "place/istanbul": ("Стамбул", "Стамбул"),
    "place/st-petersburg": ("Санкт-Петербург", "Санкт-Петербург"),
}
ALT_NAMES = {
    "actor/belarus": {Literal("Беларусь", lang="ru")},
    "actor/united-nations": {Literal("ООН", lang="ru"), Literal("ООН", lang="uk")},
    "actor/united-states": {Literal("США", lang="ru"), Literal("США", lang="uk")},
}


def curated() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_exactly_the_listed_resources_carry_russian_and_ukrainian_labels() -> None:
    graph = curated()
    tagged: dict[str, dict[str, set[str]]] = {}
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language and o.language != "en":
            assert p in (RDFS.label, SKOS.altLabel), (s, p, o)
            assert o.language in ("ru", "uk"), (s, p, o)
            tagged.setdefault(str(s).removeprefix(ID), {}).setdefault(o.language, set()).add(str(o))
    assert set(tagged) == set(NAMES)
    for name, (ru, uk) in NAMES.items():
        iri = URIRef(ID + name)
        labels = {(o.language, str(o)) for o in graph.objects(iri, RDFS.label)}
        assert {(lang, text) for lang, text in labels if lang != "en"} == {("ru", ru), ("uk", uk)}
        assert len([lang for lang, _ in labels if lang == "en"]) == 1, name
        alts = {o for o in graph.objects(iri, SKOS.altLabel) if o.language != "en"}
        assert alts == ALT_NAMES.get(name, set()), name


def test_every_resource_with_russian_and_ukrainian_labels_is_linked_to_wikidata() -> None:
    graph = curated()
    for name in NAMES:
        same = [str(o) for o in graph.objects(URIRef(ID + name), OWL.sameAs)]
        assert any(o.startswith(WIKIDATA + "Q") for o in same), name


@pytest.fixture(scope="module")
def names() -> Names:
    return Names(load_project(ROOT).graph("ontology", "data"))


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("Путин", "actor/vladimir-putin"),
        ("владимир путин", "actor/vladimir-putin"),
        ("Володимир Зеленський", "actor/volodymyr-zelenskyy"),
        ("Зеленський", "actor/volodymyr-zelenskyy"),
        ("Россия", "actor/russia"),
        ("США", "actor/united-states"),
    ],
)
def test_the_curation_names_resolve_russian_and_ukrainian_names(
    names: Names, text: str, local: str
) -> None:
    assert names.resolve("speaker", text) == URIRef(ID + local)


def test_a_word_two_things_share_is_ambiguous_and_a_wrong_one_unknown(names: Names) -> None:
    with pytest.raises(UnknownName, match="ambiguous"):
        names.resolve("speaker", "Володимир")  # Zelenskyy's and Putin's Ukrainian first name
    with pytest.raises(UnknownName, match="unknown speaker 'Путн'"):
        names.resolve("speaker", "Путн")


def test_curation_shows_and_mints_english_names(names: Names) -> None:
    putin = names.resolve("speaker", "Путин")
    assert names.label(putin) == "Vladimir Putin"
    graph = load_project(ROOT).graph("ontology", "data")
    draft = StatementDraft(
        source=URIRef(ID + "source/doc-000"),
        quote="Vladimir Putin",
        speaker=putin,
        parties=(names.resolve("party", "Росія"),),
        stance=PT.Demands,
        position=names.resolve("position", "Ukraine renounces NATO membership"),
        precision=PT.DayPrecision,
        date=Literal("2025-05-15", datatype=XSD.date),
        basis=PT.StatedDate,
    )
    assert mint_label(draft, graph).startswith("Vladimir Putin demands: ")


def test_the_label_shown_is_english_unless_another_language_is_asked_for() -> None:
    labels = [
        (RDFS.label, Literal(text, lang=lang))
        for text, lang in (("Russia", "en"), ("Россия", "ru"), ("Росія", "uk"))
    ]
    assert best_label(labels) == Literal("Russia", lang="en")
    assert best_label(labels, "uk") == Literal("Росія", lang="uk")
    assert best_label(labels[:2], "uk") == Literal("Russia", lang="en")  # falls back to English


# --- the browser: pages in the language asked for, and search in every language ----------------


@pytest.fixture(scope="module")
def browser(curated_root: Path) -> Iterator[FlaskClient]:
    app = create_app({"TESTING": True, "PTKG_ROOT": str(curated_root)})
    yield app.test_client()
    sparql.shutdown(app)


def title(response: TestResponse) -> str:
    found = re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True))
    assert found is not None
    return html.unescape(found.group(1))


def html_lang(response: TestResponse) -> str:
    found = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("header", "label", "lang"),
    [
        ("uk", "Володимир Путін", "uk"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "Владимир Путин", "ru"),
        ("de, uk;q=0.3", "Володимир Путін", "uk"),
        ("de", "Vladimir Putin", "en"),
        (None, "Vladimir Putin", "en"),
    ],
)
def test_a_page_names_things_in_the_language_accept_language_asks_for(
    browser: FlaskClient, header: str | None, label: str, lang: str
) -> None:
    headers = {"Accept-Language": header} if header else {}
    page = browser.get("/page/actor/vladimir-putin", headers=headers)
    assert page.status_code == 200
    assert title(page) == label and html_lang(page) == lang
    assert "Accept-Language" in page.vary
    twin = browser.get("/page/actor/vladimir-putin.json", headers=headers)
    assert twin.get_json()["lang"] == lang and twin.get_json()["label"] == label
    assert "Accept-Language" in twin.vary


def test_lang_in_the_query_beats_the_header_and_the_answer_does_not_vary(
    browser: FlaskClient,
) -> None:
    page = browser.get("/page/actor/russia?lang=ru", headers={"Accept-Language": "uk"})
    assert title(page) == "Россия" and html_lang(page) == "ru"
    assert "Accept-Language" not in page.vary and page.headers["Content-Language"] == "ru"
    body = page.get_data(as_text=True)
    assert (
        'href="/page/actor/russia?lang=en"' in body and 'href="/page/actor/russia?lang=uk"' in body
    )
    assert 'href="/page/actor/russia?lang=ru"' not in body
    twin = browser.get("/page/actor/russia.json?lang=en", headers={"Accept-Language": "uk"})
    assert twin.get_json()["label"] == "Russia" and "Accept-Language" not in twin.vary


def test_a_resource_without_a_label_in_that_language_shows_its_english_one(
    browser: FlaskClient,
) -> None:
    page = browser.get("/page/actor/maria-zakharova", headers={"Accept-Language": "uk"})
    assert title(page) == "Maria Zakharova" and html_lang(page) == "uk"


def test_an_unknown_lang_is_a_clear_error(browser: FlaskClient) -> None:
    reply = browser.get("/page/actor/russia.json?lang=fr")
    assert reply.status_code == 400
    assert reply.get_json()["error"] == "unknown language 'fr'; languages: en, ru, uk"


@pytest.mark.parametrize(
    ("query", "iri", "matched"),
    [
        ("Путин", "actor/vladimir-putin", "Владимир Путин"),
        ("путін", "actor/vladimir-putin", "Володимир Путін"),
        ("Зеленський", "actor/volodymyr-zelenskyy", "Володимир Зеленський"),
        ("ЗЕЛЕНСКИЙ", "actor/volodymyr-zelenskyy", "Владимир Зеленский"),
        ("ООН", "actor/united-nations", "ООН"),
        ("Крим", "place/crimea", "Крим"),
    ],
)
def test_search_finds_russian_and_ukrainian_names(
    browser: FlaskClient, query: str, iri: str, matched: str
) -> None:
    body = browser.get("/search.json", query_string={"q": query}).get_json()
    first = body["results"][0]
    assert first["iri"] == ID + iri and first["matched"] == matched
    assert first["label"] == browser.get(f"/page/{iri}.json?lang=en").get_json()["label"]
