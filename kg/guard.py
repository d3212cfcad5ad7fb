"""Check a query sent to the public endpoint before any engine sees it.

The text is parsed with rdflib's SPARQL parser and its algebra walked. Refused: SPARQL Update
(``INSERT``, ``LOAD``, ``DROP`` …), ``SERVICE`` (engines send it to the remote IRI), and a dataset
(``FROM``/``FROM NAMED`` or the protocol's ``default-graph-uri``/``named-graph-uri``) naming
anything but a graph the store holds: rdflib fetches such IRIs, ``file:`` ones included, and
Oxigraph executes ``SERVICE`` and ``LOAD`` with no switch to turn them off. What passes is
returned as its query form and the dataset to run it on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pyparsing import ParseException, ParseResults
from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.namespaces import PREFIXES
from kg.store import QueryDataset, QuerySyntaxError

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


class QueryRefused(ValueError):
    """A well-formed request this endpoint will not run; the message says why."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that may run: its form and the dataset to run it on (None: the whole store)."""

    form: str
    dataset: QueryDataset | None = None

    @property
    def returns_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE, whose answer is RDF rather than a result table."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def check_query(
    text: str,
    known_graphs: Collection[str],
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> CheckedQuery:
    """Parse ``text`` (the project's prefixes predeclared) and decide whether it may run.

    ``known_graphs`` are the named graphs of the store; the protocol's ``default_graph_uris`` and
    ``named_graph_uris``, when given, replace the query's ``FROM`` and ``FROM NAMED``.
    Raises QuerySyntaxError (the parser's message) or QueryRefused.
    """
    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        operation = update_operation(text)
        if operation:
            raise QueryRefused(
                f"this endpoint is read-only: {operation} is SPARQL Update, which it does not accept"
            ) from None
        raise QuerySyntaxError(str(exc)) from None
    try:
        query = translateQuery(parsed, initNs=PREFIXES)
    except Exception as exc:  # rdflib raises plain exceptions, e.g. for an undeclared prefix
        raise QuerySyntaxError(str(exc)) from None
    for node in _nodes(query.algebra):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused(
                f"SERVICE {node['term'].n3()} is not allowed: this endpoint makes no "
                "requests to other services"
            )
    clauses = _field(query.algebra, "datasetClause") or []
    if default_graph_uris or named_graph_uris:
        default = [URIRef(iri) for iri in default_graph_uris]
        named = [URIRef(iri) for iri in named_graph_uris]
        words = ("default-graph-uri", "named-graph-uri")
    else:
        default = [c["default"] for c in clauses if "default" in c]
        named = [c["named"] for c in clauses if "named" in c]
        words = ("FROM", "FROM NAMED")
    form = QUERY_FORMS[query.algebra.name]
    return CheckedQuery(form, _dataset(default, named, known_graphs, words))


def update_operation(text: str) -> str | None:
    """The first operation's keyword when ``text`` is a SPARQL Update request, else None."""
    try:
        update = parseUpdate(text)
    except ParseException:
        return None
    operations = _field(update, "request")
    if not operations:
        return None
    return _UPDATE_KEYWORDS.get(operations[0].name, operations[0].name)


def _dataset(
    default: list[URIRef],
    named: list[URIRef],
    known_graphs: Collection[str],
    words: tuple[str, str],
) -> QueryDataset | None:
    if not default and not named:
        return None
    for iri in default:
        if str(iri) not in DEFAULT_GRAPH_ALIASES and str(iri) not in known_graphs:
            raise QueryRefused(_unknown(words[0], iri))
    for iri in named:
        if str(iri) not in known_graphs:
            raise QueryRefused(_unknown(words[1], iri))
    union = any(str(iri) in DEFAULT_GRAPH_ALIASES for iri in default)
    if union and not named:
        return None
    return QueryDataset(
        default=None if union else tuple(dict.fromkeys(default)),
        named=tuple(dict.fromkeys(named)),
    )


def _unknown(word: str, iri: URIRef) -> str:
    return (
        f"{word} {iri.n3()} names no graph of this dataset; the endpoint fetches nothing from "
        "elsewhere (its named graphs are listed in the service description)"
    )


def _field(node: CompValue, key: str) -> Any:
    """A node's field, or None (``CompValue.get`` answers the key itself for a missing field)."""
    return dict.get(node, key)


def _nodes(root: object) -> Iterator[CompValue]:
    """Every algebra node under ``root``, depth first."""
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
