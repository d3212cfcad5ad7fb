"""Time the OWL 2 RL closure the build runs (``kg.pipeline.rules``) against owlrl's own, on the curated
data and on synthetic graphs, with the memory the rules take; and the incremental closure after an edit of
one file against a full closure.

    python bench/reasoning.py [--tables closure edit] [--sizes 10000 100000 1000000] [--runs 3]
                              [--owlrl-max 100000] [--edit-sizes 100000]

``closure``: for the curated data (ontology and data of the checkout, as ``kg build`` reasons over them) and
for each size of the synthetic graph of ``bench/synthetic.py`` (with the ontology; each evidence annotation's
target and selector blank nodes, as in the curated data): the median of ``--runs`` runs of
``kg.pipeline.reason.infer`` (the rules, with the filters and the result graph the build gets), the
peak resident memory it added (sampled every 10 ms, from what the process held with its free heap
returned to the system), and, for graphs up to ``--owlrl-max`` triples (0: none),
the median of owlrl's own closure (``reference=True``), the ratio and whether the two closures are the same
graph (they must be; the run stops if not).

``edit``: for the curated project and, for each of ``--edit-sizes``, the curated project plus a synthetic
``data/synthetic.ttl`` of that many triples (as ``bench/build.py`` makes it): one curated source file edited
(its triples taken out and put back with one statement's speaker changed), or taken out. The medians of a
full closure of the edited graph (``infer``), of making the state of the graph before the edit
(``IncrementalClosure.of``, ``inferred()`` and ``save``: what a build that keeps the state does the first
time), of loading that state, of updating it, of ``inferred()`` (the graph ``infer`` gives) and of
``inferred_triples()`` (the same triples, not put in a graph), the work the update did, and whether its
``inferred()`` is the full closure's (it must be; the run stops if not).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import generate  # noqa: E402  (bench/ is the script's folder)

from kg.pipeline.load import load_project  # noqa: E402
from kg.pipeline.reason import infer  # noqa: E402
from kg.pipeline.rules import IncrementalClosure  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
T = TypeVar("T")


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


def closure_table(args: argparse.Namespace) -> None:
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


# -- an edit of one file -------------------------------------------------------------------------

EDITED = "https://w3id.org/peace-talks-kg/graph/data/source-000.ttl"
SPEAKER = URIRef("https://w3id.org/peace-talks-kg/ontology#speaker")


def project_graph(size: int) -> tuple[Graph, set]:
    """Ontology + data of the curated project, plus a synthetic data file of about ``size``
    triples (none: 0), as ``bench/build.py`` makes it; and the triples of the edited file."""
    project = load_project(REPO)
    graph = project.graph("ontology", "data")
    if size:
        text = generate(size, blank_nodes=True, conforming=True, focus=0.7)
        lines = (line.rsplit(" ", 2)[0] + " ." for line in text.splitlines() if line)
        graph.parse(data="\n".join(lines), format="nt")
    (edited,) = [g for g in project.dataset.graphs() if str(g.identifier) == EDITED]
    return graph, set(edited)


def speaker_changed(graph: Graph, triples: set) -> set:
    """``triples`` with the speaker of the first statement that has one changed to another."""
    statement, speaker = min(((s, o) for s, p, o in triples if p == SPEAKER), key=str)
    other = min((o for o in set(graph.objects(None, SPEAKER)) if o != speaker), key=str)
    return (triples - {(statement, SPEAKER, speaker)}) | {(statement, SPEAKER, other)}


def timed(work: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def edit_row(name: str, graph: Graph, edit: str, added: set, removed: set, runs: int) -> str:
    target = Graph()
    for triple in graph:
        if triple not in removed or triple in added:
            target.add(triple)
    for triple in added:
        target.add(triple)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "closure.state"

        def first_build() -> None:
            state = IncrementalClosure.of(graph)
            state.inferred()
            state.save(path)

        full, first, load, update, inferred, streamed = [], [], [], [], [], []
        for _ in range(runs):
            full.append(timed(lambda: infer(target))[0])
            first.append(timed(first_build)[0])
            seconds, state = timed(lambda: IncrementalClosure.load(path))
            load.append(seconds)
            seconds, report = timed(lambda: state.update(added, removed))  # noqa: B023
            update.append(seconds)
            seconds, found = timed(state.inferred)
            inferred.append(seconds)
            streamed.append(timed(lambda: sum(1 for _ in state.inferred_triples()))[0])  # noqa: B023
        size = path.stat().st_size
    same = isomorphic(found, infer(target))
    med = [statistics.median(times) for times in (full, first, load, update, inferred, streamed)]
    row = (
        f"| {name} | {len(graph):,} | {edit} | {med[0]:.2f} s | {med[1]:.2f} s | "
        f"{size / 2**20:.1f} MB | {med[2]:.2f} s | {med[3]:.3f} s | {med[4]:.2f} s | "
        f"{med[5]:.2f} s | {med[2] + med[3] + med[5]:.2f} s | {report.over_deleted:,} / "
        f"{report.rederived:,} / {report.fired:,} | {'yes' if same else 'NO'} |"
    )
    if not same:
        print(row)
        raise SystemExit("the updated closure is not the full closure")
    return row


def edit_table(args: argparse.Namespace) -> None:
    print(f"Median of {args.runs} runs, an edit of data/source-000.ttl:\n")
    print(
        "| graph | triples | edit | full closure | of + inferred + save | state file | load | "
        "update | inferred() | inferred_triples() | load + update + inferred_triples() | "
        "over-deleted / re-derived / fired | same closure |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in [0, *args.edit_sizes]:
        graph, triples = project_graph(size)
        name = f"{size:,}" if size else "curated"
        changed = speaker_changed(graph, triples)
        for edit, added, removed in [
            ("a speaker changed", changed, triples),
            ("the file taken out", set(), triples),
        ]:
            print(edit_row(name, graph, edit, added, removed, args.runs), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tables", nargs="*", choices=["closure", "edit"], default=["closure", "edit"]
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--owlrl-max", type=int, default=100_000)
    parser.add_argument("--edit-sizes", type=int, nargs="*", default=[100_000])
    args = parser.parse_args()
    if "closure" in args.tables:
        closure_table(args)
    if "edit" in args.tables:
        print()
        edit_table(args)


if __name__ == "__main__":
    main()
