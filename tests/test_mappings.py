"""The SKOS mappings to CAMEO and PA-X (ontology/mappings.ttl, docs/mappings.md): the table of
docs/mappings.md and the built graph hold the same mappings, every external code is mapped to and
read from its scheme, a mapped code's page shows what points to it, and the stances, topics and
positions that map nowhere are listed as not mapped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.rdf.namespaces import CAMEO, PAX, PREFIXES, compact
from kg.store import open_store
from kg.store.queries import with_prefixes
from server import create_app
from tests.conftest import REPO

DOCS = REPO / "docs" / "mappings.md"
MAPPINGS_HEADING = "## The mappings"
COLUMNS = ["Our concept", "Relation", "External code", "External name", "Why"]

MAPPINGS = """
SELECT ?concept ?relation ?code ?name WHERE {
  VALUES ?relation { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch }
  ?concept ?relation ?code .
  FILTER(STRSTARTS(STR(?code), STR(cameo:)) || STRSTARTS(STR(?code), STR(pax:)))
  OPTIONAL { ?code skos:prefLabel ?name FILTER(LANG(?name) = "en") }
}"""
"""Every mapping into the two external namespaces, whatever the code's scheme."""

CODES = """
SELECT ?code ?scheme ?notation ?source WHERE {
  VALUES ?scheme { cameo:scheme pax:scheme }
  ?code skos:inScheme ?scheme .
  OPTIONAL { ?code skos:notation ?notation }
  OPTIONAL { ?code dcterms:source ?source }
}"""

UNMAPPED = """
SELECT ?concept WHERE {
  { ?concept skos:inScheme pt:stances } UNION { ?concept a pt:Topic }
  FILTER NOT EXISTS {
    VALUES ?relation { skos:closeMatch skos:broadMatch skos:narrowMatch }
    ?concept ?relation ?code
  }
}"""


def table_rows(text: str) -> list[dict[str, str]]:
    """The rows of the first table below ``## The mappings``, keyed by column name, cells without
    their backticks."""
    section = text.split(MAPPINGS_HEADING, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == COLUMNS, f"docs/mappings.md: the table's columns are {header}"
    assert re.fullmatch(r"\|(---\|)+", lines[1]), "docs/mappings.md: no separator row"
    return [
        dict(zip(header, (c.strip().strip("`") for c in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def documented() -> set[tuple[str, str, str, str]]:
    return {
        (row["Our concept"], row["Relation"], row["External code"], row["External name"])
        for row in table_rows(DOCS.read_text(encoding="utf-8"))
    }


@pytest.fixture(scope="module")
def store(curated_build: Path):
    found = open_store("oxigraph")
    found.load_file(curated_build)
    return found


def rows(store, query: str) -> list[dict]:
    return list(store.query(with_prefixes(query)).dicts())


def in_graph(store) -> set[tuple[str, str, str, str]]:
    return {
        (compact(r["concept"]), compact(r["relation"]), compact(r["code"]), str(r.get("name")))
        for r in rows(store, MAPPINGS)
    }


def test_the_docs_table_and_the_build_hold_the_same_mappings(store):
    table, graph = documented(), in_graph(store)
    assert graph, "the build has no mapping to a CAMEO or PA-X code"
    assert not graph - table, (
        f"mappings in the graph missing from docs/mappings.md: {graph - table}"
    )
    assert not table - graph, f"rows of docs/mappings.md not in the graph: {table - graph}"


def test_every_row_says_why():
    for row in table_rows(DOCS.read_text(encoding="utf-8")):
        assert "ours:" in row["Why"] and len(row["Why"]) > 40, row


def test_the_table_parser_sees_a_changed_row():
    text = DOCS.read_text(encoding="utf-8").replace(
        "| `cameo:10` | DEMAND |", "| `cameo:12` | DEMAND |"
    )
    changed = {
        (r["Our concept"], r["Relation"], r["External code"], r["External name"])
        for r in table_rows(text)
    }
    assert ("pt:Demands", "skos:closeMatch", "cameo:12", "DEMAND") in changed - documented()


def test_every_external_code_is_mapped_to_and_read_from_its_source(store):
    codes = rows(store, CODES)
    targets = {r["code"] for r in rows(store, MAPPINGS)}
    assert {r["code"] for r in codes} == targets, "an external code no mapping points to"
    for r in codes:
        code = str(r["code"])
        namespace = CAMEO if code.startswith(str(CAMEO)) else PAX
        assert str(r.get("notation")) == code.removeprefix(str(namespace)), code
        assert str(r.get("source")).startswith(("http://", "https://")), code
    assert {r["scheme"] for r in codes} == {CAMEO["scheme"], PAX["scheme"]}


def test_the_prefixes_are_the_project_ones():
    assert PREFIXES["cameo"] == str(CAMEO) == "https://w3id.org/peace-talks-kg/id/cameo/"
    assert PREFIXES["pax"] == str(PAX) == "https://w3id.org/peace-talks-kg/id/pax/"


def test_every_unmapped_stance_and_topic_is_listed_with_a_reason(store):
    section = DOCS.read_text(encoding="utf-8").split("## Not mapped", 1)[1].split("\n## ", 1)[0]
    items = [item for item in section.split("\n- ")[1:] if "— not mapped" in item]
    unmapped = {compact(r["concept"]) for r in rows(store, UNMAPPED)}
    assert "pt:Proposes" in unmapped and "position:talks-process" in unmapped
    for name in unmapped:
        assert any(f"`{name}`" in item.split("— not mapped")[0] for item in items), (
            f"docs/mappings.md does not say why {name} is not mapped"
        )


@pytest.fixture(scope="module")
def curated(curated_root: Path):
    app = create_app({"TESTING": True, "PTKG_ROOT": str(curated_root)})
    return app.test_client()


def test_a_mapped_code_has_a_page_that_shows_its_mapping(curated):
    redirect = curated.get("/id/cameo/10", headers={"Accept": "text/html"})
    assert redirect.status_code == 303
    assert redirect.headers["Location"].endswith("/page/cameo/10")
    page = curated.get("/page/cameo/10", headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>DEMAND</h1>" in text
    assert 'href="/ontology#Demands"' in text and "close match" in text
    inbound = curated.get("/page/cameo/10.json").get_json()["inbound"]
    close = [g for g in inbound if g["predicate"]["iri"].endswith("#closeMatch")]
    assert [s["iri"] for s in close[0]["subjects"]] == [
        "https://w3id.org/peace-talks-kg/ontology#Demands"
    ]


def test_a_mapped_position_shows_its_mapping_elsewhere(curated):
    text = curated.get("/page/position/russian-troop-withdrawal").get_data(as_text=True)
    elsewhere = text.split("<h3>Elsewhere</h3>", 1)[1].split("</dl>", 1)[0]
    assert "broad match" in elsewhere
    assert 'href="/page/pax/SsrFf"' in elsewhere and "Withdrawal of foreign forces" in elsewhere


def test_kg_query_finds_the_mappings_with_the_predeclared_prefixes(curated_root: Path):
    query = "SELECT ?stance WHERE { ?stance skos:closeMatch cameo:10 }"
    result = CliRunner().invoke(
        cli, ["query", "--root", str(curated_root), "--format", "csv", query]
    )
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["stance", "https://w3id.org/peace-talks-kg/ontology#Demands"]
