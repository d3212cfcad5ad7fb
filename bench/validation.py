"""Time SHACL validation with pySHACL and with the fast validator, and check they agree.

    python bench/validation.py [--sizes 10000 100000 1000000] [--runs 1] [--pyshacl-max 100000]

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
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

from rdflib import Graph

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reasoning import synthetic  # noqa: E402  (bench/ is the script's folder)

from kg.pipeline.load import load_project  # noqa: E402
from kg.pipeline.validate import validate  # noqa: E402


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


def measure(data: Graph, shapes: Graph, reference: bool) -> tuple:
    """One validation in a forked process: seconds, CPU seconds, report seconds, peak RSS (MB),
    verdict, violations, text, engine. Both engines get the same shapes graph: a result's path
    is named by the blank node the shapes graph gives it."""
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    process = context.Process(target=_child, args=(there, data, shapes, reference))
    process.start()
    found = here.recv()
    process.join()
    return found


def median(data: Graph, shapes: Graph, reference: bool, runs: int) -> tuple[float, float, tuple]:
    """The median wall and CPU seconds of ``runs`` validations, and the last one's findings."""
    found = [measure(data, shapes, reference) for _ in range(runs)]
    return statistics.median(f[0] for f in found), statistics.median(f[1] for f in found), found[-1]


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
    args = parser.parse_args()
    print(
        f"Median of {args.runs} run(s) of kg.pipeline.validate.validate, each in its own process;"
    )
    print("wall time (CPU time); peak RSS of the process, the loaded graph included:\n")
    print(
        "| graph | triples | results | pySHACL | fast | ratio (CPU) | peak RSS pySHACL "
        "| peak RSS fast | fast: text report | same results |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    shapes_graph = shapes()
    for name, size in [("curated", 0)] + [(f"{n:,}", n) for n in args.sizes]:
        data = curated() if not size else synthetic(size)
        fast_s, fast_cpu, fast = median(data, shapes_graph, False, args.runs)
        assert fast[7] == "fast", "the fast validator fell back to pySHACL"
        slow = slow_rss = ratio = "—"
        same = "(not compared)"
        if size <= args.pyshacl_max:
            slow_s, slow_cpu, reference = median(data, shapes_graph, True, args.runs)
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


if __name__ == "__main__":
    main()
