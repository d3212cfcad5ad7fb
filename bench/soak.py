"""Soak the real server: good clients served while runaways, memory bombs and bad queries arrive.

    .venv/bin/python bench/soak.py [--quick | --duration 180] [--timeout 3] [--margin 2]
        [--max-memory 256] [--workers N] [--good-clients 8] [--runaway-clients 1]
        [--bomb-clients 1] [--bad-clients 1] [--think 0.05] [--hostile-pause 0.5]
        [--identity auto|proxy|source|none] [--leak-grace 5] [--log FILE]

Starts its own ``python -m kg serve --host 127.0.0.1 --port P`` on a free port, on the curated data
of the repository (the build is made on the first start, which may take a minute), and for
``--duration`` seconds (``--quick``: 30) runs, each client in its own thread with ``urllib``:

* ``--good-clients`` clients (8) sending, in turn, real queries over the curated data: SELECTs
  (GET, POST form, POST ``application/sparql-query``), an ASK, a CONSTRUCT as Turtle,
  ``/api/ask/persisted`` and the page ``/id/actor/russia`` (303, followed); each answer must be
  a 200 with the expected content;
* ``--runaway-clients`` clients (1) sending runaways one after another: a COUNT over a cross
  product of three triple patterns, which the time limit must stop (503);
* ``--bomb-clients`` clients (1) sending memory bombs one after another (``SELECT * WHERE { ?a ?b
  ?c . ?d ?e ?f } ORDER BY ?c ?f``), which the memory cap (``--max-memory``, 256 MB here where
  the server's default is 2048) or the time limit must stop;
* ``--bad-clients`` clients (1) sending bad requests: a syntax error, an empty query, SERVICE,
  updates (GET, form, ``application/sparql-update``), an Accept or ``format=`` nobody can serve,
  each to be refused with its 4xx; and ``FROM <file:///etc/passwd>``, to be refused or answered
  from an empty graph, never with the file.

A hostile client (runaway, bomb, bad) turned away before its query ran (429, or 503 with
Retry-After: no free worker) is fine; a good client turned away is a failure. Times are from
sending to the answer, so they include any wait for a free worker.

Each client has its own identity so that the server's per-client fairness
(``--max-queries-per-client``) throttles no good client for what another does: when ``kg serve``
has ``--trusted-proxy``, it is given 127.0.0.1 and each client sends its own ``X-Forwarded-For``
(``--identity proxy``); otherwise each client connects from its own loopback address 127.0.0.N
(``--identity source``; any 127.0.0.0/8 address is loopback on Linux); ``--identity none`` sends
everything from 127.0.0.1, as one client. ``--max-memory`` is passed on only when ``kg serve`` has
that option (a note says so otherwise). A client answered 429 waits for its Retry-After (at most
10 s) before going on.

Every second the resident memory (VmRSS, and the high-water mark VmHWM) of the server and of its
descendants (found by the ppid of every /proc/*/stat) is sampled. At the end the server is
stopped with SIGTERM and every process seen as its descendant must be gone within
``--leak-grace`` seconds (any left over is reported, then killed by its pid).

Printed, as plain tables: requests per kind and status; good queries (count, success rate, p50
and p99 latency per query and overall, and the failures grouped by error); runaways (time from
send to 503: min, median, max, and the median as a ratio of the timeout); memory bombs (per
status: count, time to the answer, the error); bad requests (expected vs received statuses);
memory (server RSS first/median/last/max and its slope in MB/min; workers at rest and at their
peak; workers replaced); processes (crash, stop, leaks); and the targets. Exit status 1 when a
target is missed: a good query not answered 200 with the expected content (during the soak or the
warm-up before it), a runaway or a bomb not stopped within ``--timeout`` + ``--margin`` s, a bad
request not refused as expected, the server not answering after the soak, a crash (the server
exited by itself), a client thread still stuck, a leaked process; 2 when the server cannot be
started. Standard library only; Linux (reads /proc).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

QUICK_SECONDS = 30.0
RETRY_CAP = 10.0
"""Longest a client waits for a Retry-After."""


# --- what the clients send ----------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request: ``params`` go in the URL; ``form`` is sent as a POST form, ``body`` as a POST
    with ``headers``; ``expect`` is the status it must get (or one of them) and ``check`` tests
    the body of a 200 answer."""

    name: str
    path: str = "/sparql"
    params: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int | tuple[int, ...] = 200
    check: Callable[[bytes], bool] | None = None


def _bindings(least: int) -> Callable[[bytes], bool]:
    def check(body: bytes) -> bool:
        return len(json.loads(body)["results"]["bindings"]) >= least

    return check


def _count_positive(body: bytes) -> bool:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 0


def _true(body: bytes) -> bool:
    return json.loads(body)["boolean"] is True


def _has(text: bytes) -> Callable[[bytes], bool]:
    return lambda body: text in body


def _json(body: bytes) -> bool:
    return isinstance(json.loads(body), dict)


DIRECT = {"Content-Type": "application/sparql-query"}
JSON = {"Accept": "application/sparql-results+json"}

GOOD = [
    Probe(
        "select labels (GET)",
        params={"query": "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 10"},
        headers=JSON,
        check=_bindings(10),
    ),
    Probe(
        "select count (GET)",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers=JSON,
        check=_count_positive,
    ),
    Probe(
        "select statements (form)",
        form={
            "query": "SELECT ?statement ?date WHERE { ?statement pt:onBehalfOf actor:russia ; "
            "pt:date ?date } ORDER BY DESC(?date) LIMIT 20"
        },
        headers=JSON,
        check=_bindings(1),
    ),
    Probe(
        "select classes (direct)",
        body=b"SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } "
        b"GROUP BY ?class ORDER BY DESC(?n) LIMIT 5",
        headers={**DIRECT, **JSON},
        check=_bindings(5),
    ),
    Probe(
        "ask",
        params={"query": "ASK { actor:russia ?p ?o }"},
        headers=JSON,
        check=_true,
    ),
    Probe(
        "construct (turtle)",
        params={"query": "CONSTRUCT { actor:russia ?p ?o } WHERE { actor:russia ?p ?o }"},
        headers={"Accept": "text/turtle"},
        check=_has(b"russia"),
    ),
    Probe(
        "/api/ask/persisted",
        path="/api/ask/persisted",
        params={"party": "russia", "from": "2024-06", "to": "2025-07", "mode": "in-force"},
        headers={"Accept": "application/json"},
        check=_json,
    ),
    Probe(
        "/id/actor/russia",
        path="/id/actor/russia",
        headers={"Accept": "text/html"},
        check=_has(b"Russia"),
    ),
]
"""The good clients' mix; client i starts at probe i, so every probe runs all the time."""

RUNAWAY = Probe(
    "runaway",
    params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
    headers=JSON,
    expect=503,
)
"""(~10^4 triples)^3 combinations: it would run for days."""

BOMB = Probe(
    "memory bomb",
    params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"},
    headers=JSON,
    expect=503,
)
"""~10^8 rows to sort: the worker grows by a few hundred MB a second."""

_UPDATE = "INSERT DATA { <urn:soak:s> <urn:soak:p> <urn:soak:o> }"
BAD = [
    Probe("syntax error", params={"query": "SELECT * WHERE { ?s ?p }"}, expect=400),
    Probe("empty query", params={"query": "   "}, expect=400),
    Probe(
        "SERVICE",
        params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
        expect=403,
    ),
    Probe(
        "FROM <file:>",
        params={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
        expect=(200, 403),  # refused, or an empty graph (the store holds no such graph)
        check=lambda body: b"root:" not in body,
    ),
    Probe("update (GET)", params={"update": _UPDATE}, expect=403),
    Probe("update (form)", form={"update": _UPDATE}, expect=403),
    Probe(
        "update (direct)",
        body=_UPDATE.encode(),
        headers={"Content-Type": "application/sparql-update"},
        expect=403,
    ),
    Probe(
        "bad Accept",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers={"Accept": "image/png"},
        expect=406,
    ),
    Probe(
        "unknown format=",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "format": "spreadsheet"},
        expect=406,
    ),
]


# --- sending ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    client: str
    probe: str
    status: int  # 0: no HTTP answer (connection error, client timeout)
    seconds: float
    ok: bool
    note: str = ""
    retry_after: bool = False
    """The answer had a Retry-After header (turned away: busy, or throttled)."""


class _FromAddress(urllib.request.HTTPHandler):
    """Connect from a given local address (any 127.0.0.0/8 address is loopback on Linux)."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection, req, source_address=(self.address, 0))


class _KeepErrors(urllib.request.HTTPErrorProcessor):
    """Hand back every response, whatever its status (no HTTPError to catch)."""

    def http_response(self, request, response):
        if 300 <= response.status < 400:  # let the redirect handler follow it
            return super().http_response(request, response)
        return response

    https_response = http_response


class Client:
    """One simulated client: an identity (a loopback address or an X-Forwarded-For value)."""

    def __init__(self, base: str, name: str, number: int, identity: str, timeout: float) -> None:
        self.base = base
        self.name = name
        self.timeout = timeout
        self.headers: dict[str, str] = {}
        handlers: list = [_KeepErrors()]
        if identity == "proxy":
            self.headers["X-Forwarded-For"] = f"198.51.100.{number}"
        elif identity == "source":
            handlers.append(_FromAddress(f"127.0.0.{number}"))
        self.opener = urllib.request.build_opener(*handlers)

    def send(self, probe: Probe) -> tuple[int, float, bytes, dict[str, str]]:
        url = self.base + probe.path
        if probe.params:
            url += "?" + urllib.parse.urlencode(probe.params)
        data = probe.body
        headers = {**self.headers, **probe.headers}
        if probe.form is not None:
            data = urllib.parse.urlencode(probe.form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, headers=headers)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                body = response.read()
                return response.status, time.monotonic() - started, body, dict(response.headers)
        except urllib.error.HTTPError as exc:  # a redirect that could not be followed
            with exc:
                return exc.code, time.monotonic() - started, exc.read(), dict(exc.headers)
        except (OSError, http.client.HTTPException) as exc:
            message = f"{type(exc).__name__}: {exc}".encode()
            return 0, time.monotonic() - started, message, {}


def _error_text(body: bytes) -> str:
    try:
        return str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        return body[:120].decode("utf-8", "replace")


def _retry_after(headers: dict[str, str]) -> float:
    try:
        return min(RETRY_CAP, max(0.1, float(headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def run_client(
    client: Client,
    kind: str,
    probes: list[Probe],
    first: int,
    stop: threading.Event,
    pause: float,
    outcomes: list[Outcome],
) -> None:
    """Send ``probes`` in turn from ``first`` until ``stop``; ``pause`` seconds between two."""
    turn = first
    while not stop.is_set():
        probe = probes[turn % len(probes)]
        turn += 1
        status, seconds, body, headers = client.send(probe)
        note = ""
        expected = probe.expect if isinstance(probe.expect, tuple) else (probe.expect,)
        if status == 200 and status in expected:
            try:
                ok = probe.check is None or bool(probe.check(body))
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                ok, note = False, f"unexpected body: {type(exc).__name__}"
            if not ok and not note:
                note = "unexpected body"
        else:
            ok = status in expected
            note = _error_text(body) if status != 200 else ""
        retry = "Retry-After" in headers
        outcomes.append(Outcome(kind, client.name, probe.name, status, seconds, ok, note, retry))
        if status == 429:
            stop.wait(_retry_after(headers))
        elif pause:
            stop.wait(pause)


# --- the server and its processes ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_options() -> dict[str, str | None]:
    """The options of ``kg serve`` (from its --help): name → metavar (None for a flag)."""
    done = subprocess.run(
        [sys.executable, "-m", "kg", "serve", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    options: dict[str, str | None] = {}
    for match in re.finditer(
        r"^\s+(?:-\w, )?(--[\w-]+)(?: ([A-Z][\w.]*(?: RANGE)?))?", done.stdout, re.M
    ):
        options[match.group(1)] = match.group(2)
    return options


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], starttime [19])."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _status_kb(pid: int, *keys: str) -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in keys:
                found[name] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found


def _kind_of(pid: int) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    if b"spawn_main" in argv:
        return "worker"
    if b"resource_tracker" in argv:
        return "tracker"
    return "other"


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (by the ppid of /proc/*/stat)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[0] != "Z":
                children[int(fields[1])].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int, started: str) -> bool:
    """True if ``pid`` still is the process that started at ``started`` and is not a zombie."""
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z" and fields[19] == started


class Sampler(threading.Thread):
    """Every ``interval`` s: the server's RSS, and the RSS and high-water mark of each descendant."""

    def __init__(self, server: int, interval: float = 1.0) -> None:
        super().__init__(name="soak-sampler", daemon=True)
        self.server = server
        self.interval = interval
        self.halt = threading.Event()
        self.t0 = time.monotonic()
        self.series: list[tuple[float, float, float, int]] = []
        """(seconds, server MB, workers' total MB, live workers) per sample."""
        self.seen: dict[int, tuple[str, str]] = {}
        """Every descendant ever seen: pid → (starttime, kind)."""
        self.rss_peak: dict[int, float] = {}
        self.hwm_peak: dict[int, float] = {}
        self.worker_floor: list[tuple[float, float]] = []
        """(seconds, the smallest RSS of the workers already seen at the previous sample, so not
        one still loading its store): about a worker at rest, at each sample."""
        self._known: set[tuple[int, str]] = set()

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(self.interval)

    def sample(self) -> None:
        server = _status_kb(self.server, "VmRSS").get("VmRSS")
        if server is None:
            return
        total, workers, settled = 0.0, [], []
        for pid in descendants(self.server):
            fields = _stat(pid)
            if not fields:
                continue
            if pid not in self.seen or self.seen[pid][0] != fields[19]:
                self.seen[pid] = (fields[19], _kind_of(pid))
            memory = _status_kb(pid, "VmRSS", "VmHWM")
            rss, hwm = memory.get("VmRSS", 0) / 1024, memory.get("VmHWM", 0) / 1024
            self.rss_peak[pid] = max(self.rss_peak.get(pid, 0.0), rss)
            self.hwm_peak[pid] = max(self.hwm_peak.get(pid, 0.0), hwm)
            if self.seen[pid][1] == "worker":
                total += rss
                workers.append(rss)
                if (pid, fields[19]) in self._known:
                    settled.append(rss)
                self._known.add((pid, fields[19]))
        now = time.monotonic() - self.t0
        if settled:
            self.worker_floor.append((now, min(settled)))
        self.series.append((now, server / 1024, total, len(workers)))


def start_server(args: argparse.Namespace, extra: list[str], log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--timeout", f"{args.timeout:g}", *extra]
    if args.workers:
        command += ["--workers", str(args.workers)]
    print("$ " + " ".join(command[1:]), flush=True)
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + args.start_timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode} while starting")
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return process, base
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(
                    f"kg serve did not answer within {args.start_timeout:g} s"
                ) from None
            time.sleep(0.3)


def stop_server(process: subprocess.Popen) -> tuple[float, bool]:
    """SIGTERM, then SIGKILL after 15 s; the seconds it took and whether SIGTERM was enough."""
    started = time.monotonic()
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return time.monotonic() - started, False
    return time.monotonic() - started, True


# --- figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 with fewer than two points)."""
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else 0.0


def table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def sec(seconds: float) -> str:
    return f"{seconds:.2f} s"


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


# --- the soak -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=180.0, help="seconds of load (default: 180)"
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"a short run: --duration {QUICK_SECONDS:g}"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        help="kg serve --timeout: seconds a /sparql query may run (default: 3)",
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=2.0,
        help="a runaway or bomb must be stopped within timeout + margin seconds (default: 2)",
    )
    parser.add_argument(
        "--max-memory",
        type=int,
        default=256,
        metavar="MB",
        help="kg serve --max-memory, if it has that option; 0 to leave it out (default: 256)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="kg serve --workers (default: its own default)"
    )
    parser.add_argument(
        "--good-clients", type=int, default=8, help="concurrent good clients (default: 8)"
    )
    for kind, what in (
        ("runaway", "runaways"),
        ("bomb", "memory bombs"),
        ("bad", "bad requests"),
    ):
        parser.add_argument(
            f"--{kind}-clients",
            type=int,
            default=1,
            metavar="N",
            help=f"clients sending {what}, each one after another (default: 1; 0: none)",
        )
    parser.add_argument(
        "--think",
        type=float,
        default=0.05,
        help="seconds a good client waits between two queries (default: 0.05)",
    )
    parser.add_argument(
        "--hostile-pause",
        type=float,
        default=0.5,
        help="seconds the runaway, bomb and bad clients wait between two requests (default: 0.5)",
    )
    parser.add_argument(
        "--identity",
        choices=["auto", "proxy", "source", "none"],
        default="auto",
        help="how clients are told apart: X-Forwarded-For behind --trusted-proxy (proxy), their "
        "own 127.0.0.N address (source), not at all (none); auto: proxy if kg serve has "
        "--trusted-proxy, else source",
    )
    parser.add_argument(
        "--leak-grace",
        type=float,
        default=5.0,
        help="seconds the server's processes get to end after it stopped (default: 5)",
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=300.0,
        help="seconds the server may take to start, the build included (default: 300)",
    )
    parser.add_argument(
        "--log", type=Path, help="keep the server's output in this file (default: a temporary one)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = QUICK_SECONDS
    return args


def configure(args: argparse.Namespace) -> tuple[list[str], list[str], str]:
    """The options to add to ``kg serve`` (those it has), notes on those it lacks, the identity."""
    options = serve_options()
    extra: list[str] = []
    notes: list[str] = []
    if args.max_memory and "--max-memory" in options:
        extra += ["--max-memory", str(args.max_memory)]
    elif args.max_memory:
        notes.append("kg serve has no --max-memory: the workers run without a memory cap")
    identity = args.identity
    if identity == "auto":
        identity = "proxy" if "--trusted-proxy" in options else "source"
    if identity == "proxy":
        if "--trusted-proxy" not in options:
            print("kg serve has no --trusted-proxy; use --identity source", file=sys.stderr)
            raise SystemExit(2)
        extra += ["--trusted-proxy"] + (["127.0.0.1"] if options["--trusted-proxy"] else [])
    elif args.identity == "auto":
        notes.append(
            "kg serve has no --trusted-proxy: each client connects from its own 127.0.0.N instead"
        )
    elif identity == "none":
        notes.append("every client connects from 127.0.0.1: per-client fairness sees one client")
    return extra, notes, identity


@dataclass
class Soak:
    """What one run measured."""

    args: argparse.Namespace
    extra: list[str]
    identity: str
    sampler: Sampler
    outcomes: list[Outcome] = field(default_factory=list)
    warm: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0
    crashed_at: float | None = None
    crash_code: int | None = None
    stuck: list[str] = field(default_factory=list)
    after: tuple[int, float, bool] = (0, 0.0, False)
    stop_seconds: float = 0.0
    clean_stop: bool = True
    leaked: list[tuple[int, str]] = field(default_factory=list)


def make_clients(
    base: str, args: argparse.Namespace, identity: str
) -> list[tuple[Client, str, list[Probe], int, float]]:
    """(client, kind, probes, first probe, pause) for every simulated client."""
    timeout = args.timeout + args.margin + 30
    clients = [
        (Client(base, f"good-{i + 1}", 10 + i, identity, timeout), "good", GOOD, i, args.think)
        for i in range(args.good_clients)
    ]
    hostile = [
        *[("runaway", [RUNAWAY])] * args.runaway_clients,
        *[("bomb", [BOMB])] * args.bomb_clients,
        *[("bad", BAD)] * args.bad_clients,
    ]
    for offset, (kind, probes) in enumerate(hostile):
        number = 10 + args.good_clients + offset
        client = Client(base, f"{kind}-{offset + 1}", number, identity, timeout)
        clients.append((client, kind, probes, 0, args.hostile_pause))
    return clients


def soak(args: argparse.Namespace, extra: list[str], identity: str, log) -> Soak:
    """Start the server, load it for ``args.duration`` s, stop it and look for leftovers."""
    server, base = start_server(args, extra, log)
    try:
        run = Soak(args, extra, identity, Sampler(server.pid))
        clients = make_clients(base, args, identity)
        # Warm-up, not counted: each good client sends each good probe once.
        for client, kind, probes, _, _ in clients:
            for probe in probes if kind == "good" else []:
                status, seconds, body, _ = client.send(probe)
                ok = status == 200 and (probe.check is None or probe.check(body))
                run.warm.append(Outcome("warm", client.name, probe.name, status, seconds, ok))

        run.sampler.start()
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=run_client,
                args=(client, kind, probes, first, stop, pause, run.outcomes),
                name=f"soak-{client.name}",
                daemon=True,
            )
            for client, kind, probes, first, pause in clients
        ]
        print(
            f"soak: {args.duration:g} s; clients: {args.good_clients} good, "
            f"{args.runaway_clients} runaway, {args.bomb_clients} bomb, {args.bad_clients} bad; "
            f"on {base} (client identities: {identity})",
            flush=True,
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() - started < args.duration:
            if server.poll() is not None:
                run.crashed_at = time.monotonic() - started
                run.crash_code = server.returncode
                break
            time.sleep(0.25)
        stop.set()
        for thread in threads:
            thread.join(timeout=args.timeout + args.margin + 35)
        run.stuck = [t.name for t in threads if t.is_alive()]
        run.elapsed = time.monotonic() - started

        # The server must still answer a good query after the soak.
        probe = GOOD[0]
        status, seconds, body, _ = Client(base, "after", 250, identity, 30).send(probe)
        healthy = status == 200 and (probe.check is None or probe.check(body))
        run.after = (status, seconds, healthy)
        run.sampler.sample()
        run.sampler.halt.set()
        run.sampler.join(timeout=5)
        run.stop_seconds, run.clean_stop = stop_server(server)
    finally:
        if server.poll() is None:  # an error or ^C above: do not leave the server behind
            server.kill()
            server.wait()

    # Every process seen below the server must end within the grace period.
    seen = dict(run.sampler.seen)
    deadline = time.monotonic() + args.leak_grace
    while time.monotonic() < deadline and any(alive(p, s) for p, (s, _) in seen.items()):
        time.sleep(0.1)
    run.leaked = [(p, kind) for p, (s, kind) in seen.items() if alive(p, s)]
    for pid, _ in run.leaked:  # reported; now ended, by pid
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)

    limit = args.timeout + args.margin
    for o in run.outcomes:
        if o.kind in ("runaway", "bomb"):
            o.ok = turned_away(o) or (o.status not in (0, 200) and o.seconds <= limit)
        elif o.kind == "bad":  # busy or throttled is a fine answer to a bad client too
            o.ok = o.ok or turned_away(o)
    return run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not Path("/proc/self/stat").exists():
        print("soak.py reads /proc: Linux only", file=sys.stderr)
        return 2
    extra, notes, identity = configure(args)
    with args.log.open("w+b") if args.log else tempfile.TemporaryFile() as log:
        try:
            run = soak(args, extra, identity, log)
        except RuntimeError as exc:
            print(f"cannot start the server: {exc}", file=sys.stderr)
            log.seek(0)
            sys.stderr.write(log.read().decode("utf-8", "replace")[-3000:])
            return 2
        log.seek(0)
        server_log = log.read().decode("utf-8", "replace")
    return report(run, notes, server_log)


def report(run: Soak, notes: list[str], server_log: str) -> int:
    """Print the tables; 0 if every target was met, else 1."""
    args, sampler = run.args, run.sampler
    limit = args.timeout + args.margin
    print()
    print(f"server: kg serve --timeout {args.timeout:g} {' '.join(run.extra)}".rstrip())
    print(
        f"load: {run.elapsed:.1f} s (asked {args.duration:g} s); client identities: {run.identity}"
    )
    for note in notes:
        print(f"note: {note}")

    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in run.outcomes:
        by_kind[o.kind].append(o)
    statuses = sorted({o.status for o in run.outcomes})
    table(
        "Requests by kind and status (0 = no HTTP answer)",
        ["kind", "sent", *map(str, statuses), "as expected"],
        [
            [
                kind,
                len(items),
                *(sum(o.status == s for o in items) for s in statuses),
                pct(sum(o.ok for o in items), len(items)),
            ]
            for kind, items in ((k, by_kind[k]) for k in ("good", "runaway", "bomb", "bad"))
        ],
    )

    good = by_kind["good"]
    good_ok = sum(o.ok for o in good)
    rows = []
    for probe in GOOD:
        items = [o for o in good if o.probe == probe.name]
        times = [o.seconds for o in items] or [0.0]
        rows.append(
            [
                probe.name,
                len(items),
                pct(sum(o.ok for o in items), len(items)),
                ms(percentile(times, 50)),
                ms(percentile(times, 99)),
            ]
        )
    times = [o.seconds for o in good] or [0.0]
    rows.append(
        [
            "all good queries",
            len(good),
            pct(good_ok, len(good)),
            ms(percentile(times, 50)),
            ms(percentile(times, 99)),
        ]
    )
    table(
        f"Good queries ({len(good) / run.elapsed:.1f}/s from {args.good_clients} clients)",
        ["query", "count", "success", "p50", "p99"],
        rows,
    )
    failures = Counter((o.probe, o.status, o.note[:90]) for o in good if not o.ok)
    if failures:
        table(
            "Good queries that failed",
            ["query", "status", "count", "error"],
            [[p, s, c, note] for (p, s, note), c in failures.most_common(10)],
        )
    if any(o.status == 429 for o in good):
        print(
            "  hint: good clients, each sending one query at a time, were answered 429: the "
            "server counted several clients as one."
            + (
                " X-Forwarded-For did not reach its client count (kg serve drops it "
                "unless --trusted-proxy names the proxy, or a proxy setting was not "
                "applied); --identity source tells the clients apart by address instead."
                if run.identity == "proxy"
                else ""
            )
        )
    if any(turned_away(o) and o.status == 503 for o in good):
        hostile = args.runaway_clients + args.bomb_clients
        pool = sampler.series[0][3] if sampler.series else "?"
        print(
            f"  hint: good queries found no free worker (503) within the time limit: {hostile} "
            f"runaway/bomb clients, one query each at a time, against {pool} workers."
        )

    runaways = by_kind["runaway"]
    stopped = [o for o in runaways if o.status == 503 and "stopped after" in o.note]
    kill_times = [o.seconds for o in stopped]
    table(
        f"Runaways (time from send to 503; time limit {args.timeout:g} s, target <= {limit:g} s)",
        [
            "sent",
            "stopped (503)",
            "turned away",
            "min",
            "median",
            "max",
            "median / timeout",
            "over target",
        ],
        [
            [
                len(runaways),
                len(stopped),
                sum(turned_away(o) for o in runaways),
                *_spread(kill_times, args.timeout),
                sum(o.seconds > limit for o in runaways),
            ]
        ],
    )

    bombs = by_kind["bomb"]
    bomb_rows = []
    for (status, note), items in sorted(
        _group(bombs, lambda o: (o.status, o.note[:70])).items(), key=lambda kv: -len(kv[1])
    ):
        spread = _spread([o.seconds for o in items], args.timeout)
        bomb_rows.append([status, len(items), *spread, note])
    table(
        f"Memory bombs (time from send to answer; target: not 200, <= {limit:g} s)",
        ["status", "count", "min", "median", "max", "median / timeout", "error"],
        bomb_rows,
    )

    bad = by_kind["bad"]
    table(
        "Bad requests",
        ["request", "expected", "sent", "received", "median time"],
        [
            [
                probe.name,
                "/".join(map(str, probe.expect))
                if isinstance(probe.expect, tuple)
                else probe.expect,
                sum(o.probe == probe.name for o in bad),
                ", ".join(
                    f"{s}×{c}"
                    for s, c in sorted(
                        Counter(o.status for o in bad if o.probe == probe.name).items()
                    )
                ),
                ms(statistics.median([o.seconds for o in bad if o.probe == probe.name] or [0])),
            ]
            for probe in BAD
        ],
    )

    series = sampler.series
    workers = {p: kind for p, (_, kind) in sampler.seen.items() if kind == "worker"}
    initial_workers = series[0][3] if series else 0
    hwm = max((sampler.hwm_peak.get(p, 0.0) for p in workers), default=0.0)
    rss = max((sampler.rss_peak.get(p, 0.0) for p in workers), default=0.0)
    table(
        f"Memory ({len(series)} samples, one a second)",
        ["RSS", "first", "median", "last", "max", "slope"],
        [
            _over_time("server", [(t, mb) for t, mb, _, _ in series]),
            _over_time("smallest worker", sampler.worker_floor, with_slope=False),
            _over_time("all workers", [(t, mb) for t, _, mb, _ in series], with_slope=False),
        ],
    )
    floor = statistics.median([mb for _, mb in sampler.worker_floor] or [0.0])
    cap = f"{args.max_memory} MB" if "--max-memory" in run.extra else "none"
    table(
        "Workers",
        [
            "at rest (median RSS)",
            "peak RSS sampled",
            "peak VmHWM",
            "memory cap",
            "seen",
            "replaced",
        ],
        [
            [
                f"{floor:.0f} MB",
                f"{rss:.0f} MB",
                f"{hwm:.0f} MB",
                cap,
                len(workers),
                max(0, len(workers) - initial_workers),
            ]
        ],
    )
    table(
        "Processes",
        ["crash", "clients stuck", "stop (SIGTERM)", "descendants seen", "leaked"],
        [
            [
                "no"
                if run.crashed_at is None
                else f"exit {run.crash_code} at {run.crashed_at:.1f} s",
                len(run.stuck),
                f"{run.stop_seconds:.2f} s" + ("" if run.clean_stop else " (needed SIGKILL)"),
                len(sampler.seen),
                ", ".join(f"{p} ({k})" for p, k in run.leaked) or "0",
            ]
        ],
    )
    tracebacks = server_log.count("Traceback")
    if run.crashed_at is not None or tracebacks:
        print(f"\nserver log ({tracebacks} tracebacks), last lines:")
        print("\n".join("  " + line for line in server_log.splitlines()[-20:]))

    bombs_ok = [o for o in bombs if o.ok]
    targets = [
        (
            "good queries answered",
            pct(good_ok, len(good)),
            "100%",
            bool(good) and good_ok == len(good),
        ),
        (
            "good queries in warm-up",
            pct(sum(w.ok for w in run.warm), len(run.warm)),
            "100%",
            all(w.ok for w in run.warm),
        ),
        (
            "runaways stopped in time",
            f"{sum(o.ok for o in runaways)}/{len(runaways)}",
            f"all, <= {limit:g} s",
            not args.runaway_clients or (bool(stopped) and all(o.ok for o in runaways)),
        ),
        (
            "bombs stopped in time",
            f"{len(bombs_ok)}/{len(bombs)}",
            f"all, <= {limit:g} s",
            not args.bomb_clients or (bool(bombs) and len(bombs_ok) == len(bombs)),
        ),
        (
            "bad requests refused as expected",
            f"{sum(o.ok for o in bad)}/{len(bad)}",
            "all",
            not args.bad_clients or (bool(bad) and all(o.ok for o in bad)),
        ),
        ("answers after the soak", f"{run.after[0]} in {ms(run.after[1])}", "200", run.after[2]),
        ("crashes", "0" if run.crashed_at is None else "1", "0", run.crashed_at is None),
        ("clients stuck", str(len(run.stuck)), "0", not run.stuck),
        ("leaked processes", str(len(run.leaked)), "0", not run.leaked),
    ]
    table(
        "Targets",
        ["target", "measured", "wanted", "result"],
        [[name, got, want, "PASS" if ok else "FAIL"] for name, got, want, ok in targets],
    )
    missed = [name for name, _, _, ok in targets if not ok]
    print(f"\n{'FAIL: ' + ', '.join(missed) if missed else 'PASS: every target met'}")
    return 1 if missed else 0


def turned_away(outcome: Outcome) -> bool:
    """Refused before it ran: 429 (per-client fairness) or 503 with Retry-After (pool busy)."""
    return outcome.status == 429 or (outcome.status == 503 and outcome.retry_after)


def _group(items: list[Outcome], key: Callable[[Outcome], tuple]) -> dict[tuple, list[Outcome]]:
    groups: dict[tuple, list[Outcome]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def _spread(seconds: list[float], timeout: float) -> list[str]:
    """min, median, max and the median as a ratio of ``timeout`` ("-" when there is none)."""
    if not seconds:
        return ["-"] * 4
    middle = statistics.median(seconds)
    return [sec(min(seconds)), sec(middle), sec(max(seconds)), f"{middle / timeout:.2f}"]


def _over_time(name: str, points: list[tuple[float, float]], with_slope: bool = True) -> list:
    """A row: first, median, last, max (MB) and the least-squares slope in MB/min."""
    values = [mb for _, mb in points] or [0.0]
    figures = (values[0], statistics.median(values), values[-1], max(values))
    trend = f"{slope([(t / 60, mb) for t, mb in points]):+.2f} MB/min" if with_slope else "-"
    return [name, *(f"{v:.0f} MB" for v in figures), trend]


if __name__ == "__main__":
    sys.exit(main())
