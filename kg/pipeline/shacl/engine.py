"""Validating a data graph against shapes read once: targets, value nodes, checks, conformance.

Conformance follows pySHACL under ``allow_warnings``: a shape fails a focus node when one of its
checks fails with a result whose severity is neither Info nor Warning, unless the shape's own
severity is one of those. Nested shapes (operands of sh:or, sh:node, …) are validated for all
value nodes at once and remembered for the run, so each (shape, node) is checked once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib import ConjunctiveGraph, Dataset, Graph
from rdflib.term import Node

from kg.pipeline.shacl.checks import Values
from kg.pipeline.shacl.index import DataIndex
from kg.pipeline.shacl.paths import values_of
from kg.pipeline.shacl.results import ALLOWED, Result, conforming, report
from kg.pipeline.shacl.shapes import Shape, read_shapes
from kg.pipeline.shacl.terms import Describer, namespaces_like
from kg.pipeline.shacl.unsupported import Unsupported


class ShapesValidator:
    """The shapes of one shapes graph, read into checks once; validates any number of graphs.

    Raises :class:`Unsupported` when the shapes use SHACL it does not implement. Keep one around
    (as a workbench validating every save would) to pay for reading the shapes only once.
    """

    def __init__(self, shapes: Graph) -> None:
        if isinstance(shapes, ConjunctiveGraph | Dataset):
            raise Unsupported("the shapes are a dataset, not one graph")
        self.shapes_graph = shapes
        self.shapes = read_shapes(shapes)
        self.targeted = [s for s in self.shapes if s.targeted and not s.deactivated]

    def validate(self, data: Graph) -> Validation:
        """Validate ``data`` (one graph, as pySHACL validates it with inference "none")."""
        if isinstance(data, ConjunctiveGraph | Dataset):
            raise Unsupported("the data is a dataset, not one graph")
        run = Run(data, self.shapes_graph)
        results: list[Result] = []
        conforms = True
        with collector_paused():
            for shape in self.targeted:
                found, ok = run.validate_targets(shape)
                results += found
                conforms = conforms and ok
        return Validation(conforms, results, ReportSources.of(run, results))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a validation builds its index and results.

    A full collection walks every object of the data graph (millions at a million triples), and
    the small objects a validation makes set one off after another: at 100k triples they took
    more than half the time. Nothing made during a validation needs collecting before it ends;
    the collector is on again (if it was) as soon as it does.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@dataclass
class Validation:
    """The results of one validation; the report is written only when asked for."""

    conforms: bool
    """pySHACL's verdict: no result of a severity other than Info or Warning."""
    results: list[Result]
    sources: ReportSources = field(repr=False)

    def report(self) -> tuple[Graph, str]:
        """pySHACL's report graph and text for these results."""
        sources = self.sources
        return report(self.results, self.conforms, sources.data, sources.shapes, sources.describers)


@dataclass(frozen=True)
class ReportSources:
    """What the report of a validation's results reads besides them: the data and shapes graphs
    and the describers that wrote the results' messages (they remember the blank nodes they
    wrote). Not the run's index, which is as big as the data again; and when there are no
    results, nothing of the data: a result that is kept (as the build keeps its validation
    while it goes on) then keeps neither alive, which at a million triples is gigabytes."""

    data: Graph
    shapes: Graph
    describers: tuple[Describer, Describer]

    @classmethod
    def of(cls, run: Run, results: Sequence[Result]) -> ReportSources:
        if results:
            return cls(run.index.graph, run.shapes_graph, (run.data_text, run.shapes_text))
        # a report of no results is the verdict and the shapes' prefixes: no term is described
        return cls(Graph(), run.shapes_graph, (run.shapes_text, run.shapes_text))


class Run:
    """One validation of one data graph: its index, its describers, the nested shapes checked.

    ``index`` defaults to a :class:`DataIndex` of ``data``; revalidating a few focus nodes passes a
    :class:`NodeIndex`, which gives the same answers."""

    def __init__(self, data: Graph, shapes: Graph, index: DataIndex | None = None) -> None:
        self.index = index if index is not None else DataIndex(data)
        self.shapes_graph = shapes
        self.data_text = Describer(data, namespaces_like(data.namespace_manager, "core"), find=True)
        self.shapes_text = Describer(shapes, namespaces_like(shapes.namespace_manager))
        self._checked: dict[Shape, dict[Node, tuple[bool, list[Result]]]] = {}

    def focus_nodes(self, shape: Shape) -> list[Node]:
        found: set[Node] = set()
        for cls in shape.classes:
            found |= self.index.instances(cls)
        for predicate in shape.subjects_of:
            found.update(self.index.subjects_with(predicate))
        return list(found)

    def is_focus(self, shape: Shape, node: Node) -> bool:
        """Whether ``node`` is one of the focus nodes of ``shape``'s targets (``focus_nodes`` for
        one node)."""
        index = self.index
        return any(index.is_instance(node, cls) for cls in shape.classes) or any(
            index.objects(node, predicate) for predicate in shape.subjects_of
        )

    def values(self, shape: Shape, foci: Sequence[Node]) -> Values:
        if shape.path is None:
            return {f: (f,) for f in foci}
        return values_of(shape.path, foci, self.index)

    def validate_targets(self, shape: Shape) -> tuple[list[Result], bool]:
        """A targeted shape's results, and whether the data conforms to it."""
        foci = self.focus_nodes(shape)
        if not foci:
            return [], True
        values = self.values(shape, foci)
        results: list[Result] = []
        conforms = True
        for check in shape.checks:
            outcome = check.run(self, shape, values)
            found = outcome.results()
            if outcome.failing and shape.severity not in ALLOWED and not conforming(found):
                conforms = False
            results += found
        return results, conforms

    def validate_each(
        self, shape: Shape, nodes: Sequence[Node]
    ) -> Mapping[Node, tuple[bool, list[Result]]]:
        """Each node validated against ``shape`` as its only focus node: conforms?, results.

        The answer holds these nodes (and the others validated against ``shape`` in this run)."""
        checked = self._checked.setdefault(shape, {})
        todo = [n for n in nodes if n not in checked]
        if todo and shape.deactivated:
            checked.update((n, (True, [])) for n in todo)
        elif todo:
            values = self.values(shape, todo)
            verdicts = dict.fromkeys(todo, True)
            found: dict[Node, list[Result]] = {n: [] for n in todo}
            for check in shape.checks:
                outcome = check.run(self, shape, values)
                for n in outcome.by_focus.keys() | outcome.failing:
                    mine = outcome.by_focus.get(n, [])
                    if (
                        n in outcome.failing
                        and shape.severity not in ALLOWED
                        and not conforming(mine)
                    ):
                        verdicts[n] = False
                    found[n] += mine
            checked.update((n, (verdicts[n], found[n])) for n in todo)
        return checked
