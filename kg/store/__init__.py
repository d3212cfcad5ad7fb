"""The query engines behind Peace Talks KG: one swappable choice.

``oxigraph`` (pyoxigraph, in memory) is the default: measured in ``bench/engines.py`` it loads and
answers one to three orders of magnitude faster than rdflib's memory store, and rdflib's SPARQL
engine gives wrong answers on grouped sub-queries. ``rdflib`` stays selectable for comparison.
Both answer queries with the default graph taken as the union of all named graphs.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from kg.rdf.formats import RESULTS_BY_NAME, LoadError, accept_header, file_format, graph_format_of
from kg.rdf.namespaces import bind_prefixes
from kg.rdf.results import AskResult, GraphResult, Result, SelectResult
from kg.rdf.terms import checked_iri

ENGINES = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"


MAX_SLICE = sys.maxsize
"""The largest ``LIMIT`` or ``OFFSET`` every engine takes (rdflib counts with a Python slice;
Oxigraph would take up to 2^64-1)."""


class QuerySyntaxError(ValueError):
    """The query text is not valid SPARQL 1.1; the message is the parser's."""


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query runs on (SPARQL 1.1 §13), replacing its ``FROM``/``FROM NAMED``:
    ``default`` lists the graphs merged into the default graph (``None``: the union of all
    graphs), ``named`` the graphs ``GRAPH`` can see (``None``: all named graphs)."""

    default: tuple[URIRef, ...] | None = None
    named: tuple[URIRef, ...] | None = None


class Store(Protocol):
    """What the rest of the project needs of an engine.

    ``query`` takes an optional ``dataset`` (see QueryDataset), ``limit``: read at most that
    many solutions (SELECT) or distinct triples (CONSTRUCT/DESCRIBE) from the engine, and
    ``base``: the IRI the query's relative IRIs resolve against (its own ``BASE`` wins).
    """

    engine: str

    def load_file(self, path: Path) -> None: ...

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None: ...

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result: ...

    def quad_count(self) -> int: ...


def open_store(engine: str = DEFAULT_ENGINE) -> Store:
    """A new, empty store of the named engine."""
    if engine == "oxigraph":
        return OxigraphStore()
    if engine == "rdflib":
        return RdflibStore()
    if is_remote(engine):
        return SparqlHttpStore(engine)
    raise ValueError(
        f"unknown store engine {engine!r}; accepted: {', '.join(ENGINES)} "
        "or a sparql+http(s)://HOST:PORT/PATH URL"
    )


# --- Oxigraph ---------------------------------------------------------------------------------

_XSD_STRING = str(XSD.string)


class OxigraphStore:
    """pyoxigraph's in-memory store, queried with the union of all graphs as default graph."""

    engine = "oxigraph"

    def __init__(self) -> None:
        self._store = ox.Store()

    def load_file(self, path: Path) -> None:
        fmt = file_format(path).oxigraph
        try:
            self._store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        except SyntaxError as exc:
            raise LoadError(path, str(exc)) from None
        except OSError as exc:  # a directory, an unreadable file: the operator's, in one line
            raise LoadError(path, exc.strerror or str(exc)) from None

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        self._store.extend(
            ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph() if g is None else to_ox(g))
            for s, p, o, g in quads
        )

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result:
        substitutions = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        graphs: dict = {"use_default_graph_as_union": True}
        if dataset is not None:
            if dataset.default is not None:
                graphs = {"default_graph": [ox.NamedNode(str(g)) for g in dataset.default]}
            if dataset.named is not None:
                graphs["named_graphs"] = [ox.NamedNode(str(g)) for g in dataset.named]
        try:
            answer = self._store.query(
                sparql, base_iri=base, substitutions=substitutions or None, **graphs
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        if isinstance(answer, ox.QueryBoolean):
            return AskResult(bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            return SelectResult(names, _solution_rows(answer, limit))
        return _graph_result(
            ((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in answer), limit
        )

    def quad_count(self) -> int:
        return len(self._store)


def to_ox(term: Node):
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} in Oxigraph")


def from_ox(term) -> Node:
    """A pyoxigraph term as an rdflib term (plain literals without an explicit xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return _valid_iri(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return (
            Literal(term.value)
            if datatype == _XSD_STRING
            else Literal(term.value, datatype=URIRef(datatype))
        )
    raise TypeError(f"unsupported term {term!r}")


def _valid_iri(value: str) -> URIRef:
    """``URIRef(value)`` for an IRI that Oxigraph holds, without the check in ``URIRef.__new__``.

    That check only logs a warning when the text has a character no IRI may contain (a space,
    angle brackets, a double quote, braces, a vertical bar, a backslash, a caret or a backquote).
    Oxigraph checks every IRI it loads or is given (RFC 3987; this store never loads leniently),
    so the check cannot fire on what it returns; the object is the one ``URIRef(value)`` returns
    (same type and text, equal, same hash), built in a fraction of the time, which counts in
    answers of thousands of rows.
    """
    return str.__new__(URIRef, value)


class _Converted(dict[object, Node | None]):
    """pyoxigraph terms and the rdflib terms made of them, each made on first use (unbound,
    ``None``, stays ``None``); one per result, so a lookup of a term seen before is a plain
    dictionary lookup."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, term: object) -> Node:
        node = self[term] = from_ox(term)
        return node


def _solution_rows(
    solutions: ox.QuerySolutions, limit: int | None
) -> list[tuple[Node | None, ...]]:
    """The solutions as rows of rdflib terms (``None`` where unbound), in variable order.

    Each distinct term is converted once per result: answers repeat the same IRIs and literals
    (a statement's speaker, stance and source on every row of its evidence), and rdflib's
    constructors (literals above all, which parse and normalise their value) are slow next to a
    dictionary lookup. Equal pyoxigraph terms give equal rdflib terms, so a row holds the same
    values as with one conversion per cell.
    """
    convert = _Converted().__getitem__
    return [tuple(map(convert, solution)) for solution in islice(solutions, limit)]


def _graph_result(triples: Iterable[tuple[Node, Node, Node]], limit: int | None) -> GraphResult:
    """The triples as a graph, reading no more than ``limit`` distinct ones."""
    if limit is None:
        return GraphResult.of(triples)
    result = GraphResult.of(())
    for triple in triples:
        if len(result.graph) >= limit:
            break
        result.graph.add(triple)
    return result


# --- rdflib -----------------------------------------------------------------------------------


RDFLIB_PARSER_LOCK = threading.Lock()
"""Held around every call into rdflib's SPARQL parser: pyparsing sets the grammar up on first use
in a way that is not thread-safe, and the web server parses from many threads at once."""


class RdflibStore:
    """rdflib's memory store: slower and off the serving path, kept for cross-checking answers."""

    engine = "rdflib"

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)
        bind_prefixes(self.dataset)

    def load_file(self, path: Path) -> None:
        fmt = file_format(path).rdflib
        try:
            self.dataset.parse(path, format=fmt)
        except Exception as exc:  # rdflib raises many unrelated types for bad input
            raise LoadError(path, str(exc)) from None

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        default = self.dataset.default_context.identifier
        for s, p, o, g in quads:
            self.dataset.add((s, p, o, g if g is not None else default))

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        dataset: QueryDataset | None = None,
        limit: int | None = None,
        base: str | None = None,
    ) -> Result:
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        target = self.dataset
        try:
            with RDFLIB_PARSER_LOCK:
                prepared = translateQuery(
                    parseQuery(sparql), base=base, initNs=dict(self.dataset.namespaces())
                )
            _fill_short_construct(prepared.algebra)
            if dataset is not None:
                # The dataset replaces FROM/FROM NAMED, which rdflib would otherwise fetch.
                prepared.algebra["datasetClause"] = None
                target = self._view(dataset)
            answer = target.query(prepared, initBindings=init)
        except ParseException as exc:
            raise QuerySyntaxError(str(exc)) from None
        if answer.type == "ASK":
            return AskResult(bool(answer.askAnswer))
        if answer.type == "SELECT":
            names = [str(v) for v in answer.vars]
            return SelectResult(names, [tuple(row) for row in islice(answer, limit)])
        return _graph_result(answer, limit)

    def _view(self, dataset: QueryDataset) -> Dataset:
        """A copy holding just ``dataset``: its default graph and its named graphs."""
        view = Dataset()
        store = self.dataset.store
        if dataset.default is None:
            parts = list(self.dataset.graphs())
        else:
            parts = [Graph(store=store, identifier=g) for g in dataset.default]
        for part in parts:
            view.default_graph += part
        if dataset.named is None:
            named = [g.identifier for g in self.dataset.graphs()]
        else:
            named = list(dataset.named)
        for name in named:
            if isinstance(name, URIRef) and name != DATASET_DEFAULT_GRAPH_ID:
                graph = view.graph(name)
                graph += Graph(store=store, identifier=name)
        return view

    def quad_count(self) -> int:
        return sum(len(g) for g in self.dataset.graphs())


def _fill_short_construct(algebra: CompValue) -> None:
    """Give a ``CONSTRUCT WHERE { … }`` its template: rdflib 7 takes it from the pattern only
    when the pattern sits right below the query, so the short form with a ``LIMIT``, ``OFFSET``
    or ``ORDER BY`` fails with a TypeError. The template is the pattern's triples (§16.2.4)."""
    if algebra.name != "ConstructQuery" or dict.get(algebra, "template") is not None:
        return
    part = algebra.p
    while isinstance(part, CompValue) and part.name != "BGP":
        part = dict.get(part, "p")
    if isinstance(part, CompValue):
        algebra["template"] = part.triples


# --- a remote SPARQL 1.1 store over HTTP -------------------------------------------------------

REMOTE_SCHEMES = ("sparql+http://", "sparql+https://")
"""A store given as ``sparql+http(s)://HOST:PORT/PATH`` is a remote SPARQL endpoint."""

PARTIAL_RESULT_STATES = {"S1TAT": "the query was interrupted by the store's result timeout"}
"""Virtuoso's ``X-SQL-State`` values that flag an incomplete answer sent with status 200."""


class RemoteStoreError(RuntimeError):
    """A remote SPARQL store could not be reached, refused access, or failed."""


class PartialResultError(RemoteStoreError):
    """The remote store flagged its answer as incomplete; the rows are not passed on."""


def is_remote(engine: str) -> bool:
    """True for a store given as a ``sparql+http(s)://`` URL."""
    return engine.startswith(REMOTE_SCHEMES)


_VARIABLE = re.compile(r"^[A-Za-z0-9_]+$")
_SPARQL_ECHAR = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def sparql_term(term: Node) -> str:
    """An IRI or literal written as SPARQL syntax, escaped so that no text can end it early:
    the one writer of terms into query text. An IRI must pass :func:`kg.rdf.terms.checked_iri`
    (else :class:`kg.rdf.terms.BadIRI`, a ValueError)."""
    if isinstance(term, URIRef):
        return f"<{checked_iri(str(term))}>"
    if isinstance(term, Literal):
        text = '"' + "".join(_SPARQL_ECHAR.get(c, c) for c in str(term)) + '"'
        if term.language:
            if not re.match(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$", term.language):
                raise ValueError(f"not a valid language tag: {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{sparql_term(URIRef(term.datatype))}"
        return text
    raise ValueError(f"cannot send {term!r} to a remote store (blank nodes are local to a store)")


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
    the URL are sent with HTTP Basic or Digest authentication, whichever the server asks for;
    query parameters in the URL (``default-graph-uri``, Virtuoso's ``timeout`` …) are sent with
    every query. Nothing is loaded locally. An answer the store flags as incomplete raises
    :class:`PartialResultError` instead of being returned.
    """

    engine = "sparql"

    def __init__(self, url: str, timeout: float = 60.0) -> None:
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
        handlers: list[urllib.request.BaseHandler] = []
        if parts.username is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(
                None,
                self.endpoint,
                urllib.parse.unquote(parts.username),
                urllib.parse.unquote(parts.password or ""),
            )
            handlers += [
                urllib.request.HTTPDigestAuthHandler(passwords),
                urllib.request.HTTPBasicAuthHandler(passwords),
            ]
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"SparqlHttpStore({self.endpoint!r})"

    def load_file(self, path: Path) -> None:
        raise RemoteStoreError(
            f"the store at {self.endpoint} is only queried here; load data into it with `kg push`"
        )

    def add_quads(self, quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> None:
        self.load_file(Path())

    def check(self) -> None:
        """Raise RemoteStoreError unless the endpoint answers a trivial query."""
        self.query("ASK {}")

    def quad_count(self) -> int:
        result = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(result, SelectResult)
        return int(result.rows[0][0]) if result.rows and result.rows[0][0] is not None else 0

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
        accept = (
            accept_header(("json", 1), ("xml", 0.5), graph=False)
            if form in ("SELECT", "ASK")
            else accept_header(("nt", 1), ("turtle", 0.9), ("xml", 0.5), graph=True)
        )
        body, media, headers = self._post(params, accept)
        self._check_complete(headers)
        if form in ("SELECT", "ASK"):
            result = self._results(body, media)
            if isinstance(result, SelectResult):
                self._check_row_limit(headers, len(result.rows))
                if limit is not None:
                    result = SelectResult(result.variables, result.rows[:limit])
            return result
        return _graph_result(self._graph(body, media), limit)

    # -- HTTP --------------------------------------------------------------------------------

    def _post(self, params: list[tuple[str, str]], accept: str) -> tuple[bytes, str, Mapping]:
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(params).encode("utf-8"),
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "User-Agent": "peace-talks-kg",
            },
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                media = response.headers.get_content_type()
                headers = response.headers
                try:
                    body = response.read()
                except http.client.IncompleteRead as exc:
                    raise PartialResultError(
                        f"the answer of {self.endpoint} was cut off after {len(exc.partial)} bytes"
                    ) from None
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc) from None
        except urllib.error.URLError as exc:
            raise RemoteStoreError(
                f"cannot reach the SPARQL store at {self.endpoint}: {exc.reason}"
            ) from None
        except TimeoutError:
            raise RemoteStoreError(
                f"the SPARQL store at {self.endpoint} did not answer within {self.timeout:g} s"
            ) from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise RemoteStoreError(
                f"the connection to the SPARQL store at {self.endpoint} failed: {exc}"
            ) from None
        return body, media, headers

    def _http_error(self, exc: urllib.error.HTTPError) -> Exception:
        try:
            detail = exc.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            detail = ""
        detail = " ".join(line.strip() for line in detail.splitlines() if line.strip())[:300]
        where = f"the SPARQL store at {self.endpoint}"
        if exc.code == 400:
            return QuerySyntaxError(f"{where} rejected the query: {detail or exc.reason}")
        if exc.code in (401, 403):
            return RemoteStoreError(
                f"{where} refused access ({exc.code} {exc.reason}): check the user and password"
            )
        if exc.code == 404:
            return RemoteStoreError(f"no SPARQL endpoint at {self.endpoint} (404 Not Found)")
        return RemoteStoreError(f"{where} failed ({exc.code} {exc.reason}): {detail}".rstrip(": "))

    def _check_complete(self, headers: Mapping) -> None:
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

    def _check_row_limit(self, headers: Mapping, rows: int) -> None:
        """Virtuoso cuts a SELECT at its ResultSetMaxRows and says so only in X-SPARQL-MaxRows."""
        cap = (headers.get("X-SPARQL-MaxRows") or "").strip()
        if cap.isdigit() and rows >= int(cap):
            raise PartialResultError(
                f"the SPARQL store at {self.endpoint} cut the result at {cap} rows "
                "(X-SPARQL-MaxRows, its ResultSetMaxRows setting); not passed on as an answer"
            )

    # -- answers -----------------------------------------------------------------------------

    def _results(self, body: bytes, media: str) -> SelectResult | AskResult:
        if media in RESULTS_BY_NAME["xml"].media_types:
            from rdflib.query import Result as RdflibResult

            try:
                parsed = RdflibResult.parse(io.BytesIO(body), format="xml")
            except Exception as exc:  # the XML parser raises many types
                raise PartialResultError(
                    f"the answer of {self.endpoint} is not complete SPARQL XML: {exc}"
                ) from None
            if parsed.type == "ASK":
                return AskResult(bool(parsed.askAnswer))
            names = [str(v) for v in parsed.vars or []]
            return SelectResult(names, [tuple(row) for row in parsed])
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
                tuple(_json_term(b[n]) if n in b else None for n in names)
                for b in document["results"]["bindings"]
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteStoreError(
                f"the answer of {self.endpoint} is not SPARQL JSON results: {exc!r}"
            ) from None
        return SelectResult(names, rows)

    def _graph(self, body: bytes, media: str) -> Iterable[tuple[Node, Node, Node]]:
        graph = Graph()
        try:
            graph.parse(data=body, format=graph_format_of(media).rdflib)
        except Exception as exc:  # rdflib's parsers raise many types
            raise PartialResultError(
                f"the answer of {self.endpoint} is not complete RDF ({media}): {exc}"
            ) from None
        return graph


def _json_term(value: Mapping[str, str]) -> Node:
    """A term of the SPARQL JSON results format (including Virtuoso's ``typed-literal``)."""
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    raise ValueError(f"unknown term type {kind!r}")
