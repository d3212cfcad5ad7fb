"""``kg diff``: the statements two sides differ in, each reported exactly, on real git histories of
the curated project (copied into a temporary folder, committed, edited, committed again), on a
build against the working tree it was built from, and on random edits (Hypothesis) whose diff
must list exactly the edited statements and whose reverse must be its mirror image."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal
from rdflib.namespace import RDF, XSD

from kg.cli import cli
from kg.curation.diff import ADDED, CHANGED, REMOVED, compare
from kg.curation.sides import Side, read_project
from kg.rdf.namespaces import ID, PT
from tests.conftest import REPO

STATEMENT = "statement:putin-2025-06-18-urges-talks"
SOURCE = Path("data") / "source-003.ttl"
QUOTE = (
    "In a statement on June 18 at the St. Petersburg International Economic Forum (SPIEF), Putin "
    "urged Ukraine to sit down at the negotiating table as soon as possible"
)
DOCUMENT = "003_00eff6b607dc38ae.txt"
NEW_STATEMENT = """
statement:putin-2025-06-18-sit-down a pt:PositionStatement ;
    rdfs:label "Putin: Ukraine should sit down at the table (18 June 2025)"@en ;
    pt:speaker actor:vladimir-putin ;
    pt:onBehalfOf actor:russia ;
    pt:stance pt:Proposes ;
    pt:about position:direct-negotiations ;
    pt:date "2025-06-18"^^xsd:date ;
    pt:datePrecision pt:DayPrecision ;
    pt:dateBasis pt:StatedDate ;
    pt:evidence evidence:putin-2025-06-18-sit-down--003 .

evidence:putin-2025-06-18-sit-down--003 a oa:Annotation ;
    oa:motivatedBy pt:evidencing ;
    oa:hasBody statement:putin-2025-06-18-sit-down ;
    oa:hasTarget [ a oa:SpecificResource ;
        oa:hasSource source:doc-003 ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "Putin urged Ukraine to sit down at the negotiating table" ] ] .
"""


def git(project: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """The curated project copied into a new git repository with one commit."""
    project = tmp_path / "project"
    for kind in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / kind, project / kind)
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "curator@example.org")
    git(project, "config", "user.name", "Curator")
    commit(project, "curated data")
    return project


def commit(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)


def edit(project: Path, old: str, new: str, path: Path = SOURCE) -> None:
    file = project / path
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")


def statement_block(project: Path) -> str:
    """The statement's Turtle and its evidence annotation's, as the file writes them."""
    text = (project / SOURCE).read_text(encoding="utf-8")
    start = text.index(f"{STATEMENT} a pt:PositionStatement")
    end = text.index("\n\n", text.index(f"evidence:{STATEMENT.split(':')[1]}--003 a")) + 2
    return text[start:end]


def kg_diff(runner, project: Path, *args: str):
    return runner.invoke(cli, ["diff", *args, "--root", str(project)])


def lines(output: str) -> list[str]:
    return output.rstrip("\n").split("\n")


def test_a_changed_stance_is_one_changed_statement(runner, history: Path):
    edit(
        history,
        "    pt:stance pt:Demands ;\n    pt:about position:direct-negotiations ;\n"
        "    pt:framing pt:ProcessProposal ;",
        "    pt:stance pt:Rejects ;\n    pt:about position:direct-negotiations ;\n"
        "    pt:framing pt:ProcessProposal ;",
    )
    commit(history, "stance")
    result = kg_diff(runner, history, "HEAD~1", "HEAD")
    assert result.exit_code == 1, result.output
    assert lines(result.output) == [
        f"~ {STATEMENT}  stance: demands → rejects",
        "statements: 0 added, 1 changed, 0 removed",
    ]
    as_json = json.loads(kg_diff(runner, history, "HEAD~1", "HEAD", "--format", "json").output)
    assert as_json["statements"] == [
        {
            "kind": CHANGED,
            "iri": str(ID["statement/putin-2025-06-18-urges-talks"]),
            "label": "Putin urges Ukraine to sit down at the negotiating table as soon as "
            "possible, at SPIEF (18 June 2025)",
            "changes": {"pt:stance": [["pt:Demands"], ["pt:Rejects"]]},
            "quotes_added": [],
            "quotes_removed": [],
        }
    ]
    assert as_json["summary"] == {ADDED: 0, CHANGED: 1, REMOVED: 0}


def test_a_removed_statement_goes_with_its_evidence(runner, history: Path):
    edit(history, statement_block(history), "")
    commit(history, "drop")
    result = kg_diff(runner, history, "HEAD~1", "HEAD")
    assert result.exit_code == 1, result.output
    assert lines(result.output) == [
        f'- {STATEMENT}  "Putin urges Ukraine to sit down at the negotiating table as soon as '
        'possible, at SPIEF (18 June 2025)"  (Russia, demands: Direct Russia–Ukraine peace '
        "negotiations (held, resumed or accelerated), 2025-06-18)",
        "statements: 0 added, 0 changed, 1 removed",
    ]


def test_an_added_statement_is_listed_with_its_quote(runner, history: Path):
    with (history / SOURCE).open("a", encoding="utf-8") as file:
        file.write(NEW_STATEMENT)
    commit(history, "add")
    result = kg_diff(runner, history, "HEAD~1", "HEAD")
    assert result.exit_code == 1, result.output
    assert lines(result.output) == [
        '+ statement:putin-2025-06-18-sit-down  "Putin: Ukraine should sit down at the table '
        '(18 June 2025)"  (Russia, proposes: Direct Russia–Ukraine peace negotiations (held, '
        "resumed or accelerated), 2025-06-18)",
        f'    quote ({DOCUMENT}): "Putin urged Ukraine to sit down at the negotiating table"',
        "statements: 1 added, 0 changed, 0 removed",
    ]
    markdown = kg_diff(runner, history, "HEAD~1", "HEAD", "--format", "markdown").output
    assert "- **added** `statement:putin-2025-06-18-sit-down`" in markdown
    assert f"  - quote (`{DOCUMENT}`): “Putin urged Ukraine to sit down" in markdown


def test_a_reworded_quote_is_one_quote_out_and_one_in(runner, history: Path):
    shorter = "Putin urged Ukraine to sit down at the negotiating table as soon as possible"
    edit(history, f'oa:exact "{QUOTE}"', f'oa:exact "{shorter}"')
    commit(history, "reword")
    result = kg_diff(runner, history, "HEAD~1", "HEAD")
    assert result.exit_code == 1, result.output
    assert lines(result.output) == [
        f"~ {STATEMENT}  evidence quotes",
        f'    + quote ({DOCUMENT}): "{shorter}"',
        f'    - quote ({DOCUMENT}): "{QUOTE}"',
        "statements: 0 added, 1 changed, 0 removed",
    ]


def test_other_resources_get_one_line_each(runner, history: Path):
    edit(
        history,
        'rdfs:label "Russia"@en',
        'rdfs:label "Russian Federation"@en',
        Path("data/actors.ttl"),
    )
    result = kg_diff(runner, history, "HEAD")  # NEW: the working tree
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [
        '~ actor:russia  "Russian Federation"  rdfs:label',
        "no statement differs; other resources: 1 changed",
    ]


def test_identical_sides_differ_in_nothing(runner, history: Path):
    for args in (["HEAD", "HEAD"], ["HEAD"], ["HEAD", "."], ["HEAD", "--worktree"], [".", "."]):
        result = kg_diff(runner, history, *args)
        assert (result.exit_code, result.output) == (0, "no statement differs\n"), args


def test_the_working_tree_is_read_as_it_is_and_left_as_it_was(runner, history: Path):
    edit(
        history,
        "pt:stance pt:Demands ;\n    pt:about position:direct-negotiations ;\n"
        "    pt:framing pt:ProcessProposal ;\n    pt:atEvent event:spief-2025 ;\n"
        '    pt:date "2025-06-18"^^xsd:date ;',
        "pt:stance pt:Demands ;\n    pt:about position:direct-negotiations ;\n"
        "    pt:framing pt:ProcessProposal ;\n    pt:atEvent event:spief-2025 ;\n"
        '    pt:date "2025-06"^^xsd:gYearMonth ;',
    )
    status = git(history, "status", "--porcelain")
    result = kg_diff(runner, history, "HEAD", "--worktree")
    assert result.exit_code == 1, result.output
    assert lines(result.output)[0] == f"~ {STATEMENT}  date: 2025-06-18 → 2025-06"
    assert git(history, "status", "--porcelain") == status
    reverse = kg_diff(runner, history, ".", "HEAD")
    assert lines(reverse.output)[0] == f"~ {STATEMENT}  date: 2025-06 → 2025-06-18"


def test_a_build_does_not_differ_from_the_tree_it_was_built_from(runner, curated_root: Path):
    build = curated_root / "build" / "ptkg.nq"
    for args in ([str(build), "."], [".", str(build)], [str(build), str(build)]):
        result = kg_diff(runner, curated_root, *args)
        assert (result.exit_code, result.output) == (0, "no statement differs\n"), args


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-revision"], "no-such-revision: neither a file nor a revision"),
        (["README.md"], "unknown RDF file type"),
        (["data"], "not a project"),
        (["broken.ttl"], "broken.ttl:1:"),
        (["HEAD", "HEAD", "--worktree"], "give NEW or --worktree, not both"),
    ],
)
def test_bad_sides_are_one_line_and_exit_2(runner, history: Path, monkeypatch, args, message):
    (history / "README.md").write_text("not RDF\n", encoding="utf-8")
    (history / "broken.ttl").write_text("<a:b> <a:c> .\n", encoding="utf-8")
    monkeypatch.chdir(history)
    result = kg_diff(runner, history, *args)
    assert result.exit_code == 2, result.output
    assert len(lines(result.output)) == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_revision_that_does_not_parse_is_named_in_the_message(runner, history: Path):
    (history / "data" / "actors.ttl").write_text("actor:x a \n", encoding="utf-8")
    commit(history, "broken")
    result = kg_diff(runner, history, "HEAD~1", "HEAD")
    assert result.exit_code == 2
    assert result.output.startswith("error: HEAD:data/actors.ttl:1:"), result.output


# --- random edits -------------------------------------------------------------------------------

STANCES = [PT.Demands, PT.Proposes, PT.Accepts, PT.Rejects]


@functools.cache
def curated() -> Side:
    """The checkout's curated project, read once (not a fixture: Hypothesis would print it)."""
    return read_project(REPO, "curated")


def statements_of(side: Side) -> list:
    return sorted(
        (s for s, ps in side.data.items() if PT.PositionStatement in ps.get(RDF.type, ())), key=str
    )


EDITS = st.lists(
    st.tuples(
        st.integers(0, 10_000), st.sampled_from(["drop", "stance", "date"]), st.integers(0, 3)
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda edit: edit[0] % 100,
)


def edited(side: Side, edits: list[tuple[int, str, int]]) -> tuple[Side, dict]:
    """A copy of ``side`` with the edits made, and what each edited statement should report."""
    after = Side("edited", {s: dict(ps) for s, ps in side.data.items()}, side.vocabulary)
    statements = statements_of(side)
    expected = {}
    for index, kind, choice in edits:
        iri = statements[index % len(statements)]
        if iri in expected:
            continue
        properties = after.data[iri]
        if kind == "drop":
            del after.data[iri]
            expected[iri] = (REMOVED, None)
        elif kind == "stance":
            stance = next(s for s in STANCES[choice:] + STANCES if s not in properties[PT.stance])
            properties[PT.stance] = {stance}
            expected[iri] = (CHANGED, ("pt:stance",))
        else:
            properties[PT.date] = {Literal(f"2031-01-{choice + 10}", datatype=XSD.date)}
            expected[iri] = (CHANGED, ("pt:date",))
    return after, expected


@settings(max_examples=25, deadline=None)
@given(edits=EDITS)
def test_random_edits_are_listed_exactly_and_mirror(edits):
    before = curated()
    after, expected = edited(before, edits)
    forward = compare(before, after)
    found = {
        c.iri: (c.kind, tuple(c.changes) if c.kind == CHANGED else None) for c in forward.statements
    }
    assert found == expected
    assert forward.resources == []
    backward = compare(after, before)
    assert {c.iri: (c.new, c.old) for c in forward.statements} == {
        c.iri: (c.old, c.new) for c in backward.statements
    }
    kinds = {ADDED: REMOVED, REMOVED: ADDED, CHANGED: CHANGED}
    assert {(c.iri, kinds[c.kind]) for c in forward.statements} == {
        (c.iri, c.kind) for c in backward.statements
    }
    for change in backward.statements:
        ahead = next(c for c in forward.statements if c.iri == change.iri)
        assert change.changes == {k: (new, old) for k, (old, new) in ahead.changes.items()}
        assert (change.quotes_added, change.quotes_removed) == (
            ahead.quotes_removed,
            ahead.quotes_added,
        )
