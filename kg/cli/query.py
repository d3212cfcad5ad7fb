"""``kg query``: a SPARQL query on the build, any RDF file or a remote store, checked by the same
guard as the endpoint's (``kg.endpoint.guard``) and written in the format asked for."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.errors import user_errors
from kg.cli.options import store_options
from kg.pipeline.build import open_graph
from kg.rdf.results import GraphResult
from kg.store.queries import GRAPH_FORMATS, TABLE_FORMATS, read_query, render


@click.command(short_help="run SPARQL on the build (or any RDF file)")
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
    from kg.endpoint.guard import run_checked  # rdflib's SPARQL parser: only where it is used

    result = run_checked(store, read_query(query))
    if isinstance(result, GraphResult) and fmt == "table":
        fmt = "turtle"
    click.echo(render(result, fmt).rstrip("\n"))


COMMANDS = (query,)
