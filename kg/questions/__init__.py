"""The temporal questions: which positions a party held, kept, added, dropped or renewed, and when.

One implementation, four faces: each question is a parameterised SPARQL query shipped as
``kg/queries/ask-<question>.rq`` (readable on its own, runnable in any SPARQL endpoint that holds the
build), run here with its parameters bound as variables (never pasted into the query text), and
answered as plain dataclasses with the evidence of every item. ``kg ask`` (CLI) and
``GET /api/ask/<question>`` (JSON API) print :meth:`Answer.to_dict` — the one serialisation.

Semantics (periods, intervals, certain vs uncertain): ``docs/questions.md``; the interval logic is
:mod:`kg.rdf.periods` and the build-time lifecycles it relies on :mod:`kg.pipeline.derive`.

The modules, in the order an answer flows through them: :mod:`~kg.questions.registry` (the
questions and what each declares), :mod:`~kg.questions.binding` (query text bound, paged and run),
:mod:`~kg.questions.parameters` (request text to a typed request), :mod:`~kg.questions.paging`
(a page of rows), :mod:`~kg.questions.answers` (the answer dataclasses),
:mod:`~kg.questions.evidence` (statements, quotes, labels), :mod:`~kg.questions.memo` (what is
kept of a store from one answer to the next), :mod:`~kg.questions.assemble` (:func:`ask`),
:mod:`~kg.questions.jsontext` (an answer's JSON text) and :mod:`~kg.questions.render` (table,
JSON, CSV).
"""

from kg.questions.answers import Answer, Evidence, Item, Quote, Resource, StatementDate
from kg.questions.assemble import ask
from kg.questions.binding import bind, fill_values, page
from kg.questions.memo import StoreMemo
from kg.questions.paging import question_query
from kg.questions.parameters import AskError, get_question, resolve_party, resolve_position
from kg.questions.registry import (
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    QUESTIONS,
    Parameter,
    Question,
)
from kg.questions.render import CSV_COLUMNS, FORMATS, questions_to_dict, render

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "QUESTIONS",
    "Answer",
    "AskError",
    "Evidence",
    "Item",
    "Parameter",
    "Question",
    "Quote",
    "Resource",
    "StatementDate",
    "StoreMemo",
    "ask",
    "bind",
    "fill_values",
    "get_question",
    "page",
    "question_query",
    "questions_to_dict",
    "render",
    "resolve_party",
    "resolve_position",
]
