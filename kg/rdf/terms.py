"""Text made into RDF terms: the one checked way for text that comes from outside the project.

A user's text (a party typed on the command line, a path under ``/page/``, a graph named in a
SPARQL protocol request) becomes an IRI only through :func:`checked_iri`. It accepts exactly
the absolute IRIs of RFC 3987 — those the embedded store (Oxigraph, whose IRI parser decides)
holds — and every one of them is also a SPARQL ``IRIREF`` once written between angle brackets, so
the text cannot end the IRI early or otherwise become query text. Anything else raises
:class:`BadIRI`, whose message says what is wrong in words a user can act on.
"""

from __future__ import annotations

import re
import unicodedata

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

__all__ = ["BadIRI", "checked_iri"]


class BadIRI(ValueError):
    """Text that is not an absolute IRI; ``text`` is the text, ``reason`` what is wrong with it,
    and the message reads ``not an IRI: 'a b' contains a space``."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"not an IRI: {text!r} {reason}")
        self.text = text
        self.reason = reason


def checked_iri(text: str) -> URIRef:
    """``text`` as an IRI, if it is an absolute IRI (RFC 3987) that SPARQL can write as
    ``<text>``; else :class:`BadIRI` saying why not."""
    try:
        ox.NamedNode(text)
    except ValueError:  # also UnicodeEncodeError, for unpaired surrogates
        raise BadIRI(text, _reason(text)) from None
    return URIRef(text)


_NOT_IN_SPARQL = frozenset('<>"{}|^`\\')
"""The printable ASCII characters SPARQL's ``IRIREF`` excludes (RFC 3987 excludes them too)."""
_NAMED = {
    " ": "a space",
    "\t": "a tab (U+0009)",
    "\n": "a line feed (U+000A)",
    "\r": "a carriage return (U+000D)",
    "\x00": "a NUL character (U+0000)",
}
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _reason(text: str) -> str:
    """Why Oxigraph refused ``text`` as an IRI, in a user's words: the first character no IRI
    may hold, a ``%`` that starts no escape, a missing scheme, or else the parser's own words."""
    if not text:
        return "is empty"
    for char in text:
        if char in _NAMED:
            return f"contains {_NAMED[char]}"
        if char in _NOT_IN_SPARQL:
            return f"contains {char!r}, which no IRI may hold"
        if unicodedata.category(char) in ("Cc", "Cs"):
            kind = "control character" if unicodedata.category(char) == "Cc" else "lone surrogate"
            return f"contains the {kind} U+{ord(char):04X}"
        if char > "\x7f" and not _in_some_iri(char):
            also = " (it stands in for bytes that are not UTF-8)" if char == "\ufffd" else ""
            return f"contains U+{ord(char):04X}, which no IRI may hold{also}"
    if _PERCENT.search(text):
        return "has a '%' not followed by two hex digits"
    if not _SCHEME.match(text):
        return "has no scheme (such as https:)"
    try:
        ox.NamedNode(text)
    except ValueError as exc:
        return f"breaks the IRI syntax of RFC 3987 ({exc})"
    return "is refused"  # not reached: only text Oxigraph refused is explained


def _in_some_iri(char: str) -> bool:
    """Whether RFC 3987 lets some part of an IRI hold this non-ASCII character: a ``ucschar``
    anywhere, or an ``iprivate`` in the query (asked of Oxigraph's parser, the authority)."""
    try:
        ox.NamedNode(f"http://a/?{char}")
    except ValueError:
        return False
    return True


def local_name(term: Node | str) -> str:
    """An IRI's last segment (after the last ``/`` or ``#``, a trailing ``/`` ignored):
    ``actor:russia`` → ``russia``."""
    return str(term).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
