"""Run untrusted queries in worker processes that are killed at a deadline.

Neither Oxigraph nor rdflib can cancel a running query, and Oxigraph releases the GIL, so a
runaway query would keep a core busy until it ends. Each worker is a separate process (spawn
context) that opens the same store as the app: the build's on-disk store, read-only (one copy of
the data, in the page cache every process shares; nothing a killed worker could leave half-written:
``kg.store.ondisk``), or, for a file without one, its own copy loaded into memory. It runs one
query at a time and sends back the serialised answer. At the deadline the worker is killed and a
replacement started; the other workers go on serving. There are never more workers than cores,
and only a bounded number of requests may wait for one.

A worker may also be given a memory limit: once its store is opened, its address space is capped
at what it then uses plus the limit, so the limit is what one query may take, whatever the size of
the store. An in-memory store is all in that address space by then. An on-disk one is not mapped
into it at all (RocksDB reads its files with ``pread``, through the page cache, which no limit on
a process counts), but it keeps the blocks it last read in a cache that grows as queries read, up
to ``kg.store.ondisk.READ_CACHE_MB``: that much is added to the cap, since it is the store's
memory, not the query's. A query that needs more fails in the worker (Python raises MemoryError;
Rust, and so Oxigraph, aborts the process, which is why a worker that dies of SIGABRT under a cap
is taken to have run out of memory); it is answered QueryMemoryError and the worker is replaced.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import queue
import select
import signal
import threading
import time
import weakref
from typing import Any

from kg.endpoint.worker import PASSED_ON as PASSED_ON
from kg.endpoint.worker import QueryAnswer as QueryAnswer
from kg.endpoint.worker import QueryJob as QueryJob
from kg.endpoint.worker import StoreSource as StoreSource
from kg.endpoint.worker import answer as answer
from kg.endpoint.worker import serve_queries

log = logging.getLogger(__name__)

START_TIMEOUT = 300.0
"""Seconds a new worker may take to load its store."""


class QueryTimeout(Exception):
    """The query ran past its deadline; its worker was killed."""


class PoolBusy(Exception):
    """Every worker is busy and the waiting line is full (or did not move in time)."""


class QueryMemoryError(Exception):
    """The query needed more memory than a worker may take for one query; the worker was
    replaced."""


class WorkerError(Exception):
    """A worker failed: our fault, not the query's (the message has the details to log)."""


class _NotStarted(Exception):
    """The worker was dead before it took the job (killed while idle, say): the query never ran,
    so another worker may run it."""


class _FoundDead(Exception):
    """The worker was dead when handed the job, which never reached it: as if it had been found
    dead among the idle ones."""


# --- in the web process -----------------------------------------------------------------------


class _Worker:
    def __init__(self, context: Any, source: StoreSource, max_memory: int | None) -> None:
        self.opened: str | None = None
        """The on-disk store the worker opened read-only (its folder), once ready; None for a
        store in memory, or a remote one."""
        self.conn, child = context.Pipe()
        # How many jobs the worker has taken: counted in shared memory rather than said over the
        # pipe, so that a query's answer is the only message that wakes the thread waiting for it.
        self.taken = context.RawValue("Q", 0)
        self.process = context.Process(
            target=serve_queries,
            args=(child, source, os.getpid(), max_memory, self.taken),
            name="ptkg-query",
            daemon=True,
        )
        self.process.start()
        child.close()
        self._poller = select.poll() if hasattr(select, "poll") else None
        if self._poller is not None:
            self._poller.register(self.conn.fileno(), select.POLLIN)

    def replied(self, timeout: float) -> bool:
        """Whether the worker has sent something, or closed its end, within ``timeout`` seconds:
        ``conn.poll`` with one poller kept for the worker (``conn.poll`` builds and drops a
        selector on every call, five times the cost of polling an answer that is there)."""
        if self._poller is None:
            return self.conn.poll(timeout)
        return bool(self._poller.poll(math.ceil(timeout * 1000)))

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.stop()
            raise WorkerError(f"a query worker did not load its store within {timeout:.0f} s")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=5)
            status, detail = "failed", f"it exited with code {self.process.exitcode}"
        if status != "ready":
            self.stop()
            raise WorkerError(f"a query worker could not load its store: {detail}")
        _, note, self.opened = detail
        if note:
            log.warning("query worker %s: %s", self.process.pid, note)

    def exit_code(self, wait: float) -> int | None:
        """The exit code of a worker whose pipe closed, waiting up to ``wait`` s for it to end
        (negative: the signal that ended it)."""
        self.process.join(timeout=wait)
        return self.process.exitcode

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


def _stop_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        worker.stop()
    workers.clear()


class QueryPool:
    """Worker processes for untrusted queries: at most ``size`` (never more than the cores), each
    query with a deadline of ``timeout`` seconds from the moment it is handed to the pool, its
    wait for a free worker included, and, unless ``max_memory`` is 0 or None, at most
    ``max_memory`` MB of memory beyond the loaded store; up to ``max_waiting`` requests wait for a
    free worker. Workers start on first use (or ``start()``)."""

    def __init__(
        self,
        source: StoreSource,
        *,
        size: int,
        timeout: float,
        max_memory: int | None = None,
        max_waiting: int | None = None,
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.source = source
        self.size = max(1, min(size, os.cpu_count() or 1))
        self.timeout = timeout
        self.max_memory = max_memory or None
        self.start_timeout = start_timeout
        self.max_waiting = 4 * self.size if max_waiting is None else max_waiting
        self._admission = threading.BoundedSemaphore(self.size + self.max_waiting)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.restarts = 0
        """Workers replaced since the pool started (died, killed at a limit): what /metrics
        reports, so that an operator sees a query that keeps killing its worker."""
        self._context = multiprocessing.get_context("spawn")
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)

    def start(self) -> None:
        """Start the workers and wait until each has loaded its store (once; later calls return)."""
        with self._lock:
            if self._closed:
                raise WorkerError("the query pool has been shut down")
            if self._started:
                return
            fresh = [self._new_worker() for _ in range(self.size)]
            try:
                for worker in fresh:
                    worker.wait_ready(self.start_timeout)
            except WorkerError:
                _stop_all(set(fresh))
                raise
            self._workers.update(fresh)
            for worker in fresh:
                self._idle.put(worker)
            self._started = True

    def run(self, job: QueryJob) -> QueryAnswer:
        """Answer ``job`` in a worker. Raises what the worker passed on (QuerySyntaxError: the
        engine rejected the query; RemoteStoreError), QueryTimeout, QueryMemoryError, PoolBusy
        or WorkerError.

        A worker that died while idle (killed from outside, say) is replaced, and the query goes
        to another worker, or waits for the replacement: once, since a second dead worker means
        something is wrong. A query that kills the worker running it is not tried again.

        One deadline, ``timeout`` seconds from now, bounds the whole request: a query that waited
        for a worker has only what is left of it to run, so that no answer takes longer than the
        limit (it would take twice as long if the wait and the run each had their own)."""
        self.start()
        if not self._admission.acquire(blocking=False):
            raise PoolBusy(f"all {self.size} query workers are busy and the waiting line is full")
        try:
            deadline = time.monotonic() + self.timeout
            retried = False
            while True:
                try:
                    return self._run_on(self._take(deadline), job, deadline)
                except _FoundDead:
                    continue
                except _NotStarted as exc:
                    if retried:
                        raise WorkerError(f"two query workers in a row were dead: {exc}") from None
                    log.warning("%s; the query goes to another worker", exc)
                    retried = True
        finally:
            self._admission.release()

    def _take(self, deadline: float) -> _Worker:
        """An idle worker, before ``deadline``. A worker that comes free only once the deadline
        has passed goes back to the idle ones: it would be killed at once, its query having no
        time left. Whether it is alive is found out by handing it the job (``_run_on``): asking
        first would cost every query a system call, and the time to get the interpreter back
        after it, for what sending tells anyway."""
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise PoolBusy(f"no query worker became free within {self.timeout:g} s") from None
            if time.monotonic() >= deadline:
                self._idle.put(worker)
                raise PoolBusy(f"no query worker became free within {self.timeout:g} s")
            return worker

    def _run_on(self, worker: _Worker, job: QueryJob, deadline: float) -> QueryAnswer:
        """Run ``job`` on ``worker``, killing it (and raising QueryTimeout) at ``deadline``."""
        taken = worker.taken.value
        try:
            worker.conn.send(job)
        except OSError:  # the other end is closed: the worker is gone, and the job with it
            log.warning(
                "query worker %s had died while idle (exit code %s); replacing it",
                worker.process.pid,
                worker.exit_code(wait=1.0),
            )
            self._replace(worker)
            raise _FoundDead() from None
        try:
            if not worker.replied(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout(f"the query ran longer than {self.timeout:g} s")
            status, detail = worker.conn.recv()
        except (EOFError, OSError) as exc:
            raise self._died(worker, exc, started=taken) from None
        if status == "memory":
            self._replace(worker)
            raise self._out_of_memory()
        self._idle.put(worker)
        if status == "ok":
            return detail
        if status == "raise":
            raise detail
        raise WorkerError(detail)

    def _died(self, worker: _Worker, exc: BaseException, started: int) -> Exception:
        """What to raise for ``worker``, found dead (``exc``) while it had a job: _NotStarted if
        it died before taking the job (its count of jobs taken still ``started``), else what
        killed the query. The worker is replaced."""
        code = worker.exit_code(wait=5.0)  # once it has ended, its count is final
        self._replace(worker)
        if worker.taken.value == started:
            return _NotStarted(
                f"query worker {worker.process.pid} was dead ({exc!r}, exit code {code})"
            )
        if self.max_memory and code == -signal.SIGABRT:
            return self._out_of_memory()
        return WorkerError(f"a query worker died ({exc!r}, exit code {code})")

    def _out_of_memory(self) -> QueryMemoryError:
        return QueryMemoryError(f"the query needed more than {self.max_memory} MB")

    def _new_worker(self) -> _Worker:
        return _Worker(self._context, self.source, self.max_memory)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` now; start its replacement in the background."""
        worker.stop()
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                return
            self.restarts += 1
        threading.Thread(target=self._add_worker, name="ptkg-query-restart", daemon=True).start()

    def _add_worker(self) -> None:
        for attempt in range(1, 4):
            with self._lock:
                if self._closed:
                    return
                worker = self._new_worker()
                self._workers.add(worker)
            try:
                worker.wait_ready(self.start_timeout)
            except WorkerError as exc:
                log.error("query worker restart %d of 3 failed: %s", attempt, exc)
                with self._lock:
                    self._workers.discard(worker)
                time.sleep(attempt)
                continue
            with self._lock:
                if self._closed:
                    worker.stop()
                    self._workers.discard(worker)
                    return
            self._idle.put(worker)
            return

    def idle(self) -> int:
        """How many workers wait for a job now."""
        return self._idle.qsize()

    def alive(self) -> int:
        """How many worker processes are running now (0 before the pool has started)."""
        with self._lock:
            return sum(1 for w in self._workers if w.process.is_alive())

    @property
    def started(self) -> bool:
        """Whether ``start()`` has run (workers start on first use)."""
        return self._started

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._lock:
            return sorted(w.process.pid for w in self._workers if w.process.pid is not None)

    def opened(self) -> dict[int, str | None]:
        """Each live worker's store, as it reported it when ready: the folder of the on-disk
        store it opened read-only, or None (in memory, remote, or not ready yet)."""
        with self._lock:
            return {w.process.pid: w.opened for w in self._workers if w.process.pid is not None}

    def shutdown(self) -> None:
        """Stop every worker (idempotent); later queries are refused."""
        with self._lock:
            self._closed = True
            workers = set(self._workers)
            self._workers.clear()
        _stop_all(workers)
