"""``/questions``: the temporal questions of :mod:`kg.questions` as forms, answered with their evidence.

Each question has a page with a form (party, periods, mode or position, as the question takes);
submitting it (GET, so every answer has an address) shows the items with their evidence and
quotes, a timeline of that evidence, a link to the same answer as JSON (``/api/ask/<question>``)
and a link to the SPARQL that computes it, opened in the query editor with the parameters filled
in. The headline question is one click from the home page (:data:`HEADLINE`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from rdflib import Literal, URIRef
from werkzeug.routing import BuildError

from kg.browse.dates import When
from kg.browse.timeline import Chart, Entry, layout
from kg.questions import (
    QUESTIONS,
    Answer,
    AskError,
    Evidence,
    Item,
    Question,
    StoreMemo,
    ask,
    question_query,
)
from kg.rdf.results import SelectResult
from kg.store import Store
from kg.store.queries import canned_query, run
from kg.store.remote import SparqlHttpStore
from server import graph
from server.errors import error_response
from server.pages import href

bp = Blueprint("questions", __name__)


class Headline(TypedDict):
    """A question worth one click: which, its title, and the parameters it is asked with."""

    question: str
    title: str
    params: dict[str, str]


HEADLINE: Headline = {
    "question": "persisted",
    "title": "Which of Russia’s demands persisted from June 2024 to July 2025?",
    "params": {"party": "russia", "from": "2024-06", "to": "2025-07", "mode": "in-force"},
}
"""The headline question, linked from the home page and the questions index."""

ROLE_TONES = {"attestation": "supporting", "withdrawal": "opposing", "rejection": "opposing"}
MAX_CHART_ITEMS = 40
"""Answers with more items than this get no chart (the table remains)."""


@bp.app_template_filter("ticks")
def ticks(text: str) -> Markup:
    """A question's description or help, with its `parameter` names set as code (every part
    escaped)."""
    parts = str(text).split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _url_for(endpoint: str, values: Mapping[str, str]) -> str:
    """The address of ``endpoint`` with ``values``: its route's parts, then query parameters."""
    # Flask types url_for's own options (_external: bool …) beside **values, so mypy refuses a
    # mapping of text; these values are route parts and question parameters, never options.
    return url_for(endpoint, **values)  # type: ignore[arg-type]


def headline_url() -> str:
    return _url_for("questions.question", {"name": HEADLINE["question"], **HEADLINE["params"]})


def api_url(name: str, params: dict[str, str]) -> str:
    """The JSON API's address for the same answer."""
    try:
        return _url_for("api.answer", {"question": name, **params})
    except BuildError:  # the API blueprint is not registered in this app
        return f"{request.script_root}/api/ask/{name}" + (f"?{urlencode(params)}" if params else "")


MEMO = "ptkg.questions"


def served_answer(name: str, params: Mapping[str, str]) -> Answer:
    """The answer to a question on the served graph (the form's and the JSON API's), with what
    earlier answers read of the graph (:class:`~kg.questions.memo.StoreMemo`, kept by the app)."""
    store = graph()
    return ask(store, name, params, questions_memo(store))


def questions_memo(store: Store) -> StoreMemo | None:
    """The app's memo of what the questions read of the graph it serves (made at start by
    :func:`server.warm.init_app`, else on first use). A remote store can change while it is
    served, so its answers are read afresh (``None``)."""
    if store.engine == SparqlHttpStore.engine:
        return None
    found = current_app.extensions.get(MEMO)
    if found is None or found.store is not store:
        found = current_app.extensions[MEMO] = StoreMemo(store)
    return found


@dataclass
class Choice:
    value: str
    label: str


def _choices(query: str, variable: str) -> list[Choice]:
    """The parties or positions a form offers, from the rows of ``query`` (read once per served
    graph, in the memo: at a million triples on disk, listing the parties takes seconds)."""
    store = graph()
    memo = questions_memo(store)
    result = memo.rows(query) if memo is not None else run(store, canned_query(query))
    if not isinstance(result, SelectResult):
        return []
    found: dict[str, str] = {}
    for row in result.dicts():
        iri = str(row[variable])
        short = re.split(r"[/#]", iri.rstrip("/"))[-1]
        label = str(row.get("label") or short)
        if short not in found or label < found[short]:
            found[short] = label
    return sorted((Choice(v, label) for v, label in found.items()), key=lambda c: c.label.lower())


@bp.app_template_global("headline_question")
def headline_question() -> dict[str, str]:
    """The headline question's title and the address of its answer (for the home page)."""
    return {"title": HEADLINE["title"], "url": headline_url()}


@bp.get("/questions")
def index() -> ResponseReturnValue:
    return render_template(
        "questions/index.html",
        questions=list(QUESTIONS.values()),
        headline=HEADLINE,
        headline_url=headline_url(),
    )


@bp.get("/questions/<name>")
def question(name: str) -> ResponseReturnValue:
    q = QUESTIONS.get(name)
    if q is None:
        return error_response(404, f"unknown question {name!r}; accepted: {', '.join(QUESTIONS)}")
    given = {p.name: request.args.get(p.name, "").strip() for p in q.parameters}
    asked = any(p.name in request.args for p in q.parameters)
    params = {k: v for k, v in given.items() if v}
    answer: Answer | None = None
    error: str | None = None
    if asked:
        try:
            answer = served_answer(name, params)
        except AskError as exc:
            error = str(exc)
    view = {
        "q": q,
        "values": given,
        "parties": _choices("ask-parties", "party") if _takes(q, "party") else [],
        "positions": _choices("ask-positions", "position") if _takes(q, "position") else [],
        "answer": answer,
        "error": error,
        "headline": HEADLINE if name == HEADLINE["question"] else None,
        "headline_url": headline_url(),
    }
    if answer is not None:
        view.update(_answer_view(q, answer, params))
    elif asked:
        view["json_url"] = api_url(name, params)
    html = render_template("questions/question.html", **view)
    response = Response(html, status=400 if error else 200, mimetype="text/html")
    if answer is not None:
        response.headers["Link"] = f'<{view["json_url"]}>; rel="alternate"; type="application/json"'
    return response


def _takes(q: Question, kind: str) -> bool:
    return any(p.kind == kind for p in q.parameters)


def _answer_view(q: Question, answer: Answer, params: dict[str, str]) -> dict[str, Any]:
    items = list(answer.items)
    categories: list[tuple[str | None, list[Item]]] = []
    for item in items:
        if not categories or categories[-1][0] != item.category:
            categories.append((item.category, []))
        categories[-1][1].append(item)
    return {
        "json_url": api_url(q.name, params),
        # the query as kg ask ran it (parameters bound, the page), to run again in the editor
        "query_url": url_for(
            "editor.editor",
            query=question_query(graph(), q.name, params, questions_memo(graph())),
        ),
        "query_file_url": url_for("editor.example", name=answer.query),
        "categories": categories,
        "certain": sum(1 for i in items if i.certain),
        "chart": _chart(q, answer) if 0 < len(items) <= MAX_CHART_ITEMS else None,
        "pages": _pages(q, answer, params),
        "link": _link,
        "when": when_of,
    }


def _pages(q: Question, answer: Answer, params: dict[str, str]) -> dict[str, str | None] | None:
    """Links to the pages before and after this one (``None`` when the answer is one page)."""
    if not answer.offset and answer.next is None:
        return None

    def at(offset: int) -> str:
        return _url_for("questions.question", {"name": q.name, **params, "offset": str(offset)})

    previous = max(answer.offset - (answer.limit or answer.offset), 0) if answer.offset else None
    return {
        "previous": at(previous) if previous is not None else None,
        "next": at(answer.next) if answer.next is not None else None,
    }


def _link(iri: str) -> str | None:
    return href(URIRef(iri))


def when_of(evidence: Evidence) -> When:
    """A statement date of an answer as a :class:`When` (same precision, same basis: a date as of
    a report reads "by …", as the answer's table writes it)."""
    date = evidence.date
    if not date.value:
        return When("unknown")
    literal = Literal(date.value, datatype=URIRef(date.datatype) if date.datatype else None)
    return When.of(literal, None, date.basis)


def _chart(q: Question, answer: Answer) -> Chart:
    entries = []
    for item in answer.items:
        lane = item.position.label
        if q.names_party and item.party:
            lane = f"{item.party.label}: {lane}"
        for ev in item.evidence:
            entries.append(
                Entry(
                    when=when_of(ev),
                    lane=lane,
                    label=f"{ev.party.label}, {ev.role} ({ev.stance.label}) — {ev.speaker.label}",
                    href=_link(ev.statement),
                    tone=ROLE_TONES.get(ev.role, "other"),
                )
            )
    return layout(entries, f"{answer.title}: the evidence of each answer over time")
