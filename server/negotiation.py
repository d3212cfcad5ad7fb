"""Content negotiation for query results and RDF, from the format registry ``kg.rdf.formats``."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request
from werkzeug.datastructures import MIMEAccept

from kg.rdf.formats import family, format_for, media_types


class UnknownFormat(ValueError):
    """A ``format=`` value that names no format at all."""


def choose_format(graph: bool, requested: Iterable[str] = ()) -> tuple[str, str] | None:
    """The format (short name) and media type to answer with: RDF when ``graph``, else SELECT/ASK
    results. The first ``requested`` name or media type (``format=``/``output=``) that fits
    wins; names of the other kind of result are passed over, as clients send them regardless of
    the query form. Otherwise ``Accept`` decides; ``*/*`` or no ``Accept`` gets the first format
    of the table (JSON results, Turtle). None when nothing acceptable can be produced; raises
    UnknownFormat for a requested name no table knows."""
    for token in requested:
        fmt = format_for(token, graph)
        if fmt is not None:
            media = token.strip().lower() if "/" in token else _media(fmt, graph)
            return fmt, media
        if format_for(token, not graph) is None:
            raise UnknownFormat(token)
    offered = media_types(graph)
    header = request.headers.get("Accept", "")
    if header in offered:  # one type on offer, written as offered: what negotiating would choose
        return format_for(header, graph), header  # type: ignore[return-value]
    accept = accepted()
    if not accept:
        return format_for(offered[0], graph), offered[0]  # type: ignore[return-value]
    best = accept.best_match(offered)
    if best is None:
        return None
    return format_for(best, graph), best  # type: ignore[return-value]


def accepted() -> MIMEAccept:
    """The request's ``Accept`` with each media type's parameters other than ``q`` dropped.

    Werkzeug matches an accepted type's parameters against the offer's, so a client asking for
    ``application/sparql-results+json; charset=utf-8`` would be refused an answer the server
    writes in UTF-8 anyway; every answer here is UTF-8, and no other parameter changes it. Every
    negotiation of the app reads ``Accept`` through this function."""
    return MIMEAccept(
        [(value.split(";", 1)[0].strip(), quality) for value, quality in request.accept_mimetypes]
    )


def offered(graph: bool) -> str:
    """The media types on offer, for error messages."""
    return ", ".join(f.media_type for f in family(graph).values())


def _media(fmt: str, graph: bool) -> str:
    return family(graph)[fmt].media_type
