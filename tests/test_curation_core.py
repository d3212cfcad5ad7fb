"""The curation core: names resolved from what a curator types, statements written as the curated
files are written by hand, and saves that keep all or nothing — in a copy of the project with
the real source texts, so nothing here touches data/."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.curation.corrections import correct, retract
from kg.curation.curators import NoCurator
from kg.curation.edits import Conflict, digests
from kg.curation.names import Names, UnknownName
from kg.curation.records import StatementDraft, date_literal, date_problem, drafts_of
from kg.curation.render import WRITTEN_PREFIXES, blocks, evidence_block, statement_block
from kg.curation.saving import SaveRefused, Workspace, anchor_at, save
from kg.pipeline.load import load_project
from kg.pipeline.validate import validate_project
from kg.rdf.namespaces import ID, PT
from kg.sources.anchoring import occurrences
from kg.sources.quotes import read_source
from tests.sources import DATA, data_graph, seeds_folder
from tests.test_build_watch import copy_project

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
CURATOR = "Example Curator <0000-0002-1825-0097>"
ACTOR = f"{ID}actor/"
QUOTE_002 = (
    "Russian President Vladimir Putin maintains maximalist demands since the start of the invasion"
)


@pytest.fixture(scope="module")
def names() -> Names:
    return Names(load_project(DATA.parent).graph("ontology", "data"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((root / "data").rglob("*"))}


def draft(names: Names, **given: object) -> StatementDraft:
    fields: dict[str, object] = {
        "source": names.resolve("source", "002"),
        "quote": QUOTE_002,
        "speaker": names.resolve("speaker", "Vladimir Putin"),
        "parties": (names.resolve("party", "Russia"),),
        "stance": names.resolve("stance", "Demands"),
        "position": names.resolve("position", "Ukraine renounces NATO membership"),
        "precision": names.resolve("precision", "Day"),
        "date": date_literal("2025-05-15"),
        "basis": names.resolve("basis", "StatedDate"),
    }
    fields.update(given)
    return StatementDraft(**fields)  # type: ignore[arg-type]


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "local"),
    [
        ("speaker", "Vladimir Putin", "actor/vladimir-putin"),
        ("speaker", "vladimir PUTIN", "actor/vladimir-putin"),
        ("speaker", "actor:vladimir-putin", "actor/vladimir-putin"),
        ("speaker", f"<{ACTOR}vladimir-putin>", "actor/vladimir-putin"),
        ("party", "Moscow", "actor/russia"),
        ("party", "Q159", "actor/russia"),
        ("party", "wd:Q212", "actor/ukraine"),
        ("stance", "demands", "ontology#Demands"),
        ("precision", "Unknown", "ontology#UnknownDate"),
        ("precision", "pt:MonthPrecision", "ontology#MonthPrecision"),
        ("basis", "AsOfReport", "ontology#AsOfReport"),
        ("framing", "PreconditionForTalks", "ontology#PreconditionForTalks"),
        ("source", "000", "source/doc-000"),
        ("source", "003_00eff6b607dc38ae.txt", "source/doc-003"),
        ("according_to", "Time", "actor/time"),
    ],
)
def test_a_name_resolves_from_what_a_curator_types(
    names: Names, kind: str, text: str, local: str
) -> None:
    assert str(names.resolve(kind, text)).endswith(local)


def test_an_unknown_name_says_the_closest_ones(names: Names) -> None:
    with pytest.raises(UnknownName) as raised:
        names.resolve("speaker", "Vladimir Putn")
    message = str(raised.value)
    assert message.startswith("unknown speaker 'Vladimir Putn'; closest: ")
    assert "Vladimir Putin (actor:vladimir-putin)" in message
    assert "\n" not in message


def test_a_name_of_another_kind_is_unknown_here(names: Names) -> None:
    with pytest.raises(UnknownName, match="unknown position 'actor:russia'"):
        names.resolve("position", "actor:russia")


def test_search_puts_prefix_matches_before_substring_matches(names: Names) -> None:
    found = names.search("speaker", "vlad", 5)
    assert found and all(m.matched.casefold().startswith("vlad") for m in found[:2])
    inner = names.search("position", "nato", 20)
    assert inner and all("nato" in m.matched.casefold() for m in inner)
    assert len({m.iri for m in inner}) == len(inner)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_unambiguous_label_resolves_back(names: Names, data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["actor", "position", "event", "stance", "framing"]))
    named = sorted(names.names[kind], key=lambda n: (n.text, str(n.iri)))
    name = data.draw(st.sampled_from(named))
    owners = {n.iri for n in named if n.folded == name.folded}
    if len(owners) == 1:
        assert names.resolve(kind, name.text.upper()) == name.iri
    else:
        with pytest.raises(UnknownName, match="ambiguous"):
            names.resolve(kind, name.text)


# --- records and their Turtle --------------------------------------------------------------------


def _rendered(graph: Graph, statement: URIRef) -> str:
    drafts = drafts_of(graph, statement)
    parts = [statement_block(drafts)]
    for d in drafts:
        file_name = str(graph.value(d.source, URIRef("http://purl.org/dc/terms/identifier")))
        text = read_source(seeds_folder() / file_name)
        assert text is not None
        parts.append(evidence_block(d, anchor_at(text, d.quote, d.start), file_name))
    return "\n".join(parts)


def _unordered(text: str) -> str:
    """The text with each comma-separated object list sorted: the order the graph forgets."""

    def sort(match: re.Match[str]) -> str:
        return match.group(1) + " , ".join(sorted(match.group(2).split(" , "))) + match.group(3)

    return re.sub(r"(?m)^(    \S+ )(\S+(?: , \S+)+)( [;.])$", sort, text)


def test_every_curated_statement_renders_as_its_block_in_data() -> None:
    graph = data_graph()
    texts = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("source-*.ttl")))
    statements = sorted(graph.subjects(RDF.type, PT.PositionStatement))
    same, reordered = 0, 0
    for statement in statements:
        rendered = _rendered(graph, statement)
        if rendered in texts:
            same += 1
        else:
            # The graph does not keep the order of a list of objects; the hand-written order is
            # not alphabetical in these blocks. Apart from that order, the block is the same.
            assert _unordered(rendered) in _unordered(texts), statement
            reordered += 1
    assert same + reordered == len(statements) == 115
    assert same >= 90, (same, reordered)


def test_a_rendered_block_parses_to_the_statement_and_its_evidence() -> None:
    graph = data_graph()
    statement = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    turtle = _rendered(graph, statement)
    prefixes = "".join(
        f"@prefix {p}: <{ns}> .\n" for p, ns in graph.namespace_manager.namespaces() if p
    )
    parsed = Graph().parse(data=prefixes + turtle, format="turtle")
    expected = Graph()
    for annotation in graph.objects(statement, PT.evidence):
        for triple in graph.triples((annotation, None, None)):
            expected.add(triple)
        target = graph.value(annotation, URIRef("http://www.w3.org/ns/oa#hasTarget"))
        expected += graph.cbd(target)
    expected += graph.triples((statement, None, None))
    assert isomorphic(parsed, expected)


@pytest.mark.parametrize(
    ("value", "precision", "basis", "wrong"),
    [
        ("2025-05-15", "DayPrecision", "StatedDate", None),
        ("2025-05", "DayPrecision", "StatedDate", "is not a day"),
        ("2025-05-15", "UnknownDate", "StatedDate", "needs precision Day, Month or Year"),
        (None, "MonthPrecision", None, "needs a date"),
        ("2025", "YearPrecision", None, "needs a date basis"),
    ],
)
def test_a_date_must_fit_its_precision(
    value: str | None, precision: str, basis: str | None, wrong: str | None
) -> None:
    found = date_problem(
        date_literal(value) if value else None, PT[precision], PT[basis] if basis else None
    )
    assert found is None if wrong is None else wrong in str(found)


# --- saving ------------------------------------------------------------------------------------


def test_a_saved_statement_is_written_recorded_and_valid(project: Path, names: Names) -> None:
    saved = save(project, [draft(names)], corpus=seeds_folder(), curator=CURATOR, now=NOW)
    [statement] = saved.statements
    assert statement == URIRef(f"{ID}statement/putin-2025-05-15-ukraine-renounces-nato-membership")
    assert saved.files == [Path("data/curators.ttl"), Path("data/source-002.ttl")]
    result = validate_project(load_project(project))
    assert result.conforms, result.format()
    graph = load_project(project).graph("data")
    curator = graph.value(statement, PT.recordedBy)
    assert (curator, RDF.type, PT.Curator) in graph
    assert graph.value(statement, PROV.generatedAtTime) == Literal(
        "2026-12-03T12:00:00+00:00", datatype=XSD.dateTime
    )
    text = (project / "data" / "source-002.ttl").read_text(encoding="utf-8")
    assert (
        "statement:putin-2025-05-15-ukraine-renounces-nato-membership a pt:PositionStatement ;\n"
        in text
    )
    assert (
        '    rdfs:label "Evidence in 002_5da6d8e6a93fb2e2.txt for: Vladimir Putin demands: ' in text
    )


def test_without_a_curator_nothing_is_written(project: Path, names: Names) -> None:
    before = snapshot(project)
    with pytest.raises(NoCurator, match="never write an anonymous record"):
        save(project, [draft(names)], corpus=seeds_folder(), curator="", now=NOW)
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quote": "Putin never said this"}, "quote", "the quote is not in the text"),
        ({"quote": "Vladimir Putin"}, "quote", "the quote occurs"),
        ({"quote": QUOTE_002, "start": 3}, "start", "no occurrence of the quote starts at 3"),
        ({"date": date_literal("2025-05-16")}, "date", "after the source's publication date"),
        ({"date": date_literal("2025-05")}, "date", "is not a day"),
    ],
)
def test_a_bad_draft_writes_nothing_and_says_which_field(
    project: Path, names: Names, change: dict[str, object], field: str, message: str
) -> None:
    before = snapshot(project)
    good = draft(names, position=names.resolve("position", "Neutral status for Ukraine"))
    with pytest.raises(SaveRefused) as raised:
        save(
            project, [good, draft(names, **change)], corpus=seeds_folder(), curator=CURATOR, now=NOW
        )
    [problem] = raised.value.problems
    assert (problem.draft, problem.field) == (1, field)
    assert message in problem.message
    assert snapshot(project) == before


def test_a_save_the_shapes_refuse_is_put_back_byte_for_byte(project: Path, names: Names) -> None:
    before = snapshot(project)
    as_of = draft(names, basis=PT.AsOfReport, date=date_literal("2025-05-14"))
    with pytest.raises(SaveRefused) as raised:
        save(project, [as_of], corpus=seeds_folder(), curator=CURATOR, now=NOW)
    assert [p.draft for p in raised.value.problems] == [0]
    assert snapshot(project) == before


def test_a_file_changed_since_it_was_read_is_a_conflict(project: Path, names: Names) -> None:
    read = digests(project, ["data/source-002.ttl"])
    path = project / "data" / "source-002.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited elsewhere\n", encoding="utf-8")
    before = snapshot(project)
    with pytest.raises(Conflict, match=r"data/source-002\.ttl changed"):
        save(
            project, [draft(names)], corpus=seeds_folder(), curator=CURATOR, now=NOW, expected=read
        )
    assert snapshot(project) == before


def test_a_statement_from_another_source_gains_only_evidence(project: Path, names: Names) -> None:
    existing = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    old = (project / "data" / "source-000.ttl").read_bytes()
    again = draft(names, date=date_literal("2024-06-14"), framings=(PT.PreconditionForTalks,))
    saved = save(project, [again], corpus=seeds_folder(), curator=CURATOR, now=NOW)
    assert saved.statements == [existing]
    assert (project / "data" / "source-000.ttl").read_bytes() == old
    text = (project / "data" / "source-002.ttl").read_text(encoding="utf-8")
    assert text.endswith(
        "statement:putin-2024-06-14-renounce-nato pt:evidence "
        "evidence:putin-2024-06-14-renounce-nato--002 .\n"
    )
    assert validate_project(load_project(project)).conforms


def test_a_workspace_saves_again_validating_what_changed(project: Path, names: Names) -> None:
    space = Workspace(project)
    first = save(
        project, [draft(names)], corpus=seeds_folder(), curator=CURATOR, now=NOW, workspace=space
    )
    second = save(
        project,
        [draft(names, position=names.resolve("position", "Neutral status for Ukraine"))],
        corpus=seeds_folder(),
        curator=CURATOR,
        now=NOW,
        workspace=space,
    )
    assert first.statements != second.statements
    assert space.validation is not None and space.validation.last is not None
    assert space.validation.last.full is None
    assert validate_project(load_project(project)).conforms


def test_a_correction_keeps_the_old_statement_marked(project: Path, names: Names) -> None:
    old = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    graph = load_project(project).graph("ontology", "data")
    [before] = drafts_of(graph, old)
    fixed = StatementDraft(**{**before.__dict__, "id": None, "label": None, "evidence": None})
    fixed = StatementDraft(**{**fixed.__dict__, "stance": PT.Reaffirms})
    saved = correct(
        project, old, fixed, "The text says reaffirms.", CURATOR, NOW, corpus=seeds_folder()
    )
    [new] = saved.statements
    result = validate_project(load_project(project))
    assert result.conforms, result.format()
    graph = load_project(project).graph("data")
    assert graph.value(old, PT.correctedBy) == new
    assert graph.value(new, PROV.wasRevisionOf) == old
    assert str(graph.value(old, PT.correctionReason)) == "The text says reaffirms."
    text = (project / "data" / "source-000.ttl").read_text(encoding="utf-8")
    assert (
        '    pt:correctionReason "The text says reaffirms."@en ;\n'
        "    pt:evidence evidence:putin-2024-06-14-renounce-nato--000 .\n"
    ) in text


def test_a_retraction_marks_the_statement(project: Path) -> None:
    iri = URIRef(f"{ID}statement/putin-2024-06-14-renounce-nato")
    retract(project, iri, "Recorded by mistake.", CURATOR, NOW, corpus=seeds_folder())
    graph = load_project(project).graph("data")
    assert graph.value(iri, PT.retracted) == Literal(True)
    assert validate_project(load_project(project)).conforms
    with pytest.raises(SaveRefused, match="corrected or retracted already"):
        retract(project, iri, "Again.", CURATOR, NOW, corpus=seeds_folder())


def test_occurrences_are_chosen_by_their_start() -> None:
    text = read_source(seeds_folder() / "002_5da6d8e6a93fb2e2.txt")
    assert text is not None
    starts = [s for s, _ in occurrences(text, "Vladimir Putin")]
    assert len(starts) > 1
    assert anchor_at(text, "Vladimir Putin", starts[1]).start == starts[1]


def test_blocks_of_one_statement_share_its_label(names: Names) -> None:
    one = draft(
        names, id=URIRef(f"{ID}statement/x"), label="X", evidence=URIRef(f"{ID}evidence/x--002")
    )
    text = read_source(seeds_folder() / "002_5da6d8e6a93fb2e2.txt")
    assert text is not None
    written = blocks([one], [anchor_at(text, one.quote, None)], "002_5da6d8e6a93fb2e2.txt")
    assert written.count('"X"@en') == 1 and "for: X" in written


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_rendered_statement_block_parses_to_the_drafts_triples(
    names: Names, data: st.DataObject
) -> None:
    def some(kind: str, most: int) -> tuple[URIRef, ...]:
        members = sorted(names.kind_members(kind))
        return tuple(data.draw(st.lists(st.sampled_from(members), max_size=most, unique=True)))

    dated = data.draw(st.booleans())
    note = data.draw(st.none() | st.text(min_size=1, max_size=30).filter(str.strip))
    one = StatementDraft(
        source=names.resolve("source", "002"),
        quote="q",
        speaker=data.draw(st.sampled_from(sorted(names.kind_members("speaker")))),
        parties=some("party", 3) or (names.resolve("party", "Russia"),),
        stance=data.draw(st.sampled_from(sorted(names.kind_members("stance")))),
        position=data.draw(st.sampled_from(sorted(names.kind_members("position")))),
        precision=PT.DayPrecision if dated else PT.UnknownDate,
        date=date_literal("2025-05-15") if dated else None,
        basis=PT.StatedDate if dated else None,
        events=some("event", 2),
        framings=some("framing", 2),
        quantities=some("quantity", 2),
        note=note,
        id=URIRef(f"{ID}statement/x"),
        label=data.draw(st.text(min_size=1, max_size=30)),
        evidence=URIRef(f"{ID}evidence/x--002"),
    )
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in WRITTEN_PREFIXES.items())
    parsed = Graph().parse(data=prefixes + statement_block([one]), format="turtle")
    s = one.id
    expected = {
        (s, RDF.type, PT.PositionStatement),
        (s, RDFS.label, Literal(one.label, lang="en")),
        (s, PT.speaker, one.speaker),
        (s, PT.stance, one.stance),
        (s, PT.about, one.position),
        (s, PT.datePrecision, one.precision),
        (s, PT.evidence, one.evidence),
        *((s, PT.onBehalfOf, p) for p in one.parties),
        *((s, PT.atEvent, e) for e in one.events),
        *((s, PT.framing, f) for f in one.framings),
        *((s, PT.quantity, q) for q in one.quantities),
    }
    if dated:
        expected |= {(s, PT.date, one.date), (s, PT.dateBasis, PT.StatedDate)}
    if note:
        expected.add((s, RDFS.comment, Literal(note, lang="en")))
    assert set(parsed) == expected
