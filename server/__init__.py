"""The Peace Talks KG web application: SPARQL endpoint and linked-data browser.

``create_app()`` is the application factory; each area is a blueprint in its own module.
Configuration keys (also read from ``PTKG_*`` environment variables):

- ``PTKG_ROOT``: the project folder (default: discovered like ``kg``'s ``--root``)
- ``PTKG_DATASET``: serve this RDF file instead of the project's build
- ``PTKG_STORE``: query engine, ``oxigraph`` (default) or ``rdflib``, or a remote SPARQL store as
  ``sparql+http(s)://HOST:PORT/PATH`` (its failures and partial results are answered 502)
- ``PTKG_BASE``: the IRI namespace this server dereferences, mapped to its root ``/`` (default
  ``https://w3id.org/peace-talks-kg/``): ``<base>id/actor/russia`` is served at ``/id/actor/russia``
- ``PTKG_QUERY_TIMEOUT``: seconds a ``/sparql`` query may run before it is stopped (default 30)
- ``PTKG_MAX_ROWS``: most rows (or triples) in a ``/sparql`` answer; the rest are cut and the
  response says ``X-PTKG-Truncated: true`` (default 10000)
- ``PTKG_MAX_REQUEST_BYTES``: largest ``/sparql`` request body or query string (default 65536)
- ``PTKG_QUERY_WORKERS``: worker processes running ``/sparql`` queries, at most the number of
  cores (default 2, or 1 on a single core)
- ``PTKG_MAX_MEMORY``: megabytes of memory one ``/sparql`` query may take in its worker, beyond
  the loaded store; a query needing more is stopped and answered 503 (default 2048; 0: no limit)
- ``PTKG_MAX_WAITING``: ``/sparql`` queries that may wait for a free worker; more are answered
  503 with ``Retry-After`` (default: four per worker)
- ``PTKG_MAX_QUERIES_PER_CLIENT``: ``/sparql`` queries one client may have running or waiting at
  once; more are answered 429 (default: one less than the workers, at least 1, so that a client
  never holds every worker)
- ``PTKG_TRUSTED_PROXY``: addresses or networks (comma-separated) of reverse proxies whose
  ``X-Forwarded-For`` names the client, its last address counting (default: none; the client is
  the connection's address)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from kg.pipeline.build import open_graph
from kg.rdf.namespaces import BASE
from kg.store import DEFAULT_ENGINE, Store

EXTENSION = "ptkg"
LIMITS = {
    "PTKG_QUERY_TIMEOUT": float,
    "PTKG_MAX_ROWS": int,
    "PTKG_MAX_REQUEST_BYTES": int,
    "PTKG_QUERY_WORKERS": int,
    "PTKG_MAX_MEMORY": int,
    "PTKG_MAX_WAITING": int,
    "PTKG_MAX_QUERIES_PER_CLIENT": int,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        PTKG_ROOT=None,
        PTKG_DATASET=None,
        PTKG_STORE=DEFAULT_ENGINE,
        PTKG_BASE=BASE,
        PTKG_QUERY_TIMEOUT=30.0,
        PTKG_MAX_ROWS=10_000,
        PTKG_MAX_REQUEST_BYTES=64 * 1024,
        PTKG_QUERY_WORKERS=min(2, os.cpu_count() or 1),
        PTKG_MAX_MEMORY=2048,
        PTKG_MAX_WAITING=None,  # set by sparql.init_app: four per worker
        PTKG_MAX_QUERIES_PER_CLIENT=None,  # set by sparql.init_app from the number of workers
        PTKG_TRUSTED_PROXY="",
    )
    app.config.from_prefixed_env("PTKG", loads=str)
    _rename_prefixed(app)
    if config:
        app.config.update(config)
    for key, kind in LIMITS.items():
        if app.config[key] is not None:
            app.config[key] = kind(app.config[key])

    root = app.config["PTKG_ROOT"]
    dataset = app.config["PTKG_DATASET"]
    app.extensions[EXTENSION] = open_graph(
        Path(root) if root else None,
        Path(dataset) if dataset else None,
        app.config["PTKG_STORE"],
    )

    from kg.store import RemoteStoreError
    from server import (
        api,
        cors,
        downloads,
        editor,
        errors,
        home,
        pages,
        questions,
        search,
        service,
        sparql,
    )

    errors.register(app)
    cors.register(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(service.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(questions.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(api.bp)
    app.register_error_handler(
        RemoteStoreError, lambda exc: errors.error_response(502, f"remote store: {exc}")
    )
    sparql.init_app(app)
    return app


def _rename_prefixed(app: Flask) -> None:
    """``from_prefixed_env`` strips the prefix; keep the documented ``PTKG_`` names."""
    names = ("ROOT", "DATASET", "STORE", "BASE", "TRUSTED_PROXY", *LIMITS)
    for key in (name.removeprefix("PTKG_") for name in names):
        if key in app.config:
            app.config[f"PTKG_{key}"] = app.config.pop(key)


def graph() -> Store:
    """The store the running app serves."""
    return current_app.extensions[EXTENSION]
