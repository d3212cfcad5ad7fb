"""The error of a query the endpoint's guard will not run, apart from the guard itself: whoever
only reports it (the CLI's error handler) need not import rdflib's SPARQL parser to do so."""

from __future__ import annotations


class QueryRefused(ValueError):
    """A well-formed request this endpoint will not run; the message says why."""
