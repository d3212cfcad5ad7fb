"""``/api``: the temporal questions as JSON, documented in ``/api/openapi.json``.

- ``GET /api/questions``: the questions and their parameters;
- ``GET /api/ask/<question>?party=…&from=…&to=…&mode=…``: one answer, exactly what
  ``kg ask <question> --format json`` prints (:meth:`kg.questions.Answer.to_json`); 400 with a message for
  a bad parameter, 404 for an unknown question;
- ``GET /api/openapi.json``: the OpenAPI 3 description of these routes (``server/openapi.json``).
"""

from __future__ import annotations

import json
from importlib import resources

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from kg.questions import QUESTIONS, AskError, ask, questions_to_dict
from server import graph
from server.errors import error_response

bp = Blueprint("api", __name__)

JSON = "application/json"


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
    try:
        found = ask(graph(), question, params)
    except AskError as exc:
        return error_response(400, str(exc))
    return Response(found.to_json(), mimetype=JSON)


@bp.get("/api/openapi.json")
def openapi() -> Response:
    return Response(openapi_text(), mimetype=JSON)
