"""Time SHACL validation with pySHACL and with the fast validator, and check they agree; time an
edit's incremental revalidation against a full one.

    python bench/validation.py [--sizes 10000 100000 1000000] [--runs 1] [--pyshacl-max 100000]
                               [--table engines|edits|both]

For the curated data (ontology + data of the checkout) and for each size of the synthetic graph of
``bench/synthetic.py`` (with the ontology; blank-node annotation targets and selectors, as in the
curated data), each validation runs in a process of its own, forked once the graph is loaded:
``kg.pipeline.validate.validate`` with ``reference=True`` (pySHACL; on the curated data and on
synthetic graphs of at most ``--pyshacl-max`` triples, as it takes minutes beyond) and without
(the fast validator: reading the shapes, validating, listing the violations). Printed per graph:
triples, results found, the median wall and CPU time of ``--runs`` runs of each engine, their
ratio, the peak RSS of each process (the loaded graph included), the time the fast validator then
takes to write pySHACL's text report (only ``kg validate --report`` asks for it), and whether the
two agree: the same verdict, the same violations in the same order, the same text report.

The edits table (``--table edits``): for the curated data, one data file edited (one quote changed)
and parsed again, as a build sees a saved file (its blank nodes get new labels, so each of its
blank-node triples counts as removed and added again), and one statement edited (a second speaker,
its stance dropped, its quote changed: four triples); for each synthetic size, the same statement
edit. Each is validated in full (``validate``, with the shapes already read) and incrementally as
the next process would: the validation of the graph before the edit loaded from its saved file
(``IncrementalValidation.load``), then ``update`` with the changed triples; each in a process of its
own, forked with the edited graph loaded. Printed: the changed triples, the focus nodes validated
again, the median seconds of each and their ratio (full / load + update), the seconds of the next
update in the same process (the edit undone, as a workbench validating each save would), and
whether the two give the same violations and verdict.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reasoning import synthetic  # noqa: E402  (bench/ is the script's folder)

from kg.pipeline.load import Project, load_project  # noqa: E402
from kg.pipeline.shacl import ShapesValidator  # noqa: E402
from kg.pipeline.validate import validate  # noqa: E402
from kg.pipeline.validate_incremental import IncrementalValidation  # noqa: E402
from kg.rdf.namespaces import PT  # noqa: E402

OA = "http://www.w3.org/ns/oa#"
EDITED_FILE = "data/source-002.ttl"


def curated() -> Graph:
    return load_project(REPO).graph("ontology", "data")


def shapes() -> Graph:
    return Graph().parse(REPO / "shapes" / "ptkg-shapes.ttl", format="turtle")


def _child(pipe: Connection, data: Graph, shapes: Graph, reference: bool) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    result = validate(data, shapes, reference=reference)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    text = result.text
    report = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipe.send((seconds, cpu, report, rss, result.conforms, result.violations, text, result.engine))


def forked(work: Callable[..., Any], *args: Any) -> Any:
    """``work(pipe, *args)`` in a forked process (the parent's graphs shared, not copied): what it
    sends back."""
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    process = context.Process(target=work, args=(there, *args))
    process.start()
    found = here.recv()
    process.join()
    return found


def measure(data: Graph, shapes: Graph, reference: bool) -> tuple:
    """One validation in a forked process: seconds, CPU seconds, report seconds, peak RSS (MB),
    verdict, violations, text, engine. Both engines get the same shapes graph: a result's path
    is named by the blank node the shapes graph gives it."""
    return forked(_child, data, shapes, reference)


def median(data: Graph, shapes: Graph, reference: bool, runs: int) -> tuple[float, float, tuple]:
    """The median wall and CPU seconds of ``runs`` validations, and the last one's findings."""
    found = [measure(data, shapes, reference) for _ in range(runs)]
    return statistics.median(f[0] for f in found), statistics.median(f[1] for f in found), found[-1]


def engines_table(sizes: list[int], runs: int, pyshacl_max: int) -> None:
    print(f"Median of {runs} run(s) of kg.pipeline.validate.validate, each in its own process;")
    print("wall time (CPU time); peak RSS of the process, the loaded graph included:\n")
    print(
        "| graph | triples | results | pySHACL | fast | ratio (CPU) | peak RSS pySHACL "
        "| peak RSS fast | fast: text report | same results |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    shapes_graph = shapes()
    for name, size in [("curated", 0)] + [(f"{n:,}", n) for n in sizes]:
        data = curated() if not size else synthetic(size)
        fast_s, fast_cpu, fast = median(data, shapes_graph, False, runs)
        assert fast[7] == "fast", "the fast validator fell back to pySHACL"
        slow = slow_rss = ratio = "—"
        same = "(not compared)"
        if size <= pyshacl_max:
            slow_s, slow_cpu, reference = median(data, shapes_graph, True, runs)
            slow = f"{slow_s:.2f} s ({slow_cpu:.2f} s)"
            slow_rss, ratio = f"{reference[3]:,.0f} MB", f"{slow_cpu / fast_cpu:.1f}×"
            same = "yes" if fast[4:7] == reference[4:7] else "NO"
        print(
            f"| {name} | {len(data):,} | {len(fast[5]):,} | {slow} "
            f"| {fast_s:.2f} s ({fast_cpu:.2f} s) | {ratio} | {slow_rss} | {fast[3]:,.0f} MB "
            f"| {fast[2]:.2f} s | {same} |",
            flush=True,
        )
        if same == "NO":
            raise SystemExit("the engines disagree")


# --- an edit: incremental revalidation against a full one ---------------------------------------

Change = tuple[set[tuple], set[tuple]]
"""The triples an edit adds, and those it removes."""


def file_edit(project: Project, data: Graph) -> Change:
    """One quote of ``EDITED_FILE`` changed and the file parsed again (new blank-node labels); the
    triples ``data`` (the project's ontology and data) gains and loses by it."""
    path = REPO / EDITED_FILE
    [graph] = [f.graph for f in project.files if f.path == path]
    convert = project.converter()
    old = {
        (convert(q.subject), convert(q.predicate), convert(q.object))
        for q in project.quads.quads_for_pattern(None, None, None, ox.NamedNode(str(graph)))
    }
    text = re.sub(r'oa:exact "', 'oa:exact "(edited) ', path.read_text(encoding="utf-8"), count=1)
    new = set(Graph().parse(data=text, format="turtle", publicID=path.resolve().as_uri()))
    return {t for t in new if t not in data}, old - new


def statement_edit(data: Graph) -> Change:
    """The first statement (by IRI) gets a second speaker, loses its stance, and its first
    evidence's quote changes: four triples."""
    statement = min(data.subjects(PT.speaker, None, unique=True), key=str)
    speaker = next(data.objects(statement, PT.speaker))
    other = min((o for o in data.objects(None, PT.speaker) if o != speaker), key=str)
    annotation = min(data.objects(statement, PT.evidence), key=str)
    target = next(data.objects(annotation, URIRef(OA + "hasTarget")))
    selector = next(data.objects(target, URIRef(OA + "hasSelector")))
    exact = URIRef(OA + "exact")
    quote = next(data.objects(selector, exact))
    added = {(statement, PT.speaker, other), (selector, exact, Literal(f"(edited) {quote}"))}
    removed = {(selector, exact, quote)}
    removed |= {(statement, PT.stance, s) for s in data.objects(statement, PT.stance)}
    return added, removed


def _full_child(pipe: Connection, data: Graph, validator: ShapesValidator) -> None:
    started = time.perf_counter()
    result = validate(data, validator)
    pipe.send((time.perf_counter() - started, result.violations, result.conforms))


def _incremental_child(
    pipe: Connection, data: Graph, validator: ShapesValidator, path: Path, change: Change
) -> None:
    started = time.perf_counter()
    state = IncrementalValidation.load(path, validator)
    loaded = time.perf_counter()
    result = state.update(data, *change)
    done = time.perf_counter()
    assert state.last is not None and state.last.full is None, state.last
    counted = state.last.focus_nodes
    added, removed = change
    data -= added  # the edit undone, and validated again as a workbench would (this process's copy)
    data += removed
    again = time.perf_counter()
    state.update(data, removed, added)
    next_s = time.perf_counter() - again
    found = (result.violations, result.conforms)
    pipe.send((loaded - started, done - loaded, next_s, counted, *found))


def edit_rows(name: str, data: Graph, edits: dict[str, Change], runs: int) -> None:
    """The edits of one graph, each validated in full and incrementally (see the docstring)."""
    validator = ShapesValidator(shapes())
    state = IncrementalValidation(validator)
    state.validate(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "validation.json"
        state.save(path)
        for label, (added, removed) in edits.items():
            assert all(t in data for t in removed) and not any(t in data for t in added)
            data -= removed
            data += added
            full = [forked(_full_child, data, validator) for _ in range(runs)]
            step = [
                forked(_incremental_child, data, validator, path, (added, removed))
                for _ in range(runs)
            ]
            data -= added
            data += removed
            full_s = statistics.median(f[0] for f in full)
            load_s = statistics.median(s[0] for s in step)
            update_s = statistics.median(s[1] for s in step)
            both_s = statistics.median(s[0] + s[1] for s in step)
            next_s = statistics.median(s[2] for s in step)
            same = "yes" if full[-1][1:] == step[-1][4:] else "NO"
            print(
                f"| {name} | {len(data):,} | {label} | {len(added) + len(removed):,} "
                f"| {step[-1][3]:,} of {state.last.focus_nodes:,} | {len(full[-1][1]):,} "
                f"| {full_s:.3f} s | {load_s:.3f} s | {update_s:.3f} s | {both_s:.3f} s "
                f"| {full_s / both_s:.1f}× | {next_s:.3f} s | {same} |",
                flush=True,
            )
            if same == "NO":
                raise SystemExit("the incremental validation disagrees with the full one")


def edits_table(sizes: list[int], runs: int) -> None:
    print(f"\nMedian of {runs} run(s), each in its own process; wall time, shapes already read:\n")
    print(
        "| graph | triples | edit | changed triples | focus nodes validated again | violations "
        "| full validation | load state | update | load + update | ratio | next update "
        "| same results |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    project = load_project(REPO)
    data = project.graph("ontology", "data")
    edits = {
        "one file parsed again": file_edit(project, data),
        "one statement": statement_edit(data),
    }
    edit_rows("curated", data, edits, runs)
    for size in sizes:
        data = synthetic(size)
        edit_rows(f"{size:,}", data, {"one statement": statement_edit(data)}, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--pyshacl-max",
        type=int,
        default=10_000,
        help="Validate with pySHACL only synthetic graphs up to this many triples.",
    )
    parser.add_argument("--table", choices=["engines", "edits", "both"], default="both")
    args = parser.parse_args()
    if args.table in ("engines", "both"):
        engines_table(args.sizes, args.runs, args.pyshacl_max)
    if args.table in ("edits", "both"):
        edits_table(args.sizes, args.runs)


if __name__ == "__main__":
    main()
