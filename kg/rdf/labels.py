"""Which label of a resource to show: one rule for its page, the search and the questions' answers.

A resource may carry several names: an ``rdfs:label`` and a ``skos:prefLabel``, in several
languages. Every place that shows one of them picks it with :func:`best_label`, so a party is
called the same on its page, in a search hit and in an answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Literal
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

LABEL_PROPERTIES: tuple[Node, ...] = (RDFS.label, SKOS.prefLabel)
"""The properties that name a resource, the preferred one first."""


def language_rank(text: Literal) -> int:
    """0 for English (``en`` or ``en-…``), 1 for any other language tag, 2 for none."""
    lang = (text.language or "").lower()
    if lang == "en" or lang.startswith("en-"):
        return 0
    return 1 if lang else 2


def label_key(label: Literal, prop: Node) -> tuple[int, int, str]:
    """Where a label stands in the rule of :func:`best_label` (smallest first)."""
    return (language_rank(label), LABEL_PROPERTIES.index(prop), str(label))


def best_label(candidates: Iterable[tuple[Node, Node | None]]) -> Literal | None:
    """The label to show, among ``(property, label)`` pairs. The rule:

    1. English (``en``, ``en-…``) first, then any other language, then a label without a tag;
    2. then ``rdfs:label`` before ``skos:prefLabel``;
    3. then the text itself in code-point order, so that the choice never depends on the order
       a store returns labels in.

    Only literals of :data:`LABEL_PROPERTIES` count (an unbound label, ``None``, is no literal);
    None when there is none. What to show for a resource nothing names is the caller's: a page
    shows its prefixed name (``actor:russia``), an answer the last segment of its IRI.
    """
    found = [
        (label_key(label, prop), label)
        for prop, label in candidates
        if prop in LABEL_PROPERTIES and isinstance(label, Literal)
    ]
    return min(found, key=lambda pair: pair[0])[1] if found else None


def best_text(values: Iterable[Node]) -> Literal | None:
    """The literal to show among the values of one property (a comment, a title, a message): the
    languages and text ordered as labels are in :func:`best_label`."""
    found = [((language_rank(v), str(v)), v) for v in values if isinstance(v, Literal)]
    return min(found, key=lambda pair: pair[0])[1] if found else None
