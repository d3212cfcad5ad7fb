"""Run SPARQL on a store and print the answer; canned queries ship as ``kg/queries/*.rq``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from kg.rdf.formats import RDF_FORMATS, RESULT_FORMATS
from kg.rdf.namespaces import bind_prefixes, sparql_prologue
from kg.rdf.results import AskResult, GraphResult, Result, SelectResult
from kg.store import Store, sparql_term
from kg.store.serialize import serialize

TABLE_FORMATS = ("table", *RESULT_FORMATS)
"""What ``kg query --format`` accepts for SELECT/ASK."""
GRAPH_FORMATS = tuple(RDF_FORMATS)
"""What ``kg query --format`` accepts for CONSTRUCT/DESCRIBE."""


@cache
def canned_query(name: str) -> str:
    """The text of a canned query shipped with the package (``name`` without ``.rq``), read from
    its file once per process (the files are part of the installed package)."""
    return resources.files("kg").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def canned_queries() -> list[str]:
    """Names of all canned queries."""
    folder = resources.files("kg").joinpath("queries")
    return sorted(p.name.removesuffix(".rq") for p in folder.iterdir() if p.name.endswith(".rq"))


# --- binding: a canned query's commented ``# VALUES`` lines filled in -----------------------

_VALUES_LINE = re.compile(
    r"^(?P<indent>[ \t]*)# VALUES (?P<vars>\((?:\s*\?\w+)+\s*\)|\?\w+) \{.*\}[ \t]*$", re.M
)


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


def values_lines(text: str) -> list[tuple[str, ...]]:
    """The variables of each commented ``# VALUES`` line of a query, in order."""
    return [tuple(re.findall(r"\?(\w+)", m.group("vars"))) for m in _VALUES_LINE.finditer(text)]


def fill_bound(text: str, bindings: Mapping[str, Node]) -> tuple[str, dict[str, Node]]:
    """The query with each commented ``# VALUES`` line whose variables ``bindings`` all bind
    filled in (:func:`fill_values`), and the bindings no such line took, to pass to the store.

    Oxigraph plans a query before it applies pyoxigraph's substitutions, so a page's query bound
    to one resource that way scans the whole graph; filled in, the bound resource picks the
    index. The labels of an actor's page on the curated data took 200 ms in memory and 1.3 s from
    the on-disk store with substitutions, under 20 ms on either filled in. A term no query text
    can carry (a blank node, local to the store) is left to the store, as before."""
    rest = dict(bindings)
    for names in dict.fromkeys(values_lines(text)):
        if not all(name in rest for name in names):
            continue
        try:
            text = fill_values(text, names, [tuple(rest[name] for name in names)])
        except ValueError:
            continue
        for name in names:
            del rest[name]
    return text, rest


def read_query(text_or_path: str) -> str:
    """A query given on the command line, or read from a ``.rq`` file when it names one."""
    if text_or_path.endswith((".rq", ".sparql")) and Path(text_or_path).is_file():
        return Path(text_or_path).read_text(encoding="utf-8")
    return text_or_path


def run(store: Store, sparql: str, bindings: dict[str, Node] | None = None) -> Result:
    """Run a query; the project's prefixes are available without declaring them."""
    return store.query(with_prefixes(sparql), bindings)


def select(store: Store, name: str, bindings: Mapping[str, Node] | None = None) -> SelectResult:
    """The rows of the canned SELECT ``name`` with ``bindings`` joined in (the project's prefixes
    predeclared): the one way the library reads its own queries' rows. The bindings fill the
    query's ``# VALUES`` lines where it has them (:func:`fill_bound`). A canned query that is
    not a SELECT is a fault of ours, raised as TypeError."""
    text, rest = fill_bound(canned_query(name), bindings or {})
    result = store.query(with_prefixes(text), rest or None)
    if not isinstance(result, SelectResult):
        raise TypeError(f"canned query {name} is not a SELECT")
    return result


def select_graph(store: Store, name: str, bindings: Mapping[str, Node] | None = None) -> Graph:
    """The triples the canned SELECT ``name`` lists as rows of ``?s ?p ?o``, as a graph with the
    project's prefixes bound."""
    found = Graph()
    bind_prefixes(found)
    for row in select(store, name, bindings).dicts():
        found.add((row["s"], row["p"], row["o"]))
    return found


def with_prefixes(sparql: str) -> str:
    """Prepend the project's ``PREFIX`` declarations (a query may still redeclare them)."""
    return sparql_prologue() + sparql


_POSITIONS = re.compile(r"(error at |line:|line )(\d+)")


def in_user_lines(message: str) -> str:
    """An engine's message with its line numbers counted in the user's text, without the
    prefixes :func:`with_prefixes` put before it."""
    shift = with_prefixes("").count("\n")

    def moved(match: re.Match[str]) -> str:
        line = int(match.group(2)) - shift
        return f"{match.group(1)}{line}" if line > 0 else match.group(0)

    return _POSITIONS.sub(moved, message)


def render(result: Result, fmt: str) -> str:
    """The result as text in ``fmt`` (``table`` for a human, or any serialisation format)."""
    if fmt == "table":
        if isinstance(result, GraphResult):
            return serialize(result, "turtle").decode("utf-8")
        return table(result)
    return serialize(result, fmt).decode("utf-8")


def table(result: SelectResult | AskResult, nm: NamespaceManager | None = None) -> str:
    """A plain-text table with prefixed names."""
    if isinstance(result, AskResult):
        return "true" if result.value else "false"
    if nm is None:
        graph = Graph()
        bind_prefixes(graph)
        nm = graph.namespace_manager
    cells = [[_cell(t, nm) for t in row] for row in result.rows]
    widths = [len(v) for v in result.variables]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(v.ljust(w) for v, w in zip(result.variables, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    footer = f"({len(cells)} row{'s' if len(cells) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *(b.rstrip() for b in body), footer])


def _cell(term: Node | None, nm: NamespaceManager) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        return str(term).replace("\n", " ")
    return term.n3(nm)
