"""One error shape for every endpoint: JSON ``{"ok": false, "status", "error", "request_id"}``
for machines, an HTML page for browsers. Client errors say what was wrong; our own faults are
logged with the request's id and answered 500. The id is the one the access log and the
``X-Request-Id`` header carry (``server.operations``)."""

from __future__ import annotations

import uuid

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from server.negotiation import accepted

REQUEST_ID_KEY = "ptkg.request_id"
ARRIVED = "ptkg.arrived"
"""Where a request's id and its arrival time are kept: in its WSGI environment."""

ErrorReply = tuple[str | Response, int]
"""An error as a view returns it: the HTML page or the JSON body, and the status."""


def wants_html() -> bool:
    accept = accepted()
    best = accept.best_match(["application/json", "text/html"])
    return best == "text/html" and accept["text/html"] > accept["application/json"]


def current_request_id() -> str:
    """The id of the request being answered (a new one where the hooks did not give it one)."""
    environ = request.environ
    found = environ.get(REQUEST_ID_KEY)
    if found is None:
        found = environ[REQUEST_ID_KEY] = uuid.uuid4().hex
    return found


def error_response(status: int, message: str, request_id: str | None = None) -> ErrorReply:
    request_id = request_id or current_request_id()
    body: dict[str, object] = {"ok": False, "status": status, "error": message}
    if request_id:
        body["request_id"] = request_id
    if wants_html():
        return render_template(
            "error.html", status=status, message=message, request_id=request_id
        ), status
    return jsonify(body), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ErrorReply | tuple[str | Response, int, dict[str, str]]:
        response = error_response(exc.code or 500, exc.description or exc.name)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(exc.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def internal_error(exc: Exception) -> ErrorReply:
        request_id = current_request_id()
        app.logger.exception("request %s failed: %s %s", request_id, request.method, request.path)
        return error_response(500, "internal error; it has been logged", request_id)
