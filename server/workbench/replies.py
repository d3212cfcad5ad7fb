"""Every page has a JSON twin: the same view answers ``.json`` (or ``Accept: application/json``)
with the data the page shows, and errors in the public server's one shape (:mod:`server.errors`)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template, request

from server.errors import wants_html
from server.workbench.csrf import token


def wants_json() -> bool:
    return request.path.endswith(".json") or not wants_html()


def reply(template: str, data: dict[str, Any], status: int = 200, **page: Any) -> Response:
    """The page ``template`` (given ``data`` and the ``page``-only values) or ``data`` as JSON,
    with the browser's CSRF token for a program that goes on to POST."""
    if wants_json():
        body = json.dumps({**data, "csrf_token": token()}, ensure_ascii=False, default=str)
        return Response(body, status=status, mimetype="application/json")
    return Response(render_template(template, **data, **page), status=status, mimetype="text/html")
