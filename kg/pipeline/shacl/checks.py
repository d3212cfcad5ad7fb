"""What every constraint check shares: its outcome, its results, the context it runs in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from rdflib import Literal
from rdflib.term import Node

from kg.pipeline.shacl.index import DataIndex
from kg.pipeline.shacl.results import Component, Result
from kg.pipeline.shacl.terms import Describer
from kg.pipeline.shacl.unsupported import Unsupported
from kg.rdf.namespaces import SH

if TYPE_CHECKING:
    from kg.pipeline.shacl.reads import Position, Reads
    from kg.pipeline.shacl.shapes import Shape

Values = dict[Node, Sequence[Node]]
"""Each focus node's value nodes (for a node shape, the focus node itself)."""


class Run(Protocol):
    """What a check may use while it runs: the data and the validation of other shapes."""

    index: DataIndex
    data_text: Describer
    shapes_text: Describer

    def validate_each(
        self, shape: Shape, nodes: Sequence[Node]
    ) -> Mapping[Node, tuple[bool, list[Result]]]: ...


class Outcome:
    """A check's results by focus node, and the focus nodes it found not conforming."""

    __slots__ = ("by_focus", "failing")

    def __init__(self) -> None:
        self.by_focus: dict[Node, list[Result]] = {}
        self.failing: set[Node] = set()

    def add(self, focus: Node, result: Result) -> None:
        self.by_focus.setdefault(focus, []).append(result)
        self.failing.add(focus)

    def results(self) -> list[Result]:
        return [r for found in self.by_focus.values() for r in found]


class Check:
    """One constraint component of one shape, its parameters read from the shapes graph once."""

    component: Component

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        raise NotImplementedError

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Tell ``reads`` what this check reads of the data for a focus node at ``focus`` whose
        value nodes are at ``values``, beyond the value nodes themselves (``kg.pipeline.shacl.reads``:
        what incremental validation revalidates after a change); ``surfaced``: whether its
        results reach the report. A check that does not say cannot be revalidated in part."""
        raise Unsupported(f"{type(self).__name__} does not say what it reads of the data")

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        """pySHACL's message for a shape that gives none (``make_generic_messages``)."""
        return []

    def result(
        self, run: Run, shape: Shape, focus: Node, value: Node | None = None, **extra: Any
    ) -> Result:
        generic = None if shape.messages else partial(self.generic, run, shape, focus, value)
        return Result(shape, self.component, focus, value, generic=generic, **extra)


class EachValue(Check):
    """A check of each value node on its own, once for each of its rules (each sh:class, each
    sh:pattern, …): a result for every value node a rule does not accept."""

    rules: Sequence[Any] = (None,)
    describes_values: ClassVar[bool] = False
    """Whether the generic message writes the value node out."""

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Each value node's term only (and, in a generic message, perhaps its description)."""
        if self.describes_values:
            reads.describe(shape, values, surfaced)

    def accepts(self, run: Run, rule: Any, value: Node) -> bool:
        raise NotImplementedError

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for rule in self.rules:
            for f, vs in values.items():
                for v in vs:
                    if not self.accepts(run, rule, v):
                        found.add(f, self.result(run, shape, f, v))
        return found


def component(name: str) -> Component:
    """The component ``sh:<name>``, named as pySHACL names it in its text report."""
    return Component(name, SH[name])
