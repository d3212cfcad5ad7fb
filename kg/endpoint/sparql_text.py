"""Read SPARQL text the way the query engine does, and write it in a form every parser reads alike.

Two parsers see each query the endpoint runs: rdflib's, which judges it (``kg.endpoint.guard``), and
Oxigraph's, which runs it. They disagree on lexical corners — rdflib ends a ``#`` comment only
at LF while Oxigraph (like the SPARQL grammar) also ends it at a bare CR; rdflib expands ``\\u``
escapes everywhere before parsing while Oxigraph reads them only inside strings and IRIs; Oxigraph
matches keywords without a word boundary (``SERVICE:x`` is ``SERVICE`` then ``:x``, ``1SERVICE``
is ``1`` then ``SERVICE``). A guard that judges one reading while the engine runs another can be
walked around.

So the guard never judges the text it was sent. :func:`canonical` reads it with the grammar's
terminals as Oxigraph reads them and writes it again on one line: comments dropped, runs of white
space as one space, every string as a plain ``"…"`` with only the escapes ``\\\\ \\" \\n \\r \\t
\\b \\f``, every IRI with its ``\\u`` escapes decoded. That text has no comments, no line ends
outside strings and no codepoint escapes, which leaves nothing for two readings to differ on; it
is what the guard parses and exactly what the engine runs. :func:`service_words` finds
``SERVICE`` wherever the engine could read it as a keyword, and :func:`readings` gives the other
ways a reader may take the text as sent, so that a query on which readers could disagree about
``SERVICE`` is refused rather than judged by one of them.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from kg.store import QuerySyntaxError
from kg.store.terms import quoted_string

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_ECHAR = r"""\\[tbnrf"'\\]"""
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)

_TOKEN = re.compile(
    rf"""
    (?P<space>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''
              |\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\"
              |'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'
              |"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*")
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)
  | (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<pname>(?P<prefix>{_PN_PREFIX})?:(?P<local>{_PN_LOCAL})?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<number>[0-9]+\.?[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<escape>{_UCHAR})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_IRI_CHAR = re.compile(r'[^<>"{}|^`\\\x00-\x20]')
_SERVICE = re.compile("service", re.IGNORECASE)
BOM = "\ufeff"


@dataclass(frozen=True)
class Token:
    """One terminal of the SPARQL grammar as the engine reads it: its kind (a group name of
    ``_TOKEN``), its text and where it starts in the text it was read from."""

    kind: str
    text: str
    start: int


@dataclass(frozen=True)
class CanonicalText:
    """A query written on one line in a form every parser reads alike (see the module's
    docstring), with a map from its offsets back to the text it was written from."""

    text: str
    source: str
    _starts: tuple[int, ...]
    _origins: tuple[int, ...]

    def origin(self, offset: int) -> int:
        """The offset in the source text of the character at ``offset`` in ``text``."""
        index = bisect_right(self._starts, offset) - 1
        if index < 0:
            return 0
        return min(self._origins[index] + (offset - self._starts[index]), len(self.source))

    def footprint(self) -> int:
        """Bytes held by the map of positions (each position counted as an integer object of its
        own), the source and the text not included."""
        return sys.getsizeof(self._starts) + sys.getsizeof(self._origins) + 56 * len(self._starts)

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column (both from 1) in the source of the character at ``offset``."""
        at = self.origin(offset)
        line = _LINE_END.split(self.source[:at])
        return len(line), len(line[-1]) + 1


_LINE_END = re.compile(r"\r\n|\r|\n")


def tokens(text: str) -> Iterator[Token]:
    """The terminals of ``text``, white space and comments included, in order."""
    for match in _TOKEN.finditer(text):
        yield Token(match.lastgroup or "other", match.group(), match.start())


Lexeme = tuple[str, str, int]
"""A terminal as plain values (kind, text, start): a :class:`Token` costs a few times more to
make, and a query's are read on every decision made afresh."""


def lexemes(text: str) -> list[Lexeme]:
    """The terminals of ``text`` but white space and comments, in order."""
    return [
        (kind, match.group(), match.start())
        for match in _TOKEN.finditer(text)
        if (kind := match.lastgroup or "other") not in ("space", "comment")
    ]


def canonical(text: str) -> CanonicalText:
    """``text`` (a leading byte-order mark ignored) in the form the guard judges and the engine
    runs. Raises QuerySyntaxError for what no reading makes sense of: a codepoint escape outside
    a string or IRI, one that names no character, or an IRI whose escapes decode to a character
    an IRI may not hold."""
    offset = 1 if text.startswith(BOM) else 0
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    length = 0
    pending_space = False
    for match in _TOKEN.finditer(text, offset):
        kind, found, start = match.lastgroup, match.group(), match.start()
        if kind in ("space", "comment"):
            pending_space = bool(parts)
            continue
        if kind == "escape":
            raise QuerySyntaxError(
                f"{_where(text, start)}: the codepoint escape {found} is accepted only "
                "inside a string or an IRI"
            )
        if kind == "string":
            written = quoted_string(_string_value(found, text, start))
        elif kind == "iri":
            written = _iri(found, text, start)
        else:
            written = found
        if pending_space:
            parts.append(" ")
            starts.append(length)
            origins.append(start - 1)
            length += 1
            pending_space = False
        parts.append(written)
        starts.append(length)
        origins.append(start)
        length += len(written)
    return CanonicalText("".join(parts), text, tuple(starts), tuple(origins))


def service_words(text: str) -> list[str]:
    """Each piece of ``text`` the engine could read as the keyword ``SERVICE``.

    Oxigraph matches a keyword wherever its letters begin, so any word, prefixed-name prefix,
    number-glued word or other bare text holding ``service`` in any case counts. Only variable
    names and the local part of a prefixed name are safe: the engine reads each whole.
    """
    if not _SERVICE.search(text):  # every piece found is part of the text: none to find
        return []
    found: list[str] = []
    for token in tokens(text):
        if token.kind in ("space", "comment", "string", "iri", "var"):
            continue
        bare = token.text
        if token.kind == "pname":
            bare = bare.split(":", 1)[0]
        if _SERVICE.search(bare):
            found.append(token.text)
    return found


_LINE_BOUNDARY = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_ANY_UCHAR = re.compile(_UCHAR)


def readings(text: str) -> list[str]:
    """``text`` as each known reader may take it, to look for ``SERVICE`` in all of them: as
    sent (Oxigraph, the grammar); with every codepoint escape expanded first, as the SPARQL
    specification (§19.2), rdflib and Jena read it; with every Unicode line boundary ending a
    comment, as a reader splitting lines by Unicode's rules would; and with both."""
    expanded = _ANY_UCHAR.sub(_expanded, text)
    found = [text, expanded, _LINE_BOUNDARY.sub("\n", text), _LINE_BOUNDARY.sub("\n", expanded)]
    return list(dict.fromkeys(found))


def _expanded(match: re.Match[str]) -> str:
    value = int(match.group()[2:], 16)
    return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else match.group()


def _string_value(written: str, text: str, start: int) -> str:
    quote = 3 if written[:3] in ("'''", '"""') else 1
    body = written[quote:-quote]
    if "\\" not in body:
        return body
    return re.sub(
        rf"{_ECHAR}|{_UCHAR}", lambda m: _unescape(m.group(), text, start), body, flags=re.DOTALL
    )


def _unescape(escape: str, text: str, start: int) -> str:
    if escape[1] in "uU":
        return _codepoint(escape, text, start)
    return _ESCAPES[escape[1]]


def _codepoint(escape: str, text: str, start: int) -> str:
    value = int(escape[2:], 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise QuerySyntaxError(f"{_where(text, start)}: {escape} names no Unicode character")
    return chr(value)


def _iri(written: str, text: str, start: int) -> str:
    if "\\" not in written:
        return written  # the lexer took only characters an IRI may hold
    value = re.sub(_UCHAR, lambda m: _codepoint(m.group(), text, start), written[1:-1])
    for char in value:
        if not _IRI_CHAR.match(char):
            raise QuerySyntaxError(
                f"{_where(text, start)}: the IRI {written} holds {char!r}, which an IRI may not "
                "contain"
            )
    return f"<{value}>"


def _where(text: str, offset: int) -> str:
    line = _LINE_END.split(text[:offset])
    return f"line {len(line)}, column {len(line[-1]) + 1}"
