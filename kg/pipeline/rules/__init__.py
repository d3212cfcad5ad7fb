"""A fast OWL 2 RL closure whose answer is owlrl's, exactly (``kg.pipeline.reason`` uses it).

``owl_rl_closure(graph)`` gives the triples owlrl's closure adds and its error messages, or raises
:class:`Unsupported` where owlrl's answer could differ, so the caller runs owlrl.
:class:`IncrementalClosure` keeps a closure up to date as its graph is edited, and on disk
between runs (``incremental`` says how to call it). Layout: ``closure`` numbers a graph's terms
and checks it (``terms`` holds the vocabulary and the datatype tables, ``onetime`` owlrl's
one-time rules); ``engine`` forward-chains the rules over an ``index`` of the processed
triples, with ``triggers`` for what a schema triple sets off; ``checks`` reports the
inconsistencies; ``incremental`` and ``state`` are the incremental closure and its file.
"""

from kg.pipeline.rules.closure import (
    ERROR,
    RuleClosure,
    Unsupported,
    owl_rl_closure,
    without_cycle_collection,
)
from kg.pipeline.rules.incremental import IncrementalClosure, Recompute, UpdateReport
from kg.pipeline.rules.state import StateRefused

__all__ = [
    "ERROR",
    "IncrementalClosure",
    "Recompute",
    "RuleClosure",
    "StateRefused",
    "Unsupported",
    "UpdateReport",
    "owl_rl_closure",
    "without_cycle_collection",
]
