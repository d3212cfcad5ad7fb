"""``/sparql``: the SPARQL query endpoint (GET ``?query=``; JSON results or Turtle)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from kg.formats import RDF_FORMATS, RESULT_FORMATS, serialize
from kg.query import run
from kg.results import GraphResult
from kg.store import QuerySyntaxError
from server import graph
from server.errors import error_response

bp = Blueprint("sparql", __name__)


@bp.get("/sparql")
def query():
    text = request.args.get("query")
    if not text:
        return error_response(400, "missing 'query' parameter")
    try:
        result = run(graph(), text)
    except QuerySyntaxError as exc:
        return error_response(400, f"query syntax error: {exc}")
    fmt = "turtle" if isinstance(result, GraphResult) else "json"
    media = RDF_FORMATS[fmt] if isinstance(result, GraphResult) else RESULT_FORMATS[fmt]
    return Response(serialize(result, fmt), mimetype=media, headers={"Vary": "Accept"})
