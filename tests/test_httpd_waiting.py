"""The HTTP server's promises about waiting (``server.httpd``), held with real sockets on
127.0.0.1: a client that sends its request or reads its answer slowly holds no thread (one
thread serves others meanwhile), deadlines close connections whose request, next request or
taking of the answer is late, and beyond ``max_connections`` a client waits to be accepted.

The loop looks at deadlines once a second, so a deadline of a second is kept within about two;
the tests allow more, and bound waits generously (the machine may be busy), never by the speed
they expect."""

from __future__ import annotations

import select
import socket
import time
from dataclasses import replace

import pytest

from tests.httpd_harness import LIMITS, SMALL_WINDOW, Client, big, request, serving

PROMPT = 2.0
"""Seconds within which a request that holds no thread is answered (it takes milliseconds)."""
DEADLINES = replace(LIMITS, request_seconds=1.0, idle_seconds=1.0, send_seconds=1.0)
PAST_DEADLINES = 4.0
"""Seconds after which a deadline of :data:`DEADLINES` has surely been kept."""


def answered_promptly(port: int) -> float:
    """Seconds another client waits for an answer."""
    began = time.monotonic()
    with Client(port, timeout=PROMPT * 5) as other:
        assert other.ask("/echo/other").json()["path"] == "/echo/other"
    return time.monotonic() - began


def test_a_client_stalling_in_its_body_holds_no_thread():
    with serving(threads=1) as port, Client(port) as slow:
        body = b"b" * 100
        whole = request("/echo", "POST", body=body)
        slow.send(whole[:-50])
        assert answered_promptly(port) < PROMPT
        slow.send(whole[-50:])
        assert slow.answer().json()["body"] == body.decode()


def test_a_client_stalling_in_its_header_fields_holds_no_thread():
    with serving(threads=1) as port, Client(port) as slow:
        whole = request("/echo/slow")
        slow.send(whole[:20])
        assert answered_promptly(port) < PROMPT
        slow.send(whole[20:])
        assert slow.answer().json()["path"] == "/echo/slow"


def test_a_client_reading_nothing_of_a_large_answer_holds_no_thread():
    with serving(threads=1) as port, Client(port, receive_buffer=SMALL_WINDOW) as slow:
        slow.send(request("/big/8"))
        readable, _, _ = select.select([slow.sock], [], [], 10)
        assert readable, "the large answer did not begin"
        assert answered_promptly(port) < PROMPT
        assert slow.answer().body == big(8)
        assert slow.ask("/echo/after").status == 200


def test_a_request_pipelined_behind_a_large_answer_is_answered_after_it():
    """The loop writes the rest of the large answer, then gives the next request to a thread."""
    with serving(threads=1) as port, Client(port, receive_buffer=SMALL_WINDOW) as slow:
        slow.send(request("/big/8") + request("/echo/behind"))
        readable, _, _ = select.select([slow.sock], [], [], 10)
        assert readable, "the large answer did not begin"
        assert answered_promptly(port) < PROMPT
        assert slow.answer().body == big(8)
        assert slow.answer().json()["path"] == "/echo/behind"


def test_a_slow_app_holds_only_its_own_thread():
    with serving(threads=2) as port, Client(port) as sleeper:
        sleeper.send(request("/sleep/3"))
        assert answered_promptly(port) < PROMPT
        assert sleeper.answer().status == 200


# --- deadlines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "part",
    [
        b"GET /echo HTTP/1.1\r\nHost: te",
        b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhalf",
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ],
    ids=["header fields", "body", "chunked body"],
)
def test_a_request_that_does_not_arrive_whole_is_408_and_closed(part):
    with serving(DEADLINES) as port, Client(port) as client:
        began = time.monotonic()
        client.send(part)
        answer = client.answer()
        assert answer.status == 408 and time.monotonic() - began >= DEADLINES.request_seconds
        assert answer.json() == {"ok": False, "status": 408, "error": answer.json()["error"]}
        assert client.rest() == b""


def test_a_request_trickling_in_is_408_all_the_same():
    """The deadline runs from a request's first byte, not from the last byte received."""
    with serving(DEADLINES) as port, Client(port) as client:
        whole = request("/echo/trickle", extra="X-Long: " + "a" * 200 + "\r\n")
        began = time.monotonic()
        for byte in whole:  # a byte each 50 ms or so: over ten seconds in all
            if select.select([client.sock], [], [], 0.05)[0]:
                break
            client.send(bytes([byte]))
        else:
            pytest.fail("the whole request was let through, a byte at a time")
        assert client.answer().status == 408
        assert time.monotonic() - began < PAST_DEADLINES * 2
        assert client.rest() == b""


def test_no_deadline_runs_while_the_app_works():
    with serving(DEADLINES) as port, Client(port) as client:
        assert client.ask(f"/sleep/{PAST_DEADLINES}").status == 200
        assert client.ask("/echo/next").status == 200


def test_an_idle_kept_connection_is_closed_without_a_word():
    with serving(DEADLINES) as port, Client(port) as client:
        assert client.ask().status == 200
        began = time.monotonic()
        assert client.rest() == b""
        assert DEADLINES.idle_seconds <= time.monotonic() - began < PAST_DEADLINES * 2


def test_a_connection_that_never_sends_is_closed_without_a_word():
    with serving(DEADLINES) as port, Client(port) as client:
        assert client.rest() == b""


@pytest.mark.parametrize("target", ["/big/16", "/stream/16"])
def test_a_client_that_takes_nothing_of_a_large_answer_is_closed(target):
    """Whether the loop is left the answer (``/big``) or the thread waits to send it
    (``/stream``)."""
    with serving(DEADLINES) as port, Client(port, receive_buffer=SMALL_WINDOW) as client:
        client.send(request(target))
        time.sleep(PAST_DEADLINES)  # the client takes nothing meanwhile
        received = client.rest()
        assert received.startswith(b"HTTP/1.1 200 OK\r\n")
        assert len(received) < len(big(16)), "the whole answer waited for the client"


# --- connections beyond the limit ---------------------------------------------------------------


def test_beyond_max_connections_a_client_waits_to_be_accepted():
    limits = replace(LIMITS, max_connections=2)
    with serving(limits) as port, Client(port) as first, Client(port) as second:
        assert first.ask().status == 200 and second.ask().status == 200
        with Client(port, timeout=PROMPT) as third:
            third.send(request("/echo/third"))
            with pytest.raises(socket.timeout):
                third.answer()
            first.sock.close()
            third.sock.settimeout(PAST_DEADLINES * 2)
            assert third.answer().json()["path"] == "/echo/third"
        assert second.ask().status == 200


def test_a_client_still_sending_when_refused_is_not_reset():
    """A body over the limit is refused from its Content-Length while the client is still
    sending it. The server shuts its side after the 413 and drops what still arrives for a
    while (``LINGER_BYTES``) before closing: closed with those bytes unread, the connection is
    reset, and on a real network a reset can destroy the 413 before the client reads it."""
    with serving() as port, Client(port) as client:
        head = b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10000000\r\n\r\n"
        client.send(head + b"b" * 256 * 1024)  # part of the body, as a client sends it
        refused = client.answer()
        assert refused.status == 413 and refused.json()["status"] == 413
        time.sleep(0.5)  # the server has shut its side, and closed or lingers
        try:
            assert client.sock.recv(1 << 16) == b"", "more than the 413"
        except ConnectionResetError:
            pytest.fail("the connection was reset under a client still sending its body")
