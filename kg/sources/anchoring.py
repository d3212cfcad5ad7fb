"""Where in its source text a quote is: the W3C Web Annotation quote and position selectors.

A quote alone (``oa:exact``) says what was quoted, not where: a sentence can occur twice in an
article, and a text that changes can move it. :func:`anchor` finds the one place a quote stands
and describes it twice over, as the Web Annotation model's ``TextQuoteSelector`` does (the quote
with the raw text just before and after it, ``prefix`` and ``suffix``) and as its
``TextPositionSelector`` does (``start`` and ``end``, offsets in code points, i.e. Python ``str``
indices, into the text decoded as UTF-8). Like dom-anchor-text-quote, the library Hypothes.is
anchors with, the context starts at 32 code points; unlike it, it is lengthened until
prefix + quote + suffix occur at exactly one place, so the quote selector on its own still
selects the one passage the position selector names.

A quote is compared with the text with whitespace collapsed (:func:`normalise`):
a curated quote has a space where the text may break its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONTEXT = 32
"""Code points of text kept on each side of a quote, before any lengthening (dom-anchor-text-quote's
CONTEXT_LENGTH)."""

_SHOWN = 24
"""Code points of surroundings an ambiguity message shows on each side of an occurrence."""


def normalise(text: str) -> str:
    """Every run of whitespace as one space, the ends trimmed: how a quote is compared with the
    text, whose lines may break where the quote has a space."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Anchor:
    """Where a quote is: ``text[start:end]`` is the quote (whitespace collapsed), ``prefix`` and
    ``suffix`` the raw text just before and after it, long enough that together with the quote
    they occur only there."""

    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


class AnchorError(ValueError):
    """A quote that cannot be anchored; its message is one line."""


class QuoteNotFound(AnchorError):
    """The quote is not in the text (or the chosen occurrence does not exist)."""


class AmbiguousQuote(AnchorError):
    """The quote occurs more than once and no occurrence was chosen. ``occurrences`` holds each
    place as ``(start, end)``; the message shows each with its surroundings, numbered from 1 as
    an ``occurrence`` is chosen."""

    def __init__(self, exact: str, text: str, occurrences: list[tuple[int, int]]) -> None:
        self.exact = exact
        self.occurrences = occurrences
        self.shown = [surroundings(text, start, end) for start, end in occurrences]
        places = "; ".join(f"{n}) {shown}" for n, shown in enumerate(self.shown, 1))
        super().__init__(f"the quote occurs {len(occurrences)} times, choose one of: {places}")


def surroundings(text: str, start: int, end: int) -> str:
    """One line showing ``text[start:end]`` in its context: where an occurrence is, for a reader
    to choose between occurrences."""
    before = normalise(text[max(0, start - _SHOWN) : start] + "x")[:-1]
    after = normalise("x" + text[end : end + _SHOWN])[1:]
    return f"at {start}: …{before}[{normalise(text[start:end])}]{after}…"


def occurrences(text: str, exact: str) -> list[tuple[int, int]]:
    """Every place (``start``, ``end``) where ``exact`` occurs in ``text`` with whitespace
    collapsed, overlapping places included, in the order of the text. A place starts and ends
    with the quote's first and last non-space characters."""
    words = normalise(exact).split(" ")
    if words == [""]:
        raise QuoteNotFound("the quote is empty")
    pattern = re.compile("(?=(" + r"\s+".join(re.escape(word) for word in words) + "))")
    return [(m.start(1), m.end(1)) for m in pattern.finditer(text)]


def selects(text: str, exact: str, prefix: str, suffix: str) -> list[tuple[int, int]]:
    """The places a quote selector (quote, prefix, suffix) selects in ``text``: the quote's
    occurrences with ``prefix`` just before and ``suffix`` just after."""
    return [
        (start, end)
        for start, end in occurrences(text, exact)
        if text.endswith(prefix, 0, start) and text.startswith(suffix, end)
    ]


def anchor(
    text: str, exact: str, *, context: int = CONTEXT, occurrence: int | None = None
) -> Anchor:
    """The anchor of ``exact`` in ``text``: its one occurrence, or the ``occurrence``-th (from 1)
    when it has several. Raises :class:`QuoteNotFound` when it is not there and
    :class:`AmbiguousQuote` when it is there more than once and no ``occurrence`` is given."""
    if context < 1:
        raise ValueError(f"context must be at least 1, not {context}")
    places = occurrences(text, exact)
    if not places:
        raise QuoteNotFound(f"the quote is not in the text: {exact!r}")
    if occurrence is None:
        if len(places) > 1:
            raise AmbiguousQuote(exact, text, places)
        occurrence = 1
    if not 1 <= occurrence <= len(places):
        raise QuoteNotFound(
            f"the quote occurs {len(places)} time(s): there is no occurrence {occurrence}"
        )
    start, end = places[occurrence - 1]
    others = [place for place in places if place != (start, end)]
    width = context
    while True:
        prefix = text[max(0, start - width) : start]
        suffix = text[end : end + width]
        others = [
            (s, e) for s, e in others if text.endswith(prefix, 0, s) and text.startswith(suffix, e)
        ]
        if not others:
            return Anchor(exact, prefix, suffix, start, end)
        # This ends: with the whole text on each side, another place would start after this one
        # and end before it, holding all of the quote's non-space characters in fewer.
        width += context
