"""Helpers for the SPARQL endpoint tests: plain HTTP requests that never raise on an error status
(``http.client``, so that even a GET with a body can be sent), and the fixture dataset loaded
in-process for the reference answers."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass
from email.message import Message

from kg.rdf.results import Result
from kg.store import Store, open_store
from kg.store.queries import with_prefixes
from tests.conftest import FIXTURES

LIBRARY = FIXTURES / "datasets" / "library.trig"
"""A small TriG dataset: a default graph and three named graphs (books, people, loans)."""
EX = "http://example.org/library/"

# The protocol's media types with the rdflib parser for each: written out from the spec, not
# imported from kg.rdf.formats, so the tests check the table rather than repeat it.
RESULT_TYPES = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]
GRAPH_TYPES = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/trig", "trig"),
    ("application/n-quads", "nquads"),
]


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    @property
    def media(self) -> str:
        return self.headers.get_content_type()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def call(
    base: str,
    path: str,
    method: str = "GET",
    *,
    params: dict | list | None = None,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Reply:
    """One HTTP request to the server at ``base``; ``params`` go into the query string."""
    url = urllib.parse.urlsplit(base)
    target = path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    if isinstance(body, str):
        body = body.encode("utf-8")
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def form(params: dict | list) -> tuple[bytes, dict[str, str]]:
    """A form-encoded body and its Content-Type header."""
    body = urllib.parse.urlencode(params, doseq=True).encode("utf-8")
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


def library_store() -> Store:
    """The fixture dataset in an in-process store: where reference answers come from."""
    store = open_store("oxigraph")
    store.load_file(LIBRARY)
    return store


def reference(store: Store, sparql: str) -> Result:
    """The in-process answer to a query, as the endpoint runs it (project prefixes predeclared)."""
    return store.query(with_prefixes(sparql))
