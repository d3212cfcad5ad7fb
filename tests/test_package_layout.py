"""The library never imports the web app: ``kg serve`` reaches ``kg`` through the entry point group
``kg.commands``, declared in pyproject.toml, and ``kg``'s other commands run without Flask."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from importlib.metadata import EntryPoint

import click
import pytest

from kg.cli import cli, plugins
from tests.conftest import REPO

WEB = ("server", "flask", "werkzeug")


def _imported(tree: ast.AST) -> set[str]:
    """The top-level packages a module imports, wherever in it (functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_under_kg_imports_the_web_app():
    modules = sorted(REPO.joinpath("kg").rglob("*.py"))
    assert len(modules) > 20
    offenders = {
        str(path.relative_to(REPO)): sorted(_imported(ast.parse(path.read_text())) & set(WEB))
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_dynamic_imports_of_server_are_caught_too():
    # The walk sees an import inside a function, where the old `kg serve` hid its own.
    tree = ast.parse("def serve():\n    from server import create_app\n    import server.cli\n")
    assert _imported(tree) == {"server"}


def test_kg_commands_run_without_loading_the_web_app():
    script = textwrap.dedent(
        """
        import sys
        import click
        from click.testing import CliRunner
        from kg.cli import cli
        result = CliRunner().invoke(cli, ["validate", "--root", sys.argv[1]])
        assert result.exit_code == 0, result.output
        assert "serve" in cli.list_commands(click.Context(cli))  # from metadata, not imported
        web = set(sys.argv[2].split(","))
        print(sorted(m for m in sys.modules if m.split(".")[0] in web))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(REPO / "tests/fixtures/projects/good"), ",".join(WEB)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_serve_is_the_web_apps_command_through_the_entry_point():
    from server.cli import serve

    points = plugins.command_entry_points()
    assert points["serve"].value == "server.cli:serve"
    assert cli.get_command(click.Context(cli), "serve") is serve
    assert "serve" in cli.list_commands(click.Context(cli))


def test_curate_is_the_workbenchs_command_through_the_entry_point():
    from server.workbench.cli import curate

    assert plugins.command_entry_points()["curate"].value == "server.workbench.cli:curate"
    assert cli.get_command(click.Context(cli), "curate") is curate


def test_the_checkout_declares_the_entry_point_the_loader_reads():
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    assert declared[plugins.GROUP] == {
        "serve": "server.cli:serve",
        "curate": "server.workbench.cli:curate",
    }


def test_the_checkout_replaces_its_own_stale_installed_entry_points(monkeypatch):
    # An editable install records the entry points as they were when it was installed; run from
    # the checkout, its pyproject.toml is what counts. Other packages' commands stay.
    installed = [
        EntryPoint("serve", "old_place:serve", plugins.GROUP),
        EntryPoint("gone", "old_place:gone", plugins.GROUP),
        EntryPoint("extra", "someone_else:extra", plugins.GROUP),
    ]
    owners = {"old_place": "peace-talks-kg", "someone_else": "another-package"}
    monkeypatch.setattr(plugins, "entry_points", lambda group: installed)
    monkeypatch.setattr(plugins, "_distribution", lambda point: owners[point.module])
    checkout = {"serve": EntryPoint("serve", "server.cli:serve", plugins.GROUP)}
    monkeypatch.setattr(plugins, "_checkout", lambda: ("peace-talks-kg", checkout))
    found = plugins.command_entry_points()
    assert {name: point.value for name, point in found.items()} == {
        "serve": "server.cli:serve",
        "extra": "someone_else:extra",
    }
    # Installed (from a wheel, no checkout): the metadata alone.
    monkeypatch.setattr(plugins, "_checkout", lambda: None)
    assert sorted(plugins.command_entry_points()) == ["extra", "gone", "serve"]


def test_a_plugin_that_cannot_be_loaded_is_a_warning_not_a_crash(capsys):
    broken = EntryPoint("broken", "no_such_package.cli:command", plugins.GROUP)
    assert plugins.load(broken) is None
    assert "cannot load command 'broken'" in capsys.readouterr().err
    not_a_command = EntryPoint("path", "pathlib:Path", plugins.GROUP)
    assert plugins.load(not_a_command) is None


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("peace-talks-kg", "peace-talks-kg"), ("Peace_Talks.KG", "peace-talks-kg")],
)
def test_distribution_names_compare_as_pep_503_says(name, normalised):
    assert plugins._normalised(name) == normalised


def test_kg_help_lists_the_commands_by_area(runner):
    output = runner.invoke(cli, ["--help"]).output
    areas = [line for line in output.splitlines() if line and not line.startswith(" ")]
    assert areas[-5:] == [
        "Pipeline (load → validate → reason → build):",
        "Query:",
        "Questions:",
        "Publish:",
        "From installed packages:",
    ]
    listed = output.split("Pipeline (", 1)[1]
    for name in ("validate", "build", "stats", "query", "ask", "export", "release", "push"):
        assert f"\n  {name} " in listed
    assert "\n  serve " in listed.split("From installed packages:", 1)[1]


def test_python_dash_m_kg_reaches_the_web_apps_command():
    done = subprocess.run(
        [sys.executable, "-m", "kg", "serve", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "--timeout" in done.stdout and "PTKG_TRUSTED_PROXY" in done.stdout
