"""The repository keeps its promises: every Turtle file parses, the command reference (docs/cli.md)
documents every command and option, the two README commands exist, the package installs with its
data."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest

from kg.cli import cli
from kg.pipeline.load import LoadError, load_project, parse_turtle
from kg.pipeline.validate import validate_project
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
CLI_REFERENCE = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
TURTLE = sorted(
    p
    for p in REPO.rglob("*.ttl")
    if not {".venv", "build", "node_modules"} & set(p.relative_to(REPO).parts)
    and "broken" not in p.relative_to(REPO).parts
)


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: str(p.relative_to(REPO)))
def test_every_turtle_file_parses(path: Path):
    try:
        graph = parse_turtle(path)
    except LoadError as exc:
        pytest.fail(str(exc))
    assert len(graph) > 0


def test_readme_starts_with_the_two_commands():
    head = README[: README.index("## The `kg` command")]
    assert "make serve" in head and "make test" in head
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^serve:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_cli_synopsis_names_every_command_and_option(name: str):
    command = cli.commands[name]
    assert f"`kg {name}" in CLI_REFERENCE, f"docs/cli.md does not document `kg {name}`"
    row = next(line for line in CLI_REFERENCE.splitlines() if line.startswith(f"| `kg {name}"))
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            flag = max(param.opts, key=len)
            assert flag in row, f"docs/cli.md's row for `kg {name}` does not mention {flag}"


def test_runtime_code_does_not_import_test_tools():
    test_only = {"pytest", "hypothesis", "playwright", "ruff"}
    for path in [*REPO.joinpath("kg").rglob("*.py"), *REPO.joinpath("server").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in test_only, f"{path} imports {name}"


@pytest.mark.slow
def test_wheel_ships_queries_templates_and_static_files(tmp_path: Path, source_tree: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source_tree),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for rq in REPO.joinpath("kg", "queries").glob("*.rq"):
        assert f"kg/queries/{rq.name}" in names
    assert "server/templates/base.html" in names
    assert "server/static/site.css" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "kg = kg.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_curated_data_conforms_to_the_shapes():
    result = validate_project(load_project(REPO))
    assert result.conforms, result.format()


def test_kg_stats_covers_every_source_document(runner, curated_root):
    result = runner.invoke(cli, ["stats", "--root", str(curated_root)])
    assert result.exit_code == 0, result.output
    section = result.output.split("Statements per source document", 1)[1]
    identifiers = re.findall(r"(\d{3}_[0-9a-f]{16}\.txt) +(\d+)", section)
    assert len(identifiers) == 5
    assert all(int(count) > 0 for _, count in identifiers), section
    assert "warning: no statement cites" not in result.output
