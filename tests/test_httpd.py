"""The HTTP server's promises (``server.httpd``) about reading requests and framing answers, held
with real sockets on 127.0.0.1: the request reader gives the same requests however their bytes
are split, a request that breaks the protocol is refused the same way by the reader and by the
server (in the app's error shape, the connection closed after it), and the server keeps, closes,
pipelines and frames connections as ``server/httpd/__init__.py`` says. Waiting and deadlines are
held in ``test_httpd_waiting.py``."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.httpd.requests import BadRequest, Request, RequestReader
from tests.httpd_harness import (
    LIMITS,
    SHORT,
    SMALL_WINDOW,
    STREAM,
    Client,
    big,
    request,
    serving,
)

# --- the reader: the same requests however the bytes arrive -----------------------------------

FRAMING = {"host", "connection", "expect", "content-length", "transfer-encoding"}
TOKENS = st.text(
    "abcdefghijklmnopqrstuvwxyz0123456789-!#$%&'*+.^`|~", min_size=1, max_size=12
).filter(lambda name: name not in FRAMING)
VALUES = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f") | st.just("\t")
)
"""Header values as sent: the reader gives them without the spaces and tabs around them."""
PATHS = st.text("abcxyz0123456789-._~%/!$&'()*+,;=:@", max_size=20)


@st.composite
def chunked(draw, body: bytes) -> bytes:
    """``body`` in chunks, sizes in either case with leading zeros, extensions and trailer
    fields."""
    out = b""
    at = 0
    while at < len(body):
        size = draw(st.integers(1, len(body) - at))
        digits = draw(st.sampled_from(["%x", "%X", "00%x"])) % size
        extension = draw(st.sampled_from(["", ";name", ";name=value", ' ;q="a b"']))
        out += f"{digits}{extension}\r\n".encode() + body[at : at + size] + b"\r\n"
        at += size
    out += b"0" + draw(st.sampled_from([b"", b";last"])) + b"\r\n"
    for name, value in draw(st.lists(st.tuples(TOKENS, VALUES), max_size=2)):
        out += f"{name}: {value}\r\n".encode("latin-1")
    return out + b"\r\n"


@st.composite
def requests(draw) -> tuple[bytes, Request]:
    """A valid request's bytes, and the request the reader must make of them."""
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
    target = "/" + draw(PATHS) + draw(st.sampled_from(["", "?", "?q=a%20b&x=%FF"]))
    version = draw(st.sampled_from([(1, 1), (1, 0)]))
    headers = [("host", "test")] if version == (1, 1) else []
    headers += [(n, v) for n, v in draw(st.lists(st.tuples(TOKENS, VALUES), max_size=3))]
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "chunked"] if version == (1, 1) else ["length"]))
    if not body:
        framing = draw(st.sampled_from([framing, "none"]))
    encoded = body
    if framing == "length":
        headers.append(("content-length", str(len(body))))
    elif framing == "chunked":
        headers.append(("transfer-encoding", "chunked"))
        encoded = draw(chunked(body))
    lines = [f"{method} {target} HTTP/1.{version[1]}"] + [f"{n}:{v}" for n, v in headers]
    headers = [(n, v.strip(" \t")) for n, v in headers]
    blank = draw(st.sampled_from([b"", b"\r\n"]))  # empty lines before a request are allowed
    data = blank + "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + encoded
    framed = framing != "none"
    expected = Request(method, target, version, headers, body, framed, False, version == (1, 1))
    return data, expected


def read_all(pieces: list[bytes]) -> list[Request]:
    reader = RequestReader(max_header_bytes=1 << 16, max_body_bytes=1 << 16)
    found = []
    for piece in pieces:
        reader.feed(piece)
        while (one := reader.next_request()) is not None:
            found.append(one)
    assert not reader.started, "bytes are left over"
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(requests(), min_size=1, max_size=4), st.data())
def test_reader_gives_the_same_requests_however_the_bytes_are_split(made, data):
    whole = b"".join(bytes_ for bytes_, _ in made)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(whole) - 1)), max_size=40)))
    pieces = [whole[a:b] for a, b in zip([0, *cuts], [*cuts, len(whole)], strict=True)]
    expected = [one for _, one in made]
    assert read_all([whole]) == expected
    assert read_all(pieces) == expected
    assert read_all([whole[i : i + 1] for i in range(len(whole))]) == expected


# --- bad requests: refused by the reader and by the server alike ------------------------------

HEAD = b"POST / HTTP/1.1\r\nHost: test\r\n"
BAD = {
    "bare LF ending a header field": (b"GET / HTTP/1.1\r\nHost: test\nX-A: b\r\n\r\n", 400),
    "bare LF ending the request line": (b"GET / HTTP/1.1\nHost: test\r\n\r\n", 400),
    "bare CR in a header field": (b"GET / HTTP/1.1\r\nHost: test\rX-A: b\r\n\r\n", 400),
    "folded header field": (b"GET / HTTP/1.1\r\nHost: test\r\nX-A: a\r\n b\r\n\r\n", 400),
    "header field without colon": (b"GET / HTTP/1.1\r\nHost: test\r\nX-A b\r\n\r\n", 400),
    "space in a header name": (b"GET / HTTP/1.1\r\nHost: test\r\nX A: b\r\n\r\n", 400),
    "space before the colon": (b"GET / HTTP/1.1\r\nHost: test\r\nX-A : b\r\n\r\n", 400),
    "Content-Length not digits": (HEAD + b"Content-Length: 1x\r\n\r\n1x", 400),
    "Content-Length signed": (HEAD + b"Content-Length: +1\r\n\r\n1", 400),
    "two Content-Lengths": (HEAD + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n12", 400),
    "two Content-Lengths in one field": (HEAD + b"Content-Length: 1, 2\r\n\r\n12", 400),
    "Content-Length and chunked": (
        HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "gzip transfer coding": (HEAD + b"Transfer-Encoding: gzip\r\n\r\n", 501),
    "gzip before chunked": (HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    "chunked HTTP/1.0": (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    "HTTP/2.0": (b"GET / HTTP/2.0\r\nHost: test\r\n\r\n", 505),
    "HTTP/1.1 without Host": (b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400),
    "HTTP/1.1 with two Hosts": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    "chunk size not hexadecimal": (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    "chunk size negative": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
    "chunk not ending in CRLF": (HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY", 400),
    "target not a path": (b"GET echo HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    "target another scheme": (b"GET ftp://test/ HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    "request line with two spaces": (b"GET  / HTTP/1.1\r\nHost: test\r\n\r\n", 400),
    "header fields over the limit": (
        b"GET / HTTP/1.1\r\nHost: test\r\nX-A: " + b"a" * LIMITS.max_header_bytes + b"\r\n\r\n",
        431,
    ),
    "header fields over the limit, unfinished": (
        b"GET / HTTP/1.1\r\nHost: test\r\nX-A: " + b"a" * LIMITS.max_header_bytes,
        431,
    ),
    "Content-Length over the limit": (
        HEAD + b"Content-Length: %d\r\n\r\n" % (LIMITS.max_body_bytes + 1),
        413,
    ),
    "chunked body passing the limit": (
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + (b"200\r\n" + b"a" * 512 + b"\r\n") * 3,
        413,
    ),
}


@pytest.mark.parametrize(("data", "status"), BAD.values(), ids=BAD.keys())
def test_reader_refuses_a_bad_request(data, status):
    reader = RequestReader(LIMITS.max_header_bytes, LIMITS.max_body_bytes)
    reader.feed(data)
    with pytest.raises(BadRequest) as refused:
        reader.next_request()
    assert refused.value.status == status


@pytest.fixture(scope="module")
def port():
    with serving() as port:
        yield port


@pytest.mark.parametrize(("data", "status"), BAD.values(), ids=BAD.keys())
def test_server_refuses_a_bad_request_and_closes(port, data, status):
    with Client(port) as client:
        client.send(data)
        answer = client.answer()
        assert answer.status == status
        assert answer.header("content-type") == "application/json"
        assert answer.header("connection") == "close"
        shape = answer.json()
        assert shape["ok"] is False and shape["status"] == status
        assert isinstance(shape["error"], str) and shape["error"]
        assert client.rest() == b"", "the connection stays open after a refusal"
    with Client(port) as client:  # and the server goes on
        assert client.ask().status == 200


# --- connections: kept, closed, pipelined, half-closed ----------------------------------------


def test_keep_alive_serves_two_requests_on_one_connection(port):
    with Client(port) as client:
        first, second = client.ask("/echo/1"), client.ask("/echo/2")
        assert (first.status, second.status) == (200, 200)
        assert (first.json()["path"], second.json()["path"]) == ("/echo/1", "/echo/2")
        assert first.header("connection") is None
        assert (first.header("server"), first.header("content-type")) == (
            "test",
            "application/json",
        )
        assert first.header("date") is not None


def test_pipelined_requests_are_answered_in_order(port):
    with Client(port) as client:
        body = b"the body of the second"
        client.send(request("/echo/1") + request("/echo/2", "POST", body=body) + request("/echo/3"))
        answers = [client.answer() for _ in range(3)]
        assert [a.json()["path"] for a in answers] == ["/echo/1", "/echo/2", "/echo/3"]
        assert answers[1].json()["body"] == body.decode()
        assert client.ask("/echo/4").json()["path"] == "/echo/4"


def test_a_bad_request_pipelined_behind_a_good_one_is_refused_after_its_answer(port):
    with Client(port) as client:
        client.send(request("/echo/good") + b"GET / HTTP/1.1\r\nHost: test\r\nX A: b\r\n\r\n")
        assert client.answer().json()["path"] == "/echo/good"
        assert client.answer().status == 400
        assert client.rest() == b""


@pytest.mark.parametrize("window", [0, SMALL_WINDOW], ids=["default window", "small window"])
def test_half_closed_client_gets_its_whole_answer_then_the_end(port, window):
    """With a small window the loop writes most of the large answer, then hands the request
    behind it to a thread."""
    with Client(port, receive_buffer=window) as client:
        client.send(request("/big/8") + request("/echo/after"))
        client.sock.shutdown(socket.SHUT_WR)
        assert client.answer().body == big(8)
        assert client.answer().json()["path"] == "/echo/after"
        assert client.rest() == b""


def test_http_1_0_closes_unless_asked_to_keep(port):
    with Client(port) as client:
        client.send(b"GET /echo HTTP/1.0\r\n\r\n")
        answer = client.answer()
        assert answer.status == 200 and answer.json()["protocol"] == "HTTP/1.0"
        assert answer.header("connection") == "close"
        assert client.rest() == b""
    with Client(port) as client:
        for n in (1, 2):
            client.send(b"GET /echo/%d HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" % n)
            answer = client.answer()
            assert answer.header("connection") == "keep-alive"
            assert answer.json()["path"] == f"/echo/{n}"


def test_connection_close_closes_after_the_answer(port):
    with Client(port) as client:
        client.send(request(extra="Connection: close\r\n") + request("/echo/ignored"))
        answer = client.answer()
        assert answer.status == 200 and answer.header("connection") == "close"
        assert client.rest() == b"", "a request after Connection: close was answered"


def test_head_has_a_content_length_and_no_body(port):
    with Client(port) as client:
        answer = client.ask("/big/1", "HEAD")
        assert answer.status == 200 and answer.body == b""
        assert answer.header("content-length") == str(len(big(1)))
        follow = client.ask("/echo/next")  # would read the body's bytes if any had been sent
        assert follow.json()["path"] == "/echo/next"
        streamed = client.ask("/stream", "HEAD")
        assert streamed.status == 200 and streamed.header("transfer-encoding") is None
        assert client.ask("/echo/last").json()["path"] == "/echo/last"


# --- framing of answers -----------------------------------------------------------------------


def test_a_streamed_answer_is_chunked_to_http_1_1(port):
    with Client(port) as client:
        answer = client.ask("/stream")
        assert answer.chunked and answer.header("content-length") is None
        assert answer.body == b"".join(STREAM)
        assert client.ask("/echo/next").status == 200


def test_a_streamed_answer_ends_with_the_connection_to_http_1_0(port):
    with Client(port) as client:
        client.send(b"GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        answer = client.answer()
        assert not answer.chunked and answer.header("connection") == "close"
        assert answer.body == b"".join(STREAM)  # read to the end of the connection


def test_an_answer_shorter_than_its_content_length_ends_the_connection(port):
    with Client(port) as client:
        client.send(request("/short"))
        status, headers = client.head()
        assert status == 200 and ("content-length", str(SHORT[0])) in headers
        assert client.rest() == SHORT[1]


@pytest.mark.parametrize("before", [b"", request("/echo/before")], ids=["alone", "pipelined"])
def test_expect_100_continue_is_answered_before_the_body(port, before):
    """Alone, the loop says 100; behind another request, the thread that answers that one."""
    with Client(port) as client:
        body = b"sent after 100"
        head = request("/echo", "POST", "Expect: 100-continue\r\n", body)[: -len(body)]
        client.send(before + head)
        if before:
            assert client.answer().json()["path"] == "/echo/before"
        assert client.line() == b"HTTP/1.1 100 Continue"
        assert client.line() == b""
        client.send(body)
        answer = client.answer()
        assert answer.status == 200 and answer.json()["body"] == body.decode()


def test_an_app_failure_is_a_500_in_the_error_shape_and_the_server_goes_on(port):
    with Client(port) as client:
        answer = client.ask("/raise")
        assert answer.status == 500 and answer.header("content-type") == "application/json"
        shape = answer.json()
        assert shape["ok"] is False and shape["status"] == 500 and shape["error"]
        assert "RuntimeError" not in shape["error"]
    with Client(port) as client:
        assert client.ask("/echo").status == 200


# --- what the app sees --------------------------------------------------------------------------


def test_header_fields_with_underscores_or_dropped_never_reach_the_app():
    with serving(drop=["X-Dropped"]) as port, Client(port) as client:
        extra = "X_Forwarded_For: 6.6.6.6\r\nX-Dropped: no\r\nX-Multi: a\r\nX-Multi: b\r\nX-Kept: yes\r\n"
        seen = client.ask(extra=extra).json()["headers"]
        assert seen == {"HTTP_HOST": "test", "HTTP_X_MULTI": "a,b", "HTTP_X_KEPT": "yes"}


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/echo/a%20b", "/echo/a b", ""),
        ("/echo/%C3%A9?q=a%20b&x=%FF+y", "/echo/\xc3\xa9", "q=a%20b&x=%FF+y"),
        ("/echo/a%2Fb?", "/echo/a/b", ""),
        ("http://127.0.0.1/echo/abs?y=1", "/echo/abs", "y=1"),
    ],
)
def test_path_is_percent_decoded_and_the_query_left_raw(port, target, path, query):
    with Client(port) as client:
        seen = client.ask(target).json()
        assert (seen["path"], seen["query"]) == (path, query)


def test_the_app_reads_a_chunked_body_whole_with_its_length(port):
    with Client(port) as client:
        chunks = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
        client.send(request("/echo", "POST", "Transfer-Encoding: chunked\r\n") + chunks)
        seen = client.answer().json()
        assert (seen["body"], seen["content_length"]) == ("hello world", "11")
