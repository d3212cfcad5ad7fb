"""The query workers' second line of defence (``kg.endpoint.sandbox``): a worker of a local store cannot
open IPv4 or IPv6 sockets, so even a SERVICE call that reached the engine unchecked makes no
connection. The guard is bypassed on purpose here: the job goes to the pool directly."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from kg.endpoint.workers import QueryJob, QueryPool, StoreSource, WorkerError
from tests.outbound import Listener
from tests.sparql_http import LIBRARY

IN_A_SANDBOX = """
import socket, sys
import pyoxigraph as ox
from kg.endpoint.sandbox import deny_network
deny_network()
left, right = socket.socketpair()  # Unix sockets (the worker's pipe) still work
left.sendall(b"x")
assert right.recv(1) == b"x"
for family in (socket.AF_INET, socket.AF_INET6):
    try:
        socket.socket(family)
    except PermissionError:
        continue
    sys.exit(f"a socket of family {family} was opened")
store = ox.Store()
store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o")))
try:
    list(store.query(
        "SELECT * WHERE { ?s ?p ?o SERVICE <http://127.0.0.1:%d/> { ?a ?b ?c } }",
        use_default_graph_as_union=True,
    ))
except OSError as exc:
    print(exc)
"""


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


def settled(listener: Listener) -> int:
    time.sleep(0.5)
    return listener.connections


def test_a_process_that_gave_up_the_network_cannot_reach_a_listener(listener):
    done = subprocess.run(
        [sys.executable, "-c", IN_A_SANDBOX % listener.port], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Permission denied" in done.stdout  # Oxigraph tried, and the kernel said no
    assert settled(listener) == 0


def test_a_query_worker_makes_no_connection_even_unguarded(listener):
    pool = QueryPool(StoreSource.of(None, LIBRARY, "oxigraph"), size=1, timeout=30)
    try:
        call = f"SELECT * WHERE {{ ?s ?p ?o SERVICE <http://127.0.0.1:{listener.port}/> {{ ?a ?b ?c }} }}"
        with pytest.raises(WorkerError, match="Permission denied"):
            pool.run(QueryJob(call, "json"))
        silent = call.replace("SERVICE", "SERVICE SILENT")
        assert b'"bindings"' in pool.run(QueryJob(silent, "json")).body
        assert settled(listener) == 0
        # The worker still answers what it is for.
        assert b"true" in pool.run(QueryJob("ASK { ?s ?p ?o }", "json")).body
    finally:
        pool.shutdown()
