"""The SHACL shapes keep their promises: data-driven over ``tests/fixtures/shapes/``.

Every ``tests/fixtures/shapes/*.ttl`` is a small graph that breaks one promise. Its first line,
``# expect: pts:<Shape>``, names the shape that must report it; an optional second line,
``# also: pts:<Shape> …``, names shapes that legitimately report the same mistake too. Validated together
with the ontology, the fixture must not conform, the expected shape must be a result's ``sh:sourceShape``
with a non-empty message (and the shape's severity), and no other shape may complain: the fixture is
otherwise valid. Every graph in ``tests/fixtures/shapes/valid/`` must conform.

Coverage: every shape that can appear as a ``sh:sourceShape`` (a targeted node shape with constraints of its
own, or a property shape of a targeted node shape) needs a failing fixture. Operand shapes (used only inside
``sh:xone``/``sh:or``/``sh:qualifiedValueShape``…) are reported through the shape that uses them, and a targeted
node shape with no constraint of its own only groups property shapes; every other shape is an error.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "ptkg.ttl"
SHAPES = ROOT / "shapes" / "ptkg-shapes.ttl"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"

SH = Namespace("http://www.w3.org/ns/shacl#")
PTS = Namespace("https://w3id.org/peace-talks-kg/shapes#")

FAILING = sorted(FIXTURES.glob("*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))

TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
NOT_CONSTRAINTS = TARGETS | {
    SH.property,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
}
OPERAND_LISTS = (SH["or"], SH.xone, SH["and"])
OPERANDS = (SH["not"], SH.node, SH.qualifiedValueShape)

EXPECT = re.compile(r"^# expect: pts:(\S+)\s*$")
ALSO = re.compile(r"^# also:((?: pts:\S+)+)\s*$")


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def validate(fixture: Path) -> tuple[bool, Graph]:
    data = Graph()
    data += ontology()
    data.parse(fixture, format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes(), inference="none")
    return bool(conforms), report


def expectation(fixture: Path) -> tuple[URIRef, set[URIRef]]:
    """The expected shape and the shapes allowed to report as well."""
    lines = fixture.read_text(encoding="utf-8").splitlines()
    match = EXPECT.match(lines[0]) if lines else None
    assert match, f"{fixture.name}: the first line must be '# expect: pts:<ShapeLocalName>'"
    expected = PTS[match.group(1)]
    also = set()
    if len(lines) > 1 and (more := ALSO.match(lines[1])):
        also = {PTS[name.removeprefix("pts:")] for name in more.group(1).split()}
    return expected, also


def all_shapes(g: Graph) -> set:
    """Every node used as a shape: typed as one, or referenced from a shape-valued parameter."""
    found = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    found |= set(g.objects(None, SH.property))
    for p in OPERANDS:
        found |= set(g.objects(None, p))
    for p in OPERAND_LISTS:
        for head in g.objects(None, p):
            found |= set(Collection(g, head))
    return found


def operands_of(g: Graph, shape) -> set:
    """Shapes evaluated only as part of ``shape`` (and, recursively, their own parts)."""
    direct = set()
    for p in OPERANDS:
        direct |= set(g.objects(shape, p))
    for p in OPERAND_LISTS:
        for head in g.objects(shape, p):
            direct |= set(Collection(g, head))
    result = set()
    for part in direct:
        result |= {part} | set(g.objects(part, SH.property))
        for prop in {part} | set(g.objects(part, SH.property)):
            result |= operands_of(g, prop)
    return result


def classify(g: Graph) -> tuple[set, set, set]:
    """(reportable, operand, grouping) shapes of the shapes graph."""
    targeted = {s for s in all_shapes(g) if any(g.value(s, t) is not None for t in TARGETS)}
    reportable, grouping = set(), set()
    for node in targeted:
        own = {p for p in g.predicates(node, None) if str(p).startswith(str(SH))} - NOT_CONSTRAINTS
        (reportable if own else grouping).add(node)
        reportable |= set(g.objects(node, SH.property))
    operand = set()
    for shape in reportable:
        operand |= operands_of(g, shape)
    return reportable, operand - reportable, grouping


def test_there_are_fixtures() -> None:
    assert FAILING, "no failing fixtures in tests/fixtures/shapes/"
    assert VALID, "no conforming fixture in tests/fixtures/shapes/valid/"


@pytest.mark.parametrize("fixture", FAILING, ids=[f.name for f in FAILING])
def test_failing_fixture_is_reported_by_its_shape(fixture: Path) -> None:
    expected, also = expectation(fixture)
    assert expected in all_shapes(shapes()), (
        f"{fixture.name}: pts:{expected.fragment} is not a shape"
    )
    conforms, report = validate(fixture)
    assert not conforms, f"{fixture.name} conforms, but pts:{expected.fragment} should reject it"

    results = list(report.subjects(RDF.type, SH.ValidationResult))
    by_shape = [r for r in results if report.value(r, SH.sourceShape) == expected]
    assert by_shape, (
        f"{fixture.name}: no result from pts:{expected.fragment}; got "
        f"{sorted(str(report.value(r, SH.sourceShape)) for r in results)}"
    )
    severity = shapes().value(expected, SH.severity) or SH.Violation
    for result in by_shape:
        messages = [m for m in report.objects(result, SH.resultMessage) if str(m).strip()]
        assert messages, f"{fixture.name}: the result of pts:{expected.fragment} has no message"
        assert report.value(result, SH.resultSeverity) == severity

    others = {report.value(r, SH.sourceShape) for r in results} - {expected} - also
    assert not others, (
        f"{fixture.name} also breaks {sorted(map(str, others))}: make it otherwise valid"
    )


@pytest.mark.parametrize("fixture", VALID, ids=[f.name for f in VALID])
def test_valid_fixture_conforms(fixture: Path) -> None:
    conforms, report = validate(fixture)
    assert conforms, report.serialize(format="turtle")


def test_every_shape_has_a_failing_fixture() -> None:
    g = shapes()
    reportable, operand, grouping = classify(g)
    named = {expectation(f)[0] for f in FAILING}
    missing = sorted(str(s) for s in reportable - named)
    assert not missing, f"shapes without a failing fixture: {missing}"
    stray = sorted(str(s) for s in all_shapes(g) - reportable - operand - grouping)
    assert not stray, f"shapes that are neither targeted nor used by a targeted shape: {stray}"
    empty = sorted(str(s) for s in grouping if g.value(s, SH.property) is None)
    assert not empty, f"targeted node shapes that check nothing: {empty}"


def test_every_shape_is_named_and_reportable_shapes_speak_english() -> None:
    g = shapes()
    blank = [s for s in all_shapes(g) if isinstance(s, BNode)]
    assert not blank, f"{len(blank)} blank-node shape(s): give every shape an IRI"
    reportable, _, _ = classify(g)
    for shape in reportable:
        messages = [m for m in g.objects(shape, SH.message) if isinstance(m, Literal)]
        assert any(m.language == "en" and str(m).strip() for m in messages), (
            f"{shape}: no sh:message @en"
        )
        assert g.value(shape, SH.severity) in (SH.Violation, SH.Warning), (
            f"{shape}: no explicit sh:severity"
        )
        if g.value(shape, SH.severity) == SH.Warning:
            assert g.value(shape, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")), (
                f"{shape}: a warning must say in rdfs:comment why it is only advisory"
            )
