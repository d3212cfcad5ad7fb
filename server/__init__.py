"""The Peace Talks KG web application: SPARQL endpoint and linked-data browser.

``create_app()`` is the application factory; each area is a blueprint in its own module.
Configuration keys (also read from ``PTKG_*`` environment variables):

- ``PTKG_ROOT``: the project folder (default: discovered like ``kg``'s ``--root``)
- ``PTKG_DATASET``: serve this RDF file instead of the project's build
- ``PTKG_STORE``: query engine, ``oxigraph`` (default) or ``rdflib``
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from kg.build import open_graph
from kg.store import DEFAULT_ENGINE, Store

EXTENSION = "ptkg"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(PTKG_ROOT=None, PTKG_DATASET=None, PTKG_STORE=DEFAULT_ENGINE)
    app.config.from_prefixed_env("PTKG", loads=str)
    _rename_prefixed(app)
    if config:
        app.config.update(config)

    root = app.config["PTKG_ROOT"]
    dataset = app.config["PTKG_DATASET"]
    app.extensions[EXTENSION] = open_graph(
        Path(root) if root else None,
        Path(dataset) if dataset else None,
        app.config["PTKG_STORE"],
    )

    from server import errors, home, sparql

    errors.register(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    return app


def _rename_prefixed(app: Flask) -> None:
    """``from_prefixed_env`` strips the prefix; keep the documented ``PTKG_`` names."""
    for key in ("ROOT", "DATASET", "STORE"):
        if key in app.config:
            app.config[f"PTKG_{key}"] = app.config.pop(key)


def graph() -> Store:
    """The store the running app serves."""
    return current_app.extensions[EXTENSION]
