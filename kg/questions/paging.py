"""A page of a question's rows: its query bound for a request and cut to the page, read in one
query or, where the question declares a parties query, party by party."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib.term import Node

from kg.questions.binding import bind, page, parameter_variables, run_select
from kg.questions.memo import StoreMemo
from kg.questions.parameters import Request, get_question, understand
from kg.store import Store
from kg.store.queries import canned_query


def bound_query(
    request: Request, limit: int | None, offset: int, party: Node | None = None
) -> tuple[dict[str, Node], str]:
    """The bindings the request's query uses (with ``party`` when given), and its text with them
    bound and paged (``limit`` rows after the first ``offset``)."""
    text = canned_query(request.query)
    used = parameter_variables(text)
    given = request.bindings if party is None else {**request.bindings, "party": party}
    bindings = {k: v for k, v in given.items() if k in used}
    return bindings, page(bind(text, bindings), limit, offset)


def question_query(
    store: Store,
    question: str,
    params: Mapping[str, str | None],
    memo: StoreMemo | None = None,
) -> str:
    """The SPARQL text that answers a question's items, with its parameters bound: what
    ``kg/queries/ask-<question>.rq`` becomes with its ``VALUES`` line filled in."""
    request = understand(store, get_question(question), params, memo)
    return bound_query(request, request.limit, request.offset)[1]


@dataclass(frozen=True)
class Page:
    """The rows of one page (at most the request's ``limit``), the bindings of the query that
    found them, and where the next page starts (``None``: this is the last)."""

    bindings: dict[str, Node]
    rows: list[dict[str, Node]]
    next: int | None


def read_page(memo: StoreMemo, request: Request) -> Page:
    """The request's page of rows. One row more than the page holds is read, to tell whether
    another page follows."""
    more = request.limit + 1 if request.limit is not None else None
    bindings, text = bound_query(request, more, request.offset)
    parties = _parties(memo, request)
    if parties is not None and more is not None:
        rows = _rows_by_party(memo.reader(request.query), request, parties, more)
    else:
        rows = list(run_select(memo.reader(request.query), text).dicts())
    following = None
    if request.limit is not None and len(rows) > request.limit:
        rows = rows[: request.limit]
        following = request.offset + request.limit
    return Page(bindings, rows, following)


def _parties(memo: StoreMemo, request: Request) -> list[Node] | None:
    """The parties whose rows are read one party after another, or ``None`` to run the query once.

    A question whose rows are ordered by party first may declare a parties query: a page over
    every party is then read party by party (the parties' rows one after another are its rows),
    so a page near the start reads the first parties' rows instead of sorting every row
    (thousands of conflicts at a million triples). A page of one party's rows, or a whole answer
    (``limit`` all), is one query."""
    parties_query = request.question.parties_query
    if parties_query is None or request.party is not None or request.limit is None:
        return None
    parties = [row[0] for row in memo.rows(parties_query).rows]
    return [p for p in parties if p is not None] or None


def _rows_by_party(
    store: Store, request: Request, parties: list[Node], wanted: int
) -> list[dict[str, Node]]:
    """The query's rows from the request's offset on, ``wanted`` of them at most, read party by
    party: each party's first rows up to what is still to skip and to read; a party with no more
    rows than are still to skip is skipped whole."""
    rows: list[dict[str, Node]] = []
    skip = request.offset
    for party in parties:
        if len(rows) >= wanted:
            break
        text = bound_query(request, skip + wanted - len(rows), 0, party)[1]
        found = list(run_select(store, text).dicts())
        if len(found) <= skip:
            skip -= len(found)
            continue
        rows.extend(found[skip:])
        skip = 0
    return rows
