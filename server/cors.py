"""Cross-origin access for browser-based clients (a query editor elsewhere, a notebook): every
response allows any origin, and an ``OPTIONS`` preflight on any route is answered 204 with the
route's methods. Nothing here uses cookies or credentials, so ``*`` is safe."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

ALLOWED_HEADERS = "Content-Type, Accept"
EXPOSED_HEADERS = "X-PTKG-Truncated, Retry-After, Content-Location"
"""Response headers a browser script may read besides the simple ones."""
MAX_AGE = "86400"


def register(app: Flask) -> None:
    app.before_request(_preflight)
    app.after_request(_allow_any_origin)


def _preflight() -> Response | None:
    if request.method != "OPTIONS" or request.url_rule is None:
        return None
    methods = ", ".join(sorted(request.url_rule.methods or ()))
    response = current_app.response_class(status=204)
    response.headers["Allow"] = methods
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = (
        request.headers.get("Access-Control-Request-Headers") or ALLOWED_HEADERS
    )
    response.headers["Access-Control-Max-Age"] = MAX_AGE
    response.vary.add("Access-Control-Request-Headers")
    del response.headers["Content-Type"]
    return response


def _allow_any_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
