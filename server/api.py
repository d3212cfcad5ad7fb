"""``/api``: the temporal questions as JSON, documented in ``/api/openapi.json``.

- ``GET /api/questions``: the questions and their parameters;
- ``GET /api/ask/<question>?party=…&from=…&to=…&mode=…``: one answer, exactly what
  ``kg ask <question> --format json`` prints (:meth:`kg.questions.Answer.to_json`); 400 with a message for
  a bad parameter, 404 for an unknown question;
- ``GET /api/openapi.json``: the OpenAPI 3 description of these routes (``server/openapi.json``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from importlib import resources

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from kg.questions import QUESTIONS, AskError, questions_to_dict
from server import graph
from server.errors import error_response
from server.questions import questions_memo, served_answer

bp = Blueprint("api", __name__)

JSON = "application/json"
ANSWERS = "ptkg.answers"
ANSWER_CHARACTERS = 64 * 1024 * 1024
"""The most characters of JSON answers the app keeps (:class:`AnswerCache`)."""


class AnswerCache:
    """The JSON text of the answers asked for lately, the most recently asked kept first, up to
    ``capacity`` characters in all. An answer depends on nothing but the question, its parameters and
    the served graph, which does not change while it is served; a page that many readers open is
    then read and written once. Shared by the server's threads (a lock guards it)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._texts: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, tuple[tuple[str, str], ...]]) -> str | None:
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
            return text

    def put(self, key: tuple[str, tuple[tuple[str, str], ...]], text: str) -> None:
        with self._lock:
            if key in self._texts or len(text) > self.capacity:
                return
            self._texts[key] = text
            self._size += len(text)
            while self._size > self.capacity:
                _, dropped = self._texts.popitem(last=False)
                self._size -= len(dropped)


def answer_cache() -> AnswerCache | None:
    """The app's cache of JSON answers, made on first use; ``None`` where answers are read afresh
    (a remote store, which can change while it is served)."""
    if questions_memo(graph()) is None:
        return None
    found = current_app.extensions.get(ANSWERS)
    if found is None:
        found = current_app.extensions[ANSWERS] = AnswerCache(ANSWER_CHARACTERS)
    return found


def openapi_text() -> str:
    """The OpenAPI description shipped with the server."""
    return resources.files("server").joinpath("openapi.json").read_text(encoding="utf-8")


@bp.get("/api/questions")
def questions() -> Response:
    body = json.dumps({"questions": questions_to_dict()}, ensure_ascii=False, indent=2) + "\n"
    return Response(body, mimetype=JSON)


@bp.get("/api/ask/<question>")
def answer(question: str) -> ResponseReturnValue:
    if question not in QUESTIONS:
        return error_response(
            404, f"unknown question {question!r}; accepted: {', '.join(QUESTIONS)}"
        )
    params: dict[str, str] = {}
    for key in request.args:
        values = request.args.getlist(key)
        if len(values) != 1:
            return error_response(400, f"parameter {key!r} given {len(values)} times; give it once")
        params[key] = values[0]
    cache = answer_cache()
    asked = (question, tuple(sorted(params.items())))
    text = cache.get(asked) if cache is not None else None
    if text is None:
        try:
            text = served_answer(question, params).to_json()
        except AskError as exc:
            return error_response(400, str(exc))
        if cache is not None:
            cache.put(asked, text)
    return Response(text, mimetype=JSON)


@bp.get("/api/openapi.json")
def openapi() -> Response:
    return Response(openapi_text(), mimetype=JSON)
