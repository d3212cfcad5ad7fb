"""Check a query sent to the public endpoint before any engine sees it.

The guard judges exactly the text the engine will run. It first rewrites the query into its
canonical form (``kg.endpoint.sparql_text``: one line, no comments, strings and IRIs written plainly), in
which rdflib's parser and Oxigraph's read the same terminals, and returns that text to be run in
place of what was sent. The canonical text is then checked twice: for any word the engine could
read as the keyword ``SERVICE`` (Oxigraph sends it to the remote IRI, with no switch to turn that
off), and by rdflib's parser, whose parse tree is walked for ``SERVICE`` too and gives the query's
form and dataset. SPARQL Update (``INSERT``, ``LOAD``, ``DROP`` …) is refused.

The parse tree is read after the first step of rdflib's translation to algebra, which expands
every prefixed name and resolves every relative IRI (and fails on an undeclared prefix), done by
rdflib's own functions with the bindings ``translateQuery`` would make: that step is the only
one of the translation that can refuse a query the parser took, and the tree already holds the
form, the dataset clauses and every ``SERVICE`` pattern, so the rest of the translation (about a
millisecond a query) is not done. ``tests/test_guard_decisions.py`` checks, on the fuzzer's
corpus and its mutations, that the tree gives what the algebra gave.

rdflib's parser takes milliseconds a query. The common queries (a well-defined subset of the
grammar, ``kg.endpoint.recogniser``) are read without it, in a few dozen microseconds, by rules
that follow rdflib's and step aside wherever rdflib could read the text otherwise: the very same
decision, which ``tests/test_recogniser.py`` checks side by side on the test suites' corpora and
generated queries. Everything else, every refusal included, is decided by rdflib's parser.

The dataset (``FROM``/``FROM NAMED`` or the protocol's ``default-graph-uri``/``named-graph-uri``)
is read from the text and handed to the engine explicitly, so no engine ever fetches a graph: a
graph the store does not hold is an empty graph, as the protocol allows.

rdflib's parser (pyparsing) sets itself up on first use in a way that is not thread-safe, and
the web server calls the guard from many threads: every parse holds
:data:`kg.store.RDFLIB_PARSER_LOCK`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from types import MappingProxyType
from typing import Any

from pyparsing import ParseException, ParseResults
from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue

from kg.endpoint.recogniser import Bindings, Shape, recognise
from kg.endpoint.refused import QueryRefused
from kg.endpoint.sparql_text import (
    CanonicalText,
    Lexeme,
    canonical,
    lexemes,
    readings,
    service_words,
)
from kg.rdf.namespaces import PREFIXES
from kg.rdf.results import Result
from kg.rdf.terms import BadIRI, checked_iri
from kg.store import MAX_SLICE, QueryDataset, QuerySyntaxError, Store
from kg.store import RDFLIB_PARSER_LOCK as PARSER_LOCK
from kg.store.queries import in_user_lines, with_prefixes

DEFAULT_GRAPH_ALIASES = frozenset(
    {
        "urn:x-rdflib:default",  # rdflib's Dataset over a SPARQLStore sends it with every query
        "urn:x-arq:DefaultGraph",  # Apache Jena
        "urn:x-arq:UnionGraph",
    }
)
"""Graph IRIs clients use to mean the endpoint's default graph (here the union of all graphs)."""

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "AskQuery": "ASK",
    "DescribeQuery": "DESCRIBE",
}

_UPDATE_KEYWORDS = {
    "InsertData": "INSERT DATA",
    "DeleteData": "DELETE DATA",
    "DeleteWhere": "DELETE WHERE",
    "Modify": "DELETE/INSERT",
    "Load": "LOAD",
    "Clear": "CLEAR",
    "Drop": "DROP",
    "Create": "CREATE",
    "Add": "ADD",
    "Move": "MOVE",
    "Copy": "COPY",
}


@dataclass(frozen=True)
class CheckedQuery:
    """A query that may run: its form, the dataset to run it on (None: the whole store), and
    ``text``, the canonical text to run in place of what was sent, with ``base``, the IRI its
    relative IRIs resolve against."""

    form: str
    dataset: QueryDataset | None = None
    text: str = field(default="", compare=False)
    base: str | None = field(default=None, compare=False)
    _canonical: CanonicalText | None = field(default=None, compare=False, repr=False)

    @property
    def returns_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE, whose answer is RDF rather than a result table."""
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def footprint(self) -> int:
        """Bytes this decision holds beyond the text as sent (for a cache of decisions to count):
        the canonical text, the graph IRIs, the base and the map of positions."""
        strings = [self.text, self.base or ""]
        if self.dataset is not None:
            strings += [*(self.dataset.default or ()), *(self.dataset.named or ())]
        held = sum(map(sys.getsizeof, strings))
        return held + (0 if self._canonical is None else self._canonical.footprint())

    def explain(self, message: str) -> str:
        """A parser's message about ``text`` with its positions moved to the text as sent."""
        if self._canonical is None:
            return message
        return _in_sent_positions(message, self._canonical)


def check_query(
    text: str,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    *,
    base: str | None = None,
) -> CheckedQuery:
    """Decide whether ``text`` (the project's prefixes predeclared) may run, and what to run.

    The protocol's ``default_graph_uris`` and ``named_graph_uris``, when given, replace the
    query's ``FROM`` and ``FROM NAMED``; ``base`` is the IRI relative IRIs are resolved against
    (the endpoint's URL). Raises QuerySyntaxError (with the parser's message, its positions in
    ``text``) or QueryRefused.
    """
    words = [word for reading in readings(text) for word in service_words(reading)]
    written = canonical(text)
    if words:
        raise QueryRefused(
            f"SERVICE is not allowed (found {words[0]!r}): this endpoint makes no requests to "
            "other services"
        )
    if base is not None:
        base = str(checked_iri(base))
    runnable = written.text
    checked = CheckedQuery("SELECT", None, runnable, base, written)
    lexed = lexemes(runnable)
    _check_slices(written, lexed)
    shape = recognise(runnable, lexed, _bindings()) or _parsed_shape(checked)
    if default_graph_uris or named_graph_uris:
        default = [_graph_iri("default-graph-uri", iri) for iri in default_graph_uris]
        named = [_graph_iri("named-graph-uri", iri) for iri in named_graph_uris]
    else:
        default = [_from_iri(checked, "FROM", iri) for iri in shape.default]
        named = [_from_iri(checked, "FROM NAMED", iri) for iri in shape.named]
    return CheckedQuery(shape.form, _dataset(default, named), runnable, base, written)


def _parsed_shape(checked: CheckedQuery) -> Shape:
    """The form and dataset clauses of ``checked.text`` by rdflib's parser, for any query
    :func:`kg.endpoint.recogniser.recognise` leaves to it. Raises QueryRefused for SERVICE or
    SPARQL Update, QuerySyntaxError for what rdflib cannot parse or resolve."""
    query = _resolved(_parsed(checked), checked)
    for node in _nodes(query):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused(
                f"SERVICE {node['term'].n3()} is not allowed: this endpoint makes no "
                "requests to other services"
            )
    clauses = _field(query, "datasetClause") or []
    return Shape(
        QUERY_FORMS[query.name],
        tuple(c["default"] for c in clauses if "default" in c),
        tuple(c["named"] for c in clauses if "named" in c),
    )


def _parsed(checked: CheckedQuery) -> ParseResults:
    """rdflib's parse of the canonical text: its prologue and its query. Raises QueryRefused
    for SPARQL Update, QuerySyntaxError for anything else it cannot parse."""
    try:
        with PARSER_LOCK:
            return parseQuery(checked.text)
    except RecursionError:
        raise QuerySyntaxError(
            "the query nests its groups too deeply for this endpoint's parser"
        ) from None
    except ParseException as exc:
        operation = update_operation(checked.text)
        if operation:
            raise QueryRefused(
                f"this endpoint is read-only: {operation} is SPARQL Update, which it does not accept"
            ) from None
        raise QuerySyntaxError(checked.explain(str(exc))) from None


def _resolved(parsed: ParseResults, checked: CheckedQuery) -> CompValue:
    """The query of ``parsed`` with its prefixed names expanded and its relative IRIs resolved
    against ``checked.base`` (or the query's ``BASE``): the first step of rdflib's
    ``translateQuery`` with the project's prefixes predeclared, by rdflib's own functions.
    Raises QuerySyntaxError where that step fails (an undeclared prefix)."""
    try:
        prologue = translatePrologue(parsed[0], checked.base, None, _Predeclared())
        return traverse(parsed[1], visitPost=partial(translatePName, prologue=prologue))
    except Exception as exc:  # rdflib raises plain exceptions, e.g. for an undeclared prefix
        raise QuerySyntaxError(checked.explain(str(exc))) from None


class _Predeclared(Prologue):
    """rdflib's prologue as ``translateQuery(initNs=PREFIXES)`` starts it: its own namespaces
    and the project's, bound in that order. Binding them one by one takes rdflib most of a
    millisecond, so the bindings that ends with are copied in instead (the same two tables of
    prefixes and namespaces, so the query's own ``PREFIX`` lines then bind, and displace, exactly
    as they would there), in a few dozen microseconds."""

    def __init__(self) -> None:  # Prologue.__init__ would bind rdflib's namespaces one by one
        self.base = ""  # what translatePrologue starts a prologue of its own with
        self.namespace_manager = NamespaceManager(Graph(), bind_namespaces="none")
        store = self.namespace_manager.store
        for prefix, namespace in _predeclared_bindings():
            store.bind(prefix, namespace)


@cache
def _bindings() -> Bindings:
    """The predeclared prefixes as :func:`kg.endpoint.recogniser.recognise` reads them, taken
    from the prologue rdflib's parse starts with (worked out once)."""
    store = _Predeclared().namespace_manager.store
    namespace_of = {prefix: str(namespace) for prefix, namespace in store.namespaces()}
    prefix_of = {namespace: store.prefix(URIRef(namespace)) for namespace in namespace_of.values()}
    return Bindings(
        MappingProxyType(namespace_of),
        MappingProxyType({namespace: p for namespace, p in prefix_of.items() if p is not None}),
    )


@cache
def _predeclared_bindings() -> tuple[tuple[str, URIRef], ...]:
    """The prefixes and namespaces of rdflib's prologue once ``PREFIXES`` are bound, as
    ``translateQuery(initNs=PREFIXES)`` binds them (worked out once, by rdflib itself)."""
    return tuple(translatePrologue(ParseResults([]), None, PREFIXES).namespace_manager.namespaces())


def update_operation(text: str) -> str | None:
    """The first operation's keyword when ``text`` is a SPARQL Update request, else None."""
    try:
        with PARSER_LOCK:
            update = parseUpdate(text)
    except ParseException:
        return None
    operations = _field(update, "request")
    if not operations:
        return None
    return _UPDATE_KEYWORDS.get(operations[0].name, operations[0].name)


def _graph_iri(parameter: str, text: str) -> URIRef:
    try:
        return checked_iri(text)
    except BadIRI as exc:
        raise QuerySyntaxError(f"{parameter}: {exc}") from None


def _from_iri(checked: CheckedQuery, clause: str, iri: URIRef) -> URIRef:
    """A graph named in the query's own dataset clause, held to the same rule as the protocol's
    parameters (rdflib's parser lets through text the engine cannot take as an IRI)."""
    try:
        return checked_iri(str(iri))
    except BadIRI as exc:
        raise QuerySyntaxError(f"{clause} <{iri}>: {exc}") from None


def _check_slices(written: CanonicalText, lexed: list[Lexeme]) -> None:
    """Refuse a ``LIMIT`` or ``OFFSET`` beyond :data:`kg.store.MAX_SLICE`, the largest every
    engine takes, before a parser turns its digits into a number (rdflib fails on the way).
    ``lexed``: the terminals of ``written.text``."""
    if not _SLICE_KEYWORD.search(written.text):  # the keywords are words of the text, if any
        return
    previous = ""
    for kind, text, start in lexed:
        if kind == "number" and text.isdigit() and previous in ("LIMIT", "OFFSET"):
            digits = text.lstrip("0") or "0"
            if len(digits) > len(str(MAX_SLICE)) or int(digits) > MAX_SLICE:
                line, column = written.position(start)
                raise QuerySyntaxError(
                    f"{previous} {_shortened(text)} at line {line}, column {column} is "
                    f"larger than the largest this endpoint accepts ({MAX_SLICE})"
                )
        previous = text.upper() if kind == "word" else ""


_SLICE_KEYWORD = re.compile("LIMIT|OFFSET", re.IGNORECASE)


def _shortened(text: str, most: int = 40) -> str:
    return text if len(text) <= most else f"{text[:20]}…({len(text)} digits)"


def _dataset(default: list[URIRef], named: list[URIRef]) -> QueryDataset | None:
    """The dataset to run on: None for the whole store (no dataset given, or the default graph
    named by one of its aliases with no named graphs)."""
    if not default and not named:
        return None
    union = any(str(iri) in DEFAULT_GRAPH_ALIASES for iri in default)
    if union and not named:
        return None
    return QueryDataset(
        default=None if union else tuple(dict.fromkeys(default)),
        named=tuple(dict.fromkeys(named)),
    )


_AT_CHAR = re.compile(r"\(at char (\d+)\), \(line:(\d+), col:(\d+)\)")
_ERROR_AT = re.compile(r"\berror at (\d+):(\d+)")


def _in_sent_positions(message: str, written: CanonicalText) -> str:
    """Move the positions rdflib (``at char N, line:L, col:C``) or Oxigraph (``error at L:C``)
    give in the canonical text, one line long, to the text as it was sent."""

    def where(offset: int) -> tuple[int, int]:
        return written.position(offset)

    def at_char(match: re.Match[str]) -> str:
        line, column = where(int(match.group(1)))
        return f"(line {line}, column {column})"

    def error_at(match: re.Match[str]) -> str:
        if match.group(1) != "1":
            return match.group(0)
        line, column = where(int(match.group(2)) - 1)
        return f"error at {line}:{column}"

    return _ERROR_AT.sub(error_at, _AT_CHAR.sub(at_char, message))


def _field(node: CompValue, key: str) -> Any:
    """A node's field, or None (``CompValue.get`` answers the key itself for a missing field)."""
    return dict.get(node, key)


def _nodes(root: object) -> Iterator[CompValue]:
    """Every node of a parse tree (or of an algebra) under ``root``, depth first."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset | ParseResults):
            stack.extend(item)


def run_checked(store: Store, sparql: str) -> Result:
    """Run a user's query honouring its ``FROM``/``FROM NAMED`` (without them, the default graph is
    the union of all graphs; a graph the store lacks is empty); like the endpoint, run the text
    the guard checked and refuse ``SERVICE`` (:class:`QueryRefused`). Syntax errors
    give their positions in ``sparql``."""
    checked = check_query(sparql)
    try:
        return store.query(with_prefixes(checked.text), dataset=checked.dataset)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(checked.explain(in_user_lines(str(exc)))) from None
