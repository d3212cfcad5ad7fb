"""Time every temporal question on a synthetic graph shaped like ours, on Oxigraph, rdflib and
Apache Jena ARQ, and check that the engines give the same rows.

    python bench/questions.py [--sizes 10000 100000 1000000] [--runs 10] [--rdflib-max 100000]
                              [--engines oxigraph oxigraph-disk oxigraph-disk-plain rdflib jena]
                              [--cache /tmp/ptkg-bench]

For each size: generate the synthetic graph of ``bench/synthetic.py`` (parties, speakers, positions
in a SKOS taxonomy, dated statements with stances and evidence; each party with its own demands,
rejections aimed at a rival's; plus ``pt:contradicts`` between 10% of the positions and
``pt:supersedes`` for 2% of the statements), add the ontology, derive the lifecycles as
``kg build`` does (``kg/pipeline/derive.py``), and write one N-Quads file (kept in ``--cache``)
with what ``kg build`` writes beside it: its manifest, its on-disk store and the questions' index
(``kg/pipeline/questions_index.py``).

Oxigraph first, in a process of its own: it binds each question's query (``ask-*.rq`` with the
parameters bound, the first page's ``LIMIT``) and times it, then the whole answer of
``kg.questions.ask()`` (evidence, labels and undated statements included; the first page of 25
items, the default, unless the row says otherwise), once read afresh (as ``kg ask`` does) and once
with a :class:`~kg.questions.memo.StoreMemo` kept from question to question (as ``kg serve``
does). ``oxigraph-disk`` does the same on the on-disk store, as ``kg serve`` serves it: the
store opened read-only, the question's query timed on it, and the memo given the questions' index
in memory (which the whole answer read afresh, as ``kg ask`` reads it, has not); its "loaded" time
is the index's; ``oxigraph-disk-plain`` is the on-disk store without the index (as before it).
rdflib (in a process of its own, up to ``--rdflib-max``) and Jena ARQ (``bench/jena.py``:
one JVM, the data loaded once) then run the very same query texts, and their rows are compared with
Oxigraph's: in order where the query orders them, else as multisets; each difference is printed
and counted. Every figure is the median of ``--runs`` runs after one warm-up; a question whose run
takes longer than ``--budget`` seconds is reported as ``> budget``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
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
from kg.questions.memo import StoreMemo
from kg.store import open_store
engine, path, runs, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
given = json.loads(sys.stdin.read())
questions, texts = given["questions"], given.get("texts")

class Slow(Exception):
    pass

def alarm(signum, frame):
    raise Slow()

def timed(run, times):
    signal.setitimer(signal.ITIMER_REAL, budget)
    t = time.perf_counter()
    found = run()
    elapsed = (time.perf_counter() - t) * 1000
    signal.setitimer(signal.ITIMER_REAL, 0)
    times.append(elapsed)
    return found

def median_of(run, times):
    # one warm-up, then `runs` runs; None when a run is over the budget
    try:
        for i in range(runs + 1):
            found = timed(run, times if i else [])
    except Slow:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return None, None
    return statistics.median(times), found

def cell(term):
    return None if term is None else term.n3()

signal.signal(signal.SIGALRM, alarm)
if engine.startswith("oxigraph-disk"):
    from kg.pipeline.questions_index import QUERIES, index_of_store
    from kg.questions.memo import Index
    from kg.store.ondisk import open_read_only, store_path
    store = open_read_only(store_path(Path(path)))
    memo = StoreMemo(store)
    t = time.perf_counter()
    if engine == "oxigraph-disk":
        memo.index = Index(index_of_store(store.folder), QUERIES)
    load = time.perf_counter() - t
else:
    store = open_store(engine)
    t = time.perf_counter(); store.load_file(Path(path)); load = time.perf_counter() - t
    memo = StoreMemo(store)
out = {"load_s": load, "questions": {}}
for name, (question, params) in questions.items():
    if question not in ("conflicts", "timeline"):
        params = {"party": "party-0", **params}
    text = texts[name] if texts else question_query(store, question, params)
    result = {"text": text, "query_ms": None, "rows": None, "items": None}
    result["query_ms"], found = median_of(lambda: store.query(text), [])
    if found is not None:
        result["variables"] = found.variables
        result["rows"] = [[cell(t) for t in row] for row in found.rows]
    if engine.startswith("oxigraph"):
        # the whole answer: read afresh (no memo: as `kg ask` does) and with the memo a server keeps
        result["afresh_ms"], _ = median_of(lambda: ask(store, question, params), [])
        result["answer_ms"], answer = median_of(lambda: ask(store, question, params, memo), [])
        if answer is not None:
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


def cached_file(size: int, folder: Path) -> tuple[Path, int]:
    """:func:`build_file` into ``folder``, kept there: a later run (or ``bench/api.py``) takes the
    file made before (the synthetic graph is the same for a size: it is seeded)."""
    from kg.pipeline.manifest import write_manifest
    from kg.pipeline.questions_index import index_path, write_index
    from kg.store.ondisk import store_path, write_store

    folder.mkdir(parents=True, exist_ok=True)
    path, count = folder / f"questions-{size}.nq", folder / f"questions-{size}.count"
    if not (path.is_file() and count.is_file()):
        quads = build_file(size, folder)[1]
        count.write_text(str(quads), encoding="utf-8")
    if not (store_path(path).is_dir() and index_path(path).is_file()):
        data = path.read_bytes()  # what `kg build` writes beside the artefact
        write_manifest(path, data)
        write_store(path, data)
        write_index(path, data)
    return path, int(count.read_text(encoding="utf-8"))


def measure(engine: str, path: Path, runs: int, budget: float, texts: dict | None) -> dict:
    """Time the questions on ``engine`` in a process of its own (the queries' texts as given, else
    bound there)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(path), str(runs), str(budget)],
        input=json.dumps({"questions": QUESTIONS, "texts": texts}),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if done.returncode != 0:
        raise SystemExit(f"{engine} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(done.stdout)


def measure_jena(path: Path, runs: int, budget: float, texts: dict[str, str]) -> dict:
    """Time the same query texts on Jena ARQ (``bench/jena.py``), in the shape of :func:`measure`."""
    from jena import run_queries

    load_s, found = run_queries(path, texts, runs, budget)
    questions = {}
    for name, timed in found.items():
        rows = None
        if timed.rows is not None:
            rows = [[None if t is None else t.n3() for t in row] for row in timed.rows]
        questions[name] = {"query_ms": timed.median_ms, "variables": timed.variables, "rows": rows}
    return {"load_s": load_s, "rss_mb": None, "questions": questions}


def ordered(text: str) -> bool:
    """Whether the query orders its rows (an ORDER BY outside any sub-query: at the start of a
    line, as the project's queries are written)."""
    return re.search(r"^ORDER BY", text, re.M) is not None


def differences(reference: dict, other: dict) -> list[str]:
    """How ``other``'s rows differ from ``reference``'s, question by question: as lists where
    the query orders its rows, else as multisets; a question over the budget on either is not
    compared."""
    found = []
    for name, ref in reference["questions"].items():
        got = other["questions"].get(name, {})
        if ref.get("rows") is None or got.get("rows") is None:
            continue
        columns = [got["variables"].index(v) for v in ref["variables"]]
        theirs = [tuple(row[i] for i in columns) for row in got["rows"]]
        ours = [tuple(row) for row in ref["rows"]]
        if not ordered(ref["text"]):
            ours, theirs = sorted(ours, key=repr), sorted(theirs, key=repr)
        if ours != theirs:
            extra = len(set(theirs) - set(ours))
            missing = len(set(ours) - set(theirs))
            how = "in another order" if not extra and not missing else ""
            found.append(
                f"{name}: {len(theirs)} rows against {len(ours)}"
                f" ({extra} not in Oxigraph's, {missing} of Oxigraph's missing) {how}".rstrip()
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--engines", nargs="+", default=["oxigraph", "rdflib", "jena"])
    parser.add_argument(
        "--rdflib-max", type=int, default=100_000, help="skip rdflib above this size"
    )
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds allowed per question run"
    )
    parser.add_argument(
        "--cache", type=Path, default=Path("/tmp/ptkg-bench"), help="where the graphs are kept"
    )
    args = parser.parse_args()

    columns = []
    disagreements = 0
    for size in args.sizes:
        path, quads = cached_file(size, args.cache)
        reference = measure("oxigraph", path, args.runs, args.budget, None)
        texts = {name: q["text"] for name, q in reference["questions"].items()}
        columns.append(("oxigraph", size, quads, reference))
        for engine in args.engines:
            if engine == "oxigraph" or (engine == "rdflib" and size > args.rdflib_max):
                continue
            if engine == "jena":
                result = measure_jena(path, args.runs, args.budget, texts)
            else:
                result = measure(engine, path, args.runs, args.budget, texts)
            columns.append((engine, size, quads, result))
            for line in differences(reference, result):
                disagreements += 1
                print(f"  DIFFERENT {engine} {size:,}: {line}", file=sys.stderr)
        for engine, s, _q, result in columns:
            if s == size:
                rss = result.get("rss_mb")
                print(
                    f"  {engine} {size:,}: {quads:,} quads loaded in {result['load_s']:.2f} s"
                    + (f", peak RSS {rss:.0f} MB" if rss is not None else ""),
                    file=sys.stderr,
                )
    report(columns, args.budget, args.runs)
    print(f"\nanswers compared with Oxigraph's: {disagreements} differ")


def report(columns: list, budget: float, runs: int) -> None:
    """The three tables: each engine's query, the whole answer read afresh, the whole answer
    with the memo kept."""
    names = {
        "oxigraph": "Oxigraph",
        "oxigraph-disk": "Oxigraph on disk",
        "oxigraph-disk-plain": "on disk, no index",
        "rdflib": "rdflib",
        "jena": "Jena ARQ",
    }
    tables = (
        ("query_ms", "the question's query (kg/queries/ask-*.rq, parameters bound)", None),
        ("afresh_ms", "the whole answer of kg.questions.ask(), read afresh", "oxigraph"),
        ("answer_ms", "the whole answer of kg.questions.ask() with a StoreMemo kept", "oxigraph"),
    )
    for key, what, only in tables:
        shown = [c for c in columns if only is None or c[0].startswith(only)]
        print(f"\nMedian of {runs} runs of {what}:\n")
        header = ["question", *(f"{names[e]} {s:,}" for e, s, _, _ in shown)]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for name in QUESTIONS:
            cells = [name]
            for _engine, _size, _quads, result in shown:
                value = result["questions"].get(name, {}).get(key)
                cells.append(f"> {budget:.0f} s" if value is None else f"{value:.1f} ms")
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
