"""What the tests of the HTTP server (``server.httpd``) run it with: a small WSGI app, the server
serving it on 127.0.0.1 in a thread (:func:`serving`), and a client that speaks raw HTTP/1.1 over
one socket and reads answers as they are framed (:class:`Client`)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from server.httpd import HTTPServer, Limits

LIMITS = Limits(max_header_bytes=4096, max_body_bytes=1024)
"""Small enough that the tests can pass them in a few kilobytes."""
MIB = 1 << 20
PATTERN = bytes(range(256))
STREAM = [b"first part, ", b"", b"x" * 70_000, b", last part"]
"""What ``/stream`` yields, an empty part among them."""
STREAM_PART = 256 * 1024
"""The size of the parts ``/stream/<n>`` yields."""
SMALL_WINDOW = 16 * 1024
"""The receive buffer of a client that reads slowly or not at all: the server's writes soon
stall."""
SHORT = (100, b"ten bytes.")
"""What ``/short`` announces as its Content-Length, and what it writes."""


def big(mebibytes: int) -> bytes:
    """The body of ``/big/<mebibytes>``: bytes that show where a piece of it was cut from."""
    return PATTERN * (mebibytes * MIB // len(PATTERN))


def echo(environ: dict[str, Any]) -> dict[str, Any]:
    """What the app saw of a request."""
    return {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "protocol": environ["SERVER_PROTOCOL"],
        "content_length": environ.get("CONTENT_LENGTH"),
        "body": environ["wsgi.input"].read().decode("latin-1"),
        "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
    }


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """The test app: ``/echo…`` answers what it saw as JSON, ``/sleep/<seconds>`` sleeps first,
    ``/big/<n>`` answers n MiB with a Content-Length, ``/stream`` yields :data:`STREAM` without
    one and ``/stream/<n>`` the n MiB in parts, ``/short`` writes fewer bytes than its Content-Length, ``/raise`` fails."""
    path = environ["PATH_INFO"]
    if path.startswith("/sleep/"):
        time.sleep(float(path.rsplit("/", 1)[1]))
        path = "/echo"
    if path.startswith("/echo"):
        body = json.dumps(echo(environ)).encode()
        start_response("200 OK", [("Content-Type", "application/json"), _length(body)])
        return [body]
    if path.startswith("/big/"):
        body = big(int(path.rsplit("/", 1)[1]))
        start_response("200 OK", [("Content-Type", "application/octet-stream"), _length(body)])
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter(STREAM)
    if path.startswith("/stream/"):
        body = big(int(path.rsplit("/", 1)[1]))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return (body[at : at + STREAM_PART] for at in range(0, len(body), STREAM_PART))
    if path == "/short":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "100")])
        return [SHORT[1]]
    if path == "/raise":
        raise RuntimeError("the test app fails on purpose")
    start_response("404 Not Found", [("Content-Length", "0")])
    return []


def _length(body: bytes) -> tuple[str, str]:
    return ("Content-Length", str(len(body)))


@contextlib.contextmanager
def serving(limits: Limits = LIMITS, threads: int = 2, drop: Iterable[str] = ()) -> Iterator[int]:
    """The test app served on 127.0.0.1 while the block runs: its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = HTTPServer(app, [listener], threads=threads, limits=limits, ident="test", drop=drop)
    loop = threading.Thread(target=server.serve_forever, name="httpd-loop", daemon=True)
    loop.start()
    try:
        yield listener.getsockname()[1]
    finally:
        server.stop()
        loop.join(10)
        listener.close()
        assert not loop.is_alive(), "the server's loop did not stop"


@dataclass
class Answer:
    """One answer as read off the connection: header names lower-cased."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    chunked: bool = False

    def header(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n == name]
        return ",".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One connection to the server, read and written as raw bytes."""

    def __init__(self, port: int, timeout: float = 10.0, receive_buffer: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:  # before connecting, so that the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buffer = bytearray()
        self.eof = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _more(self) -> bool:
        """Receive what comes next; False at the end of the connection."""
        if self.eof:
            return False
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            if not self._more():
                raise EOFError(f"the connection ended in a line: {bytes(self.buffer)!r}")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._more():
                raise EOFError(f"the connection ended {size - len(self.buffer)} bytes short")
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def rest(self) -> bytes:
        """Everything up to the end of the connection (the socket's timeout bounds the wait)."""
        while self._more():
            pass
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    def head(self) -> tuple[int, list[tuple[str, str]]]:
        """An answer's status and header fields."""
        version, status, _ = self.line().decode("latin-1").split(" ", 2)
        assert version == "HTTP/1.1", version
        headers = []
        while line := self.line():
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.lower(), value.strip()))
        return int(status), headers

    def answer(self, method: str = "GET") -> Answer:
        """The next answer, its body read as it is framed (chunks decoded)."""
        status, headers = self.head()
        found = Answer(status, headers, b"")
        length = found.header("content-length")
        if method == "HEAD" or status in (204, 304) or status < 200:
            return found
        if found.header("transfer-encoding") == "chunked":
            found.chunked, found.body = True, self._chunks()
        elif length is not None:
            found.body = self.exactly(int(length))
        else:
            found.body = self.rest()
        return found

    def _chunks(self) -> bytes:
        parts = []
        while size := int(self.line().split(b";")[0], 16):
            parts.append(self.exactly(size))
            assert self.exactly(2) == b"\r\n", "a chunk does not end in CRLF"
        while self.line():  # trailer fields
            pass
        return b"".join(parts)

    def ask(self, target: str = "/echo", method: str = "GET", extra: str = "") -> Answer:
        """Send a request and read its answer."""
        self.send(request(target, method, extra))
        return self.answer(method)


def request(
    target: str = "/echo", method: str = "GET", extra: str = "", body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request; ``extra`` holds further header lines, each ending in CRLF."""
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\n{length}{extra}\r\n"
    return head.encode("latin-1") + body


def eventually(check: Callable[[], bool], within: float) -> bool:
    """Whether ``check`` comes true within ``within`` seconds, looked at every 50 ms."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
