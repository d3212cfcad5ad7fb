"""``kg``: the command-line twin of the library. Each command is a thin wrapper over ``kg.*``.

Exit codes: 0 success; 1 the data does not conform (validate, build); 2 bad input — a file that
cannot be loaded, a malformed query, an unknown option value; 3 a remote store failed (it could not
be reached, refused access, flagged a partial result, or a push did not finish).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.browse.stats import stats as compute_stats
from kg.endpoint.guard import QueryRefused, run_checked
from kg.pipeline.build import ARTEFACT, BuildRefused, build, open_graph
from kg.pipeline.load import LoadError, find_root, load_project
from kg.pipeline.validate import INFERENCE_CHOICES, validate_project
from kg.publish.export import FORMATS as EXPORT_FORMATS
from kg.publish.push import DEFAULT_BATCH
from kg.publish.quads import build_quads
from kg.publish.tables import TABLES
from kg.questions.ask import FORMATS as ASK_FORMATS
from kg.questions.ask import QUESTIONS, AskError, Question, ask
from kg.questions.ask import render as render_answer
from kg.questions.periods import PeriodError, parse_period
from kg.rdf.results import GraphResult
from kg.store import (
    DEFAULT_ENGINE,
    ENGINES,
    REMOTE_SCHEMES,
    QuerySyntaxError,
    RemoteStoreError,
    is_remote,
)
from kg.store.queries import GRAPH_FORMATS, TABLE_FORMATS, read_query, render
from kg.store.serialize import FormatError

EXIT_OK, EXIT_NONCONFORMING, EXIT_BAD_INPUT, EXIT_REMOTE = 0, 1, 2, 3


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the user's mistakes into one line on stderr and exit 2, never a traceback; data that
    does not conform (a refused build) prints its violations and exits 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BuildRefused as refused:
            click.echo(refused.validation.format(), err=True)
            _fail(str(refused), EXIT_NONCONFORMING)
        except (LoadError, QuerySyntaxError, QueryRefused, FormatError, FileExistsError) as exc:
            _fail(str(exc))
        except RemoteStoreError as exc:
            _fail(str(exc), EXIT_REMOTE)

    return wrapper


def root_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project folder with ontology/, shapes/, data/ (default: the working directory or a "
        "parent of it, or $PTKG_ROOT).",
    )(command)


def inference_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--inference",
        type=click.Choice(INFERENCE_CHOICES),
        default=default,
        show_default=True,
        help="Entailment regime (pySHACL's vocabulary): none, rdfs, owlrl (OWL 2 RL) or both.",
    )


class StoreParam(click.ParamType):
    """An embedded engine's name, or a remote SPARQL store as ``sparql+http(s)://…``."""

    name = "store"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text in ENGINES:
            return text
        if is_remote(text):
            from kg.store import SparqlHttpStore

            try:
                SparqlHttpStore(text)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
            return text
        self.fail(
            f"{text!r} is neither {' nor '.join(ENGINES)} nor a remote store URL "
            f"({REMOTE_SCHEMES[0]}HOST:PORT/PATH or {REMOTE_SCHEMES[1]}…)",
            param,
            ctx,
        )

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"[{'|'.join(ENGINES)}|sparql+http://HOST:PORT/PATH]"


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--store",
        "engine",
        type=StoreParam(),
        default=DEFAULT_ENGINE,
        show_default=True,
        help="Query engine: Oxigraph (fast, the default), rdflib's memory store, or a remote "
        "SPARQL 1.1 endpoint given as sparql+http(s)://[USER:PASSWORD@]HOST:PORT/PATH[?PARAMS] "
        "(nothing is loaded locally; --dataset is then ignored).",
    )(command)
    command = click.option(
        "--dataset",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="Use this RDF file (N-Quads, TriG, Turtle, N-Triples, JSON-LD, RDF/XML) instead of "
        "the project's build.",
    )(command)
    return root_option(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Peace Talks KG: positions in the Russia–Ukraine peace negotiations, with evidence.

    \b
    The pipeline:  load → validate → reason → build → serve
      kg validate   check data + ontology against the SHACL shapes
      kg build      validate, add OWL 2 RL entailments, write build/ptkg.nq
      kg query      run SPARQL on the build (or any RDF file)
      kg stats      what the graph holds
      kg serve      the SPARQL endpoint and linked-data browser
      kg export     the graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML or CSV
      kg release    a versioned release folder with metadata and checksums
      kg push       the build into a SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB …)

    Exit codes: 0 ok, 1 data does not conform, 2 bad input (unloadable file, bad query, bad option),
    3 a remote store failed.
    """


@cli.command()
@root_option
@inference_option("none")
@click.option("--report", is_flag=True, help="Print pySHACL's full text report instead.")
@user_errors
def validate(root: Path | None, inference: str, report: bool) -> None:
    """Check data + ontology against the shapes in shapes/.

    Prints each problem as file, focus node, path, message and severity. Exits 0 when the data
    conforms, 1 on violations, 2 when a file cannot be loaded (printed as file:line: message).
    """
    result = validate_project(load_project(root), inference=inference)
    click.echo(result.text if report else result.format())
    sys.exit(result.exit_code)


@cli.command(name="build")
@root_option
@inference_option("owlrl")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Where to write the artefact (default: <root>/{ARTEFACT}).",
)
@user_errors
def build_command(root: Path | None, inference: str, out: Path | None) -> None:
    """Validate, reason and write the build artefact (sorted N-Quads), atomically, then its
    manifest (FILE.manifest.json: quads, bytes, sha256), which every command that opens the build
    checks first, so a build changed or truncated afterwards is refused rather than served.

    Refuses, writing nothing, when the data does not conform (exit 1), and when --out (or the
    build/ptkg.nq it defaults to) is a directory or cannot be written (exit 2).
    """
    report = build(root, out, inference)
    click.echo(
        f"wrote {report.path}: {report.quads} quads in {len(report.graphs)} named graphs "
        f"({report.inferred} inferred) in {report.seconds:.1f} s; manifest {report.manifest}"
    )


@cli.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS + tuple(f for f in GRAPH_FORMATS if f not in TABLE_FORMATS)),
    default="table",
    show_default=True,
    help="table|json|csv|tsv|xml for SELECT/ASK; turtle|nt|jsonld|xml for CONSTRUCT/DESCRIBE.",
)
@store_options
@user_errors
def query(query: str, fmt: str, root: Path | None, dataset: Path | None, engine: str) -> None:
    """Run a SPARQL query (text, or a .rq file) on the build.

    The project's prefixes (pt:, actor:, position:, statement:, oa:, skos: …) are predeclared;
    the default graph is the union of all named graphs.
    """
    store = open_graph(root, dataset, engine)
    result = run_checked(store, read_query(query))
    if isinstance(result, GraphResult) and fmt == "table":
        fmt = "turtle"
    click.echo(render(result, fmt).rstrip("\n"))


@cli.command()
@store_options
@user_errors
def stats(root: Path | None, dataset: Path | None, engine: str) -> None:
    """Triples per named graph, instances per class, statements per source document."""
    from kg.store.queries import table

    found = compute_stats(open_graph(root, dataset, engine))
    click.echo(f"Triples per named graph ({found.total_triples} in all)\n")
    click.echo(table(found.graphs))
    click.echo("\nInstances per class\n")
    click.echo(table(found.classes))
    click.echo("\nStatements per source document\n")
    click.echo(table(found.sources))
    for name in found.uncovered_sources():
        click.echo(f"warning: no statement cites {name}", err=True)


def _trusted_proxies(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """``--trusted-proxy`` checked as the app will read it, so a typo is a usage error."""
    from kg.endpoint.fairness import parse_proxies

    try:
        parse_proxies(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=5000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, announced at start).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(min=1), help="WSGI threads."
)
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Answer one GET request for PATH (e.g. '/sparql?query=…') on stdout, without a socket.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds a /sparql query may run before it is stopped [default: 30].",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=None,
    help="Most rows (or triples) in a /sparql answer; the rest are cut [default: 10000].",
)
@click.option(
    "--max-request-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Largest /sparql request body or query string [default: 65536].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes running /sparql queries, at most one per core [default: 2].",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=0),
    default=None,
    metavar="MB",
    help="Megabytes of memory a /sparql query may take beyond the loaded data; a query needing "
    "more is stopped (503); 0: no limit [default: 2048].",
)
@click.option(
    "--max-waiting",
    type=click.IntRange(min=0),
    default=None,
    help="/sparql queries that may wait for a free worker; more get 503 with Retry-After "
    "[default: four per worker].",
)
@click.option(
    "--max-queries-per-client",
    type=click.IntRange(min=1),
    default=None,
    help="/sparql queries one client may have running or waiting at once; more get 429 "
    "[default: one less than the workers, at least 1].",
)
@click.option(
    "--trusted-proxy",
    default=None,
    metavar="ADDRESSES",
    callback=_trusted_proxies,
    help="Reverse proxies (comma-separated IP addresses or networks) whose X-Forwarded-For names "
    "the client, its last address counting [default: none; the client is the connection's "
    "address].",
)
@store_options
@user_errors
def serve(
    host: str,
    port: int,
    threads: int,
    get_path: str | None,
    timeout: float | None,
    max_rows: int | None,
    max_request_bytes: int | None,
    workers: int | None,
    max_memory: int | None,
    max_waiting: int | None,
    max_queries_per_client: int | None,
    trusted_proxy: str | None,
    root: Path | None,
    dataset: Path | None,
    engine: str,
) -> None:
    """Serve the SPARQL endpoint and the browser with waitress (a production WSGI server).

    /sparql queries run in worker processes, each stopped at the time and memory limits; the
    limits can also be set with PTKG_QUERY_TIMEOUT, PTKG_MAX_ROWS, PTKG_MAX_REQUEST_BYTES,
    PTKG_QUERY_WORKERS, PTKG_MAX_MEMORY, PTKG_MAX_WAITING, PTKG_MAX_QUERIES_PER_CLIENT and
    PTKG_TRUSTED_PROXY.
    """
    import signal
    import socket

    from server import create_app
    from server.listening import ListenError, bind, listening_port, waitress_limits
    from server.sparql import query_pool, trusted_proxies

    sockets: list[socket.socket] = []
    if get_path is None:
        # Bind before loading anything: a busy port or a bad host is one line and exit 2 at once,
        # and waitress then serves on these sockets, so nobody can take the port meanwhile.
        try:
            sockets = bind(host, port)
        except ListenError as exc:
            _fail(str(exc))
        port = listening_port(sockets, port)
    limits = {
        "PTKG_QUERY_TIMEOUT": timeout,
        "PTKG_MAX_ROWS": max_rows,
        "PTKG_MAX_REQUEST_BYTES": max_request_bytes,
        "PTKG_QUERY_WORKERS": workers,
        "PTKG_MAX_MEMORY": max_memory,
        "PTKG_MAX_WAITING": max_waiting,
        "PTKG_MAX_QUERIES_PER_CLIENT": max_queries_per_client,
        "PTKG_TRUSTED_PROXY": trusted_proxy,
    }
    app = create_app(
        {
            "PTKG_ROOT": str(root or find_root()),
            "PTKG_DATASET": dataset,
            "PTKG_STORE": engine,
            **{key: value for key, value in limits.items() if value is not None},
        }
    )
    pool = query_pool(app)
    try:
        if get_path is not None:
            response = app.test_client().get(get_path)
            click.echo(response.get_data(as_text=True).rstrip("\n"))
            sys.exit(0 if response.status_code < 400 else 1)
        import waitress

        pool.start()
        # Stop cleanly on SIGTERM too, so the query workers are stopped with the server.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        for sock in sockets:  # listen before announcing: a client told the address right away is
            sock.listen(1024)  # queued until waitress accepts (it listens again), not refused
        click.echo(
            f"Peace Talks KG on http://{host}:{port}/  (SPARQL: http://{host}:{port}/sparql; "
            f"{pool.size} query workers, {app.config['PTKG_QUERY_TIMEOUT']:g} s per query)"
        )
        waitress.serve(
            app,
            sockets=sockets,
            threads=threads,
            ident="peace-talks-kg",
            # waitress drops X-Forwarded-For itself; with --trusted-proxy the app needs it, and
            # reads it only on requests from those proxies (kg.endpoint.fairness.client_address).
            clear_untrusted_proxy_headers=not trusted_proxies(app),
            # waitress itself refuses bodies and headers the app would refuse anyway, instead of
            # first buffering up to its 1 GiB default.
            **waitress_limits(app.config["PTKG_MAX_REQUEST_BYTES"]),
        )
    finally:
        pool.shutdown()


def _selection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Which named graphs of the build to take (``kg export``)."""
    for option in reversed(
        [
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
        ]
    ):
        command = option(command)
    return command


def _source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--dataset",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="Take this RDF file (N-Quads, TriG, …) instead of the project's build.",
    )(command)
    return root_option(command)


@cli.command(name="export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="turtle",
    show_default=True,
    help="turtle, nt (sorted N-Triples), nquads and trig (named graphs kept), jsonld (compact, "
    "with the published context), xml (RDF/XML), csv (a table: see --table).",
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
    help="With --format jsonld: the @context to reference (default: the published "
    "https://w3id.org/peace-talks-kg/context.jsonld), or 'inline' to embed it.",
)
@_source_options
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
    root: Path | None,
    dataset: Path | None,
) -> None:
    """Export the build (curated data by default) as RDF or a CSV table, deterministically.

    The same graph always gives the same bytes: blank nodes are labelled by RDFC-1.0 and
    everything is written in sorted order. An existing --out file is kept unless --force.
    """
    from kg.publish.export import Selection, export, graph_iri, select, write_output
    from kg.publish.jsonld import CONTEXT_IRI
    from kg.publish.quads import ExportError

    if out is not None and str(out) != "-" and out.exists() and not force:
        _fail(f"{out} exists (use --force to replace it)")
    selection = Selection(
        ontology=ontology,
        shapes=shapes,
        inferred=inferred,
        derived=derived,
        graph=graph_iri(graph_name) if graph_name else None,
    )
    quads = build_quads(root, dataset)
    try:
        chosen = select(quads, selection)
        ontology_quads = select(quads, Selection(data=False, ontology=True))
        data = export(
            chosen,
            fmt,
            table=table,
            context=None if context == "inline" else (context or CONTEXT_IRI),
            ontology=ontology_quads,
        )
    except ExportError as exc:
        _fail(str(exc))
    write_output(data, out, force=force)
    if out is not None and str(out) != "-":
        click.echo(f"wrote {out}: {len(data)} bytes ({fmt})", err=True)


@cli.command(name="release")
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
@user_errors
def release_command(
    root: Path | None,
    out: Path | None,
    version: str | None,
    issued: Any,
    previous: Path | None,
    force: bool,
) -> None:
    """Write a versioned release folder: dumps in every format, ontology, shapes, CSV tables,
    VoID + DCAT metadata with checksums, a CHANGELOG excerpt and the changes since the previous
    release."""
    from kg.publish.release import ReleaseError, release

    try:
        report = release(
            root,
            out=out,
            version=version,
            issued=issued.date() if issued else None,
            previous=previous,
            force=force,
        )
    except ReleaseError as exc:
        _fail(str(exc))
    changes = report.changes
    since = f"since {changes.previous}" if changes.previous else "(first release)"
    click.echo(
        f"wrote {report.path}: release {report.version} of {report.issued}, {report.triples} "
        f"triples, {len(report.files)} files\n"
        f"changes {since}: +{len(changes.added)} / -{len(changes.removed)} triples; statements "
        f"+{len(changes.statements_added)} / -{len(changes.statements_removed)} / "
        f"~{len(changes.statements_changed)}"
    )


@cli.command(name="push")
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
@_source_options
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
    from kg.publish.export import graph_iri
    from kg.publish.push import Credentials, GraphStoreTarget, UpdateTarget, push

    if (gsp is None) == (update is None):
        _fail("give exactly one of --gsp URL and --update URL")
    if password is not None and user is None:
        _fail("--password needs --user")
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
        _fail(str(exc))
    click.echo(report.summary())
    if not report.complete:
        sys.exit(EXIT_REMOTE)


@cli.group(name="ask")
def ask_group() -> None:
    """Answer a temporal question, with the evidence of every answer.

    \b
    kg ask persisted --party russia --from 2024-06 --to 2025-07 [--mode attested|in-force]
    kg ask added|dropped|re-emerged|diff --party P --from F --to T
    kg ask position --party P --at A;  kg ask conflicts --at A;  kg ask timeline --position X

    Periods are YYYY, YYYY-MM or YYYY-MM-DD (the whole year, month or day); --to may end in '..'
    for "from then on". Semantics: docs/questions.md. Exit 2 on an unknown party or position or a
    malformed period, with what is accepted.
    """


def _ask_command(question: Question) -> click.Command:
    def run(fmt: str, root: Path | None, dataset: Path | None, engine: str, **values: Any) -> None:
        for p in question.parameters:
            if p.kind in ("period", "open-period") and values.get(p.name) is not None:
                try:  # fail on a malformed period before loading the graph
                    parse_period(values[p.name], allow_open=p.kind == "open-period", name=p.name)
                except PeriodError as exc:
                    _fail(str(exc))
        try:
            answer = ask(open_graph(root, dataset, engine), question.name, values)
        except AskError as exc:
            _fail(str(exc))
        click.echo(render_answer(answer, fmt), nl=False)

    command: Callable[..., Any] = store_options(user_errors(run))
    command = click.option(
        "--format",
        "fmt",
        type=click.Choice(ASK_FORMATS),
        default="table",
        show_default=True,
        help="table for reading; json (the API's answer) or csv (one row per quote).",
    )(command)
    for p in reversed(question.parameters):
        names = [f"--{p.name}", *(f"--{alias}" for alias in p.aliases)]
        if p.choices:
            option = click.option(
                *names,
                p.name,
                type=click.Choice(p.choices),
                default=p.default,
                show_default=True,
                help=p.help,
            )
        else:
            option = click.option(*names, p.name, required=p.required, help=p.help)
        command = option(command)
    return click.command(name=question.name, help=question.description, short_help=question.title)(
        command
    )


for _question in QUESTIONS.values():
    ask_group.add_command(_ask_command(_question))


def main() -> None:
    cli()
