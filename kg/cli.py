"""``kg``: the command-line twin of the library. Each command is a thin wrapper over ``kg.*``.

Exit codes: 0 success; 1 the data does not conform (validate, build); 2 bad input — a file that
cannot be loaded, a malformed query, an unknown option value.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg import __version__
from kg.build import ARTEFACT, BuildRefused, build, open_graph
from kg.formats import FormatError
from kg.load import LoadError, find_root, load_project
from kg.query import GRAPH_FORMATS, TABLE_FORMATS, read_query, render, run
from kg.results import GraphResult
from kg.stats import stats as compute_stats
from kg.store import DEFAULT_ENGINE, ENGINES, QuerySyntaxError
from kg.validate import INFERENCE_CHOICES, validate_project

EXIT_OK, EXIT_NONCONFORMING, EXIT_BAD_INPUT = 0, 1, 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the user's mistakes into one line on stderr and exit 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (LoadError, QuerySyntaxError, FormatError, FileExistsError) as exc:
            _fail(str(exc))

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


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--store",
        "engine",
        type=click.Choice(ENGINES),
        default=DEFAULT_ENGINE,
        show_default=True,
        help="Query engine: Oxigraph (fast, the default) or rdflib's memory store.",
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

    Exit codes: 0 ok, 1 data does not conform, 2 bad input (unloadable file, bad query, bad option).
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
    """Validate, reason and write the build artefact (sorted N-Quads), atomically.

    Refuses, writing nothing, when the data does not conform (exit 1).
    """
    try:
        report = build(root, out, inference)
    except BuildRefused as refused:
        click.echo(refused.validation.format(), err=True)
        _fail(str(refused), EXIT_NONCONFORMING)
    click.echo(
        f"wrote {report.path}: {report.quads} quads in {len(report.graphs)} named graphs "
        f"({report.inferred} inferred) in {report.seconds:.1f} s"
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
    result = run(store, read_query(query))
    if isinstance(result, GraphResult) and fmt == "table":
        fmt = "turtle"
    click.echo(render(result, fmt).rstrip("\n"))


@cli.command()
@store_options
@user_errors
def stats(root: Path | None, dataset: Path | None, engine: str) -> None:
    """Triples per named graph, instances per class, statements per source document."""
    from kg.query import table

    found = compute_stats(open_graph(root, dataset, engine))
    click.echo(f"Triples per named graph ({found.total_triples} in all)\n")
    click.echo(table(found.graphs))
    click.echo("\nInstances per class\n")
    click.echo(table(found.classes))
    click.echo("\nStatements per source document\n")
    click.echo(table(found.sources))
    for name in found.uncovered_sources():
        click.echo(f"warning: no statement cites {name}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="WSGI worker threads.")
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Answer one GET request for PATH (e.g. '/sparql?query=…') on stdout, without a socket.",
)
@store_options
@user_errors
def serve(
    host: str,
    port: int,
    threads: int,
    get_path: str | None,
    root: Path | None,
    dataset: Path | None,
    engine: str,
) -> None:
    """Serve the SPARQL endpoint and the browser with waitress (a production WSGI server)."""
    from server import create_app

    app = create_app(
        {"PTKG_ROOT": str(root or find_root()), "PTKG_DATASET": dataset, "PTKG_STORE": engine}
    )
    if get_path is not None:
        response = app.test_client().get(get_path)
        click.echo(response.get_data(as_text=True).rstrip("\n"))
        sys.exit(0 if response.status_code < 400 else 1)
    import waitress

    click.echo(f"Peace Talks KG on http://{host}:{port}/  (SPARQL: http://{host}:{port}/sparql)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="peace-talks-kg")


def main() -> None:
    cli()
