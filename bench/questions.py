"""Time every temporal question on a synthetic graph shaped like ours, on Oxigraph and on rdflib.

    python bench/questions.py [--sizes 10000 100000 1000000] [--runs 5] [--rdflib-max 100000]
        [--engines oxigraph oxigraph-disk rdflib]

For each size: generate the synthetic graph of ``bench/synthetic.py`` (parties, speakers, positions
in a SKOS taxonomy, dated statements with stances and evidence; each party with its own demands,
rejections aimed at a rival's; plus ``pt:contradicts`` between 10% of the positions and
``pt:supersedes`` for 2% of the statements), add the ontology, derive the
lifecycles as ``kg build`` does (``kg/pipeline/derive.py``), and write one N-Quads file. Then, in a fresh
process per engine, load it (``oxigraph-disk``: open the on-disk store ``kg build`` would write
beside it, read-only, as the server does) and time, for each question, its SPARQL query alone (``ask-*.rq`` with
the parameters bound) and the whole answer of ``kg.questions.ask()`` (evidence, labels and undated
statements included; the first page of 25 items, the default, unless the row says otherwise): the median of ``--runs`` runs after one warm-up. A question whose warm-up takes
longer than ``--budget`` seconds is reported as ``> budget`` and not repeated.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

QUESTIONS = {
    "persisted (attested)": ("persisted", {"from": "2018-06", "to": "2022-07", "mode": "attested"}),
    "persisted (in-force)": ("persisted", {"from": "2018-06", "to": "2022-07", "mode": "in-force"}),
    "added": ("added", {"from": "2018-06", "to": "2022-07"}),
    "dropped": ("dropped", {"from": "2018-06", "to": "2022-07"}),
    "re-emerged": ("re-emerged", {"from": "2016", "to": "2022"}),
    "position": ("position", {"at": "2020-06"}),
    "diff": ("diff", {"from": "2018-06", "to": "2022-07"}),
    "conflicts (one party)": ("conflicts", {"at": "2020-06", "party": "party-0"}),
    "conflicts (all parties)": ("conflicts", {"at": "2020-06"}),
    "timeline": ("timeline", {"position": "position-1"}),
    "position, every item": ("position", {"at": "2020-06", "limit": "all"}),
    "conflicts (all parties), every item": ("conflicts", {"at": "2020-06", "limit": "all"}),
}
"""Row name → (question, parameters); the party questions ask about ``party-0``. Each asks for the
first page (25 items, the default) but the last two, which ask for every item at once."""

CHILD = r"""
import json, resource, signal, statistics, sys, time
from pathlib import Path
from kg.questions import ask, question_query
from kg.store import open_store
engine, path, runs, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
questions = json.loads(sys.stdin.read())

class Slow(Exception):
    pass

def alarm(signum, frame):
    raise Slow()

signal.signal(signal.SIGALRM, alarm)
t = time.perf_counter()
if engine == "oxigraph-disk":  # the store kg build writes beside the file, opened as served
    from kg.store.ondisk import open_read_only, store_path
    store = open_read_only(store_path(Path(path)))
else:
    store = open_store(engine)
    store.load_file(Path(path))
load = time.perf_counter() - t
out = {"load_s": load, "questions": {}}
for name, (question, params) in questions.items():
    if question not in ("conflicts", "timeline"):
        params = {"party": "party-0", **params}
    result = {"query_ms": None, "answer_ms": None, "items": None}
    text = question_query(store, question, params)
    for key, run in (("query_ms", lambda: store.query(text)), ("answer_ms", lambda: ask(store, question, params))):
        times = []
        try:
            for i in range(runs + 1):
                signal.setitimer(signal.ITIMER_REAL, budget)
                t = time.perf_counter()
                answer = run()
                elapsed = time.perf_counter() - t
                signal.setitimer(signal.ITIMER_REAL, 0)
                if i:
                    times.append(elapsed * 1000)
        except Slow:
            signal.setitimer(signal.ITIMER_REAL, 0)
            break
        result[key] = statistics.median(times)
        if key == "answer_ms":
            result["items"] = [len(answer.items), sum(len(i.evidence) for i in answer.items), len(answer.undated)]
    out["questions"][name] = result
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def build_file(size: int, folder: Path) -> tuple[Path, int]:
    """Synthetic data + ontology + derived lifecycles as one N-Quads file; return it and its quad count."""
    from rdflib import Graph
    from synthetic import generate

    from kg.pipeline.derive import derive
    from kg.rdf.namespaces import DERIVED_GRAPH, GRAPH
    from kg.rdf.results import SelectResult
    from kg.store import OxigraphStore

    data = generate(size, contradictions=0.1, supersessions=0.02, focus=0.9)
    ontology = Graph().parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    graph = f"<{GRAPH['ontology/ptkg.ttl']}>"
    lines = [f"{s.n3()} {p.n3()} {o.n3()} {graph} ." for s, p, o in ontology]
    path = folder / f"questions-{size}.nq"
    path.write_text(data + "\n".join(lines) + "\n", encoding="utf-8")
    store = OxigraphStore()
    store.load_file(path)

    def select(sparql: str) -> SelectResult:
        result = store.query(sparql)
        assert isinstance(result, SelectResult)
        return result

    started = time.perf_counter()
    derived = [f"{s.n3()} {p.n3()} {o.n3()} <{DERIVED_GRAPH}> ." for s, p, o in derive(select)]
    print(
        f"  {size:,}: derived {len(derived):,} quads in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(derived) + "\n")
    return path, data.count("\n") + len(lines) + len(derived)


def measure(engine: str, path: Path, runs: int, budget: float) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(path), str(runs), str(budget)],
        input=json.dumps(QUESTIONS),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engines", nargs="+", default=["oxigraph", "rdflib"])
    parser.add_argument(
        "--rdflib-max", type=int, default=100_000, help="skip rdflib above this size"
    )
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds allowed per question run"
    )
    args = parser.parse_args()

    columns = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path, quads = build_file(size, Path(tmp))
            if "oxigraph-disk" in args.engines:
                from kg.store.ondisk import write_store

                write_store(path, path.read_bytes())
            for engine in args.engines:
                if engine == "rdflib" and size > args.rdflib_max:
                    continue
                result = measure(engine, path, args.runs, args.budget)
                columns.append((engine, size, quads, result))
                print(
                    f"  {engine} {size:,}: {quads:,} quads loaded in {result['load_s']:.2f} s, "
                    f"peak RSS {result['rss_mb']:.0f} MB",
                    file=sys.stderr,
                )

    names = {"oxigraph": "Oxigraph", "oxigraph-disk": "Oxigraph on disk", "rdflib": "rdflib"}
    for key, what in (
        ("query_ms", "the question's query (kg/queries/ask-*.rq, parameters bound)"),
        ("answer_ms", "the whole answer (kg.questions.ask: query, evidence, labels, undated)"),
    ):
        print(f"\nMedian time of {what}:\n")
        header = ["question", *(f"{names[e]} {s:,}" for e, s, _, _ in columns)]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for name in QUESTIONS:
            cells = [name]
            for _engine, _size, _quads, result in columns:
                value = result["questions"][name][key]
                cells.append(f"> {args.budget:.0f} s" if value is None else f"{value:.1f} ms")
            print("| " + " | ".join(cells) + " |")
    print()
    print("answer sizes (items / evidence statements / undated) on Oxigraph:")
    for engine, size, quads, result in columns:
        if engine == "oxigraph":
            sizes = ", ".join(
                f"{name} {'/'.join(map(str, q['items'] or ()))}"
                for name, q in result["questions"].items()
            )
            print(f"  {size:,} ({quads:,} quads with ontology and derived lifecycles): {sizes}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
