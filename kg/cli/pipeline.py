"""``kg validate``, ``kg build``, ``kg stats``: the pipeline that turns the curated files into the
build artefact (``kg.pipeline``), and what the result holds (``kg.browse.stats``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.browse.stats import stats as compute_stats
from kg.cli.errors import user_errors
from kg.cli.options import inference_option, root_option, sources_option, store_options
from kg.cli.sources import check_after_validation
from kg.pipeline.build import ARTEFACT, BuildRefused, BuildReport, build, open_graph
from kg.pipeline.load import load_project
from kg.pipeline.validate import ENGINES, validate_project
from kg.store.queries import table


@click.command(short_help="check data + ontology against the shapes, and the source texts")
@root_option
@inference_option("none")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="fast",
    show_default=True,
    help="fast: the fast validator, for inference none and the SHACL it implements (else "
    "pySHACL, with a note on stderr); pyshacl: pySHACL always. Both give the same results.",
)
@click.option("--report", is_flag=True, help="Print pySHACL's full text report instead.")
@sources_option
@user_errors
def validate(
    root: Path | None, inference: str, engine: str, report: bool, sources: Path | None
) -> None:
    """Check data + ontology against the shapes in shapes/, then the source texts.

    Prints each problem as file, focus node, path, message and severity. Then, when a corpus
    folder is configured (--sources, $PTKG_SOURCES or $PTKG_SEEDS), checks it as `kg sources
    check` does, one line per problem; without one it says on stderr that the texts were not
    checked. Exits 0 when the data conforms and the texts hold, 1 on violations or a problem
    with the texts, 2 when a file cannot be loaded (printed as file:line: message).
    """
    reference = engine == "pyshacl"
    project = load_project(root)
    data = project.graph("ontology", "data")
    result = validate_project(project, inference=inference, reference=reference, data=data)
    if result.fallback:
        click.echo(f"note: validated with pySHACL: {result.fallback}", err=True)
    click.echo(result.text if report else result.format())
    texts_fail = check_after_validation(sources, data)
    sys.exit(result.exit_code or int(texts_fail))


@click.command(name="build", short_help="validate, add OWL 2 RL entailments, write build/ptkg.nq")
@root_option
@inference_option("owlrl")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Where to write the artefact (default: <root>/{ARTEFACT}).",
)
@click.option(
    "--reference",
    is_flag=True,
    help="Validate with pySHACL and reason with owlrl's own semantics, the reference semantics "
    "the fast engines match (the same bytes), slowly.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Validate and reason over everything, not only what changed since the last build "
    "(the same bytes either way), and leave the build cache as it was.",
)
@click.option(
    "--timings",
    is_flag=True,
    help="Also print the seconds of each stage, and what the build reused from the last one.",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Build, then build again whenever a curated file changes, printing each verdict "
    "(a refusal or a syntax error is printed and the files watched on), until Ctrl-C.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help="With --watch: seconds between looks at the curated files.",
)
@user_errors
def build_command(
    root: Path | None,
    inference: str,
    out: Path | None,
    reference: bool,
    full: bool,
    timings: bool,
    watch: bool,
    interval: float,
) -> None:
    """Validate, reason and write the build artefact (sorted N-Quads), atomically, then its
    manifest (FILE.manifest.json: quads, bytes, sha256), which every command that opens the build
    checks first, so a build changed or truncated afterwards is refused rather than served, then
    the Oxigraph store loaded from it (a folder beside it, FILE without its suffix plus
    .oxigraph), which the server and its workers open read-only.

    After an edit of data files only, the build validates again and re-derives only what the
    edit can reach, continuing from the cache the previous build left in build/cache/ (each
    file's triples as loaded, the validation, the closure); the artefact is byte for byte what
    a full build writes. An edit of the ontology or the shapes, or --full, builds in full. A
    build with --out may start from the cache but does not change it.

    Refuses, writing nothing, when the data does not conform (exit 1), and when --out (or the
    build/ptkg.nq it defaults to) is a directory or cannot be written (exit 2).
    """
    if watch:
        if out is not None or reference or full:
            raise click.UsageError(
                "--watch builds the project's own artefact: drop --out, --reference and --full"
            )
        _watch(root, inference, interval, timings)
        return
    _print_report(build(root, out, inference, reference=reference, cache=not full), timings)


def _watch(root: Path | None, inference: str, interval: float, timings: bool) -> None:
    """``kg build --watch``: each build's report, each failure's message, until Ctrl-C."""
    from kg.pipeline.load import find_root
    from kg.pipeline.watch import watch

    project = (root or find_root()).resolve()
    click.echo(f"watching {project} (Ctrl-C to stop)")

    def failed(problem: Exception) -> None:
        if isinstance(problem, BuildRefused):
            click.echo(problem.validation.format(), err=True)
        click.echo(f"error: {problem}; waiting for the next change", err=True)

    try:
        watch(
            project,
            lambda report: _print_report(report, timings),
            failed,
            inference=inference,
            interval=interval,
        )
    except KeyboardInterrupt:
        click.echo("stopped")


def _print_report(report: BuildReport, timings: bool) -> None:
    for stage, why in report.fallbacks.items():
        click.echo(f"note: {stage} ran on {report.engines[stage]}: {why}", err=True)
    for note in report.notes:
        click.echo(f"warning: {note}", err=True)
    if timings:
        click.echo(report.reuse)
        for stage, seconds in report.stages.items():
            engine = f" ({report.engines[stage]})" if stage in report.engines else ""
            click.echo(f"{stage:>10} {seconds:8.3f} s{engine}")
        for line in report.work:
            click.echo(f"  {line}")
    click.echo(
        f"wrote {report.path}: {report.quads} quads in {len(report.graphs)} named graphs "
        f"({report.inferred} inferred) in {report.seconds:.1f} s; manifest {report.manifest}; "
        f"store {report.store}"
    )


@click.command(short_help="what the graph holds")
@store_options
@user_errors
def stats(root: Path | None, dataset: Path | None, engine: str) -> None:
    """Triples per named graph, instances per class, statements per source document."""
    found = compute_stats(open_graph(root, dataset, engine))
    click.echo(f"Triples per named graph ({found.total_triples} in all)\n")
    click.echo(table(found.graphs))
    click.echo("\nInstances per class\n")
    click.echo(table(found.classes))
    click.echo("\nStatements per source document\n")
    click.echo(table(found.sources))
    for name in found.uncovered_sources():
        click.echo(f"warning: no statement cites {name}", err=True)


COMMANDS = (validate, build_command, stats)
