"""What a query worker is given and does, in a process of its own: the store to open
(:class:`StoreSource`), the jobs (:class:`QueryJob`) and their answers (:class:`QueryAnswer`), and
the worker's life (:func:`serve_queries`: give up the network, open the store, cap the memory,
answer job after job). ``kg.endpoint.workers`` starts, times and replaces these processes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.endpoint.sandbox import SandboxUnavailable, deny_network
from kg.rdf.results import AskResult, GraphResult, SelectResult
from kg.store import (
    DEFAULT_ENGINE,
    OxigraphStore,
    QueryDataset,
    QuerySyntaxError,
    RemoteStoreError,
    Store,
    is_remote,
)
from kg.store.ondisk import READ_CACHE_MB
from kg.store.queries import in_user_lines, with_prefixes
from kg.store.serialize import serialize

PASSED_ON = (QuerySyntaxError, RemoteStoreError)
"""Errors a worker hands back to be raised again in the web process: the query's fault, or a
remote store's; anything else is a worker failure."""


@dataclass(frozen=True)
class StoreSource:
    """What a worker opens: the arguments of ``kg.pipeline.build.open_graph``."""

    root: str | None
    dataset: str | None
    engine: str

    @classmethod
    def of(cls, root: str | Path | None, dataset: str | Path | None, engine: str) -> StoreSource:
        """The source of what an app serves: its dataset file, else the project's build artefact
        (which the app has brought up to date, its on-disk store included), so that a worker
        never rebuilds: it opens the store beside the artefact read-only, as the app does."""
        if dataset is None:
            from kg.pipeline.build import ARTEFACT
            from kg.pipeline.load import find_root

            dataset = (Path(root) if root else find_root()).resolve() / ARTEFACT
        return cls(str(root) if root else None, str(dataset), engine)

    def open(self) -> Store:
        """What the app serves: the store beside the dataset that its manifest names, when they
        match (``kg.pipeline.manifest.named_store``: the app checked the file before any worker
        started, so it is not hashed again), else what ``open_graph`` opens."""
        from kg.pipeline.manifest import named_store

        dataset = Path(self.dataset) if self.dataset else None
        on_disk = named_store(dataset) if self.engine == DEFAULT_ENGINE else None
        if on_disk is not None:
            return on_disk
        from kg.pipeline.build import open_graph

        return open_graph(Path(self.root) if self.root else None, dataset, self.engine)


@dataclass(frozen=True)
class QueryJob:
    """One query for a worker: the text (the project's prefixes are predeclared), the format to
    write (a short name of kg.rdf.formats), the dataset, the most rows (or triples) to return, and
    the base IRI of the query's relative IRIs."""

    sparql: str
    fmt: str
    dataset: QueryDataset | None = None
    max_rows: int | None = None
    base: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    """A serialised answer; ``truncated`` when rows beyond ``max_rows`` were cut."""

    body: bytes
    rows: int
    truncated: bool
    seconds: float


def answer(store: Store, job: QueryJob) -> QueryAnswer:
    """Run ``job`` on ``store`` in this process (what a worker does with each job)."""
    started = time.perf_counter()
    limit = None if job.max_rows is None else job.max_rows + 1
    try:
        result = store.query(
            with_prefixes(job.sparql), dataset=job.dataset, limit=limit, base=job.base
        )
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(in_user_lines(str(exc))) from None
    truncated = False
    if job.max_rows is not None and not isinstance(result, AskResult):
        truncated = len(result) > job.max_rows
        if truncated and isinstance(result, SelectResult):
            result = SelectResult(result.variables, result.rows[: job.max_rows])
        elif truncated and isinstance(result, GraphResult):
            result.graph.remove(next(iter(result.graph)))
    body = serialize(result, job.fmt)
    rows = 1 if isinstance(result, AskResult) else len(result)
    return QueryAnswer(body, rows, truncated, time.perf_counter() - started)


def serve_queries(
    conn: Connection,
    source: StoreSource,
    parent: int,
    max_memory: int | None,
    taken: ctypes.c_ulonglong,
) -> None:
    """A worker's life: open the store, cap its memory, say ready (and which on-disk store it
    opened read-only, if any), then for each job count it in ``taken`` (memory shared with the
    parent, which reads it only when the worker has died, to tell a worker that was already dead
    from one the query killed) and answer it, until told to stop. After a MemoryError it answers
    "memory" and ends: the parent replaces it rather than trust a process that ran out of memory
    mid-query."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    # Before any thread starts (a seccomp filter binds the thread that sets it and those it
    # starts later), and before the store is opened.
    offline = _deny_network(source)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        store = source.open()
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    # Capped only now, so that the limit is left entirely to queries, whatever the store's size.
    folder = store.folder if isinstance(store, OxigraphStore) else None
    capped = _cap_memory(max_memory, READ_CACHE_MB if folder else 0)
    notes = [note for note in (offline, capped) if note]
    conn.send(("ready", (os.getpid(), "; ".join(notes) or None, folder and str(folder))))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        taken.value += 1  # from now on, the query is running
        try:
            reply: tuple[str, Any] = ("ok", answer(store, job))
        except PASSED_ON as exc:
            reply = ("raise", exc)
        except MemoryError:
            conn.send(("memory", None))
            return
        except Exception:
            reply = ("error", traceback.format_exc())
        conn.send(reply)


def _deny_network(source: StoreSource) -> str | None:
    """Give up the network (``kg.endpoint.sandbox``) unless the store is a remote one. Returns why it
    could not be given up, for the parent to log, or None."""
    if is_remote(source.engine):
        return None
    try:
        deny_network()
    except SandboxUnavailable as exc:
        return f"queries could open network sockets here ({exc}); the guard alone keeps SERVICE out"
    return None


def _cap_memory(megabytes: int | None, reserve: int = 0) -> str | None:
    """Cap this process's address space at what it uses now plus ``megabytes`` (none if 0 or
    None), plus ``reserve`` MB for what the store itself may still take (its read cache), and
    turn off core dumps: a worker that aborts on a failed allocation must not write
    out a core of its whole address space. Returns why no cap could be set, for the parent to
    log, or None."""
    if not megabytes:
        return None
    try:
        import resource

        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError) as exc:
        return f"no memory limit for queries on this system ({type(exc).__name__}: {exc})"
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + (megabytes + reserve) * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    return None


def _exit_with_parent(parent: int) -> None:
    """Leave no orphan: end this worker, even mid-query, once the process that started it died."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
