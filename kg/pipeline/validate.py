"""SHACL validation of a project's data and ontology against its shapes, with pySHACL.

Results follow pySHACL: ``(conforms, report graph, text)``, plus a list of :class:`Violation` that
names the file each focus node was curated in. Exit codes of ``kg validate``: 0 conforms,
1 violations, 2 cannot load.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from kg.pipeline.load import Project
from kg.rdf.namespaces import SH

INFERENCE_CHOICES = ("none", "rdfs", "owlrl", "both")
"""pySHACL's inference vocabulary, used by ``validate`` and ``reason`` alike."""


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


@dataclass
class ValidationResult:
    """What pySHACL found: ``conforms`` is false only when a result has severity Violation."""

    conforms: bool
    report: Graph
    text: str
    violations: list[Violation]

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
    shapes: Graph,
    *,
    inference: str = "none",
    file_of: dict[Node, str] | None = None,
) -> ValidationResult:
    """Validate ``data`` against ``shapes``; ``file_of`` maps focus nodes to the file they came from."""
    if inference not in INFERENCE_CHOICES:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_CHOICES)}")
    _, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference=inference,
        allow_warnings=True,
        advanced=True,
    )
    violations = sorted(
        _violations(report, data, file_of or {}),
        key=lambda v: (v.severity != "Violation", v.source_file or "", v.focus, v.path or ""),
    )
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationResult(conforms=conforms, report=report, text=text, violations=violations)


def validate_project(project: Project, inference: str = "none") -> ValidationResult:
    """Validate the project's data and ontology together against its shapes."""
    data = project.graph("ontology", "data")
    shapes = project.graph("shapes")
    return validate(data, shapes, inference=inference, file_of=_files_by_subject(project))


def _files_by_subject(project: Project) -> dict[Node, str]:
    """Each subject → the first curated file (ontology or data) that describes it."""
    found: dict[Node, str] = {}
    for f in project.files:
        if f.kind == "shapes":
            continue
        name = f.path.relative_to(project.root).as_posix()
        for subject in project.dataset.graph(f.graph).subjects(unique=True):
            found.setdefault(subject, name)
    return found


def _violations(report: Graph, data: Graph, file_of: dict[Node, str]) -> Iterator[Violation]:
    nm = data.namespace_manager
    for result in report.subjects(SH.resultSeverity, None):
        # SHACL gives every validation result exactly one sh:focusNode.
        focus = cast(Node, report.value(result, SH.focusNode))
        severity = report.value(result, SH.resultSeverity)
        messages = [str(m) for m in report.objects(result, SH.resultMessage)]
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        yield Violation(
            focus=_short(focus, nm),
            path=_short(path, nm) if path is not None else None,
            message="; ".join(sorted(messages)) or "(the shape gives no message)",
            severity=str(severity).split("#")[-1] if severity else "Violation",
            shape=_short(shape, nm) if isinstance(shape, URIRef) else None,
            value=_short(value, nm) if value is not None else None,
            source_file=file_of.get(focus),
        )


def _short(term: Node, nm: NamespaceManager) -> str:
    """A prefixed name where a prefix is bound, else the term in N-Triples syntax."""
    return term.n3(nm)
