"""Time the OWL 2 RL closure the build runs (``kg.pipeline.rules``) against owlrl's own, on the curated
data and on synthetic graphs, with the memory the rules take.

    python bench/reasoning.py [--sizes 10000 100000 1000000] [--runs 3] [--owlrl-max 100000]

For the curated data (ontology and data of the checkout, as ``kg build`` reasons over them) and for each
size of the synthetic graph of ``bench/synthetic.py`` (with the ontology; each evidence annotation's target
and selector blank nodes, as in the curated data): the median of ``--runs`` runs of
``kg.pipeline.reason.infer`` (the rules, with the filters and the result graph the build gets), the
peak resident memory it added (sampled every 10 ms, from what the process held with its free heap
returned to the system), and, for graphs up to ``--owlrl-max`` triples (0: none),
the median of owlrl's own closure (``reference=True``), the ratio and whether the two closures are the same
graph (they must be; the run stops if not).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import generate  # noqa: E402  (bench/ is the script's folder)

from kg.pipeline.load import load_project  # noqa: E402
from kg.pipeline.reason import infer  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def curated() -> Graph:
    return load_project(REPO).graph("ontology", "data")


def synthetic(size: int) -> Graph:
    """The synthetic graph as N-Triples (each quad's graph dropped), plus the ontology."""
    lines = generate(size, blank_nodes=True).splitlines()
    text = "\n".join(line.rsplit(" ", 2)[0] + " ." for line in lines if line)
    graph = Graph().parse(data=text, format="nt")
    graph.parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    return graph


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system, so that what ``work`` reuses counts too."""
    gc.collect()
    with contextlib.suppress(OSError):  # not glibc: the figure may be low by what work reuses
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def peak_added(work: Callable[[], Graph]) -> tuple[Graph, int]:
    """``work()`` and the most resident memory it added while it ran."""
    release_free_memory()
    start, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return result, max(peak[0], rss()) - start


def median_time(graph: Graph, runs: int, reference: bool) -> tuple[float, Graph, int]:
    times, result, added = [], Graph(), 0
    for _ in range(runs):
        started = time.perf_counter()
        result, memory = peak_added(lambda: infer(graph, "owlrl", reference=reference))
        times.append(time.perf_counter() - started)
        added = max(added, memory)
    return statistics.median(times), result, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--owlrl-max", type=int, default=100_000)
    args = parser.parse_args()
    print(f"Median of {args.runs} runs of the OWL 2 RL closure (kg.pipeline.reason.infer):\n")
    print(
        "| graph | triples | inferred | rules | memory added | owlrl (reference) | ratio | same closure |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, make in [("curated", curated)] + [
        (f"{n:,}", lambda n=n: synthetic(n)) for n in args.sizes
    ]:
        graph = make()
        fast, found, memory = median_time(graph, args.runs, reference=False)
        if found.engine != "rules":
            raise SystemExit(f"{name}: owlrl ran instead of the rules ({found.fallback})")
        row = (
            f"| {name} | {len(graph):,} | {len(found):,} | {fast:.2f} s | {memory / 2**20:,.0f} MB"
        )
        if len(graph) <= args.owlrl_max:
            slow, expected, _memory = median_time(graph, args.runs, reference=True)
            same = isomorphic(found, expected)
            row += f" | {slow:.2f} s | {slow / fast:.0f}× | {'yes' if same else 'NO'} |"
            if not same:
                print(row)
                raise SystemExit("the closures differ")
        else:
            row += " | — | — | — |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
