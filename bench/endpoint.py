"""Drive the real ``/sparql`` endpoint with concurrent keep-alive clients; compare with in-process.

    .venv/bin/python bench/endpoint.py [--clients 1 4 16] [--seconds 5] [--warm-up 1]
        [--dataset FILE | --synthetic TRIPLES] [--query TEXT] [--threads N] [--guard-runs 2000]
        [--log FILE]

Starts ``python -m kg serve --host 127.0.0.1 --port P`` on a free port, on the curated build of the
repository (made on the first start, which may take a minute), on ``--dataset FILE``, or on a
synthetic graph shaped like ours of about ``--synthetic`` triples (``bench/synthetic.py``, the
ontology added). For each count of ``--clients``, that many client processes (separate processes,
so that they do not share the server's interpreter lock; one keep-alive connection each, each
from its own loopback address 127.0.0.N so that the server's per-client limit counts them as the
separate clients they are) connect, and once all have, send ``--query`` by GET as fast as they
are answered: ``--warm-up`` seconds not counted, then ``--seconds`` counted. Printed per count:
requests, requests per second, p50 and p99 latency, errors (any answer but a 200 with a JSON
body, or a broken connection), and the processor time the server's web process and its query
workers spent per answer while counted (from /proc): on a machine shared with other work, a
steadier measure of the server's own cost than the rate. The clients speak HTTP over plain
sockets rather than with ``http.client``, whose parsing of each answer would take a share of the
cores the server is measured on.

Beside it: the same query in this process on pyoxigraph, on the same data (the project's prefixes
prepended, the default graph the union of all graphs, every solution read), in queries per
second, and the endpoint's rate as a share of it. Last, what the guard's decision costs for a few
typical queries: ``check_query`` itself (uncached, the median of ``--guard-runs``; these queries
are read by the recogniser of common queries, ``kg.endpoint.recogniser``), the same with rdflib's
parser deciding (the median of a tenth as many runs), and a decision answered from the app's
memory of decisions (``kg.endpoint.decisions``); ``--guard-runs 0`` leaves that out (to run this
script against code that has no such memory).

The machine's load average is printed first: the figures mean little without it. Standard
library, the project and pyoxigraph only; Linux.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

from soak import free_port, stop_server  # noqa: E402  (a script beside this one)

JSON = "application/sparql-results+json"
QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
"""A simple lookup: the first ten triples of the union of all graphs."""
GUARD_QUERIES = {
    "lookup": QUERY,
    "labels": "SELECT ?s ?label WHERE { ?s a pt:Position ; skos:prefLabel ?label . "
    'FILTER(lang(?label) = "en") } ORDER BY ?label LIMIT 25',
    "counts": "PREFIX ex: <http://example.org/>\n"
    "SELECT ?stance (COUNT(?st) AS ?n) WHERE {\n  ?st pt:stance ?stance .  # every statement\n"
    "  OPTIONAL { ?st pt:date ?d }\n} GROUP BY ?stance ORDER BY DESC(?n)",
    "ask": "ASK { ?s a pt:State }",
}
"""Typical queries whose guard decision is timed."""
START_SECONDS = 300.0


# --- clients (each in its own process) ----------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection from a loopback address of its own, sending one
    request again and again. Plain sockets rather than ``http.client``: the clients share the
    machine's cores with the server, and ``http.client`` parses every response's headers with
    the ``email`` package, several times the cost of this, which would be counted against the
    server. Reads answers with a ``Content-Length`` (the server gives every answer here one)."""

    def __init__(self, port: int, source: str, request: bytes) -> None:
        self.port, self.source, self.request = port, source, request
        self.sock: socket.socket | None = None
        self.pending = b""

    def ask(self) -> tuple[int, bytes]:
        """Send the request; the answer's status and body."""
        if self.sock is None:
            self.sock = socket.create_connection(
                ("127.0.0.1", self.port), timeout=60, source_address=(self.source, 0)
            )
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.pending = b""
        self.sock.sendall(self.request)
        while b"\r\n\r\n" not in self.pending:
            self.pending += self._received()
        head, _, rest = self.pending.partition(b"\r\n\r\n")
        length = CONTENT_LENGTH.search(head)
        if length is None or CLOSE.search(head):
            raise http.client.HTTPException("an answer without Content-Length, or closing")
        size = int(length.group(1))
        while len(rest) < size:
            rest += self._received()
        self.pending = rest[size:]
        return int(head[9:12]), rest[:size]

    def _received(self) -> bytes:
        assert self.sock is not None
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the server closed the connection")
        return data

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")
CLOSE = re.compile(rb"(?im)^connection:[ \t]*close")


def client(index: int, port: int, path: str, pipe) -> None:
    """Send ``path`` again and again on one keep-alive connection from 127.0.0.(index+2): say
    ready once connected, be told when to start, when to count and when to stop; send back the
    latencies (seconds) of the answers counted, and the errors by kind."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {JSON}\r\n\r\n").encode(
        "ascii"
    )
    connection = Connection(port, f"127.0.0.{index + 2}", request)
    try:
        connection.ask()  # connected, and the query judged once
    except (OSError, http.client.HTTPException):
        connection.close()  # tried again, and counted, when the clock runs
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    pipe.send("ready")
    start_at, count_from, stop_at = pipe.recv()
    time.sleep(max(0.0, start_at - time.time()))
    while True:
        began = time.perf_counter()
        now = time.time()
        if now >= stop_at:
            break
        try:
            status, body = connection.ask()
            problem = None if status == 200 and body.startswith(b"{") else status
        except (OSError, http.client.HTTPException) as exc:
            problem = type(exc).__name__
            connection.close()
        if now >= count_from:
            if problem is None:
                latencies.append(time.perf_counter() - began)
            else:
                errors[str(problem)] += 1
    connection.close()
    pipe.send((latencies, dict(errors)))
    pipe.close()


def drive(port: int, path: str, clients: int, warm_up: float, seconds: float, server: int) -> dict:
    """Run ``clients`` client processes, all started together once every one is connected
    (starting a process takes a good part of a second on a busy machine); their pooled
    figures, and the processor time the server's web process and its query workers spent
    while they were counted."""
    context = multiprocessing.get_context("spawn")
    pipes, processes = [], []
    for index in range(clients):
        mine, theirs = context.Pipe()
        process = context.Process(target=client, args=(index, port, path, theirs))
        process.start()
        theirs.close()
        pipes.append(mine)
        processes.append(process)
    for pipe in pipes:
        pipe.recv()  # "ready"
    start_at = time.time() + 0.2
    count_from, stop_at = start_at + warm_up, start_at + warm_up + seconds
    for pipe in pipes:
        pipe.send((start_at, count_from, stop_at))
    time.sleep(max(0.0, count_from - time.time()))
    web, workers = cpu_seconds(server), sum(map(cpu_seconds, children(server)))
    time.sleep(max(0.0, stop_at - time.time()))
    web, workers = cpu_seconds(server) - web, sum(map(cpu_seconds, children(server))) - workers
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    for pipe in pipes:
        found, failed = pipe.recv()
        latencies += found
        errors.update(failed)
    for process in processes:
        process.join()
    latencies.sort()
    return {
        "clients": clients,
        "answered": len(latencies),
        "rate": len(latencies) / seconds,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "web_cpu": web / max(1, len(latencies)),
        "workers_cpu": workers / max(1, len(latencies)),
    }


def cpu_seconds(pid: int) -> float:
    """Processor time (user and system) process ``pid`` has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the server's query workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of sorted ``values``; NaN for none."""
    if not values:
        return float("nan")
    rank = max(1, round(q / 100 * len(values) + 0.5))
    return values[min(rank, len(values)) - 1]


# --- the server -----------------------------------------------------------------------------------


def start_server(
    dataset: Path | None, log, threads: int | None = None
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if threads is not None:
        command += ["--threads", str(threads)]
    if dataset is not None:
        command += ["--dataset", str(dataset)]
    print("$ " + " ".join(["python", *command[1:]]), flush=True)
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode} while starting")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sparql?query=ASK%7B%7D", headers={"Accept": JSON})
            if connection.getresponse().status == 200:
                connection.close()
                return process, port
        except (OSError, http.client.HTTPException):
            pass
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"kg serve did not answer within {START_SECONDS:g} s")
        time.sleep(0.3)


def synthetic_file(triples: int, folder: Path) -> Path:
    """The synthetic graph of ``bench/synthetic.py`` with the ontology, as N-Quads."""
    from rdflib import Graph
    from synthetic import generate

    from kg.rdf.namespaces import GRAPH

    ontology = Graph().parse(REPO / "ontology" / "ptkg.ttl", format="turtle")
    graph = f"<{GRAPH['ontology/ptkg.ttl']}>"
    lines = [f"{s.n3()} {p.n3()} {o.n3()} {graph} ." for s, p, o in ontology]
    path = folder / f"endpoint-{triples}.nq"
    path.write_text(generate(triples) + "\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- in this process ------------------------------------------------------------------------------


def in_process_rate(dataset: Path, query: str, seconds: float) -> float:
    """Queries per second of ``query`` on pyoxigraph in this process, every solution read."""
    import pyoxigraph as ox

    from kg.store.queries import with_prefixes

    store = ox.Store()
    store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS)
    text = with_prefixes(query)

    def once() -> None:
        result = store.query(text, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)

    for _ in range(50):
        once()
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for _ in range(100):
            once()
        done += 100
    return done / (time.perf_counter() - began)


def guard_costs(runs: int) -> list[tuple[str, float, float, float]]:
    """Per typical query: the median seconds of the guard's decision uncached, uncached with
    rdflib's parser deciding (the recogniser of common queries stepped aside, as for a query
    outside its subset), and cached."""
    from unittest import mock

    from kg.endpoint import guard
    from kg.endpoint.decisions import Decisions

    base = "http://127.0.0.1/sparql"
    decisions = Decisions()
    found = []
    for name, query in GUARD_QUERIES.items():
        guard.check_query(query, base=base)
        uncached = median_seconds(lambda q=query: guard.check_query(q, base=base), runs)
        with mock.patch.object(guard, "recognise", lambda *_: None):
            parsed = median_seconds(lambda q=query: guard.check_query(q, base=base), runs // 10)
        decisions.check(query, base=base)
        cached = median_seconds(lambda q=query: decisions.check(q, base=base), runs)
        found.append((name, uncached, parsed, cached))
    return found


def median_seconds(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


# --- the table ------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds >= 1e-3 else f"{seconds * 1e6:.1f} µs"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=5.0, help="counted seconds per count")
    parser.add_argument("--warm-up", type=float, default=1.0, help="uncounted seconds first")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", type=Path, help="serve this RDF file (N-Quads)")
    source.add_argument("--synthetic", type=int, metavar="TRIPLES", help="a synthetic graph")
    parser.add_argument("--query", default=QUERY)
    parser.add_argument("--threads", type=int, help="kg serve --threads (default: its own)")
    parser.add_argument("--guard-runs", type=int, default=2000, help="0: no guard figures")
    parser.add_argument("--log", type=Path, help="the server's output (default: discarded)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        dataset = args.dataset
        if args.synthetic:
            dataset = synthetic_file(args.synthetic, Path(folder))
        log = args.log.open("w") if args.log else subprocess.DEVNULL
        try:
            process, port = start_server(dataset, log, args.threads)
        except RuntimeError as exc:
            print(f"cannot start the server: {exc}", file=sys.stderr)
            return 2
        path = "/sparql?" + urllib.parse.urlencode({"query": args.query})
        try:
            levels = [
                drive(port, path, n, args.warm_up, args.seconds, process.pid) for n in args.clients
            ]
        finally:
            stop_server(process)
        served = dataset or REPO / "build" / "ptkg.nq"
        inside = in_process_rate(served, args.query, min(args.seconds, 3.0))
    print(f"query: {args.query}\n")
    rows = [
        [
            str(level["clients"]),
            f"{level['answered']:,}",
            f"{level['rate']:,.0f}",
            ms(level["p50"]),
            ms(level["p99"]),
            str(level["errors"]) + (f" {level['error_kinds']}" if level["errors"] else ""),
            f"{inside:,.0f}",
            f"1/{inside / level['rate']:.1f}" if level["rate"] else "-",
            us(level["web_cpu"]),
            us(level["workers_cpu"]),
        ]
        for level in levels
    ]
    table(
        [
            "clients",
            "answered",
            "req/s",
            "p50",
            "p99",
            "errors",
            "in-process req/s",
            "share",
            "web process CPU/req",
            "workers CPU/req",
        ],
        rows,
    )
    if not args.guard_runs:
        return 0
    costs = guard_costs(args.guard_runs)
    table(
        ["query", "guard, uncached", "by rdflib's parser alone", "guard, cached"],
        [[name, us(uncached), us(parsed), us(cached)] for name, uncached, parsed, cached in costs],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
