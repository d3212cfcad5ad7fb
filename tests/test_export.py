"""``kg export``: every RDF format round-trips (generated graphs and the real data), the output is
byte-stable, files are written atomically and never replaced without --force, and the CSV tables
have the promised columns."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from kg.cli import cli
from kg.publish import export as ex
from kg.publish import jsonld
from kg.publish.export import EVERYTHING, QUAD_FORMATS, Selection, export, select
from kg.publish.quads import ExportError, Quad, canonical, dataset_quads, read_quads
from kg.publish.tables import TABLES, csv_table
from kg.rdf import formats
from kg.rdf.formats import LoadError
from kg.rdf.namespaces import GRAPH, ID, INFERRED_GRAPH, PT
from tests.conftest import REPO, running_server

RDF_FORMATS = ["turtle", "nt", "nquads", "trig", "jsonld", "xml"]
PARSERS = {
    "turtle": "turtle",
    "nt": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "xml": "xml",
}
CONTEXT = json.loads((REPO / "kg" / "context.jsonld").read_text(encoding="utf-8"))


def parse(data: bytes, fmt: str) -> list[Quad]:
    """Parse an export with rdflib (resolving the published JSON-LD context to the shipped
    file, as a document loader would) and return its quads."""
    if fmt == "jsonld":
        document = json.loads(data)
        if document["@context"] == jsonld.CONTEXT_IRI:
            document["@context"] = CONTEXT["@context"]
        data = json.dumps(document).encode("utf-8")
    if fmt in QUAD_FORMATS:
        dataset = Dataset()
        dataset.parse(data=data, format=PARSERS[fmt])
        return dataset_quads(dataset)
    graph = Graph()
    graph.parse(data=data, format=PARSERS[fmt])
    return [(s, p, o, None) for s, p, o in graph]


def lower_language(term):
    """Language tags are case-insensitive; exports write them in lower case (canonical N-Triples)."""
    if isinstance(term, Literal) and term.language:
        return Literal(str(term), lang=term.language.lower())
    return term


def union(quads) -> Graph:
    graph = Graph()
    for s, p, o, _ in quads:
        graph.add((s, p, lower_language(o)))
    return graph


def by_graph(quads) -> dict:
    graphs: dict = {}
    for s, p, o, g in quads:
        graphs.setdefault(g, Graph()).add((s, p, lower_language(o)))
    return graphs


def assert_round_trip(quads: list[Quad], fmt: str, *, rdflib_compare: bool = True) -> None:
    """Export then parse gives an isomorphic graph (dataset for N-Quads/TriG). Without
    ``rdflib_compare`` the union formats are compared by their RDFC-1.0 canonical form only
    (exact too, and much faster than rdflib on thousands of blank nodes)."""
    back = parse(export(quads, fmt), fmt)
    if not rdflib_compare and fmt not in QUAD_FORMATS:
        assert canonical(back, merge=True) == canonical(
            [(s, p, lower_language(o), g) for s, p, o, g in quads], merge=True
        )
    elif fmt in QUAD_FORMATS:
        # Dataset isomorphism: the same canonical (RDFC-1.0) quads, and each graph isomorphic.
        assert canonical(back) == canonical(quads)
        mine, theirs = by_graph(quads), by_graph(back)
        assert set(mine) == set(theirs)
        for name, graph in mine.items():
            assert isomorphic(graph, theirs[name]), name
    else:
        assert isomorphic(union(back), union(quads))


# --- generated graphs ------------------------------------------------------------------------------

NAMESPACES = [str(PT), f"{ID}actor/", "http://example.org/vocab#", "urn:x-test:"]
local_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True)
odd_locals = st.text(alphabet="abc-._()~é0/", min_size=0, max_size=6)
iris = st.one_of(
    st.builds(lambda ns, local: URIRef(ns + local), st.sampled_from(NAMESPACES), local_names),
    st.builds(lambda ns, local: URIRef(ns + local), st.sampled_from(NAMESPACES), odd_locals),
    st.sampled_from([URIRef(str(PT)), URIRef("http://example.org/"), URIRef(str(ID))]),
)
predicates = st.one_of(
    st.sampled_from([RDF.type, RDFS.label, PT.speaker, PT.date, PT.evidence, PT.quantity]),
    st.builds(lambda ns, local: URIRef(ns + local), st.sampled_from(NAMESPACES), local_names),
)
blank_nodes = st.sampled_from([BNode(f"n{i}") for i in range(5)])
texts = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from(list("\n\t\r\"'\\<>&{}@^#;,.[]")),
    ),
    max_size=20,
)
literals = st.one_of(
    st.builds(Literal, texts),
    st.builds(
        lambda text, lang: Literal(text, lang=lang),
        texts,
        st.sampled_from(["en", "uk", "ru", "en-GB", "de-CH-1996"]),
    ),
    st.builds(lambda n: Literal(str(n), datatype=XSD.integer), st.integers(-(10**12), 10**12)),
    st.builds(
        lambda d: Literal(str(d), datatype=XSD.decimal),
        st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), places=2),
    ),
    st.builds(
        lambda d: Literal(d.isoformat(), datatype=XSD.date),
        st.dates(date(1991, 1, 1), date(2030, 12, 31)),
    ),
    st.builds(
        lambda d: Literal(d.isoformat()[:7], datatype=XSD.gYearMonth),
        st.dates(date(1991, 1, 1), date(2030, 12, 31)),
    ),
    st.builds(lambda t: Literal(t, datatype=URIRef("http://example.org/dt")), texts),
)
graph_names = st.one_of(
    st.none(),
    st.sampled_from([GRAPH["data/a.ttl"], GRAPH["data/b.ttl"], INFERRED_GRAPH]),
)
quads_strategy = st.lists(
    st.tuples(
        st.one_of(iris, blank_nodes),
        predicates,
        st.one_of(iris, blank_nodes, literals),
        graph_names,
    ),
    max_size=14,
)
small = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", RDF_FORMATS)
@small
@given(quads=quads_strategy)
def test_generated_graphs_round_trip(fmt: str, quads: list[Quad]):
    assert_round_trip(quads, fmt)


@pytest.mark.parametrize("fmt", RDF_FORMATS)
@small
@given(quads=quads_strategy, seed=st.integers(0, 2**32 - 1))
def test_export_depends_on_the_graph_only(fmt: str, quads: list[Quad], seed: int):
    """Another order and other blank node labels give the same bytes."""
    rng = random.Random(seed)
    relabel = {f"n{i}": BNode(f"other{rng.randrange(10**9)}x{i}") for i in range(5)}
    shuffled = [
        tuple(relabel[str(t)] if isinstance(t, BNode) else t for t in quad) for quad in quads
    ]
    rng.shuffle(shuffled)
    assert export(shuffled, fmt) == export(quads, fmt)


def test_control_characters_round_trip_in_text_formats_and_are_refused_by_rdf_xml():
    quads = [(ID["x"], RDFS.comment, Literal("bell\x07 nul\x00 esc\x1b del\x7f"), None)]
    for fmt in ("turtle", "nt", "nquads", "trig", "jsonld"):
        assert_round_trip(quads, fmt)
    with pytest.raises(ExportError, match="RDF/XML cannot hold"):
        export(quads, "xml")


def test_blank_nodes_are_nested_in_turtle_and_cycles_still_written():
    target, selector, a, b = BNode("t"), BNode("s"), BNode("a"), BNode("b")
    quads = [
        (ID["evidence/e"], URIRef("http://www.w3.org/ns/oa#hasTarget"), target, None),
        (target, URIRef("http://www.w3.org/ns/oa#hasSelector"), selector, None),
        (selector, URIRef("http://www.w3.org/ns/oa#exact"), Literal("quote"), None),
        (a, RDFS.seeAlso, b, None),
        (b, RDFS.seeAlso, a, None),
    ]
    text = export(quads, "turtle").decode("utf-8")
    assert 'oa:hasTarget [\n        oa:hasSelector [\n            oa:exact "quote"' in text
    assert_round_trip(quads, "turtle")


# --- the real data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_quads(curated_build: Path) -> list[Quad]:
    """The repository's curated files with their entailments, as the session's build holds them."""
    return read_quads(curated_build)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_real_data_round_trips(real_quads, fmt: str):
    assert_round_trip(select(real_quads, EVERYTHING), fmt, rdflib_compare=fmt == "turtle")


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_real_data_export_is_byte_stable(real_quads, fmt: str):
    data = select(real_quads, Selection(ontology=True))
    first = export(data, fmt)
    assert export(list(reversed(data)), fmt) == first
    assert len(first) > 10_000


def test_trig_and_nquads_keep_one_named_graph_per_file(real_quads):
    chosen = select(real_quads, Selection(ontology=True, inferred=True))
    for fmt in QUAD_FORMATS:
        names = {g for *_, g in parse(export(chosen, fmt), fmt)}
        assert INFERRED_GRAPH in names
        assert GRAPH["ontology/ptkg.ttl"] in names
        assert {GRAPH[f"data/{f.name}"] for f in (REPO / "data").glob("*.ttl")} <= names
        assert not any(str(n).startswith(f"{GRAPH}shapes/") for n in names)


def test_jsonld_uses_readable_keys_and_compact_iris(real_quads):
    document = json.loads(export(select(real_quads, Selection()), "jsonld"))
    assert document["@context"] == CONTEXT["@context"]  # embedded: the dump reads offline
    russia = next(n for n in document["@graph"] if n["id"] == "actor:russia")
    assert russia["type"] == "pt:State"
    # English is the context's default language; Russian and Ukrainian labels say theirs.
    assert russia["label"] == [
        "Russia",
        {"@value": "Россия", "@language": "ru"},
        {"@value": "Росія", "@language": "uk"},
    ]
    assert russia["sameAs"] == "wd:Q159"
    statement = next(n for n in document["@graph"] if n.get("type") == "pt:PositionStatement")
    assert {"speaker", "stance", "about", "pt:evidence"} <= set(statement)


def test_jsonld_embeds_its_context_unless_given_one_to_reference(good_project):
    """``kg export --format jsonld`` embeds the context, so any JSON-LD processor reads the dump
    without fetching anything; ``--context inline`` asks for the same, ``--context IRI``
    references that IRI."""
    embedded = kg_export(good_project, "--format", "jsonld")
    document = json.loads(embedded)
    assert document["@context"] == CONTEXT["@context"]
    assert kg_export(good_project, "--format", "jsonld", "--context", "inline") == embedded
    referenced = json.loads(
        kg_export(good_project, "--format", "jsonld", "--context", jsonld.CONTEXT_IRI)
    )
    assert referenced["@context"] == jsonld.CONTEXT_IRI
    assert referenced["@graph"] == document["@graph"]
    parsed = Graph().parse(data=embedded, format="json-ld")  # no document loader: offline
    assert isomorphic(parsed, Graph().parse(data=kg_export(good_project), format="turtle"))


def test_shipped_context_is_the_generated_one():
    """kg/context.jsonld is written from the prefixes and terms in kg/publish/jsonld.py."""
    assert (REPO / "kg" / "context.jsonld").read_text(encoding="utf-8") == jsonld.context_text()
    assert jsonld.context_document() == (REPO / "kg" / "context.jsonld").read_bytes()


# --- the command ---------------------------------------------------------------------------------


def test_export_to_stdout_selects_curated_data_by_default(runner, good_project):
    root = str(good_project)
    default = runner.invoke(cli, ["export", "--root", root, "--format", "nt"])
    assert default.exit_code == 0, default.output
    lines = default.stdout_bytes.decode().splitlines()
    assert lines == sorted(lines) and lines
    assert all("/ontology#Actor>" not in line for line in lines)  # inferred types left out
    assert all("owl#SymmetricProperty" not in line for line in lines)  # ontology left out

    inferred = runner.invoke(cli, ["export", "--root", root, "--format", "nt", "--inferred"])
    assert any("ontology#Actor>" in line for line in inferred.stdout_bytes.decode().splitlines())
    with_ontology = runner.invoke(cli, ["export", "--root", root, "--format", "nt", "--ontology"])
    assert "owl#SymmetricProperty" in with_ontology.stdout_bytes.decode()

    only = runner.invoke(
        cli, ["export", "--root", root, "--format", "nquads", "--graph", "inferred"]
    )
    assert only.exit_code == 0
    assert {line.rsplit(" ", 2)[-2] for line in only.stdout_bytes.decode().splitlines()} == {
        f"<{INFERRED_GRAPH}>"
    }


def test_export_of_an_unknown_graph_is_a_clear_error(runner, good_project):
    result = runner.invoke(cli, ["export", "--root", str(good_project), "--graph", "nope"])
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: no named graph <https://w3id.org/peace-talks-kg/graph/nope>"
    )


def test_out_file_is_not_replaced_without_force(runner, tmp_path: Path, good_project):
    out = tmp_path / "dump.ttl"
    out.write_text("keep me")
    args = ["export", "--root", str(good_project), "--out", str(out)]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 2
    assert "exists (use --force to replace it)" in refused.output
    assert out.read_text() == "keep me"

    forced = runner.invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text().startswith("@prefix ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.ttl"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(runner, tmp_path: Path, monkeypatch):
    out = tmp_path / "dump.nt"
    out.write_text("old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        ex.write_output(b"new", out, force=True)
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump.nt"]


def kg_export(root: Path, *args: str, hash_seed: str = "0") -> bytes:
    """``kg export`` of the good fixture project as a real process; its standard output."""
    return subprocess.run(
        [sys.executable, "-m", "kg", "export", "--root", str(root), *args],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
    ).stdout


def test_two_runs_in_separate_processes_give_identical_bytes(tmp_path: Path, good_project):
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"dump-{seed}.trig"
        kg_export(
            good_project,
            "--format",
            "trig",
            "--ontology",
            "--inferred",
            "--out",
            str(out),
            hash_seed=seed,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


# --- CSV tables ----------------------------------------------------------------------------------


def table(runner, root: Path, name: str) -> list[dict[str, str]]:
    result = runner.invoke(cli, ["export", "--root", str(root), "--format", "csv", "--table", name])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8"))))


def test_csv_tables_have_the_promised_columns(runner, good_project):
    for name, columns in {
        "statements": [
            "id",
            "date",
            "precision",
            "basis",
            "party",
            "speaker",
            "stance",
            "position",
            "source",
            "quote",
            "start",
            "evidence",
            "label",
            "note",
            "event",
            "framing",
            "according_to",
            "responds_to",
            "conditional_on",
            "lapses_with",
            "guarantor",
            "participant",
            "quantity",
            "curator",
        ],
        "demands": ["demand", "label", "topic", "definition", "statements", "parties"],
        "actors": ["actor", "label", "type", "party", "wikidata"],
    }.items():
        result = runner.invoke(
            cli, ["export", "--root", str(good_project), "--format", "csv", "--table", name]
        )
        assert result.exit_code == 0, result.output
        header = result.stdout_bytes.decode().splitlines()[0]
        assert header.split(",") == columns


def test_csv_statements_of_the_real_data(runner, real_quads, curated_root):
    rows = table(runner, curated_root, "statements")
    statements = {s for s, p, o, g in real_quads if p == RDF.type and o == PT.PositionStatement}
    assert {r["id"] for r in rows} == {f"statement:{str(s).rsplit('/', 1)[1]}" for s in statements}
    for row in rows:
        assert row["precision"] in {"Day", "Month", "Year", "Unknown"}
        assert bool(row["date"]) == (row["precision"] != "Unknown")
        assert row["basis"] in ({"StatedDate", "AsOfReport"} if row["date"] else {""})
        assert row["party"] and row["speaker"] and row["stance"] and row["position"]
    as_of = {r["id"]: r["date"] for r in rows if r["basis"] == "AsOfReport"}
    assert (
        as_of["statement:russia-undated-ceasefire-condition-withdrawal-four-regions"] == "2025-08"
    )
    quoted = [r for r in rows if r["quote"]]
    assert quoted and all(r["source"].endswith(".txt") for r in quoted)
    putin = [r for r in rows if r["id"] == "statement:putin-2024-06-14-renounce-nato"]
    if putin:  # the example of docs/model.md, when curated
        assert putin[0]["date"] == "2024-06-14" and putin[0]["party"] == "actor:russia"


def test_csv_demands_and_actors_of_the_real_data(runner, curated_root):
    demands = table(runner, curated_root, "demands")
    assert len({d["demand"] for d in demands}) == len(demands)
    assert all(d["label"] and d["demand"].startswith("position:") for d in demands)
    assert any(int(d["statements"]) > 0 and d["parties"] for d in demands)
    actors = {a["actor"]: a for a in table(runner, curated_root, "actors")}
    assert actors["actor:russia"]["wikidata"] == "wd:Q159"
    assert actors["actor:russia"]["type"] == "pt:State"
    # English only, though Russia and Putin are named in Russian and Ukrainian too.
    assert actors["actor:russia"]["label"] == "Russia"
    assert actors["actor:vladimir-putin"]["label"] == "Vladimir Putin"
    assert actors["actor:russian-delegation"]["party"] == "Russia"


def test_csv_tables_keep_no_state_between_calls(good_build):
    """Each table is written with its own prefix writer: calls from many threads at once (as
    the app's downloads make them) give the bytes one call alone gives."""
    quads = read_quads(good_build)
    data, ontology = select(quads, Selection()), select(quads, Selection(False, ontology=True))
    alone = {name: csv_table(data, name, ontology=ontology) for name in TABLES}
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda n: (n, csv_table(data, n, ontology=ontology)), TABLES * 4))
    assert all(body == alone[name] for name, body in together)


# --- the format registry -----------------------------------------------------------------------------


def test_every_format_has_one_record_that_its_names_and_media_types_find():
    assert len(formats.REGISTRY) == len(formats.RDF_BY_NAME) + len(formats.RESULTS_BY_NAME)
    for fmt in formats.REGISTRY:
        for token in (fmt.name, *fmt.names, *fmt.media_types):
            assert formats.format_for(token.upper(), fmt.is_rdf) == fmt.name, token
        assert fmt.w3c is not None
        if fmt.is_rdf:
            assert fmt.rdflib and fmt.oxigraph is not None and fmt.suffixes
            assert formats.file_format(Path("x" + fmt.suffix.upper())) is fmt
    assert formats.media_types(True)[0] == "text/turtle"
    assert formats.media_types(False)[0] == "application/sparql-results+json"


def test_a_file_of_no_rdf_format_is_refused_with_the_accepted_suffixes():
    with pytest.raises(LoadError, match=r"x\.csv: unknown RDF file type; accepted: \.jsonld, "):
        formats.file_format(Path("x.csv"))


# --- served: the context and the dumps -------------------------------------------------------------


def test_app_serves_the_context_and_the_dumps(client, fixture_project: Path, runner):
    context = client.get("/context.jsonld")
    assert context.status_code == 200
    assert context.mimetype == "application/ld+json"
    assert context.data == (REPO / "kg" / "context.jsonld").read_bytes()

    dump = client.get("/downloads/ptkg.ttl")
    assert dump.status_code == 200 and dump.mimetype == "text/turtle"
    expected = runner.invoke(cli, ["export", "--root", str(fixture_project), "--ontology"])
    assert dump.data == expected.stdout_bytes
    document = client.get("/downloads/ptkg.jsonld").get_json(force=True)
    assert document["@context"] == CONTEXT["@context"]  # embedded, as kg export writes it
    assert client.get("/downloads/statements.csv").data.startswith(b"id,date,")
    listing = client.get("/downloads/")
    assert listing.status_code == 200 and b"ptkg-all.nq" in listing.data
    complete = client.get("/downloads/ptkg-all.nq")
    assert complete.mimetype == "application/n-quads"
    everything = ["export", "--root", str(fixture_project), "--format", "nquads"]
    everything += ["--ontology", "--shapes", "--inferred", "--derived"]
    assert complete.data == runner.invoke(cli, everything).stdout_bytes  # every named graph
    missing = client.get("/downloads/nothing.txt")
    assert missing.status_code == 404 and missing.get_json()["ok"] is False


def test_jsonld_dump_resolves_its_context_from_a_running_server(tmp_path: Path, good_project):
    """A real JSON-LD processor (rdflib) fetches the context over HTTP from the app."""
    with running_server("--root", str(good_project)) as base:
        with urllib.request.urlopen(f"{base}/context.jsonld", timeout=30) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        out = tmp_path / "dump.jsonld"
        kg_export(
            good_project,
            "--format",
            "jsonld",
            "--context",
            f"{base}/context.jsonld",
            "--out",
            str(out),
        )
        parsed = Graph().parse(out, format="json-ld")
    turtle = kg_export(good_project)
    assert len(parsed) > 0
    assert isomorphic(parsed, Graph().parse(data=turtle, format="turtle"))
