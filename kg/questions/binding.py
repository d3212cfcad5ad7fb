"""The canned queries' text with values bound and pages cut, and the running of them.

Every ``kg/queries/ask-*.rq`` carries its parameters as commented ``# VALUES`` lines and its page
as a commented ``# LIMIT … OFFSET …`` line: the lines a researcher uncomments to run the query by
hand. Binding fills in exactly those lines, with RDF terms written by :func:`kg.store.sparql_term`,
so user text never reaches a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rdflib import URIRef
from rdflib.term import Node

from kg.rdf.results import SelectResult
from kg.store import Store, sparql_term
from kg.store.queries import canned_query

_VALUES_LINE = re.compile(
    r"^(?P<indent>[ \t]*)# VALUES (?P<vars>\((?:\s*\?\w+)+\s*\)|\?\w+) \{.*\}[ \t]*$", re.M
)
_PAGE_LINE = re.compile(r"^(?P<indent>[ \t]*)# LIMIT \d+ OFFSET \d+[ \t]*$", re.M)


class _Undefined:
    """``UNDEF`` in a ``VALUES`` row: an optional parameter left open."""


UNDEF = _Undefined()


def _written(term: Node | _Undefined) -> str:
    """A term of a ``VALUES`` row as SPARQL text."""
    return "UNDEF" if isinstance(term, _Undefined) else sparql_term(term)


def fill_values(
    text: str, variables: tuple[str, ...], rows: Iterable[tuple[Node | _Undefined, ...]]
) -> str:
    """The query with each commented ``# VALUES`` line for exactly ``variables`` replaced by a
    ``VALUES`` block of ``rows``.

    This is how parameters are bound: the same line(s) a researcher uncomments to run the query
    by hand. The terms are RDF terms (IRIs checked by :func:`kg.rdf.terms.checked_iri`, dates computed
    from a parsed period, or IRIs the store itself returned), written by
    :func:`kg.store.sparql_term`, which refuses an IRI that could end early; user text never
    reaches the query. (Measured on Oxigraph, an inline ``VALUES`` block is also several times
    faster than pyoxigraph's ``substitutions``, which moreover bind only variables every
    projection repeats.)
    """
    rows = list(rows)
    head = f"({' '.join('?' + n for n in variables)})" if len(variables) > 1 else f"?{variables[0]}"
    body = " ".join(
        "(" + " ".join(map(_written, row)) + ")" if len(variables) > 1 else _written(row[0])
        for row in rows
    )

    def replace(match: re.Match[str]) -> str:
        if tuple(re.findall(r"\?(\w+)", match.group("vars"))) != variables:
            return match.group(0)
        return f"{match.group('indent')}VALUES {head} {{ {body} }}"

    filled = _VALUES_LINE.sub(replace, text)
    if filled == text:
        raise RuntimeError(f"the query has no '# VALUES' line for {', '.join(variables)}")
    return filled


def _values_lines(text: str) -> list[tuple[str, ...]]:
    """The variables of each commented ``# VALUES`` line of a query, in order."""
    return [tuple(re.findall(r"\?(\w+)", m.group("vars"))) for m in _VALUES_LINE.finditer(text)]


def parameter_variables(text: str) -> tuple[str, ...]:
    """The variables of a query's commented ``# VALUES`` lines (its parameters), each once."""
    return tuple(dict.fromkeys(v for line in _values_lines(text) for v in line))


def bind(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters bound: its first ``# VALUES`` line always (a parameter
    without a value is ``UNDEF``, which matches anything), each further one when all its variables
    have values (else it stays a comment: an optional restriction left out, which lets the engine
    plan the query without it)."""
    for n, names in enumerate(_values_lines(text)):
        if n == 0 or all(name in bindings for name in names):
            row = tuple(bindings.get(name, UNDEF) for name in names)
            text = fill_values(text, names, [row])
    return text


def page(text: str, limit: int | None, offset: int) -> str:
    """The query with its commented ``# LIMIT … OFFSET …`` line (every question has one, after
    the ORDER BY that fixes the order of its items) made a real one: ``limit`` rows (all when
    ``None``) after skipping ``offset``."""
    clauses = ([f"LIMIT {limit}"] if limit is not None else []) + (
        [f"OFFSET {offset}"] if offset else []
    )

    def replace(match: re.Match[str]) -> str:
        return f"{match.group('indent')}{' '.join(clauses)}" if clauses else ""

    paged, found = _PAGE_LINE.subn(replace, text, count=1)
    if not found:
        raise RuntimeError("the query has no '# LIMIT … OFFSET …' line")
    return paged


def iris(terms: Iterable[Node | None]) -> set[str]:
    """The IRIs among ``terms``, as text."""
    return {str(t) for t in terms if isinstance(t, URIRef)}


def run_select(store: Store, text: str) -> SelectResult:
    """The rows of a SELECT query that kg wrote (a canned query, bound)."""
    result = store.query(text)
    assert isinstance(result, SelectResult)
    return result


def select(store: Store, name: str, bindings: Mapping[str, Node] | None = None) -> SelectResult:
    """The rows of the canned query ``name``, its parameters bound when ``bindings`` are given."""
    text = canned_query(name)
    return run_select(store, bind(text, bindings) if bindings else text)


VALUES_CHUNK = 40
"""The most IRIs a helper query is run with at once. Oxigraph (0.5) follows each row of a small
``VALUES`` block into the graph, but joins a larger one (from about 60 rows) with whole
properties: at a million triples the evidence of 400 statements took 42 ms in one query and
13 ms in blocks of 40 (``docs/performance.md``)."""


def select_values(
    store: Store, name: str, variable: str, terms: Iterable[Node | None]
) -> SelectResult | None:
    """Run a helper query with its ``# VALUES ?variable`` line filled with the given IRIs (which
    come from the store's own answers, never from a user), :data:`VALUES_CHUNK` at a time, and
    return all the rows (each block's rows after the block before); ``None`` when there are no
    IRIs."""
    found = sorted(iris(terms))
    if not found:
        return None
    text = canned_query(name)
    result: SelectResult | None = None
    for start in range(0, len(found), VALUES_CHUNK):
        rows = [(URIRef(i),) for i in found[start : start + VALUES_CHUNK]]
        block = run_select(store, fill_values(text, (variable,), rows))
        if result is None:
            result = block
        else:
            result.rows.extend(block.rows)
    return result
