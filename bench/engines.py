"""Measure the embedded-store candidates on a synthetic graph shaped like ours.

    python bench/engines.py [--sizes 10000 100000] [--runs 5]

Prints, per engine and size: load time and peak RSS of a fresh process, and the median (after one
warm-up) of typical queries. The figures justify the store choice recorded in docs/stores.md (and are tabled in docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

PREFIXES = """PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

QUERIES = {
    "lookup of one resource": "SELECT ?p ?o WHERE { <https://w3id.org/peace-talks-kg/id/statement/s1> ?p ?o }",
    "one actor's timeline": """SELECT ?st ?date ?stance ?quote WHERE {
  ?st pt:speaker <https://w3id.org/peace-talks-kg/id/actor/speaker-1> ; pt:stance ?stance ;
      pt:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
  OPTIONAL { ?st pt:date ?date } } ORDER BY ?date""",
    "counts per topic per year": """SELECT ?topic ?year (COUNT(*) AS ?n) WHERE {
  ?st pt:about/skos:broader ?topic ; pt:date ?date .
  BIND (SUBSTR(STR(?date), 1, 4) AS ?year) } GROUP BY ?topic ?year""",
    "demanded-vs-rejected conflicts": """SELECT DISTINCT ?position ?a ?b WHERE {
  ?s1 pt:about ?position ; pt:onBehalfOf ?a ; pt:stance pt:Demands .
  ?s2 pt:about ?position ; pt:onBehalfOf ?b ; pt:stance pt:Rejects .
  FILTER (?a != ?b) }""",
}

CHILD = r"""
import json, resource, statistics, sys, time
from kg.store import open_store
engine, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = json.loads(sys.stdin.read())
store = open_store(engine)
t = time.perf_counter(); store.load_file(__import__('pathlib').Path(path)); load = time.perf_counter() - t
out = {"load_s": load, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "queries": {}}
for name, q in queries.items():
    times = []
    for i in range(runs + 1):
        t = time.perf_counter(); r = store.query(q); n = len(r) if hasattr(r, "__len__") else 1
        if i: times.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - t > 20: break
    slow = (time.perf_counter() - t) * 1000
    out["queries"][name] = {"median_ms": statistics.median(times) if times else None, "rows": n, "first_ms": slow}
print(json.dumps(out))
"""


def measure(engine: str, path: Path, runs: int) -> dict:
    queries = {k: PREFIXES + v for k, v in QUERIES.items()}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(path), str(runs)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    from synthetic import generate

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", nargs="+", default=["oxigraph", "rdflib"])
    parser.add_argument(
        "--rdflib-max", type=int, default=100_000, help="skip rdflib above this size"
    )
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"synthetic-{size}.nq"
            path.write_text(generate(size), encoding="utf-8")
            for engine in args.engines:
                if engine == "rdflib" and size > args.rdflib_max:
                    continue
                rows.append((engine, size, measure(engine, path, args.runs)))

    names = list(QUERIES)
    header = ["engine", "triples", "load s", "RSS MB", *names]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for engine, size, m in rows:
        cells = [engine, f"{size:,}", f"{m['load_s']:.2f}", f"{m['rss_mb']:.0f}"]
        for name in names:
            q = m["queries"][name]
            cells.append(
                f">{q['first_ms'] / 1000:.0f} s"
                if q["median_ms"] is None
                else f"{q['median_ms']:.1f} ms"
            )
        print("| " + " | ".join(cells) + " |")
    by = {(e, s): m for e, s, m in rows}
    for size in args.sizes:
        if ("rdflib", size) in by and ("oxigraph", size) in by:
            slow, fast = by[("rdflib", size)]["queries"], by[("oxigraph", size)]["queries"]
            ratios = [
                (slow[n]["median_ms"] or slow[n]["first_ms"])
                / max(fast[n]["median_ms"] or 1e-3, 1e-3)
                for n in names
            ]
            print(
                f"\nrdflib/Oxigraph time ratio at {size:,} triples: median {statistics.median(ratios):.0f}×, "
                f"load {by[('rdflib', size)]['load_s'] / by[('oxigraph', size)]['load_s']:.0f}×"
            )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
