"""``kg diff``: what changed in the statements between two builds, files or git revisions
(``kg.curation``), written as text, Markdown or JSON, with ``diff``'s exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli.errors import EXIT_BAD_INPUT, fail, user_errors
from kg.cli.options import root_option
from kg.curation.diff import compare
from kg.curation.report import FORMATS, render
from kg.curation.sides import WORKTREE, SideError, read_side, working_vocabulary


@click.command(short_help="what changed in the statements between two builds or revisions")
@click.argument("old")
@click.argument("new", required=False)
@click.option(
    "--worktree",
    is_flag=True,
    help="Compare OLD with the working tree's curated files (the same as NEW = .).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for a program.",
)
@root_option
@user_errors
def diff(old: str, new: str | None, worktree: bool, fmt: str, root: Path | None) -> None:
    """Show which statements OLD and NEW differ in: added, changed (property by property, old →
    new, and the evidence quotes added and removed) and removed, then one line for each other
    resource (actor, position, source …) that differs, and a summary line.

    OLD and NEW are each a build artefact or any RDF file (build/ptkg.nq, a .trig, a .ttl), a
    project folder, a git revision of the project (HEAD~1, a branch, a commit: its data/ and
    ontology/ as of then, read from git without touching the working tree), or . for the
    working tree's curated files as they are now. NEW defaults to the working tree.

    Exit codes, as diff's: 0 no statement differs, 1 some do, 2 a side cannot be read.
    """
    if new is not None and worktree:
        fail("give NEW or --worktree, not both")
    try:
        before = read_side(old, root)
        after = read_side(new or WORKTREE, root)
    except SideError as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    vocabulary = working_vocabulary(root)
    result = compare(before, after, vocabulary)
    click.echo(render(result, fmt, vocabulary))
    sys.exit(1 if result.differs else 0)


COMMANDS = (diff,)
