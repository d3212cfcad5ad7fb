"""The curation workbench (``kg curate``) through Flask's test client, on a copy of the project and
of the corpus folder: every page and its JSON twin, registering a text, recording a statement
from a selected passage, the problems shown next to their fields, duplicates offered as a second
annotation, the conflict between two tabs, the review of changes, correcting and retracting,
CSRF refusals and path safety. Nothing is written outside the copies."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from kg.cli import cli
from kg.rdf.namespaces import PT
from server.workbench import create_app
from tests.test_sources_registry import corpus, project
from tests.workbench_texts import QUOTE, TEST_PUBLISHED, TEST_TEXT, TEST_TITLE, quote_offsets

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
STATEMENT = "https://w3id.org/peace-talks-kg/id/statement/"
CORRECTABLE = "putin-undated-warns-position-will-deteriorate"
__all__ = ["corpus", "project"]  # the copies the workbench writes, as the registry tests make them


@pytest.fixture
def app(project: Path, corpus: Path):
    return create_app(
        {
            "TESTING": True,
            "WORKBENCH_ROOT": project,
            "WORKBENCH_CORPUS": corpus,
            "WORKBENCH_CURATOR": "Test Curator",
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


def token(client) -> str:
    return client.get("/sources.json").get_json()["csrf_token"]


def files(*folders: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for f in folders for p in sorted(f.rglob("*")) if p.is_file()}


def register(client, **changes: str) -> str:
    """Register the test text; the new source's name (``doc-005``)."""
    form = {
        "csrf_token": token(client),
        "title": TEST_TITLE,
        "published": TEST_PUBLISHED,
        "url": "https://example.org/test-text",
        "language": "en",
        "text": TEST_TEXT,
        **changes,
    }
    reply = client.post("/sources", data=form, headers=HTML)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return reply.headers["Location"].rsplit("/", 1)[-1]


def statement_form(client, name: str, **changes: str) -> dict[str, str]:
    page = client.get(f"/sources/{name}.json").get_json()
    start, end = quote_offsets()
    return {
        "csrf_token": page["csrf_token"],
        "expected": json.dumps(page["expected"]),
        "start": str(start),
        "end": str(end),
        "quote": QUOTE,
        "speaker": "Andrii Sybiha",
        "party": "Ukraine",
        "stance": str(PT.Proposes),
        "position": "position:short-humanitarian-ceasefires",
        "date": "2025-03-04",
        "precision": str(PT.DayPrecision),
        "basis": str(PT.StatedDate),
        "note": "Made up for the workbench tests.",
        **changes,
    }


# --- pages and their JSON twins ------------------------------------------------------------------


def test_the_registry_lists_each_source_with_its_title_date_and_statements(client) -> None:
    body = client.get("/sources.json").get_json()
    assert [s["name"] for s in body["sources"]] == [f"doc-00{n}" for n in range(5)]
    assert all(s["statements"] > 0 for s in body["sources"])
    page = client.get("/sources", headers=HTML).get_data(as_text=True)
    for source in body["sources"]:
        assert f'href="/sources/{source["name"]}"' in page
    assert client.get("/sources", headers=JSON).get_json()["sources"] == body["sources"]


def test_a_source_page_highlights_the_curated_passages_at_their_offsets(client, corpus) -> None:
    body = client.get("/sources/doc-001.json").get_json()
    text = (corpus / body["source"]["file"]).read_text(encoding="utf-8")
    assert body["length"] == len(text)
    assert body["passages"], "doc-001 has curated passages"
    first = body["passages"][0]
    assert first["start"] == 1 and first["end"] == 84  # statement:putin-undated-accelerate-…
    page = client.get("/sources/doc-001", headers=HTML).get_data(as_text=True)
    marks = re.findall(r'<mark data-start="(\d+)"', page)
    assert "1" in marks
    # the spans and marks hold the whole text, each piece starting where data-start says
    pieces = re.findall(r'<(?:span|mark) data-start="(\d+)"[^>]*>([^<]*)</(?:span|mark)>', page)
    import html

    assert "".join(html.unescape(t) for _, t in pieces) == text
    position = 0
    for start, piece in pieces:
        assert int(start) == position
        position += len(html.unescape(piece))


def test_the_home_leads_to_the_registry_and_the_form_has_its_twin(client) -> None:
    assert client.get("/").headers["Location"].endswith("/sources")
    assert client.get("/sources/new.json").get_json()["fields"] == [
        "title",
        "published",
        "url",
        "outlet",
        "language",
        "text",
    ]
    page = client.get("/sources/new", headers=HTML).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert '<link rel="alternate" type="application/json" href="/sources/new.json">' in page


def test_every_page_links_only_to_the_workbench_itself(client) -> None:
    for path in ("/sources", "/sources/doc-002", "/review", "/statements/" + CORRECTABLE):
        page = client.get(path, headers=HTML).get_data(as_text=True)
        for address in re.findall(r'(?:src|href)="([^"#]+)"', page):
            assert address.startswith("/") or address.startswith("data:"), (path, address)


def test_a_missing_thing_is_404_in_the_one_error_shape(client) -> None:
    for path in ("/sources/doc-999", "/statements/no-such-statement", "/names/colour.json"):
        reply = client.get(path, headers=JSON)
        assert reply.status_code == 404
        body = reply.get_json()
        assert body["ok"] is False and body["status"] == 404 and body["error"]
    page = client.get("/sources/doc-999", headers=HTML)
    assert page.status_code == 404 and "no source document" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/sources/..%2F..%2Fetc%2Fpasswd", "/sources/../../etc/passwd", "/statements/..%2Fx"],
)
def test_paths_that_leave_the_folders_are_refused(client, path) -> None:
    assert client.get(path, headers=JSON).status_code == 404


def test_a_record_naming_a_file_outside_the_corpus_is_not_read(client, project) -> None:
    sources = project / "data" / "sources.ttl"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace(
            '"000_5c185bcb0a4c3004.txt"', '"../../../etc/passwd"', 1
        ),
        encoding="utf-8",
    )
    reply = client.get("/sources/doc-000.json")
    assert reply.status_code == 404
    assert "names no text file of the corpus" in reply.get_json()["error"]


def test_the_pickers_search_labels_and_alternative_labels(client) -> None:
    found = client.get("/names/speaker.json?q=zelen").get_json()["matches"]
    assert found[0]["iri"].endswith("/actor/volodymyr-zelenskyy")
    assert found[0]["value"] == found[0]["label"]
    positions = client.get("/names/position.json?q=ceasefire").get_json()["matches"]
    assert any(m["iri"].endswith("/position/complete-ceasefire") for m in positions)


# --- CSRF and hosts ------------------------------------------------------------------------------


@pytest.mark.parametrize("sent", [None, "wrong-token"])
def test_a_post_without_the_browsers_token_is_refused_and_writes_nothing(
    client, project, corpus, sent
) -> None:
    before = files(project, corpus)
    client.get("/sources")  # the browser has its token
    form = {"title": "x", "text": TEST_TEXT}
    if sent is not None:
        form["csrf_token"] = sent
    reply = client.post("/sources", data=form, headers=HTML)
    assert reply.status_code == 400
    assert "security token is missing or does not match" in reply.get_data(as_text=True)
    assert client.post("/sources", data=form, headers=JSON).get_json()["status"] == 400
    assert files(project, corpus) == before


def test_the_token_of_another_browser_is_refused(app) -> None:
    first, second = app.test_client(), app.test_client()
    reply = second.post("/sources", data={"csrf_token": token(first), "text": "x"})
    assert reply.status_code == 400
    # a program sends its own token in the header instead: past the check, to the form's own
    answered = second.post("/sources", data={"text": " "}, headers={"X-CSRF-Token": token(second)})
    assert answered.status_code == 422
    assert answered.get_json()["error"].startswith("give the text")


@pytest.mark.parametrize("host", ["attacker.example:5050", "127.0.0.1.attacker.example", ""])
def test_a_request_for_another_host_name_is_refused(client, host) -> None:
    reply = client.get("/sources.json", headers={"Host": host})
    assert reply.status_code == 400
    assert "does not answer to the host" in reply.get_json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:5050", "localhost:5050", "[::1]:5050", "LOCALHOST"])
def test_a_request_for_a_loopback_name_is_answered(client, host) -> None:
    assert client.get("/sources.json", headers={"Host": host}).status_code == 200


# --- registering and recording -------------------------------------------------------------------


def test_a_pasted_text_is_registered_with_its_details(client, project, corpus) -> None:
    name = register(client)
    assert name == "doc-005"
    copied = [p for p in corpus.iterdir() if p.name.startswith("005_")]
    assert len(copied) == 1 and copied[0].read_text(encoding="utf-8") == TEST_TEXT
    assert not [p for p in corpus.iterdir() if p.name.startswith(".upload-")]
    row = client.get("/sources.json").get_json()["sources"][-1]
    assert row == {
        "name": "doc-005",
        "iri": "https://w3id.org/peace-talks-kg/id/source/doc-005",
        "file": copied[0].name,
        "title": TEST_TITLE,
        "published": TEST_PUBLISHED,
        "statements": 0,
    }


def test_an_upload_is_registered_under_its_own_name_whatever_the_file_is_called(
    client, corpus, tmp_path
) -> None:
    import io

    data = {
        "csrf_token": token(client),
        "title": TEST_TITLE,
        "upload": (io.BytesIO(TEST_TEXT.encode()), "../../escape.txt"),
    }
    reply = client.post("/sources", data=data, headers=HTML, content_type="multipart/form-data")
    assert reply.status_code == 303
    assert not (tmp_path / "escape.txt").exists() and not (corpus.parent / "escape.txt").exists()
    assert len([p for p in corpus.iterdir() if p.name.startswith("005_")]) == 1


def test_a_refused_registration_says_why_and_keeps_the_values(client, project, corpus) -> None:
    before = files(project, corpus)
    form = {"csrf_token": token(client), "title": "Kept", "published": "2025-13", "text": "Words."}
    reply = client.post("/sources", data=form, headers=HTML)
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert 'id="register-problem"' in page and "2025-13" in page and 'value="Kept"' in page
    assert files(project, corpus) == before


def test_an_upload_that_is_not_utf8_is_refused_by_name(client, corpus) -> None:
    import io

    data = {"csrf_token": token(client), "upload": (io.BytesIO(b"caf\xe9"), "latin1.txt")}
    reply = client.post("/sources", data=data, headers=JSON, content_type="multipart/form-data")
    assert reply.status_code == 422
    assert reply.get_json()["error"] == "the text is not UTF-8 text (byte 3)"
    assert not [p for p in corpus.iterdir() if p.name.startswith(("005_", ".upload-"))]


def test_a_field_left_empty_is_asked_for(client) -> None:
    name = register(client)
    form = statement_form(client, name, stance="", precision="")
    body = client.post(f"/sources/{name}/statements", data=form, headers=JSON).get_json()
    assert body["problems"]["stance"] == ["give the stance"]
    assert body["problems"]["precision"] == ["give the precision"]


def test_a_selected_passage_is_recorded_validated_and_highlighted(client, project) -> None:
    name = register(client)
    reply = client.post(
        f"/sources/{name}/statements", data=statement_form(client, name), headers=HTML
    )
    assert reply.status_code == 303, reply.get_data(as_text=True)
    written = (project / "data" / "source-005.ttl").read_text(encoding="utf-8")
    assert f'oa:exact "{QUOTE}"' in written
    start, end = quote_offsets()
    assert f"oa:start {start} ;" in written and f"oa:end {end} ]" in written
    graph = Graph().parse(data=written, format="turtle")
    statement = next(graph.subjects(PT.about, None))
    assert (
        statement,
        PT.speaker,
        URIRef("https://w3id.org/peace-talks-kg/id/actor/andrii-sybiha"),
    ) in graph
    page = client.get(reply.headers["Location"], headers=HTML).get_data(as_text=True)
    assert 'id="saved"' in page and f'<mark data-start="{start}"' in page
    assert client.get("/sources.json").get_json()["sources"][-1]["statements"] == 1


def test_a_problem_is_shown_next_to_its_field_and_nothing_is_written(client, project) -> None:
    name = register(client)
    before = files(project)
    form = statement_form(client, name, date="2025-03-14")  # after the text was published
    reply = client.post(f"/sources/{name}/statements", data=form, headers=HTML)
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    field = re.search(r'<div class="field has-problem" id="field-date">.*?</div>', page, re.S)
    assert field is not None and "after the source" in field.group(0)
    assert 'value="2025-03-14"' in page and 'value="Andrii Sybiha"' in page  # values kept
    assert files(project) == before
    body = client.post(f"/sources/{name}/statements", data=form, headers=JSON).get_json()
    assert body["ok"] is False and body["problems"]["date"]


def test_an_unknown_name_names_the_closest(client, project) -> None:
    name = register(client)
    form = statement_form(client, name, speaker="Andrii Sybhia")
    body = client.post(f"/sources/{name}/statements", data=form, headers=JSON).get_json()
    assert "closest: Andrii Sybiha" in body["problems"]["speaker"][0]


def test_a_selection_that_is_not_the_quote_sent_is_refused(client, project) -> None:
    name = register(client)
    before = files(project)
    start, end = quote_offsets()
    form = statement_form(client, name, start=str(start + 3), end=str(end + 3))
    body = client.post(f"/sources/{name}/statements", data=form, headers=JSON).get_json()
    assert "is not the quote sent" in body["problems"]["quote"][0]
    assert files(project) == before


def test_a_new_position_is_created_under_its_topic(client, project) -> None:
    name = register(client)
    form = statement_form(
        client, name, position="", new_position="Ceasefire in the air and at sea", topic="Ceasefire"
    )
    reply = client.post(f"/sources/{name}/statements", data=form, headers=JSON)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    positions = (project / "data" / "positions.ttl").read_text(encoding="utf-8")
    assert '"Ceasefire in the air and at sea"@en' in positions
    written = (project / "data" / "source-005.ttl").read_text(encoding="utf-8")
    assert 'rdfs:label "Andrii Sybiha proposes: Ceasefire in the air and at sea' in written


# --- duplicates, conflicts ----------------------------------------------------------------------


def test_a_possible_duplicate_is_offered_as_a_second_annotation(client, project) -> None:
    """statement:putin-2025-06-18-urges-talks (003): Russia, direct negotiations, 18 June 2025."""
    name = register(client)
    form = statement_form(
        client,
        name,
        speaker="Vladimir Putin",
        party="Russia",
        stance=str(PT.Demands),
        position="position:direct-negotiations",
        date="2025-06-18",
        basis=str(PT.StatedDate),
    )
    offered = client.post(f"/sources/{name}/statements", data=form, headers=JSON)
    assert offered.status_code == 422
    duplicates = [d["iri"] for d in offered.get_json()["duplicates"]]
    assert STATEMENT + "putin-2025-06-18-urges-talks" in duplicates
    page = client.post(f"/sources/{name}/statements", data=form, headers=HTML).get_data(
        as_text=True
    )
    assert "Add as a second annotation of the existing statement" in page
    form["evidence_of"] = STATEMENT + "putin-2025-06-18-urges-talks"
    saved = client.post(f"/sources/{name}/statements", data=form, headers=JSON)
    assert saved.status_code == 201, saved.get_data(as_text=True)
    assert saved.get_json()["statements"][0]["slug"] == "putin-2025-06-18-urges-talks"
    written = (project / "data" / "source-005.ttl").read_text(encoding="utf-8")
    assert "statement:putin-2025-06-18-urges-talks pt:evidence evidence:" in written


def test_a_stale_page_gets_the_conflict_and_keeps_its_values(client, project) -> None:
    name = register(client)
    stale = statement_form(client, name)
    first = statement_form(client, name, note="Saved first, from another tab.")
    assert client.post(f"/sources/{name}/statements", data=first, headers=HTML).status_code == 303
    before = files(project)
    stale["speaker"] = "Volodymyr Zelenskyy"
    reply = client.post(f"/sources/{name}/statements", data=stale, headers=HTML)
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert 'id="conflict"' in page and "data/source-005.ttl" in page
    assert "added" in page and QUOTE[:30] in page  # what the other tab added
    assert 'value="Volodymyr Zelenskyy"' in page  # nothing the curator typed is lost
    assert files(project) == before
    body = client.post(f"/sources/{name}/statements", data=stale, headers=JSON).get_json()
    assert body["status"] == 409 and "data/source-005.ttl" in body["conflict"]["files"]
    # the page answered carries the new hashes: saving from it works
    fresh = json.dumps(body["expected"])
    stale.update(expected=fresh, csrf_token=body["csrf_token"], evidence_of="new")
    assert client.post(f"/sources/{name}/statements", data=stale, headers=JSON).status_code == 201


@pytest.mark.parametrize("sent", ["not json", '["a list"]', '{"data/x.ttl": 1}'])
def test_a_malformed_record_of_the_files_read_is_refused(client, project, sent) -> None:
    name = register(client)
    before = files(project)
    form = statement_form(client, name, expected=sent)
    reply = client.post(f"/sources/{name}/statements", data=form, headers=JSON)
    assert reply.status_code == 400
    assert "the form's record of the files it read" in reply.get_json()["error"]
    assert files(project) == before


# --- review, corrections, retractions -----------------------------------------------------------


def test_the_review_lists_what_changed_since_the_workbench_started(client) -> None:
    assert client.get("/review.json").get_json()["statements"] == []
    name = register(client)
    client.post(f"/sources/{name}/statements", data=statement_form(client, name))
    body = client.get("/review.json").get_json()
    assert body["since"] == "the workbench started"
    (added,) = body["statements"]
    assert added["kind"] == "added" and added["quotes_added"][0]["quote"] == QUOTE
    page = client.get("/review", headers=HTML).get_data(as_text=True)
    assert "statements: 1 added" in page and QUOTE in page


def test_in_a_git_checkout_the_review_is_since_the_last_commit(project, corpus) -> None:
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "curated"]):
        subprocess.run([*git, *args], cwd=project, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    (project / "data" / "source-001.ttl").write_text(
        (project / "data" / "source-001.ttl")
        .read_text(encoding="utf-8")
        .replace("pt:stance pt:Threatens ;", "pt:stance pt:Demands ;", 1),
        encoding="utf-8",
    )
    app = create_app({"WORKBENCH_ROOT": project, "WORKBENCH_CORPUS": corpus})
    body = app.test_client().get("/review.json").get_json()
    assert body["since"] == f"the last commit ({head[:12]})"
    (changed,) = body["statements"]
    assert changed["kind"] == "changed"
    assert changed["changes"]["pt:stance"] == [["pt:Threatens"], ["pt:Demands"]]
    page = app.test_client().get("/review", headers=HTML).get_data(as_text=True)
    assert '<th scope="row">stance</th><td>threatens</td><td>demands</td>' in page


def test_a_statement_is_corrected_with_a_reason(client, project) -> None:
    slug = CORRECTABLE
    page = client.get(f"/statements/{slug}.json").get_json()
    values = page["values"]
    form = {
        **values,
        "csrf_token": page["csrf_token"],
        "expected": json.dumps(page["expected"]),
        "stance": str(PT.Demands),
        "reason": "",
    }
    refused = client.post(f"/statements/{slug}/correct", data=form, headers=JSON)
    assert refused.status_code == 422 and refused.get_json()["problems"]["reason"]
    form["reason"] = "He demands it rather than threatens it."
    reply = client.post(f"/statements/{slug}/correct", data=form, headers=JSON)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    new = reply.get_json()["statement"]
    old = client.get(f"/statements/{slug}.json").get_json()
    assert old["corrected_by"] == new and old["reason"] == form["reason"]
    assert (
        client.get(new.replace(STATEMENT, "/statements/") + ".json").get_json()["revision_of"]
        == STATEMENT + slug
    )


@pytest.mark.parametrize(
    "slug",
    [
        "ukraine-memorandum-per-003-undated-complete-ceasefire",  # two events
        "russian-delegation-undated-progress-before-presidential-meeting",  # responds to, …
    ],
)
def test_a_correction_keeps_what_the_form_does_not_change(client, project, slug) -> None:
    page = client.get(f"/statements/{slug}.json").get_json()
    form = {
        **page["values"],
        "csrf_token": page["csrf_token"],
        "expected": json.dumps(page["expected"]),
        "note": "Corrected note.",
        "reason": "The note was wrong.",
    }
    reply = client.post(f"/statements/{slug}/correct", data=form, headers=JSON)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    graph = Graph()
    for path in (project / "data").glob("*.ttl"):
        graph.parse(path, format="turtle")
    old, new = URIRef(STATEMENT + slug), URIRef(reply.get_json()["statement"])
    for kept in (PT.atEvent, PT.framing, PT.respondsTo, PT.conditionalOn, PT.onBehalfOf, PT.about):
        assert set(graph.objects(new, kept)) == set(graph.objects(old, kept)), kept
    assert str(graph.value(new, RDFS.comment)) == "Corrected note."


def test_a_statement_is_retracted_with_a_reason(client) -> None:
    slug = CORRECTABLE
    page = client.get(f"/statements/{slug}.json").get_json()
    form = {"csrf_token": page["csrf_token"], "expected": json.dumps(page["expected"])}
    assert client.post(f"/statements/{slug}/retract", data=form, headers=JSON).status_code == 422
    form["retract_reason"] = "Recorded from a misread passage."
    reply = client.post(f"/statements/{slug}/retract", data=form, headers=JSON)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    after = client.get(f"/statements/{slug}.json").get_json()
    assert after["retracted"] is True and after["reason"] == form["retract_reason"]


# --- the command ---------------------------------------------------------------------------------


def test_kg_curate_refuses_a_host_that_is_not_loopback(project, corpus) -> None:
    result = CliRunner().invoke(
        cli, ["curate", "--host", "0.0.0.0", "--root", str(project), "--sources", str(corpus)]
    )
    assert result.exit_code == 2
    assert "not a loopback address" in result.output and "--allow-remote" in result.output


def test_kg_curate_needs_a_corpus_folder(project, tmp_path) -> None:
    result = CliRunner().invoke(
        cli, ["curate", "--root", str(project), "--sources", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
