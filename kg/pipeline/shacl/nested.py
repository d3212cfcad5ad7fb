"""Checks that validate value nodes against other shapes: sh:property, sh:node,
sh:qualifiedValueShape, and the logical sh:and, sh:or, sh:xone, sh:not.

Each asks the run to validate all its value nodes against the other shape at once
(``Run.validate_each``), then decides per focus node as pySHACL does: a value node conforms to a
shape when no check of that shape fails with a result of a severity other than Info or Warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.pipeline.shacl.checks import Check, Outcome, Run, Values, component
from kg.pipeline.shacl.results import Result
from kg.pipeline.shacl.unsupported import Unsupported, named
from kg.pipeline.shacl.values import optional, parameters
from kg.rdf.namespaces import SH

if TYPE_CHECKING:
    from kg.pipeline.shacl.reads import Position, Reads
    from kg.pipeline.shacl.shapes import Shape

Lookup = Callable[[Node], "Shape"]
"""The compiled shape of a node of the shapes graph (refusing nodes that are not shapes)."""


def _all_values(values: Values) -> list[Node]:
    return list(dict.fromkeys(v for vs in values.values() for v in vs))


class Against(Check):
    """Each value node validated against each shape named by ``parameter``."""

    parameter: URIRef

    def __init__(self, graph: Graph, shape: Shape, lookup: Lookup) -> None:
        self.shapes = [lookup(n) for n in parameters(graph, shape.node, self.parameter, most=None)]
        wanted = self.parameter == SH.property
        for inner in self.shapes:
            if inner.is_property != wanted:
                kind = "property" if wanted else "node"
                raise Unsupported(
                    f"{named(self.parameter)} {named(inner.node)} is not a {kind} shape"
                )

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Whatever the value nodes' validation against the shapes reads; their results are this
        check's (sh:property) or its details (sh:node), so they reach the report as this one's do."""
        reads.nested(self.shapes, values, surfaced)

    def checked(self, run: Run, values: Values) -> Iterator[tuple[Node, Node, bool, list[Result]]]:
        """(focus node, value node, conforms?, results) for each value node and shape."""
        nodes = _all_values(values)
        if not nodes:
            return
        for inner in self.shapes:
            checked = run.validate_each(inner, nodes)
            for f, vs in values.items():
                for v in vs:
                    yield f, v, *checked[v]


class Property(Against):
    """The results of each value node against each property shape become this shape's results."""

    component = component("PropertyConstraintComponent")
    parameter = SH.property

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for f, _, conforms, results in self.checked(run, values):
            if results:
                found.by_focus.setdefault(f, []).extend(results)
            if not conforms:
                found.failing.add(f)
        return found


class NodeShape(Against):
    """sh:node: a value node that fails the node shape (or has any result) is one result."""

    component = component("NodeConstraintComponent")
    parameter = SH.node

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for f, v, conforms, results in self.checked(run, values):
            if not conforms or results:
                found.add(f, self.result(run, shape, f, v, details=list(results)))
        return found

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        names = [run.shapes_text(s.node) for s in self.shapes]
        if len(names) < 2:
            text = f"Value does not conform to Shape {names[0]}."
        else:
            text = "Value must conform to every Shape in ('{}').".format("', '".join(names))
        return [Literal(text + " See details for more information.")]


class Qualified(Check):
    """sh:qualifiedValueShape with sh:qualifiedMinCount and/or sh:qualifiedMaxCount."""

    component = component("QualifiedValueShapeConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape, lookup: Lookup) -> None:
        node = shape.node
        if not shape.is_property:
            raise Unsupported(f"sh:qualifiedValueShape on the node shape {named(node)}")
        for flag in graph.objects(node, SH.qualifiedValueShapesDisjoint):
            if isinstance(flag, Literal) and flag.value is True:
                raise Unsupported(f"sh:qualifiedValueShapesDisjoint true on {named(node)}")
        self.shapes = [lookup(n) for n in set(graph.objects(node, SH.qualifiedValueShape))]
        self.least: int | None = optional(graph, node, SH.qualifiedMinCount, int)
        self.most: int | None = optional(graph, node, SH.qualifiedMaxCount, int)
        if not self.shapes or (self.least is None and self.most is None):
            raise Unsupported(f"an incomplete qualified value shape on {named(node)}")

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Whatever the value nodes' validation against the shapes reads (only their verdicts
        count)."""
        reads.nested(self.shapes, values, surfaced=False)

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        nodes = _all_values(values)
        for inner in self.shapes:
            checked = run.validate_each(inner, nodes) if nodes else {}
            for f, vs in values.items():
                count = sum(1 for v in vs if checked[v][0])
                if self.most is not None and count > self.most:
                    found.add(
                        f,
                        self.result(
                            run, shape, f, source_component=SH.QualifiedMaxCountConstraintComponent
                        ),
                    )
                if self.least is not None and count < self.least:
                    found.add(
                        f,
                        self.result(
                            run, shape, f, source_component=SH.QualifiedMinCountConstraintComponent
                        ),
                    )
        return found

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        names = ",".join(run.shapes_text(s.node) for s in self.shapes)
        counts = (f" MinCount {self.least}" if self.least is not None else "") + (
            f" MaxCount {self.most}" if self.most is not None else ""
        )
        if len(self.shapes) > 1:
            return [Literal(f"Focus node does not conform to shapes{counts}: ({names})")]
        return [Literal(f"Focus node does not conform to shape{counts}: {names}")]


class Logical(Check):
    """sh:and, sh:or, sh:xone (a list of shapes each) and sh:not (one shape each)."""

    RULES: ClassVar[dict[Node, tuple[str, Callable[[int, int], bool]]]] = {
        SH["and"]: ("AndConstraintComponent", lambda passed, of: passed == of),
        SH["or"]: ("OrConstraintComponent", lambda passed, of: passed > 0),
        SH.xone: ("XoneConstraintComponent", lambda passed, of: passed == 1),
        SH["not"]: ("NotConstraintComponent", lambda passed, of: passed == 0),
    }
    WORDS: ClassVar[dict[Node, str]] = {
        SH["and"]: "must conform to all shapes in",
        SH["or"]: "must conform to one or more shapes in",
        SH.xone: "must conform to exactly one shape in",
    }

    def __init__(self, graph: Graph, shape: Shape, parameter: Node, lookup: Lookup) -> None:
        name, self.passes = self.RULES[parameter]
        self.component = component(name)
        self.parameter = parameter
        self.written = parameters(graph, shape.node, parameter, most=None)  # type: ignore[arg-type]
        self.groups: list[list[Shape]] = []
        for written in self.written:
            if parameter == SH["not"]:
                members: Sequence[Node] = [written]
            else:
                members = list(graph.items(written))
                if not members:
                    raise Unsupported(f"an empty list of shapes in {named(shape.node)}")
                if parameter != SH.xone:  # pySHACL counts a repeated member once but in sh:xone
                    members = list(dict.fromkeys(members))
            self.groups.append([lookup(m) for m in members])
        self.graph = graph

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Whatever the value nodes' validation against each shape reads (only their verdicts
        count); the generic message writes the value node out."""
        for group in self.groups:
            reads.nested(group, values, surfaced=False)
        reads.describe(shape, values, surfaced)

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        nodes = _all_values(values)
        for group in self.groups:
            checked = [run.validate_each(inner, nodes) if nodes else {} for inner in group]
            for f, vs in values.items():
                for v in vs:
                    passed = sum(1 for each in checked if each[v][0])
                    if not self.passes(passed, len(group)):
                        found.add(f, self.result(run, shape, f, v))
        return found

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        assert value is not None
        try:
            what = run.data_text.top(value)
        except (LookupError, ValueError):
            what = str(value)
        if self.parameter == SH["not"]:
            if len(self.written) == 1:
                return [
                    Literal(
                        f"Node {what} must not conform to shape {run.shapes_text(self.written[0])}"
                    )
                ]
            names = " , ".join(run.shapes_text(n) for n in self.written)
            return [Literal(f"Node {what} must not conform to any shapes in {names}")]
        lists = [" , ".join(run.shapes_text(m) for m in self.graph.items(w)) for w in self.written]
        listed = lists[0] if len(lists) < 2 else " and ".join(f"({t})" for t in lists)
        return [Literal(f"Node {what} {self.WORDS[self.parameter]} {listed}")]
