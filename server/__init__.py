"""The Peace Talks KG web application: SPARQL endpoint and linked-data browser.

``create_app()`` is the application factory; each area is a blueprint in its own module. Its
configuration keys are the settings of ``kg.settings`` (README.md, "SPARQL endpoint", lists them
with their defaults): each is read from the environment variable of the same name (``PTKG_…``),
unless the ``config`` passed in sets it, and converted to its type. ``PTKG_ROOT``,
``PTKG_DATASET`` and ``PTKG_STORE`` say what to serve, ``PTKG_BASE`` the IRI namespace the
server dereferences, ``PTKG_PUBLIC_URL`` where clients reach it (``server.public``),
``PTKG_CACHE_MAX_AGE`` how long they may keep its pages (``server.caching``), and the rest are
the ``/sparql`` endpoint's limits. ``/health`` and ``/metrics`` are ``server.operations``'. A remote store's failures
and partial results are answered 502.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from kg import settings
from kg.pipeline.build import open_graph
from kg.store import Store

EXTENSION = "ptkg"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(settings.defaults())
    app.config.update(settings.from_environment(os.environ))
    if config:
        app.config.update(config)
    app.config.update(settings.converted(app.config))

    root = app.config["PTKG_ROOT"]
    dataset = app.config["PTKG_DATASET"]
    store = open_graph(
        Path(root) if root else None,
        Path(dataset) if dataset else None,
        app.config["PTKG_STORE"],
    )
    app.extensions[EXTENSION] = store

    from kg.store import RemoteStoreError
    from server import (
        api,
        caching,
        cors,
        downloads,
        editor,
        errors,
        home,
        identity,
        nanopubs,
        operations,
        pages,
        public,
        questions,
        releases,
        search,
        service,
        sparql,
        warm,
    )

    identity.init_app(app, store)
    errors.register(app)
    cors.register(app)
    pages_and_data = (home, sparql, service, pages, search, editor, questions, downloads, releases)
    for area in (*pages_and_data, nanopubs, api, operations):
        app.register_blueprint(area.bp)
    app.register_error_handler(
        RemoteStoreError, lambda exc: errors.error_response(502, f"remote store: {exc}")
    )
    sparql.init_app(app)
    operations.init_app(app)
    caching.init_app(app)  # after the hooks that count answers: they count its 304s
    public.init_app(app)
    warm.init_app(app)
    return app


def graph() -> Store:
    """The store the running app serves."""
    return current_app.extensions[EXTENSION]
