"""Anchoring a quote in its source text (``kg.sources.anchoring``), anchoring a project's curated
data in place (``kg.sources.anchor_data``) and checking an anchoring (``kg.sources.quotes``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from kg.cli import cli
from kg.sources.anchor_data import AnchoringFailed, anchor_project
from kg.sources.anchoring import (
    AmbiguousQuote,
    QuoteNotFound,
    anchor,
    normalise,
    occurrences,
    selects,
)
from kg.sources.quotes import check_quotes, quotes
from tests.sources import DATA, seeds_folder

# --- anchor(): one quote in one text ---------------------------------------------------------


def test_a_quote_across_a_line_break_anchors_on_the_raw_text() -> None:
    text = "Istanbul. Both of them\ndid not result in a ceasefire but brought exchanges."
    found = anchor(text, "Both of them did not result in a ceasefire")
    assert text[found.start : found.end] == "Both of them\ndid not result in a ceasefire"
    assert found.prefix == "Istanbul. "
    assert found.suffix == " but brought exchanges."


def test_a_quote_at_either_end_of_the_text_has_an_empty_prefix_or_suffix() -> None:
    text = "Talks resumed in Istanbul on Monday after a long pause in the negotiations"
    first = anchor(text, "Talks resumed")
    assert (first.prefix, first.start, first.end) == ("", 0, 13)
    assert first.suffix == text[13 : 13 + 32]
    last = anchor(text, "the negotiations")
    assert (last.suffix, last.end) == ("", len(text))
    assert last.prefix == text[last.start - 32 : last.start]


def test_positions_count_code_points_not_bytes() -> None:
    text = "🕊️ Україна й Росія: Zelenskyy’s “peace formula” — again"
    found = anchor(text, "Zelenskyy’s “peace formula”")
    assert text[found.start : found.end] == "Zelenskyy’s “peace formula”"
    assert found.start == text.index("Zelenskyy")
    assert found.start != text.encode("utf-8").index(b"Zelenskyy")


def test_a_quote_not_in_the_text_is_not_found() -> None:
    with pytest.raises(QuoteNotFound, match="not in the text"):
        anchor("Talks in Istanbul.", "Talks in Geneva")
    with pytest.raises(QuoteNotFound, match="empty"):
        anchor("Talks in Istanbul.", " \n ")


def test_a_repeated_quote_is_ambiguous_until_an_occurrence_is_chosen() -> None:
    text = "Headline here\n\nBody one.\n\nHeadline here\n\nBody two."
    with pytest.raises(AmbiguousQuote) as raised:
        anchor(text, "Headline here")
    message = str(raised.value)
    assert "2 times" in message and "\n" not in message
    assert "1) at 0:" in message and "2) at 26:" in message and "Body one." in message
    assert raised.value.occurrences == [(0, 13), (26, 39)]
    second = anchor(text, "Headline here", occurrence=2)
    assert (second.start, second.end) == (26, 39)
    assert selects(text, "Headline here", second.prefix, second.suffix) == [(26, 39)]
    with pytest.raises(QuoteNotFound, match="no occurrence 3"):
        anchor(text, "Headline here", occurrence=3)


def test_the_context_grows_until_the_quote_selector_selects_one_place() -> None:
    filler = "x" * 40
    text = f"{filler} QUOTE {filler}\n{filler} QUOTE {filler}"
    found = anchor(text, "QUOTE", occurrence=1)
    assert len(found.suffix) > 32  # 32 code points after either QUOTE are the same
    assert selects(text, "QUOTE", found.prefix, found.suffix) == [(found.start, found.end)]


_TEXT = st.text(alphabet="ab \n\té’", max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, data=st.data())
def test_any_substring_anchors_to_one_place(text: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    exact = text[i:j]
    if not normalise(exact):
        with pytest.raises(QuoteNotFound):
            anchor(text, exact)
        return
    places = occurrences(text, exact)
    assert places, "a substring of the text occurs in it"
    if len(places) > 1:
        with pytest.raises(AmbiguousQuote):
            anchor(text, exact)
    for number, place in enumerate(places, 1):
        found = anchor(text, exact, occurrence=number if len(places) > 1 else None)
        assert (found.start, found.end) == place
        assert normalise(text[found.start : found.end]) == normalise(exact)
        assert text[: found.start].endswith(found.prefix)
        assert text[found.end :].startswith(found.suffix)
        assert selects(text, exact, found.prefix, found.suffix) == [place]


# --- check_quotes(): an anchoring held to the text ------------------------------------------

TEXT = "Skip to content\n\nPutin set conditions in June.\nKyiv rejected the conditions set.\n"
TURTLE = """@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix evidence: <https://example.org/evidence/> .
@prefix source: <https://example.org/source/> .

# The source.
source:doc dcterms:identifier "doc.txt" .

evidence:putin a oa:Annotation ;
    oa:hasTarget [ a oa:SpecificResource ;
        oa:hasSource source:doc ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "Putin set conditions" ] ] .

# A comment kept as it is.
evidence:kyiv a oa:Annotation ;
    oa:hasTarget [ a oa:SpecificResource ;
        oa:hasSource source:doc ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
            oa:exact "Kyiv rejected" ] ] .
"""


def _project(tmp_path: Path, turtle: str = TURTLE, text: str = TEXT) -> tuple[Path, Path]:
    root, corpus = tmp_path / "project", tmp_path / "corpus"
    (root / "data").mkdir(parents=True)
    corpus.mkdir()
    (root / "data" / "evidence.ttl").write_text(turtle, encoding="utf-8")
    (corpus / "doc.txt").write_bytes(text.encode("utf-8"))
    return root, corpus


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "data").iterdir())}


def _problems(root: Path, corpus: Path) -> list[str]:
    graph = Graph().parse(root / "data" / "evidence.ttl", format="turtle")
    return [str(problem) for problem in check_quotes(graph, corpus)]


def test_an_unanchored_quote_is_a_problem(tmp_path: Path) -> None:
    root, corpus = _project(tmp_path)
    assert _problems(root, corpus) == [
        "https://example.org/evidence/kyiv (doc.txt): not anchored: run kg sources anchor",
        "https://example.org/evidence/putin (doc.txt): not anchored: run kg sources anchor",
    ]


def _anchored(tmp_path: Path) -> tuple[Path, Path, str]:
    root, corpus = _project(tmp_path)
    anchor_project(root, corpus)
    return root, corpus, (root / "data" / "evidence.ttl").read_text(encoding="utf-8")


def test_an_anchored_quote_passes_and_a_wrong_position_does_not(tmp_path: Path) -> None:
    root, corpus, turtle = _anchored(tmp_path)
    assert _problems(root, corpus) == []
    start = TEXT.index("Kyiv")
    moved = turtle.replace(f"oa:start {start} ;", f"oa:start {start + 1} ;")
    assert moved != turtle
    (root / "data" / "evidence.ttl").write_text(moved, encoding="utf-8")
    assert _problems(root, corpus) == [
        "https://example.org/evidence/kyiv (doc.txt): the text at 48-60 is not the quote:"
        " 'yiv rejected'"
    ]


def test_a_wrong_prefix_is_a_problem(tmp_path: Path) -> None:
    root, corpus, turtle = _anchored(tmp_path)
    wrong = turtle.replace('oa:prefix "Skip to content\\n\\n"', 'oa:prefix "Skip to content\\n"')
    assert wrong != turtle
    (root / "data" / "evidence.ttl").write_text(wrong, encoding="utf-8")
    [problem] = _problems(root, corpus)
    assert problem.startswith("https://example.org/evidence/putin (doc.txt): the oa:prefix is not")


def test_a_quote_selector_that_selects_two_places_is_a_problem(tmp_path: Path) -> None:
    text = "We talk. We talk."
    turtle = TURTLE.replace("Putin set conditions", "We talk").replace("Kyiv rejected", "talk. We")
    root, corpus = _project(tmp_path, turtle, text)
    anchor_project(root, corpus, {"https://example.org/evidence/putin": 1})
    path = root / "data" / "evidence.ttl"
    path.write_text(
        path.read_text(encoding="utf-8").replace('oa:suffix ". We talk."', 'oa:suffix "."'),
        encoding="utf-8",
    )
    assert _problems(root, corpus) == [
        "https://example.org/evidence/putin (doc.txt): the quote selector (quote, prefix, suffix)"
        " selects 2 places, not one"
    ]


# --- anchor_project(): the curated files edited in place ------------------------------------


def test_anchor_project_edits_the_turtle_in_place_and_again_changes_nothing(
    tmp_path: Path,
) -> None:
    root, corpus = _project(tmp_path)
    report = anchor_project(root, corpus)
    assert report.files_changed == [root / "data" / "evidence.ttl"]
    assert report.anchored == [
        "https://example.org/evidence/kyiv",
        "https://example.org/evidence/putin",
    ]
    assert report.ambiguous == []
    turtle = (root / "data" / "evidence.ttl").read_text(encoding="utf-8")
    assert "# A comment kept as it is.\n" in turtle
    assert (
        '            oa:exact "Kyiv rejected" ;\n'
        '            oa:prefix "\\n\\nPutin set conditions in June.\\n" ;\n'
        '            oa:suffix " the conditions set.\\n" ] ,\n'
        "          [ a oa:TextPositionSelector ;\n"
        "            oa:start 47 ;\n"
        "            oa:end 60 ] ] .\n"
    ) in turtle
    before = _files(root)
    again = anchor_project(root, corpus)
    assert (again.files_changed, again.anchored, again.ambiguous) == ([], [], [])
    assert _files(root) == before


def test_prefix_and_suffix_are_escaped_as_turtle_strings(tmp_path: Path) -> None:
    text = 'He said "no" \\ then\tleft.\r\nPutin set conditions \x01"again"\n'
    root, corpus = _project(tmp_path, text=text)
    turtle = TURTLE.replace('oa:exact "Kyiv rejected"', 'oa:exact "then left"')
    (root / "data" / "evidence.ttl").write_text(turtle, encoding="utf-8")
    anchor_project(root, corpus)
    graph = Graph().parse(root / "data" / "evidence.ttl", format="turtle")
    held = {str(q.annotation): (q.prefix, q.suffix) for q in quotes(graph)}
    putin, kyiv = text.index("Putin"), text.index("then")
    assert held["https://example.org/evidence/putin"] == (text[:putin], text[putin + 20 :])
    assert held["https://example.org/evidence/kyiv"] == (text[:kyiv], text[kyiv + 9 : kyiv + 41])
    assert _problems(root, corpus) == []


def test_an_ambiguous_quote_writes_nothing_and_is_reported(tmp_path: Path) -> None:
    text = "We talk. We talk. Putin set conditions."
    turtle = TURTLE.replace("Kyiv rejected", "We talk")
    root, corpus = _project(tmp_path, turtle, text)
    before = _files(root)
    report = anchor_project(root, corpus)
    assert report.files_changed == [] and report.anchored == []
    [ambiguous] = report.ambiguous
    assert ambiguous.annotation == "https://example.org/evidence/kyiv"
    assert ambiguous.error.occurrences == [(0, 7), (9, 16)]
    assert "1) at 0:" in str(ambiguous) and "2) at 9:" in str(ambiguous)
    assert _files(root) == before
    chosen = anchor_project(root, corpus, {"https://example.org/evidence/kyiv": 2})
    assert len(chosen.anchored) == 2
    assert "oa:start 9 ;" in (root / "data" / "evidence.ttl").read_text()


def test_a_quote_not_in_the_text_writes_nothing_and_names_the_annotation(tmp_path: Path) -> None:
    root, corpus = _project(tmp_path, TURTLE.replace("Kyiv rejected", "Kyiv accepted"))
    (root / "data" / "other.ttl").write_text(
        TURTLE.replace("evidence:putin", "evidence:putin2").replace(
            "evidence:kyiv", "evidence:kyiv2"
        ),
        encoding="utf-8",
    )
    before = _files(root)
    with pytest.raises(AnchoringFailed, match=r"evidence/kyiv \(doc.txt\): the quote is not"):
        anchor_project(root, corpus)
    assert _files(root) == before


_ANCHORING = re.compile(
    r' ;\n\s*oa:prefix "(?:[^"\\]|\\.)*" ;\n\s*oa:suffix "(?:[^"\\]|\\.)*" \] ,\n'
    r"\s*\[ a oa:TextPositionSelector ;\n\s*oa:start \S+ ;\n\s*oa:end \S+ \]"
)

CHOSEN = {
    "https://w3id.org/peace-talks-kg/id/evidence/"
    "doc-003-author-undated-headline-russia-demands-presidential-talks--003": 1,
    "https://w3id.org/peace-talks-kg/id/evidence/"
    "global-leaders-undated-demand-meeting-with-putin--003": 1,
}


def test_the_curated_data_is_what_anchoring_it_again_gives(tmp_path: Path) -> None:
    """With its anchoring taken out, the curated data anchored again (with the two occurrences
    chosen as the comments beside them say) is the same text, byte for byte."""
    corpus = seeds_folder()
    shutil.copytree(DATA, tmp_path / "data")
    for path in (tmp_path / "data").glob("*.ttl"):
        path.write_text(_ANCHORING.sub(" ]", path.read_text(encoding="utf-8")), encoding="utf-8")
    stripped = anchor_project(tmp_path, corpus)
    assert sorted(a.annotation for a in stripped.ambiguous) == sorted(CHOSEN)
    report = anchor_project(tmp_path, corpus, CHOSEN)
    assert len(report.anchored) == 228
    assert _files(tmp_path) == {p.name: p.read_bytes() for p in sorted(DATA.iterdir())}
    graph = Graph()
    for path in sorted(DATA.glob("*.ttl")):
        graph.parse(path, format="turtle")
    assert all(q.anchored for q in quotes(graph) if isinstance(q.annotation, URIRef))


# --- kg sources anchor: the command -----------------------------------------------------------


def _anchor_command(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["sources", "anchor", "--root", str(root), *args])


def test_the_command_lists_an_ambiguous_quote_and_anchors_the_chosen_occurrence(
    tmp_path: Path,
) -> None:
    text = "We talk. We talk. Putin set conditions."
    root, corpus = _project(tmp_path, TURTLE.replace("Kyiv rejected", "We talk"), text)
    before = _files(root)
    listed = _anchor_command(root, "--sources", str(corpus))
    assert listed.exit_code == 1, listed.output
    assert "evidence/kyiv (doc.txt)" in listed.output and "2) at 9:" in listed.output
    assert _files(root) == before
    chosen = _anchor_command(
        root, "--sources", str(corpus), "--choose", "https://example.org/evidence/kyiv=2"
    )
    assert chosen.exit_code == 0, chosen.output
    assert "2 quotes anchored; evidence.ttl changed." in chosen.output
    assert "oa:start 9 ;" in (root / "data" / "evidence.ttl").read_text(encoding="utf-8")
    again = _anchor_command(root, "--sources", str(corpus))
    assert again.exit_code == 0 and "0 quotes anchored; no file changed." in again.output


@pytest.mark.parametrize("choice", ["kyiv", "https://example.org/evidence/kyiv=0", "=2"])
def test_the_command_refuses_a_malformed_choice(tmp_path: Path, choice: str) -> None:
    root, corpus = _project(tmp_path)
    before = _files(root)
    result = _anchor_command(root, "--sources", str(corpus), "--choose", choice)
    assert result.exit_code == 2 and "expected IRI=N" in result.output
    assert _files(root) == before


def test_the_command_without_a_corpus_folder_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    root, _ = _project(tmp_path)
    for name in ("PTKG_SOURCES", "PTKG_SEEDS"):
        monkeypatch.delenv(name, raising=False)
    before = _files(root)
    result = _anchor_command(root)
    assert result.exit_code == 2 and "corpus" in result.output
    assert _files(root) == before
