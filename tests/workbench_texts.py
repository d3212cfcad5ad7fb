"""What the workbench tests register and record: a short news paragraph made up for the tests
(labelled as test text in the text itself; no outlet published it), with a made-up but plausible
quote, and the statement a curator would record from it."""

from __future__ import annotations

TEST_TEXT = (
    "TEST TEXT written for the Peace Talks KG workbench tests; it is not a real news report.\n"
    "\n"
    "KYIV, 4 March 2025. Ukraine's foreign minister Andrii Sybiha said on Tuesday that Kyiv "
    "was ready for an immediate ceasefire in the air and at sea if Moscow did the same, "
    "according to remarks published by his ministry. He added that any settlement would "
    "need security guarantees for Ukraine.\n"
)
TEST_TITLE = "Test text: Sybiha offers a ceasefire in the air and at sea"
TEST_PUBLISHED = "2025-03-04"
QUOTE = "ready for an immediate ceasefire in the air and at sea if Moscow did the same"
"""The passage a curator selects."""


def quote_offsets(text: str = TEST_TEXT, quote: str = QUOTE) -> tuple[int, int]:
    """Where the quote is, in code points of the raw text."""
    start = text.index(quote)
    return start, start + len(quote)
