"""Facts of the curated graph that are links, queryable with SPARQL, and readings that record what each source
says a sentence is (a justification, an assessment, a headline), asked of the build as a researcher would."""

from __future__ import annotations

import pytest

from kg.store import open_store
from kg.store.queries import with_prefixes


@pytest.fixture(scope="module")
def store(curated_build):
    found = open_store("oxigraph")
    found.load_file(curated_build)
    return found


def column(store, query: str) -> set[str]:
    """The first column of a SELECT, as prefixed-name-free local names."""
    return {str(row[0]).rsplit("/", 1)[-1] for row in store.query(with_prefixes(query)).rows}


def test_who_was_absent_from_the_may_2025_istanbul_round(store):
    query = "SELECT ?who WHERE { event:istanbul-round-2025-05-16 pt:absentee ?who }"
    assert column(store, query) == {"vladimir-putin"}


def test_the_guarantor_states_of_the_2022_drafts(store):
    query = """SELECT ?state WHERE {
      ?statement pt:atEvent event:istanbul-draft-accords-2022-03 ;
          pt:about position:security-guarantees-for-ukraine ;
          pt:guarantor ?state .
      ?state a pt:State .
    }"""
    assert column(store, query) == {"united-states", "russia", "china", "united-kingdom", "france"}


def test_who_the_proposed_meeting_of_presidents_would_include(store):
    query = "SELECT ?who WHERE { ?statement pt:proposedParticipant ?who }"
    assert {"turkiye", "united-states", "ukraine", "russia"} <= column(store, query)


def test_reasons_for_the_invasion_are_justifications_not_demands(store):
    query = """SELECT ?statement WHERE {
      ?statement a pt:Justification ; pt:speaker actor:vladimir-putin ; pt:about event:full-scale-invasion-2022 .
    }"""
    assert column(store, query) == {
        "putin-undated-protect-russian-speakers",
        "putin-undated-denazification",
    }
    demands = "SELECT ?s WHERE { ?s a pt:PositionStatement ; pt:about position:denazification }"
    assert column(store, demands) == set()


def test_no_position_is_read_into_a_description_or_a_headline(store):
    query = """SELECT ?actor WHERE {
      ?statement a pt:PositionStatement ; pt:onBehalfOf ?actor .
      VALUES ?actor { actor:neutral-countries actor:global-leaders }
    }"""
    assert column(store, query) == set()
    headline = "SELECT ?s WHERE { ?s a pt:Headline ; pt:speaker actor:volodymyr-zelenskyy }"
    assert column(store, headline)
    mediation = """SELECT ?s WHERE {
      ?s a pt:Assessment ; pt:speaker actor:author-of-doc-004 ; pt:about event:mediation-by-neutral-countries .
    }"""
    assert {
        "neutral-countries-undated-mediation-prisoner-exchanges",
        "neutral-countries-undated-mediation-grain-exports",
        "neutral-countries-undated-mediation-nuclear-safety",
    } <= column(store, mediation)


def test_the_drafters_are_no_party_and_their_terms_lapse_with_the_2022_talks(store):
    query = """SELECT ?statement WHERE {
      ?statement pt:onBehalfOf ?drafters ; pt:lapsesWith event:istanbul-talks-2022 .
      ?drafters a pt:NonParty .
    }"""
    assert len(column(store, query)) == 5
    veto = "SELECT ?party WHERE { statement:russia-2022-demands-veto-over-guarantors pt:onBehalfOf ?party }"
    assert "russia" in column(store, veto)


def test_report_dates_are_the_sources_own(store):
    query = """SELECT ?source ?date WHERE { ?source pt:reportDate ?date }"""
    rows = {(str(s).rsplit("/", 1)[-1], str(d)) for s, d in store.query(with_prefixes(query)).rows}
    assert rows == {("doc-002", "2025-05-15"), ("doc-003", "2025-08")}
