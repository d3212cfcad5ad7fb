"""SHACL validation kept up to date edit by edit: after a change, only the focus nodes it can
affect are validated again, and the result is the one a full validation gives.

A curation workbench validates on every save, and a build after a one-file edit validates
everything again although nearly every result stays as it was. :class:`IncrementalValidation`
holds each targeted shape's findings by focus node; given the triples a change added and removed,
the dependency analysis of the shapes (``kg.pipeline.shacl.reads``) names the focus nodes whose
results the change can reach — walking back from the changed triples along exactly what the
shapes read — and only those are validated again, with the fast validator over a
:class:`~kg.pipeline.shacl.index.NodeIndex` (node by node, not predicate by predicate). The
violations are then listed from all findings as :func:`kg.pipeline.validate.validate` lists them:
the same violations in the same order, the same verdict. A change to the class hierarchy
(``rdfs:subClassOf``), to the shapes, or to the data's prefixes (which generic messages write)
is validated in full.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from kg.pipeline.shacl import Finding, ShapesValidator, Unsupported, collector_paused, findings
from kg.pipeline.shacl.engine import Run
from kg.pipeline.shacl.index import NodeIndex
from kg.pipeline.shacl.reads import SCHEMA, BackWalk, Reads, Triple, described_changes
from kg.pipeline.shacl.shapes import Shape
from kg.pipeline.shacl.state import Found, Namespaces, ShapeNames, StateError, load, save
from kg.pipeline.validate import Namer, ValidationResult, Violation, placed, shown

__all__ = ["IncrementalValidation", "Revalidation", "StateError", "Unsupported"]


@dataclass(frozen=True)
class Revalidation:
    """What the last validation of an :class:`IncrementalValidation` did."""

    focus_nodes: int
    """How many (shape, focus node) pairs it validated."""
    full: str | None
    """Why it validated everything; None when it validated only what the change can affect."""


class IncrementalValidation:
    """A validation of a data graph, kept up to date with each change to it.

    How to call it::

        validator = ShapesValidator(shapes)           # the shapes graph, read once
        state = IncrementalValidation(validator)      # Unsupported: use validate() instead
        result = state.validate(data, file_of=files)  # a full validation, kept
        # ... the data changes: the triples `added` and `removed` ...
        result = state.update(data, added, removed, file_of=files)
        state.save(path)
        # the next process (the shapes may be parsed anew):
        state = IncrementalValidation.load(path, ShapesValidator(shapes))  # StateError
        result = state.update(data, added, removed, file_of=files)

    ``data`` is always the whole graph validated (ontology and data, as
    :func:`kg.pipeline.validate.validate` takes it) as it is after the change; ``added`` and
    ``removed`` are the triples it gained and lost since the validation the object holds (the
    last ``validate``/``update``, or the saved one) — a triple counts as changed even when it is
    in both. ``file_of`` names the file of each focus node, as for ``validate``. Each call returns
    the :class:`ValidationResult` a full validation of ``data`` gives (same violations, same
    order, same verdict; ``engine`` "fast"); its report graph and text are written, by a full
    validation, when first read. ``last`` says how many focus nodes the call validated and, when
    it validated everything, why: nothing held yet, saved with other shapes, a change to
    ``rdfs:subClassOf``, other prefixes.
    """

    def __init__(self, validator: ShapesValidator) -> None:
        self.validator = validator
        self.reads = {shape: Reads(shape) for shape in validator.targeted}
        self.found: Found | None = None
        self.namespaces: Namespaces = ()
        self.stale: str | None = "no validation held yet"
        self.last: Revalidation | None = None
        self._names: ShapeNames | None = None
        self._shown: dict[Shape, dict[Node, list[tuple[Node, Violation]]]] = {}
        """Each focus node's violations, as listed last (without files), until its findings change."""

    def validate(
        self, data: Graph, *, file_of: Mapping[Node, str] | None = None
    ) -> ValidationResult:
        """Validate ``data`` in full and keep its findings."""
        return self._full(data, file_of, "a full validation was asked for")

    def update(
        self,
        data: Graph,
        added: Iterable[Triple],
        removed: Iterable[Triple],
        *,
        file_of: Mapping[Node, str] | None = None,
    ) -> ValidationResult:
        """The validation of ``data``, which gained ``added`` and lost ``removed`` since the
        validation held: only the focus nodes they can affect are validated again.

        Raises ValueError when ``data`` does not hold the change (an added triple missing, a
        removed one still there), and nothing is changed; should the validation itself raise,
        the next call validates in full."""
        gained, lost = set(added), set(removed)
        _check_change(data, gained, lost)
        changed = gained | lost
        reason = self._why_full(data, changed)
        if reason is not None:
            return self._full(data, file_of, reason)
        try:
            count = self._revalidate(data, changed)
        except BaseException:
            self.found, self.stale = None, "an update failed"
            raise
        self.last = Revalidation(count, None)
        return self._result(data, file_of)

    def _revalidate(self, data: Graph, changed: set[Triple]) -> int:
        """Validate again each shape's focus nodes the change can affect; how many."""
        assert self.found is not None
        index = NodeIndex(data)
        run = Run(data, self.validator.shapes_graph, index)
        walk = BackWalk(index)
        count = 0
        with collector_paused():
            wanted = any(reads.described for reads in self.reads.values())
            described = described_changes(changed, data) if wanted else set()
            for shape, reads in self.reads.items():
                by_focus = self.found.setdefault(shape, {})
                shown_here = self._shown.setdefault(shape, {})
                nodes = reads.affected(changed, walk, described)
                if nodes is None:
                    nodes = {*by_focus, *run.focus_nodes(shape)}
                for node in nodes:
                    by_focus.pop(node, None)
                    shown_here.pop(node, None)
                foci = [node for node in nodes if run.is_focus(shape, node)]
                by_focus.update(_validated(run, shape, foci))
                count += len(foci)
        return count

    def save(self, path: Path) -> None:
        """Write the validation held to ``path`` (atomically), for :meth:`load` to continue."""
        if self.found is None:
            raise StateError(f"{path}: no validation to save ({self.stale})")
        save(path, self.found, self.namespaces, self.names)

    @classmethod
    def load(cls, path: Path, validator: ShapesValidator) -> IncrementalValidation:
        """The validation saved at ``path``, to continue with ``validator``'s shapes.

        Raises :class:`StateError` for a file of another format or version, or a damaged one.
        Saved with other shapes, it is kept as stale: the next ``update`` validates in full."""
        state = cls(validator)
        saved = load(path, state.names)
        state.namespaces = saved.namespaces
        state.stale = saved.stale
        state.found = None if saved.stale else saved.found
        return state

    @property
    def names(self) -> ShapeNames:
        """The names of the shapes in a saved validation (made when first needed)."""
        if self._names is None:
            self._names = ShapeNames(self.validator)
        return self._names

    def _why_full(self, data: Graph, changed: set[Triple]) -> str | None:
        if self.found is None:
            return self.stale or "no validation held yet"
        if any(p in SCHEMA for _, p, _ in changed):
            return "the class hierarchy (rdfs:subClassOf) changed"
        if _namespaces(data) != self.namespaces:
            return "the data's prefixes changed"
        return None

    def _full(
        self, data: Graph, file_of: Mapping[Node, str] | None, reason: str
    ) -> ValidationResult:
        run = Run(data, self.validator.shapes_graph)
        found: Found = {}
        count = 0
        with collector_paused():
            for shape in self.validator.targeted:
                foci = run.focus_nodes(shape)
                found[shape] = _validated(run, shape, foci)
                count += len(foci)
        self.found, self.stale, self._shown = found, None, {}
        self.namespaces = _namespaces(data)
        self.last = Revalidation(count, reason)
        return self._result(data, file_of)

    def _result(self, data: Graph, file_of: Mapping[Node, str] | None) -> ValidationResult:
        """The violations of every finding held (each focus node's listed again only when its
        findings changed; the prefixes have not), as ``validate`` lists them."""
        assert self.found is not None
        short = Namer(data.namespace_manager)
        listed: list[tuple[Node, Violation]] = []
        for shape, by_focus in self.found.items():
            shown_here = self._shown.setdefault(shape, {})
            for focus, found in by_focus.items():
                pairs = shown_here.get(focus)
                if pairs is None:
                    pairs = shown_here[focus] = [(f.focus, shown(f, short)) for f in found]
                listed += pairs
        violations = placed(listed, file_of)
        validator = self.validator
        return ValidationResult.of(violations, "fast", lambda: validator.validate(data).report())


def _validated(run: Run, shape: Shape, foci: list[Node]) -> dict[Node, list[Finding]]:
    """Each focus node's findings for ``shape`` (only those that have some)."""
    if not foci:
        return {}
    checked = run.validate_each(shape, foci)
    return {f: list(findings(checked[f][1])) for f in foci if checked[f][1]}


def _namespaces(data: Graph) -> Namespaces:
    return tuple(sorted((prefix, str(ns)) for prefix, ns in data.namespace_manager.namespaces()))


def _check_change(data: Graph, added: set[Triple], removed: set[Triple]) -> None:
    for triple in added - removed:
        if triple not in data:
            raise ValueError(f"the data does not hold the added triple {_written(triple)}")
    for triple in removed - added:
        if triple in data:
            raise ValueError(f"the data still holds the removed triple {_written(triple)}")


def _written(triple: Triple) -> str:
    return " ".join(term.n3() for term in triple)
