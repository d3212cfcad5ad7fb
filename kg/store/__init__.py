"""The query engines behind Peace Talks KG: one swappable choice.

``oxigraph`` (pyoxigraph) is the default: measured in ``bench/engines.py`` it loads and answers one
to three orders of magnitude faster than rdflib's memory store, and rdflib's SPARQL engine gives
wrong answers on grouped sub-queries. It serves the build from an on-disk store opened read-only
(``ondisk``); ``oxigraph-memory`` loads it into memory instead. ``rdflib`` stays selectable for
comparison.
Both answer queries with the default graph taken as the union of all named graphs. A
``sparql+http(s)://`` URL names a remote SPARQL endpoint instead.

Each engine has its module (``oxigraph``, ``memory``, ``remote``); what they share is in
``base`` (the protocol, errors) and ``terms`` (terms to and from each engine, into query text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.store.base import (
    MAX_SLICE,
    PartialResultError,
    QueryDataset,
    QuerySyntaxError,
    RemoteStoreError,
    Store,
)
from kg.store.oxigraph import OxigraphStore
from kg.store.remote import (
    REMOTE_SCHEMES,
    SparqlHttpStore,
    is_remote,
    query_form,
    with_bindings,
)
from kg.store.terms import from_ox, sparql_term, to_ox

if TYPE_CHECKING:
    from kg.store.memory import RDFLIB_PARSER_LOCK, RdflibStore

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "MAX_SLICE",
    "RDFLIB_PARSER_LOCK",
    "REMOTE_SCHEMES",
    "OxigraphStore",
    "PartialResultError",
    "QueryDataset",
    "QuerySyntaxError",
    "RdflibStore",
    "RemoteStoreError",
    "SparqlHttpStore",
    "Store",
    "from_ox",
    "is_remote",
    "open_store",
    "query_form",
    "sparql_term",
    "to_ox",
    "with_bindings",
]

ENGINES = ("oxigraph", "oxigraph-memory", "rdflib")
"""``oxigraph-memory`` is Oxigraph with the build loaded into memory by each process, as before
the build had an on-disk store; ``oxigraph`` opens that store (``kg.store.ondisk``)."""
DEFAULT_ENGINE = "oxigraph"


def open_store(engine: str = DEFAULT_ENGINE) -> Store:
    """A new, empty store of the named engine (in memory, for either name of Oxigraph)."""
    if engine in ("oxigraph", "oxigraph-memory"):
        return OxigraphStore()
    if engine == "rdflib":
        from kg.store.memory import RdflibStore

        return RdflibStore()
    if is_remote(engine):
        return SparqlHttpStore(engine)
    raise ValueError(
        f"unknown store engine {engine!r}; accepted: {', '.join(ENGINES)} "
        "or a sparql+http(s)://HOST:PORT/PATH URL"
    )


def __getattr__(name: str) -> object:
    """rdflib's engine (``memory``), imported on first use: it brings in rdflib's SPARQL parser
    and algebra, about half of what a query worker serving Oxigraph imports, for nothing."""
    if name in ("RDFLIB_PARSER_LOCK", "RdflibStore"):
        from kg.store import memory

        return getattr(memory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
