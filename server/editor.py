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


def describe_example(text: str) -> str:
    """What a canned query does: its leading comment, joined into one line."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(line for line in lines if line)


GROUPS = (
    ("Questions and other queries", ()),
    ("Statistics", ("stats-", "summary")),
    ("Behind the pages", ("page-", "search-")),
    ("Build and export", ("derive-", "export-")),
)
"""How the example list is grouped, by the start of a canned query's name."""


def examples() -> list[tuple[str, list[dict[str, str]]]]:
    """The canned queries as examples, grouped."""
    grouped: dict[str, list[dict[str, str]]] = {title: [] for title, _ in GROUPS}
    for name in canned_queries():
        title = next(
            (t for t, starts in GROUPS if starts and name.startswith(starts)), GROUPS[0][0]
        )
        grouped[title].append(
            {
                "name": name,
                "description": describe_example(canned_query(name)),
                "url": url_for("editor.editor", example=name),
                "source": url_for("editor.example", name=name),
            }
        )
    return [(title, found) for title, found in grouped.items() if found]


@bp.get("/query")
def editor():
    text = request.args.get("query")
    name = request.args.get("example")
    if name is not None:
        if name not in canned_queries():
            return error_response(404, f"no example query named {name!r}")
        text = canned_query(name)
    config = {"endpoint": url_for("sparql.query"), "query": text or DEFAULT_QUERY}
    return render_template("editor/query.html", config=config, examples=examples(), current=name)


@bp.get("/query/examples/<name>.rq")
def example(name: str):
    if name not in canned_queries():
        return error_response(404, f"no example query named {name!r}")
    return Response(canned_query(name), mimetype=SPARQL_QUERY_TYPE)
