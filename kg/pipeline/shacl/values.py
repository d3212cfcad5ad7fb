"""Checks on value nodes one by one or by count: cardinality, type, kind, range, string, list.

Each check reads its parameters as pySHACL 0.40 does and refuses (``Unsupported``) where pySHACL
would raise or warn, so such shapes go to pySHACL itself; results and generic messages are
pySHACL's, check for check.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from kg.pipeline.shacl.checks import Check, EachValue, Outcome, Run, Values, component
from kg.pipeline.shacl.unsupported import Unsupported, named
from kg.rdf.namespaces import SH

if TYPE_CHECKING:
    from kg.pipeline.shacl.reads import Position, Reads
    from kg.pipeline.shacl.shapes import Shape

WHOLE_NUMBERS = {
    XSD.integer, XSD.int, XSD.long, XSD.negativeInteger, XSD.nonNegativeInteger,
    XSD.nonPositiveInteger, XSD.positiveInteger, XSD.short, XSD.unsignedByte, XSD.unsignedInt,
    XSD.unsignedLong, XSD.unsignedShort,
}  # fmt: skip
STRINGS = (None, RDF.langString, XSD.string)
"""Datatypes whose literals pySHACL reads by value for length and pattern checks."""
NODE_KINDS = {
    SH.IRI: (URIRef,),
    SH.BlankNode: (BNode,),
    SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef),
    SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


def parameters(graph: Graph, node: Node, predicate: URIRef, most: int | None = 1) -> list[Node]:
    """The values of a constraint parameter: at least one, at most ``most``."""
    found = list(graph.objects(node, predicate))
    if not found or (most is not None and len(found) > most):
        raise Unsupported(f"{named(node)} has {len(found)} values of {named(predicate)}")
    return found


def optional(graph: Graph, node: Node, predicate: URIRef, kind: type) -> Any:
    """The value of a parameter given at most once, as a literal whose value is a ``kind``
    (None when it is not given)."""
    found = set(graph.objects(node, predicate))
    if not found:
        return None
    (value,) = found if len(found) == 1 else (None,)
    if not isinstance(value, Literal) or not isinstance(value.value, kind):
        raise Unsupported(f"{named(predicate)} of {named(node)} is not one {kind.__name__}")
    return value.value


class MinCount(Check):
    component = component("MinCountConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.count = _count(graph, shape, SH.minCount)

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        if self.count.value == 0:
            return found
        for f, vs in values.items():
            if len(vs) < self.count.value:
                found.add(f, self.result(run, shape, f))
        return found

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        reads.describe(shape, [focus], surfaced)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        try:
            where = run.data_text.top(focus)
        except (LookupError, ValueError):
            where = str(focus)
        return [Literal(f"Less than {self.count.value} values on {where}->{_path(run, shape)}")]


class MaxCount(Check):
    component = component("MaxCountConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.count = _count(graph, shape, SH.maxCount)

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for f, vs in values.items():
            if len(vs) > self.count.value:
                found.add(f, self.result(run, shape, f))
        return found

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        reads.describe(shape, [focus], surfaced)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        where = run.data_text.top(focus)
        return [Literal(f"More than {self.count.value} values on {where}->{_path(run, shape)}")]


def _count(graph: Graph, shape: Shape, predicate: URIRef) -> Literal:
    (count,) = parameters(graph, shape.node, predicate)
    if not shape.is_property:
        raise Unsupported(f"{named(predicate)} on the node shape {named(shape.node)}")
    if not (isinstance(count, Literal) and count.datatype == XSD.integer and count.value >= 0):
        raise Unsupported(f"{named(predicate)} of {named(shape.node)} is not an xsd:integer ≥ 0")
    return count


def _path(run: Run, shape: Shape) -> str:
    assert shape.path_node is not None
    return run.shapes_text(shape.path_node)


class Class(EachValue):
    component = component("ClassConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.classes = self.rules = parameters(graph, shape.node, SH["class"], most=None)

    def accepts(self, run: Run, rule: Any, value: Node) -> bool:
        return not isinstance(value, Literal) and run.index.is_instance(value, rule)

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """Each value node's rdf:type (and the class hierarchy: ``reads.SCHEMA``)."""
        for at in values:
            reads.step(at, RDF.type, only=self.classes)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        if len(self.classes) < 2:
            return [Literal(f"Value does not have class {run.shapes_text(self.classes[0])}")]
        names = ", ".join(run.shapes_text(c) for c in self.classes)
        return [Literal(f"Value class is not in classes ({names})")]


TYPE_TESTS: dict[Node, Callable[[object], bool]] = {
    XSD.string: lambda v: isinstance(v, str | bytes),
    RDF.langString: lambda v: isinstance(v, str | bytes),
    XSD.integer: lambda v: isinstance(v, int),
    XSD.float: lambda v: isinstance(v, float),
    XSD.decimal: lambda v: isinstance(v, Decimal),
    XSD.boolean: lambda v: isinstance(v, bool),
    XSD.date: lambda v: isinstance(v, datetime.date),
    XSD.time: lambda v: isinstance(v, datetime.time),
    XSD.dateTime: lambda v: isinstance(v, datetime.datetime),
}
"""pySHACL's test that a literal's value is of its datatype; other datatypes pass."""


class Datatype(EachValue):
    component = component("DatatypeConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        (self.datatype,) = parameters(graph, shape.node, SH.datatype)
        self.test = TYPE_TESTS.get(self.datatype, lambda v: True)
        self.any_literal = self.datatype == RDFS.Literal
        self.any_typed = self.datatype == RDFS.Datatype
        self.plain = self.datatype == XSD.string
        self.tagged = self.datatype == RDF.langString

    def accepts(self, run: Run, rule: Any, v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        if v.datatype == self.datatype:
            return getattr(v, "ill_typed", None) is not True and self.test(v.value)
        if self.any_literal or (self.any_typed and v.datatype):
            return True
        if v.datatype is None and v.language is None and self.plain:
            return self.test(v.value)
        return bool(self.tagged and v.language and self.test(v.value))

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        return [Literal(f"Value is not Literal with datatype {run.shapes_text(self.datatype)}")]


class NodeKind(EachValue):
    component = component("NodeKindConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        (self.kind,) = parameters(graph, shape.node, SH.nodeKind)
        if not isinstance(self.kind, URIRef) or self.kind not in NODE_KINDS:
            raise Unsupported(f"the node kind {named(self.kind)}")
        self.types = NODE_KINDS[self.kind]

    def accepts(self, run: Run, rule: Any, value: Node) -> bool:
        return isinstance(value, self.types)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        return [Literal(f"Value is not of Node Kind {run.shapes_text(self.kind)}")]


def compare(a: Literal, b: Literal) -> int:
    """pySHACL's ``compare_literal``: 0, 1 or -1; raises TypeError when they do not compare."""
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime.datetime, datetime.time):
        if a.value == b.value:
            return 0
        if a.value > b.value:
            return 1
    elif a > b:
        return 1
    return -1


class Range(EachValue):
    """sh:minInclusive, sh:maxInclusive, sh:minExclusive, sh:maxExclusive."""

    BOUNDS: ClassVar[dict[URIRef, tuple[str, str, Callable[[int], bool]]]] = {
        SH.minInclusive: ("MinInclusiveConstraintComponent", ">=", lambda c: c >= 0),
        SH.maxInclusive: ("MaxInclusiveConstraintComponent", "<=", lambda c: c <= 0),
        SH.minExclusive: ("MinExclusiveConstraintComponent", ">", lambda c: c > 0),
        SH.maxExclusive: ("MaxExclusiveConstraintComponent", "<", lambda c: c < 0),
    }

    def __init__(self, graph: Graph, shape: Shape, parameter: URIRef) -> None:
        name, self.sign, self.holds = self.BOUNDS[parameter]
        self.component = component(name)
        self.limits = self.rules = parameters(graph, shape.node, parameter, most=None)
        if not all(isinstance(limit, Literal) for limit in self.limits):
            raise Unsupported(f"{named(parameter)} of {named(shape.node)} is not a literal")

    def accepts(self, run: Run, rule: Any, v: Node) -> bool:
        if not isinstance(v, Literal):
            return False
        if isinstance(rule.value, str) != isinstance(v.value, str):
            return False
        try:
            return bool(self.holds(compare(v, rule)))
        except (TypeError, NotImplementedError):
            return False

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        if len(self.limits) < 2:
            return [Literal(f"Value is not {self.sign} {run.shapes_text(self.limits[0])}")]
        names = ", ".join(run.shapes_text(c) for c in self.limits)
        return [Literal(f"Value is not {self.sign} in ({names})")]


def _regex(pattern: Literal) -> str:
    """pySHACL's regular expression of an sh:pattern (its value, or its lexical form when short)."""
    value = pattern.value
    return str(value) if value is not None and len(value) > 1 else str(pattern)


def as_text(v: Node) -> str:
    """pySHACL's string of a value node for length and pattern checks."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in STRINGS:
        return str(v.value)
    return str(v)


class Length(EachValue):
    """sh:minLength and sh:maxLength."""

    def __init__(self, graph: Graph, shape: Shape, parameter: URIRef) -> None:
        self.least = parameter == SH.minLength
        name = "MinLengthConstraintComponent" if self.least else "MaxLengthConstraintComponent"
        self.component = component(name)
        (self.limit,) = parameters(graph, shape.node, parameter)
        limit = self.limit
        if not (
            isinstance(limit, Literal)
            and not getattr(limit, "ill_typed", False)
            and limit.datatype in WHOLE_NUMBERS
            and limit.datatype not in (XSD.negativeInteger, XSD.nonPositiveInteger)
            and limit.value >= 0
        ):
            raise Unsupported(
                f"{named(parameter)} of {named(shape.node)} is not a whole number ≥ 0"
            )
        self.length: int = limit.value

    def accepts(self, run: Run, rule: Any, v: Node) -> bool:
        if self.least and self.length == 0:
            return True
        if isinstance(v, BNode):
            return False
        size = len(as_text(v))
        return size >= self.length if self.least else size <= self.length

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        sign = ">=" if self.least else "<="
        return [Literal(f"String length not {sign} {run.data_text(self.limit)}")]


class Pattern(EachValue):
    component = component("PatternConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        patterns = parameters(graph, shape.node, SH.pattern, most=None)
        flags_found = list(graph.objects(shape.node, SH.flags))
        self.patterns = [p for p in patterns if isinstance(p, Literal)]
        options = [f for f in flags_found if isinstance(f, Literal)]
        if len(flags_found) > 1 or len(self.patterns) + len(options) < len(patterns) + len(
            flags_found
        ):
            raise Unsupported(f"the sh:pattern or sh:flags of {named(shape.node)}")
        flags = 0
        if options:
            letters = str(options[0].value).lower()
            flags = (re.I if "i" in letters else 0) | (re.M if "m" in letters else 0)
        try:
            self.rules = [re.compile(_regex(p), flags) for p in self.patterns]
        except re.error as exc:
            raise Unsupported(f"the sh:pattern of {named(shape.node)}: {exc}") from None

    def accepts(self, run: Run, rule: Any, value: Node) -> bool:
        return not isinstance(value, BNode) and bool(rule.search(as_text(value)))

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        texts = [str(p.value) for p in self.patterns]
        if len(texts) < 2:
            return [Literal(f"Value does not match pattern '{texts[0]}'")]
        return [Literal("Value does not match every pattern in ('{}')".format("', '".join(texts)))]


class LanguageIn(EachValue):
    component = component("LanguageInConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        (self.listed,) = parameters(graph, shape.node, SH.languageIn)
        try:
            items = list(graph.items(self.listed))
        except (KeyError, AttributeError, ValueError):
            raise Unsupported(f"the sh:languageIn list of {named(shape.node)}") from None
        languages = [i.value for i in items if isinstance(i, Literal) and isinstance(i.value, str)]
        if len(languages) < len(items):
            raise Unsupported(f"a language of sh:languageIn of {named(shape.node)} is not a string")
        self.languages = {language.lower() for language in languages}

    def accepts(self, run: Run, rule: Any, v: Node) -> bool:
        if not (isinstance(v, Literal) and v.language):
            return False
        lang = str(v.language).lower()
        return (
            "*" in self.languages or lang in self.languages or lang.split("-")[0] in self.languages
        )

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        return [Literal(f"String language is not in {run.shapes_text(self.listed)}")]


class UniqueLang(Check):
    component = component("UniqueLangConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.unique = optional(graph, shape.node, SH.uniqueLang, bool)
        if not shape.is_property:
            raise Unsupported(f"sh:uniqueLang on the node shape {named(shape.node)}")

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        if not self.unique:
            return found
        for f, vs in values.items():
            seen: set[str] = set()
            twice: set[str] = set()
            for v in vs:
                if isinstance(v, Literal) and v.language:
                    lang = str(v.language).lower()
                    (twice if lang in seen else seen).add(lang)
            for _ in twice:
                found.add(f, self.result(run, shape, f))
        return found

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """The value nodes' language tags only."""

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        return [Literal("More than one String shares the same Language")]


class In(EachValue):
    component = component("InConstraintComponent")
    describes_values = True

    def __init__(self, graph: Graph, shape: Shape) -> None:
        (listed,) = parameters(graph, shape.node, SH["in"])
        self.members: set[Node] = set()
        for item in graph.items(listed):
            self.members.add(item)

    def accepts(self, run: Run, rule: Any, value: Node) -> bool:
        return value in self.members

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        listed = [run.shapes_text(m) for m in self.members]
        assert value is not None
        return [Literal(f"Value {run.data_text.top(value)} not in list {listed}")]


class HasValue(Check):
    component = component("HasValueConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.wanted = set(graph.objects(shape.node, SH.hasValue))

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for wanted in self.wanted:
            for f, vs in values.items():
                if wanted not in vs:
                    found.add(f, self.result(run, shape, f))
        return found

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        reads.describe(shape, [focus], surfaced)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        listed = [run.shapes_text(w) for w in self.wanted]
        where = run.data_text.top(focus)
        if shape.path_node is not None:
            return [
                Literal(
                    f"Node {where}->{_path(run, shape)} does not contain a value in the set: {listed}"
                )
            ]
        return [Literal(f"Node {where} value is not a in the set of values: {listed}")]


class Equals(Check):
    component = component("EqualsConstraintComponent")

    def __init__(self, graph: Graph, shape: Shape) -> None:
        self.predicates = set(graph.objects(shape.node, SH.equals))
        if not all(isinstance(p, URIRef) for p in self.predicates):
            raise Unsupported(f"sh:equals of {named(shape.node)} is not a predicate IRI")

    def run(self, run: Run, shape: Shape, values: Values) -> Outcome:
        found = Outcome()
        for predicate in self.predicates:
            table = run.index.out(predicate)
            for f, vs in values.items():
                mine = set(vs)
                theirs = set(table.get(f, ()))
                for v in [*(mine - theirs), *(theirs - mine)]:
                    found.add(f, self.result(run, shape, f, v))
        return found

    def reads(
        self, reads: Reads, shape: Shape, focus: Position, values: list[Position], surfaced: bool
    ) -> None:
        """The focus node's objects of each predicate compared with."""
        theirs = [reads.step(focus, predicate) for predicate in self.predicates]
        reads.describe(shape, [focus, *values, *theirs], surfaced)

    def generic(self, run: Run, shape: Shape, focus: Node, value: Node | None) -> list[Literal]:
        assert value is not None
        names = ", ".join(run.shapes_text(p) for p in self.predicates)
        where, what = run.data_text.top(focus), run.data_text.top(value)
        return [Literal(f"Value of {where}->{names} != {what}")]
