"""Every page has a JSON twin: the same view answers ``.json`` (or ``Accept: application/json``)
with the data the page shows, and errors in the public server's one shape (:mod:`server.errors`).
What every form posts besides its fields is read here too (:func:`expected_hashes`)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, render_template, request

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


def expected_hashes() -> dict[str, str]:
    """The SHA-256 of each data file as the page that posts read them (its ``expected`` field,
    JSON); 400 when it is not a mapping of names to hashes. None sent: no check is asked for."""
    try:
        found = json.loads(request.form.get("expected", "") or "{}")
    except ValueError:
        abort(400, "the form's record of the files it read is not valid JSON")
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()
    ):
        abort(400, "the form's record of the files it read is not a mapping of names to hashes")
    return found
