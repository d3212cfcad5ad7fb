"""What an operator runs the service with: ``/health``, ``/metrics``, the request id and the
access log.

Every request gets an id: the client's (or a proxy's) ``X-Request-Id`` when it is a sane token,
else a new one. It is echoed in the response's ``X-Request-Id``, carried by the error shape
(``server.errors``) and written in the access log, so one id follows a request from nginx's log
to ours. The access log is one line per request on the logger ``ptkg.access`` (``kg serve
--access-log`` writes it to a file or stderr); the line is only made when that logger is enabled.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import cast
from urllib.parse import quote

from flask import Blueprint, Flask, Request, Response, current_app, jsonify, request

import kg
from kg.endpoint.fairness import client_address
from server.errors import ARRIVED, REQUEST_ID_KEY
from server.identity import served_build
from server.metrics import CONTENT_TYPE, METRICS, Metrics, family, metrics, sample
from server.sparql import query_pool, trusted_proxies

bp = Blueprint("operations", __name__)

REQUEST_ID = "X-Request-Id"
SANE_ID = re.compile(r"[A-Za-z0-9._:@+=-]{1,128}")
"""A request id taken as sent: a token that cannot break a log line or a header."""
access_log = logging.getLogger("ptkg.access")


def init_app(app: Flask) -> None:
    """Give ``app`` its metrics and the hooks that time, count and log every request."""
    counted = app.extensions[METRICS] = Metrics()
    app.before_request(_arrived)
    app.after_request(lambda response: _answered(response, counted))


def current_request() -> Request:
    """The request itself, not the proxy: each use of the proxy looks the context up again."""
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def _arrived() -> None:
    # Each proxy (request, g, current_app) costs a lookup of the context: read once, keep in
    # the WSGI environment; the hooks run on every request, /sparql's included.
    environ = current_request().environ
    environ[ARRIVED] = time.perf_counter()
    sent = environ.get("HTTP_X_REQUEST_ID")
    # 16 random bytes: uuid4's randomness at a fifth of its cost
    environ[REQUEST_ID_KEY] = sent if sent and SANE_ID.fullmatch(sent) else os.urandom(16).hex()


def _answered(response: Response, counted: Metrics) -> Response:
    sent = current_request()
    environ = sent.environ
    arrived = environ.get(ARRIVED)
    if arrived is None:  # a request that failed before the first hook ran
        return response
    seconds = time.perf_counter() - arrived
    response.headers[REQUEST_ID] = environ[REQUEST_ID_KEY]
    rule = sent.url_rule
    route = rule.rule if rule is not None else "unmatched"
    counted.observe(route, sent.method, response.status_code, seconds)
    if access_log.isEnabledFor(logging.INFO):
        # a record made directly: logger.info() would first walk the stack for the caller's
        # file and line, a third of the cost of the whole line, for nothing the line shows
        line = _access_line(sent, response, seconds)
        access_log.handle(
            access_log.makeRecord(access_log.name, logging.INFO, "", 0, line, (), None)
        )
    return response


def _access_line(sent: Request, response: Response, seconds: float) -> str:
    """``TIME ID CLIENT METHOD PATH STATUS BYTES MS "AGENT"``: the path percent-encoded and the
    agent JSON-quoted, so that neither can break the line or forge another."""
    environ = sent.environ
    client = client_address(
        sent.remote_addr, environ.get("HTTP_X_FORWARDED_FOR"), trusted_proxies()
    )
    size = response.content_length
    agent = json.dumps(environ.get("HTTP_USER_AGENT", ""), ensure_ascii=True)
    return (
        f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {environ[REQUEST_ID_KEY]} "
        f"{client} {sent.method} {quote(sent.path, safe='/:@!$&()*+,;=-._~')} "
        f"{response.status_code} {'-' if size is None else size} {seconds * 1000:.1f} {agent}"
    )


def log_access_to(target: str) -> logging.Handler:
    """Write the access log to ``target`` (a file, appended to; ``-``: stderr), a line each.
    For the process that serves (``kg serve``): the logger is the process's, not the app's."""
    handler: logging.Handler = (
        logging.StreamHandler(sys.stderr)
        if target == "-"
        else logging.FileHandler(target, encoding="utf-8")
    )
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
    return handler


@bp.get("/health")
def health() -> tuple[Response, int]:
    """Whether queries can be answered: the query workers alive (started here if nothing has
    started them yet), and which build is served. 503, same shape, when no worker is alive."""
    pool = query_pool()
    try:
        pool.start()
    except Exception as exc:  # a pool that cannot start is what this check is for
        current_app.logger.error("health check: the query workers do not start: %s", exc)
    build = served_build()
    alive = pool.alive()
    body = {
        "ok": alive > 0,
        "version": kg.__version__,
        "build": {"sha256": build.sha256, "triples": build.triples},
        "workers": {"alive": alive, "configured": pool.size},
    }
    response = jsonify(body)
    response.cache_control.no_store = True
    return response, 200 if alive else 503


@bp.get("/metrics")
def exposition() -> Response:
    pool = query_pool()
    lines = list(metrics().lines())
    lines += family(
        "ptkg_worker_restarts_total",
        "counter",
        "Query worker processes replaced (died, or stopped at a limit).",
        [sample("ptkg_worker_restarts_total", (), pool.restarts)],
    )
    lines += family(
        "ptkg_workers_alive",
        "gauge",
        "Query worker processes running.",
        [sample("ptkg_workers_alive", (), pool.alive())],
    )
    lines += family(
        "ptkg_build_triples",
        "gauge",
        "Triples (quads) in the served build.",
        [sample("ptkg_build_triples", (), served_build().triples)],
    )
    response = Response("\n".join(lines) + "\n", content_type=CONTENT_TYPE)
    response.cache_control.no_store = True
    return response
