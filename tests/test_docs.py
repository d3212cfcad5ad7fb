"""The documentation keeps up with the code: docs/cli.md is what scripts/cli_reference.py writes
from the commands' own --help today and names every command, subcommand and option; every link
between README.md and docs/ leads to a file and heading that exist; the README's make targets
exist."""

from __future__ import annotations

import re
import runpy
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kg.cli import cli
from tests.conftest import REPO

CLI_REFERENCE = REPO / "docs" / "cli.md"
GENERATOR = REPO / "scripts" / "cli_reference.py"
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def commands(
    command: click.Command, path: tuple[str, ...], parent: click.Context | None = None
) -> Iterator[tuple[tuple[str, ...], click.Command, click.Context]]:
    """Every command and group under ``command`` with its context, as ``kg … --help`` sees it."""
    ctx = command.make_context(path[-1], [], parent=parent, resilient_parsing=True)
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, (*path, name), ctx)


def sections(text: str) -> dict[str, str]:
    """The level-2 sections of a Markdown page by heading."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_cli_reference_is_current():
    expected = runpy.run_path(str(GENERATOR))["render"]()
    assert CLI_REFERENCE.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale: run .venv/bin/python scripts/cli_reference.py"
    )


COMMANDS = list(commands(cli, ("kg",)))


@pytest.mark.parametrize("entry", COMMANDS, ids=[" ".join(path) for path, _, _ in COMMANDS])
def test_cli_reference_documents_every_command_and_option(
    entry: tuple[tuple[str, ...], click.Command, click.Context],
):
    path, command, ctx = entry
    name = " ".join(path)
    found = sections(CLI_REFERENCE.read_text(encoding="utf-8"))
    assert name in found, f"docs/cli.md has no section for `{name}`"
    if len(path) == 2:
        assert f"| `{name} " in found["Synopsis"], f"docs/cli.md's synopsis lacks `{name}`"
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden:
            for flag in [*param.opts, *param.secondary_opts]:
                assert flag in found[name], f"docs/cli.md's `{name}` does not mention {flag}"


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_links_between_pages_lead_somewhere(page: Path):
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve() if file else page
        assert resolved.exists(), f"{page.name} links to {target}, which does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name} links to {target}: no such heading"


def test_readme_make_targets_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    for target in set(re.findall(r"`make ([\w-]+)", readme)) | set(
        re.findall(r"^make ([\w-]+)", readme, flags=re.M)
    ):
        assert target in targets, f"README.md names `make {target}`, which Makefile lacks"
