"""Reading HTTP/1.1 requests off a connection, strictly.

:class:`RequestReader` is fed the bytes a connection receives, in whatever pieces they arrive,
and gives back whole requests (:class:`Request`): the request line, the header fields and the
whole body, de-chunked. It is strict where leniency lets two parties read one byte stream as
different requests (request smuggling): lines end in CRLF, a header field is a token, a colon and
a value without control characters, folded lines are refused, a Content-Length is digits and the
same in every copy, a body is framed by a Content-Length or by chunked transfer coding but never
both, and chunk sizes are hexadecimal digits. What it refuses is a :class:`BadRequest` with the
status to answer and a sentence saying why; after one, the connection is not read further.

Limits: the request line and header fields together at most ``max_header_bytes`` (431 beyond),
a body at most ``max_body_bytes`` (413 beyond: from the Content-Length alone, before any of the
body is read, or as soon as a chunked body passes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([^\x00-\x20\x7f]+) HTTP/([0-9])\.([0-9])")
FIELD = re.compile(rb"(" + TOKEN + rb"):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*")
ABSOLUTE = re.compile(rb"https?://", re.IGNORECASE)
DIGITS = re.compile(rb"[0-9]+")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?")
MAX_CHUNK_LINE = 4096
"""Bytes a chunk's size line (with its extensions) or a trailer field may take."""


class BadRequest(Exception):
    """A request that is not answered by the app: ``status`` and a sentence for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Request:
    """One whole request as received: names of header fields lower-cased, values as sent."""

    method: str
    target: str
    version: tuple[int, int]
    headers: list[tuple[str, str]]
    body: bytes = b""
    framed: bool = False
    """Whether the request announced a body (a Content-Length, or chunked)."""
    expects_continue: bool = False
    keep_alive: bool = True


@dataclass
class _Chunked:
    """Where a chunked body is: reading a size line, ``left`` bytes of data, its CRLF, or the
    trailer."""

    state: str = "size"
    left: int = 0
    parts: list[bytes] = field(default_factory=list)
    size: int = 0


class RequestReader:
    """The requests of one connection, from the bytes it receives (:meth:`feed`)."""

    def __init__(self, max_header_bytes: int, max_body_bytes: int) -> None:
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes
        self.buffer = bytearray()
        self.head: Request | None = None
        """The request whose header fields have arrived and whose body has not, all of it."""
        self._length = 0
        self._chunked: _Chunked | None = None

    @property
    def started(self) -> bool:
        """Whether any of a request has arrived (an idle connection has none)."""
        return bool(self.buffer) or self.head is not None

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next_request(self) -> Request | None:
        """The next whole request, or None until more has arrived. Raises :class:`BadRequest`."""
        if self.head is None:
            self.head = self._read_head()
            if self.head is None:
                return None
        body = self._read_body(self.head)
        if body is None:
            return None
        request, self.head = self.head, None
        request.body = body
        return request

    def wants_continue(self) -> bool:
        """Whether the header fields of a request have arrived whose client waits to be told to
        send its body ("Expect: 100-continue"), and it has not been told: true once."""
        head = self.head
        if head is None or not head.expects_continue:
            return False
        head.expects_continue = False
        return True

    # --- the request line and the header fields ---------------------------------------------

    def _read_head(self) -> Request | None:
        buffer = self.buffer
        while buffer[:2] == b"\r\n":  # empty lines before a request are allowed (RFC 9112 2.2)
            del buffer[:2]
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > self.max_header_bytes:
                raise BadRequest(431, "the request line and header fields are too large")
            return None
        if end > self.max_header_bytes:
            raise BadRequest(431, "the request line and header fields are too large")
        head = bytes(buffer[:end])
        del buffer[: end + 4]
        return self._parse_head(head)

    def _parse_head(self, head: bytes) -> Request:
        lines = head.split(b"\r\n")
        if any(b"\r" in line or b"\n" in line for line in lines):
            raise BadRequest(400, "a line of the request ends in a bare CR or LF, not CRLF")
        line = REQUEST_LINE.fullmatch(lines[0])
        if line is None:
            raise BadRequest(400, "the request line is not 'METHOD TARGET HTTP/1.1'")
        method, target, major, minor = line.groups()
        if major != b"1":
            raise BadRequest(505, "only HTTP/1.0 and HTTP/1.1 are served")
        version = (1, 1 if minor != b"0" else 0)
        if not (target[:1] == b"/" or ABSOLUTE.match(target) or target == b"*"):
            raise BadRequest(400, "the request target is not a path or an absolute URL")
        headers: list[tuple[str, str]] = []
        for raw in lines[1:]:
            found = FIELD.fullmatch(raw)
            if found is None:
                if raw[:1] in (b" ", b"\t"):
                    raise BadRequest(400, "a header field is folded over lines")
                raise BadRequest(400, "a header field is not 'Name: value'")
            name, value = found.groups()
            headers.append((name.decode("ascii").lower(), value.decode("latin-1")))
        request = Request(method.decode("ascii"), target.decode("latin-1"), version, headers)
        self._frame(request)
        return request

    def _frame(self, request: Request) -> None:
        """How the request's body is framed, whether the connection stays open after it, and
        whether the client waits to be told to send its body."""
        values: dict[str, list[str]] = {}
        for name, value in request.headers:
            values.setdefault(name, []).append(value)
        if request.version == (1, 1) and len(values.get("host", ())) != 1:
            raise BadRequest(400, "an HTTP/1.1 request needs exactly one Host header field")
        connection = {t.strip().lower() for v in values.get("connection", ()) for t in v.split(",")}
        request.keep_alive = (
            "close" not in connection if request.version == (1, 1) else "keep-alive" in connection
        )
        coding = values.get("transfer-encoding")
        lengths = {t.strip() for v in values.get("content-length", ()) for t in v.split(",")}
        self._chunked, self._length = None, 0
        request.framed = coding is not None or bool(lengths)
        if coding is not None:
            if lengths:
                raise BadRequest(400, "a request has both a Content-Length and a Transfer-Encoding")
            if request.version == (1, 0):
                raise BadRequest(400, "an HTTP/1.0 request cannot be chunked")
            if [c.strip().lower() for v in coding for c in v.split(",")] != ["chunked"]:
                raise BadRequest(501, "the only transfer coding served is 'chunked'")
            self._chunked = _Chunked()
        elif lengths:
            if len(lengths) > 1 or not all(DIGITS.fullmatch(t.encode()) for t in lengths):
                raise BadRequest(400, "the Content-Length is not one number")
            self._length = int(next(iter(lengths)))
            if self._length > self.max_body_bytes:
                raise BadRequest(413, "the request body is too large")
        has_body = self._chunked is not None or self._length > 0
        expect = [v.strip().lower() for v in values.get("expect", ())]
        request.expects_continue = (
            has_body and request.version == (1, 1) and "100-continue" in expect
        )

    # --- the body -----------------------------------------------------------------------------

    def _read_body(self, request: Request) -> bytes | None:
        if self._chunked is not None:
            return self._read_chunked(self._chunked)
        if len(self.buffer) < self._length:
            return None
        body = bytes(self.buffer[: self._length])
        del self.buffer[: self._length]
        return body

    def _read_chunked(self, chunked: _Chunked) -> bytes | None:
        buffer = self.buffer
        while True:
            if chunked.state == "data":
                take = min(chunked.left, len(buffer))
                if take == 0:
                    return None
                chunked.parts.append(bytes(buffer[:take]))
                del buffer[:take]
                chunked.left -= take
                if chunked.left == 0:
                    chunked.state = "crlf"
            elif chunked.state == "crlf":
                if len(buffer) < 2:
                    return None
                if buffer[:2] != b"\r\n":
                    raise BadRequest(400, "a chunk of the body does not end in CRLF")
                del buffer[:2]
                chunked.state = "size"
            else:
                line = self._chunk_line()
                if line is None:
                    return None
                if self._chunk_ended(chunked, line):
                    self._chunked = None
                    return b"".join(chunked.parts)

    def _chunk_line(self) -> bytes | None:
        """A chunk's size line or a trailer field, once it has arrived whole."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            if len(self.buffer) > MAX_CHUNK_LINE:
                raise BadRequest(400, "a chunk's size line is too long")
            return None
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 2]
        return line

    def _chunk_ended(self, chunked: _Chunked, line: bytes) -> bool:
        """Read a chunk's size line or a trailer field: whether the body has ended."""
        if chunked.state == "trailer":
            if not line:
                return True
            if FIELD.fullmatch(line) is None:
                raise BadRequest(400, "a trailer field is not 'Name: value'")
            return False
        size = CHUNK_SIZE.fullmatch(line)
        if size is None:
            raise BadRequest(400, "a chunk's size is not hexadecimal digits")
        chunked.left = int(size.group(1), 16)
        chunked.size += chunked.left
        if chunked.size > self.max_body_bytes:
            raise BadRequest(413, "the request body is too large")
        chunked.state = "data" if chunked.left else "trailer"
        return False
