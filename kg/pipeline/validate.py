"""SHACL validation of a project's data and ontology against its shapes.

Two engines give the same results: the fast validator of ``kg.pipeline.shacl`` (the default, for
inference "none") and pySHACL (for the other inference regimes, for shapes that use SHACL the
fast validator does not implement, and when asked for with ``reference=True``). Results follow
pySHACL: ``conforms``, the report graph and its text, plus a list of :class:`Violation` that names
the file each focus node was curated in. Exit codes of ``kg validate``: 0 conforms, 1 violations,
2 cannot load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import cast

from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from kg.pipeline.load import Project
from kg.pipeline.shacl import Finding, ShapesValidator, Unsupported, collector_paused, findings
from kg.rdf.namespaces import SH

INFERENCE_CHOICES = ("none", "rdfs", "owlrl", "both")
"""pySHACL's inference vocabulary, used by ``validate`` and ``reason`` alike."""
ENGINES = ("fast", "pyshacl")
"""``fast``: the fast validator wherever it applies, else pySHACL; ``pyshacl``: pySHACL always."""


@dataclass(frozen=True)
class Violation:
    """One SHACL result, ready to print."""

    focus: str
    path: str | None
    message: str
    severity: str
    shape: str | None
    value: str | None
    source_file: str | None

    def format(self) -> str:
        where = self.source_file or "(unknown file)"
        lines = [f"{where}: {self.severity}: {self.focus}"]
        if self.path:
            lines.append(f"  path: {self.path}")
        if self.value:
            lines.append(f"  value: {self.value}")
        lines.append(f"  {self.message}")
        if self.shape:
            lines.append(f"  shape: {self.shape}")
        return "\n".join(lines)

    def sort_key(self) -> tuple[bool, str, str, str, str, str, str]:
        """Violations first, then by file, focus node, path, message, shape and value: a total
        order, so both engines list the same results alike."""
        return (
            self.severity != "Violation",
            self.source_file or "",
            self.focus,
            self.path or "",
            self.message,
            self.shape or "",
            self.value or "",
        )


@dataclass
class ValidationResult:
    """What the validation found: ``conforms`` is false only when a result has severity Violation.

    ``report`` (pySHACL's report graph) and ``text`` (its text report) are written on first use.
    ``engine`` says which engine validated; ``fallback`` why pySHACL did when the fast validator
    was asked for (None otherwise).
    """

    conforms: bool
    violations: list[Violation]
    engine: str
    write_report: Callable[[], tuple[Graph, str]] = field(repr=False)
    fallback: str | None = None

    @classmethod
    def of(
        cls,
        violations: list[Violation],
        engine: str,
        write_report: Callable[[], tuple[Graph, str]],
        fallback: str | None = None,
    ) -> ValidationResult:
        """The result of these violations (sorted): it conforms when none is a Violation."""
        conforms = not any(v.severity == "Violation" for v in violations)
        return cls(conforms, violations, engine, write_report, fallback)

    @cached_property
    def _written(self) -> tuple[Graph, str]:
        return self.write_report()

    @property
    def report(self) -> Graph:
        return self._written[0]

    @property
    def text(self) -> str:
        return self._written[1]

    @property
    def exit_code(self) -> int:
        return 0 if self.conforms else 1

    def format(self) -> str:
        if not self.violations:
            return "Conforms: the data satisfies every shape."
        body = "\n\n".join(v.format() for v in self.violations)
        errors = sum(1 for v in self.violations if v.severity == "Violation")
        others = len(self.violations) - errors
        summary = f"{errors} violation(s), {others} warning(s)/info"
        return f"{body}\n\n{'Does not conform' if errors else 'Conforms'}: {summary}."


def validate(
    data: Graph,
    shapes: Graph | ShapesValidator,
    *,
    inference: str = "none",
    file_of: Mapping[Node, str] | None = None,
    reference: bool = False,
) -> ValidationResult:
    """Validate ``data`` against ``shapes``; ``file_of`` maps focus nodes to the file they came from.

    ``shapes`` may be a :class:`ShapesValidator` already read from the shapes graph (to validate
    many graphs against the same shapes). ``reference=True`` validates with pySHACL.
    """
    if inference not in INFERENCE_CHOICES:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_CHOICES)}")
    # Not `file_of or {}`: truth-testing a FilesBySubject counts it, listing every subject.
    files: Mapping[Node, str] = {} if file_of is None else file_of
    if reference:
        return _with_pyshacl(data, shapes, inference, files, None)
    if inference != "none":
        return _with_pyshacl(data, shapes, inference, files, f"inference {inference!r}")
    try:
        validator = shapes if isinstance(shapes, ShapesValidator) else ShapesValidator(shapes)
        found = validator.validate(data)
    except Unsupported as exc:
        return _with_pyshacl(data, shapes, inference, files, str(exc))
    violations = fast_violations(findings(found.results), data, file_of)
    return ValidationResult.of(violations, "fast", found.report)


def validate_project(
    project: Project,
    inference: str = "none",
    reference: bool = False,
    *,
    data: Graph | None = None,
) -> ValidationResult:
    """Validate the project's data and ontology together against its shapes (``data``: the
    rdflib graph of the two, when the caller has made it already)."""
    if data is None:
        data = project.graph("ontology", "data")
    shapes = project.graph("shapes")
    return validate(
        data, shapes, inference=inference, file_of=FilesBySubject(project), reference=reference
    )


def _with_pyshacl(
    data: Graph,
    shapes: Graph | ShapesValidator,
    inference: str,
    file_of: Mapping[Node, str],
    fallback: str | None,
) -> ValidationResult:
    import pyshacl  # imported only here: it takes a second, and the fast validator needs none of it

    shapes_graph = shapes.shapes_graph if isinstance(shapes, ShapesValidator) else shapes
    _, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        inference=inference,
        allow_warnings=True,
        advanced=True,
    )
    violations = _sorted(_violations(report, data, file_of))
    return ValidationResult.of(violations, "pyshacl", lambda: (report, text), fallback)


def _sorted(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(violations, key=Violation.sort_key)


class FilesBySubject(Mapping[Node, str]):
    """Each subject → the first curated file (ontology or data) that describes it, looked up in
    the project's store when a result names it: a listing of every subject would cost seconds at a
    million triples, and a build that conforms names none."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def __getitem__(self, subject: Node) -> str:
        name = self.project.file_describing(subject)
        if name is None:
            raise KeyError(subject)
        return name

    def __iter__(self) -> Iterator[Node]:
        return (
            s for s in self.project.graph("ontology", "data").subjects(unique=True) if s in self
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _violations(report: Graph, data: Graph, file_of: Mapping[Node, str]) -> Iterator[Violation]:
    """The violations of pySHACL's report graph (nested ``sh:detail`` results among them)."""
    short = Namer(data.namespace_manager)
    for result in report.subjects(SH.resultSeverity, None):
        # SHACL gives every validation result exactly one sh:focusNode.
        focus = cast(Node, report.value(result, SH.focusNode))
        yield _violation(
            focus,
            report.value(result, SH.resultPath),
            [str(m) for m in report.objects(result, SH.resultMessage)],
            report.value(result, SH.resultSeverity),
            report.value(result, SH.sourceShape),
            report.value(result, SH.value),
            short,
            file_of.get(focus),
        )


def fast_violations(
    found: Iterable[Finding], data: Graph, file_of: Mapping[Node, str] | None
) -> list[Violation]:
    """The violations, sorted, that the fast validator's report graph of these findings would
    hold, read off the findings (``data`` names the terms)."""
    short = Namer(data.namespace_manager)
    return placed(((f.focus, shown(f, short)) for f in found), file_of)


def shown(finding: Finding, short: Namer) -> Violation:
    """The violation of a finding, without its file (:func:`placed` adds it)."""
    f = finding
    messages = list(f.messages)
    return _violation(
        f.focus, f.result_path, messages, f.severity, f.shape.node, f.value, short, None
    )


def placed(
    violations: Iterable[tuple[Node, Violation]], file_of: Mapping[Node, str] | None
) -> list[Violation]:
    """The violations (each with the focus node whose file it names), given their files when
    ``file_of`` says them, sorted."""
    with collector_paused():
        if file_of is None:
            return _sorted(v for _, v in violations)
        return _sorted(replace(v, source_file=file_of.get(focus)) for focus, v in violations)


def _violation(
    focus: Node,
    path: Node | None,
    messages: list[str],
    severity: Node | None,
    shape: Node | None,
    value: Node | None,
    short: Namer,
    source_file: str | None,
) -> Violation:
    return Violation(
        focus=short(focus),
        path=short(path) if path is not None else None,
        message="; ".join(sorted(messages)) or "(the shape gives no message)",
        severity=str(severity).split("#")[-1] if severity else "Violation",
        shape=short(shape) if isinstance(shape, URIRef) else None,
        value=short(value) if value is not None else None,
        source_file=source_file,
    )


class Namer:
    """A term as a prefixed name where a prefix is bound, else in N-Triples syntax; each term
    written once (a large graph's results name the same shapes and paths over and over)."""

    def __init__(self, nm: NamespaceManager) -> None:
        self.nm = nm
        self.names: dict[Node, str] = {}

    def __call__(self, term: Node) -> str:
        name = self.names.get(term)
        if name is None:
            self.names[term] = name = term.n3(self.nm)
        return name
