"""``kg.rdf.terms.checked_iri``: the one checked way from a user's text to an IRI."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rdflib import Graph, URIRef
from rdflib.plugins.sparql import prepareQuery

from kg.rdf.terms import BadIRI, checked_iri
from kg.store import sparql_term


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a b", "not an IRI: 'a b' contains a space"),
        ("<x>", "not an IRI: '<x>' contains '<', which no IRI may hold"),
        ("http://x> } #", "not an IRI: 'http://x> } #' contains '>', which no IRI may hold"),
        ('http://x/"', "not an IRI: 'http://x/\"' contains '\"', which no IRI may hold"),
        ("http://x/{", "not an IRI: 'http://x/{' contains '{', which no IRI may hold"),
        ("http://x/a\r\nb", r"not an IRI: 'http://x/a\r\nb' contains a carriage return (U+000D)"),
        ("http://x/a\nb", r"not an IRI: 'http://x/a\nb' contains a line feed (U+000A)"),
        ("http://x/a\x00", r"not an IRI: 'http://x/a\x00' contains a NUL character (U+0000)"),
        ("http://x/a\x7f", r"not an IRI: 'http://x/a\x7f' contains the control character U+007F"),
        ("http://x/%b", "not an IRI: 'http://x/%b' has a '%' not followed by two hex digits"),
        ("http://x/%zz", "not an IRI: 'http://x/%zz' has a '%' not followed by two hex digits"),
        (
            "http://x/\ufffd",
            "not an IRI: 'http://x/\ufffd' contains U+FFFD, which no IRI may hold "
            "(it stands in for bytes that are not UTF-8)",
        ),
        ("http://x/\ud800", r"not an IRI: 'http://x/\ud800' contains the lone surrogate U+D800"),
        ("russia", "not an IRI: 'russia' has no scheme (such as https:)"),
        ("", "not an IRI: '' is empty"),
        ("http://x/#a#b", "breaks the IRI syntax of RFC 3987"),
    ],
)
def test_text_that_is_no_iri_is_refused_with_the_reason(text, message):
    with pytest.raises(BadIRI) as refused:
        checked_iri(text)
    assert message in str(refused.value)
    assert refused.value.text == text
    assert isinstance(refused.value, ValueError)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "text",
    [
        "https://w3id.org/peace-talks-kg/id/actor/russia",
        "http://x/caf%C3%A9",
        "http://x/%FF",
        "http://x/é?q=1#frag",
        "http://[::1]:8080/a",
        "urn:isbn:0451450523",
        "x:",
    ],
)
def test_an_iri_is_returned_as_it_is(text):
    assert checked_iri(text) == URIRef(text)
    assert type(checked_iri(text)) is URIRef


def test_the_term_writer_refuses_what_the_check_refuses():
    with pytest.raises(BadIRI, match="contains '>'"):
        sparql_term(URIRef("http://x/> } DROP ALL <http://y"))
    with pytest.raises(BadIRI, match="contains a line feed"):
        sparql_term(URIRef("http://x/\n"))


SCHEMES = st.sampled_from(["http://", "https://w3id.org/", "urn:", "x:", "mailto:", "a+b.c-d:"])
IRI_PIECES = [*"azAZ09-._~:/?#[]@!$&'()*+,;=%", "%20", "%FF", "%g", "é", "\u00a0", "\ue000"]
NO_IRI_PIECES = [*' <>"{}|^`\\', "\x00", "\t", "\r", "\n", "\x7f", "\x85", "\ufffd", "\ud800"]
IRI_ALPHABET = st.sampled_from(IRI_PIECES + NO_IRI_PIECES)


@given(
    st.one_of(
        st.text(),
        st.builds(str.__add__, SCHEMES, st.text()),
        st.builds(str.__add__, SCHEMES, st.lists(IRI_ALPHABET).map("".join)),
    )
)
@example("http://x> } #")
@example("https://w3id.org/peace-talks-kg/id/actor/a b")
@example("http://x/%2")
def test_any_text_is_an_iri_that_sparql_reads_back_or_a_bad_iri(text):
    """Whatever the text, a checked IRI is read back by rdflib's and Oxigraph's SPARQL parsers as
    the same IRI; anything else is a BadIRI, never another exception."""
    try:
        term = checked_iri(text)
    except BadIRI as refused:
        assert str(refused).startswith(f"not an IRI: {text!r} ")
        return
    assert term == URIRef(text)
    written = term.n3()
    assert sparql_term(term) == written
    query = f"SELECT ?s WHERE {{ VALUES ?s {{ {written} }} }}"
    assert list(Graph().query(prepareQuery(query))) == [(term,)]
    assert prepareQuery(f"ASK {{ {written} ?p ?o }}") is not None
    assert [row["s"] for row in ox.Store().query(query)] == [ox.NamedNode(text)]
