"""The event loop and the threads: :class:`HTTPServer`.

One thread runs the loop (epoll). It accepts connections, reads requests off them with a
:class:`~server.httpd.requests.RequestReader`, and puts each request that has arrived whole on a
queue; it also writes what a thread left of an answer, and closes connections past their
deadline. ``threads`` threads take requests off the queue, call the app and write its answer
(:class:`~server.httpd.answers.Answer`) as far as the socket takes it, then, as the loop does once
it has written the rest (:meth:`HTTPServer.leave`), queue any whole request pipelined behind it or
hand the connection back to the loop by re-arming it. Each connection is watched once at a time
(``EPOLLONESHOT``), so it belongs either to the loop or to one thread, and a thread's hand-back
does not wake the loop.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any

from server.httpd.answers import Answer, ClientGone, DateHeader, refusal
from server.httpd.requests import BadRequest, Request, RequestReader

log = logging.getLogger("server.httpd")

READ = select.EPOLLIN | select.EPOLLONESHOT
WRITE = select.EPOLLOUT | select.EPOLLONESHOT
RECEIVE = 1 << 16
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
LINGER_SECONDS = 2.0
LINGER_BYTES = 1 << 20
"""After its last answer, a connection is shut for sending, and what the client still sends is
read and dropped, for at most this long and this many bytes, before it is closed: closing a
socket with bytes unread makes the system reset the connection, and a reset can destroy the
answer before the client has read it (a 413 to a client still sending its body, say)."""
SWEEP_SECONDS = 1.0
"""How often deadlines are looked at: each is kept to within this."""
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class Limits:
    """What the server reads, and how long it waits: for a request to arrive whole from its first
    byte, for the next request on a kept-alive connection, and for a client to take any of its
    answer. Beyond ``max_connections`` open at once, further clients wait to be accepted."""

    max_header_bytes: int
    max_body_bytes: int
    request_seconds: float = 30.0
    idle_seconds: float = 120.0
    send_seconds: float = 120.0
    max_connections: int = 1000


class Connection:
    """One client's connection, and what has arrived of its requests."""

    __slots__ = (
        "address",
        "closing",
        "deadline",
        "discard",
        "fd",
        "local",
        "output",
        "reader",
        "sock",
    )

    def __init__(self, sock: socket.socket, address: Any, local: Any, limits: Limits) -> None:
        self.sock, self.fd, self.address, self.local = sock, sock.fileno(), address, local
        self.reader = RequestReader(limits.max_header_bytes, limits.max_body_bytes)
        self.deadline = time.monotonic() + limits.idle_seconds
        """When the loop closes it (0: never, while a thread has it)."""
        self.output = b""
        """What is left of an answer, for the loop to write."""
        self.closing = False
        """Whether it is closed once its last answer is out (the client shut its side, or an
        answer said so)."""
        self.discard: int | None = None
        """Once its last answer is out: how many more bytes the client may send, to be dropped,
        before the connection is closed."""


class HTTPServer:
    """Serves ``app`` on ``sockets`` (bound and listening) until :meth:`stop` is called or the
    loop's thread is interrupted (a signal handler raising SystemExit)."""

    def __init__(
        self,
        app: WSGIApp,
        sockets: list[socket.socket],
        *,
        threads: int,
        limits: Limits,
        ident: str,
        drop: Iterable[str] = (),
    ) -> None:
        self.app, self.limits, self.ident = app, limits, ident
        self.drop = frozenset(name.lower() for name in drop)
        """Header fields not passed to the app."""
        self.date = DateHeader()
        self.listeners = {sock.fileno(): sock for sock in sockets}
        self.connections: dict[int, Connection] = {}
        self.queue: SimpleQueue[tuple[Connection, Request] | None] = SimpleQueue()
        self.threads = [
            threading.Thread(target=self._work, name=f"httpd-{n}", daemon=True)
            for n in range(threads)
        ]
        self._epoll = select.epoll()
        self._stopping = threading.Event()
        self._accepting = True

    # --- the loop -----------------------------------------------------------------------------

    def serve_forever(self) -> None:
        for sock in self.listeners.values():
            sock.setblocking(False)
            self._epoll.register(sock.fileno(), select.EPOLLIN)
        for thread in self.threads:
            thread.start()
        try:
            swept = time.monotonic()
            while not self._stopping.is_set():
                for fd, _ in self._epoll.poll(SWEEP_SECONDS):
                    self._event(fd)
                now = time.monotonic()
                if now - swept >= SWEEP_SECONDS:
                    self._sweep(now)
                    swept = now
        finally:
            self._close_all()

    def stop(self) -> None:
        """Stop serving (within a second): the connections are closed, the threads let go."""
        self._stopping.set()

    def _event(self, fd: int) -> None:
        listener = self.listeners.get(fd)
        if listener is not None:
            self._accept(listener)
            return
        conn = self.connections.get(fd)
        if conn is None:
            return
        if conn.discard is not None:
            self._discard(conn)
        elif conn.output:
            self._drain(conn)
        else:
            self._receive(conn)

    def _accept(self, listener: socket.socket) -> None:
        while len(self.connections) < self.limits.max_connections:
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # out of descriptors, or the client gave up: later
                log.warning("cannot accept a connection: %s", exc)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, address, listener.getsockname(), self.limits)
            self.connections[conn.fd] = conn
            self._epoll.register(conn.fd, READ)
        self._accepting = False  # full: accept again once some have closed (_sweep)
        for fd in self.listeners:
            self._epoll.modify(fd, 0)

    def _received(self, conn: Connection) -> bytes | None:
        """What the client sent (``b""``: it shut its side), or None: nothing yet (watched
        again), or the connection failed (closed)."""
        try:
            return conn.sock.recv(RECEIVE)
        except (BlockingIOError, InterruptedError):
            self.arm(conn, READ)
        except OSError:
            self.close(conn)
        return None

    def _receive(self, conn: Connection) -> None:
        data = self._received(conn)
        if data is None:
            return
        if not data:  # the client shut its side: what has arrived whole is answered
            conn.closing = True
        elif not conn.reader.started:
            conn.deadline = time.monotonic() + self.limits.request_seconds
        conn.reader.feed(data)
        self._next(conn)

    def _next(self, conn: Connection) -> None:
        """Give the connection's next whole request to a thread, or wait for more of it."""
        try:
            request = conn.reader.next_request()
        except BadRequest as exc:
            self.refuse(conn, exc)
            return
        if request is not None:
            conn.deadline = 0.0
            self.queue.put((conn, request))
        elif conn.closing:
            self.close(conn)
        else:
            if conn.reader.wants_continue():
                self.send_some(conn, CONTINUE)
            self.arm(conn, READ)

    def _drain(self, conn: Connection) -> None:
        """Write what is left of an answer; once it is out, close the connection or take its
        next request (answered from the queue, or waited for)."""
        try:
            sent = self.send_some(conn, conn.output)
        except ClientGone:
            self.close(conn)
            return
        conn.output = conn.output[sent:]
        now = time.monotonic()
        if conn.output:
            if sent:
                conn.deadline = now + self.limits.send_seconds
            self.arm(conn, WRITE)
        elif conn.closing:
            self.end(conn)
        else:
            self._wait_for_next(conn, now)
            self._next(conn)

    def _discard(self, conn: Connection) -> None:
        """Read and drop what a client sends after its last answer, until it closes too."""
        data = self._received(conn)
        if data is None:
            return
        conn.discard = (conn.discard or 0) - len(data)
        if data and conn.discard > 0:
            self.arm(conn, READ)
        else:
            self.close(conn)

    def _sweep(self, now: float) -> None:
        """Close the connections past their deadline (with a 408 to one whose request is late),
        and accept again once there is room."""
        for conn in list(self.connections.values()):
            if conn.deadline and now > conn.deadline:
                late = conn.reader.started and conn.discard is None and not conn.output
                if late:
                    self.refuse(conn, BadRequest(408, "the request did not arrive in time"))
                else:
                    self.close(conn)
        if not self._accepting and len(self.connections) < self.limits.max_connections:
            self._accepting = True
            for fd in self.listeners:
                self._epoll.modify(fd, select.EPOLLIN)

    def _close_all(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for conn in list(self.connections.values()):
            self.close(conn)
        self._epoll.close()

    # --- a connection, from the loop or the thread that has it ---------------------------------

    def arm(self, conn: Connection, events: int) -> None:
        """Hand the connection to the loop, to be woken when it can read or write."""
        try:
            self._epoll.modify(conn.fd, events)
        except (OSError, ValueError):  # closed meanwhile, or the loop has stopped
            self.close(conn)

    def _wait_for_next(self, conn: Connection, now: float) -> None:
        limits = self.limits
        started = conn.reader.started
        conn.deadline = now + (limits.request_seconds if started else limits.idle_seconds)

    def end(self, conn: Connection) -> None:
        """Close the connection once its last answer is out: shut it for sending, and drop what
        the client still sends (``LINGER_BYTES``, ``LINGER_SECONDS``) before closing it."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.close(conn)
            return
        conn.discard = LINGER_BYTES
        conn.reader.buffer.clear()
        conn.deadline = time.monotonic() + LINGER_SECONDS
        self.arm(conn, READ)

    def close(self, conn: Connection) -> None:
        """Close the connection now."""
        if self.connections.get(conn.fd) is conn:  # before closing: the number may be reused
            del self.connections[conn.fd]
        conn.deadline = 0.0
        conn.sock.close()

    def refuse(self, conn: Connection, exc: BadRequest) -> None:
        """Answer a request the app does not see, and close the connection after it."""
        conn.closing = True
        conn.reader.buffer.clear()
        self.leave(conn, refusal(exc, self.date(), self.ident))

    def leave(self, conn: Connection, data: bytes) -> None:
        """Send the last of an answer as far as the socket takes it now and leave the rest to
        the loop; once it is all out, close the connection or take its next request. The caller
        must not touch the connection again."""
        conn.output = data
        conn.deadline = time.monotonic() + self.limits.send_seconds
        self._drain(conn)

    @staticmethod
    def send_some(conn: Connection, data: bytes) -> int:
        """How much of ``data`` the socket took without waiting. Raises ClientGone."""
        sent = 0
        view = memoryview(data)
        try:
            while sent < len(data):
                sent += conn.sock.send(view[sent:])
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            raise ClientGone() from exc
        return sent

    # --- the threads --------------------------------------------------------------------------

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            conn, request = item
            try:
                Answer(self, conn, request).run()
            except ClientGone:
                self.close(conn)
            except Exception:  # the server's own fault: the connection cannot be trusted on
                log.exception("answering %s %s failed", request.method, request.target)
                self.close(conn)
