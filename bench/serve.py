"""Cold start and memory of ``kg serve``, serving a synthetic graph the old way (every process
loads its own in-memory copy) and from the on-disk store opened read-only.

    .venv/bin/python bench/serve.py [--sizes 100000 1000000] [--runs 1] [--workers 2] [--derived]
                                    [--disk-only]

For each size: generate the synthetic graph of ``bench/synthetic.py`` (with ``--derived``, that of
``bench/questions.py``: with the ontology and the lifecycles ``kg build`` derives, which the
questions' index holds), write it as N-Quads with
its manifest (``kg.pipeline.manifest``), its on-disk store (``kg.store.ondisk.write_store``) and
the questions' index (``kg.pipeline.questions_index.write_index``), as ``kg build`` writes them
(no SHACL, no OWL 2 RL). Then for each way start ``kg serve --dataset
FILE --workers N`` (with ``--store oxigraph-memory``: the old way) and time, from the start of the
process, its first answered ``/sparql`` query: ``kg serve`` starts its workers before it listens,
so they are all up by then; with it, the CPU time the app and its slowest worker had used by
then, which is what that start costs on an idle machine (the workers start in parallel, after
the app has opened its store). After ``--settle`` seconds, read the RSS and the PSS
(``/proc/PID/smaps_rollup``) of the app and of its workers, summed: PSS counts a page that n
processes share as 1/n in each, so the sum is what they take together. Then send the typical
queries of ``bench/engines.py`` through ``/sparql`` once each and read them again. The medians of
``--runs`` starts. The store's files were just written, so they are in the page cache: a cold
start of the processes, not of the disk. Linux (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from engines import QUERIES
from soak import REPO, descendants, free_port, stop_server
from synthetic import generate

from kg.pipeline.manifest import write_manifest
from kg.pipeline.questions_index import write_index
from kg.store.ondisk import write_store

WAYS = {"in memory (before)": ["--store", "oxigraph-memory"], "on disk (after)": []}
FIRST = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})


def prepare(size: int, folder: Path, derived: bool) -> tuple[Path, int, float]:
    """The synthetic graph as N-Quads (with ``derived``, the graph of ``bench/questions.py``:
    with the ontology and the derived lifecycles the questions read) with its manifest, store
    and index; its quads, and the seconds the store and the index took to write."""
    if derived:
        from questions import build_file

        path = build_file(size, folder)[0]
        data = path.read_bytes()
    else:
        path = folder / f"synthetic-{size}.nq"
        data = generate(size).encode("utf-8")
        path.write_bytes(data)
    write_manifest(path, data)
    started = time.perf_counter()
    write_store(path, data)
    write_index(path, data)
    return path, data.count(b"\n"), time.perf_counter() - started


def start(
    path: Path, options: list[str], workers: int
) -> tuple[subprocess.Popen, str, float, float]:
    """Start ``kg serve`` on ``path``; return it, its base URL, the seconds to its first
    answered query and the CPU seconds the app and its slowest worker had used then."""
    port = free_port()
    command = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--dataset", str(path), "--workers", str(workers), *options]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode}: {' '.join(command)}")
        try:
            with urllib.request.urlopen(base + FIRST, timeout=60) as reply:
                reply.read()
            seconds = time.perf_counter() - started
            slowest = max(cpu_seconds(pid) for pid in workers_of(process.pid))
            return process, base, seconds, cpu_seconds(process.pid) + slowest
        except (OSError, urllib.error.URLError):
            time.sleep(0.02)


def workers_of(server: int) -> list[int]:
    return [
        pid
        for pid in descendants(server)
        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(server: int) -> tuple[float, float, int]:
    """The summed RSS and PSS of the app and its query workers, in MB, and how many workers."""
    workers = workers_of(server)
    rss = pss = 0
    for pid in (server, *workers):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == "Rss":
                rss += int(value.split()[0])
            elif name == "Pss":
                pss += int(value.split()[0])
    return rss / 1024, pss / 1024, len(workers)


def query_round(base: str) -> None:
    """Each typical query of bench/engines.py once, through /sparql (on the workers)."""
    for sparql in QUERIES.values():
        url = f"{base}/sparql?{urllib.parse.urlencode({'query': sparql})}"
        with urllib.request.urlopen(url, timeout=120) as reply:
            reply.read()


def measure(path: Path, options: list[str], args: argparse.Namespace) -> dict[str, float]:
    """One start of ``kg serve``: seconds to the first answer, memory at rest and after queries."""
    process, base, seconds, cpu = start(path, options, args.workers)
    try:
        time.sleep(args.settle)
        rss, pss, workers = memory_mb(process.pid)
        query_round(base)
        time.sleep(args.settle)
        rss_after, pss_after, _ = memory_mb(process.pid)
    finally:
        stop_server(process)
    return {
        "start": seconds,
        "cpu": cpu,
        "rss": rss,
        "pss": pss,
        "workers": workers,
        "rss_after": rss_after,
        "pss_after": pss_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="seconds before reading memory (the app loads the questions' index meanwhile)",
    )
    parser.add_argument(
        "--disk-only",
        action="store_true",
        help="serve from the on-disk store only (not the old way)",
    )
    parser.add_argument(
        "--derived",
        action="store_true",
        help="serve the graph of bench/questions.py: with the derived lifecycles (and so an index)",
    )
    args = parser.parse_args()

    header = (
        "| triples | quads | store and index written in | serving | workers | start to first answer "
        "| its CPU time | RSS at rest | PSS at rest | RSS after queries | PSS after queries |"
    )
    print(header + "\n" + "|---" * header.count(" | ") + "|---|", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path, quads, store_seconds = prepare(size, Path(tmp), args.derived)
            for way, options in WAYS.items():
                if args.disk_only and options:
                    continue
                runs = [measure(path, options, args) for _ in range(args.runs)]
                m = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                print(
                    f"| {size:,} | {quads:,} | {store_seconds:.1f} s | {way} | {m['workers']:.0f} "
                    f"| {m['start']:.2f} s | {m['cpu']:.2f} s | {m['rss']:.0f} MB | {m['pss']:.0f} MB "
                    f"| {m['rss_after']:.0f} MB | {m['pss_after']:.0f} MB |",
                    flush=True,
                )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(took {time.perf_counter() - started:.0f} s)")
