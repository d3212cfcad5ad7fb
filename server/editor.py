"""``/query``: the query editor, YASGUI served from this server and wired to this endpoint only.

YASGUI (``@zazuko/yasgui``, vendored under ``static/vendor/yasgui/``) is configured in
``static/editor.js``: the endpoint is this server's ``/sparql`` (POST), with no endpoint catalogue,
no persistence, no configuration read from the URL and no autocompleter that asks a remote service.
``?query=`` pre-fills the editor (the pages' "Query this" links send a ``DESCRIBE``);
``?example=NAME`` loads the canned query ``kg/queries/NAME.rq``, which is also served as
``/query/examples/NAME.rq``.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue

from kg.browse.examples import example_groups
from kg.store.queries import canned_queries, canned_query
from server.errors import error_response

bp = Blueprint("editor", __name__)

SPARQL_QUERY_TYPE = "application/sparql-query"
DEFAULT_QUERY = """\
PREFIX pt:   <https://w3id.org/peace-talks-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Position statements in date order. The examples on the right are one click away.
SELECT ?statement ?label ?date
WHERE {
  ?statement a pt:PositionStatement ;
      rdfs:label ?label .
  OPTIONAL { ?statement pt:date ?date }
}
ORDER BY ?date
LIMIT 50
"""


def examples() -> list[tuple[str, list[dict[str, str]]]]:
    """The canned queries as examples, grouped, with where to open and read each."""
    return [
        (
            title,
            [
                {
                    "name": ex.name,
                    "description": ex.description,
                    "url": url_for("editor.editor", example=ex.name),
                    "source": url_for("editor.example", name=ex.name),
                }
                for ex in found
            ],
        )
        for title, found in example_groups()
    ]


@bp.get("/query")
def editor() -> ResponseReturnValue:
    text = request.args.get("query")
    name = request.args.get("example")
    if name is not None:
        if name not in canned_queries():
            return error_response(404, f"no example query named {name!r}")
        text = canned_query(name)
    config = {"endpoint": url_for("sparql.query"), "query": text or DEFAULT_QUERY}
    return render_template("editor/query.html", config=config, examples=examples(), current=name)


@bp.get("/query/examples/<name>.rq")
def example(name: str) -> ResponseReturnValue:
    if name not in canned_queries():
        return error_response(404, f"no example query named {name!r}")
    return Response(canned_query(name), mimetype=SPARQL_QUERY_TYPE)
