"""``kg diff``: what changed in the statements between two builds, files or git revisions
(``kg.curation``), written as text, Markdown or JSON, with ``diff``'s exit codes; ``kg import``:
position statements from a CSV file (``kg.curation.importing``), all rows or none."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from kg.cli.errors import EXIT_BAD_INPUT, EXIT_NONCONFORMING, fail, user_errors
from kg.cli.options import root_option, sources_option
from kg.curation.curators import CURATOR_ENV, NoCurator
from kg.curation.diff import compare
from kg.curation.edits import Conflict
from kg.curation.importing import import_inbox
from kg.curation.inbox import UsageError
from kg.curation.report import FORMATS, render
from kg.curation.sides import WORKTREE, SideError, read_side, working_vocabulary
from kg.pipeline.load import find_root
from kg.sources.corpus import NoCorpus, existing_corpus


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


@click.command(name="import", short_help="add position statements from a CSV file")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--create",
    is_flag=True,
    help="Add an actor (data/actors.ttl, its label only) for a speaker, party, guarantor, "
    "participant or according_to name that names none, and a position (data/positions.ttl, "
    "under the row's topic column) for a position name that names none.",
)
@click.option(
    "--curator",
    metavar="NAME|ORCID",
    default=None,
    help=f"Who records the statements: a curator's name or ORCID iD, or 'Name <ORCID iD>' for a "
    f"new one (default: ${CURATOR_ENV}; required).",
)
@click.option("--dry-run", is_flag=True, help="Check and validate everything, then write nothing.")
@root_option
@sources_option
@user_errors
def import_csv(
    file: Path,
    create: bool,
    curator: str | None,
    dry_run: bool,
    root: Path | None,
    sources: Path | None,
) -> None:
    """Add the position statements of FILE, a CSV file with a header row, one statement (or one
    more evidence quote of a statement: the same id) a row, and keep them only if the project
    still validates: all rows or none.

    Columns: source, quote, speaker, party, stance, position, date, precision (required), and
    basis, event, framing, note, curator, id, label, evidence, start, according_to,
    responds_to, conditional_on, lapses_with, guarantor, participant, quantity — those
    kg export --format csv --table statements writes. A name may be a label, an alternative
    label, a prefixed name, an IRI or a Wikidata ID; several names in a cell are joined with
    "; ". Each problem is printed as FILE:LINE: column: problem.

    Exit codes: 0 imported, 1 a row is bad or the project would not validate (nothing
    written), 2 the file or the options cannot be used.
    """
    try:
        corpus = existing_corpus(sources)
        project = find_root(root)
        result = import_inbox(
            file,
            project,
            corpus=corpus,
            curator=curator or os.environ.get(CURATOR_ENV, ""),
            now=datetime.now(UTC),
            create=create,
            dry_run=dry_run,
        )
    except (UsageError, NoCurator, NoCorpus, Conflict) as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    if result.saved is None:
        for line in result.problems:
            click.echo(line)
        fail(f"nothing was imported: {len(result.problems)} problem(s)", EXIT_NONCONFORMING)
    click.echo(result.summary(dry_run))


COMMANDS = (diff, import_csv)
