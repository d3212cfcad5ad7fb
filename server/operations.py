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
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

import kg
from kg.endpoint.fairness import client_address
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
    app.extensions[METRICS] = Metrics()
    app.before_request(_arrived)
    app.after_request(_answered)


def _arrived() -> None:
    g.arrived = time.perf_counter()
    sent = request.headers.get(REQUEST_ID)
    g.request_id = sent if sent and SANE_ID.fullmatch(sent) else uuid.uuid4().hex


def _answered(response: Response) -> Response:
    arrived = g.get("arrived")
    if arrived is None:  # a request that failed before the first hook ran
        return response
    seconds = time.perf_counter() - arrived
    response.headers[REQUEST_ID] = g.request_id
    rule = request.url_rule
    route = rule.rule if rule is not None else "unmatched"
    metrics().observe(route, request.method, response.status_code, seconds)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(_access_line(response, seconds))
    return response


def _access_line(response: Response, seconds: float) -> str:
    """``TIME ID CLIENT METHOD PATH STATUS BYTES MS "AGENT"``: the path percent-encoded and the
    agent JSON-quoted, so that neither can break the line or forge another."""
    client = client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), trusted_proxies()
    )
    size = response.content_length
    agent = json.dumps(request.headers.get("User-Agent", ""), ensure_ascii=True)
    return (
        f"{datetime.now(UTC).isoformat(timespec='milliseconds')} {g.request_id} {client} "
        f"{request.method} {quote(request.path, safe='/:@!$&()*+,;=-._~')} "
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
