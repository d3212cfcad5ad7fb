"""Property-based tests (Hypothesis) of the temporal questions on random small graphs.

A random party record (attestations and endings of one position, dated at day, month or year precision) is
built into a store the way ``kg build`` builds it (derived lifecycles included) and asked with the shipped
queries. The answers are checked against every *possible world*: each statement placed on one day of its
interval, statements on the same day in either order. "certain" must hold in every world and a missing
answer in none (never silently counted as certain, never silently dropped); for the in-force questions and
``added`` the answer is exact (uncertain = true in some world, false in another). ``diff`` must partition the
union of the two positions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import permutations, product

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.pipeline.derive import derive_store
from kg.questions import ask, question_query
from kg.rdf.namespaces import ID, PT
from kg.rdf.periods import Interval, Period, interval_of, parse_period
from kg.rdf.results import SelectResult
from kg.store import OxigraphStore

PARTY = ID["actor/alpha"]
ONE = timedelta(days=1)
START = date(2024, 1, 1)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# --- random records ---------------------------------------------------------------------------------


AS_OF = "by:"
"""Before a lexical form: the date is a report date (``pt:AsOfReport``), stated on or before it."""


@st.composite
def dates(draw) -> tuple[str, Interval]:
    """A pt:date lexical form in January–April 2024 at day (mostly), month or year precision; one in
    six a report date (``by:`` in front; its interval has no first day)."""
    day = START + timedelta(days=draw(st.integers(0, 120)))
    precision = draw(st.sampled_from(["day", "day", "day", "month", "month", "year"]))
    lexical = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[
        precision
    ]
    as_of = draw(st.integers(0, 5)) == 0
    interval = interval_of(lexical, precision, "as-of" if as_of else "stated")
    assert interval is not None
    return (AS_OF if as_of else "") + lexical, interval


DATATYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}


def date_quads(statement: URIRef, lexical: str, graph: URIRef) -> list[tuple]:
    """A statement's pt:date (and pt:dateBasis pt:AsOfReport for a ``by:`` date)."""
    as_of = lexical.startswith(AS_OF)
    lexical = lexical.removeprefix(AS_OF)
    quads = [(statement, PT.date, Literal(lexical, datatype=DATATYPES[len(lexical)]), graph)]
    if as_of:
        quads.append((statement, PT.dateBasis, PT.AsOfReport, graph))
    return quads


@st.composite
def records(draw, size: int = 4) -> list[tuple[bool, str, Interval]]:
    """Up to ``size`` statements of one party on one position: (supporting?, date, interval)."""
    count = draw(st.integers(1, size))
    return [(draw(st.booleans()) or i == 0, *draw(dates())) for i in range(count)]


@st.composite
def period_pairs(draw) -> tuple[Period, Period]:
    first, second = sorted(draw(st.lists(st.integers(0, 120), min_size=2, max_size=2, unique=True)))
    texts = []
    for offset in (first, second):
        day = START + timedelta(days=offset)
        texts.append(draw(st.sampled_from([day.isoformat(), day.isoformat()[:7]])))
    before, after = parse_period(texts[0]), parse_period(texts[1], allow_open=True)
    assume(before.end < after.start)
    if draw(st.booleans()):
        after = parse_period(texts[1] + "..", allow_open=True)
    return before, after


def store_of(
    positions: dict[str, list[tuple[bool, str, Interval]]],
    comprises: tuple[tuple[str, str], ...] = (),
    supporting_also_about: dict[str, str] | None = None,
) -> OxigraphStore:
    """A store with the records (one position each) and their derived lifecycles; ``comprises``
    makes packages of positions, ``supporting_also_about`` makes each supporting statement of a
    record about one more position."""
    store = OxigraphStore()
    graph = ID["graph/test"]
    quads = [
        (PT.Demands, RDF.type, PT.SupportingStance, graph),
        (PT.Withdraws, RDF.type, PT.OpposingStance, graph),
        (URIRef(ID["position/p"]), RDF.type, PT.Position, graph),
    ]
    quads += [(ID[f"position/{a}"], PT.comprises, ID[f"position/{b}"], graph) for a, b in comprises]
    for name, record in positions.items():
        position = ID[f"position/{name}"]
        quads.append((position, RDF.type, PT.Position, graph))
        also = (supporting_also_about or {}).get(name)
        for n, (supporting, lexical, _interval) in enumerate(record):
            statement = ID[f"statement/{name}-{n}"]
            quads += [
                (statement, RDF.type, PT.PositionStatement, graph),
                (statement, PT.onBehalfOf, PARTY, graph),
                (statement, PT.about, position, graph),
                (statement, PT.stance, PT.Demands if supporting else PT.Withdraws, graph),
                *date_quads(statement, lexical, graph),
            ]
            if also and supporting:
                quads.append((statement, PT.about, ID[f"position/{also}"], graph))
    store.add_quads(quads)
    derive_store(store)
    return store


def answers(store, question: str, **params) -> dict[str, str]:
    """``{position: certainty}`` (``category:position`` for diff) from the question's own query."""
    result = store.query(question_query(store, question, {"party": "alpha", **params}))
    assert isinstance(result, SelectResult)
    out = {}
    for row in result.dicts():
        key = str(row["position"]).rsplit("/", 1)[-1]
        if "category" in row:
            key = f"{row['category']}:{key}"
        out[key] = str(row["certainty"])
    return out


# --- possible worlds ----------------------------------------------------------------------------------


def worlds(record: list[tuple[bool, str, Interval]], bounds: list[date]):
    """Every ordering of the statements that their dates allow, as lists of (supporting?, day) in time
    order. Days are taken from the critical points (every interval's and bound's first and last day, and
    the days next to them), which realise every order the intervals allow."""
    critical = set()
    for _s, _l, interval in record:
        critical |= {interval.start, interval.end, interval.end + ONE}
        if interval.start > date.min:  # an open start (a report date) has no day before it
            critical.add(interval.start - ONE)
    for bound in bounds:
        if bound < date(9999, 1, 1):  # an open end is beyond every statement
            critical |= {bound, bound - ONE, bound + ONE}
    choices = [sorted(d for d in critical if i.start <= d <= i.end) for _s, _l, i in record]
    for days in product(*choices):
        groups: dict[date, list[int]] = defaultdict(list)
        for index, day in enumerate(days):
            groups[day].append(index)
        ordered_days = sorted(groups)
        for orders in product(*(permutations(groups[d]) for d in ordered_days)):
            yield [(record[i][0], days[i]) for order in orders for i in order]


def held(world, t: date) -> bool:
    last = [supporting for supporting, day in world if day <= t]
    return bool(last) and last[-1]


def in_force(world, first: date, last: date) -> bool:
    return held(world, first) and not any(not s and first < d <= last for s, d in world)


def attested(world, from_end: date, to: Period) -> bool:
    for i, (s1, d1) in enumerate(world):
        if not s1 or d1 > from_end:
            continue
        for s2, d2 in world[i + 1 :]:
            if not s2:
                break
            if to.start <= d2 <= to.end:
                return True
    return False


def re_emerged(world, from_end: date, to: Period) -> bool:
    stated = [d for s, d in world if s]
    return (
        any(d <= from_end for d in stated)
        and any(to.start <= d <= to.end for d in stated)
        and not any(from_end < d < to.start for d in stated)
    )


def added(world, from_end: date, to_end: date) -> bool:
    days = [d for s, d in world if s]
    return min(days) > from_end and min(days) <= to_end


def verdict(record, bounds, holds) -> set[bool]:
    return {holds(world) for world in worlds(record, bounds)}


def exact(found: str | None, outcomes: set[bool]) -> bool:
    expected = (
        {True: "certain", False: None}.get(outcomes.pop()) if len(outcomes) == 1 else "uncertain"
    )
    return found == expected


def sound(found: str | None, outcomes: set[bool]) -> bool:
    if found == "certain":
        return outcomes == {True}
    if found is None:
        return outcomes == {False}
    return True


# --- properties ----------------------------------------------------------------------------------------


@SETTINGS
@given(records(), st.integers(0, 130))
def test_position_is_exact(record, offset):
    at = parse_period((START + timedelta(days=offset)).isoformat())
    found = answers(store_of({"p": record}), "position", at=at.text).get("p")
    assert exact(found, verdict(record, [at.end], lambda w: held(w, at.end)))


@SETTINGS
@given(records(), st.integers(0, 130))
def test_held_spells_agree_with_the_position_question(record, offset):
    """The build-time spells (used by conflicts) and the position query (over entries) say the same."""
    at = parse_period((START + timedelta(days=offset)).isoformat())
    store = store_of({"p": record})
    result = store.query(
        "PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>\n"
        "SELECT ?certain WHERE { ?lifecycle pt:heldDuring ?spell . ?spell pt:spellStart ?start ; "
        "pt:spellEnd ?end ; pt:spellCertain ?certain . "
        f'FILTER (?start <= "{at.end.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date> && '
        f'"{at.end.isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date> <= ?end) }}'
    )
    assert isinstance(result, SelectResult)
    assert len(result.rows) <= 1, "spells do not overlap"
    from_spells = (
        {"p": "certain" if result.rows[0][0].toPython() else "uncertain"} if result.rows else {}
    )
    assert from_spells == answers(store, "position", at=at.text)


@SETTINGS
@given(records(), period_pairs())
def test_persisted_in_force_is_exact(record, periods):
    first, second = periods
    found = answers(
        store_of({"p": record}),
        "persisted",
        mode="in-force",
        **{"from": first.text, "to": second.text},
    ).get("p")
    outcomes = verdict(
        record, [first.end, second.start], lambda w: in_force(w, first.end, second.end)
    )
    assert exact(found, outcomes)


@SETTINGS
@given(records(), period_pairs())
def test_persisted_attested_is_never_wrong_about_certainty(record, periods):
    first, second = periods
    found = answers(
        store_of({"p": record}), "persisted", **{"from": first.text, "to": second.text}
    ).get("p")
    outcomes = verdict(
        record, [first.end, second.start, second.end], lambda w: attested(w, first.end, second)
    )
    assert sound(found, outcomes)


@SETTINGS
@given(records(), period_pairs())
def test_re_emerged_is_never_wrong_about_certainty(record, periods):
    first, second = periods
    found = answers(
        store_of({"p": record}), "re-emerged", **{"from": first.text, "to": second.text}
    ).get("p")
    outcomes = verdict(
        record, [first.end, second.start, second.end], lambda w: re_emerged(w, first.end, second)
    )
    assert sound(found, outcomes)


@SETTINGS
@given(records(), period_pairs())
def test_added_is_exact(record, periods):
    assume(any(s for s, _l, _i in record))
    first, second = periods
    found = answers(
        store_of({"p": record}), "added", **{"from": first.text, "to": second.text}
    ).get("p")
    outcomes = verdict(record, [first.end, second.end], lambda w: added(w, first.end, second.end))
    assert exact(found, outcomes)


@SETTINGS
@given(st.lists(records(size=3), min_size=1, max_size=4), period_pairs())
def test_diff_partitions_the_union_of_the_two_positions(positions, periods):
    first, second = periods
    store = store_of({f"p{n}": record for n, record in enumerate(positions)})
    at_first = answers(store, "position", at=first.text)
    at_second = answers(store, "position", at=second.text) if not second.open_ended else None
    diff = answers(store, "diff", **{"from": first.text, "to": second.text})
    classes: dict[str, list[str]] = defaultdict(list)
    for key, certainty in diff.items():
        category, position = key.split(":")
        classes[position].append(category)
        assert certainty in ("certain", "uncertain")
    assert all(len(found) == 1 for found in classes.values()), "each position in exactly one class"
    if at_second is not None:
        assert set(classes) == set(at_first) | set(at_second)
        for position, [category] in classes.items():
            assert category == (
                "persisted"
                if position in at_first and position in at_second
                else "dropped"
                if position in at_first
                else "added"
            )


@SETTINGS
@given(dates(), period_pairs())
def test_a_statement_certainly_within_a_period_is_never_reported_outside_it(stated, periods):
    """Stated once, certainly within (from, to]: certainly added; stated again certainly within `to` after a
    statement certainly in `from`: certainly persisted."""
    first, second = periods
    lexical, interval = stated
    if first.end < interval.start and interval.end <= second.end:
        found = answers(
            store_of({"p": [(True, lexical, interval)]}),
            "added",
            **{"from": first.text, "to": second.text},
        )
        assert found == {"p": "certain"}
    earlier = first.start.isoformat()
    if second.start <= interval.start and interval.end <= second.end:
        record = [(True, earlier, Interval(first.start, first.start)), (True, lexical, interval)]
        found = answers(
            store_of({"p": record}), "persisted", **{"from": first.text, "to": second.text}
        )
        assert found == {"p": "certain"}


@SETTINGS
@given(records(), records(), period_pairs())
def test_a_package_statement_counts_as_a_statement_about_its_part(part, package, periods):
    """With packages (the default), a party's supporting statement of a package restates the part
    exactly as a statement about the part itself would: the same answers as a graph where each such
    statement is also about the part, asked without packages. Withdrawing the package ends nothing
    of the part."""
    first, second = periods
    with_package = store_of({"part": part, "package": package}, comprises=(("package", "part"),))
    rewritten = store_of(
        {"part": part, "package": package}, supporting_also_about={"package": "part"}
    )
    span = {"from": first.text, "to": second.text}
    for question, extra in (
        ("persisted", {}),
        ("persisted", {"mode": "in-force"}),
        ("re-emerged", {}),
    ):
        followed = answers(with_package, question, packages="include", **span, **extra)
        direct = answers(rewritten, question, packages="exclude", **span, **extra)
        assert followed.get("part") == direct.get("part"), (question, extra)
        assert answers(with_package, question, packages="exclude", **span, **extra).get("part") == (
            answers(store_of({"part": part}), question, **span, **extra).get("part")
        )


# --- conflicts: the build-time conflict runs against a join of spells at query time ---------------------

SPELL_JOIN = """PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>
SELECT DISTINCT ?party ?position ?kind ?otherParty ?otherPosition ?certainty WHERE {
  { VALUES ?atEnd { $atEnd }
    ?lifecycle pt:lifecycleParty ?party ; pt:lifecyclePosition ?position ; pt:heldDuring ?held .
    ?held pt:spellStart ?heldStart ; pt:spellEnd ?heldEnd ; pt:spellCertain ?heldCertain .
    FILTER (?heldStart <= ?atEnd && ?atEnd <= ?heldEnd)
    { ?position pt:contradicts ?otherPosition } UNION { ?otherPosition pt:contradicts ?position }
    ?otherLifecycle pt:lifecyclePosition ?otherPosition ; pt:heldDuring ?other ; pt:lifecycleParty ?otherParty .
    FILTER (?otherParty != ?party)
    ?other pt:spellStart ?otherStart ; pt:spellEnd ?otherEnd ; pt:spellCertain ?otherCertain .
    FILTER (?otherStart <= ?atEnd && ?atEnd <= ?otherEnd)
    BIND ("contradicted" AS ?kind) }
  UNION
  { VALUES ?atEnd { $atEnd }
    ?lifecycle pt:lifecycleParty ?party ; pt:lifecyclePosition ?position ; pt:heldDuring ?held .
    ?held pt:spellStart ?heldStart ; pt:spellEnd ?heldEnd ; pt:spellCertain ?heldCertain .
    FILTER (?heldStart <= ?atEnd && ?atEnd <= ?heldEnd)
    ?otherLifecycle pt:lifecyclePosition ?position ; pt:opposedDuring ?other ; pt:lifecycleParty ?otherParty .
    FILTER (?otherParty != ?party)
    ?other pt:spellStart ?otherStart ; pt:spellEnd ?otherEnd ; pt:spellCertain ?otherCertain .
    FILTER (?otherStart <= ?atEnd && ?atEnd <= ?otherEnd)
    BIND (?position AS ?otherPosition) BIND ("rejected" AS ?kind) }
  BIND (IF(?heldCertain && ?otherCertain, "certain", "uncertain") AS ?certainty)
}"""
"""The conflicts question as it would be written without the build-time conflict runs: every holding
joined with every other party's holding or opposition on the day asked about (``$atEnd``)."""

STANCES = {"supports": PT.Demands, "withdraws": PT.Withdraws, "rejects": PT.Rejects}


@st.composite
def party_records(draw) -> list[tuple[str, str, str, str]]:
    """Statements of three parties on three positions: (party, position, stance, date)."""
    count = draw(st.integers(1, 9))
    return [
        (
            draw(st.sampled_from(["alpha", "beta", "gamma"])),
            draw(st.sampled_from(["p", "q", "r"])),
            draw(st.sampled_from(["supports", "supports", "withdraws", "rejects"])),
            draw(dates())[0],
        )
        for _ in range(count)
    ]


def conflict_store(statements: list[tuple[str, str, str, str]]) -> OxigraphStore:
    """Parties' statements with p contradicting q (r contradicts nothing), derived as ``kg build`` does."""
    store = OxigraphStore()
    graph = ID["graph/test"]
    quads = [
        (PT.Demands, RDF.type, PT.SupportingStance, graph),
        (PT.Withdraws, RDF.type, PT.OpposingStance, graph),
        (PT.Rejects, RDF.type, PT.OpposingStance, graph),
        (ID["position/p"], PT.contradicts, ID["position/q"], graph),
    ]
    for n, (party, position, stance, lexical) in enumerate(statements):
        statement = ID[f"statement/s{n}"]
        quads += [
            (statement, RDF.type, PT.PositionStatement, graph),
            (statement, PT.onBehalfOf, ID[f"actor/{party}"], graph),
            (statement, PT.about, ID[f"position/{position}"], graph),
            (statement, PT.stance, STANCES[stance], graph),
            *date_quads(statement, lexical, graph),
        ]
    store.add_quads(quads)
    derive_store(store)
    return store


def conflict_rows(result) -> set[tuple[str, ...]]:
    assert isinstance(result, SelectResult)
    names = ("party", "position", "kind", "otherParty", "otherPosition", "certainty")
    return {tuple(str(row[n]).rsplit("/", 1)[-1] for n in names) for row in result.dicts()}


@SETTINGS
@given(party_records(), st.integers(-400, 800))
def test_conflict_runs_agree_with_a_join_of_spells(statements, offset):
    # days from 2022 to 2026 around statements of 2024: before any conflict, and in years after the
    # last one conflicts are filed under (pt:conflictYear), whose conflicts are looked up in that year
    at = parse_period((START + timedelta(days=offset)).isoformat())
    store = conflict_store(statements)
    asked = store.query(question_query(store, "conflicts", {"at": at.text}))
    day = Literal(at.end.isoformat(), datatype=XSD.date)
    joined = store.query(SPELL_JOIN.replace("$atEnd", day.n3()))
    assert conflict_rows(asked) == conflict_rows(joined)


@SETTINGS
@given(party_records(), st.integers(-400, 800), st.integers(1, 3), st.integers(0, 6))
def test_a_page_of_every_partys_conflicts_is_a_slice_of_the_whole_answer(
    statements, offset, limit, skip
):
    # a page over every party is read party by party (the parties the derived graph lists), the
    # whole answer (limit all) by the one query: the page must be the same slice of it
    at = (START + timedelta(days=offset)).isoformat()
    store = conflict_store(statements)
    prefix = "PREFIX pt: <https://w3id.org/peace-talks-kg/ontology#>\n"
    listed = store.query(prefix + "SELECT ?party { ?graph pt:conflictingParty ?party }")
    holding = store.query(prefix + "SELECT DISTINCT ?party { ?conflict pt:conflictParty ?party }")
    assert isinstance(listed, SelectResult) and isinstance(holding, SelectResult)
    assert sorted(listed.rows) == sorted(holding.rows)
    whole = ask(store, "conflicts", {"at": at, "limit": "all"})
    page = ask(store, "conflicts", {"at": at, "limit": str(limit), "offset": str(skip)})
    assert [i.to_dict() for i in page.items] == [
        i.to_dict() for i in whole.items[skip : skip + limit]
    ]
    assert page.next == (skip + limit if len(whole.items) > skip + limit else None)
