"""``kg curate``: the curation workbench, a local web app in which a curator registers source
texts, selects passages in them and records what was said, saved through the curation core
(``kg.curation``) as canonical Turtle, validated at once.

:func:`create_app` is its factory, separate from the public server's (``server.create_app``): the
workbench writes, so it runs only where its user is, on a loopback address (``kg curate``), and
every POST carries the browser's CSRF token (:mod:`server.workbench.csrf`). Its configuration:
``WORKBENCH_ROOT`` (the project folder), ``WORKBENCH_CORPUS`` (the corpus folder of the texts),
``WORKBENCH_CURATOR`` (the curator recorded, a name or an ORCID iD; None: asked in the form) and
``WORKBENCH_HOSTS`` (the host names the app answers to; others are refused, so that a web page
that rebinds its own name to 127.0.0.1 cannot read the workbench's pages) and ``WORKBENCH_WARM``
(validate the project once at start, in the background, so that the first save is as quick as
the next).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app

from server.workbench.state import Workbench

EXTENSION = "workbench"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SITE = Blueprint(
    "site",
    __name__,
    static_folder=str(Path(__file__).resolve().parents[1] / "static"),
    static_url_path="/site-static",
)
"""The public site's stylesheet, which the workbench's pages build on."""


def create_app(config: Mapping[str, Any]) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # one per process: tokens end with the workbench
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="ptkg_workbench",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WORKBENCH_CURATOR=None,
        WORKBENCH_HOSTS=LOOPBACK_NAMES,
        WORKBENCH_WARM=False,
    )
    app.config.update(config)
    app.extensions[EXTENSION] = Workbench(
        Path(app.config["WORKBENCH_ROOT"]),
        Path(app.config["WORKBENCH_CORPUS"]),
        app.config["WORKBENCH_CURATOR"],
        warming=app.config["WORKBENCH_WARM"],
    )

    from server import errors
    from server.workbench import annotate, csrf, registry, review, statements

    errors.register(app)
    csrf.init_app(app)
    app.register_blueprint(SITE)
    app.register_blueprint(registry.bp)
    app.register_blueprint(annotate.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(statements.bp)
    workbench_of(app).warm()
    return app


def workbench() -> Workbench:
    """The state of the running workbench."""
    return workbench_of(current_app)


def workbench_of(app: Flask) -> Workbench:
    found: Workbench = app.extensions[EXTENSION]
    return found
