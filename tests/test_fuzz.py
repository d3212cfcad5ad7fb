"""Fuzzing: no request and no command line makes the server or the CLI fail.

The property, for every target: **no response status >= 500 and no Python traceback** ("Traceback
(most recent call last)") in any body; for ``kg ask`` / ``kg query``: exit code 0, 1 or 2, no
traceback, no unhandled exception. For ``/sparql`` and ``kg query`` also: an IRI of a *canary*
(a listener on 127.0.0.1 that counts connections) put into ``SERVICE``, ``FROM``, ``LOAD`` or the
dataset parameters is never contacted, however the query hides it.

Targets:

- ``/sparql`` in-process (the Flask test client on the fixture project, the queries run in the
  query worker process; fewer on rdflib's engine, ``PTKG_STORE=rdflib``): queries of a small
  corpus, as they are or mutated (CR, CRLF, U+2028, NUL, BOM, random unicode, truncation,
  ``SERVICE``/``FROM``/update injection, ``\\u`` escapes, huge numbers), arbitrary
  ``default-graph-uri``/``named-graph-uri``, ``Accept`` (real media types with random parameters
  and q-values, garbage), ``format=``/``output=``/``results=``, methods, bodies, content types,
  conditional and range headers;
- every HTML and linked-data route in-process, for things the fixtures hold and for arbitrary
  path segments (space, ``"``, ``<``, ``{``, ``%25``, ``%FF``, ``%00``, unicode, very long), with
  arbitrary parameters and headers;
- ``/api/ask/<question>`` and ``/questions/<question>`` in-process, on the ``conflicts`` fixture of
  the temporal questions, with parameter values mostly valid, some at the edge, some arbitrary;
- ``kg ask`` and ``kg query`` through click's ``CliRunner``;
- the real server (``kg serve``, its HTTP server in front of the app), a smaller number, with the requests above and with raw
  HTTP bytes: a server of this module's own on the ``conflicts`` fixture whose log goes to a file,
  so that a failure shows the server's traceback (``repo_server``'s log is a pipe nobody reads).

Reproducible: Hypothesis with ``derandomize=True`` and no example database, so CI runs the same
examples every time. ``PTKG_FUZZ_EXAMPLES=N`` runs N examples per target instead of the defaults
(100 to 600 each; the whole module takes about 30 s on two cores), and ``PTKG_FUZZ_SEED=S``
explores other examples (random generation seeded with S instead of the derandomized ones)::

    PTKG_FUZZ_EXAMPLES=3000 PTKG_FUZZ_SEED=7 .venv/bin/pytest -q tests/test_fuzz.py

``--hypothesis-show-statistics`` shows the statuses each target met. Each distinct failure
(target, route, status and the exception that caused it) is reported on its own, shrunk, with the
server's traceback and a ready-to-paste regression case.

Regressions: every failure the fuzzer has found is kept in ``tests/fixtures/fuzz/regressions.json``
with what it must produce (``expect``: ``no-5xx``, the default; ``4xx`` for a request that must be
refused; ``2xx`` for one that must be answered). :func:`test_regression` replays each HTTP case
in-process (on the app ``app`` names: ``project``, the default, ``ask`` or ``rdflib``) and on the
real server; :func:`test_cli_regression` runs each command line (``args``), also as a real process
when ``subprocess`` is true. ``{canary}`` in a case stands for the canary's URL, ``{dataset}`` for
the fixture dataset; a command line without ``--dataset``/``--root`` gets ``--dataset {dataset}``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from rdflib import Dataset

from kg.cli import cli
from kg.pipeline.build import write_nquads
from kg.pipeline.derive import derive_dataset
from kg.questions import QUESTIONS
from kg.rdf.namespaces import GRAPH, bind_prefixes
from kg.store.queries import canned_queries
from server import create_app, sparql
from server.downloads import DUMPS, TABLE_FILES
from tests.outbound import Listener

# (not imported from tests.conftest: this module runs under plain `pytest` as well)
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
PROJECTS = FIXTURES / "projects"
TRACEBACK = "Traceback (most recent call last)"
REGRESSIONS = FIXTURES / "fuzz" / "regressions.json"
BASE = "https://w3id.org/peace-talks-kg/"
CANARY = "{canary}"
"""Placeholder for the canary's URL (``http://127.0.0.1:PORT``) in generated queries and cases."""

# --- settings -------------------------------------------------------------------------------------

_EXAMPLES = os.environ.get("PTKG_FUZZ_EXAMPLES")
_SEED = os.environ.get("PTKG_FUZZ_SEED")


def fuzz(default_examples: int):
    """Hypothesis settings for one target: ``default_examples`` examples (``PTKG_FUZZ_EXAMPLES``
    overrides), derandomized unless ``PTKG_FUZZ_SEED`` is set, no deadline, no database."""
    examples = int(_EXAMPLES) if _EXAMPLES else default_examples
    chosen = settings(
        max_examples=examples,
        deadline=None,
        derandomize=_SEED is None,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )

    def decorate(test):
        test = chosen(test)
        return seed(int(_SEED))(test) if _SEED is not None else test

    return decorate


# --- distinct failures ----------------------------------------------------------------------------


class FuzzFailure(AssertionError):
    """A request or command line that broke the property."""


_FAILURE_TYPES: dict[str, type[FuzzFailure]] = {}


def failure(signature: str, message: str) -> FuzzFailure:
    """An exception whose *type* is one per signature: Hypothesis tells failures apart by type and
    place, so each distinct failure is shrunk and reported on its own."""
    kind = _FAILURE_TYPES.get(signature)
    if kind is None:
        kind = _FAILURE_TYPES[signature] = type(f"FuzzFailure[{signature}]", (FuzzFailure,), {})
    return kind(message)


EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Warning|Exit|Timeout|Busy|Refused)\b.*")


def last_line(text: str) -> str:
    """A failure's kind: the last ``SomethingError: …`` line of a traceback (else its last line),
    quoted parts and numbers blanked."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if EXCEPTION_LINE.match(line)]
    line = errors[-1] if errors else (lines[-1] if lines else "")
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "_", line)[:100]


def traceback_in(text: str) -> str:
    """The traceback in ``text`` (from its first line), or ''."""
    at = text.find(TRACEBACK)
    return text[at:] if at >= 0 else ""


# --- requests -------------------------------------------------------------------------------------

WIRE_SAFE = "/%:@!$&'()*+,;=-._~"
"""Characters a path keeps as they are on the wire; the rest is percent-encoded (UTF-8)."""


@dataclass(frozen=True)
class Req:
    """One HTTP request: ``path`` may hold raw unicode and ``%XX`` escapes (sent as they are);
    ``raw_query`` is appended to the encoded ``params`` verbatim (``%FF`` stays invalid UTF-8)."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    raw_query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def query_string(self, canary: str) -> str:
        encoded = urllib.parse.urlencode(
            [(k, v.replace(CANARY, canary)) for k, v in self.params], quote_via=urllib.parse.quote
        )
        return "&".join(part for part in (encoded, self.raw_query) if part)

    def wire_body(self, canary: str) -> bytes | None:
        if self.body is None:
            return None
        return self.body.replace(CANARY.encode(), canary.encode())

    def to_case(self) -> dict[str, Any]:
        """The request as a regression case (see the module docstring)."""
        case: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.params:
            case["params"] = [list(p) for p in self.params]
        if self.raw_query:
            case["raw_query"] = self.raw_query
        if self.headers:
            case["headers"] = [list(h) for h in self.headers]
        if self.body is not None:
            try:
                case["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                case["body_hex"] = self.body.hex()
        return case

    @classmethod
    def from_case(cls, case: dict[str, Any]) -> Req:
        body = case.get("body")
        return cls(
            method=case.get("method", "GET"),
            path=case["path"],
            params=tuple((k, v) for k, v in case.get("params", [])),
            raw_query=case.get("raw_query", ""),
            headers=tuple((k, v) for k, v in case.get("headers", [])),
            body=body.encode("utf-8")
            if body is not None
            else (bytes.fromhex(case["body_hex"]) if "body_hex" in case else None),
        )


def route_of(path: str) -> str:
    """The route a path is for: ``/page``, ``/api/ask`` … (what a failure's kind is named by)."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] in ("api", "query"):
        return "/".join(parts[:3])[:24]
    return "/" + (parts[1][:20] if len(parts) > 1 else "")


@dataclass
class Reply:
    status: int
    body: bytes
    log: str = ""


class LogCapture(logging.Handler):
    """The app's log records (with their tracebacks) since the last ``take()``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def take(self) -> str:
        text = "\n".join(self.lines)
        self.lines.clear()
        return text


@dataclass
class InProcess:
    """A Flask app under test: its test client and its log."""

    name: str
    app: Any
    log: LogCapture = field(default_factory=LogCapture)

    def send(self, req: Req, canary: str) -> Reply:
        self.log.take()
        # a full URL, so that a path starting with // is not taken for a host
        response = self.app.test_client().open(
            "http://localhost" + req.path,
            method=req.method,
            query_string=req.query_string(canary),
            headers=[(k, v.replace(CANARY, canary)) for k, v in req.headers],
            data=req.wire_body(canary),
        )
        body = response.get_data()
        response.close()
        return Reply(response.status_code, body, self.log.take())


def _app(name: str, config: dict[str, Any]) -> Iterator[InProcess]:
    app = create_app({"TESTING": True, "PTKG_QUERY_WORKERS": 1, **config})
    target = InProcess(name, app)
    app.logger.addHandler(target.log)
    try:
        yield target
    finally:
        app.logger.removeHandler(target.log)
        sparql.shutdown(app)


# --- the real server ------------------------------------------------------------------------------


@dataclass
class RealServer:
    """``kg serve`` in its own process; its output goes to ``log_path``."""

    host: str
    port: int
    log_path: Path
    process: subprocess.Popen
    _read: int = 0

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def new_log(self) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        fresh, self._read = text[self._read :], len(text)
        return fresh

    def raw(self, data: bytes, timeout: float = 20.0) -> tuple[int | None, bytes]:
        """Send ``data``, half-close, read the whole answer: (status or None, body)."""
        self.new_log()
        with socket.create_connection((self.host, self.port), timeout=timeout) as conn:
            try:
                conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)  # an incomplete request ends here, not hangs
            except OSError:  # the server answered and closed before reading all of it
                pass
            chunks = []
            while True:
                try:
                    chunk = conn.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        answer = b"".join(chunks)
        match = re.match(rb"HTTP/\d\.\d (\d{3})", answer)
        _, _, body = answer.partition(b"\r\n\r\n")
        return (int(match.group(1)) if match else None), body

    def send(self, req: Req, canary: str) -> Reply:
        status, body = self.raw(encode_request(req, canary))
        return Reply(status if status is not None else 0, body, self.log_after(status, body))

    def log_after(self, status: int | None, body: bytes) -> str:
        """What the server logged for the last request (waiting a moment after a failure, for
        its traceback to land in the file)."""
        if status is None or status >= 500 or TRACEBACK.encode() in body:
            time.sleep(0.3)
        return self.new_log()


def encode_request(req: Req, canary: str) -> bytes:
    """The request as HTTP/1.1 bytes (the path quoted the way a client would send it)."""
    target = urllib.parse.quote(req.path.replace(CANARY, canary), safe=WIRE_SAFE)
    query = req.query_string(canary)
    if query:
        target += "?" + query
    lines = [f"{req.method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v.replace(CANARY, canary)}" for k, v in req.headers]
    body = req.wire_body(canary)
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    return head + (body or b"")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(dataset: Path, log_path: Path, timeout: float = 60.0) -> RealServer:
    """``kg serve --dataset`` on a free port, its output into ``log_path``; once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "kg", "serve", "--dataset", str(dataset)]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RealServer("127.0.0.1", port, log_path, process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode}:\n{server.new_log()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"kg serve did not answer within {timeout} s") from None
            time.sleep(0.2)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canary() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def ask_dataset(fuzz_folder: Path) -> Path:
    """The ``conflicts`` fixture of the temporal questions as a build (N-Quads), made the way
    tests/asking.py makes it: ontology, shared header and case, with the derived lifecycles."""
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for path in (
        REPO / "ontology" / "ptkg.ttl",
        FIXTURES / "ask" / "common.ttl",
        FIXTURES / "ask" / "conflicts.ttl",
    ):
        dataset.graph(GRAPH[path.name]).parse(path, format="turtle")
    derive_dataset(dataset)
    target = fuzz_folder / "conflicts.nq"
    write_nquads(dataset, target)
    return target


@pytest.fixture(scope="module")
def project_app(fuzz_folder: Path) -> Iterator[InProcess]:
    """The app on a private copy of the fixture project (built on start)."""
    root = fuzz_folder / "project"
    shutil.copytree(PROJECTS / "good", root)
    yield from _app("project", {"PTKG_ROOT": str(root), "PTKG_QUERY_TIMEOUT": 10.0})


@pytest.fixture(scope="module")
def rdflib_app(fuzz_folder: Path) -> Iterator[InProcess]:
    """The app on the fixture project with rdflib's engine (``PTKG_STORE=rdflib``)."""
    root = fuzz_folder / "project-rdflib"
    shutil.copytree(PROJECTS / "good", root)
    config = {"PTKG_ROOT": str(root), "PTKG_STORE": "rdflib", "PTKG_QUERY_TIMEOUT": 10.0}
    yield from _app("rdflib", config)


@pytest.fixture(scope="module")
def ask_app(ask_dataset: Path) -> Iterator[InProcess]:
    """The app on the ``conflicts`` fixture: the questions have dated statements to answer."""
    yield from _app("ask", {"PTKG_DATASET": str(ask_dataset), "PTKG_QUERY_TIMEOUT": 10.0})


@pytest.fixture(scope="module")
def real_server(ask_dataset: Path, fuzz_folder: Path) -> Iterator[RealServer]:
    """``kg serve`` on the ``conflicts`` fixture (its HTTP server in front of the app)."""
    server = start_server(ask_dataset, fuzz_folder / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cli_runner() -> CliRunner:
    return CliRunner()


# --- the property ---------------------------------------------------------------------------------


def check_reply(
    target: str, req: Req, reply: Reply, canary: Listener, hits_before: int, expect: str = "no-5xx"
) -> None:
    """Raise a :func:`failure` when ``reply`` breaks the property (or ``expect``)."""
    body = reply.body.decode("utf-8", errors="replace")
    problems = []
    if reply.status >= 500 or reply.status == 0:
        problems.append(f"status {reply.status or 'none (no HTTP answer)'}")
    if TRACEBACK in body:
        problems.append("a traceback in the body")
    if expect == "4xx" and not 400 <= reply.status < 500:
        problems.append(f"status {reply.status}, not the 4xx refusal it must be")
    if expect == "2xx" and not 200 <= reply.status < 300:
        problems.append(f"status {reply.status}, not the 2xx answer it must be")
    contacted = canary.connections - hits_before
    if contacted:
        problems.append(f"the canary {canary.url} was contacted {contacted} time(s)")
    if not problems:
        return
    trace = traceback_in(body) or traceback_in(reply.log) or reply.log
    kind = last_line(trace) if trace else last_line(body)
    if contacted:
        kind = "contacted the canary"
    signature = f"{target} {route_of(req.path)} {reply.status}: {kind}"
    case = json.dumps(req.to_case(), ensure_ascii=True)
    raise failure(
        signature,
        f"{target}: {req.method} {req.path!r} params={list(req.params)!r} raw_query={req.raw_query!r}"
        f" headers={list(req.headers)!r} body={req.body!r}\n-> {'; '.join(problems)}\n"
        f"body: {body[:600]}\nlog/traceback:\n{trace[-3000:]}\nregression case: {case}",
    )


def exercise(target: InProcess | RealServer, name: str, req: Req, canary: Listener, **kw) -> None:
    before = canary.connections
    reply = target.send(req, canary.url)
    if currently_in_test_context():  # the statuses seen: --hypothesis-show-statistics
        event(f"{route_of(req.path)} {reply.status}")
    check_reply(name, req, reply, canary, before, **kw)


def test_the_property_catches_what_it_must(canary):
    """The oracle itself, so that a green fuzzer means something: a 500, a traceback in a body,
    a contacted canary and a status ``expect`` rules out each fail."""
    app = Flask("broken")
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/trace", "trace", lambda: "Traceback (most recent call last):\n  File ...")
    app.add_url_rule("/fine", "fine", lambda: "fine")
    target = InProcess("self-test", app)
    app.logger.addHandler(target.log)
    for path in ("/boom", "/trace"):
        with pytest.raises(FuzzFailure, match=r"ZeroDivisionError|traceback in the body"):
            exercise(target, "self-test", Req("GET", path), canary)
    with pytest.raises(FuzzFailure, match="not the 4xx"):
        exercise(target, "self-test", Req("GET", "/fine"), canary, expect="4xx")
    exercise(target, "self-test", Req("GET", "/fine"), canary, expect="2xx")
    before = canary.connections
    socket.create_connection(("127.0.0.1", canary.port)).close()
    deadline = time.monotonic() + 5
    while canary.connections == before and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(FuzzFailure, match="canary"):
        check_reply("self-test", Req("GET", "/fine"), Reply(200, b"fine"), canary, before)


# --- strategies: shared values ---------------------------------------------------------------------

UNICODE = st.characters(exclude_categories=("Cs",))  # any code point a UTF-8 client can send
LATIN1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
"""What an HTTP header value can carry."""
ODD_CHARS = [
    "\r",
    "\n",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\x00",
    "\ufeff",
    "\t",
    "\x0b",
    "\x0c",
    "\u200b",
    "\u0301",
    "\ufffe",
    "\uffff",
    "\U0010ffff",
    "𝔘",
    "é",
    "\\",
    '"',
    "'",
    "<",
    ">",
    "{",
    "}",
    "#",
    "%",
    "`",
    "|",
    "^",
    " ",
]


def odd_text(max_size: int = 30) -> st.SearchStrategy[str]:
    """Arbitrary text, biased to the characters that break parsers and IRIs."""
    return st.lists(st.sampled_from(ODD_CHARS) | st.text(UNICODE, max_size=6), max_size=6).map(
        "".join
    ).map(lambda s: s[:max_size]) | st.text(UNICODE, max_size=max_size)


HUGE = [
    "99999999999999999999999999999999999999",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    "-1e400",
    "1E-400",
    "1" * 400,
    "0.000000000000000000000000000000000000000000001",
    "NaN",
    "INF",
]

# --- strategies: /sparql ------------------------------------------------------------------------------

PROJECT_GRAPHS = [
    BASE + "graph/data/statements.ttl",
    BASE + "graph/inferred",
    BASE + "graph/ontology/mini.ttl",
    BASE + "graph/shapes/mini-shapes.ttl",
]
CORPUS = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s a pt:State }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5",
    "DESCRIBE actor:russia",
    'SELECT ?label WHERE { actor:russia rdfs:label ?label FILTER(lang(?label) = "en") }',
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    'PREFIX ex: <http://example.org/>\nSELECT ?x WHERE { VALUES ?x { ex:a "b" 1 2.5 true } }',
    'SELECT * WHERE { ?s rdfs:label ?l FILTER(REGEX(?l, "^r", "i")) } ORDER BY DESC(?l) OFFSET 1 LIMIT 2',
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } MINUS { ?s a pt:Position } } LIMIT 5",
    "SELECT ?s (STRLEN(STR(?s)) AS ?n) WHERE { ?s ?p ?o } LIMIT 2",
    "SELECT * WHERE { ?a pt:contradicts+ ?b }",
    f"SELECT * FROM <{PROJECT_GRAPHS[0]}> WHERE {{ ?s ?p ?o }} LIMIT 2",
    f"SELECT * FROM NAMED <{PROJECT_GRAPHS[2]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 2",
    "# a comment\nSELECT * WHERE {\n  ?s a ?type .  # another\n} LIMIT 1",
    'SELECT * WHERE { BIND("\\u00e9t\\u00E9" AS ?x) BIND(<urn:\\u0061> AS ?y) }',
    "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }",
    "SELECT (SUM(?n) AS ?t) WHERE { VALUES ?n { 1 2 3 } } HAVING (SUM(?n) > 1)",
]
INJECTIONS = [
    " SERVICE <{canary}/sparql> { ?a ?b ?c } ",
    " SERVICE SILENT <{canary}/sparql> { ?a ?b ?c } ",
    "# c\r SERVICE <{canary}/sparql> { ?a ?b ?c }\n",
    "# c\u2028 SERVICE <{canary}/sparql> { ?a ?b ?c }\n",
    "# c\x85 SERVICE <{canary}/sparql> { ?a ?b ?c }\n",
    "# c\x0c SERVICE <{canary}/sparql> { ?a ?b ?c }\n",
    " \\u0053ERVICE <{canary}/sparql> { ?a ?b ?c } ",
    " SERV\\u0049CE <{canary}/sparql> { ?a ?b ?c } ",
    " service <{canary}/sparql> { } ",
    " FROM <{canary}/g> ",
    " FROM NAMED <{canary}/g> ",
    " FROM <1:x> ",
    " FROM <x> ",
    " FROM <//x/y> ",
    " FROM NAMED <../x> ",
    " FROM <?x> ",
    " FROM <#x> ",
    " FROM <> ",
    " FROM <file:///etc/passwd> ",
    " GRAPH <{canary}/g> { ?s ?p ?o } ",
    "LOAD <{canary}/x>",
    " ; LOAD <{canary}/x> ",
    " INSERT DATA { <a:s> <a:p> <a:o> } ",
    " ; DROP ALL ",
    " DESCRIBE <{canary}/x> ",
    "PREFIX : <{canary}/> ",
    "BASE <{canary}/> ",
    ' BIND(IRI("{canary}/x") AS ?i) ',
    " ?s <{canary}/p>* ?o ",
    " FILTER(?o = 1e400) ",
    " LIMIT 99999999999999999999999999999 ",
    " OFFSET 18446744073709551616 ",
    " BIND(99999999999999999999999999999999999999 * 99999999999999999999 AS ?big) ",
    ' BIND(SUBSTR("abc", 99999999999999999999) AS ?x) ',
    ' "\\u0000" ',
    ' "\\uD800" ',
    " <\\u003e> ",
    " <\\u0020> ",
    ' """ ',
    " ''' ",
    " # ",
    " } ",
    " { ",
    " . ",
    " ( ",
    " VALUES ?x { 1 } ",
    " SELECT * WHERE { ?s ?p ?o } ",
    ' FILTER(REGEX(STR(?s), "(a+)+$")) ',
    ' FILTER(REGEX(?s, "[")) ',
    " \\u ",
    " \\uZZZZ ",
    " \\U0011FFFF ",
    " _:b0 ",
    " $s ",
]
FORMAT_VALUES = [
    "json",
    "xml",
    "csv",
    "tsv",
    "turtle",
    "ttl",
    "nt",
    "ntriples",
    "jsonld",
    "json-ld",
    "rdfxml",
    "trig",
    "nquads",
    "html",
    "table",
    "application/sparql-results+json",
    "application/sparql-results+json; charset=utf-8",
    "text/turtle",
    "text/csv;q=0",
    "*/*",
    "text/*",
    "",
    " ",
    "JSON",
]
MEDIA = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
    "text/html",
    "application/xhtml+xml",
    "application/json",
    "application/xml",
    "text/plain",
    "*/*",
    "text/*",
    "application/*",
    "*/json",
    "image/png",
    "*",
    "",
]
MEDIA_PARAMS = [
    "charset=utf-8",
    "charset=UTF-8",
    'charset="utf-8"',
    "charset=latin1",
    "q=0",
    "q=0.5",
    "q=1",
    "q=1.0",
    "q=0.001",
    "q=2",
    "q=-1",
    "q=abc",
    "q=",
    "q=1e3",
    "q=nan",
    "q=inf",
    "level=1",
    'profile="http://www.w3.org/ns/json-ld#compacted"',
    "a",
    "=",
    "",
    "q=0.5;q=1",
]


@st.composite
def accept_headers(draw) -> str:
    """An ``Accept`` header: mostly media ranges with parameters and q-values, some garbage."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(LATIN1, max_size=40))
    odd = draw(st.integers(0, 3)) == 0
    ranges = []
    for _ in range(draw(st.integers(1, 4))):
        media = draw(
            st.sampled_from(MEDIA) | st.text(LATIN1, max_size=12) if odd else st.sampled_from(MEDIA)
        )
        params = draw(
            st.lists(st.sampled_from(MEDIA_PARAMS) | st.text(LATIN1, max_size=8), max_size=3)
            if odd
            else st.lists(st.sampled_from(MEDIA_PARAMS[:10]), max_size=2)
        )
        ranges.append(";".join([media, *params]) if params else media)
    return draw(st.sampled_from([",", ", ", " , ", ",,"])).join(ranges)


CONDITIONAL_HEADERS = {
    "Range": [
        *("bytes=0-10", "bytes=-5", "bytes=10-", "bytes=5-1", "bytes=0-0,2-3", "bytes=a-b"),
        *("bytes=99999999999999999999-", "items=0-1", "bytes=", "bytes=0-10, 5-"),
    ],
    "If-None-Match": ["*", '"abc"', 'W/"x"', "garbage", '"', '"a", W/"b"'],
    "If-Match": ["*", '"abc"', "garbage"],
    "If-Modified-Since": [
        *("Wed, 21 Oct 2015 07:28:00 GMT", "garbage", "0"),
        *("Mon, 99 Foo 9999 99:99:99 GMT", "Sat, 01 Jan 10000 00:00:00 GMT"),
    ],
    "If-Unmodified-Since": ["Wed, 21 Oct 2015 07:28:00 GMT", "garbage"],
    "If-Range": ['"abc"', "Wed, 21 Oct 2015 07:28:00 GMT", "garbage"],
    "Accept-Language": ["*", "en;q=garbage", "\xff"],
    "Accept-Charset": ["utf-8;q=0", "garbage"],
    "Accept-Encoding": ["gzip;q=2", "br, *;q=0"],
    "Origin": ["null", "http://x", "garbage"],
    "Access-Control-Request-Method": ["DELETE", "garbage"],
    "Cookie": ["a=b; c", "=;=;"],
    "X-Forwarded-For": ["garbage"],
    "X-Forwarded-Proto": ["garbage"],
    "Host": ["", "a b", "[::1", "x:99999"],
}
"""Request headers the server might read (conditional requests, ranges, CORS, proxies)."""


@st.composite
def extra_headers(draw) -> list[tuple[str, str]]:
    """None in 2 of 3 requests, else one or two of :data:`CONDITIONAL_HEADERS`."""
    if draw(st.integers(0, 2)) > 0:
        return []
    found = []
    for _ in range(draw(st.integers(1, 2))):
        name = draw(st.sampled_from(sorted(CONDITIONAL_HEADERS)))
        value = draw(st.sampled_from(CONDITIONAL_HEADERS[name]) | st.text(LATIN1, max_size=20))
        found.append((name, value))
    return found


def graph_iris() -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            *PROJECT_GRAPHS,
            "{canary}/g",
            "a b",
            "<x>",
            "",
            " ",
            "urn:x-arq:DefaultGraph",
            "urn:x-rdflib:default",
            "file:///etc/passwd",
            "http://x> } #",
            PROJECT_GRAPHS[0] + "\n",
            "<" + PROJECT_GRAPHS[0] + ">",
            BASE + "graph/%FF",
            "_:b0",
            "javascript:alert(1)",
            "1:x",
            "x",
            "../x",
            "//x/y",
        ]
    ) | odd_text(40)


MUTATIONS = ["insert-odd", "insert-text", "inject", "truncate", "delete", "escape", "huge", "bom"]


@st.composite
def sparql_texts(draw) -> str:
    """A query of the corpus, mutated 0 to 4 times (unchanged in 3 of 7)."""
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 4]))):
        op = draw(st.sampled_from(MUTATIONS))
        at = draw(st.integers(0, len(text)))
        if op == "insert-odd":
            text = text[:at] + draw(st.sampled_from(ODD_CHARS)) + text[at:]
        elif op == "insert-text":
            text = text[:at] + draw(st.text(UNICODE, max_size=8)) + text[at:]
        elif op == "inject":
            text = text[:at] + draw(st.sampled_from(INJECTIONS)) + text[at:]
        elif op == "truncate":
            text = text[:at]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 10)) :]
        elif op == "escape" and at < len(text):  # a codepoint escape, valid or not
            char = text[at]
            escaped = draw(
                st.sampled_from(
                    [f"\\u{ord(char):04X}", f"\\U{ord(char):08x}", "\\u", "\\uD800", "\\x41"]
                )
            )
            text = text[:at] + escaped + text[at + 1 :]
        elif op == "huge":
            text = re.sub(r"\b\d+\b", draw(st.sampled_from(HUGE)), text, count=1)
            if not re.search(r"\d", text):
                text = text[:at] + " " + draw(st.sampled_from(HUGE)) + " " + text[at:]
        elif op == "bom":
            text = "\ufeff" + text
    return text


FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
CONTENT_TYPES = [
    FORM,
    DIRECT,
    f"{DIRECT}; charset=utf-8",
    f"{DIRECT}; charset=UTF8",
    f"{DIRECT}; charset=latin1",
    f"{DIRECT}; charset=",
    f"{DIRECT}; charset",
    f'{DIRECT}; charset="utf-8"',
    f"{FORM}; charset=utf-8",
    f"{FORM}; charset=utf-16",
    "application/sparql-update",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "text/plain",
    "application/json",
    "",
    ";",
    "application/sparql-query;;;",
]


@st.composite
def sparql_requests(draw) -> Req:
    """A request to ``/sparql``: one in three clean (a corpus query sent one of the protocol's
    ways, asking for real formats), so that answers are produced and serialised; the rest fuzzed
    in every part."""
    wild = draw(st.integers(0, 2)) > 0
    query = draw(sparql_texts() if wild else st.sampled_from(CORPUS))
    styles = ["get"] * 4 + ["form", "form", "direct", "direct"]
    style = draw(st.sampled_from([*styles, "odd-body", "method"] if wild else styles))
    params: list[tuple[str, str]] = []
    for name in ("default-graph-uri", "named-graph-uri"):
        for _ in range(draw(st.sampled_from([0] * 8 + [1, 2]))):
            params.append((name, draw(graph_iris() if wild else st.sampled_from(PROJECT_GRAPHS))))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        name = draw(st.sampled_from(["format", "output", "results"]))
        values = st.sampled_from(FORMAT_VALUES)
        params.append((name, draw(values | st.text(UNICODE, max_size=10) if wild else values)))
    if wild and draw(st.sampled_from([True] + [False] * 59)):
        params.append(("update", "INSERT DATA { <a:s> <a:p> <a:o> }"))
    headers: list[tuple[str, str]] = []
    if draw(st.integers(0, 2)) > 0:
        headers.append(("Accept", draw(accept_headers() if wild else st.sampled_from(MEDIA[:12]))))
    if wild:
        headers += draw(extra_headers())
    copies = draw(st.sampled_from([1] * 10 + [0, 2])) if wild else 1
    query_params = [("query", query)] * copies
    raw = (
        draw(st.sampled_from([""] * 12 + ["query=%FF", "query", "&&=&", "%00=%00"])) if wild else ""
    )
    method, body = "GET", None
    if style == "get":
        params = query_params + params
    elif style == "form":
        method = "POST"
        body = urllib.parse.urlencode(query_params + params[:1], quote_via=urllib.parse.quote)
        body = body.encode("utf-8")
        forms = [FORM, f"{FORM}; charset=utf-8"]
        headers.append(
            ("Content-Type", draw(st.sampled_from(forms * 4 + CONTENT_TYPES if wild else forms)))
        )
    elif style == "direct":
        method = "POST"
        encoding = draw(
            st.sampled_from(["utf-8"] * 4 + ["utf-8-sig", "utf-16", "latin-1"])
            if wild
            else st.just("utf-8")
        )
        body = query.encode(encoding, errors="replace")
        directs = [DIRECT, f"{DIRECT}; charset=utf-8", f"{DIRECT};charset=UTF-8"]
        headers.append(
            (
                "Content-Type",
                draw(st.sampled_from(directs * 3 + CONTENT_TYPES if wild else directs)),
            )
        )
    elif style == "odd-body":
        method = draw(st.sampled_from(["POST", "GET", "PUT"]))
        body = draw(st.binary(max_size=64) | st.just(query.encode("utf-8")))
        if draw(st.booleans()):
            headers.append(("Content-Type", draw(st.sampled_from(CONTENT_TYPES))))
    else:
        method = draw(
            st.sampled_from(["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "GET"])
        )
        params = query_params + params
        if draw(st.booleans()):
            headers.append(("Access-Control-Request-Headers", draw(st.text(LATIN1, max_size=20))))
    return Req(method, "/sparql", tuple(params), raw, tuple(headers), body)


# --- strategies: routes, paths and parameters -------------------------------------------------------

PREFIXES = [
    "/id/",
    "/page/",
    "/graph/",
    "/data/",
    "/page/graph/",
    "/data/graph/",
    "/questions/",
    "/api/ask/",
    "/downloads/",
    "/query/examples/",
    "/ontology",
    "/shapes",
    "/",
    "/search",
    "/search.json",
    "/query",
    "/.well-known/void",
    "/context.jsonld",
    "/api/questions",
    "/api/openapi.json",
    "/sparql",
    "/static/",
    "/questions",
]
SEGMENTS = [
    "actor/russia",
    "actor/alpha",
    "actor/beta",
    "position/withdrawal-a",
    "position/a",
    "statement/russia-demands-a",
    "statement/alpha-a-2024-06-01",
    "evidence/alpha-a-2024-06-01--doc-1",
    "source/doc-1",
    "data/statements.ttl",
    "inferred",
    "derived",
    "persisted",
    "conflicts",
    "timeline",
    "ptkg.nq",
    "ptkg.ttl",
    "actors.csv",
    "ask-persisted-attested",
    "css/site.css",
    " ",
    '"',
    "<",
    ">",
    "{",
    "}",
    "|",
    "\\",
    "^",
    "`",
    "%25",
    "%FF",
    "%00",
    "%",
    "%%",
    "%2F",
    "%3F",
    "%23",
    "%C3%28",
    "%E2%80%A8",
    "%0D%0A",
    "%20",
    "..",
    ".",
    "",
    "~",
    "'",
    ";",
    "a b",
    "%u0041",
    "\u2028",
    "ü",
    "𝔘",
    "actor",
    "graph",
]
SUFFIXES = ["", "", "", ".ttl", ".json", ".jsonld", ".nt", ".rdf", ".html", ".rq", "/", ".csv", "."]
ROUTE_PARAMS = ["q", "kind", "format", "query", "example", "party", "from", "to", "at", "limit"]


@st.composite
def segments(draw) -> str:
    """A path segment: a known or troublesome one (6 in 10), arbitrary text, or a very long one."""
    pick = draw(st.integers(0, 9))
    if pick < 6:
        return draw(st.sampled_from(SEGMENTS))
    if pick < 9:
        return draw(odd_text(20)).replace("?", "%3F").replace("#", "%23")
    return draw(st.sampled_from(["a", "actor/", "%FF", "é", "%25"])) * draw(
        st.sampled_from([500, 3000])
    )


PROJECT_THINGS = (
    [
        "actor/russia",
        "actor/ukraine",
        "position/withdrawal-a",
        "position/withdrawal-b",
        "statement/russia-demands-a",
        "statement/ukraine-demands-b",
    ],
    ["data/statements.ttl", "inferred", "ontology/mini.ttl", "shapes/mini-shapes.ttl"],
)
"""What the fixture project holds: ``/id/`` paths and named graphs."""
ASK_THINGS = (
    [
        "actor/alpha",
        "actor/beta",
        "actor/alpha-leader",
        "position/a",
        "position/c",
        "position/e",
        "statement/alpha-a-2024-06-01",
        "statement/beta-c-2024-rejects",
        "source/doc-1",
        "evidence/alpha-a-2024-06-01--doc-1",
    ],
    ["ptkg.ttl", "common.ttl", "conflicts.ttl", "derived"],
)
"""What the ``conflicts`` fixture of the questions holds."""


def known_paths(things: tuple[list[str], list[str]]) -> list[str]:
    resources, graphs = things
    return [
        *(f"/{route}/{r}" for route in ("id", "page", "data") for r in resources),
        *(f"/data/{r}.{ext}" for r in resources[:2] for ext in ("ttl", "jsonld", "nt", "rdf")),
        f"/page/{resources[0]}.json",
        *(f"/{route}/{g}" for route in ("graph", "page/graph") for g in graphs),
        *(f"/data/graph/{g}.ttl" for g in graphs),
        *(f"/questions/{q}" for q in QUESTIONS),
        *(f"/downloads/{name}" for name in (*DUMPS, *TABLE_FILES)),
        *(f"/query/examples/{name}.rq" for name in canned_queries()[:8]),
        *("/ontology", "/shapes", "/ontology.ttl", "/shapes.html", "/downloads/", "/search"),
    ]


@st.composite
def path_requests(draw, things: tuple[list[str], list[str]] = PROJECT_THINGS) -> Req:
    """A request for a page, a data twin, a download …: 3 in 5 for something the fixtures hold
    (as it is, or with a suffix, or one odd segment put in; with odd ``Accept`` and parameters),
    the rest built of arbitrary segments under any route."""
    if draw(st.integers(0, 4)) > 1:
        path = draw(st.sampled_from(known_paths(things)))
        how = draw(st.sampled_from(["as-is", "as-is", "as-is", "suffix", "insert", "append"]))
        if how == "suffix":
            path += draw(st.sampled_from(SUFFIXES))
        elif how == "insert":
            at = draw(st.integers(1, len(path)))
            path = path[:at] + draw(segments()) + path[at:]
        elif how == "append":
            path += "/" + draw(segments())
    else:
        prefix = draw(st.sampled_from(PREFIXES))
        parts = draw(st.lists(segments(), max_size=3))
        path = prefix
        if parts:
            path += ("" if prefix.endswith("/") else "/") + "/".join(parts)
        if parts or draw(st.booleans()):
            path += draw(st.sampled_from(SUFFIXES))
    params = tuple(
        (draw(st.sampled_from(ROUTE_PARAMS)), draw(ask_values()))
        for _ in range(draw(st.sampled_from([0, 0, 1, 2])))
    )
    headers = [("Accept", draw(accept_headers()))] if draw(st.booleans()) else []
    headers += draw(extra_headers())
    method = draw(st.sampled_from(["GET"] * 8 + ["HEAD", "OPTIONS", "POST"]))
    return Req(method, path, params, "", tuple(headers))


ASK_VALUES = [
    "alpha",
    "beta",
    "actor:alpha",
    "actor:beta",
    "russia",
    BASE + "id/actor/alpha",
    f"<{BASE}id/actor/alpha>",
    "a",
    "c",
    "position:a",
    BASE + "id/position/c",
    "2024",
    "2024-06",
    "2024-06-01",
    "2025",
    "2025-07..",
    "2024..",
    "..",
    "2024-02-30",
    "2024-13",
    "2024-00",
    "0000",
    "9999",
    "10000-01-01",
    "-2024",
    "+2024",
    "2024-06-01T00:00:00",
    "2024-6",
    "attested",
    "in-force",
    "IN-FORCE",
    "all",
    "ALL",
    "1",
    "2",
    "25",
    "10000",
    "10001",
    "0",
    "-1",
    "1.5",
    "1e3",
    "99999999999999999999999",
    "٣",
    "０",
    "²",
    "Ⅻ",
    " 5 ",
    "0x10",
    "5_000",
    "actor:a b",
    "actor:a\r\nb",
    "alpha\r\n",
    "http://x> } #",
    "http://x> . ?s ?p ?o #",
    '"',
    "'",
    "\\",
    "<x>",
    "{",
    "}",
    "\x00",
    "\ufeff",
    "actor:",
    ":",
    "_:b0",
    "urn:x",
    "javascript:alert(1)",
    "actor:alpha#x",
    "?party",
    "$party",
    "actor:%41",
    "%FF",
    "",
    " ",
]


def ask_values() -> st.SearchStrategy[str]:
    return (
        st.sampled_from(ASK_VALUES)
        | st.tuples(st.sampled_from(ASK_VALUES), st.sampled_from(ODD_CHARS)).map("".join)
        | odd_text(30)
    )


VALID_VALUES = {
    "party": ["alpha", "beta", "actor:alpha", "actor:beta", BASE + "id/actor/alpha"],
    "period": ["2023", "2024", "2024-06", "2024-06-01", "2024-07", "2025", "2025-01-31"],
    "open-period": ["2024", "2024-07", "2024-12-31", "2025", "2024..", "2024-07..", "2030.."],
    "mode": ["attested", "in-force"],
    "position": ["a", "b", "c", "position:c", BASE + "id/position/b"],
    "limit": ["1", "2", "25", "all", "10000"],
    "offset": ["0", "1", "2", "3", "100"],
}
"""Values each kind of parameter accepts on the ``conflicts`` fixture: most examples are valid
requests, so the answers, their pages and their rendering are fuzzed too, not only refusals."""


EDGE_VALUES = {
    "party": [
        "actor:alpha ",
        " alpha",
        "ALPHA",
        "actor:",
        f"<{BASE}id/actor/alpha>",
        "actor:alpha#",
    ],
    "period": ["9999-12-31", "0001-01-01", "0000", "10000", "2024-02-29", "2023-02-29", "1969"],
    "open-period": ["9999..", "0001-01..", "2024-13..", "...", "2024...", ".."],
    "mode": ["ATTESTED", "in force", "in-force "],
    "position": ["position:", "A", " a", f"{BASE}id/position/", f"{BASE}id/actor/alpha"],
    "limit": [*HUGE, "-0", "00", "+1", "1 ", "０", "٣", "1_0"],
    "offset": [*HUGE, "18446744073709551615", "-0", "00", "+1", "٣", "1_0"],
}
"""Values at the edges of what each kind of parameter accepts: huge numbers, odd dates …"""


@st.composite
def value_for(draw, kind: str) -> str:
    """A valid value of ``kind`` (6 in 8), one at its edge (1 in 8), else anything."""
    pick = draw(st.integers(0, 7))
    if pick > 1:
        return draw(st.sampled_from(VALID_VALUES.get(kind, ["x"])))
    if pick == 1:
        return draw(st.sampled_from(EDGE_VALUES.get(kind, ["x"])))
    return draw(ask_values())


ASK_PARAMS = ["party", "from", "to", "at", "mode", "position", "demand", "limit", "offset"]
ODD_PARAMS = ["format", "Party", "party[]", "", "q", "party ", "\x00"]
QUESTION_NAMES = list(QUESTIONS)
ODD_QUESTIONS = ["", "nope", "persisted ", "PERSISTED", "persisted.json", "%FF", "%00", "..", "a b"]


@st.composite
def ask_params(draw, question: str) -> tuple[tuple[str, str], ...]:
    q = QUESTIONS.get(question)
    params = []
    for p in q.parameters if q else ():
        # required ones mostly given, optional ones half the time
        if (p.required or draw(st.booleans())) and draw(st.integers(0, 15)) > 0:
            params.append((p.name, draw(value_for(p.kind))))
    for _ in range(draw(st.sampled_from([0] * 10 + [1, 2]))):
        params.append((draw(st.sampled_from(ASK_PARAMS + ODD_PARAMS)), draw(ask_values())))
    return tuple(params)


@st.composite
def ask_requests(draw, prefix: str) -> Req:
    question = draw(
        st.sampled_from(ODD_QUESTIONS) | odd_text(15)
        if draw(st.integers(0, 19)) == 0
        else st.sampled_from(QUESTION_NAMES)
    )
    question = question.replace("?", "%3F").replace("#", "%23").replace("/", "%2F")
    headers = (("Accept", draw(accept_headers())),) if draw(st.integers(0, 3)) == 0 else ()
    return Req("GET", prefix + question, draw(ask_params(question)), "", headers)


# --- strategies: the real server's raw requests -------------------------------------------------------

RAW_METHODS = [b"GET", b"POST", b"HEAD", b"OPTIONS", b"PUT", b"get", b"G\x00T", b"", b"CONNECT"]
RAW_TARGETS = [
    b"/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
    b"/page/actor/alpha",
    b"/page/a b",
    b"/page/\xff",
    b"/page/%FF",
    b"/page/\x00",
    b"/id/actor/alpha",
    b"/api/ask/persisted?party=\xff&from=2024&to=2025",
    b"/questions/persisted?party=a%0d%0ab",
    b"*",
    b"http://127.0.0.1/page/actor/alpha",
    b"//page",
    b"/%",
    b"",
    b"/" + b"a" * 9000,
    b"/?" + b"a=" * 5000,
]
RAW_VERSIONS = [b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/9.9", b"", b"HTTP/1.1x", b"http/1.1"]
RAW_HEADERS = [
    b"Accept: application/sparql-results+json; charset=utf-8",
    b"Accept: \xff\xfe",
    b"Accept: text/html;q=abc",
    b"Content-Length: abc",
    b"Content-Length: -1",
    b"Content-Length: 5\r\nContent-Length: 6",
    b"Transfer-Encoding: chunked",
    b"Transfer-Encoding: gzip, chunked",
    b"Expect: 100-continue",
    b"Content-Type: application/sparql-query",
    b"Content-Type: application/x-www-form-urlencoded",
    b"Content-Type: \xff",
    b"X-Odd header: 1",
    b" folded: line",
    b"NoColon",
    b": empty name",
    b"Host:",
    b"Host: a\x00b",
    b"X-Long: @LONG@",  # 300 000 bytes (past the server's limit), made when sent
]
RAW_BODIES = [
    b"",
    b"query=SELECT%20*%20WHERE%20%7B%7D",
    b"SELECT * WHERE {}",
    b"zz\r\nxx\r\n0\r\n\r\n",
    b"5\r\nhello\r\n0\r\n\r\n",
    b"\xff\xfe\x00",
    b"\xef\xbb\xbfSELECT * WHERE {}",
]


@st.composite
def raw_requests(draw) -> bytes:
    method = draw(st.sampled_from(RAW_METHODS) | st.binary(max_size=8))
    target = draw(st.sampled_from(RAW_TARGETS) | st.binary(max_size=30).map(lambda b: b"/" + b))
    version = draw(st.sampled_from(RAW_VERSIONS))
    headers = draw(st.lists(st.sampled_from(RAW_HEADERS) | st.binary(max_size=30), max_size=3))
    body = draw(st.sampled_from(RAW_BODIES))
    line = b" ".join(part for part in (method, target, version) if part)
    return b"\r\n".join([line, b"Host: 127.0.0.1", b"Connection: close", *headers]) + (
        b"\r\n\r\n" + body
    )


# --- the fuzzers: in-process ---------------------------------------------------------------------------


@pytest.mark.slow
@fuzz(600)
@given(req=sparql_requests())
def test_sparql_endpoint(project_app, canary, req):
    exercise(project_app, "app", req, canary)


@fuzz(200)
@given(req=sparql_requests())
def test_sparql_endpoint_on_rdflib(rdflib_app, canary, req):
    exercise(rdflib_app, "rdflib-app", req, canary)


@fuzz(500)
@given(req=path_requests())
def test_routes_and_paths(project_app, canary, req):
    exercise(project_app, "app", req, canary)


@fuzz(400)
@given(req=ask_requests("/api/ask/"))
def test_api_ask(ask_app, canary, req):
    exercise(ask_app, "ask-app", req, canary)


@fuzz(250)
@given(req=ask_requests("/questions/"))
def test_question_pages(ask_app, canary, req):
    exercise(ask_app, "ask-app", req, canary)


@fuzz(100)
@given(req=path_requests(ASK_THINGS))
def test_linked_data_on_the_question_fixture(ask_app, canary, req):
    exercise(ask_app, "ask-app", req, canary)


# --- the fuzzers: the command line ---------------------------------------------------------------------

ASK_FORMATS = ["table", "json", "csv", "xml", ""]
ODD_ARGS = ["--", "-h", "--party=", "--from=2024", "--limit", "--nope", "-", "--format=json"]


def check_cli(argv: list[str], result, canary: Listener, hits_before: int) -> None:
    """Raise a :func:`failure` when a ``CliRunner`` result breaks the property."""
    problems = []
    if result.exit_code not in (0, 1, 2):
        problems.append(f"exit code {result.exit_code}")
    trace = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(*result.exc_info))
        problems.append(f"unhandled {type(result.exception).__name__}")
    if TRACEBACK in result.output:
        trace = trace or traceback_in(result.output)
        problems.append("a traceback in the output")
    contacted = canary.connections - hits_before
    if contacted:
        problems.append(f"the canary {canary.url} was contacted {contacted} time(s)")
    if not problems:
        return
    kind = "contacted the canary" if contacted else last_line(trace or result.output)
    signature = f"cli kg {argv[0]} {argv[1] if argv[0] == 'ask' else ''} {result.exit_code}: {kind}"
    case = json.dumps({"args": argv}, ensure_ascii=True)
    raise failure(
        signature,
        f"kg {argv!r}\n-> {'; '.join(problems)}\noutput: {result.output[:600]}\n{trace[-3000:]}\n"
        f"regression case: {case}",
    )


def run_cli(runner: CliRunner, argv: list[str], dataset: Path, canary: Listener) -> None:
    full = [a.replace(CANARY, canary.url) for a in argv]
    if not {"--dataset", "--root"} & set(full):
        full += ["--dataset", str(dataset)]
    full = [a.replace("{dataset}", str(dataset)) for a in full]
    before = canary.connections
    result = runner.invoke(cli, full)
    check_cli(argv, result, canary, before)


@st.composite
def ask_argv(draw) -> list[str]:
    name = draw(
        st.sampled_from(QUESTION_NAMES)
        if draw(st.integers(0, 19)) > 0
        else st.sampled_from(ODD_QUESTIONS)
    )
    argv = ["ask", name]
    q = QUESTIONS.get(name)
    for p in q.parameters if q else ():
        if (p.required or draw(st.booleans())) and draw(st.integers(0, 15)) > 0:
            argv += [f"--{draw(st.sampled_from([p.name, *p.aliases]))}", draw(value_for(p.kind))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--format", draw(st.sampled_from(ASK_FORMATS) | odd_text(8))]
    if draw(st.integers(0, 9)) == 0:
        argv += ["--store", "rdflib"]
    if draw(st.integers(0, 5)) == 0:
        argv.append(draw(st.sampled_from(ODD_ARGS)))
    return argv


@fuzz(150)
@given(argv=ask_argv())
def test_cli_ask(cli_runner, ask_dataset, canary, argv):
    run_cli(cli_runner, argv, ask_dataset, canary)


QUERY_FORMATS = ["table", "json", "csv", "tsv", "xml", "turtle", "nt", "jsonld", "", "nope"]


@fuzz(150)
@given(
    text=sparql_texts() | odd_text(30),
    fmt=st.none() | st.sampled_from(QUERY_FORMATS),
    engine=st.sampled_from([None] * 6 + ["rdflib", "nope", "sparql+http://"]),
)
def test_cli_query(cli_runner, ask_dataset, canary, text, fmt, engine):
    argv = ["query", text]
    if fmt is not None:
        argv += ["--format", fmt]
    if engine is not None:
        argv += ["--store", engine]
    run_cli(cli_runner, argv, ask_dataset, canary)


# --- the fuzzers: the real server ----------------------------------------------------------------------


@fuzz(120)
@given(
    req=sparql_requests()
    | path_requests(ASK_THINGS)
    | ask_requests("/api/ask/")
    | ask_requests("/questions/")
)
def test_real_server(real_server, canary, req):
    """The same requests through the HTTP server (the path quoted as a client would send it)."""
    exercise(real_server, "server", req, canary)


@fuzz(80)
@given(data=raw_requests())
def test_real_server_raw_bytes(real_server, canary, data):
    """Malformed HTTP: odd methods, targets, versions, headers, bodies and chunked encodings."""
    status, body = real_server.raw(data.replace(b"@LONG@", b"x" * 300_000))
    log = real_server.log_after(status, body)
    text = body.decode("utf-8", errors="replace")
    # the server's own 501 (a transfer coding it does not know) and 505 (an HTTP version it does
    # not speak) are what RFC 9112 asks for, and carry no request id (the app's answers do);
    # only the app's answers must stay below 500
    by_server = status in (501, 505) and '"ok": false' in text and "request_id" not in text
    broken = (status is not None and status >= 500 and not by_server) or TRACEBACK in text
    broken = broken or TRACEBACK in log
    if broken:
        trace = traceback_in(text) or traceback_in(log)
        raise failure(
            f"server raw {status}: {last_line(trace or text)}",
            f"raw request {data[:500]!r}\n-> status {status}\nbody: {text[:600]}\nlog:\n{log[-3000:]}",
        )


# --- regressions ---------------------------------------------------------------------------------------


def _load_regressions() -> list[dict[str, Any]]:
    cases = json.loads(REGRESSIONS.read_text(encoding="utf-8"))
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "regression ids must be unique"
    return cases


REGRESSION_CASES = _load_regressions()


def _http_cases() -> list:
    params = []
    for case in REGRESSION_CASES:
        if "request" not in case:
            continue
        for where in ("in-process", "server"):
            params.append(pytest.param(case, where, id=f"{case['id']}-{where}"))
    return params


@pytest.mark.parametrize(("case", "where"), _http_cases())
def test_regression(request, canary, case, where):
    """A request the fuzzer (or a tester) once found failing: never 5xx, never a traceback, and
    the status ``expect`` says (``4xx``: refused)."""
    req = Req.from_case(case["request"])
    if where == "server":
        target = request.getfixturevalue("real_server")
    else:
        target = request.getfixturevalue(f"{case.get('app', 'project')}_app")
    exercise(target, where, req, canary, expect=case.get("expect", "no-5xx"))


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["id"]) for c in REGRESSION_CASES if "args" in c]
)
def test_cli_regression(cli_runner, ask_dataset, canary, case):
    """A command line once found failing: exit 0, 1 or 2 and no traceback (in-process, and as a
    real process when ``subprocess`` is true)."""
    run_cli(cli_runner, case["args"], ask_dataset, canary)
    if not case.get("subprocess"):
        return
    argv = [
        a.replace(CANARY, canary.url).replace("{dataset}", str(ask_dataset)) for a in case["args"]
    ]
    if not {"--dataset", "--root"} & set(argv):
        argv += ["--dataset", str(ask_dataset)]
    done = subprocess.run(
        [sys.executable, "-m", "kg", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1, 2), f"kg {argv!r} exited {done.returncode}:\n{output[-3000:]}"
    assert TRACEBACK not in output, f"kg {argv!r} printed a traceback:\n{output[-3000:]}"
