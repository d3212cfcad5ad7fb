"""Cache validators: ``ETag`` and ``Cache-Control`` on what only changes with the build, and
``304 Not Modified`` for a client that already holds it.

A page, its JSON twin, a data document, the VoID description, the home page and the downloads
all say only what the served build holds, so each is valid as long as that build is served. Their
ETag is derived from the build's checksum (``server.identity``) and the representation: the path,
the query string and the media type, so that every representation of a negotiated resource has its
own (the resources whose answer depends on ``Accept`` say so with ``Vary: Accept``). A new build
changes every ETag. It is weak (``W/"…"``): the bytes are the same for the same build, but a
proxy that compresses them may change them, and a weak tag stays valid through that. A download
keeps the tag it has (the checksum of its bytes, ``server.downloads``). ``If-None-Match`` is
compared weakly (RFC 9110, 13.1.2), so ``W/"x"`` and ``"x"`` both match.

``Cache-Control: public, max-age=PTKG_CACHE_MAX_AGE`` lets browsers and caches reuse these for a
short while without asking, then ask with the tag. ``/sparql`` answers are ``no-store``: a query's
answer may be cut at the row limit or stopped at the time limit, and its cost is better spent
once more than served stale from an unknown cache.
"""

from __future__ import annotations

import hashlib
from typing import cast

from flask import Flask, Response, current_app, request

from server.identity import served_build
from server.operations import current_request

CACHED = frozenset({"pages", "home", "service", "downloads", "nanopubs"})
"""The blueprints whose answers depend on the build alone."""
UNCACHED = frozenset({"sparql"})


def init_app(app: Flask) -> None:
    """Add the validators to ``app``'s answers (register after the hooks that count answers,
    so that those count the 304s)."""
    app.after_request(_validate)


def etag_for(sha256: str, response: Response) -> str:
    """The ETag of ``response`` to this request, for the build ``sha256``."""
    key = "\0".join(
        (
            sha256,
            request.path,
            request.query_string.decode("latin-1"),
            response.mimetype or "",
            response.headers.get("Content-Language", ""),  # a page negotiated by Accept-Language
        )
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _validate(response: Response) -> Response:
    sent = current_request()  # once: each use of the proxy costs a lookup
    if sent.method not in ("GET", "HEAD"):
        return response
    blueprint = sent.blueprint
    if blueprint in UNCACHED:
        if "Cache-Control" not in response.headers:  # set as text: parsing it costs µs
            response.headers["Cache-Control"] = "no-store"
        return response
    if blueprint not in CACHED or response.status_code not in (200, 304):
        return response
    if response.cache_control.max_age is None:
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["PTKG_CACHE_MAX_AGE"]
    if response.status_code != 200 or response.direct_passthrough:
        return response
    sha256 = served_build().sha256
    if response.get_etag()[0] is None:
        if sha256 is None:  # a remote store: no way to tell when its data changes
            return response
        response.set_etag(etag_for(sha256, response), weak=True)
    return cast(Response, response.make_conditional(sent))
