"""The endpoint's defences, against real server processes on 127.0.0.1: read-only, a time limit
that stops a runaway query while other clients are still served, the row and request-size
caps, a memory limit per query, workers that die between queries replaced without failing a
query, a fair share of the workers per client, and no worker process left behind."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from SPARQLWrapper import POST, SPARQLWrapper

from kg.endpoint.workers import (
    PoolBusy,
    QueryJob,
    QueryMemoryError,
    QueryPool,
    QueryTimeout,
    StoreSource,
    WorkerError,
)
from server import create_app, sparql
from tests.conftest import running_server
from tests.processes import alive, children_of, query_workers, server_pid
from tests.sparql_http import EX, LIBRARY, Reply, call, form

TIMEOUT = 2.0
MAX_ROWS = 3
MAX_BYTES = 4096
SLOW = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }"
)  # 22^7 combinations of the fixture's triples: hours of work
SIMPLE = f"SELECT ?title WHERE {{ <{EX}book1> dcterms:title ?title }}"
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"
"""Sorting needs every row of the cross product in memory: n² rows of six terms."""
MAX_MEMORY = 400
TWO_CORES = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="needs two query workers, so two cores"
)
OTHER_CLIENT = "127.0.0.2"
"""Another loopback address (Linux gives all of 127.0.0.0/8 to the loopback interface): to the
server, a second client, with no header involved."""


def _can_bind(address: str) -> bool:
    try:
        with socket.socket() as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


FROM_ANOTHER_CLIENT = pytest.mark.skipif(
    not _can_bind(OTHER_CLIENT), reason=f"cannot send from {OTHER_CLIENT}"
)


def call_from(source: str, base: str, query: str) -> Reply:
    """``GET /sparql?query=`` sent from the local address ``source``."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=60, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


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


# No outbound requests: tests/test_sparql_outbound.py (every channel, both engines) and the
# differential corpus in tests/test_sparql_guard.py.


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


@FROM_ANOTHER_CLIENT
@pytest.mark.slow
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
    quick = call_from(OTHER_CLIENT, limited, SIMPLE)  # the same client would get 429
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
    again = call_from(OTHER_CLIENT, limited, SIMPLE)
    assert again.status == 200 and time.monotonic() - started < 1.5
    slow.join(timeout=30)
    assert outcome["reply"].status == 503


QUEUED_LIMIT = 6.0


@pytest.mark.slow
def test_a_query_queued_behind_a_runaway_is_answered_within_the_limit():
    # One worker, held by a runaway until the time limit; a second query waits for it from
    # halfway through. Its wait counts towards its own limit: once the runaway's worker is
    # replaced, it runs only for what is left, and is answered within the limit, not after
    # its wait and a whole limit more.
    with running_server(
        "--dataset",
        str(LIBRARY),
        "--timeout",
        f"{QUEUED_LIMIT:g}",
        "--workers",
        "1",
        "--max-queries-per-client",
        "2",
    ) as base:
        outcome: dict = {}
        runaway = threading.Thread(
            target=lambda: outcome.update(reply=call(base, "/sparql", params={"query": SLOW}))
        )
        runaway.start()
        time.sleep(QUEUED_LIMIT / 2)
        started = time.monotonic()
        queued = call(base, "/sparql", params={"query": SLOW})
        seconds = time.monotonic() - started
        runaway.join(timeout=30)
    assert outcome["reply"].status == 503
    assert queued.status in (200, 429, 503), queued.text
    assert seconds < QUEUED_LIMIT + 1.5, f"the queued query took {seconds:.1f} s"


def test_the_pool_turns_away_queries_beyond_its_waiting_line():
    # The runaway holds the only worker for 5 s: long enough that a loaded machine cannot let it
    # be killed and replaced before the second query is sent.
    pool = QueryPool(StoreSource.of(None, LIBRARY, "oxigraph"), size=1, timeout=5, max_waiting=0)
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
        deadline = time.monotonic() + 5
        while pool.idle() and time.monotonic() < deadline:  # until the runaway has the worker
            time.sleep(0.01)
        with pytest.raises(PoolBusy):
            pool.run(QueryJob(SIMPLE, "json"))
        busy.join(timeout=10)
        assert len(raised) == 1 and not alive(first)
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
        ("maxQueryMemory", '"2048"'),  # the default
        ("maxQueriesPerClient", '"1"'),  # the default with two workers: one stays for others
        ("maxWaitingQueries", '"8"'),  # the default: four per worker
    ):
        assert any(term in line and value in line for line in text.splitlines()), term


# --- many first queries at once -------------------------------------------------------------


@pytest.mark.slow
def test_sixteen_different_first_queries_to_a_fresh_server_all_answer():
    # rdflib's parser sets itself up on first use, in a way threads can break: each round starts
    # a new server and sends it 16 different queries at once, its very first.
    queries = [
        f"SELECT ?s{i} WHERE {{ ?s{i} ?p ?o FILTER(STRLEN(STR(?o)) > {i}) }} LIMIT {i + 1}"
        for i in range(16)
    ]
    for _ in range(10):
        with running_server(
            "--dataset", str(LIBRARY), "--max-queries-per-client", "16", "--max-waiting", "16"
        ) as base:
            assert _all_at_once(base, queries) == [200] * len(queries)


def _all_at_once(base: str, queries: list[str]) -> list[int]:
    """The statuses of ``queries`` sent to ``base`` from as many threads, released together."""
    statuses: list[int] = []
    start = threading.Barrier(len(queries))

    def ask(query: str) -> None:
        start.wait()
        statuses.append(call(base, "/sparql", params={"query": query}).status)

    threads = [threading.Thread(target=ask, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


# --- no worker left behind --------------------------------------------------------------------


def _gone(pids: list[int], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["terminated", "killed"])
def test_no_worker_outlives_its_server(how):
    with running_server("--dataset", str(LIBRARY), "--workers", "2") as base:
        server = server_pid(base)
        children = children_of(server)  # the query workers and multiprocessing's resource tracker
        workers = [p for p in children if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == min(2, os.cpu_count() or 1)
        assert call(base, "/sparql", params={"query": SIMPLE}).status == 200
        if how == "killed":  # no chance to clean up: the workers notice by themselves
            os.kill(server, signal.SIGKILL)
    assert _gone(children), f"processes {children} outlived the server"


def test_in_process_app_stops_its_workers(app, client):
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    workers = sparql.query_pool(app).pids()
    assert workers and all(alive(p) for p in workers)
    sparql.shutdown(app)
    assert _gone(workers, within=5)


def _workers_become(base: str, condition, within: float = 30.0) -> set[int]:
    """The server's workers once ``condition`` holds of them (failing after ``within`` s)."""
    deadline = time.monotonic() + within
    while not condition(found := query_workers(base)):
        assert time.monotonic() < deadline, f"the workers stayed {sorted(found)}"
        time.sleep(0.1)
    return found


# --- the memory limit -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped(curated_root: Path) -> Iterator[str]:
    """A server on the curated data whose queries may take 400 MB each."""
    with running_server(
        "--max-memory",
        str(MAX_MEMORY),
        "--timeout",
        "20",
        "--workers",
        "2",
        "--root",
        str(curated_root),
    ) as base:
        yield base


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_a_query_beyond_the_memory_limit_is_stopped_and_its_worker_replaced(capped):
    count = call(capped, "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    triples = int(count.json()["results"]["bindings"][0]["n"]["value"])
    # At least 25 million rows of six terms to sort: gigabytes, far beyond the 400 MB limit.
    assert triples >= 5000, f"the curated data has only {triples} triples: no memory bomb"
    before = _workers_become(capped, lambda found: len(found) == min(2, os.cpu_count() or 1))

    started = time.monotonic()
    bomb = call(capped, "/sparql", params={"query": MEMORY_BOMB})
    assert bomb.status == 503
    assert bomb.json()["error"] == (
        f"the query needed more than {MAX_MEMORY} MB, this endpoint's memory limit per query; "
        "make it more selective or add a LIMIT"
    )
    assert time.monotonic() - started < 15, "stopped by the time limit, not the memory limit"

    after = _workers_become(capped, lambda found: len(found) == len(before) and found != before)
    assert len(before - after) == 1, "exactly the bomb's worker was replaced"
    again = call(capped, "/sparql", params={"query": "ASK { ?s a pt:PositionStatement }"})
    assert again.status == 200 and again.json()["boolean"] is True


@pytest.mark.slow
def test_a_python_engine_out_of_memory_is_told_apart_from_a_crash(curated_root):
    # rdflib runs in Python, which raises MemoryError where Oxigraph's Rust aborts the process.
    pool = QueryPool(
        StoreSource.of(curated_root, None, "rdflib"), size=1, timeout=60, max_memory=64
    )
    try:
        pool.start()
        [first] = pool.pids()
        with pytest.raises(QueryMemoryError, match="more than 64 MB"):
            pool.run(QueryJob(MEMORY_BOMB, "json", max_rows=10))
        assert _gone([first], within=5)
        answer = pool.run(QueryJob("ASK { ?s a pt:PositionStatement }", "json"))
        assert b"true" in answer.body and pool.pids() != [first]
    finally:
        pool.shutdown()


def test_without_a_memory_limit_the_description_states_none():
    app = create_app({"TESTING": True, "PTKG_DATASET": str(LIBRARY), "PTKG_MAX_MEMORY": "0"})
    try:
        reply = app.test_client().get("/sparql", headers={"Accept": "application/n-triples"})
        text = reply.get_data(as_text=True)
        service = [line for line in text.splitlines() if line.startswith("<http://localhost/")]
        assert any("queryTimeout" in line for line in service)
        assert not any("maxQueryMemory" in line for line in service)
    finally:
        sparql.shutdown(app)


# --- workers that died between queries --------------------------------------------------------


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_a_worker_killed_while_idle_fails_no_query(capped):
    before = _workers_become(capped, lambda found: len(found) == min(2, os.cpu_count() or 1))
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    for _ in range(6):  # through every worker, the dead one among them
        reply = call(capped, "/sparql", params={"query": "ASK { ?s a pt:PositionStatement }"})
        assert reply.status == 200, reply.text
    _workers_become(capped, lambda found: victim not in found and len(found) == len(before))

    # Every worker dead at once: the query waits for a replacement.
    everyone = query_workers(capped)
    for pid in everyone:
        os.kill(pid, signal.SIGKILL)
    reply = call(capped, "/sparql", params={"query": "ASK { ?s a pt:PositionStatement }"})
    assert reply.status == 200, reply.text
    assert not everyone & query_workers(capped)


@pytest.mark.slow
def test_the_pool_runs_a_query_on_after_its_idle_worker_was_killed():
    pool = QueryPool(StoreSource.of(None, LIBRARY, "oxigraph"), size=1, timeout=30)
    try:
        pool.start()
        for _ in range(3):  # killed just before the query: found dead, or dead when sent to
            [worker] = pool.pids()
            os.kill(worker, signal.SIGKILL)
            answer = pool.run(QueryJob(SIMPLE, "json"))
            assert b"War and Peace" in answer.body
            assert pool.pids() != [worker]
    finally:
        pool.shutdown()


# --- a fair share per client ------------------------------------------------------------------


def _slow_query(base: str, outcome: dict, headers: dict[str, str]) -> threading.Thread:
    """Start SLOW from the client ``headers`` say; its reply lands in ``outcome``."""

    def run() -> None:
        outcome["reply"] = call(base, "/sparql", params={"query": SLOW}, headers=headers)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)  # until it holds its worker
    return thread


def _assert_too_many(reply) -> None:
    assert reply.status == 429, reply.text
    assert int(reply.headers["Retry-After"]) > 0
    assert reply.json()["error"] == (
        "this client already has 1 query running or waiting, this endpoint's limit per client; "
        "wait for one to finish, then try again"
    )


@pytest.fixture(scope="module")
def behind_proxy() -> Iterator[str]:
    """A server that takes 127.0.0.1 for a proxy whose X-Forwarded-For names the client."""
    with running_server(
        "--dataset",
        str(LIBRARY),
        "--timeout",
        "3",
        "--workers",
        "2",
        "--trusted-proxy",
        "127.0.0.1",
    ) as base:
        yield base


@TWO_CORES
@pytest.mark.slow
def test_one_client_cannot_take_every_worker(behind_proxy):
    alice, bob = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "10.1.1.1, 198.51.100.2"}
    outcome: dict = {}
    slow = _slow_query(behind_proxy, outcome, alice)
    try:
        _assert_too_many(call(behind_proxy, "/sparql", params={"query": SIMPLE}, headers=alice))
        started = time.monotonic()
        other = call(behind_proxy, "/sparql", params={"query": SIMPLE}, headers=bob)
        assert other.status == 200 and time.monotonic() - started < 1.5
        # Only the last address counts, the one the proxy wrote: the rest came from the client.
        spoofed = {"X-Forwarded-For": "198.51.100.2, 203.0.113.7"}
        _assert_too_many(call(behind_proxy, "/sparql", params={"query": SIMPLE}, headers=spoofed))
    finally:
        slow.join(timeout=30)
    assert outcome["reply"].status == 503  # the time limit
    again = call(behind_proxy, "/sparql", params={"query": SIMPLE}, headers=alice)
    assert again.status == 200  # her query ended, and with it her hold on a worker


@pytest.fixture(scope="module")
def proxy_elsewhere() -> Iterator[str]:
    """A server that trusts a proxy on another network than the tests' 127.0.0.1."""
    with running_server(
        "--dataset",
        str(LIBRARY),
        "--timeout",
        "2",
        "--workers",
        "2",
        "--trusted-proxy",
        "10.0.0.0/8",
    ) as base:
        yield base


@pytest.mark.slow
@TWO_CORES
@pytest.mark.parametrize("server", ["limited", "proxy_elsewhere"])
def test_forwarded_for_from_an_untrusted_peer_is_ignored(server, request):
    base = request.getfixturevalue(server)
    outcome: dict = {}
    slow = _slow_query(base, outcome, {"X-Forwarded-For": "203.0.113.7"})
    try:
        for claimed in ("198.51.100.2", "203.0.113.7, 198.51.100.3"):
            reply = call(
                base, "/sparql", params={"query": SIMPLE}, headers={"X-Forwarded-For": claimed}
            )
            _assert_too_many(reply)
    finally:
        slow.join(timeout=30)
    assert outcome["reply"].status == 503
    assert call(base, "/sparql", params={"query": SIMPLE}).status == 200


def test_a_worker_killed_mid_query_fails_that_query_without_a_retry():
    # Not a memory failure (no SIGABRT) and not to be run again: the query may be what killed it.
    pool = QueryPool(
        StoreSource.of(None, LIBRARY, "oxigraph"), size=1, timeout=30, max_memory=MAX_MEMORY
    )
    raised: list[Exception] = []

    def running() -> None:
        try:
            pool.run(QueryJob(SLOW, "json"))
        except Exception as exc:
            raised.append(exc)

    try:
        pool.start()
        [worker] = pool.pids()
        query = threading.Thread(target=running)
        query.start()
        time.sleep(0.5)
        os.kill(worker, signal.SIGKILL)
        query.join(timeout=10)
        assert [type(exc) for exc in raised] == [WorkerError]
        assert "exit code -9" in str(raised[0])
        answer = pool.run(QueryJob(SIMPLE, "json"))  # on the replacement
        assert b"War and Peace" in answer.body
    finally:
        pool.shutdown()
