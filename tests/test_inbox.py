"""The CSV inbox (``kg import``) and the statements table it reads back (``kg export --format csv
--table statements``), in a copy of the project with the real source texts: rows that import,
validate and answer questions; bad rows that write nothing and say where; and each source's
statements exported, removed and imported back as they were."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF

from kg.cli import cli
from kg.curation.inbox import COLUMNS, read_rows
from kg.pipeline.load import load_project
from kg.rdf.namespaces import ID, OA, PT, compact
from kg.sources.corpus import SEEDS_ENV, SOURCES_ENV
from tests.sources import seeds_folder
from tests.test_build_watch import copy_project

HEADER = "source,quote,speaker,party,stance,position,date,precision,basis,note\n"
NEGOTIATIONS = "Direct Russia–Ukraine peace negotiations (held, resumed or accelerated)"
GOOD_ROWS = [
    f'004,Russia does not reject negotiations as such,Vladimir Putin,Russia,Accepts,"{NEGOTIATIONS}",,Unknown,,"004 is undated."\n',
    "002,primarily Ukraine’s desire to join NATO,Vladimir Putin,Q159,Demands,"
    "Ukraine renounces NATO membership,2025-05-15,Day,AsOfReport,\n",
    "004_0a8fe8cfe1556368.txt,Putin has asserted that earlier opportunities for negotiations "
    f'were missed,actor:vladimir-putin,Moscow,Reaffirms,"{NEGOTIATIONS}",,Unknown,,\n',
]


@pytest.fixture(autouse=True)
def no_curator_or_corpus_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PTKG_CURATOR", SOURCES_ENV, SEEDS_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def kg(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def import_csv(project: Path, text: str, *options: str, name: str = "inbox.csv") -> Result:
    path = project.parent / name
    path.write_text(text, encoding="utf-8")
    return kg(
        "import", path, "--root", project, "--sources", seeds_folder(), "--curator", "Jane Doe",
        *options,
    )  # fmt: skip


def snapshot(project: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}


def test_new_rows_import_validate_and_answer(project: Path) -> None:
    result = import_csv(project, HEADER + "".join(GOOD_ROWS))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"imported 3 row\(s\): 3 statement\(s\), 3 evidence annotation\(s\), 3 file\(s\) "
        r"\(data/curators\.ttl, data/source-002\.ttl, data/source-004\.ttl\) in [0-9.]+ s\n",
        result.output,
    )
    validated = kg("validate", "--root", project, "--sources", seeds_folder())
    assert validated.exit_code == 0, validated.output
    timeline = kg(
        "ask", "timeline", "--position", "direct-negotiations", "--root", project, "--format", "csv"
    )
    assert timeline.exit_code == 0, timeline.output
    assert "Russia does not reject negotiations as such" in timeline.output
    assert "earlier opportunities for negotiations were missed" in timeline.output


def test_a_dry_run_validates_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    result = import_csv(project, HEADER + GOOD_ROWS[0], "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("would import 1 row(s): 1 statement(s)")
    assert snapshot(project) == before


BAD = [
    pytest.param(
        GOOD_ROWS[0].replace("Vladimir Putin", "Vladimir Putn"),
        "speaker: unknown speaker 'Vladimir Putn'; closest: Vladimir Putin (actor:vladimir-putin)",
        id="unknown-name",
    ),
    pytest.param(
        GOOD_ROWS[0].replace("does not reject", "never rejects"),
        "quote: the quote is not in the text: 'Russia never rejects negotiations as such'",
        id="quote-not-in-text",
    ),
    pytest.param(
        GOOD_ROWS[1].replace("primarily Ukraine’s desire to join NATO", "Vladimir Putin"),
        "quote: the quote occurs 2 times, choose one of: 1) at ",
        id="ambiguous-quote",
    ),
    pytest.param(
        GOOD_ROWS[1].replace("2025-05-15,Day,AsOfReport", "2025-05-16,Day,StatedDate"),
        "date: 2025-05-16 is after the source's publication date 2025-05-15",
        id="after-publication",
    ),
    pytest.param(
        GOOD_ROWS[1].replace("2025-05-15,Day", "2025-05,Day"),
        "date: 2025-05 is not a day (YYYY-MM-DD) as precision Day needs",
        id="date-precision",
    ),
    pytest.param(
        GOOD_ROWS[1].replace("2025-05-15,Day", "15.05.2025,Day"),
        "date: '15.05.2025' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY",
        id="not-a-date",
    ),
    pytest.param(
        GOOD_ROWS[0].replace("Vladimir Putin,", ","),
        "speaker: the cell is empty; it is required",
        id="missing-cell",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD)
def test_a_bad_row_writes_nothing_and_is_named_by_line(
    project: Path, row: str, message: str
) -> None:
    before = snapshot(project)
    result = import_csv(project, HEADER + GOOD_ROWS[2] + row)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"inbox.csv:3: {message}"), lines
    assert "nothing was imported: 1 problem(s)" in result.stderr
    assert snapshot(project) == before


def test_an_ambiguous_quote_shows_the_starts_to_choose_from(project: Path) -> None:
    row = GOOD_ROWS[1].replace("primarily Ukraine’s desire to join NATO", "Vladimir Putin")
    result = import_csv(project, HEADER + row)
    starts = re.findall(r"\d+\) at (\d+): ", result.stdout)
    assert (
        len(starts) == 2
        and f"give the start of the one meant ({', '.join(starts)})" in result.stdout
    )
    chosen = HEADER.replace(",note\n", ",note,start\n") + row.rstrip("\n") + f",{starts[1]}\n"
    result = import_csv(project, chosen)
    assert result.exit_code == 0, result.output


def test_every_bad_row_is_reported_at_once(project: Path) -> None:
    rows = [GOOD_ROWS[0].replace("Accepts", "Acepts"), GOOD_ROWS[2], BAD[1].values[0]]
    result = import_csv(project, HEADER + "".join(rows))
    assert result.exit_code == 1
    assert [line.split(":")[1:3] for line in result.stdout.splitlines()] == [
        ["2", " stance"],
        ["4", " quote"],
    ]


def test_an_unknown_column_is_named_on_the_header_line(project: Path) -> None:
    before = snapshot(project)
    result = import_csv(project, HEADER.replace(",note", ",colour") + GOOD_ROWS[0])
    assert result.exit_code == 1
    assert result.stdout.startswith("inbox.csv:1: colour: unknown column; the columns are id,")
    assert snapshot(project) == before


def test_rows_of_one_id_must_agree(project: Path) -> None:
    header = "id," + HEADER
    first = "statement:putin-undated-accepts-talks," + GOOD_ROWS[0]
    second = "statement:putin-undated-accepts-talks," + GOOD_ROWS[2]
    result = import_csv(project, header + first + second)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "inbox.csv:3: stance: conflicts with line 2 (same id statement:putin-undated-accepts-talks): "
        "pt:Reaffirms there is pt:Accepts"
    )


def test_rows_of_one_id_are_one_statement_with_two_quotes(project: Path) -> None:
    header = "id," + HEADER
    first = "putin-undated-accepts-talks," + GOOD_ROWS[0]
    second = "putin-undated-accepts-talks," + GOOD_ROWS[2].replace("Reaffirms", "")
    result = import_csv(project, header + first + second)
    assert result.exit_code == 0, result.output
    graph = load_project(project).graph("data")
    statement = URIRef(f"{ID}statement/putin-undated-accepts-talks")
    assert len(set(graph.objects(statement, PT.evidence))) == 2


def test_a_quoted_cell_over_lines_counts_its_lines(project: Path) -> None:
    note = GOOD_ROWS[0].replace('"004 is undated."', '"004 is\nundated."')
    result = import_csv(project, HEADER + note + GOOD_ROWS[2].replace("Moscow", "Mosco"))
    assert result.stdout.startswith("inbox.csv:4: party: unknown party 'Mosco'")
    _, rows = read_rows(HEADER + note + GOOD_ROWS[2])
    assert [r.line for r in rows] == [2, 4]


@pytest.mark.parametrize(
    ("text", "curator", "message"),
    [
        ("source,quote\n", "Jane Doe", "missing required column(s): speaker, party, stance"),
        (None, "Jane Doe", "no such file"),
        (HEADER + GOOD_ROWS[0], "", "no curator: give --curator NAME or ORCID iD"),
    ],
)
def test_usage_errors_exit_2(project: Path, text: str | None, curator: str, message: str) -> None:
    path = project.parent / "inbox.csv"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    before = snapshot(project)
    result = kg(
        "import", path, "--root", project, "--sources", seeds_folder(), "--curator", curator
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert snapshot(project) == before


def test_create_adds_a_new_actor_and_a_new_position(project: Path) -> None:
    header = HEADER.replace(",note\n", ",note,topic\n")
    row = GOOD_ROWS[0].replace("Vladimir Putin", "Kremlin spokesperson").rstrip("\n")
    row = row.replace(f'"{NEGOTIATIONS}"', "Talks without preconditions") + ",Negotiation process\n"
    refused = import_csv(project, header + row)
    assert refused.exit_code == 1
    assert "unknown column" in refused.stdout and "unknown speaker" in refused.stdout
    result = import_csv(project, header + row, "--create")
    assert result.exit_code == 0, result.output
    assert "actor:kremlin-spokesperson a pt:Actor ;\n" in (project / "data/actors.ttl").read_text()
    positions = (project / "data/positions.ttl").read_text()
    assert "position:talks-without-preconditions a pt:Position ;\n" in positions
    assert kg("validate", "--root", project, "--sources", seeds_folder()).exit_code == 0


def test_the_export_writes_the_columns_the_import_reads(project: Path) -> None:
    result = kg("export", "--root", project, "--format", "csv", "--table", "statements")
    header = result.stdout.splitlines()[0]
    assert tuple(header.split(",")) == COLUMNS


# --- re-curation: each source's statements exported, removed, imported back ----------------------


def _statements_of(root: Path, source: URIRef) -> Graph:
    """The statements with evidence in ``source`` and their evidence, less what the tools add
    about the recording (the curator and time)."""
    graph = load_project(root).graph("data")
    found = Graph()
    for statement in set(graph.subjects(RDF.type, PT.PositionStatement)):
        annotations = list(graph.objects(statement, PT.evidence))
        targets = [graph.value(a, OA.hasTarget) for a in annotations]
        if source not in {graph.value(t, OA.hasSource) for t in targets}:
            continue
        for triple in graph.triples((statement, None, None)):
            if triple[1] not in (PT.recordedBy, PROV.generatedAtTime):
                found.add(triple)
        for annotation in annotations:
            found += graph.cbd(annotation)
    return found


def _strip(path: Path, ids: set[str]) -> None:
    """Remove the blocks of the statements ``ids`` and of their evidence from a data file."""

    def kept(block: str) -> bool:
        statement = re.match(r"(statement:\S+) a pt:PositionStatement", block)
        body = re.search(r"\n    oa:hasBody (statement:\S+) ;", block)
        return not (
            (statement and statement.group(1) in ids)
            or (block.startswith("evidence:") and body and body.group(1) in ids)
        )

    blocks = path.read_text(encoding="utf-8").split("\n\n")
    path.write_text("\n\n".join(b for b in blocks if kept(b)), encoding="utf-8")


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_a_source_recurated_from_its_export_is_as_it_was(project: Path, number: str) -> None:
    exported = kg("export", "--root", project, "--format", "csv", "--table", "statements").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    mine = [r for r in rows if r["source"].startswith(f"{number}_")]
    assert mine
    source = URIRef(f"{ID}source/doc-{number}")
    before = _statements_of(project, source)
    _strip(project / "data" / f"source-{number}.ttl", {r["id"] for r in mine})
    assert len(_statements_of(project, source)) == 0
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(mine)
    result = import_csv(project, table.getvalue())
    assert result.exit_code == 0, result.output
    assert isomorphic(_statements_of(project, source), before)
    assert kg("validate", "--root", project, "--sources", seeds_folder()).exit_code == 0


def _exported(project: Path) -> list[dict[str, str]]:
    exported = kg("export", "--root", project, "--format", "csv", "--table", "statements").stdout
    return list(csv.DictReader(io.StringIO(exported)))


def _table(rows: list[dict[str, str]]) -> str:
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return table.getvalue()


def test_the_whole_export_imported_again_writes_nothing(project: Path) -> None:
    rows = _exported(project)
    before = snapshot(project)
    result = import_csv(project, _table(rows))
    assert result.exit_code == 0, result.output
    assert f"0 statement(s), 0 evidence annotation(s), 0 file(s), {len(rows)} already recorded" in (
        result.output
    )
    assert snapshot(project) == before


def test_an_edited_cell_of_a_recorded_statement_is_refused(project: Path) -> None:
    rows = _exported(project)
    edited = next(i for i, r in enumerate(rows) if r["stance"] == "Demands")
    rows[edited]["stance"] = "Rejects"
    before = snapshot(project)
    result = import_csv(project, _table(rows))
    assert result.exit_code == 1
    line = edited + 2
    assert (
        f"inbox.csv:{line}: stance: pt:Demands is recorded for {rows[edited]['id']}, not "
        "pt:Rejects; a recorded statement changes only by a correction"
    ) in result.output
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("speaker", "merged"), [("Vladimir Putin", True), ("Maria Zakharova", False)]
)
def test_a_second_source_matches_a_recorded_statement_only_if_it_agrees(
    project: Path, speaker: str, merged: bool
) -> None:
    """Without an id, a row from another source with the same parties, stance, position and date
    is a second quote of the recorded statement, unless it contradicts what the record says (here
    the speaker): then it is a statement of its own."""
    recorded = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    (row,) = [r for r in _exported(project) if r["id"] == compact(recorded)]
    row = {k: "" for k in COLUMNS} | {
        k: row[k] for k in ("party", "stance", "position", "date", "precision", "basis")
    }
    row |= {"source": "004", "quote": "Russia does not reject negotiations as such"}
    row["speaker"] = speaker
    result = import_csv(project, _table([row]))
    assert result.exit_code == 0, result.output
    graph = load_project(project).graph("data")
    quoted = {
        graph.value(selector, OA.exact)
        for annotation in graph.objects(recorded, PT.evidence)
        for selector in graph.objects(graph.value(annotation, OA.hasTarget), OA.hasSelector)
    }
    assert (Literal(row["quote"]) in quoted) is merged
    statements = set(
        graph.subjects(PT.about, URIRef(f"{ID}position/ukraine-renounces-nato-membership"))
    )
    assert (
        URIRef(f"{ID}statement/zakharova-2024-06-14-ukraine-renounces-nato-membership")
        in statements
    ) is not merged


def test_the_documented_example_imports_as_shown(project: Path) -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "curation.md").read_text()
    section = page[page.index("## CSV inbox") :]
    example = re.search(r"```csv\n(.*?)```", section, re.S)
    shown = re.search(r"\n# (imported .*) in [0-9.]+ s\n", section)
    assert example is not None and shown is not None
    result = import_csv(project, example.group(1))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(shown.group(1))


def test_a_retracted_statement_is_left_out_of_the_table(project: Path) -> None:
    from datetime import UTC, datetime

    from kg.curation.corrections import retract

    statement = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    retract(
        project,
        statement,
        "Recorded by mistake.",
        "Jane Doe",
        datetime.now(UTC),
        corpus=seeds_folder(),
    )
    exported = kg("export", "--root", project, "--format", "csv", "--table", "statements").stdout
    ids = {row["id"] for row in csv.DictReader(io.StringIO(exported))}
    assert "statement:putin-2024-06-14-renounce-nato" not in ids
    assert "statement:putin-2024-06-14-withdrawal-four-regions" in ids
