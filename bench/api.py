"""Requests per second of ``/api/ask/<question>`` from the real ``kg serve``, at a million triples.

    python bench/api.py [--size 1000000] [--dataset FILE] [--clients 1 4 16] [--seconds 10]
                        [--store oxigraph-memory] [--settle 10]

Starts ``kg serve --dataset FILE`` on 127.0.0.1 (a free port) with the synthetic graph of
``bench/questions.py`` (built once into ``--cache`` with what ``kg build`` writes beside it, or
``--dataset`` as given): served from its on-disk store, as ``kg serve`` serves a build, or with
``--store`` as given (``oxigraph-memory``: loaded into memory). It waits ``--settle`` seconds
(the app loads the questions' index meanwhile), and drives it with
1, 4 and 16 concurrent clients, each a process of its own holding one keep-alive connection,
asking for ``--seconds`` each. Two request mixes:

- ``repeated``: three requests over and over (persisted in-force, position and conflicts of
  ``party-0``), as a page that many readers open;
- ``varied``: the same three questions, each time for another party and period (every party of
  the graph, 96 periods), so that no answer is asked for twice.

Before a mix is timed, each of its parties is asked about once (another period for the varied mix):
a server warms up, as the first answer about a party reads its labels and undated statements. Printed: requests per second, the median and
the 99th percentile latency, and any response that was not a 200 with JSON.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import multiprocessing as mp
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

PERIODS = [(f"{y}-{m:02d}", f"{y + 4}-{m:02d}") for y in range(2014, 2022) for m in range(1, 13)]
"""96 pairs of periods, four years apart, for the varied mix."""


def ask(question: str, **params: str) -> str:
    """The path of a question with its parameters."""
    return f"/api/ask/{question}?{urlencode(params)}"


def three(party: str, start: str, end: str) -> list[str]:
    """The three questions of a mix about ``party`` and two periods."""
    return [
        ask("persisted", party=party, mode="in-force", **{"from": start, "to": end}),
        ask("position", party=party, at=end),
        ask("conflicts", party=party, at=start),
    ]


def requests(mix: str, parties: list[str]) -> list[str]:
    """The paths of a mix (see the module's description)."""
    if mix == "repeated":
        return three("party-0", "2018-06", "2022-07")
    return [
        path
        for (start, end), party in itertools.product(PERIODS, parties)
        for path in three(party, start, end)
    ]


def client(port: int, paths: list[str], offset: int, seconds: float, out: mp.Queue) -> None:
    """Ask for ``paths`` in turn (from ``offset``) on one keep-alive connection for ``seconds``;
    put the latencies (s) and the failures on ``out``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.perf_counter() + seconds
    n = offset
    while time.perf_counter() < stop:
        path = paths[n % len(paths)]
        n += 1
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200 or not body.startswith(b"{"):
            failures.append(f"{response.status} {path}")
    connection.close()
    out.put((latencies, failures))


def drive(
    port: int, paths: list[str], clients: int, seconds: float, start: int = 0
) -> dict[str, float | int | str]:
    """``clients`` processes asking at once, from ``start`` on in ``paths``, each client a
    stretch of its own; their requests per second and latencies."""
    out: mp.Queue = mp.Queue()
    step = max(1, (len(paths) - start) // clients)
    workers = [
        mp.Process(target=client, args=(port, paths, start + i * step, seconds, out))
        for i in range(clients)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for w in workers:
        w.join()
    latencies = sorted(t for r in results for t in r[0])
    failures = [f for r in results for f in r[1]]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "failures": len(failures),
        "first_failure": failures[0] if failures else "",
    }


def serve(dataset: Path, store: str | None = None) -> tuple[subprocess.Popen[str], int]:
    """``kg serve`` on a free port of 127.0.0.1 (with ``--store`` when given), once it announces
    where it listens."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", "0"),
            *("--dataset", str(dataset)),
            *(("--store", store) if store else ()),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if found:
            # read on what the server prints (it logs what it cannot answer): a pipe
            # left full would stop the server at its next line
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, int(found.group(1))
    raise SystemExit(f"kg serve stopped before listening (exit {process.wait()})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--dataset", type=Path, help="serve this file instead of building one")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ptkg-bench"))
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--mixes", nargs="+", default=["repeated", "varied"])
    parser.add_argument("--store", help="kg serve --store (default: the on-disk store)")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds before the warm-up")
    args = parser.parse_args()

    dataset = args.dataset
    if dataset is None:
        from questions import cached_file

        dataset = cached_file(args.size, args.cache)[0]
    parties = sorted(
        set(re.findall(r"/actor/(party-\d+)>", dataset.read_text(encoding="utf-8")[:20_000_000]))
    )
    started = time.perf_counter()
    process, port = serve(dataset, args.store)
    print(f"kg serve --dataset {dataset}: listening after {time.perf_counter() - started:.1f} s")
    time.sleep(args.settle)
    rows = []
    try:
        for mix in args.mixes:
            paths = requests(mix, parties)
            warm = time.perf_counter()
            _once(port, paths if mix == "repeated" else _warm(parties))
            print(f"{mix}: warmed up in {time.perf_counter() - warm:.1f} s ({len(paths)} requests)")
            start = 0
            for clients in args.clients:
                result = drive(port, paths, clients, args.seconds, start)
                # the varied mix goes on where the last level stopped: no answer is asked twice
                start = 0 if mix == "repeated" else start + int(result["requests"]) + clients * 20
                rows.append((mix, clients, result))
                print(f"  {clients} clients: {result}", file=sys.stderr)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print("\n| requests | clients | req/s | p50 | p99 | failed |")
    print("|---|---|---|---|---|---|")
    for mix, clients, r in rows:
        print(
            f"| {mix} | {clients} | {r['rps']:.1f} | {r['p50_ms']:.0f} ms | {r['p99_ms']:.0f} ms "
            f"| {r['failures']} {r['first_failure']} |"
        )


def _warm(parties: list[str]) -> list[str]:
    """One request per party and question, for periods the varied mix does not ask about."""
    return [path for party in parties for path in three(party, "2013-03", "2013-09")]


def _once(port: int, paths: list[str]) -> None:
    """Ask for each path once, one after another (the warm-up)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for path in paths:
        connection.request("GET", path)
        connection.getresponse().read()
    connection.close()


if __name__ == "__main__":
    main()
