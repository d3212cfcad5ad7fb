"""``kg serve``: the web app under the project's HTTP server (:mod:`server.httpd`). It is a command of ``kg`` through the entry point
group ``kg.commands`` (``pyproject.toml``), so that the library never imports the web app.

The endpoint's options are made from the settings registry (``kg.settings``); an option left out
leaves the app to take the setting from the environment, or its default.
"""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from kg import settings
from kg.cli.errors import fail, user_errors
from kg.cli.options import setting_options, store_options
from kg.pipeline.load import find_root
from server import create_app
from server.listening import ListenError, bind, listen_options, listening_port, run_server
from server.operations import log_access_to
from server.public import FORWARDING
from server.sparql import query_pool, trusted_proxies

SERVED = settings.with_options()


@click.command(
    short_help="the SPARQL endpoint and linked-data browser",
    help=f"""Serve the SPARQL endpoint and the browser.

    Requests are read whole before a thread answers them; /sparql queries run in worker processes, each stopped at the time and memory limits. The
    options can also be set with {settings.env_list(SERVED)}.
    """,
)
@listen_options(port=5000)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(min=1), help="WSGI threads."
)
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Answer one GET request for PATH (e.g. '/sparql?query=…') on stdout, without a socket.",
)
@setting_options(SERVED)
@store_options
@user_errors
def serve(
    host: str,
    port: int,
    threads: int,
    get_path: str | None,
    root: Path | None,
    dataset: Path | None,
    engine: str,
    **limits: Any,
) -> None:
    sockets: list[socket.socket] = []
    if get_path is None:
        sockets = _bind(host, port)
        port = listening_port(sockets, port)
    app = create_app(
        {
            "PTKG_ROOT": str(root or find_root()),
            "PTKG_DATASET": dataset,
            "PTKG_STORE": engine,
            **settings.from_options(limits),
        }
    )
    pool = query_pool(app)
    if app.config["PTKG_ACCESS_LOG"]:
        try:
            log_access_to(app.config["PTKG_ACCESS_LOG"])
        except OSError as exc:
            pool.shutdown()
            fail(f"cannot write the access log {app.config['PTKG_ACCESS_LOG']}: {exc.strerror}")
    try:
        if get_path is not None:
            response = app.test_client().get(get_path)
            click.echo(response.get_data(as_text=True).rstrip("\n"))
            sys.exit(0 if response.status_code < 400 else 1)
        pool.start()
        # Stop cleanly on SIGTERM too, so the query workers are stopped with the server.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        for sock in sockets:  # listen before announcing: a client told the address right away is
            sock.listen(1024)  # queued until the server accepts, not refused
        click.echo(
            f"Peace Talks KG on http://{host}:{port}/  (SPARQL: http://{host}:{port}/sparql; "
            f"{pool.size} query workers, {app.config['PTKG_QUERY_TIMEOUT']:g} s per query)"
        )
        _run(app, sockets, threads)
    finally:
        pool.shutdown()


def _bind(host: str, port: int) -> list[socket.socket]:
    """Bind before loading anything: a busy port or a bad host is one line and exit 2 at once,
    and the server then serves on these sockets, so nobody can take the port meanwhile."""
    try:
        return bind(host, port)
    except ListenError as exc:
        fail(str(exc))


def _run(app: Flask, sockets: list[socket.socket], threads: int) -> None:
    run_server(
        app,
        sockets,
        threads=threads,
        max_request_bytes=app.config["PTKG_MAX_REQUEST_BYTES"],
        ident="peace-talks-kg",
        # With --trusted-proxy the app reads X-Forwarded-For, on requests from those proxies only
        # (kg.endpoint.fairness.client_address); without, no forwarding header reaches it.
        drop=() if trusted_proxies(app) else FORWARDING,
    )
