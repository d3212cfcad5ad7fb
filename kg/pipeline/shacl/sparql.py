"""SPARQL-based constraints (``sh:sparql`` with ``sh:select``), run as pySHACL runs them, faster.

pySHACL parses each constraint's query again for every focus node and runs it with ``$this``
pre-bound. Here the query is prepared once, with the prefixes pySHACL would add (``sh:prefixes``
and the ``sh:declare`` it finds), ``$PATH`` written in and pySHACL's refusals (MINUS, VALUES,
SERVICE, ``$shapesGraph``) turned into ``Unsupported``. It then runs with rdflib's engine, the
one pySHACL uses, so functions and comparisons behave alike — either once per focus node with
``$this`` bound, as pySHACL does, or, when the query's outermost pattern starts with a basic graph
pattern that binds ``?this`` and only filters, optionals and projections follow, **once for all
focus nodes**, its rows grouped by ``?this``. Both give the same rows: every later pattern is
evaluated with ``?this`` already fixed by that first pattern, as it is when pre-bound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Identifier, Node

from kg.pipeline.shacl.checks import Check, Outcome, Run, Values, component
from kg.pipeline.shacl.paths import Alternative, Inverse, Path, Steps
from kg.pipeline.shacl.query_reads import query_reads
from kg.pipeline.shacl.results import Result
from kg.pipeline.shacl.unsupported import Unsupported, named
from kg.pipeline.shacl.values import optional
from kg.rdf.namespaces import SH

if TYPE_CHECKING:
    from kg.pipeline.shacl.reads import Position, Reads
    from kg.pipeline.shacl.shapes import Shape

ONE_QUERY_FROM = 16
"""From this many focus nodes on, a query that allows it runs once for all of them."""

THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
PATH = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
SHAPES_GRAPH = re.compile(r"([\s{}()])[\$\?]shapesGraph", flags=re.M)
CURRENT_SHAPE = re.compile(r"([\s{}()])[\$\?]currentShape", flags=re.M)
REFUSED = {
    "MINUS": re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I),
    "VALUES": re.compile(
        r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I
    ),
    "SERVICE": re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I),
    "a nested SELECT": re.compile(
        r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+((?:(?:[\?\$]\w+\s+)|(?:\*\s+))+)",
        flags=re.M | re.I,
    ),
    "AS": re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", flags=re.M | re.I),
}
"""What pySHACL refuses (or checks with rules of its own) in a constraint's query."""

SPINE = {"Project", "Distinct", "Reduced", "OrderBy", "Filter", "LeftJoin", "Extend"}
"""Algebra operators that keep each row's ``?this`` and look at one row at a time."""


class Sparql(Check):
    component = component("SPARQLConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        nodes = set(graph.objects(shape.node, SH.sparql))
        self.selects = [Select(graph, shape, node) for node in nodes]

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """The triples each query's patterns match, walked from ``$this`` (``query_reads``)."""
        for select in self.selects:
            if not select.deactivated:
                query_reads(select.query, reads, focus)

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        foci = list(values)
        for select in self.selects:
            if select.deactivated or not foci:
                continue
            rows = select.rows(run, shape, foci)
            for f in foci:
                for result in select.results(self, run, shape, f, rows.get(f, [])):
                    found.add(f, result)
        return found


class Select:
    """One ``sh:SPARQLConstraint``: its query, prepared; its messages; how it may run."""

    def __init__(self, graph: Graph, shape: Shape, node: Node) -> None:
        self.node = node
        where = f"the SPARQL constraint of {named(shape.node)}"
        selects = list(graph.objects(node, SH.select))
        if (
            len(selects) != 1
            or not isinstance(selects[0], Literal)
            or not isinstance(selects[0].value, str)
        ):
            raise Unsupported(f"{where} has no single sh:select string")
        messages = set(graph.objects(node, SH.message))
        if not all(isinstance(m, Literal) and isinstance(m.value, str) for m in messages):
            raise Unsupported(f"{where} has a message that is not a string")
        self.messages = messages or None
        self.deactivated = bool(optional(graph, node, SH.deactivated, bool))
        text = selects[0].value
        _refuse(text, where)
        self.binds_this = bool(THIS.search(text))
        self.binds_shape = bool(CURRENT_SHAPE.search(text))
        prefixes = _prefixes(graph, node, where)
        if shape.path is not None:
            text = PATH.sub(r"\g<1>" + _sparql_path(shape.path, prefixes, top=True), text)
        elif PATH.search(text):
            raise Unsupported(f"{where} uses $PATH on a node shape")
        header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
        self.text = f"{header}\n{text}"
        self.query = _prepare(self.text, where)
        self.one_query = (
            self.binds_this and self.query is not None and _binds_this_first(self.query)
        )

    def rows(
        self, run: Run, shape: Shape, foci: Sequence[Node]
    ) -> dict[Node, list[dict[str, Any]]]:
        """Each focus node's rows (as pySHACL reads them: ``row.asdict()``)."""
        graph = run.index.graph
        query = self.query or prepareQuery(
            self.text, initNs=dict(run.data_text.namespaces.namespaces())
        )
        bound = {"currentShape": cast(Identifier, shape.node)} if self.binds_shape else {}
        if self.one_query and len(foci) >= ONE_QUERY_FROM:
            wanted = set(foci)
            grouped: dict[Node, list[dict[str, Any]]] = {}
            for row in graph.query(query, initBindings=bound):
                found = row.asdict()  # type: ignore[union-attr]
                if found.get("this") in wanted:
                    grouped.setdefault(found["this"], []).append(found)
            return grouped
        each: dict[Node, list[dict[str, Any]]] = {}
        for f in foci:
            binding = {**bound, "this": cast(Identifier, f)} if self.binds_this else bound
            each[f] = [row.asdict() for row in graph.query(query, initBindings=binding)]  # type: ignore[union-attr]
        return each

    def results(
        self, check: Sparql, run: Run, shape: Shape, focus: Node, rows: list[dict[str, Any]]
    ) -> list[Result]:
        """pySHACL's results for one focus node's rows (duplicates dropped, as it drops them)."""
        found: list[tuple[Any, ...]] = []
        for original in rows:
            row = dict(original)
            if row.pop("failure", None) is not None:
                if not any(len(v) == 2 for v in found):
                    found.append((True, row))
                continue
            p, v, t = row.pop("path", None), row.pop("value", None), row.pop("this", None)
            if (p is not None or v is not None or t is not None) and (t, p, v, row) not in found:
                found.append((t, p, v, row))
        fallback = None if shape.is_property else focus
        results = []
        common = {"source_constraint": self.node, "extra_messages": self.messages}
        for violation in found:
            if len(violation) == 2:
                results.append(
                    check.result(run, shape, focus, fallback, bound=violation[1], **common)
                )
                continue
            t, p, v, row = violation
            v = fallback if v is None else v
            results.append(
                check.result(run, shape, t or focus, v, path=p, bound=(t, p, v, row), **common)
            )
        return results


def _refuse(text: str, where: str) -> None:
    for name, pattern in REFUSED.items():
        if pattern.search(text):
            raise Unsupported(f"{where} uses {name}, which pySHACL checks by rules of its own")
    if SHAPES_GRAPH.search(text):
        raise Unsupported(f"{where} uses $shapesGraph")


def _prefixes(graph: Graph, node: Node, where: str) -> dict[str, str]:
    """The prefixes pySHACL declares for the query (``collect_prefixes``), in its order."""
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    listed = set(graph.objects(node, SH.prefixes))
    if not listed:
        return prefixes
    name = graph.identifier
    in_graph = set(graph.objects(name, SH.declare)) if name else set()
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    declared: set[Node] = set()
    for ontology in ontologies:
        declared.update(set(graph.objects(ontology, SH.declare)))
    everywhere = in_graph.union(declared)
    for value in iter(listed):
        own = set(graph.objects(value, SH.declare))
        found = own.union(in_graph) if own and value in ontologies else everywhere.union(own)
        for declaration in iter(found):
            prefix, namespace = _declaration(graph, declaration, where)
            prefixes[prefix] = namespace
    return prefixes


def _declaration(graph: Graph, declaration: Node, where: str) -> tuple[str, str]:
    prefixes = set(graph.objects(declaration, SH.prefix))
    namespaces = set(graph.objects(declaration, SH.namespace))
    if isinstance(declaration, Literal) or len(prefixes) != 1 or len(namespaces) != 1:
        raise Unsupported(f"{where}: an sh:declare without one sh:prefix and one sh:namespace")
    (prefix,), (namespace,) = prefixes, namespaces
    if not (isinstance(prefix, Literal) and isinstance(prefix.value, str)):
        raise Unsupported(f"{where}: an sh:prefix that is not a string")
    if not isinstance(namespace, Literal) or not (
        namespace.datatype in (XSD.anyURI, XSD.string)
        or namespace.language is not None
        or isinstance(namespace.value, str)
    ):
        raise Unsupported(f"{where}: an sh:namespace that is neither xsd:anyURI nor a string")
    return str(prefix.value), str(URIRef(str(namespace.value)))


def _sparql_path(path: Path, prefixes: dict[str, str], top: bool = False) -> str:
    """The path as SPARQL, written as pySHACL writes it (``shacl_path_to_sparql_path``)."""
    if isinstance(path, URIRef):
        iri = str(path)
        for prefix, namespace in prefixes.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri.replace(namespace, '')}"
        return f"<{iri}>"
    if isinstance(path, Inverse):
        return "^" + _sparql_path(path.path, prefixes)
    parts, joint = (path.steps, " / ") if isinstance(path, Steps) else (path.options, " | ")
    assert isinstance(path, Steps | Alternative)
    text = joint.join(_sparql_path(p, prefixes) for p in parts)
    return text if top else f"({text})"


def _prepare(text: str, where: str) -> Query | None:
    """The query, translated; None when it needs the data graph's prefixes (read at each run)."""
    try:
        parsed = parseQuery(text)
    except Exception as exc:
        raise Unsupported(f"{where} does not parse: {exc}") from None
    if parsed[1].name != "SelectQuery":
        raise Unsupported(f"{where} is not a SELECT query")
    try:
        return translateQuery(parsed, None, {})
    except Exception:
        return None


def _binds_this_first(query: Query) -> bool:
    """Whether ``?this`` is projected and bound by the first basic graph pattern of the query's
    spine (only operators that work row by row above it), so one run finds every focus node's rows."""
    algebra: CompValue = query.algebra
    if Variable("this") not in (algebra.get("PV") or ()):
        return False
    part = algebra.p
    while isinstance(part, CompValue) and part.name in SPINE:
        part = part.p1 if part.name == "LeftJoin" else part.p
    if not (isinstance(part, CompValue) and part.name == "BGP"):
        return False
    triples = part.triples
    return all(isinstance(t[1], URIRef | Variable) for t in triples) and any(
        Variable("this") in (t[0], t[2]) for t in triples
    )
