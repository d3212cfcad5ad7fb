"""The app's answer to one request: its status line and header fields, its framing, and writing
it to the connection from the thread that makes it (:class:`Answer`); the answers the server
gives itself, in the app's error shape (:func:`refusal`).

Framing: the app's Content-Length when it gives one (an answer that writes more is cut there, one
that writes less ends the connection, the only way a client can then tell where it ends);
otherwise chunked for an HTTP/1.1 client that keeps its connection, or the end of the connection
for the others. Answers to HEAD, 1xx, 204 and 304 have no body. The parts of an answer are
gathered and sent together (one write for the usual answer, header fields and body); a part the
socket does not take at once is left to the event loop when it is the answer's last, and waited
for by the thread otherwise, so that a long answer streamed by the app is held in memory a
megabyte at a time at most.
"""

from __future__ import annotations

import email.utils
import io
import json
import logging
import select
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

from server.httpd.requests import BadRequest, Request

if TYPE_CHECKING:
    from server.httpd.serving import Connection, HTTPServer

log = logging.getLogger("server.httpd")

FLUSH = 1 << 20
"""Bytes of an answer gathered before they are sent."""
HOP_BY_HOP = frozenset(
    [
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ]
)
"""Header fields about one connection, which are the server's to set, not the app's."""
REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
}


class ClientGone(Exception):
    """The client closed the connection, or took nothing of its answer for too long."""


class DateHeader:
    """The Date header's value, made once a second."""

    def __init__(self) -> None:
        self._second, self._text = 0, ""

    def __call__(self) -> str:
        now = int(time.time())
        if now != self._second:  # two threads may both make it: the same text
            self._text, self._second = email.utils.formatdate(now, usegmt=True), now
        return self._text


def refusal(exc: BadRequest, date: str, ident: str) -> bytes:
    """The whole answer to a request the app does not see: the app's error shape, and the
    connection closed after it."""
    body = json.dumps({"ok": False, "status": exc.status, "error": exc.message}).encode()
    head = (
        f"HTTP/1.1 {exc.status} {REASONS.get(exc.status, 'Error')}\r\n"
        "Content-Type: application/json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n"
        f"Date: {date}\r\nServer: {ident}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def environ(server: HTTPServer, conn: Connection, request: Request) -> dict[str, Any]:
    """The request as the WSGI app reads it (PEP 3333). Header fields whose name has an
    underscore, and those the server is told to drop, are left out."""
    target = request.target
    if target[:1] == "/":
        path, _, query = target.partition("?")
        path = "/" + path.lstrip("/")
    elif target == "*":
        path, query = target, ""
    else:  # the absolute form, as sent to a proxy
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
    found: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "RAW_URI": target,
        "SERVER_NAME": str(conn.local[0]),
        "SERVER_PORT": str(conn.local[1]),
        "SERVER_PROTOCOL": f"HTTP/1.{request.version[1]}",
        "SERVER_SOFTWARE": server.ident,
        "REMOTE_ADDR": str(conn.address[0]),
        "REMOTE_PORT": str(conn.address[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if request.framed:
        found["CONTENT_LENGTH"] = str(len(request.body))  # of the body as received, de-chunked
    drop = server.drop
    for name, value in request.headers:
        if "_" in name or name in drop or name == "content-length":
            continue
        key = "CONTENT_TYPE" if name == "content-type" else f"HTTP_{name.upper().replace('-', '_')}"
        before = found.get(key)
        found[key] = value if before is None else f"{before},{value}"
    return found


class Answer:
    """The app's answer to one request, written by the thread that calls the app."""

    def __init__(self, server: HTTPServer, conn: Connection, request: Request) -> None:
        self.server, self.conn, self.request = server, conn, request
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.started = self.sent_head = self.chunked = False
        self.body = True
        self.length: int | None = None
        self.written = 0
        self.out: list[bytes] = []
        self.gathered = 0
        self.close = not request.keep_alive

    def run(self) -> None:
        """Call the app and write its answer; the connection is then the loop's, or taken on to
        its next request (:meth:`HTTPServer.leave`). Raises ClientGone."""
        result: Iterable[bytes] | None = None
        try:
            result = self.server.app(environ(self.server, self.conn, self.request), self.start)
            for part in result:
                self.write(part)
            self.finish()
        except ClientGone:
            raise
        except Exception:
            log.exception("the app failed on %s %s", self.request.method, self.request.target)
            if self.sent_head:  # part of the answer is out: only closing tells the client
                raise ClientGone() from None
            self.server.refuse(self.conn, BadRequest(500, "internal error; it has been logged"))
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def start(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        """WSGI's ``start_response``."""
        if exc_info is not None:
            try:
                if self.sent_head:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.started:
            raise AssertionError("start_response called twice without exc_info")
        for name, _ in headers:
            if name.lower() in HOP_BY_HOP:
                raise AssertionError(f"the app set the hop-by-hop header field {name}")
        self.status, self.headers, self.started = status, headers, True
        return self.write

    def write(self, data: bytes) -> None:
        if not self.sent_head:
            self._head()
        if not data or not self.body:
            return
        if self.gathered >= FLUSH:  # sent before the next part, so the last is the loop's to send
            self._flush(last=False)
        if self.length is not None:
            room = self.length - self.written
            if len(data) > room:  # more than the app announced: the client would misread it
                data, self.close = data[:room], True
        self.written += len(data)
        if self.chunked:
            self.out += (b"%x\r\n" % len(data), data, b"\r\n")
        else:
            self.out.append(data)
        self.gathered += len(data)

    def finish(self) -> None:
        if not self.sent_head:
            self._head()
        if self.chunked:
            self.out.append(b"0\r\n\r\n")
        if self.body and self.length is not None and self.written < self.length:
            self.close = True  # fewer bytes than announced: only closing ends the answer
        self._flush(last=True)

    def _head(self) -> None:
        if not self.started:
            raise AssertionError("the app wrote its answer before calling start_response")
        request, conn = self.request, self.conn
        code = int(self.status[:3])
        self.body = request.method != "HEAD" and code >= 200 and code not in (204, 304)
        # A client that shut its side is answered, then the connection closed, unless more of
        # its requests have arrived.
        self.close = self.close or (conn.closing and not conn.reader.started)
        lines = [f"HTTP/1.1 {self.status}"]
        for name, value in self.headers:
            if name.lower() == "content-length":
                self.length = int(value)
            lines.append(f"{name}: {value}")
        if self.body and self.length is None:
            if request.version == (1, 1) and not self.close:
                self.chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                self.close = True
        if self.close:
            lines.append("Connection: close")
        elif request.version == (1, 0):
            lines.append("Connection: keep-alive")
        lines.append(f"Date: {self.server.date()}\r\nServer: {self.server.ident}\r\n\r\n")
        self.out.append("\r\n".join(lines).encode("latin-1"))
        self.sent_head = True

    def _flush(self, last: bool) -> None:
        data = self.out[0] if len(self.out) == 1 else b"".join(self.out)
        self.out.clear()
        self.gathered = 0
        conn, server = self.conn, self.server
        if last:  # what the socket does not take now, the loop writes; the thread is done
            conn.closing = conn.closing or self.close
            server.leave(conn, data)
            return
        sent = server.send_some(conn, data)
        if sent < len(data):
            self._wait_to_send(data[sent:])

    def _wait_to_send(self, data: bytes) -> None:
        """Send the rest of a part of a long answer, waiting for the client to take it."""
        poller = select.poll()
        poller.register(self.conn.fd, select.POLLOUT)
        timeout = self.server.limits.send_seconds * 1000
        while data:
            if not poller.poll(timeout):
                raise ClientGone()
            data = data[self.server.send_some(self.conn, data) :]
