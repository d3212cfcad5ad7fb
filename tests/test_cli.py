"""The ``kg`` command: exit codes, messages, formats — through Click's runner and as a real process."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg import __version__
from kg.cli import cli
from tests.conftest import PROJECTS


def test_version_and_help(runner):
    assert runner.invoke(cli, ["--version"]).output.strip() == f"kg, version {__version__}"
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "build", "query", "stats", "serve"):
        assert command in result.output


@pytest.mark.parametrize(
    ("project", "code", "expected"),
    [
        ("good", 0, "Conforms"),
        ("violation", 1, "data/statements.ttl: Violation: statement:nobody-says"),
        ("broken", 2, "statements.ttl:7: newline found in string literal"),
    ],
)
def test_validate_exit_codes(project, code, expected):
    """As a real process, so the exit code and the absence of a traceback are what a user sees."""
    done = subprocess.run(
        [sys.executable, "-m", "kg", "validate", "--root", str(PROJECTS / project)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == code, done.stdout + done.stderr
    assert expected in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_validate_prints_path_message_and_severity(runner):
    result = runner.invoke(cli, ["validate", "--root", str(PROJECTS / "violation")])
    assert result.exit_code == 1
    assert "path: pt:speaker" in result.output
    assert "A position statement must name exactly one speaker." in result.output


def test_build_refuses_nonconforming_data(runner, tmp_path):
    out = tmp_path / "out.nq"
    result = runner.invoke(cli, ["build", "--root", str(PROJECTS / "violation"), "--out", str(out)])
    assert result.exit_code == 1
    assert "does not conform" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_build_then_query_formats(runner, fixture_project: Path):
    assert runner.invoke(cli, ["build", "--root", str(fixture_project)]).exit_code == 0
    query = "SELECT ?s ?label WHERE { ?s a pt:State ; rdfs:label ?label } ORDER BY ?label"
    args = ["query", query, "--root", str(fixture_project)]

    as_json = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    labels = [b["label"]["value"] for b in as_json["results"]["bindings"]]
    assert labels == ["Russia", "Ukraine"]
    assert as_json["results"]["bindings"][0]["label"]["xml:lang"] == "en"

    rows = list(csv.reader(io.StringIO(runner.invoke(cli, [*args, "--format", "csv"]).output)))
    assert rows[0] == ["s", "label"] and [r[1] for r in rows[1:]] == ["Russia", "Ukraine"]

    tsv = runner.invoke(cli, [*args, "--format", "tsv"]).output.splitlines()
    assert tsv[0] == "?s\t?label" and tsv[1].endswith('\t"Russia"@en')

    table = runner.invoke(cli, [*args, "--format", "table"]).output
    assert "actor:russia" in table and "(2 rows)" in table


def test_query_from_rq_file_and_construct(runner, fixture_project: Path, tmp_path: Path):
    rq = tmp_path / "q.rq"
    rq.write_text("CONSTRUCT { ?a pt:contradicts ?b } WHERE { ?a pt:contradicts ?b }")
    result = runner.invoke(
        cli, ["query", str(rq), "--root", str(fixture_project), "--format", "nt"]
    )
    assert result.exit_code == 0, result.output
    # Both directions: the asserted one and the one the ontology entails.
    assert len(result.output.strip().splitlines()) == 2


def test_query_syntax_error_is_a_clear_exit_2(runner, fixture_project: Path):
    result = runner.invoke(cli, ["query", "SELEKT * WHERE {}", "--root", str(fixture_project)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_query_with_a_format_that_does_not_fit(runner, fixture_project: Path):
    result = runner.invoke(
        cli, ["query", "ASK { ?s ?p ?o }", "--root", str(fixture_project), "--format", "turtle"]
    )
    assert result.exit_code == 2
    assert "SELECT/ASK results can be written as" in result.output


def test_rdflib_engine_gives_the_same_answer(runner, fixture_project: Path):
    query = "SELECT ?s WHERE { ?s a pt:Actor } ORDER BY ?s"
    answers = [
        runner.invoke(
            cli,
            ["query", query, "--root", str(fixture_project), "--store", engine, "--format", "csv"],
        ).output
        for engine in ("oxigraph", "rdflib")
    ]
    assert answers[0] == answers[1]
    assert answers[0].count("actor/") == 2


def test_stats(runner, fixture_project: Path):
    result = runner.invoke(cli, ["stats", "--root", str(fixture_project)])
    assert result.exit_code == 0, result.output
    assert "graph:inferred" in result.output
    assert re.search(
        r"^<https://w3id.org/peace-talks-kg/graph/data/statements.ttl> +17$", result.output, re.M
    )
    assert "pt:PositionStatement" in result.output


def test_serve_get_answers_without_a_socket(runner, fixture_project: Path):
    result = runner.invoke(
        cli,
        [
            "serve",
            "--root",
            str(fixture_project),
            "--get",
            "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"head": {}, "boolean": True}


def test_commands_on_nonconforming_data_print_violations_and_exit_1():
    done = subprocess.run(
        [sys.executable, "-m", "kg", "query", "ASK {}", "--root", str(PROJECTS / "violation")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stderr
    assert "statement:nobody-says" in done.stderr
    assert "Traceback" not in done.stderr


def test_query_honours_from_and_refuses_service(runner, fixture_project: Path):
    args = ["--root", str(fixture_project), "--format", "csv"]
    ontology_only = (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/peace-talks-kg/graph/ontology/mini.ttl> "
        "WHERE { ?s a pt:State }"
    )
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s a pt:State }"
    assert runner.invoke(cli, ["query", ontology_only, *args]).output.split() == ["n", "0"]
    assert runner.invoke(cli, ["query", everything, *args]).output.split() == ["n", "2"]

    refused = runner.invoke(
        cli, ["query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", *args]
    )
    assert refused.exit_code == 2
    assert "SERVICE" in refused.output


ASK_NOT_IRIS = [
    (
        "http://x> } #",
        "party 'http://x> } #' is not an IRI: 'http://x> } #' contains '>', which no IRI may hold",
    ),
    (
        "actor:a b",
        "party 'actor:a b' is not an IRI: 'https://w3id.org/peace-talks-kg/id/actor/a b' "
        "contains a space",
    ),
    (
        "actor:alpha\r\nx",
        r"party 'actor:alpha\r\nx' is not an IRI: "
        r"'https://w3id.org/peace-talks-kg/id/actor/alpha\r\nx' contains a carriage return (U+000D)",
    ),
]


@pytest.mark.parametrize(("party", "message"), ASK_NOT_IRIS, ids=["bracket", "space", "crlf"])
def test_ask_with_a_party_that_makes_no_iri_exits_2_with_one_line(
    runner, tmp_path: Path, party, message
):
    from tests.asking import fixture_build

    dataset = str(fixture_build("boundaries", tmp_path))
    args = ["ask", "persisted", "--party", party, "--from", "2024", "--to", "2025"]
    result = runner.invoke(cli, [*args, "--dataset", dataset])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output == f"error: {message}; accepted: alpha (or a party's IRI)\n"


def test_ask_with_a_party_that_makes_no_iri_as_a_real_process(tmp_path: Path):
    from tests.asking import fixture_build

    dataset = str(fixture_build("boundaries", tmp_path))
    args = ["persisted", "--party", "http://x> } #", "--from", "2024", "--to", "2025"]
    done = subprocess.run(
        [sys.executable, "-m", "kg", "ask", *args, "--dataset", dataset],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"error: {ASK_NOT_IRIS[0][1]}; accepted: alpha (or a party's IRI)\n"
