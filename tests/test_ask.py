"""The temporal questions on small purpose-built graphs (tests/fixtures/ask/): each edge case pinned, on both
engines (the embedded Oxigraph store and rdflib's memory store), with the evidence behind the answers."""

from __future__ import annotations

import pytest
from rdflib import Dataset, URIRef

from kg.pipeline.build import write_nquads
from kg.questions import QUESTIONS, AskError, ask, questions_to_dict, render
from kg.rdf.namespaces import GRAPH
from kg.store import ENGINES, open_store
from kg.store.queries import canned_queries, canned_query
from tests.asking import ASK_FIXTURES, fixture_store, local, statements, summary
from tests.conftest import REPO

ENGINES_LOCAL = [e for e in ENGINES if e in ("oxigraph", "rdflib")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("ask-fixtures")


@pytest.fixture(scope="module", params=ENGINES_LOCAL)
def engine(request):
    return request.param


def answer(folder, engine, case, question, **params):
    return ask(fixture_store(case, engine, folder), question, params)


# --- month vs day vs year precision at the period boundaries ---------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # June 2024 (month) is in or before June; July 2025 (month) is within July: both certain.
        (
            {"from": "2024-06", "to": "2025-07"},
            {"a": "certain", "b": "certain", "c": "uncertain", "d": "uncertain"},
        ),
        # from a day: "June 2024" may be after the 14th (A uncertain); the 14th itself counts (B).
        (
            {"from": "2024-06-14", "to": "2025-07"},
            {"a": "uncertain", "b": "certain", "c": "uncertain", "d": "uncertain"},
        ),
        # to a day: "July 2025" may be the 15th (B uncertain); 31 July is certainly not (C gone).
        (
            {"from": "2024-06", "to": "2025-07-15"},
            {"a": "certain", "b": "uncertain", "d": "uncertain"},
        ),
        # open-ended: July 2025 or later; "2025" (D) may still be before July.
        (
            {"from": "2024-06", "to": "2025-07.."},
            {"a": "certain", "b": "certain", "c": "uncertain", "d": "uncertain"},
        ),
        # in force: D (31 May 2024, never withdrawn) is certain; C ("2024") may be after June.
        (
            {"from": "2024-06", "to": "2025-07", "mode": "in-force"},
            {"a": "certain", "b": "certain", "c": "uncertain", "d": "certain"},
        ),
    ],
)
def test_precision_at_the_period_boundaries(folder, engine, params, expected):
    """E (1 July 2024) is certainly after June 2024, so never counts as stated by `from`."""
    found = answer(folder, engine, "boundaries", "persisted", party="alpha", **params)
    assert summary(found) == expected


def test_an_uncertain_match_carries_its_evidence_with_precision(folder, engine):
    found = answer(
        folder,
        engine,
        "boundaries",
        "persisted",
        party="alpha",
        **{"from": "2024-06-14", "to": "2025-07"},
    )
    item = next(i for i in found.items if local(i.position.iri) == "a")
    assert item.certainty == "uncertain"
    first, again = item.evidence
    assert (first.date.value, first.date.precision, first.date.earliest, first.date.latest) == (
        "2024-06",
        "month",
        "2024-06-01",
        "2024-06-30",
    )
    assert (again.date.value, again.date.precision) == ("2025-07-15", "day")
    assert first.speaker.label == "Alpha's leader" and first.party.label == "Alpha"
    assert (first.stance.label, again.stance.label) == ("demands", "reaffirms")
    assert [(q.identifier, q.quote) for q in first.quotes] == [
        ("doc-1.txt", "In June 2024 Alpha demanded A.")
    ]
    assert item.last_attested is not None and item.last_attested.statement == again.statement


# --- a withdrawal or supersession in between ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "params", "expected"),
    [
        # A withdrawn in November 2024, B possibly withdrawn after its restatement, C superseded,
        # E's withdrawal undated: nothing is restated in July 2025 except A, which was withdrawn.
        ("persisted", {"from": "2024-06", "to": "2025-07"}, {}),
        ("persisted", {"from": "2024-06", "to": "2025-07", "mode": "in-force"}, {"e": "certain"}),
        ("re-emerged", {"from": "2024-06", "to": "2025-07"}, {"a": "certain"}),
        (
            "dropped",
            {"from": "2024-06", "to": "2025-01"},
            {
                "withdrawn:a": "certain",
                "withdrawn:b": "uncertain",
                "withdrawn:c": "certain",
                "not re-attested:e": "certain",
            },
        ),
        (
            "diff",
            {"from": "2024-06", "to": "2025-01"},
            {
                "added:d": "certain",
                "persisted:b": "uncertain",
                "persisted:e": "certain",
                "dropped:a": "certain",
                "dropped:c": "certain",
            },
        ),
        ("position", {"at": "2024-12"}, {"b": "uncertain", "d": "certain", "e": "certain"}),
        (
            "position",
            {"at": "2025-07"},
            {"a": "certain", "b": "uncertain", "d": "certain", "e": "certain"},
        ),
        ("added", {"from": "2024-06", "to": "2025"}, {"d": "certain"}),
    ],
)
def test_withdrawal_and_supersession_in_between(folder, engine, question, params, expected):
    found = answer(folder, engine, "withdrawal", question, party="alpha", **params)
    assert summary(found) == expected


def test_the_evidence_of_a_withdrawal_names_its_role(folder, engine):
    found = answer(
        folder,
        engine,
        "withdrawal",
        "dropped",
        party="alpha",
        **{"from": "2024-06", "to": "2025-01"},
    )
    roles = {
        local(item.position.iri): [(local(e.statement), e.role) for e in item.evidence]
        for item in found.items
    }
    assert roles["a"] == [
        ("a-2024-05-10", "attestation"),
        ("a-2024-11-03-withdrawn", "withdrawal"),
        ("a-2025-07-20", "attestation"),
    ]
    assert roles["c"] == [
        ("c-2024-05-10", "attestation"),
        ("d-2024-09-01-replaces-c", "supersession"),
    ]


def test_an_undated_withdrawal_is_listed_not_placed(folder, engine):
    found = answer(
        folder,
        engine,
        "withdrawal",
        "persisted",
        party="alpha",
        mode="in-force",
        **{"from": "2024-06", "to": "2025-07"},
    )
    assert summary(found) == {"e": "certain"}
    [undated] = found.undated
    assert (local(undated.statement), undated.role, undated.date.precision, undated.date.value) == (
        "e-undated-withdrawn",
        "withdrawal",
        "unknown",
        None,
    )


# --- a demand restated by a different speaker for the same party ----------------------------------


def test_a_restatement_by_another_speaker_of_the_same_party_counts(folder, engine):
    found = answer(
        folder,
        engine,
        "speakers",
        "persisted",
        party="alpha",
        **{"from": "2024-06", "to": "2025-07"},
    )
    assert summary(found) == {"a": "certain"}, "B was restated only by Beta, another party"
    [item] = found.items
    assert [e.speaker.label for e in item.evidence] == ["Alpha's leader", "Alpha's minister"]
    assert {e.party.label for e in item.evidence} == {"Alpha"}
    assert (
        summary(
            answer(
                folder,
                engine,
                "speakers",
                "persisted",
                party="beta",
                **{"from": "2024-06", "to": "2025-07"},
            )
        )
        == {}
    )


# --- undated evidence ------------------------------------------------------------------------------


def test_undated_statements_are_listed_separately(folder, engine):
    found = answer(
        folder, engine, "undated", "persisted", party="alpha", **{"from": "2024-06", "to": "2025"}
    )
    assert summary(found) == {}, "an undated restatement is never placed in `to`"
    assert sorted(local(e.statement) for e in found.undated) == ["a-undated-minister", "b-undated"]
    assert all(e.date.precision == "unknown" and e.date.earliest is None for e in found.undated)
    in_force = answer(
        folder,
        engine,
        "undated",
        "persisted",
        party="alpha",
        mode="in-force",
        **{"from": "2024-06", "to": "2025"},
    )
    assert summary(in_force) == {"a": "certain"}
    assert len(in_force.undated) == 2


# --- two sources reporting the same statement -------------------------------------------------------


def test_one_statement_in_two_sources_is_not_a_restatement(folder, engine):
    found = answer(
        folder,
        engine,
        "two-sources",
        "persisted",
        party="alpha",
        **{"from": "2024-06", "to": "2025-07"},
    )
    assert summary(found) == {"b": "certain"}
    position = answer(folder, engine, "two-sources", "position", party="alpha", at="2024-06")
    item = next(i for i in position.items if local(i.position.iri) == "a")
    assert statements(item) == ["a-2024-06-01"]
    assert [q.identifier for q in item.evidence[0].quotes] == ["doc-1.txt", "doc-2.txt"]


def test_timeline_lists_each_statement_once_with_all_its_sources(folder, engine):
    found = answer(folder, engine, "two-sources", "timeline", position="a")
    assert [statements(i) for i in found.items] == [["a-2024-06-01"]]
    assert len(found.items[0].evidence[0].quotes) == 2
    boundaries = answer(folder, engine, "boundaries", "timeline", position="position:c")
    assert [(e.date.value, e.date.precision) for i in boundaries.items for e in i.evidence] == [
        ("2024", "year"),
        ("2025-07-31", "day"),
    ]


# --- conflicts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"at": "2024-12"},
            {
                "contradicted:a/alpha>beta:b": "certain",
                "contradicted:b/beta>alpha:a": "certain",
                "rejected:c/alpha>beta:c": "certain",
            },
        ),
        # mid-July: Beta's "July 2024" demand and its "2024" rejection may still be to come; D was
        # rejected on 10 June and accepted only on 1 August.
        (
            {"at": "2024-07-15"},
            {
                "contradicted:a/alpha>beta:b": "uncertain",
                "contradicted:b/beta>alpha:a": "uncertain",
                "rejected:c/alpha>beta:c": "uncertain",
                "rejected:d/alpha>beta:d": "certain",
            },
        ),
        ({"at": "2024-07-15", "party": "beta"}, {"contradicted:b/beta>alpha:a": "uncertain"}),
        ({"at": "2024-05"}, {}),
    ],
)
def test_conflicts(folder, engine, params, expected):
    found = answer(folder, engine, "conflicts", "conflicts", **params)
    assert summary(found) == expected


def test_conflict_evidence_shows_both_sides_and_undated_rejections(folder, engine):
    found = answer(folder, engine, "conflicts", "conflicts", at="2024-12")
    rejected = next(i for i in found.items if i.category == "rejected")
    # in date order by first possible day: "2024" (a year) comes before 1 June 2024
    assert [(e.party.label, e.role, e.date.value) for e in rejected.evidence] == [
        ("Beta", "rejection", "2024"),
        ("Alpha", "attestation", "2024-06-01"),
    ]
    assert [local(e.statement) for e in found.undated] == ["beta-a-undated-rejects"]


# --- mistakes get clear errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "params", "message"),
    [
        (
            "persisted",
            {"party": "gamma", "from": "2024", "to": "2025"},
            "unknown party 'gamma'; accepted: alpha (or a party's IRI)",
        ),
        (
            "persisted",
            {"party": "alpha", "from": "2024-13", "to": "2025"},
            "from '2024-13' is not a calendar date",
        ),
        (
            "persisted",
            {"party": "alpha", "from": "June", "to": "2025"},
            "accepted: YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            "persisted",
            {"party": "alpha", "from": "2025", "to": "2024"},
            "to (2024) must start after from (2025)",
        ),
        ("persisted", {"party": "alpha", "from": "2024", "to": "2024-06"}, "must start after from"),
        ("persisted", {"party": "alpha", "from": "2024..", "to": "2025"}, "cannot be open-ended"),
        (
            "persisted",
            {"party": "alpha", "from": "2024", "to": "2025", "mode": "maybe"},
            "not one of: attested, in-force",
        ),
        ("persisted", {"party": "alpha", "to": "2025"}, "needs the parameter 'from'"),
        (
            "persisted",
            {"party": "alpha", "from": "2024", "to": "2025", "at": "2024"},
            "takes no parameter 'at'",
        ),
        ("timeline", {"position": "z"}, "unknown position 'z'; accepted: a, b, c, d, e, f"),
        ("whatever", {}, "unknown question 'whatever'; accepted: persisted, added"),
    ],
)
def test_a_mistake_is_an_error_that_says_what_is_accepted(folder, question, params, message):
    with pytest.raises(AskError) as error:
        ask(fixture_store("boundaries", "oxigraph", folder), question, params)
    assert message in str(error.value)


ACTOR = "https://w3id.org/peace-talks-kg/id/actor/"
NOT_IRI_PARTIES = [
    # (the party as given, the IRI it makes, what is wrong with it)
    ("actor:a b", f"{ACTOR}a b", "contains a space"),
    ("http://x> } #", "http://x> } #", "contains '>', which no IRI may hold"),
    ("<http://x/a b>", "http://x/a b", "contains a space"),
    ("http://x/{a}", "http://x/{a}", "contains '{', which no IRI may hold"),
    ('actor:"alpha"', f'{ACTOR}"alpha"', "contains '\"', which no IRI may hold"),
    ("actor:alpha\r\nx", f"{ACTOR}alpha\r\nx", "contains a carriage return (U+000D)"),
    ("actor:alpha\nx", f"{ACTOR}alpha\nx", "contains a line feed (U+000A)"),
    ("http://x/\nfoo", "http://x/\nfoo", "contains a line feed (U+000A)"),
    ("actor:a%zz", f"{ACTOR}a%zz", "has a '%' not followed by two hex digits"),
    ("actor:alpha\x00", f"{ACTOR}alpha\x00", "contains a NUL character (U+0000)"),
]


def not_iri_message(kind: str, given: str, iri: str, reason: str, accepted: str) -> str:
    return f"{kind} {given!r} is not an IRI: {iri!r} {reason}; accepted: {accepted}"


@pytest.mark.parametrize(
    ("given", "iri", "reason"), NOT_IRI_PARTIES, ids=[g for g, _, _ in NOT_IRI_PARTIES]
)
def test_a_party_that_makes_no_iri_is_an_ask_error_saying_why(folder, engine, given, iri, reason):
    store = fixture_store("boundaries", engine, folder)
    expected = not_iri_message("party", given, iri, reason, "alpha (or a party's IRI)")
    for question, params in (
        ("persisted", {"from": "2024", "to": "2025"}),
        ("position", {"at": "2025"}),
        ("conflicts", {"at": "2025"}),
    ):
        with pytest.raises(AskError) as error:
            ask(store, question, {"party": given, **params})
        assert str(error.value) == expected
    position = given.replace("actor:", "position:")
    with pytest.raises(AskError) as error:
        ask(store, "timeline", {"position": position})
    assert str(error.value) == not_iri_message(
        "position",
        position,
        iri.replace("/actor/", "/position/"),
        reason,
        "a, b, c, d, e, f (or a position's IRI)",
    )


def test_a_values_row_refuses_an_iri_that_could_end_early():
    from kg.questions import fill_values
    from kg.rdf.terms import BadIRI

    text = "SELECT * WHERE {\n  # VALUES ?party { actor:russia }\n}"
    with pytest.raises(BadIRI, match="contains '>'"):
        fill_values(text, ("party",), [(URIRef("http://x/> } DROP ALL <http://y"),)])
    with pytest.raises(BadIRI, match="contains a line feed"):
        fill_values(text, ("party",), [(URIRef("http://x/\n"),)])
    bound = fill_values(text, ("party",), [(URIRef(f"{ACTOR}alpha"),)])
    assert f"VALUES ?party {{ <{ACTOR}alpha> }}" in bound


@pytest.fixture(scope="module")
def web(folder):
    """A test client of the app serving the boundaries fixture."""
    from server import create_app, sparql
    from tests.asking import fixture_build

    app = create_app({"TESTING": True, "PTKG_DATASET": str(fixture_build("boundaries", folder))})
    yield app.test_client()
    sparql.shutdown(app)


@pytest.mark.parametrize(
    ("given", "iri", "reason"), NOT_IRI_PARTIES, ids=[g for g, _, _ in NOT_IRI_PARTIES]
)
def test_a_party_that_makes_no_iri_is_a_400_on_the_api_and_the_form(web, given, iri, reason):
    from markupsafe import escape

    expected = not_iri_message("party", given, iri, reason, "alpha (or a party's IRI)")
    params = {"party": given, "from": "2024", "to": "2025"}
    api = web.get("/api/ask/persisted", query_string=params)
    assert api.status_code == 400
    assert api.get_json() == {
        "ok": False,
        "status": 400,
        "error": expected,
        "request_id": api.headers["X-Request-Id"],  # the error shape carries the request's id
    }
    form = web.get("/questions/persisted", query_string=params)
    assert form.status_code == 400
    page = form.get_data(as_text=True)
    assert 'role="alert"' in page and escape(expected) in page
    assert "Traceback" not in page and "internal error" not in page


def test_parties_and_positions_by_iri_prefixed_name_short_name_or_label(folder):
    store = fixture_store("boundaries", "oxigraph", folder)
    base = {"from": "2024-06", "to": "2025-07"}
    expected = summary(ask(store, "persisted", {"party": "alpha", **base}))
    for name in (
        "https://w3id.org/peace-talks-kg/id/actor/alpha",
        "actor:alpha",
        "Alpha",
        " ALPHA ",
    ):
        assert summary(ask(store, "persisted", {"party": name, **base})) == expected
    for name in ("position:a", "Position A", "https://w3id.org/peace-talks-kg/id/position/a"):
        assert local(ask(store, "timeline", {"position": name}).parameters["position"]) == "a"
    assert ask(store, "timeline", {"demand": "a"}).parameters["position"].endswith("/position/a")


def test_a_graph_without_derived_lifecycles_is_refused(tmp_path):
    dataset = Dataset(default_union=True)
    for path in (
        REPO / "ontology" / "ptkg.ttl",
        ASK_FIXTURES / "common.ttl",
        ASK_FIXTURES / "boundaries.ttl",
    ):
        dataset.graph(GRAPH[path.name]).parse(path, format="turtle")
    write_nquads(dataset, tmp_path / "raw.nq")
    store = open_store("oxigraph")
    store.load_file(tmp_path / "raw.nq")
    with pytest.raises(AskError, match="no derived lifecycles"):
        ask(store, "persisted", {"party": "alpha", "from": "2024-06", "to": "2025-07"})


# --- the registry, the queries and the renderings -------------------------------------------------------


def test_every_question_has_documented_queries_with_a_values_line():
    for question in QUESTIONS.values():
        assert question.title and question.description
        for name in question.query_names():
            assert name in canned_queries()
            text = canned_query(name)
            assert text.startswith(f'# Temporal question "{question.name}"'), name
            assert "# VALUES " in text, f"{name}.rq has no VALUES line a researcher can edit"
            assert "docs/questions.md" in text or question.name == "timeline"
        for parameter in question.parameters:
            assert parameter.help
    assert [q["name"] for q in questions_to_dict()] == list(QUESTIONS)


def test_renderings(folder):
    found = answer(
        folder,
        "oxigraph",
        "withdrawal",
        "dropped",
        party="alpha",
        **{"from": "2024-06", "to": "2025-01"},
    )
    table = render(found, "table")
    assert "Dropped demands (dropped: party actor:alpha, from 2024-06, to 2025-01)" in table
    assert "Position A [withdrawn, certain]" in table
    assert "2024-11-03    day     withdrawal" in table
    assert "Undated evidence (not placed in time): 1" in table
    rows = render(found, "csv").splitlines()
    assert rows[0].startswith("section,category,certainty,party")
    assert sum(1 for r in rows if r.startswith("answer,withdrawn,certain,")) == 5
    assert rows[-1].startswith("undated,,,")
    assert render(found, "json") == found.to_json()
    with pytest.raises(AskError, match="accepted: table, json, csv"):
        render(found, "xml")


# --- the command line --------------------------------------------------------------------------------


def test_cli_synopsis_names_every_ask_question_and_option():
    from click import Option

    from kg.cli import cli

    reference = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    row = next(line for line in reference.splitlines() if line.startswith("| `kg ask "))
    group = cli.commands["ask"]
    assert set(group.commands) == set(QUESTIONS)
    for name, command in group.commands.items():
        assert name in row
        for param in command.params:
            if isinstance(param, Option):
                for flag in param.opts:
                    assert flag in row, f"docs/cli.md's row for `kg ask` does not mention {flag}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--party", "narnia", "--from", "2024-06", "--to", "2025"],
            "error: unknown party 'narnia'; accepted: alpha",
        ),
        (
            ["--party", "alpha", "--from", "2024-6", "--to", "2025"],
            "error: from '2024-6' is not a period; accepted: YYYY",
        ),
        (
            ["--party", "alpha", "--from", "2025", "--to", "2024"],
            "error: to (2024) must start after from (2025)",
        ),
        (
            ["--party", "alpha", "--from", "2024", "--to", "2025", "--mode", "x"],
            "Invalid value for '--mode'",
        ),
        (["--party", "alpha", "--from", "2024"], "Missing option '--to'"),
        (
            ["--party", "alpha", "--from", "2024", "--to", "2025", "--limit", "many"],
            "error: limit 'many' is not a whole number from 1 to 10000, or all",
        ),
        (
            ["--party", "alpha", "--from", "2024", "--to", "2025", "--offset", "1.5"],
            "error: offset '1.5' is not a whole number from 0 to 1000000000000",
        ),
    ],
)
def test_cli_mistakes_exit_2_with_what_is_accepted(runner, folder, args, message):
    from kg.cli import cli
    from tests.asking import fixture_build

    result = runner.invoke(
        cli, ["ask", "persisted", *args, "--dataset", str(fixture_build("boundaries", folder))]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_table_csv_and_help(runner, folder):
    from kg.cli import cli
    from tests.asking import fixture_build

    dataset = ["--dataset", str(fixture_build("withdrawal", folder))]
    table = runner.invoke(cli, ["ask", "position", "--party", "alpha", "--at", "2024-12", *dataset])
    assert table.exit_code == 0, table.output
    assert "Position B [uncertain]" in table.output
    assert "(3 answers: 2 certain, 1 uncertain; 1 undated statement)" in table.output
    rows = runner.invoke(cli, ["ask", "timeline", "--demand", "a", "--format", "csv", *dataset])
    assert rows.exit_code == 0 and rows.output.count("\nanswer,attestation,certain,") == 2
    listed = runner.invoke(cli, ["ask", "--help"])
    assert all(name in listed.output for name in QUESTIONS)


# --- the derived lifecycles ------------------------------------------------------------------------------


def test_derived_spells_of_a_withdrawn_and_renewed_demand(folder):
    from tests.asking import fixture_dataset

    dataset = fixture_dataset("withdrawal")
    result = dataset.query(
        """PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
        SELECT ?position ?kind ?start ?end ?certain WHERE {
          ?lifecycle pt:lifecyclePosition ?position ; ?kind ?spell .
          VALUES ?kind { pt:heldDuring pt:opposedDuring }
          ?spell pt:spellStart ?start ; pt:spellEnd ?end ; pt:spellCertain ?certain .
        } ORDER BY ?position ?start"""
    )
    spells = [
        (local(str(p)), str(k).split("#")[-1], str(s), str(e), c.toPython())
        for p, k, s, e, c in result
    ]
    assert [s for s in spells if s[0] in ("a", "b", "c")] == [
        ("a", "heldDuring", "2024-05-10", "2024-11-02", True),
        ("a", "heldDuring", "2025-07-20", "9999-12-31", True),
        # withdrawn some time in November, restated on the 20th: possibly held from the 1st on
        ("b", "heldDuring", "2024-05-10", "2024-10-31", True),
        ("b", "heldDuring", "2024-11-01", "9999-12-31", False),
        ("c", "heldDuring", "2024-05-10", "2024-08-31", True),
    ]


def test_derivation_is_deterministic():
    from kg.rdf.namespaces import DERIVED_GRAPH
    from tests.asking import fixture_dataset

    first = set(fixture_dataset("conflicts").graph(DERIVED_GRAPH))
    second = set(fixture_dataset("conflicts").graph(DERIVED_GRAPH))
    assert first == second and len(first) > 50
