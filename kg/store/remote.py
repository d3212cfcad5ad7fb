"""A remote SPARQL 1.1 query endpoint (Virtuoso, Fuseki, GraphDB …) used as the store, over HTTP.

Bindings travel as escaped ``VALUES`` blocks (:func:`with_bindings`); an answer the store flags
as incomplete (a timeout, a row limit, a body cut off) raises :class:`PartialResultError`
instead of being passed on as rows."""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from email.message import Message
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.rdf.formats import RESULTS_BY_NAME, accept_header, graph_format_of
from kg.rdf.results import AskResult, Result, SelectResult
from kg.store.base import (
    PartialResultError,
    Quad,
    QueryDataset,
    QuerySyntaxError,
    RemoteStoreError,
    graph_result,
)
from kg.store.http_client import ANY_CHALLENGE, Credentials, HttpClient, HttpStatusError
from kg.store.terms import first_count, from_json, sparql_term

REMOTE_SCHEMES = ("sparql+http://", "sparql+https://")
"""A store given as ``sparql+http(s)://HOST:PORT/PATH`` is a remote SPARQL endpoint."""

PARTIAL_RESULT_STATES = {"S1TAT": "the query was interrupted by the store's result timeout"}
"""Virtuoso's ``X-SQL-State`` values that flag an incomplete answer sent with status 200."""

_RESULTS_ACCEPT = accept_header(("json", 1), ("xml", 0.5), graph=False)
_GRAPH_ACCEPT = accept_header(("nt", 1), ("turtle", 0.9), ("xml", 0.5), graph=True)
_XML_RESULTS = RESULTS_BY_NAME["xml"].media_types
"""The media types of SPARQL XML results (other answers are read as SPARQL JSON)."""


def is_remote(engine: str) -> bool:
    """True for a store given as a ``sparql+http(s)://`` URL."""
    return engine.startswith(REMOTE_SCHEMES)


_VARIABLE = re.compile(r"^[A-Za-z0-9_]+$")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[^\s{}()<>,;]*)?)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"}


def _tokens(sparql: str) -> Iterable[tuple[str, str, int, int]]:
    """(kind, text, start, depth) of each significant token, outside strings, IRIs and comments."""
    depth = 0
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind == "close":
            depth -= 1
        yield kind, match.group(), match.start(), depth
        if kind == "open":
            depth += 1


def query_form(sparql: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; raises QuerySyntaxError for an update or no query."""
    for kind, text, _, depth in _tokens(sparql):
        word = text.upper()
        if kind == "word" and depth == 0:
            if word in _QUERY_FORMS:
                return word
            if word in _UPDATE_WORDS:
                raise QuerySyntaxError(f"{word} is an update; a remote store is only queried here")
    raise QuerySyntaxError("not a SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE")


def with_bindings(sparql: str, bindings: Mapping[str, Node]) -> str:
    """The query with ``bindings`` joined in as a ``VALUES`` block at the start of the group of
    the query and of every sub-select, each term escaped: the remote twin of Oxigraph's
    substitutions, which bind a variable in every scope of the query."""
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not _VARIABLE.match(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    values = " ".join(sparql_term(bindings[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    groups: list[int] = []  # where a query's or sub-select's group opens
    awaiting: set[int] = set()  # depths at which a SELECT/ASK/DESCRIBE or WHERE awaits its group
    for kind, text, start, depth in _tokens(sparql):
        word = text.upper() if kind == "word" else ""
        if word in ("SELECT", "WHERE") or (word in ("ASK", "DESCRIBE") and depth == 0):
            awaiting.add(depth)
        elif word == "CONSTRUCT":
            awaiting.discard(depth)  # its first group is the template
        elif kind == "open" and depth in awaiting:
            awaiting.discard(depth)
            groups.append(start)
    if not groups:
        raise QuerySyntaxError("cannot bind variables: the query has no WHERE group")
    for start in reversed(groups):
        sparql = sparql[: start + 1] + block + sparql[start + 1 :]
    return sparql


class SparqlHttpStore:
    """A remote SPARQL 1.1 query endpoint (Virtuoso, Fuseki, GraphDB …) used as the store.

    Made from ``sparql+http://HOST:PORT/PATH`` (or ``sparql+https://``): user and password in
    the URL (or ``credentials``) are sent with HTTP Basic or Digest authentication, whichever
    the server asks for; query parameters in the URL (``default-graph-uri``, Virtuoso's
    ``timeout`` …) are sent with every query. Nothing is loaded locally. An answer the store
    flags as incomplete raises :class:`PartialResultError` instead of being returned.
    """

    engine = "sparql"

    def __init__(
        self, url: str, timeout: float = 60.0, credentials: Credentials | None = None
    ) -> None:
        if not is_remote(url):
            raise ValueError(f"a remote store URL starts with {' or '.join(REMOTE_SCHEMES)}")
        parts = urllib.parse.urlsplit(url.removeprefix("sparql+"))
        if not parts.hostname:
            raise ValueError(f"no host in the store URL {url!r}")
        netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if parts.port:
            netloc += f":{parts.port}"
        self.endpoint = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
        self.params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        self.timeout = timeout
        if credentials is None and parts.username is not None:
            credentials = Credentials(
                urllib.parse.unquote(parts.username),
                urllib.parse.unquote(parts.password or ""),
                ANY_CHALLENGE,
            )
        self._http = HttpClient(
            self.endpoint,
            credentials,
            timeout=timeout,
            place=f"the SPARQL store at {self.endpoint}",
        )

    def __repr__(self) -> str:
        return f"SparqlHttpStore({self.endpoint!r})"

    def load_file(self, path: Path) -> None:
        raise RemoteStoreError(
            f"the store at {self.endpoint} is only queried here; load data into it with `kg push`"
        )

    def add_quads(self, quads: Iterable[Quad]) -> None:
        self.load_file(Path())

    def check(self) -> None:
        """Raise RemoteStoreError unless the endpoint answers a trivial query."""
        self.query("ASK {}")

    def quad_count(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(result, SelectResult)
        return first_count(result)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result:
        text = with_bindings(sparql, bindings or {})
        form = query_form(text)
        if base is not None:  # first: Virtuoso 7.2.5 refuses a BASE after a PREFIX
            text = f"BASE {sparql_term(URIRef(base))}\n{text}"
        params = [("query", text), *self.params]
        if dataset is not None:
            params += [("default-graph-uri", str(g)) for g in dataset.default or ()]
            params += [("named-graph-uri", str(g)) for g in dataset.named or ()]
        tabular = form in ("SELECT", "ASK")
        body, media, headers = self._post(params, _RESULTS_ACCEPT if tabular else _GRAPH_ACCEPT)
        self._check_complete(headers)
        if tabular:
            result = self._results(body, media)
            if isinstance(result, SelectResult):
                self._check_row_limit(headers, len(result.rows))
                if limit is not None:
                    result = SelectResult(result.variables, result.rows[:limit])
            return result
        return graph_result(self._graph(body, media), limit)

    # -- HTTP --------------------------------------------------------------------------------

    def _post(self, params: list[tuple[str, str]], accept: str) -> tuple[bytes, str, Message]:
        try:
            reply = self._http.send(
                "POST",
                self.endpoint,
                urllib.parse.urlencode(params).encode("utf-8"),
                {
                    "Accept": accept,
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                },
            )
        except HttpStatusError as exc:
            raise self._http_error(exc) from None
        return reply.body, reply.media, reply.headers

    def _http_error(self, exc: HttpStatusError) -> Exception:
        where = f"the SPARQL store at {self.endpoint}"
        if exc.status == 400:
            return QuerySyntaxError(f"{where} rejected the query: {exc.detail or exc.reason}")
        if exc.status in (401, 403):
            return RemoteStoreError(
                f"{where} refused access ({exc.status} {exc.reason}): check the user and password"
            )
        if exc.status == 404:
            return RemoteStoreError(f"no SPARQL endpoint at {self.endpoint} (404 Not Found)")
        return RemoteStoreError(
            f"{where} failed ({exc.status} {exc.reason}): {exc.detail}".rstrip(": ")
        )

    def _check_complete(self, headers: Message) -> None:
        if (headers.get("X-PTKG-Truncated") or "").strip().lower() == "true":
            raise PartialResultError(
                f"the SPARQL store at {self.endpoint} cut the answer at its row limit "
                "(X-PTKG-Truncated: true); not passed on as an answer"
            )
        state = (headers.get("X-SQL-State") or "").strip()
        if state in PARTIAL_RESULT_STATES:
            message = (headers.get("X-SQL-Message") or "").strip()
            raise PartialResultError(
                f"the SPARQL store at {self.endpoint} returned a partial result "
                f"(X-SQL-State: {state}: {PARTIAL_RESULT_STATES[state]}"
                + (f"; {message[:200]}" if message else "")
                + "); not passed on as an answer"
            )

    def _check_row_limit(self, headers: Message, rows: int) -> None:
        """Virtuoso cuts a SELECT at its ResultSetMaxRows and says so only in X-SPARQL-MaxRows."""
        cap = (headers.get("X-SPARQL-MaxRows") or "").strip()
        if cap.isdigit() and rows >= int(cap):
            raise PartialResultError(
                f"the SPARQL store at {self.endpoint} cut the result at {cap} rows "
                "(X-SPARQL-MaxRows, its ResultSetMaxRows setting); not passed on as an answer"
            )

    # -- answers -----------------------------------------------------------------------------

    def _results(self, body: bytes, media: str) -> SelectResult | AskResult:
        if media in _XML_RESULTS:
            return self._xml_results(body)
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PartialResultError(
                f"the answer of {self.endpoint} is not complete SPARQL JSON ({media}): {exc}"
            ) from None
        if "boolean" in document:
            return AskResult(bool(document["boolean"]))
        try:
            names = list(document["head"]["vars"])
            rows = [
                tuple(from_json(b[n]) if n in b else None for n in names)
                for b in document["results"]["bindings"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteStoreError(
                f"the answer of {self.endpoint} is not SPARQL JSON results: {exc!r}"
            ) from None
        return SelectResult(names, rows)

    def _xml_results(self, body: bytes) -> SelectResult | AskResult:
        from rdflib.query import Result as RdflibResult

        from kg.store.memory import select_result

        try:
            parsed = RdflibResult.parse(io.BytesIO(body), format="xml")
        except Exception as exc:  # the XML parser raises many types
            raise PartialResultError(
                f"the answer of {self.endpoint} is not complete SPARQL XML: {exc}"
            ) from None
        if parsed.type == "ASK":
            return AskResult(bool(parsed.askAnswer))
        return select_result(parsed)

    def _graph(self, body: bytes, media: str) -> Iterable[tuple[Node, Node, Node]]:
        graph = Graph()
        try:
            graph.parse(data=body, format=graph_format_of(media).rdflib)
        except Exception as exc:  # rdflib's parsers raise many types
            raise PartialResultError(
                f"the answer of {self.endpoint} is not complete RDF ({media}): {exc}"
            ) from None
        return graph
