"""Where ``kg serve`` and ``kg curate`` listen, and the server's own limits on what it reads.

The sockets are bound before anything is loaded: a port in use or a host that is not this
machine's is then one line and exit 2 at once, instead of a traceback after the store and the
query workers have been started. The server (:mod:`server.httpd`) serves on these very sockets, so
no other process can take the port in between.

The server reads a request whole before the app sees it, so the app's own cap
(``PTKG_MAX_REQUEST_BYTES``) alone would answer 413 only after the whole body had arrived.
:func:`limits_for` derives the server's limits from the app's, so that the server refuses what the
app would refuse anyway, before reading it.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Iterable
from typing import TypeVar

import click

from server.httpd import HTTPServer, Limits
from server.httpd.serving import WSGIApp

Command = TypeVar("Command", bound=Callable[..., object])


def listen_options(port: int) -> Callable[[Command], Command]:
    """The ``--host`` and ``--port`` options of a command that listens (``kg serve``, ``kg
    curate``), ``port`` its default."""

    def decorate(command: Command) -> Command:
        command = click.option(
            "--port",
            default=port,
            show_default=True,
            type=click.IntRange(0, 65535),
            help="Port to listen on (0: any free port, announced at start).",
        )(command)
        return click.option(
            "--host", default="127.0.0.1", show_default=True, help="Interface to listen on."
        )(command)

    return decorate


HEADROOM = 64 * 1024
"""Bytes the server accepts beyond the app's cap: in a body, so that a request a little over the cap
still reaches the app and gets its explanatory 413; in the headers, room for the request line's
method, path and protocol and every other header besides a query string of the cap's size."""


class ListenError(Exception):
    """``kg serve`` cannot listen where asked; ``str()`` is the one line to print."""


def bind(host: str, port: int) -> list[socket.socket]:
    """Sockets bound to every address ``host`` resolves to (one per address, IPv6 ones
    IPv6-only, ``SO_REUSEADDR`` set), not yet listening.

    Raises :class:`ListenError` (``cannot listen on HOST:PORT: reason``) when the host does not
    resolve or an address cannot be bound: in use, not this machine's, not permitted."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        found = socket.getaddrinfo(
            None if host in ("", "*") else host,
            port,
            socket.AF_UNSPEC,
            socket.SOCK_STREAM,
            socket.IPPROTO_TCP,
            socket.AI_PASSIVE,
        )
    except (OSError, UnicodeError, OverflowError) as exc:
        raise ListenError(f"cannot listen on {where}: {_unresolved(exc)}") from None
    bound: list[socket.socket] = []
    seen: set[tuple[str, int]] = set()
    try:
        for family, kind, proto, _, address in found:
            key = (str(address[0]).split("%", 1)[0], int(address[1]))
            if key in seen:  # getaddrinfo may name an address twice
                continue
            seen.add(key)
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        for sock in bound:
            sock.close()
        raise ListenError(f"cannot listen on {where}: {_reason(exc)}") from None
    return bound


def _reason(exc: OSError) -> str:
    """The operating system's reason, as the end of a sentence."""
    if exc.errno == errno.EADDRINUSE:
        return "address already in use (is another server running there?)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "not an address of this machine"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _unresolved(exc: Exception) -> str:
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"not an IP address or a host name that resolves ({detail})"


def listening_port(sockets: list[socket.socket], asked: int) -> int:
    """The port actually bound (``asked`` unless it was 0, "any free port")."""
    return int(sockets[0].getsockname()[1]) if sockets else asked


def limits_for(max_request_bytes: int) -> Limits:
    """The server's limits for an app that accepts bodies and query strings of at most
    ``max_request_bytes`` (counted as sent, before URL-decoding): the server itself answers 413
    (body) or 431 (header fields) beyond them, from the Content-Length alone or as soon as a
    chunked body passes the limit, without reading the rest, instead of buffering what the app
    would refuse anyway."""
    return Limits(
        max_header_bytes=max_request_bytes + HEADROOM,
        max_body_bytes=max_request_bytes + HEADROOM,
    )


def run_server(
    app: WSGIApp,
    sockets: list[socket.socket],
    *,
    threads: int,
    max_request_bytes: int,
    ident: str,
    drop: Iterable[str] = (),
) -> None:
    """Serve ``app`` on ``sockets`` (bound and listening) until the process is interrupted, the
    server refusing what the app would refuse anyway (:func:`limits_for`) and passing none of
    the ``drop`` header fields on."""
    server = HTTPServer(
        app, sockets, threads=threads, limits=limits_for(max_request_bytes), ident=ident, drop=drop
    )
    server.serve_forever()
