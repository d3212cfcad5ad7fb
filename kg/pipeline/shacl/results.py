"""Validation results, and the report pySHACL would write for them: its graph and its text.

A :class:`Result` holds what pySHACL's ``make_v_result`` is given; :func:`report` turns a run's
results into pySHACL's ``(report graph, text)`` with the same triples (blank nodes aside) and the
same text, result for result, so the fast validator can stand in for pySHACL wherever its report
is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from textwrap import indent
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.pipeline.shacl.terms import Describer, copy_blank
from kg.rdf.namespaces import SH

if TYPE_CHECKING:
    from kg.pipeline.shacl.shapes import Shape

ALLOWED = frozenset({SH.Info, SH.Warning})
"""Severities that leave the data conforming (pySHACL's ``allow_warnings``, as ``validate`` asks)."""


@dataclass(frozen=True)
class Component:
    """A constraint component as pySHACL names it in a result."""

    name: str
    iri: URIRef


class OfShape:
    """What a result takes from its shape: its severity, and its path unless it has its own."""

    __slots__ = ()
    shape: Shape
    path: Node | None

    @property
    def severity(self) -> Node:
        return self.shape.severity

    @property
    def result_path(self) -> Node | None:
        return self.path if self.path is not None else self.shape.path_node


@dataclass(slots=True)
class Result(OfShape):
    """One validation result, with what its message and report entry are made from."""

    shape: Shape
    component: Component
    focus: Node
    value: Node | None = None
    path: Node | None = None
    source_component: URIRef | None = None
    source_constraint: Node | None = None
    generic: Callable[[], Sequence[Node]] | None = None
    """pySHACL's message for a shape that gives none, written when the report is."""
    extra_messages: Sequence[Node] | None = None
    bound: Any = None
    """The SPARQL row's bindings that fill ``{?var}`` in messages, as pySHACL passes them."""
    details: list[Result] | None = None
    """The results of the shape an ``sh:node`` value failed (only ``sh:node`` results have them)."""

    def own_messages(self) -> list[Node]:
        """The shape's messages, else pySHACL's generic ones (unless a SPARQL constraint gives
        messages of its own)."""
        own = list(self.shape.messages)
        if not own and not self.extra_messages and self.generic is not None:
            own = list(self.generic())
        return own

    def extra(self, own: list[Node]) -> list[Node]:
        """The SPARQL constraint's messages that the shape does not give as well."""
        return [m for m in self.extra_messages or () if m not in own]

    def messages(self) -> list[Node]:
        """The ``sh:resultMessage`` objects of this result, as pySHACL adds them."""
        own = self.own_messages()
        return [self._fill(m) for m in [*self.extra(own), *own]]

    def _fill(self, message: Node) -> Node:
        if isinstance(message, Literal) and self.bound is not None:
            return Literal(fill_message(str(message.value), self.bound))
        return message


@dataclass(frozen=True, slots=True)
class Finding(OfShape):
    """What one result puts in the list of violations, without the run that found it: what an
    incremental validation keeps between edits and saves."""

    shape: Shape
    focus: Node
    value: Node | None
    path: Node | None
    """The path a SPARQL row gave; None: the shape's own path (``result_path``)."""
    messages: tuple[str, ...]
    """The text of each ``sh:resultMessage`` (each distinct term once), sorted."""


def findings(results: Iterable[Result]) -> Iterator[Finding]:
    """The findings of these results and, after each, of the results in its details (those of the
    shape an ``sh:node`` value failed), as pySHACL's report lists them."""
    for r in results:
        messages = tuple(sorted(str(m) for m in set(r.messages())))
        yield Finding(r.shape, r.focus, r.value, r.path, messages)
        yield from findings(r.details or ())


def fill_message(text: str, bound: Any) -> str:
    """pySHACL's ``{?var}``/``{$var}`` substitution in a SPARQL constraint's message."""
    values: dict[str, Any] = {}
    if isinstance(bound, tuple | list):
        if len(bound) == 4:
            values.update(bound[3])
            bound = bound[:3]
        if len(bound) == 3:
            for name, value in zip(("this", "path", "value"), bound, strict=True):
                if value is not None:
                    values[name] = value
    elif isinstance(bound, dict):
        values.update(bound)
    else:
        return text
    for name, value in values.items():
        text = re.sub(f"{{[?$]{name}}}", str(value), text)
    return text


def describe(result: Result, data: Describer, shapes: Describer) -> str:
    """The result's entry in pySHACL's text report (``make_v_result_description``)."""
    severity = result.severity
    kind = "Constraint Violation" if severity == SH.Violation else "Validation Result"
    text = (
        f"{kind} in {result.component.name} "
        f"({result.source_component or result.component.iri}):\n"
        f"\tSeverity: {shapes(severity)}\n"
        f"\tSource Shape: {shapes(result.shape.node)}\n"
        f"\tFocus Node: {_data_text(data, result.focus)}\n"
    )
    if result.value is not None:
        text += f"\tValue Node: {_data_text(data, result.value)}\n"
    if result.result_path:
        text += f"\tResult Path: {shapes(result.result_path)}\n"
    if result.source_constraint:
        text += f"\tSource Constraint: {shapes(result.source_constraint)}\n"
    own = result.own_messages()
    for message in [*sorted(result.extra(own), key=str), *sorted(own, key=str)]:
        if isinstance(message, Literal):
            line = str(message.value)
            text += f"\tMessage: {fill_message(line, result.bound) if result.bound is not None else line}\n"
        else:
            text += f"\tMessage: {message}\n"
    if result.details is not None:
        text += "\tDetails:\n"
        for detail in result.details:
            text += indent(describe(detail, data, shapes), "\t\t")
    return text


def _data_text(data: Describer, node: Node) -> str:
    try:
        return data.top(node)
    except (LookupError, ValueError):
        return str(node)


def report(
    results: Sequence[Result],
    conforms: bool,
    data: Graph,
    shapes: Graph,
    describers: tuple[Describer, Describer],
) -> tuple[Graph, str]:
    """pySHACL's ``(report graph, text)`` for these results (``create_validation_report``)."""
    text = f"Validation Report\nConforms: {conforms}\n"
    if results:
        text += f"Results ({len(results)}):\n"
    text += "".join(sorted(describe(r, *describers) for r in results))
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespace_manager.namespaces():
        graph.namespace_manager.bind(prefix, namespace)
    writer = _ReportWriter(graph, {"data": data, "sg": shapes})
    top = BNode()
    writer.triples += [(top, RDF.type, SH.ValidationReport), (top, SH.conforms, Literal(conforms))]
    for result in results:
        writer.triples.append((top, SH.result, writer.add(result)))
    graph.addN((s, p, o, graph) for s, p, o in writer.triples)
    return graph, text


class _ReportWriter:
    """The triples of results, with the nodes pySHACL copies from the data and shapes graphs
    (each blank node's description once, under its own label)."""

    def __init__(self, graph: Graph, sources: dict[str, Graph]) -> None:
        self.graph = graph
        self.sources = sources
        self.copies: dict[tuple[str, str], Node] = {}
        self.triples: list[tuple[Node, Node, Node]] = []

    def copy(self, node: Node, source: str) -> Node:
        if isinstance(node, Literal):
            return node
        key = (source, str(node))
        if key not in self.copies:
            self.copies[key] = (
                copy_blank(self.sources[source], node, self.graph, keep_label=True)
                if isinstance(node, BNode)
                else URIRef(str(node))
            )
        return self.copies[key]

    def add(self, result: Result) -> BNode:
        node = BNode()
        found: list[tuple[Node, Node]] = [
            (RDF.type, SH.ValidationResult),
            (
                SH.sourceConstraintComponent,
                self.copy(result.source_component or result.component.iri, "sg"),
            ),
            (SH.sourceShape, self.copy(result.shape.node, "sg")),
            (SH.resultSeverity, result.severity),
            (SH.focusNode, self.copy(result.focus, "data")),
        ]
        if result.value is not None:
            found.append((SH.value, self.copy(result.value, "data")))
        if result.result_path is not None:
            found.append((SH.resultPath, self.copy(result.result_path, "sg")))
        if result.source_constraint is not None:
            found.append((SH.sourceConstraint, self.copy(result.source_constraint, "sg")))
        found += [(SH.resultMessage, message) for message in result.messages()]
        found += [(SH.detail, self.add(detail)) for detail in result.details or ()]
        self.triples += [(node, p, o) for p, o in found]
        return node


def conforming(results: Iterable[Result]) -> bool:
    """pySHACL's filter under ``allow_warnings``: only Info and Warning results are allowed."""
    return all(r.severity in ALLOWED for r in results)
