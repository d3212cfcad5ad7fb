"""``kg sources add``, ``list``, ``check`` and ``anchor``: the source texts in the corpus
folder (``kg.sources``) and what ``data/sources.ttl`` records about each."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rdflib import Graph, Literal

from kg.cli.errors import EXIT_NONCONFORMING, EXIT_OK, fail, user_errors
from kg.cli.options import root_option, sources_option
from kg.pipeline.load import find_root, load_project
from kg.rdf.results import SelectResult
from kg.sources.add import NewSource, SourceRefused, add_source
from kg.sources.anchor_data import AnchoringFailed, anchor_project
from kg.sources.check import SourceProblem, TextStatus, check_sources, statuses
from kg.sources.corpus import NO_CORPUS, NoCorpus, corpus_folder, existing_corpus
from kg.sources.registry import KINDS, records
from kg.store.queries import table


def report_problems(problems: Sequence[SourceProblem]) -> bool:
    """Print each problem on stdout and each warning on stderr, one line each; True when there
    was a problem (a warning alone is no failure)."""
    for problem in problems:
        if problem.warning:
            click.echo(f"warning: {problem}", err=True)
        else:
            click.echo(str(problem))
    return any(not problem.warning for problem in problems)


@click.group(name="sources", short_help="the source texts: add, list, check")
def sources_group() -> None:
    """The source texts the evidence quotes, kept in the corpus folder (--sources DIR, else
    $PTKG_SOURCES, else $PTKG_SEEDS) outside the repository, and their records in
    data/sources.ttl (file name, SHA-256, title, outlet, publication date, URL, language,
    licence note)."""


@sources_group.command(name="add", short_help="register a new source text")
@click.argument("text", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="The headline, as the text gives it.")
@click.option("--published", metavar="DATE", help="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--url", help="Where the text was published (http:// or https://).")
@click.option("--archived-url", help="An archived copy (http:// or https://).")
@click.option("--outlet", help="The publishing outlet: an actor's label or alternative label.")
@click.option("--language", help="The text's language as a BCP 47 tag (en, uk, ru).")
@click.option("--licence-note", "licence", help="Under what licence or terms the text is held.")
@click.option(
    "--kind",
    type=click.Choice(list(KINDS)),
    default="news-report",
    show_default=True,
    help="The kind of source (pt:sourceKind).",
)
@sources_option
@root_option
@user_errors
def add(text: Path, sources: Path | None, root: Path | None, **details: Any) -> None:
    """Copy TEXT into the corpus folder as NNN_<sha256[:16]>.txt (NNN: the next number) and
    append its record source:doc-NNN to data/sources.ttl, then validate the project; when it
    does not validate, both are rolled back (exit 1, the violations printed).

    Refuses, writing nothing (exit 2, one line): no corpus folder, a file that cannot be read as
    UTF-8 text, a text already registered (the same SHA-256; the record is named), a bad date,
    address or language tag, an outlet that is no actor. Prints the new IRI and file name.
    """
    try:
        record = add_source(text, existing_corpus(sources), NewSource(**details), root)
    except NoCorpus as exc:
        fail(str(exc))
    except SourceRefused as refused:
        if refused.validation is not None:
            click.echo(refused.validation.format(), err=True)
            fail(str(refused), EXIT_NONCONFORMING)
        fail(str(refused))
    click.echo(f"added {record.iri} {record.file}")


@sources_group.command(name="list", short_help="one row per source record")
@sources_option
@root_option
@user_errors
def list_command(sources: Path | None, root: Path | None) -> None:
    """One row per record: IRI, file, title, publication date, whether its text is in the corpus
    folder, and whether the text has the recorded SHA-256 (- where there is nothing to compare).
    Without a corpus folder the last two columns are empty, with a note on stderr."""
    graph = load_project(root).graph("data")
    folder = corpus_folder(sources)
    if folder is None or not folder.is_dir():
        click.echo(f"note: texts not looked at: {_why_not(folder)}", err=True)
        found = [TextStatus(record, None) for record in records(graph)]
        click.echo(table(_rows(graph, found, looked=False), graph.namespace_manager))
        return
    click.echo(table(_rows(graph, statuses(graph, folder), looked=True), graph.namespace_manager))


def _rows(graph: Graph, found: Sequence[TextStatus], looked: bool) -> SelectResult:
    variables = ["source", "file", "title", "published", "text", "hash"]
    rows = [
        (
            status.record.iri,
            _literal(status.record.file),
            _literal(status.record.title),
            status.record.published,
            _literal(("yes" if status.present else "missing") if looked else None),
            _literal({True: "ok", False: "changed", None: "-"}[status.hash_ok] if looked else None),
        )
        for status in found
    ]
    return SelectResult(variables, list(rows))


def _literal(text: str | None) -> Literal | None:
    return None if text is None else Literal(text)


@sources_group.command(
    name="check", short_help="every text present and unchanged, every quote in it"
)
@sources_option
@root_option
@user_errors
def check(sources: Path | None, root: Path | None) -> None:
    """Check every record's text: present in the corpus folder with the recorded SHA-256 (a
    mismatch names the file and both hashes); every evidence quote in its text; and warn of
    texts in the folder that no record names. One line per problem.

    Exits 0 when all holds (warnings aside), 1 on a problem, 2 when there is no corpus folder
    or the project cannot be loaded.
    """
    try:
        folder = existing_corpus(sources)
    except NoCorpus as exc:
        fail(str(exc))
    graph = load_project(root).graph("data")
    problems = check_sources(graph, folder)
    if report_problems(problems):
        sys.exit(EXIT_NONCONFORMING)
    click.echo(f"{len(records(graph))} source texts present and unchanged; every quote found.")
    sys.exit(EXIT_OK)


@sources_group.command(name="anchor", short_help="anchor every evidence quote in its text")
@click.option(
    "--choose",
    "choices",
    multiple=True,
    metavar="IRI=N",
    help="For a quote that occurs more than once in its text: the occurrence to anchor (from 1).",
)
@sources_option
@root_option
@user_errors
def anchor(choices: tuple[str, ...], sources: Path | None, root: Path | None) -> None:
    """Give every evidence quote in data/*.ttl that lacks it its anchoring in the source text:
    a prefix and a suffix for its oa:TextQuoteSelector (long enough that prefix, quote and
    suffix occur once in the text) and an oa:TextPositionSelector (start and end in Unicode code
    points), edited into the Turtle in place. Running it again changes nothing.

    A quote found more than once stops the run, writing nothing, with the places listed: choose
    one with --choose IRI=N (exit 1). A quote not in its text, or a missing text: one line, exit
    2, nothing written.
    """
    try:
        folder = existing_corpus(sources)
    except NoCorpus as exc:
        fail(str(exc))
    try:
        report = anchor_project(root or find_root(), folder, _choices(choices))
    except AnchoringFailed as exc:
        fail(str(exc))
    if report.ambiguous:
        for ambiguous in report.ambiguous:
            click.echo(str(ambiguous))
        click.echo("nothing written: choose an occurrence of each with --choose IRI=N", err=True)
        sys.exit(EXIT_NONCONFORMING)
    files = ", ".join(path.name for path in report.files_changed) or "no file"
    click.echo(f"{len(report.anchored)} quotes anchored; {files} changed.")


def _choices(given: Sequence[str]) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for item in given:
        iri, _, number = item.rpartition("=")
        if not iri or not number.isdigit() or int(number) < 1:
            fail(f"--choose {item!r}: expected IRI=N with N a number from 1")
        chosen[iri] = int(number)
    return chosen


def _why_not(folder: Path | None) -> str:
    return NO_CORPUS if folder is None else f"the corpus folder {folder} does not exist"


def check_after_validation(sources: Path | None, graph: Graph) -> bool:
    """``kg validate``'s source check: the problems of :func:`check_sources` printed, True when
    there was one; without a corpus folder, a note on stderr that the texts were not checked
    (never a silent pass)."""
    folder = corpus_folder(sources)
    if folder is None or not folder.is_dir():
        click.echo(f"note: source texts not checked: {_why_not(folder)}", err=True)
        return False
    return report_problems(check_sources(graph, folder))


COMMANDS = (sources_group,)
