"""The endpoint's defences, against real server processes on 127.0.0.1: no outbound requests
(a listener that must receive nothing, local files that must not be read), read-only, a time
limit that stops a runaway query while other clients are still served, the row and request-size
caps, and no worker process left behind."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from SPARQLWrapper import POST, SPARQLWrapper

from kg.workers import PoolBusy, QueryJob, QueryPool, QueryTimeout, StoreSource
from server import sparql
from tests.conftest import running_server
from tests.sparql_http import EX, LIBRARY, call, form

TIMEOUT = 2.0
MAX_ROWS = 3
MAX_BYTES = 4096
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }"
)  # 22^7 combinations of the fixture's triples: hours of work
SIMPLE = f"SELECT ?title WHERE {{ <{EX}book1> dcterms:title ?title }}"


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def engine_server(request) -> Iterator[str]:
    with running_server("--dataset", str(LIBRARY), "--store", request.param) as base:
        yield base


@pytest.fixture(scope="module")
def limited() -> Iterator[str]:
    with running_server(
        "--dataset",
        str(LIBRARY),
        "--timeout",
        str(TIMEOUT),
        "--max-rows",
        str(MAX_ROWS),
        "--max-request-bytes",
        str(MAX_BYTES),
        "--workers",
        "2",
    ) as base:
        yield base


# --- no outbound requests ---------------------------------------------------------------------


def outbound_attempts(port: int) -> list[tuple[str, dict, bytes | None, dict]]:
    """Requests that would make an unguarded engine connect to 127.0.0.1:``port``."""
    remote = f"http://127.0.0.1:{port}/"
    direct = {"Content-Type": "application/sparql-query"}
    update = {"Content-Type": "application/sparql-update"}
    queries = [
        f"SELECT * WHERE {{ SERVICE <{remote}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT <{remote}> {{ ?s ?p ?x }} }} }}",
        f"ASK {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{remote}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{remote}> {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{remote}> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{remote}x> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{remote}x> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{remote}x>",
        f"LOAD SILENT <{remote}x> INTO GRAPH <{EX}books>",
    ]
    attempts: list[tuple[str, dict, bytes | None, dict]] = []
    for query in queries:
        attempts.append(("GET", {"query": query}, None, {}))
        attempts.append(("POST", {}, query.encode(), direct))
    body, headers = form({"update": f"LOAD <{remote}x>"})
    attempts.append(("POST", {}, body, headers))
    attempts.append(("POST", {}, f"LOAD <{remote}x>".encode(), update))
    attempts.append(
        ("GET", {"query": "ASK { ?s ?p ?o }", "default-graph-uri": f"{remote}x"}, None, {})
    )
    attempts.append(
        ("GET", {"query": "ASK { ?s ?p ?o }", "named-graph-uri": f"{remote}x"}, None, {})
    )
    return attempts  # fmt: skip


def test_no_request_reaches_a_listener_on_loopback(engine_server, listener):
    for method, params, body, headers in outbound_attempts(listener.port):
        reply = call(engine_server, "/sparql", method, params=params, body=body, headers=headers)
        assert 400 <= reply.status < 500, (params, body, reply.text)
        assert reply.json()["ok"] is False
    # Naming a remote IRI as a resource is fine: it is answered from the store alone.
    described = call(
        engine_server, "/sparql", params={"query": f"DESCRIBE <http://127.0.0.1:{listener.port}/x>"}
    )
    assert described.status == 200
    time.sleep(1.0)
    assert listener.connections == 0


def test_the_listener_would_have_seen_an_unguarded_engine(listener):
    # The control: Oxigraph itself does send SERVICE requests, which the listener counts.
    with pytest.raises(OSError):
        list(
            ox.Store().query(
                f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/> {{ ?s ?p ?o }} }}"
            )
        )
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections >= 1


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
        {"query": "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
        {"query": "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }"},
    ],
    ids=["from", "from-named", "default-graph-uri", "service"],
)
def test_local_files_are_not_read(engine_server, params):
    reply = call(engine_server, "/sparql", params=params)
    assert 400 <= reply.status < 500
    assert "root:" not in reply.text and "/bin/" not in reply.text


# --- read-only --------------------------------------------------------------------------------


def test_an_update_from_sparqlwrapper_is_refused_and_changes_nothing(limited):
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}books> {{ ?s ?p ?o }} }}"
    before = call(limited, "/sparql", params={"query": count}).json()
    client = SPARQLWrapper(f"{limited}/sparql")
    client.setMethod(POST)
    for update in (
        f"INSERT DATA {{ GRAPH <{EX}books> {{ <{EX}x> <{EX}y> <{EX}z> }} }}",
        f"DROP GRAPH <{EX}books>",
    ):
        client.setQuery(update)
        with pytest.raises(urllib.error.HTTPError) as refused:
            client.query()
        refused.value.close()  # the error holds the open response
        assert refused.value.code == 403
    assert call(limited, "/sparql", params={"query": count}).json() == before


# --- bounded work -----------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_while_others_are_served(limited):
    outcome: dict = {}

    def runaway() -> None:
        started = time.monotonic()
        reply = call(limited, "/sparql", params={"query": SLOW})
        outcome.update(reply=reply, seconds=time.monotonic() - started)

    slow = threading.Thread(target=runaway)
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    quick = call(limited, "/sparql", params={"query": SIMPLE})
    quick_seconds = time.monotonic() - started
    slow.join(timeout=30)
    assert quick.status == 200
    assert quick.json()["results"]["bindings"][0]["title"]["value"] == "War and Peace"
    assert quick_seconds < 1.5, f"the simple query waited {quick_seconds:.1f} s"

    stopped = outcome["reply"]
    assert stopped.status == 503
    assert "stopped after 2 s" in stopped.json()["error"]
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 3

    # The killed worker was replaced: again one runaway and one quick query side by side.
    time.sleep(1.0)
    slow = threading.Thread(target=runaway)
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    again = call(limited, "/sparql", params={"query": SIMPLE})
    assert again.status == 200 and time.monotonic() - started < 1.5
    slow.join(timeout=30)
    assert outcome["reply"].status == 503


def test_the_pool_turns_away_queries_beyond_its_waiting_line():
    pool = QueryPool(StoreSource.of(None, LIBRARY, "oxigraph"), size=1, timeout=1, max_waiting=0)
    raised: list[Exception] = []

    def runaway() -> None:
        try:
            pool.run(QueryJob(SLOW, "json"))
        except QueryTimeout as exc:
            raised.append(exc)

    try:
        pool.start()
        [first] = pool.pids()
        busy = threading.Thread(target=runaway)
        busy.start()
        time.sleep(0.3)
        with pytest.raises(PoolBusy):
            pool.run(QueryJob(SIMPLE, "json"))
        busy.join(timeout=10)
        assert len(raised) == 1 and not _alive(first)
        answer = pool.run(QueryJob(SIMPLE, "json"))  # waits for the replacement worker
        assert b"War and Peace" in answer.body
    finally:
        pool.shutdown()
    assert not pool.pids()


def test_rows_beyond_the_cap_are_cut_and_flagged(limited):
    everything = call(limited, "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert everything.status == 200
    assert len(everything.json()["results"]["bindings"]) == MAX_ROWS
    assert everything.headers["X-PTKG-Truncated"] == "true"
    graph = call(
        limited,
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert len(graph.text.strip().splitlines()) == MAX_ROWS
    assert graph.headers["X-PTKG-Truncated"] == "true"
    within = call(limited, "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert len(within.json()["results"]["bindings"]) == 3
    assert within.headers["X-PTKG-Truncated"] == "false"


def test_requests_beyond_the_size_cap_are_refused(limited):
    padding = "#" + "x" * MAX_BYTES + "\n"
    body, headers = form({"query": padding + SIMPLE})
    assert call(limited, "/sparql", "POST", body=body, headers=headers).status == 413
    direct = {"Content-Type": "application/sparql-query"}
    too_long = (padding + SIMPLE).encode()
    assert call(limited, "/sparql", "POST", body=too_long, headers=direct).status == 413
    assert call(limited, "/sparql", params={"query": padding + SIMPLE}).status == 414
    assert call(limited, "/sparql", "POST", body=SIMPLE.encode(), headers=direct).status == 200


def test_the_service_description_reports_the_limits(limited):
    reply = call(limited, "/sparql", headers={"Accept": "application/n-triples"})
    assert reply.status == 200
    text = reply.text
    for term, value in (
        ("queryTimeout", '"2.0"'),
        ("maxResultRows", f'"{MAX_ROWS}"'),
        ("maxRequestBytes", f'"{MAX_BYTES}"'),
        ("queryWorkers", '"2"'),
    ):
        assert any(term in line and value in line for line in text.splitlines()), term


# --- no worker left behind --------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """True if the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except (FileNotFoundError, ProcessLookupError):
                continue
            if b"serve" in argv and b"--port" in argv and port.encode() in argv:
                return int(entry.name)
    raise AssertionError(f"no kg serve process on port {port}")


def _gone(pids: list[int], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["terminated", "killed"])
def test_no_worker_outlives_its_server(how):
    with running_server("--dataset", str(LIBRARY), "--workers", "2") as base:
        server = _server_pid(base)
        children = _children(server)  # the query workers and multiprocessing's resource tracker
        workers = [p for p in children if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == min(2, os.cpu_count() or 1)
        assert call(base, "/sparql", params={"query": SIMPLE}).status == 200
        if how == "killed":  # no chance to clean up: the workers notice by themselves
            os.kill(server, signal.SIGKILL)
    assert _gone(children), f"processes {children} outlived the server"


def test_in_process_app_stops_its_workers(app, client):
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    workers = sparql.query_pool(app).pids()
    assert workers and all(_alive(p) for p in workers)
    sparql.shutdown(app)
    assert _gone(workers, within=5)
