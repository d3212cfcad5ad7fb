"""The guard's quick reading of common queries (``kg.endpoint.recogniser``) decides exactly as
rdflib's parser does: the very same CheckedQuery or the very same refusal, on every query of
the test suites' corpora, their mutations and generated queries; and a recogniser made one rule
more permissive is caught."""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.plugins.sparql.parser import parseQuery

from bench.endpoint import GUARD_QUERIES
from kg.endpoint import guard, recogniser, subset_terms
from kg.endpoint.guard import QueryRefused, check_query
from kg.endpoint.sparql_text import canonical, lexemes
from kg.store import QuerySyntaxError
from tests import test_guard_decisions, test_sparql_guard, test_sparql_protocol
from tests.test_fuzz import graph_iris, sparql_texts
from tests.test_guard_decisions import BASES, CANARY

REPO = Path(__file__).resolve().parents[1]


def decision(text: str, default=(), named=(), base=None) -> tuple:
    """What the guard decides, every field of the CheckedQuery included, or the refusal."""
    try:
        checked = check_query(text, default, named, base=base)
    except (QuerySyntaxError, QueryRefused) as exc:
        return type(exc).__name__, str(exc)
    return (
        "accepted",
        checked.form,
        checked.dataset,
        checked.text,
        checked.base,
        checked.returns_graph,
        checked.footprint(),
    )


def recognised(text: str) -> bool:
    """Whether the recogniser decides ``text`` itself (else rdflib's parser does)."""
    try:
        written = canonical(text).text
    except QuerySyntaxError:
        return False
    return recogniser.recognise(written, lexemes(written), guard._bindings()) is not None


def both(text: str, default=(), named=(), base=None) -> tuple[tuple, tuple]:
    """The decision with the recogniser, and the one by rdflib's parser alone."""
    quick = decision(text, default, named, base)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(guard, "recognise", lambda *_: None)
        full = decision(text, default, named, base)
    return quick, full


# --- the corpora -----------------------------------------------------------------------------

EDGES = [
    # keywords touching keyword characters, as pyparsing reads them
    "SELECT$x WHERE { $x ?p ?o }",
    "SELECT $x WHERE { $x ?p ?o }",
    "SELECT * WHERE { ?s ?p 1 }LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10OFFSET 2",
    "ASK { ?s ?p ?o FILTER(?o IN(1,2)) }",
    "ASK { ?s ?p ?o FILTER(?o NOT IN (1)) }",
    "ASK { ?s ?p ?o FILTER(?o NOT  IN(1)) }",
    # prefixed names whose prefix is a keyword, or odd
    "PREFIX select: <http://e/> ASK { ?s select:p ?o }",
    "PREFIX a: <http://e/> ASK { ?s a:p ?o }",
    "PREFIX true: <http://e/> ASK { ?s ?p true:x }",
    "PREFIX named: <http://e/> SELECT * FROM NAMED:x WHERE { ?s ?p ?o }",
    "ASK { ?s pt:a.b ?o }",
    "ASK { ?s pt:a\\.b ?o }",
    "ASK { ?s pt:a%41 ?o }",
    "ASK { ?s : ?o }",
    "PREFIX : <http://e/> ASK { ?s : ?o . ?s :x ?o }",
    # verbs and path modifiers
    "SELECT * WHERE { ?s a?o }",
    "SELECT * WHERE { ?s a ?o }",
    "SELECT * WHERE { ?s A ?o }",
    "SELECT * WHERE { ?s pt:p?o }",
    "SELECT * WHERE { ?s pt:p* ?o }",
    "SELECT * WHERE { ?s pt:p/pt:q ?o }",
    "SELECT * WHERE { ?s pt:p|pt:q ?o }",
    "SELECT * WHERE { ?s ^pt:p ?o }",
    "SELECT * WHERE { ?s ?p?o }",
    "CONSTRUCT { ?s pt:p?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o ; }",
    "SELECT * WHERE { ?s ?p ?o ;; ?q ?r , ?t . }",
    "SELECT * WHERE { ?s ?p ?o . . }",
    "SELECT * WHERE { ?s ?p ?o , }",
    # literals
    'ASK { ?s ?p "x"@en }',
    'ASK { ?s ?p "x" @en }',
    'ASK { ?s ?p "x"@en-GB-oed }',
    'ASK { ?s ?p "1"^^xsd:integer }',
    'ASK { ?s ?p "x"^^xsd:integer }',
    'ASK { ?s ?p "1" ^^xsd:integer }',
    'ASK { ?s ?p "1"^^ xsd:integer }',
    'ASK { ?s ?p "1"^^<http://www.w3.org/2001/XMLSchema#int> }',
    'ASK { ?s ?p "1"^^nope:int }',
    'ASK { ?s ?p "1"^^<int> }',
    'ASK { ?s ?p "a""b" }',
    'ASK { ?s ?p "a" "b" }',
    'ASK { ?s ?p "" }',
    'ASK { ?s ?p """""" }',
    "ASK { ?s ?p '' }",
    'ASK { ?s ?p "a\\\\u0041" }',
    'ASK { ?s ?p "a\\\\U00000041b" }',
    'ASK { ?s ?p "tab\\t\\"q\\"" }',
    "ASK { ?s ?p 1.5 . ?s ?p .5 . ?s ?p 1e9 . ?s ?p 1.e3 . ?s ?p 1. }",
    "ASK { ?s ?p -1 }",
    "ASK { ?s ?p +1.5 }",
    "ASK { ?s ?p " + "9" * 5000 + " }",
    "ASK { ?s ?p 1e99999 }",
    "ASK { ?s ?p true . ?s ?p FALSE }",
    "ASK { true ?p ?o }",
    'ASK { "s" ?p ?o }',
    # IRIs
    "ASK { <s> ?p ?o }",
    "ASK { <http://e/s> ?p <#o> }",
    "ASK { <//[x> ?p ?o }",
    "BASE <http://a/b/> ASK { <c> ?p ?o }",
    "SELECT * FROM <g> WHERE { ?s ?p ?o }",
    "SELECT * FROM <http://e/g> FROM NAMED <http://e/h> FROM pt:g WHERE { ?s ?p ?o }",
    "SELECT * FROM <urn:x-arq:DefaultGraph> WHERE { ?s ?p ?o }",
    "SELECT * FROM <http://e/a b> WHERE { ?s ?p ?o }",
    # prologue
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ASK { ?s rdfs:label ?o }",
    "PREFIX rdfs: <http://e/> ASK { ?s rdfs:label ?o }",
    "PREFIX x: <http://www.w3.org/2000/01/rdf-schema#> ASK { ?s rdfs:label ?o }",
    "PREFIX ex: <http://e/> PREFIX ex: <http://f/> ASK { ?s ex:p ?o }",
    "PREFIX ex: <http://e/> PREFIX ey: <http://e/> ASK { ?s ex:p ?o }",
    "PREFIX ex: <http://e/> PREFIX ex: <http://e/> ASK { ?s ex:p ?o }",
    "PREFIX ex: <rel/> ASK { ?s ex:p ?o }",
    "PREFIX ex:x <http://e/> ASK { ?s ?p ?o }",
    "PREFIX ex:<http://e/>ASK{?s ex:p ?o}",
    # operators
    "ASK { ?s ?p ?o FILTER(?o<=3) }",
    "ASK { ?s ?p ?o FILTER(?o< =3) }",
    "ASK { ?s ?p ?o FILTER(?o ! = 3) }",
    "ASK { ?s ?p ?o FILTER(?o != 3 && ?o >= 1 || !bound(?o)) }",
    "ASK { ?s ?p ?o FILTER(?o & & ?o) }",
    "ASK { ?s ?p ?o FILTER(?o<?z&&?z>?o) }",
    "ASK { ?s ?p ?o FILTER(?o<?z && ?z>?o) }",
    "ASK { ?s ?p ?o FILTER(- -1 < ?o) }",
    "ASK { ?s ?p ?o FILTER(-?o < +?o * 2 / 3 - 1) }",
    "ASK { ?s ?p ?o FILTER(?o = -1) }",
    "ASK { ?s ?p ?o FILTER(!!?o) }",
    # built-ins, aggregates and calls
    'SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?o) AS ?m) (GROUP_CONCAT(?o; SEPARATOR=", ") AS ?g) '
    "WHERE { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1) ORDER BY DESC(?n) ASC(?m) ?s LIMIT 5",
    "SELECT (SAMPLE(?o) AS ?x) (SUM(?o) AS ?y) (AVG(DISTINCT ?o) AS ?z) WHERE { ?s ?p ?o }",
    "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT (COUNT(DISTINCT) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(regex(str(?o), \"x\", 'i')) }",
    'SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, "x", "i", "j")) }',
    'SELECT * WHERE { ?s ?p ?o FILTER(contains(lcase(str(?o)), "x") || strstarts(?o, "a")) }',
    'SELECT * WHERE { ?s ?p ?o FILTER(langMatches(lang(?o), "en")) }',
    "SELECT * WHERE { ?s ?p ?o FILTER(sameterm(?s, ?o) && isIRI(?s) && isLiteral(?o)) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(bound(?o)) FILTER(BOUND(1)) }",
    'SELECT * WHERE { ?s ?p ?o BIND(IF(?o > 1, "a", "b") AS ?x) BIND(NOW() AS ?t) }',
    "SELECT * WHERE { ?s ?p ?o BIND(CONCAT() AS ?x) BIND(COALESCE(?o, 1) AS ?y) }",
    "SELECT * WHERE { ?s ?p ?o BIND(BNODE() AS ?x) BIND(BNODE(?o) AS ?y) BIND(RAND ( ) AS ?z) }",
    'SELECT * WHERE { ?s ?p ?o BIND(substr(?o, 1) AS ?x) BIND(REPLACE(?o, "a", "b") AS ?y) }',
    "SELECT * WHERE { ?s ?p ?o BIND(xsd:integer(?o) AS ?x) BIND(<http://e/f>(DISTINCT ?o, 1) AS ?y) }",
    "SELECT * WHERE { ?s ?p ?o BIND(pt:f() AS ?x) BIND(nope:f(?o) AS ?y) }",
    'SELECT * WHERE { ?s ?p ?o FILTER pt:f(?o) FILTER regex(?o, "a") FILTER (?o) }',
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { ?o ?p ?s } FILTER NOT EXISTS { ?o ?q ?s } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(NOT EXISTS { ?o ?p ?s }) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(STRLEN(?o)) } ORDER BY STR(?o) pt:f(?o) LIMIT 1 OFFSET 2",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY pt:f LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } OFFSET 2 LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1.5",
    "SELECT * WHERE { ?s ?p ?o } GROUP BY (?o AS ?x) STR(?s) ?p",
    "SELECT (?o + 1 AS ?x) ?s WHERE { ?s ?p ?o }",
    "SELECT ?s (?o AS) WHERE { ?s ?p ?o }",
    # patterns
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } . ?r ?q ?x MINUS { ?s a pt:State } }",
    "SELECT * WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } UNION { } }",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } GRAPH <http://e/g> { } GRAPH pt:g { ?s ?p ?o } }",
    'SELECT * WHERE { VALUES ?x { 1 "a" <http://e/x> pt:x UNDEF true } ?x ?p ?o }',
    'SELECT * WHERE { VALUES (?x ?y) { (1 2) (UNDEF "b"@en) () } } VALUES ?z { 1 }',
    "SELECT * WHERE { VALUES () { () () } }",
    "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s LIMIT 2 } ?s ?q ?r }",
    "SELECT * WHERE { { SELECT * { ?s ?p ?o } VALUES ?s { <http://e/s> } } }",
    "SELECT * { ?s ?p ?o }",
    "SELECT WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p [] }",
    "SELECT * WHERE { ?s ?p [ ?q ?r ] }",
    "SELECT * WHERE { ?s ?p ( 1 2 ) }",
    "SELECT * WHERE { ?s ?p _:b }",
    "SELECT * WHERE { ?s ?p ?o } VALUES",
    "SELECT * WHERE { ?s ?p ?o",
    "ASK {} ASK {}",
    "ASK WHERE {}",
    "ASK FROM <http://e/g> {}",
    "DESCRIBE <http://e/x>",
    "DESCRIBE ?x pt:y <http://e/z> WHERE { ?x ?p ?o }",
    "DESCRIBE * FROM NAMED <http://e/g> { ?s ?p ?o } LIMIT 3",
    "CONSTRUCT { ?s ?p ?o . ?o a pt:X ; pt:y 1 , 2 } WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "CONSTRUCT {} FROM <http://e/g> WHERE { ?s ?p ?o } ORDER BY ?s",
    "INSERT DATA { <a:s> <a:p> <a:o> }",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
    # nesting
    "ASK " + "{ " * 12 + "?s ?p ?o" + " }" * 12,
    "ASK " + "{ " * 40 + "?s ?p ?o" + " }" * 40,
    "ASK { ?s ?p ?o FILTER(" + "(" * 12 + "?o" + ")" * 12 + ") }",
    "ASK { ?s ?p ?o FILTER(" + "str(" * 30 + "?o" + ")" * 30 + ") }",
    "ASK { " + " . ".join(f"?s{i} ?p ?o" for i in range(40)) + " }",
    "ASK { " + " . ".join(f"?s{i} ?p ?o" for i in range(90)) + " }",
]
"""Queries at the edge of each rule of the recogniser (and a few beyond the subset)."""


def harvested(*modules) -> list[str]:
    """Every string a parametrised test of ``modules`` passes that reads like a query."""
    found: list[str] = []
    for module in modules:
        for _, function in inspect.getmembers(module, inspect.isfunction):
            for mark in getattr(function, "pytestmark", []):
                if mark.name != "parametrize":
                    continue
                for values in mark.args[1]:
                    values = getattr(values, "values", values)
                    for value in values if isinstance(values, tuple) else (values,):
                        if isinstance(value, str) and "{" in value:
                            found.append(value)
    return found


def canned() -> list[str]:
    """The project's own queries (kg/queries) and the fixtures' ``.rq`` files."""
    paths = sorted((REPO / "kg" / "queries").glob("*.rq"))
    paths += sorted((REPO / "tests" / "fixtures").rglob("*.rq"))
    return [path.read_text(encoding="utf-8") for path in paths]


def corpus() -> list[str]:
    texts = [*EDGES, *test_guard_decisions.corpus(), *canned()]
    texts += harvested(test_sparql_guard, test_guard_decisions, test_sparql_protocol)
    return list(dict.fromkeys(texts))


def disagreements(texts: list[str], base: str | None = BASES[1]) -> Iterator[str]:
    for text in texts:
        quick, full = both(text, base=base)
        if quick != full:
            yield text


@pytest.mark.slow
def test_the_corpora_get_the_same_decisions():
    texts = corpus()
    assert list(disagreements(texts)) == []
    assert list(disagreements(EDGES, base=None)) == []
    decided = {both(text)[1][0] for text in texts}
    assert decided == {"accepted", "QuerySyntaxError", "QueryRefused"}
    share = sum(map(recognised, texts)) / len(texts)
    assert share > 0.3, share  # the recogniser is exercised, not merely stepped aside


def test_the_recogniser_fails_only_by_stepping_aside():
    """It answers None for a fault of its own too (rdflib then decides), which would hide the
    fault: on the corpora it may only ever be unsure."""
    for text in corpus():
        try:
            written = canonical(text).text
        except QuerySyntaxError:
            continue
        reader = recogniser._Reader(written, lexemes(written), guard._bindings())
        with contextlib.suppress(subset_terms.Unsure):  # anything else fails the test
            reader.query()


def test_the_typical_queries_are_read_without_rdflibs_parser():
    for text in GUARD_QUERIES.values():
        assert recognised(text), text
        quick, full = both(text, base=BASES[2])
        assert quick == full


# --- generated queries -----------------------------------------------------------------------

GAPS = ["", " ", " ", " ", "\n", " # note\n", "\t"]
TERMS = [
    "?s", "?o", "$x", "?o1", "<http://e/x>", "<x>", "<http://e/a#b>", "pt:x", "rdfs:label",
    "nope:x", ":x", "pt:", "select:x", "pt:a.b", '"x"', '"x"@en', '"1"^^xsd:integer',
    "'y'", '"x" @en', "1", "1.5", ".5", "1e3", "-1", "true", "FALSE", "[]", "_:b", "()",
]  # fmt: skip
VERBS = ["?p", "a", "A", "pt:p", "<http://e/p>", "rdf:type", "pt:p/pt:q", "nope:p", "$v"]
FUNCTIONS = [
    "str", "LANG", "lcase", "STRLEN", "isIRI", "bound", "contains", "regex", "COUNT", "SUM",
    "IF", "COALESCE", "CONCAT", "NOW", "pt:f", "<http://e/f>", "xsd:integer", "EXISTS", "nope",
]  # fmt: skip
OPERATORS = ["=", "!=", "<", ">", "<=", ">=", "&&", "||", "+", "-", "*", "/", "IN", "NOT IN"]
PROLOGUES = [
    "",
    "",
    "PREFIX ex: <http://e/> ",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ",
    "PREFIX pt: <http://e/> ",
    "PREFIX : <http://e/> ",
    "BASE <http://a/> ",
]


@st.composite
def expressions(draw, depth: int = 0) -> str:
    choice = draw(st.integers(0, 5 if depth < 3 else 1))
    gap = draw(st.sampled_from(GAPS[:4]))
    if choice <= 1:
        return draw(st.sampled_from(["?o", "?s", "1", '"en"', "true", "pt:x", "-?o", "!?o"]))
    if choice == 2:
        operator = draw(st.sampled_from(OPERATORS))
        left, right = draw(expressions(depth + 1)), draw(expressions(depth + 1))
        if operator.endswith("IN"):
            return f"{left} {operator}{gap}({right}, 1)"
        return f"{left}{gap}{operator}{gap}{right}"
    if choice == 3:
        return f"({gap}{draw(expressions(depth + 1))}{gap})"
    name = draw(st.sampled_from(FUNCTIONS))
    if name == "EXISTS":
        return "EXISTS { ?s ?p ?o }"
    count = draw(st.integers(0, 3))
    arguments = ", ".join(draw(expressions(depth + 1)) for _ in range(count))
    return f"{name}{gap}({arguments})"


@st.composite
def triples(draw) -> str:
    gap = lambda: draw(st.sampled_from(GAPS))  # noqa: E731
    found = []
    for _ in range(draw(st.integers(1, 3))):
        subject = draw(st.sampled_from(TERMS))
        verb, obj = draw(st.sampled_from(VERBS)), draw(st.sampled_from(TERMS))
        more = draw(st.sampled_from(["", " ; pt:q ?z", " , ?z", " ;", ""]))
        found.append(f"{subject}{gap()}{verb}{gap()}{obj}{more}")
    return f"{gap()}.{gap()}".join(found) + draw(st.sampled_from(["", " .", "."]))


@st.composite
def patterns(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 9 if depth < 2 else 2))
        if kind <= 2:
            parts.append(draw(triples()))
        elif kind == 3:
            parts.append(f"FILTER({draw(expressions())})")
        elif kind == 4:
            parts.append(f"BIND({draw(expressions())} AS ?b{depth})")
        elif kind == 5:
            keyword = draw(st.sampled_from(["OPTIONAL", "MINUS", "GRAPH ?g", "GRAPH pt:g", ""]))
            parts.append(f"{keyword} {{ {draw(patterns(depth + 1))} }}")
        elif kind == 6:
            parts.append(
                f"{{ {draw(patterns(depth + 1))} }} UNION {{ {draw(patterns(depth + 1))} }}"
            )
        elif kind == 7:
            parts.append(
                draw(st.sampled_from(["VALUES ?v { 1 UNDEF pt:x }", "VALUES (?v ?w) { (1 2) }"]))
            )
        elif kind == 8:
            parts.append(f"{{ SELECT ?s WHERE {{ {draw(patterns(depth + 1))} }} LIMIT 3 }}")
        else:
            parts.append(f"FILTER {draw(st.sampled_from(FUNCTIONS))}(?o)")
    gap = draw(st.sampled_from(GAPS))
    return gap.join(parts)


@st.composite
def queries(draw) -> str:
    prologue = draw(st.sampled_from(PROLOGUES))
    form = draw(
        st.sampled_from(
            [
                "SELECT *",
                "SELECT DISTINCT ?s ?o",
                "SELECT ?s (COUNT(?o) AS ?n)",
                "ASK",
                "CONSTRUCT { ?s ?p ?o }",
                "DESCRIBE ?s",
                "SELECT",
            ]
        )
    )
    dataset = draw(st.sampled_from(["", "", "FROM <http://e/g> ", "FROM NAMED pt:g ", "FROM <g> "]))
    where = draw(st.sampled_from(["WHERE ", "", "where"]))
    modifier = draw(
        st.sampled_from(
            ["", "", "GROUP BY ?s", "ORDER BY DESC(?o)", "LIMIT 5", "ORDER BY ?s LIMIT 2 OFFSET 1"]
        )
    )
    text = f"{prologue}{form} {dataset}{where}{{ {draw(patterns())} }} {modifier}"
    if draw(st.booleans()):  # one terminal dropped or doubled, to step just outside the subset
        words = text.split(" ")
        at = draw(st.integers(0, len(words) - 1))
        words[at : at + 1] = draw(st.sampled_from([[], [words[at], words[at]], [words[at] + "."]]))
        text = " ".join(words)
    return text


GENERATED = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@GENERATED
@given(queries(), st.sampled_from(BASES))
def test_generated_queries_get_the_same_decisions(text, base):
    quick, full = both(text, base=base)
    assert quick == full


@st.composite
def fuzzed_requests(draw) -> tuple[str, list[str], list[str], str | None]:
    """The fuzzer's mutated queries with its dataset parameters and a base, canary filled in."""
    default, named = (
        draw(st.lists(graph_iris(), max_size=2)),
        draw(st.lists(graph_iris(), max_size=2)),
    )
    return (
        draw(sparql_texts()).replace("{canary}", CANARY),
        [iri.replace("{canary}", CANARY) for iri in default],
        [iri.replace("{canary}", CANARY) for iri in named],
        draw(st.sampled_from(BASES)),
    )


@GENERATED
@given(fuzzed_requests())
def test_the_fuzzers_mutated_queries_get_the_same_decisions(request):
    quick, full = both(*request)
    assert quick == full


# --- the recursion rdflib's parser would use --------------------------------------------------


def frames_used(text: str) -> int:
    """The deepest stack rdflib's parser reaches parsing ``text``, in frames below its call."""
    deepest = 0
    start = len(inspect.stack(0))

    def count(frame, event, _):
        nonlocal deepest
        if event == "call":
            depth = 0
            while frame is not None:
                depth, frame = depth + 1, frame.f_back
            deepest = max(deepest, depth)

    sys.setprofile(count)
    try:
        parseQuery(text)
    finally:
        sys.setprofile(None)
    return deepest - start


@pytest.mark.slow
def test_the_frames_counted_are_never_fewer_than_rdflib_uses():
    shapes = [text for text in corpus() if recognised(text)]
    shapes += [
        "ASK " + "{ " * 10 + "?s ?p ?o" + " }" * 10,
        "ASK { ?s ?p ?o FILTER(" + "(" * 7 + "?o" + ")" * 7 + ") }",
        "ASK { ?s ?p ?o FILTER(" + "str(" * 7 + "?o" + ")" * 7 + ") }",
        "ASK { " + " . ".join(f"?s{i} ?p ?o" for i in range(25)) + " }",
        "ASK { { SELECT * { { ?s ?p ?o FILTER EXISTS { ?s ?p ?o FILTER((?o)) } } } } }",
        "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o OPTIONAL { ?o ?q ?r MINUS { ?r ?q ?s } } }",
    ]
    checked = 0
    for text in dict.fromkeys(shapes):
        written = canonical(text).text
        if not recognised(written):
            continue
        used = frames_used(written)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(subset_terms, "MOST_FRAMES", used - 1)
            assert not recognised(written), (used, text)  # counted more than it used
        checked += 1
    assert checked > 50


# --- a recogniser one rule too permissive is caught -------------------------------------------


def _any_prefix(reader, original=recogniser._Reader.iri):
    if reader.kind() == "pname" and reader.word().partition(":")[0] not in reader.namespace_of:
        reader.at += 1
        return URIRef("urn:x-undeclared")
    return original(reader)


def _no_path_check(reader, original=recogniser._Reader.verb):
    if reader.kind() == "word" and reader.word() == "a":
        reader.at += 1
        return
    original(reader)


BREAKS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "undeclared prefixes resolve": lambda p: p.setattr(recogniser._Reader, "iri", _any_prefix),
    "keywords may touch keyword characters": lambda p: p.setattr(
        subset_terms, "IDENTIFIER", frozenset()
    ),
    "a verb may touch ?": lambda p: p.setattr(recogniser._Reader, "verb", _no_path_check),
    "a literal's tag need not touch it": lambda p: p.setattr(
        recogniser._Reader, "touches", lambda reader, ahead: True
    ),
    "no recursion counted": lambda p: p.setattr(subset_terms, "MOST_FRAMES", 10**9),
    "\\u in strings": lambda p: p.setattr(recogniser, "expandUnicodeEscapes_re", _Never()),
}


class _Never:
    @staticmethod
    def search(_: str) -> None:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("name", BREAKS)
def test_a_recogniser_one_rule_too_permissive_is_caught(name):
    with pytest.MonkeyPatch.context() as patch:
        BREAKS[name](patch)
        found = list(disagreements(corpus()))
    assert found, f"breaking {name!r} went unnoticed"
