"""The fast validator (``kg.pipeline.shacl``) and pySHACL give the same validation, result for result.

"The same" is everything ``kg.pipeline.validate`` hands on: ``conforms``, the :class:`Violation` list in
order (focus, path, message, severity, shape, value, file), pySHACL's text report, and a report graph
isomorphic to pySHACL's. Checked on the curated data, on every shapes fixture (curated data with one
planted fault), on the fixture projects, on random mutations of curated data (Hypothesis), on a
synthetic graph of 10k triples, and on shapes beyond ours: without their messages (pySHACL's
generic messages), and using SHACL our shapes do not (sh:node, sh:not, inverse paths, $PATH, …).
Shapes the fast validator does not implement go to pySHACL, with the reason.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import warnings
import weakref
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

from kg.pipeline.load import load_project
from kg.pipeline.shacl import ShapesValidator, Unsupported
from kg.pipeline.validate import ValidationResult, validate, validate_project
from kg.rdf.namespaces import SH

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHAPE_FIXTURES = sorted((FIXTURES / "shapes").glob("*.ttl")) + sorted(
    (FIXTURES / "shapes" / "valid").glob("*.ttl")
)
PROJECTS = ["good", "violation"]

sys.path.insert(0, str(REPO / "bench"))
from synthetic import generate  # noqa: E402  (bench/ holds the generator of synthetic graphs)
from validation_graphs import (  # noqa: E402
    EXTRA_DATA,
    EXTRA_SHAPES,
    curated,
    ontology,
    shapes,
    without_messages,
)


def with_ontology(*paths: Path) -> Graph:
    graph = Graph()
    graph += ontology()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def assert_same(fast: ValidationResult, reference: ValidationResult) -> None:
    assert fast.engine == "fast", fast.fallback
    assert reference.engine == "pyshacl"
    assert fast.violations == reference.violations
    assert fast.conforms == reference.conforms
    assert in_any_detail_order(fast.text) == in_any_detail_order(reference.text)
    assert isomorphic(fast.report, reference.report)


def in_any_detail_order(text: str) -> list[str]:
    """The text report, with the lines below each "Details:" (the results an sh:node value got)
    sorted: pySHACL lists those in the order Python happens to iterate a set of value nodes."""
    blocks, block = [], []
    for line in text.splitlines():
        if not line.startswith("\t") and block:
            blocks.append(block)
            block = []
        block.append(line)
    blocks.append(block)
    written = []
    for lines in blocks:
        cut = lines.index("\tDetails:") + 1 if "\tDetails:" in lines else len(lines)
        written.append("\n".join(lines[:cut] + sorted(lines[cut:])))
    return written


def both(
    data: Graph, shapes_graph: Graph | None = None
) -> tuple[ValidationResult, ValidationResult]:
    chosen = shapes_graph if shapes_graph is not None else shapes()
    return validate(data, chosen), validate(data, chosen, reference=True)


@pytest.mark.slow
def test_curated_data() -> None:
    project = load_project(REPO)
    assert_same(validate_project(project), validate_project(project, reference=True))


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=[f.name for f in SHAPE_FIXTURES])
def test_shapes_fixture(fixture: Path) -> None:
    fast, reference = both(with_ontology(fixture))
    assert_same(fast, reference)
    assert bool(fast.violations) == (fixture.parent.name != "valid")


@pytest.mark.parametrize("name", PROJECTS)
def test_fixture_project(name: str) -> None:
    project = load_project(FIXTURES / "projects" / name)
    fast = validate_project(project)
    assert_same(fast, validate_project(project, reference=True))
    assert fast.conforms == (name == "good")


@pytest.mark.slow
def test_synthetic_graph_of_10k_triples() -> None:
    dataset = Dataset()
    text = generate(10_000, blank_nodes=True, anchored=True, contradictions=0.1, supersessions=0.05)
    dataset.parse(data=text, format="nquads")
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    graph += ontology()
    fast, reference = both(graph)
    assert fast.violations, "the synthetic graph breaks shapes: both engines must find the same"
    assert_same(fast, reference)


# --- mutations ------------------------------------------------------------------------------------

DATATYPES = [None, XSD.string, XSD.date, XSD.gYear, XSD.gYearMonth, XSD.integer, XSD.anyURI]
LANGUAGES = [None, "en", "en-GB", "ru", "uk"]


def sorted_triples(graph: Graph) -> list[tuple]:
    return sorted(graph, key=lambda t: tuple(term.n3() for term in t))


@st.composite
def mutations(draw, triples: list[tuple]) -> list[tuple[str, tuple, object]]:
    """A few edits, each a (kind, triple, new term) to apply in order."""
    literals = [t for t in triples if isinstance(t[2], Literal)]
    typed = [t for t in triples if t[1] == RDF.type]
    nodes = sorted({t[0] for t in triples}, key=lambda n: n.n3())
    classes = sorted({t[2] for t in typed}, key=lambda n: n.n3())
    edits = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["drop", "datatype", "language", "retype", "again", "repoint"]))
        if kind in ("datatype", "language"):
            triple = draw(st.sampled_from(literals))
            new: object = draw(st.sampled_from(DATATYPES if kind == "datatype" else LANGUAGES))
        elif kind == "retype":
            triple, new = draw(st.sampled_from(typed)), draw(st.sampled_from(classes))
        else:
            triple, new = draw(st.sampled_from(triples)), draw(st.sampled_from(nodes))
        edits.append((kind, triple, new))
    return edits


def mutated(base: Graph, edits: list[tuple[str, tuple, object]]) -> Graph:
    graph = Graph()
    graph += base
    for kind, (s, p, o), new in edits:
        if kind != "again":
            graph.remove((s, p, o))
        if kind == "datatype" and isinstance(o, Literal):
            graph.add((s, p, Literal(str(o), datatype=new)))  # type: ignore[arg-type]
        elif kind == "language" and isinstance(o, Literal):
            graph.add((s, p, Literal(str(o), lang=new)))  # type: ignore[arg-type]
        elif kind == "retype":
            graph.add((s, p, new))  # type: ignore[arg-type]
        elif kind == "again":
            again = (
                Literal(f"{o} (again)", lang=o.language, datatype=o.datatype)
                if isinstance(o, Literal)
                else new
            )
            graph.add((s, p, again))  # type: ignore[arg-type]
        elif kind == "repoint":
            graph.add((s, p, new))  # type: ignore[arg-type]
    return graph


@cache
def fixture_base() -> tuple[Graph, list[tuple]]:
    graph = with_ontology(FIXTURES / "shapes" / "valid" / "putin-june-2024-conditions.ttl")
    return graph, sorted_triples(graph)


@cache
def curated_base() -> tuple[Graph, list[tuple]]:
    return curated(), sorted_triples(curated())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_fixture_graph(data) -> None:
    base, triples = fixture_base()
    assert_same(*both(mutated(base, data.draw(mutations(triples)))))


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_curated_data(data) -> None:
    base, triples = curated_base()
    assert_same(*both(mutated(base, data.draw(mutations(triples)))))


# --- shapes beyond ours ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES[:-1], ids=[f.name for f in SHAPE_FIXTURES[:-1]])
def test_generic_messages_of_shapes_without_sh_message(fixture: Path) -> None:
    fast, reference = both(with_ontology(fixture), without_messages(shapes()))
    assert_same(fast, reference)


def test_shapes_beyond_ours() -> None:
    data = Graph().parse(data=EXTRA_DATA, format="turtle")
    extra = Graph().parse(data=EXTRA_SHAPES, format="turtle")
    fast, reference = both(data, extra)
    assert len(fast.violations) > 15
    assert_same(fast, reference)


@pytest.mark.parametrize(
    "addition, reason",
    [
        ("ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true .", "sh:closed"),
        ("ex:S a sh:NodeShape ; sh:targetNode ex:one ; sh:nodeKind sh:IRI .", "sh:targetNode"),
        ("ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:node ex:S .", "refers to itself"),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path [ sh:zeroOrMorePath ex:part ] ; sh:maxCount 1 ] .",
            "sh:zeroOrMorePath",
        ),
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select "SELECT $this WHERE { { SELECT $this WHERE { $this <http://example.org/size> 20 } } }" ] .',
            "a nested SELECT",
        ),
    ],
)
def test_what_the_fast_validator_does_not_implement_goes_to_pyshacl(
    addition: str, reason: str
) -> None:
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
    extra = Graph().parse(data=prefixes + addition, format="turtle")
    with pytest.raises(Unsupported, match=reason):
        ShapesValidator(extra)
    data = Graph().parse(data=EXTRA_DATA, format="turtle")
    with warnings.catch_warnings():  # pySHACL warns of the recursive shape, then cuts it off
        warnings.simplefilter("ignore")
        result = validate(data, extra)
    assert result.engine == "pyshacl"
    assert result.fallback is not None and reason in result.fallback


def test_other_inference_and_reference_use_pyshacl() -> None:
    data = with_ontology(FIXTURES / "shapes" / "valid" / "putin-june-2024-conditions.ttl")
    assert validate(data, shapes(), inference="rdfs").fallback == "inference 'rdfs'"
    assert validate(data, shapes(), reference=True).fallback is None


def test_a_validator_read_once_validates_many_graphs() -> None:
    validator = ShapesValidator(shapes())
    for fixture in SHAPE_FIXTURES[:5]:
        data = with_ontology(fixture)
        assert_same(validate(data, validator), validate(data, shapes(), reference=True))


def test_the_fast_path_does_not_import_pyshacl() -> None:
    script = (
        "import sys; from pathlib import Path; from kg.pipeline.load import load_project; "
        "from kg.pipeline.validate import validate_project; "
        f"r = validate_project(load_project(Path({str(FIXTURES / 'projects' / 'violation')!r}))); "
        "r.text; assert r.engine == 'fast' and not r.conforms; "
        "assert 'pyshacl' not in sys.modules, 'pyshacl was imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)


def test_a_blank_value_node_is_described_and_copied_as_pyshacl_does() -> None:
    data = with_ontology(FIXTURES / "shapes" / "annotation-target-untyped.ttl")
    fast, reference = both(data)
    assert any(isinstance(o, BNode) for o in fast.report.objects(None, SH.value))
    assert "Value Node: [ " in fast.text
    assert_same(fast, reference)


def test_results_name_nodes_as_the_data_graph_prefixes_them() -> None:
    data = with_ontology(FIXTURES / "shapes" / "statement-without-speaker.ttl")
    fast, _ = both(data)
    [violation] = [v for v in fast.violations if v.path == "pt:speaker"]
    assert violation.focus.startswith("statement:")


class FilesAskedFor(Mapping):
    """Files of focus nodes that may be asked for one node at a time, never listed or counted
    (as ``FilesBySubject``, which would look up every subject of the project)."""

    def __init__(self) -> None:
        self.asked: set = set()

    def __getitem__(self, node):
        self.asked.add(node)
        return "data/file.ttl"

    def __iter__(self) -> Iterator:
        raise AssertionError("the files of every node were listed")

    def __len__(self) -> int:
        raise AssertionError("the files of every node were counted")


@pytest.mark.parametrize("reference", [False, True], ids=["fast", "pyshacl"])
def test_files_are_looked_up_only_for_the_focus_nodes_of_results(reference: bool) -> None:
    data = with_ontology(FIXTURES / "shapes" / "statement-without-speaker.ttl")
    files = FilesAskedFor()
    result = validate(data, shapes(), file_of=files, reference=reference)
    assert result.violations and {v.source_file for v in result.violations} == {"data/file.ttl"}
    assert len(files.asked) == len({v.focus for v in result.violations})


def test_a_validation_without_results_keeps_none_of_the_data():
    """A build keeps its validation while it reasons and writes: a result that conforms without
    a single result holds neither the data graph nor the validator's index, and still reports."""
    project = load_project(REPO)
    data = project.graph("ontology", "data")
    result = validate(data, project.graph("shapes"))
    assert result.conforms and not result.violations
    held = weakref.ref(data)
    del data
    gc.collect()  # the graph is a reference cycle
    assert held() is None
    assert result.text == "Validation Report\nConforms: True\n"
    assert (None, SH.conforms, Literal(True)) in result.report
