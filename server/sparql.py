"""``/sparql``: the SPARQL 1.1 Protocol query endpoint.

A query comes as GET ``?query=``, as POST ``application/x-www-form-urlencoded`` or as POST
``application/sparql-query`` (UTF-8); ``default-graph-uri``/``named-graph-uri`` replace its
``FROM``/``FROM NAMED``. It is checked in this process (``kg.endpoint.guard``: syntax, read-only, no
outbound requests, only the dataset's own graphs) and run in a worker process (``kg.endpoint.workers``)
with a deadline and a row cap. The answer's format is negotiated (``Accept`` or ``format=``).
Without a query, a browser gets the query page and an RDF client the service description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from kg.endpoint.decisions import Decisions
from kg.endpoint.fairness import ClientQuota, Network, TooManyQueries, client_address, parse_proxies
from kg.endpoint.guard import CheckedQuery, QueryRefused
from kg.endpoint.workers import (
    PoolBusy,
    QueryJob,
    QueryMemoryError,
    QueryPool,
    QueryTimeout,
    StoreSource,
    WorkerError,
)
from kg.rdf.formats import media_types
from kg.store import QuerySyntaxError
from server.errors import current_request_id, error_response
from server.metrics import metrics
from server.negotiation import UnknownFormat, accepted, choose_format, offered
from server.service import description_response

bp = Blueprint("sparql", __name__)

POOL = "ptkg.query-pool"
QUOTA = "ptkg.client-quota"
DECISIONS = "ptkg.guard-decisions"
PROXIES = "ptkg.trusted-proxies"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
TRUNCATED = "X-PTKG-Truncated"
"""Response header: ``true`` when rows beyond the row cap were cut, else ``false``."""
FORMAT_PARAMETERS = ("format", "output", "results")
"""Parameters clients use to name a result format (SPARQLWrapper sends all three)."""
RETRY_AFTER = "5"


class ProtocolError(Exception):
    """A request the protocol does not allow; answered with ``status`` and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ProtocolRequest:
    """The parts of a query request, whichever way it was sent."""

    queries: list[str] = field(default_factory=list)
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


def init_app(app: Flask) -> None:
    """Give ``app`` its pool of query workers (they start on the first query, or ``start()``),
    its count of queries per client and its memory of the guard's decisions. Unless configured,
    a client may have one query less than there are workers (at least one), so that one client
    never holds every worker."""
    config = app.config
    proxies = parse_proxies(config["PTKG_TRUSTED_PROXY"])  # a bad entry fails here, not later
    pool = QueryPool(
        StoreSource.of(config["PTKG_ROOT"], config["PTKG_DATASET"], config["PTKG_STORE"]),
        size=config["PTKG_QUERY_WORKERS"],
        timeout=config["PTKG_QUERY_TIMEOUT"],
        max_memory=config["PTKG_MAX_MEMORY"],
        max_waiting=config["PTKG_MAX_WAITING"],
    )
    config["PTKG_QUERY_WORKERS"] = pool.size  # no more than the cores
    config["PTKG_MAX_WAITING"] = pool.max_waiting
    if config["PTKG_MAX_QUERIES_PER_CLIENT"] is None:
        config["PTKG_MAX_QUERIES_PER_CLIENT"] = max(1, pool.size - 1)
    app.extensions[QUOTA] = ClientQuota(
        config["PTKG_MAX_QUERIES_PER_CLIENT"], heavy_limit=max(1, pool.size - 1)
    )
    app.extensions[PROXIES] = proxies
    app.extensions[DECISIONS] = Decisions()
    app.extensions[POOL] = pool


def query_pool(app: Flask | None = None) -> QueryPool:
    """The app's pool of query workers."""
    return (app or current_app).extensions[POOL]


def trusted_proxies(app: Flask | None = None) -> tuple[Network, ...]:
    """The proxies whose ``X-Forwarded-For`` names the client (``PTKG_TRUSTED_PROXY``): ``kg
    serve`` passes the forwarding header fields to the app only when there are any."""
    return (app or current_app).extensions[PROXIES]


def shutdown(app: Flask) -> None:
    """Stop the app's query workers."""
    query_pool(app).shutdown()


@bp.after_request
def vary_on_accept(response: Response) -> Response:
    if "Vary" in response.headers:
        response.vary.add("Accept")
    else:  # what adding it to no Vary writes, without parsing and rewriting the header
        response.headers["Vary"] = "Accept"
    return response


@bp.route("/sparql/", methods=["GET", "POST"])  # a client adding a slash gets the endpoint too
@bp.route("/sparql", methods=["GET", "POST"])  # registered first: the URL url_for() builds
def query():
    try:
        sent = _read_request()
    except ProtocolError as exc:
        return error_response(exc.status, exc.message)
    except RequestEntityTooLarge:
        return _too_large()
    if not sent.queries:
        if request.method in ("GET", "HEAD") and not request.args:
            return _without_query()
        return error_response(400, "missing 'query' parameter")
    if len(sent.queries) > 1:
        return error_response(400, "the 'query' parameter must be given exactly once")
    text = sent.queries[0]
    if not text.strip():
        return error_response(400, "the 'query' parameter is empty")

    try:
        checked = current_app.extensions[DECISIONS].check(
            text,
            default_graph_uris=sent.default_graph_uris,
            named_graph_uris=sent.named_graph_uris,
            base=url_for("sparql.query", _external=True),
        )
    except QuerySyntaxError as exc:
        return error_response(400, f"query syntax error: {exc}")
    except QueryRefused as exc:
        metrics().refused("guard")
        return error_response(403, str(exc))
    try:
        chosen = choose_format(checked.returns_graph, sent.formats)
    except UnknownFormat as exc:
        return error_response(
            406, f"unknown format {str(exc)!r}; available: {offered(checked.returns_graph)}"
        )
    if chosen is None:
        return error_response(
            406,
            f"no type the request accepts fits a {checked.form} query's answer; available: "
            f"{offered(checked.returns_graph)}",
        )
    fmt, media = chosen
    job = QueryJob(
        checked.text, fmt, checked.dataset, current_app.config["PTKG_MAX_ROWS"], checked.base
    )
    return _answer(job, media, checked)


def _answer(job: QueryJob, media: str, checked: CheckedQuery):
    config = current_app.config
    quota, client = current_app.extensions[QUOTA], _client()
    try:
        with quota.hold(client):
            try:
                found = query_pool().run(job)
            except (QueryTimeout, QueryMemoryError):
                quota.penalise(client)
                raise
    except TooManyQueries as exc:
        metrics().refused("client_limit")
        response = make_response(
            error_response(429, f"{exc}; wait for one to finish, then try again")
        )
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    except QuerySyntaxError as exc:
        return error_response(400, f"query syntax error: {checked.explain(str(exc))}")
    except QueryTimeout:
        metrics().timed_out()
        current_app.logger.warning("query stopped at the time limit: %s", job.sparql[:500])
        return error_response(
            503,
            f"the query was stopped after {config['PTKG_QUERY_TIMEOUT']:g} s, this endpoint's "
            "time limit; make it more selective or add a LIMIT",
        )
    except QueryMemoryError:
        metrics().refused("memory_limit")
        current_app.logger.warning("query stopped at the memory limit: %s", job.sparql[:500])
        return error_response(
            503,
            f"the query needed more than {config['PTKG_MAX_MEMORY']} MB, this endpoint's memory "
            "limit per query; make it more selective or add a LIMIT",
        )
    except PoolBusy as exc:
        metrics().refused("busy")
        response = make_response(error_response(503, f"{exc}; try again shortly"))
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    except WorkerError as exc:
        request_id = current_request_id()
        current_app.logger.error(
            "request %s failed: %s\nquery: %s", request_id, exc, job.sparql[:2000]
        )
        return error_response(500, "internal error; it has been logged", request_id)
    response = Response(found.body, content_type=f"{media}; charset=utf-8")
    response.headers[TRUNCATED] = "true" if found.truncated else "false"
    return response


def _client() -> str:
    """Whom a query counts against: the connection's address, or the client a trusted proxy
    named in ``X-Forwarded-For`` (``PTKG_TRUSTED_PROXY``)."""
    return client_address(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        trusted_proxies(),
    )


def _read_request() -> ProtocolRequest:
    """The query request's parts from the URL and the body (each read once)."""
    limit = current_app.config["PTKG_MAX_REQUEST_BYTES"]
    if len(request.query_string) > limit:
        raise ProtocolError(
            414, f"the query string is longer than {limit} bytes; send the query by POST"
        )
    if "update" in request.args:
        raise _read_only()
    sent = ProtocolRequest()
    _collect(sent, request.args)
    has_body = (request.content_length or 0) > 0 or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    ).lower()
    if request.method in ("GET", "HEAD"):
        if has_body:
            raise ProtocolError(400, "a GET request must not have a body; use POST to send one")
        return sent
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    request.max_content_length = limit
    media = request.mimetype
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if media == UPDATE:
        raise _read_only()
    if media not in (FORM, DIRECT):
        raise ProtocolError(
            415,
            f"a POST must have Content-Type {FORM} or {DIRECT}"
            + (f", not {media}" if media else ""),
        )
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"queries must be encoded in UTF-8, not {charset}")
    if media == FORM:
        if "update" in request.form:
            raise _read_only()
        _collect(sent, request.form)
        return sent
    try:
        sent.queries.append(request.get_data(cache=False).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the query is not valid UTF-8: {exc}") from None
    return sent


def _collect(sent: ProtocolRequest, values) -> None:
    sent.queries += values.getlist("query")
    sent.default_graph_uris += values.getlist("default-graph-uri")
    sent.named_graph_uris += values.getlist("named-graph-uri")
    for name in FORMAT_PARAMETERS:
        sent.formats += [v for v in values.getlist(name) if v.strip()]


def _read_only() -> ProtocolError:
    return ProtocolError(403, "this endpoint is read-only: SPARQL Update requests are not accepted")


def _too_large():
    limit = current_app.config["PTKG_MAX_REQUEST_BYTES"]
    return error_response(413, f"the request is larger than this endpoint's {limit} bytes")


def _without_query():
    """The query page for a browser, the service description for an RDF client."""
    accept = accepted()
    rdf = media_types(True)
    if accept and accept.best_match([*rdf, "text/html"]) == "text/html":
        config = current_app.config
        return render_template(
            "sparql/query.html",
            timeout=config["PTKG_QUERY_TIMEOUT"],
            max_rows=config["PTKG_MAX_ROWS"],
            max_bytes=config["PTKG_MAX_REQUEST_BYTES"],
        )
    if not accept or accept.best_match(rdf):
        return description_response()
    return error_response(400, "missing 'query' parameter")
