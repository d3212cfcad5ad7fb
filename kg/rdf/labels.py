"""Which label of a resource to show: one rule for its page, the search and the questions' answers.

A resource may carry several names: an ``rdfs:label`` and a ``skos:prefLabel``, in several
languages (English for everything; Russian and Ukrainian too for a few Wikidata-linked actors and
places). Every place that shows one of them picks it with :func:`best_label`, so a party is
called the same on its page, in a search hit and in an answer. The language is always a choice:
English unless the caller asks for another (only the browser's pages do, when the reader asks);
a name missing in that language falls back to English.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Literal
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

LABEL_PROPERTIES: tuple[Node, ...] = (RDFS.label, SKOS.prefLabel)
"""The properties that name a resource, the preferred one first."""

ENGLISH = "en"
"""The language every resource is named in, and the one shown unless another is asked for."""
LANGUAGES: tuple[str, ...] = (ENGLISH, "ru", "uk")
"""The languages of the curated labels (docs/model.md#labels), the default first."""


def in_language(text: Literal, lang: str) -> bool:
    """Whether a literal is tagged ``lang`` or a variant of it (``en`` matches ``en-GB``)."""
    tag = (text.language or "").lower()
    return tag == lang or tag.startswith(lang + "-")


def language_rank(text: Literal, lang: str = ENGLISH) -> int:
    """0 for the language asked for (``lang`` or ``lang-…``), 1 for English, 2 for any other
    language tag, 3 for none."""
    if in_language(text, lang):
        return 0
    if in_language(text, ENGLISH):
        return 1
    return 2 if text.language else 3


def label_key(label: Literal, prop: Node, lang: str = ENGLISH) -> tuple[int, int, str]:
    """Where a label stands in the rule of :func:`best_label` (smallest first)."""
    return (language_rank(label, lang), LABEL_PROPERTIES.index(prop), str(label))


def best_label(
    candidates: Iterable[tuple[Node, Node | None]], lang: str = ENGLISH
) -> Literal | None:
    """The label to show, among ``(property, label)`` pairs. The rule:

    1. the language asked for (``lang``, ``lang-…``; English unless said otherwise) first, then
       English, then any other language, then a label without a tag;
    2. then ``rdfs:label`` before ``skos:prefLabel``;
    3. then the text itself in code-point order, so that the choice never depends on the order
       a store returns labels in.

    Only literals of :data:`LABEL_PROPERTIES` count (an unbound label, ``None``, is no literal);
    None when there is none. What to show for a resource nothing names is the caller's: a page
    shows its prefixed name (``actor:russia``), an answer the last segment of its IRI.
    """
    found = [
        (label_key(label, prop, lang), label)
        for prop, label in candidates
        if prop in LABEL_PROPERTIES and isinstance(label, Literal)
    ]
    return min(found, key=lambda pair: pair[0])[1] if found else None


def best_text(values: Iterable[Node]) -> Literal | None:
    """The literal to show among the values of one property (a comment, a title, a message): the
    languages (English first) and text ordered as labels are in :func:`best_label`."""
    found = [((language_rank(v), str(v)), v) for v in values if isinstance(v, Literal)]
    return min(found, key=lambda pair: pair[0])[1] if found else None
