"""Cross-site request forgery: every POST carries the browser's secret token.

The token is made once per browser (kept in Flask's signed cookie, signed with a key made at
start, so tokens end with the workbench) and put into every form as
``csrf_token``; a program sends it as ``X-CSRF-Token`` (every JSON page gives it as
``csrf_token``). A POST without it, or with another, is refused with 400 and a page that says
why, before the view runs. The ``Host`` a request names must be one the workbench answers to
(``WORKBENCH_HOSTS``): a page of another site whose name was rebound to 127.0.0.1 is refused
before it can read a token.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, request, session

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
REFUSED = (
    "the form's security token is missing or does not match this browser's: reload the page "
    "(the workbench may have been restarted) and save again"
)


def token() -> str:
    """This browser's token (made on first use)."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return str(session[FIELD])


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = token

    @app.before_request
    def check() -> None:
        if _host_name(request.host) not in app.config["WORKBENCH_HOSTS"]:
            abort(400, f"the workbench does not answer to the host {request.host!r}")
        if request.method != "POST":
            return
        sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
        expected = session.get(FIELD)
        if not expected or not hmac.compare_digest(str(expected), sent):
            abort(400, REFUSED)


def _host_name(host: str) -> str:
    """The name in a ``Host`` header (``127.0.0.1:5050``, ``[::1]:5050``), without port or
    brackets, in lower case; empty when there is none."""
    try:
        return urlsplit("//" + host).hostname or ""
    except ValueError:
        return ""
