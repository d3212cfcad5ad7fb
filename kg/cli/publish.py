"""``kg export``, ``kg release``, ``kg push``: the build as files for others, a versioned release
folder, or named graphs in another SPARQL store (``kg.publish``)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.cli.errors import EXIT_REMOTE, fail, user_errors
from kg.cli.options import Decorator, apply, root_option, source_options
from kg.pipeline.build import checked_source
from kg.publish.export import FORMATS, Selection, export, graph_iri, select, write_output
from kg.publish.jsonld import CONTEXT_IRI
from kg.publish.nanopub import built_at
from kg.publish.push import (
    DEFAULT_BATCH,
    Credentials,
    GraphStoreTarget,
    UpdateTarget,
    push,
)
from kg.publish.quads import ExportError, build_quads, read_quads
from kg.publish.release import ReleaseError, release
from kg.publish.tables import TABLES
from kg.settings import CONTACT_ENV

SELECTION_OPTIONS: tuple[Decorator, ...] = (
    click.option(
        "--ontology/--no-ontology",
        default=False,
        show_default=True,
        help="Add the ontology graphs (graph:ontology/…) to the curated data.",
    ),
    click.option("--shapes", is_flag=True, help="Add the SHACL shapes graphs."),
    click.option(
        "--inferred/--no-inferred",
        default=False,
        show_default=True,
        help="Add the OWL 2 RL entailments (graph:inferred).",
    ),
    click.option(
        "--derived", is_flag=True, help="Add the build-time derived facts (graph:derived)."
    ),
    click.option(
        "--graph",
        "graph_name",
        default=None,
        metavar="GRAPH",
        help="Export only this named graph: its IRI, or its path under graph: such as "
        "data/actors.ttl or inferred (overrides the options above).",
    ),
)
"""Which named graphs of the build ``kg export`` takes."""


def _selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    return apply(command, SELECTION_OPTIONS)


@click.command(
    name="export",
    short_help="the graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, CSV or nanopubs",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="turtle",
    show_default=True,
    help="turtle, nt (sorted N-Triples), nquads and trig (named graphs kept), jsonld (compact, "
    "with the context embedded), xml (RDF/XML), csv (a table: see --table), nanopub (one "
    "nanopublication per current position statement, as TriG).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file, atomically (default, or '-': standard output).",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@_selection_options
@click.option(
    "--table",
    type=click.Choice(TABLES),
    default="statements",
    show_default=True,
    help="With --format csv: statements (date, precision, party, speaker, stance, demand, "
    "source, quote), demands, or actors.",
)
@click.option(
    "--context",
    default=None,
    metavar="IRI|inline",
    help="With --format jsonld: an @context IRI to reference instead of embedding the "
    f"context (default: embedded, as 'inline' also asks; the published one is {CONTEXT_IRI}).",
)
@click.option(
    "--trusty",
    is_flag=True,
    help="With --format nanopub: trusty URIs (https://w3id.org/peace-talks-kg/np/RA…), each "
    "the hash of its nanopublication's content.",
)
@click.option(
    "--created",
    default=None,
    metavar="TIME|now",
    help="With --format nanopub: the creation time of a nanopublication whose statement records "
    "none, an ISO 8601 date-time with a time zone, or 'now' (default: the build's time).",
)
@source_options
@user_errors
def export_command(
    fmt: str,
    out: Path | None,
    force: bool,
    ontology: bool,
    shapes: bool,
    inferred: bool,
    derived: bool,
    graph_name: str | None,
    table: str,
    context: str | None,
    trusty: bool,
    created: str | None,
    root: Path | None,
    dataset: Path | None,
) -> None:
    """Export the build (curated data by default) as RDF or a CSV table, deterministically.

    The same graph always gives the same bytes: blank nodes are labelled by RDFC-1.0 and
    everything is written in sorted order. An existing --out file is kept unless --force.
    """
    if out is not None and str(out) != "-" and out.exists() and not force:
        fail(f"{out} exists (use --force to replace it)")
    selection = Selection(
        ontology=ontology,
        shapes=shapes,
        inferred=inferred,
        derived=derived,
        graph=graph_iri(graph_name) if graph_name else None,
    )
    source = checked_source(root, dataset)
    quads = read_quads(source)
    try:
        chosen = select(quads, selection)
        ontology_quads = select(quads, Selection(data=False, ontology=True))
        data = export(
            chosen,
            fmt,
            table=table,
            context=None if context in (None, "inline") else context,
            ontology=ontology_quads,
            created=creation_time(created, source),
            trusty=trusty,
        )
    except ExportError as exc:
        fail(str(exc))
    write_output(data, out, force=force)
    if out is not None and str(out) != "-":
        click.echo(f"wrote {out}: {len(data)} bytes ({fmt})", err=True)


def creation_time(given: str | None, source: Path) -> dt.datetime:
    """When nanopublications whose statements record no curation time were made: ``given``
    (ISO 8601 with a time zone, or ``now``), else the time the build (or dataset file) was
    written, to the second, in UTC; never the clock's unless asked, so that exporting the same
    build twice gives the same bytes."""
    if given == "now":
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    if given is None:
        return built_at(source)
    try:
        when = dt.datetime.fromisoformat(given)
    except ValueError:
        fail(f"--created {given!r} is not an ISO 8601 date-time (2026-12-01T10:00:00Z) or 'now'")
    if when.tzinfo is None:
        fail(f"--created {given!r} has no time zone (add Z or +01:00)")
    return when


@click.command(name="release", short_help="a versioned release folder with metadata and checksums")
@root_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The release folder (default: <root>/releases/<version>).",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="The release's version (default: the ontology's owl:versionInfo).",
)
@click.option(
    "--date",
    "issued",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The release date, YYYY-MM-DD (default: today, UTC).",
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The release to compare with (default: the highest earlier version beside --out).",
)
@click.option("--force", is_flag=True, help="Replace an existing release folder.")
@click.option(
    "--contact",
    envvar=CONTACT_ENV,
    default=None,
    metavar="ADDRESS",
    help="An https:// or mailto: address where users reach the maintainers, given in "
    f"void.ttl's dcat:contactPoint (default: ${CONTACT_ENV}, else none).",
)
@user_errors
def release_command(
    root: Path | None,
    out: Path | None,
    version: str | None,
    issued: Any,
    previous: Path | None,
    force: bool,
    contact: str | None,
) -> None:
    """Write a versioned release folder: dumps in every format, every named graph (ptkg-all.nq,
    which kg serve --dataset serves), ontology, shapes, CSV tables, VoID + DCAT metadata with
    checksums, an RO-Crate, a CHANGELOG excerpt and the changes since the previous release."""
    try:
        report = release(
            root,
            out=out,
            version=version,
            issued=issued.date() if issued else None,
            previous=previous,
            force=force,
            contact=contact,
        )
    except ReleaseError as exc:
        fail(str(exc))
    changes = report.changes
    since = f"since {changes.previous}" if changes.previous else "(first release)"
    click.echo(
        f"wrote {report.path}: release {report.version} of {report.issued}, {report.triples} "
        f"triples, {len(report.files)} files\n"
        f"changes {since}: +{len(changes.added)} / -{len(changes.removed)} triples; statements "
        f"+{len(changes.statements_added)} / -{len(changes.statements_removed)} / "
        f"~{len(changes.statements_changed)}"
    )


@click.command(
    name="push", short_help="the build into a SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …)"
)
@click.option(
    "--gsp",
    "gsp",
    default=None,
    metavar="URL",
    help="Graph Store HTTP Protocol endpoint: one PUT per named graph (Virtuoso: "
    "http://HOST:8890/sparql-graph-crud-auth).",
)
@click.option(
    "--update",
    "update",
    default=None,
    metavar="URL",
    help="SPARQL 1.1 Update endpoint: DROP GRAPH + INSERT DATA in batches (Virtuoso: "
    "http://HOST:8890/sparql-auth).",
)
@click.option(
    "--query",
    "query_url",
    default=None,
    metavar="URL",
    help="SPARQL query endpoint used to check each graph's triple count after writing "
    "(default with --update: the update endpoint; with --gsp: no check).",
)
@click.option("--user", default=None, help="User for HTTP authentication.")
@click.option(
    "--password",
    default=None,
    envvar="PTKG_PUSH_PASSWORD",
    help="Password for HTTP authentication (or $PTKG_PUSH_PASSWORD).",
)
@click.option(
    "--auth",
    type=click.Choice(["digest", "basic"]),
    default="digest",
    show_default=True,
    help="HTTP authentication scheme (with --user).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Triples per INSERT request (with --update).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Skip the graphs the store's manifest records as completely written with the same "
    "content (after a push that stopped half-way).",
)
@click.option(
    "--graph",
    "graph_names",
    multiple=True,
    metavar="GRAPH",
    help="Push only this named graph (repeatable; IRI or path under graph:); owned graphs are "
    "then never dropped.",
)
@source_options
@user_errors
def push_command(
    gsp: str | None,
    update: str | None,
    query_url: str | None,
    user: str | None,
    password: str | None,
    auth: str,
    batch_size: int,
    resume: bool,
    graph_names: tuple[str, ...],
    root: Path | None,
    dataset: Path | None,
) -> None:
    """Push every named graph of the build into a SPARQL 1.1 store, replacing the graphs it owns.

    Idempotent: pushing twice leaves the same data; graphs the push does not own (see the
    manifest graph graph:push-manifest in the store) are never touched. Exits 3, saying what was
    and was not written, when the store fails half-way; run it again (with --resume to skip
    finished graphs).
    """
    if (gsp is None) == (update is None):
        fail("give exactly one of --gsp URL and --update URL")
    if password is not None and user is None:
        fail("--password needs --user")
    credentials = Credentials(user, password or "", auth) if user is not None else None
    target = (
        GraphStoreTarget(gsp, credentials=credentials, query_endpoint=query_url)
        if gsp is not None
        else UpdateTarget(
            update or "", credentials=credentials, query_endpoint=query_url, batch_size=batch_size
        )
    )
    quads = build_quads(root, dataset)
    only = [graph_iri(name) for name in graph_names] or None
    try:
        report = push(
            quads, target, resume=resume, only=only, progress=lambda m: click.echo(m, err=True)
        )
    except ValueError as exc:
        fail(str(exc))
    click.echo(report.summary())
    if not report.complete:
        sys.exit(EXIT_REMOTE)


COMMANDS = (export_command, release_command, push_command)
