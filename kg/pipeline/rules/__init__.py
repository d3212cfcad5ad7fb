"""A fast OWL 2 RL closure whose answer is owlrl's, exactly (``kg.pipeline.reason`` uses it).

``owl_rl_closure(graph)`` gives the triples owlrl's closure adds and its error messages, or raises
:class:`Unsupported` where owlrl's answer could differ, so the caller runs owlrl. Layout:
``closure`` numbers a graph's terms and checks it (``terms`` holds the vocabulary and owlrl's
one-time rules); ``engine`` forward-chains the rules over an ``index`` of the processed triples,
with ``triggers`` for what a schema triple sets off; ``checks`` reports the inconsistencies.
"""

from kg.pipeline.rules.closure import (
    ERROR,
    RuleClosure,
    Unsupported,
    owl_rl_closure,
    without_cycle_collection,
)

__all__ = ["ERROR", "RuleClosure", "Unsupported", "owl_rl_closure", "without_cycle_collection"]
