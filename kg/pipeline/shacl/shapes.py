"""Reading a shapes graph into checks, once; refusing whatever the fast validator does not implement.

Which nodes are shapes, node or property, follows pySHACL's harvest (typed, targeted, or used
where a shape is expected). Every ``sh:`` term of the graph must be one the fast validator
implements (``KNOWN``), every shape reference must lead to a shape, and references may not go
round in a circle; otherwise :class:`Unsupported` says what was found, before any validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.pipeline.shacl.checks import Check
from kg.pipeline.shacl.nested import Logical, NodeShape, Property, Qualified
from kg.pipeline.shacl.paths import Path, compile_path
from kg.pipeline.shacl.sparql import Sparql
from kg.pipeline.shacl.unsupported import Unsupported, named
from kg.pipeline.shacl.values import (
    Class,
    Datatype,
    Equals,
    HasValue,
    In,
    LanguageIn,
    Length,
    MaxCount,
    MinCount,
    NodeKind,
    Pattern,
    Range,
    UniqueLang,
)
from kg.rdf.namespaces import SH

Lookup = Callable[[Node], "Shape"]
Reader = Callable[[Graph, "Shape", Lookup], Check]

READERS: dict[Node, Reader] = {
    SH["class"]: lambda g, s, _: Class(g, s),
    SH.datatype: lambda g, s, _: Datatype(g, s),
    SH.nodeKind: lambda g, s, _: NodeKind(g, s),
    SH.minCount: lambda g, s, _: MinCount(g, s),
    SH.maxCount: lambda g, s, _: MaxCount(g, s),
    SH.minInclusive: lambda g, s, _: Range(g, s, SH.minInclusive),
    SH.maxInclusive: lambda g, s, _: Range(g, s, SH.maxInclusive),
    SH.minExclusive: lambda g, s, _: Range(g, s, SH.minExclusive),
    SH.maxExclusive: lambda g, s, _: Range(g, s, SH.maxExclusive),
    SH.minLength: lambda g, s, _: Length(g, s, SH.minLength),
    SH.maxLength: lambda g, s, _: Length(g, s, SH.maxLength),
    SH.pattern: lambda g, s, _: Pattern(g, s),
    SH.languageIn: lambda g, s, _: LanguageIn(g, s),
    SH.uniqueLang: lambda g, s, _: UniqueLang(g, s),
    SH["in"]: lambda g, s, _: In(g, s),
    SH.hasValue: lambda g, s, _: HasValue(g, s),
    SH.equals: lambda g, s, _: Equals(g, s),
    SH["and"]: lambda g, s, find: Logical(g, s, SH["and"], find),
    SH["or"]: lambda g, s, find: Logical(g, s, SH["or"], find),
    SH.xone: lambda g, s, find: Logical(g, s, SH.xone, find),
    SH["not"]: lambda g, s, find: Logical(g, s, SH["not"], find),
    SH.node: lambda g, s, find: NodeShape(g, s, find),
    SH.property: lambda g, s, find: Property(g, s, find),
    SH.qualifiedValueShape: lambda g, s, find: Qualified(g, s, find),
    SH.sparql: lambda g, s, _: Sparql(g, s),
}
"""Each constraint parameter pySHACL looks for, and the check that reads it."""

SHARED = {
    SH.qualifiedMinCount: SH.qualifiedValueShape,
    SH.qualifiedMaxCount: SH.qualifiedValueShape,
    SH.qualifiedValueShapesDisjoint: SH.qualifiedValueShape,
    SH.flags: SH.pattern,
}
"""Parameters read by another parameter's check."""

KNOWN = {
    *READERS,
    *SHARED,
    SH.targetClass, SH.targetSubjectsOf, SH.path, SH.inversePath, SH.alternativePath,
    SH.message, SH.severity, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
    SH.defaultValue, SH.select, SH.prefixes, SH.declare, SH.prefix, SH.namespace,
}  # fmt: skip
"""Every ``sh:`` predicate the fast validator understands (or knows pySHACL ignores)."""

KNOWN_TYPES = {SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint, SH.PrefixDeclaration}
SHAPE_VALUED = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
MAX_DEPTH = 10
"""Deepest nesting of shapes accepted (pySHACL stops at 15)."""


@dataclass(eq=False)
class Shape:
    """A shape of the shapes graph, with its checks and targets."""

    node: Node
    is_property: bool
    path_node: Node | None
    path: Path | None
    severity: Node
    messages: tuple[Node, ...]
    deactivated: bool
    classes: list[Node] = field(default_factory=list)
    """sh:targetClass (and the shape itself when it is also a class)."""
    subjects_of: list[Node] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def targeted(self) -> bool:
        return bool(self.classes or self.subjects_of)


def read_shapes(graph: Graph) -> list[Shape]:
    """Every shape of ``graph``, each with its checks; raises Unsupported."""
    _check_vocabulary(graph)
    kinds = _harvest(graph)
    shapes = {node: _shape(graph, node, path) for node, path in kinds.items()}

    def lookup(node: Node) -> Shape:
        if node not in shapes:
            raise Unsupported(f"{named(node)} is used as a shape but is not one")
        return shapes[node]

    for shape in shapes.values():
        for parameter in dict.fromkeys(p for p in graph.predicates(shape.node) if p in READERS):
            shape.checks.append(READERS[parameter](graph, shape, lookup))
    _check_nesting(graph, shapes)
    return list(shapes.values())


def _check_vocabulary(graph: Graph) -> None:
    for p, o in graph.predicate_objects():
        if str(p).startswith(str(SH)) and p not in KNOWN:
            raise Unsupported(
                f"the shapes use {named(p)}, which the fast validator does not implement"
            )
        if p == RDF.type and str(o).startswith(str(SH)) and o not in KNOWN_TYPES:
            raise Unsupported(
                f"the shapes declare a {named(o)}, which the fast validator does not implement"
            )
        if p == RDFS.subClassOf and str(o).startswith(str(SH)):
            raise Unsupported(
                f"the shapes extend {named(o)}, which the fast validator does not implement"
            )


def _harvest(graph: Graph) -> dict[Node, Node | None]:
    """node → its sh:path (None for a node shape), as pySHACL finds shapes."""
    found: dict[Node, Node | None] = {}
    candidates = [
        *graph.subjects(RDF.type, SH.NodeShape),
        *graph.subjects(RDF.type, SH.PropertyShape),
        *(
            s
            for p in (SH.targetClass, SH.targetSubjectsOf, SH.property, SH.node)
            for s in graph.subjects(p)
        ),
        *(o for p in SHAPE_VALUED for o in graph.objects(None, p)),
    ]
    for p in SHAPE_LISTS:
        for listed in graph.objects(None, p):
            members = list(graph.items(listed))
            if not members:
                raise Unsupported(f"an empty list of shapes for {named(p)}")
            candidates += members
    for node in dict.fromkeys(candidates):
        paths = list(graph.objects(node, SH.path))
        if len(paths) > 1:
            raise Unsupported(f"{named(node)} has {len(paths)} paths")
        typed = set(graph.objects(node, RDF.type))
        if (SH.NodeShape in typed and paths) or (SH.PropertyShape in typed and not paths):
            raise Unsupported(f"{named(node)} is typed as the other kind of shape than it is")
        found[node] = paths[0] if paths else None
    return found


def _shape(graph: Graph, node: Node, path: Node | None) -> Shape:
    severity = set(graph.objects(node, SH.severity))
    deactivated = list(graph.objects(node, SH.deactivated))
    if len(severity) > 1 or len(deactivated) > 1:
        raise Unsupported(f"{named(node)} has more than one severity or sh:deactivated")
    switch = deactivated[0] if deactivated else Literal(False)
    if not isinstance(switch, Literal):
        raise Unsupported(f"the sh:deactivated of {named(node)} is not a literal")
    shape = Shape(
        node=node,
        is_property=path is not None,
        path_node=path,
        path=compile_path(graph, path) if path is not None else None,
        severity=next(iter(severity)) if severity else SH.Violation,
        messages=tuple(set(graph.objects(node, SH.message))),
        deactivated=bool(switch.value),
        classes=list(graph.objects(node, SH.targetClass)),
        subjects_of=list(graph.objects(node, SH.targetSubjectsOf)),
    )
    if _is_class(graph, node):
        shape.classes.append(node)
    return shape


def _is_class(graph: Graph, node: Node) -> bool:
    """pySHACL's implicit class target: the shape is typed rdfs:Class or a direct subclass of it
    (owl:Class among them: pySHACL adds ``owl:Class rdfs:subClassOf rdfs:Class`` to the shapes)."""
    classes = {RDFS.Class, OWL.Class, *graph.subjects(RDFS.subClassOf, RDFS.Class)}
    return any(t in classes for t in graph.objects(node, RDF.type))


def _check_nesting(graph: Graph, shapes: dict[Node, Shape]) -> None:
    """Refuse shapes that refer to themselves (pySHACL warns and cuts the circle) or nest deeper
    than pySHACL follows."""

    def inner(node: Node) -> list[Node]:
        found = [o for p in SHAPE_VALUED for o in graph.objects(node, p)]
        for p in SHAPE_LISTS:
            for listed in graph.objects(node, p):
                found += list(graph.items(listed))
        return found

    def depth(node: Node, trail: tuple[Node, ...]) -> int:
        if node in trail:
            raise Unsupported(f"the shape {named(node)} refers to itself")
        if len(trail) > MAX_DEPTH:
            raise Unsupported(f"shapes nested deeper than {MAX_DEPTH} below {named(trail[0])}")
        return 1 + max((depth(n, (*trail, node)) for n in inner(node)), default=0)

    for node in shapes:
        depth(node, ())
