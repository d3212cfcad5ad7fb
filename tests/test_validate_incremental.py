"""Incremental validation (``kg.pipeline.validate_incremental``) gives what a full validation gives.

After each change, ``IncrementalValidation.update`` must return the violations, in order, and the
verdict of ``validate`` on the changed graph, while validating again only the focus nodes the
change can reach. Checked with Hypothesis on random saves of edits to the curated data (dropped
triples, wrong datatypes, second speakers, retyped and untyped nodes, changed quotes, repointed
links, values added again, and repairs that undo the save before), on a synthetic graph that
starts with violations, on our shapes without their messages and on shapes beyond ours (generic
messages that write data nodes out); every shapes fixture applied to the curated data as an edit
(its planted fault found, then repaired); changes to the class hierarchy, the shapes and the
prefixes (validated in full); save and load. A dependency analysis made too narrow on purpose (no
reads along inverse paths) fails the same property.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from kg.pipeline.shacl import ShapesValidator
from kg.pipeline.shacl.reads import Position, Reads
from kg.pipeline.validate import ValidationResult, validate
from kg.pipeline.validate_incremental import IncrementalValidation, Revalidation, StateError
from kg.rdf.namespaces import PT

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "shapes"
SHAPE_FIXTURES = sorted(FIXTURES.glob("*.ttl")) + sorted((FIXTURES / "valid").glob("*.ttl"))
OA = "http://www.w3.org/ns/oa#"

sys.path.insert(0, str(REPO / "bench"))
from synthetic import generate  # noqa: E402  (bench/ holds the generator of synthetic graphs)
from validation_graphs import (  # noqa: E402
    EXTRA_DATA,
    EXTRA_SHAPES,
    curated,
    ontology,
    without_messages,
)

Triple = tuple
Edit = tuple[tuple[Triple, ...], tuple[Triple, ...]]
"""The triples an edit removes, then the ones it adds."""
REPAIR = "repair"
"""A save that undoes the save before it."""


# --- the graphs, their shapes, their saved validations -------------------------------------------


@cache
def our_shapes() -> Graph:
    """The shapes, parsed for these tests alone: pySHACL, which other tests run on the shared
    copy, adds a triple to the shapes graph it is given."""
    return Graph().parse(REPO / "shapes" / "ptkg-shapes.ttl", format="turtle")


@cache
def validator() -> ShapesValidator:
    return ShapesValidator(our_shapes())


@cache
def synthetic() -> Graph:
    dataset = Dataset()
    dataset.parse(data=generate(2_000, blank_nodes=True, contradictions=0.1), format="nquads")
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    graph += ontology()
    return graph


@cache
def valid_fixture() -> Graph:
    graph = Graph().parse(FIXTURES / "valid" / "putin-june-2024-conditions.ttl", format="turtle")
    graph += ontology()
    return graph


@cache
def beyond() -> tuple[Graph, ShapesValidator]:
    data = Graph().parse(data=EXTRA_DATA, format="turtle")
    return data, ShapesValidator(Graph().parse(data=EXTRA_SHAPES, format="turtle"))


@cache
def messageless() -> ShapesValidator:
    return ShapesValidator(without_messages(our_shapes()))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory):
    """The saved full validation of a graph against a validator, made once per module."""
    folder = tmp_path_factory.mktemp("incremental")
    made: dict[tuple[int, int], Path] = {}

    def path(data: Graph, shapes: ShapesValidator) -> Path:
        key = (id(data), id(shapes))
        if key not in made:
            state = IncrementalValidation(shapes)
            state.validate(data)
            made[key] = folder / f"state-{len(made)}.json"
            state.save(made[key])
        return made[key]

    return path


# --- applying saves, and the property ------------------------------------------------------------


class Editor:
    """Applies saves of edits to a graph in place, keeping each save's net change, and undoes
    them all at the end (the cached graphs are shared by every example)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.saves: list[tuple[set[Triple], set[Triple]]] = []

    def save(self, edits: list[Edit] | str) -> tuple[set[Triple], set[Triple]]:
        if edits == REPAIR:
            gained, lost = self.saves[-1] if self.saves else (set(), set())
            edits = [(tuple(gained), tuple(lost))]
        added: set[Triple] = set()
        removed: set[Triple] = set()
        for out, into in edits:
            for t in out:
                if t in self.graph:
                    self.graph.remove(t)
                    (added.discard if t in added else removed.add)(t)
            for t in into:
                if t not in self.graph:
                    self.graph.add(t)
                    (removed.discard if t in removed else added.add)(t)
        self.saves.append((added, removed))
        return added, removed

    def undo(self) -> None:
        for added, removed in reversed(self.saves):
            for t in added:
                self.graph.remove(t)
            for t in removed:
                self.graph.add(t)


def check_saves(
    data: Graph, shapes: ShapesValidator, path: Path, saves: list
) -> Iterator[tuple[Revalidation, ValidationResult]]:
    """Continue the validation saved at ``path`` through each save; after each, the update must be
    the full validation. Yields what each update did, and its result."""
    state = IncrementalValidation.load(path, shapes)
    editor = Editor(data)
    try:
        for edits in saves:
            added, removed = editor.save(edits)
            result = state.update(data, added, removed)
            full = validate(data, shapes)
            assert state.last is not None
            assert state.last.full is None or "subClassOf" in state.last.full, state.last
            assert result.engine == full.engine == "fast"
            assert result.violations == full.violations
            assert result.conforms == full.conforms
            yield state.last, result
    finally:
        editor.undo()


def agrees(data: Graph, shapes: ShapesValidator, path: Path, saves: list) -> bool:
    try:
        for _ in check_saves(data, shapes, path, saves):
            pass
    except AssertionError:
        return False
    return True


# --- random edits ---------------------------------------------------------------------------------


def by_n3(nodes) -> list:
    return sorted(nodes, key=lambda n: n.n3())


@cache
def pool(graph: Graph) -> dict[str, list]:
    """What the edits of a graph are drawn from, in a fixed order."""
    triples = by_n3_triples(graph)
    typed = [t for t in triples if t[1] == RDF.type]
    return {
        "triples": triples,
        "literals": [t for t in triples if isinstance(t[2], Literal)],
        "typed": typed,
        "classes": by_n3({t[2] for t in typed}),
        "nodes": by_n3({t[0] for t in triples}),
        "speakers": by_n3({t[0] for t in triples if t[1] == PT.speaker}) or [RDF.nil],
        "exact": [t for t in triples if t[1] == URIRef(OA + "exact")] or triples[:1],
        "evidence": [t for t in triples if t[1] == PT.evidence] or triples[:1],
        "links": [t for t in triples if not isinstance(t[2], Literal)],
    }


def by_n3_triples(graph: Graph) -> list[Triple]:
    return sorted(graph, key=lambda t: tuple(term.n3() for term in t))


DATATYPES = [None, XSD.string, XSD.date, XSD.gYear, XSD.gYearMonth, XSD.integer, RDF.langString]
QUOTES = [
    Literal(""),
    Literal("   "),
    Literal("x" * 401),
    Literal("two\nlines"),
    Literal("a quote", lang="en"),
    Literal("2024-06-14", datatype=XSD.date),
    Literal("a new quote"),
]
KINDS = ["drop", "datatype", "speaker", "retype", "untype", "quote", "repoint", "again", "evidence"]


@st.composite
def edit(draw, graph: Graph, kinds: tuple[str, ...] = tuple(KINDS)) -> Edit:
    """One edit: removed triples, added triples."""
    found = pool(graph)
    kind = draw(st.sampled_from(kinds))
    if kind == "drop":
        return (draw(st.sampled_from(found["triples"])),), ()
    if kind == "datatype":
        s, p, o = draw(st.sampled_from(found["literals"]))
        new = draw(st.sampled_from(DATATYPES))
        changed = (
            Literal(str(o), lang="en") if new == RDF.langString else Literal(str(o), datatype=new)
        )
        return ((s, p, o),), ((s, p, changed),)
    if kind == "speaker":
        s = draw(st.sampled_from(found["speakers"]))
        return (), ((s, PT.speaker, draw(st.sampled_from(found["nodes"]))),)
    if kind in ("retype", "untype"):
        s, p, o = draw(st.sampled_from(found["typed"]))
        if kind == "untype":
            return ((s, p, o),), ()
        return ((s, p, o),), ((s, p, draw(st.sampled_from(found["classes"]))),)
    if kind == "quote":
        s, p, o = draw(st.sampled_from(found["exact"]))
        return ((s, p, o),), ((s, p, draw(st.sampled_from(QUOTES))),)
    if kind in ("repoint", "evidence"):
        s, p, o = draw(st.sampled_from(found["links" if kind == "repoint" else "evidence"]))
        return ((s, p, o),), ((s, p, draw(st.sampled_from(found["nodes"]))),)
    s, p, o = draw(st.sampled_from(found["triples"]))
    if isinstance(o, Literal):
        return (), ((s, p, Literal(f"{o} (again)", lang=o.language, datatype=o.datatype)),)
    return (), ((s, p, draw(st.sampled_from(found["nodes"]))),)


def saves(graph: Graph, kinds: tuple[str, ...] = tuple(KINDS), most: int = 3):
    """A few saves, each a few edits, or a repair of the save before."""
    one = st.lists(edit(graph, kinds), min_size=1, max_size=3)
    return st.lists(st.one_of(one, st.just(REPAIR)), min_size=1, max_size=most)


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.mark.slow
@examples(20)
@given(st.data())
def test_random_edits_of_the_curated_data(saved, data) -> None:
    edits = data.draw(saves(curated()))
    list(check_saves(curated(), validator(), saved(curated(), validator()), edits))


@examples(40)
@given(st.data())
def test_random_edits_of_a_fixture_graph(saved, data) -> None:
    graph = valid_fixture()
    list(check_saves(graph, validator(), saved(graph, validator()), data.draw(saves(graph))))


@examples(15)
@given(st.data())
def test_random_edits_of_a_synthetic_graph_with_violations(saved, data) -> None:
    graph = synthetic()
    list(check_saves(graph, validator(), saved(graph, validator()), data.draw(saves(graph))))


@examples(40)
@given(st.data())
def test_random_edits_under_generic_messages(saved, data) -> None:
    """Shapes without sh:message: pySHACL's messages write focus and value nodes out."""
    graph = valid_fixture()
    shapes = messageless()
    list(check_saves(graph, shapes, saved(graph, shapes), data.draw(saves(graph))))


@examples(60)
@given(st.data())
def test_random_edits_under_shapes_beyond_ours(saved, data) -> None:
    graph, shapes = beyond()
    list(check_saves(graph, shapes, saved(graph, shapes), data.draw(saves(graph))))


# --- the shapes fixtures as edits -----------------------------------------------------------------


def fixture_edit(fixture: Path) -> Edit:
    """The fixture's descriptions replace those of the same subjects in the curated data (and of
    the blank nodes below them): the planted fault lands among the curated facts."""
    data = curated()
    planted = Graph().parse(fixture, format="turtle")
    subjects = {s for s in planted.subjects(unique=True) if not isinstance(s, BNode)}
    todo, below = list(subjects), set()
    while todo:
        for o in data.objects(todo.pop(), None):
            if isinstance(o, BNode) and o not in below:
                below.add(o)
                todo.append(o)
    old = {t for s in subjects | below for t in data.triples((s, None, None))}
    return tuple(old - set(planted)), tuple(set(planted) - set(data))


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=[f.name for f in SHAPE_FIXTURES])
def test_a_shapes_fixture_applied_to_the_curated_data_then_repaired(saved, fixture: Path) -> None:
    expected = fixture.read_text(encoding="utf-8").splitlines()[0].partition("expect:")[2].strip()
    path = saved(curated(), validator())
    (planted, result), (_, after) = check_saves(
        curated(), validator(), path, [[fixture_edit(fixture)], REPAIR]
    )
    if fixture.parent.name != "valid":
        assert expected in {v.shape for v in result.violations}
    assert after.conforms and not after.violations
    if planted.full is None:
        assert planted.focus_nodes < validator_focus_nodes() / 4


@cache
def validator_focus_nodes() -> int:
    state = IncrementalValidation(validator())
    state.validate(curated())
    assert state.last is not None
    return state.last.focus_nodes


# --- what is validated again, and what in full ---------------------------------------------------


def test_a_changed_quote_revalidates_its_annotation_only(saved) -> None:
    graph = curated()
    exact = pool(graph)["exact"][0]
    [(done, result)] = check_saves(
        graph, validator(), saved(graph, validator()), [[((exact,), ((*exact[:2], Literal("")),))]]
    )
    assert done == Revalidation(focus_nodes=1, full=None)
    assert [v.shape for v in result.violations] == ["pts:AnnotationShape-exact"] * 2


def test_a_change_to_the_class_hierarchy_is_validated_in_full(saved) -> None:
    graph = valid_fixture()
    edits = [[(((PT.PositionStatement, RDFS.subClassOf, PT.Statement),), ())]]
    [(done, result)] = check_saves(graph, validator(), saved(graph, validator()), edits)
    assert done.full is not None and "rdfs:subClassOf" in done.full
    assert result.violations


def test_other_shapes_or_prefixes_are_validated_in_full(saved) -> None:
    graph = valid_fixture()
    path = saved(graph, validator())
    other = IncrementalValidation.load(path, messageless())
    reason = other.stale
    assert reason == "the shapes are not the ones the saved validation used"
    result = other.update(graph, (), ())
    assert other.last is not None and other.last.full == reason
    assert result.violations == validate(graph, messageless()).violations
    renamed = Graph()
    renamed += graph
    for prefix, namespace in graph.namespaces():
        renamed.bind(prefix, namespace)
    renamed.bind(
        "statement", URIRef("https://w3id.org/peace-talks-kg/id/statement/"), override=True
    )
    renamed.bind("said", URIRef("https://w3id.org/peace-talks-kg/id/statement/"), replace=True)
    state = IncrementalValidation.load(path, validator())
    state.update(renamed, (), ())
    assert state.last is not None and state.last.full == "the data's prefixes changed"


def test_the_same_shapes_parsed_again_continue_the_saved_validation(saved) -> None:
    graph = valid_fixture()
    again = ShapesValidator(Graph().parse(REPO / "shapes" / "ptkg-shapes.ttl", format="turtle"))
    state = IncrementalValidation.load(saved(graph, validator()), again)
    assert state.stale is None
    state.update(graph, (), ())
    assert state.last == Revalidation(focus_nodes=0, full=None)


def test_a_change_the_data_does_not_hold_is_refused(saved) -> None:
    graph = valid_fixture()
    state = IncrementalValidation.load(saved(graph, validator()), validator())
    missing = (PT.nothing, RDF.type, PT.Statement)
    with pytest.raises(ValueError, match="does not hold the added triple"):
        state.update(graph, [missing], [])
    present = next(iter(graph))
    with pytest.raises(ValueError, match="still holds the removed triple"):
        state.update(graph, [], [present])


# --- save and load --------------------------------------------------------------------------------


def test_save_and_load_keep_every_finding_and_term_exactly(tmp_path: Path) -> None:
    graph, shapes = beyond()
    graph = copy_of(graph)
    unnormalised = Literal("007", datatype=XSD.integer, normalize=False)
    graph.add((URIRef("http://example.org/one"), URIRef("http://example.org/size"), unnormalised))
    state = IncrementalValidation(shapes)
    state.validate(graph)
    state.save(tmp_path / "state.json")
    loaded = IncrementalValidation.load(tmp_path / "state.json", shapes)
    assert loaded.found == state.found
    found = [f for fs in (state.found or {}).values() for each in fs.values() for f in each]
    assert any(isinstance(f.focus, BNode) for f in found)
    assert any(f.value is not None and str(f.value) == "007" for f in found)
    assert any(isinstance(f.value, Literal) and f.value.language for f in found)
    reparsed = ShapesValidator(Graph().parse(data=EXTRA_SHAPES, format="turtle"))
    continued = IncrementalValidation.load(tmp_path / "state.json", reparsed)
    assert continued.stale is None
    assert continued.update(graph, (), ()).violations == validate(graph, reparsed).violations
    assert any(v.path and v.path.startswith("_:") for v in validate(graph, reparsed).violations)


def copy_of(graph: Graph) -> Graph:
    copied = Graph()
    copied += graph
    for prefix, namespace in graph.namespaces():
        copied.bind(prefix, namespace)
    return copied


def test_a_saved_validation_of_another_version_or_damaged_is_refused(tmp_path: Path) -> None:
    graph = valid_fixture()
    state = IncrementalValidation(validator())
    state.validate(graph)
    path = tmp_path / "state.json"
    state.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    cases = {
        "version 2": {**document, "version": 2},
        "not a saved validation": {"format": "something else"},
        "damaged": {**document, "found": [[0]]},
    }
    for message, written in cases.items():
        path.write_text(json.dumps(written), encoding="utf-8")
        with pytest.raises(StateError, match=message) as refused:
            IncrementalValidation.load(path, validator())
        assert "\n" not in str(refused.value) and str(path) in str(refused.value)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(StateError, match="not a saved validation"):
        IncrementalValidation.load(path, validator())


def test_a_save_that_fails_leaves_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    graph = valid_fixture()
    state = IncrementalValidation(validator())
    state.validate(graph)
    path = tmp_path / "state.json"
    state.save(path)
    before = path.read_bytes()
    state.update(graph, [], [])

    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("kg.pipeline.shacl.state.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        state.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_nothing_to_save_before_a_validation(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no validation to save"):
        IncrementalValidation(validator()).save(tmp_path / "state.json")


# --- a dependency analysis too narrow fails the property ------------------------------------------


def test_reads_without_inverse_paths_fail_the_property(saved, monkeypatch) -> None:
    """Drop the reads along inverse paths (pts:AnnotationShape-bodyLinksBack's ^pt:evidence): an
    edit to a pt:evidence link then leaves a stale result, and the property finds it."""
    graph = valid_fixture()
    path = saved(graph, validator())
    step = Reads.step

    def forward_only(self: Reads, at: Position, predicate, forward=True, **only) -> Position:
        if forward:
            return step(self, at, predicate, forward, **only)
        return Position(at, predicate, forward)  # walked, but read nowhere

    monkeypatch.setattr(Reads, "step", forward_only)
    failing = find(
        saves(graph, kinds=("evidence", "drop")),
        lambda edits: not agrees(graph, validator(), path, edits),
        settings=settings(max_examples=200, deadline=None, database=None),
    )
    monkeypatch.undo()
    assert agrees(graph, validator(), path, failing)
