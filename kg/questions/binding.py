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
from kg.store import Store
from kg.store.queries import UNDEF, canned_query, fill_values, values_lines

_PAGE_LINE = re.compile(r"^(?P<indent>[ \t]*)# LIMIT \d+ OFFSET \d+[ \t]*$", re.M)


def parameter_variables(text: str) -> tuple[str, ...]:
    """The variables of a query's commented ``# VALUES`` lines (its parameters), each once."""
    return tuple(dict.fromkeys(v for line in values_lines(text) for v in line))


def bind(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with its parameters bound: its first ``# VALUES`` line always (a parameter
    without a value is ``UNDEF``, which matches anything), each further one when all its variables
    have values (else it stays a comment: an optional restriction left out, which lets the engine
    plan the query without it)."""
    for n, names in enumerate(values_lines(text)):
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
