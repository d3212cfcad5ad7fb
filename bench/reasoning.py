"""Time the OWL 2 RL closure the build runs against owlrl's own, on the curated data and on synthetic graphs.

    python bench/reasoning.py [--sizes 10000 30000 100000] [--runs 3]

For the curated data (ontology, shapes and data of the checkout) and for each size of the synthetic graph of
``bench/synthetic.py`` (with the ontology; each evidence annotation's target and selector blank nodes, as in the
curated data): the median of ``--runs`` runs of ``kg.pipeline.reason.infer`` with
owlrl's own semantics (``reference``) and with the semantics the build runs (blank nodes recorded in a set,
``kg.pipeline.reason.BlankNodes``), their ratio, and whether the two closures are the same triples (they must be).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from rdflib import Dataset, Graph

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import generate  # noqa: E402  (bench/ is the script's folder)

from kg.pipeline.load import load_project  # noqa: E402
from kg.pipeline.reason import infer  # noqa: E402


def curated() -> Graph:
    graph = Graph()
    for triple in load_project(REPO).dataset.triples((None, None, None)):
        graph.add(triple)
    return graph


def synthetic(size: int) -> Graph:
    dataset = Dataset()
    dataset.parse(data=generate(size, blank_nodes=True), format="nquads")
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    graph.parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    return graph


def median_time(graph: Graph, runs: int, reference: bool) -> tuple[float, Graph]:
    times, result = [], Graph()
    for _ in range(runs):
        started = time.perf_counter()
        result = infer(graph, "owlrl", reference=reference)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 30_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    graphs = [("curated", curated())] + [(f"{n:,}", synthetic(n)) for n in args.sizes]
    print(f"Median of {args.runs} runs of the OWL 2 RL closure (kg.pipeline.reason.infer):\n")
    print("| graph | triples | owlrl (reference) | the build's | ratio | same closure |")
    print("|---|---|---|---|---|---|")
    for name, graph in graphs:
        slow, expected = median_time(graph, args.runs, reference=True)
        fast, found = median_time(graph, args.runs, reference=False)
        same = set(found) == set(expected)
        print(
            f"| {name} | {len(graph):,} | {slow:.2f} s | {fast:.2f} s | {slow / fast:.2f}× "
            f"| {'yes' if same else 'NO'} |",
            flush=True,
        )
        if not same:
            raise SystemExit("the closures differ")


if __name__ == "__main__":
    main()
