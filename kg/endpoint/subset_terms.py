"""The terminals and terms of a query as :mod:`kg.endpoint.recogniser` reads them: pyparsing's
keyword boundaries, rdflib's reading of IRIs, prefixed names and literals, and the tables of its
grammar's keywords and built-in calls (``rdflib/plugins/sparql/parser.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.compat import decodeUnicodeEscape

from kg.endpoint.sparql_text import Lexeme

IDENTIFIER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")
"""pyparsing's keyword characters: a keyword touching one is not read as the keyword."""


def _names(text: str) -> list[str]:
    return text.split()


ONE_ARGUMENT = ("(", "E", ")")
TWO_ARGUMENTS = ("(", "E", ",", "E", ")")
BUILT_INS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        _names(
            "STR LANG DATATYPE IRI URI ABS CEIL FLOOR ROUND STRLEN UCASE LCASE ENCODE_FOR_URI YEAR "
            "MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ MD5 SHA1 SHA256 SHA384 SHA512 ISIRI ISURI "
            "ISBLANK ISLITERAL ISNUMERIC"
        ),
        ONE_ARGUMENT,
    ),
    **dict.fromkeys(
        _names("LANGMATCHES CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER STRLANG STRDT SAMETERM"),
        TWO_ARGUMENTS,
    ),
    "IF": ("(", "E", ",", "E", ",", "E", ")"),
    "REGEX": ("(", "E", ",", "E", "[,E]", ")"),
    "SUBSTR": ("(", "E", ",", "E", "[,E]", ")"),
    "REPLACE": ("(", "E", ",", "E", ",", "E", "[,E]", ")"),
    "BOUND": ("(", "V", ")"),
    **dict.fromkeys(_names("RAND NOW UUID STRUUID"), ("NIL",)),
    "BNODE": ("NIL|(E)",),
    "CONCAT": ("LIST",),
    "COALESCE": ("LIST",),
    "EXISTS": ("G",),
    "NOT": ("EXISTS", "G"),
    "COUNT": ("(", "[DISTINCT]", "*|E", ")"),
    **dict.fromkeys(_names("SUM MIN MAX AVG SAMPLE"), ("(", "[DISTINCT]", "E", ")")),
    "GROUP_CONCAT": ("(", "[DISTINCT]", "E", "[;SEPARATOR=S]", ")"),
}
"""rdflib's ``BuiltInCall`` (aggregates, ``EXISTS`` and ``NOT EXISTS`` included): what follows
each name. E an expression, V a variable, G a group graph pattern, S a string, NIL ``()``, LIST an
expression list; [x] optional."""

KEYWORDS = frozenset(
    {*BUILT_INS}
    | set(
        _names(
            "BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK FROM NAMED WHERE DISTINCT REDUCED AS GROUP BY "
            "HAVING ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL UNION MINUS GRAPH SERVICE "
            "SILENT FILTER BIND IN NOT EXISTS TRUE FALSE SEPARATOR DEFAULT ALL LOAD INTO CLEAR DROP "
            "CREATE ADD MOVE COPY TO INSERT DELETE DATA WITH USING"
        )
    )
)
"""Every keyword of rdflib's grammar, upper case (it reads them in any case)."""

BASE_FRAMES = 120
GROUP_FRAMES = 30
EXPRESSION_FRAMES = 45
TRIPLE_FRAMES = 12
MOST_FRAMES = 450
"""The stack frames rdflib's parser is counted as using: at the start, for each group graph
pattern, each expression (each bracket or call nests one) and each triple of a block (it reads a
block's triples recursively); measured at 83-101, 26, 37-41 and 11. A query counted above
``MOST_FRAMES`` is left to rdflib, whose own depth then decides (Python's limit is 1,000 frames,
the caller's included)."""


class Unsure(Exception):
    """The text is outside the subset, or rdflib could read it otherwise: rdflib decides."""


@dataclass(frozen=True)
class Bindings:
    """The prefixes rdflib's prologue starts with, both ways: each prefix's namespace, and each
    namespace's prefix (rdflib's namespace manager keeps one prefix a namespace)."""

    namespace_of: Mapping[str, str]
    prefix_of: Mapping[str, str]


class TermReader:
    """One query's terminals, read once from the left; each method reads one rule of rdflib's
    grammar at ``self.at`` or raises Unsure."""

    def __init__(self, text: str, lexemes: list[Lexeme], bindings: Bindings) -> None:
        self.text = text
        self.kinds = [lexeme[0] for lexeme in lexemes] + ["end"]
        self.words = [lexeme[1] for lexeme in lexemes] + [""]
        self.starts = [lexeme[2] for lexeme in lexemes] + [len(text)]
        self.at = 0
        self.namespace_of = bindings.namespace_of
        self.prefix_of = bindings.prefix_of
        self.frames = BASE_FRAMES

    # --- terminals -------------------------------------------------------------------------

    def kind(self, ahead: int = 0) -> str:
        return self.kinds[self.at + ahead]

    def word(self, ahead: int = 0) -> str:
        return self.words[self.at + ahead]

    def touches(self, ahead: int) -> bool:
        """Whether the terminal ``ahead`` starts where the one before it ends."""
        index = self.at + ahead
        return self.starts[index] == self.starts[index - 1] + len(self.words[index - 1])

    def is_keyword(self, keyword: str, ahead: int = 0) -> bool:
        """Whether the terminal ``ahead`` is ``keyword`` as pyparsing reads one: any case, not
        touching a keyword character either side."""
        index = self.at + ahead
        if self.kinds[index] != "word" or self.words[index].upper() != keyword:
            return False
        start, end = self.starts[index], self.starts[index] + len(self.words[index])
        if start > 0 and self.text[start - 1].upper() in IDENTIFIER:
            raise Unsure
        if end < len(self.text) and self.text[end].upper() in IDENTIFIER:
            raise Unsure
        return True

    def keyword(self, keyword: str) -> bool:
        if self.is_keyword(keyword):
            self.at += 1
            return True
        return False

    def need_keyword(self, keyword: str) -> None:
        if not self.keyword(keyword):
            raise Unsure

    def is_mark(self, mark: str, ahead: int = 0) -> bool:
        return self.kinds[self.at + ahead] == "other" and self.words[self.at + ahead] == mark

    def mark(self, mark: str) -> bool:
        if self.is_mark(mark):
            self.at += 1
            return True
        return False

    def need(self, mark: str) -> None:
        if not self.mark(mark):
            raise Unsure

    def pair(self, first: str, second: str) -> bool:
        """Two marks read as one operator (``&&``, ``!=`` …): they must touch."""
        if self.is_mark(first) and self.is_mark(second, 1) and self.touches(1):
            self.at += 2
            return True
        return False

    def nest(self, frames: int) -> None:
        self.frames += frames
        if self.frames > MOST_FRAMES:
            raise Unsure

    # --- terms -------------------------------------------------------------------------------

    def starts_iri(self) -> bool:
        return self.kind() in ("iri", "pname")

    def iri(self) -> URIRef:
        """An IRI or prefixed name, resolved as rdflib's ``Prologue.absolutize`` resolves it."""
        kind, word = self.kind(), self.word()
        self.at += 1
        if kind == "iri":
            if ":" not in word:
                raise Unsure  # relative: rdflib resolves it against the base with urljoin
            return URIRef(word[1:-1])
        if kind != "pname":
            raise Unsure
        prefix, _, local = word.partition(":")
        if prefix.upper() in KEYWORDS or "\\" in local or "%" in local:
            raise Unsure
        namespace = self.namespace_of.get(prefix)
        if namespace is None:
            raise Unsure  # rdflib refuses an undeclared prefix, with its own message
        return URIRef(namespace + local)

    def var(self) -> None:
        if self.kind() != "var":
            raise Unsure
        self.at += 1

    def literal(self) -> None:
        """rdflib's ``RDFLiteral``: a string, with a language tag or ``^^`` datatype touching
        it; one with either is built as rdflib builds it (which can refuse)."""
        body = self.word()[1:-1]
        end = self.starts[self.at] + len(self.word())
        if end < len(self.text) and self.text[end] in "\"'":
            raise Unsure  # rdflib reads strings with a look-ahead for a quote
        self.at += 1
        if self.kind() == "langtag" and self.touches(0):
            language = self.word()[1:]
            self.at += 1
            self.built(lambda: Literal(Literal(decodeUnicodeEscape(body)), lang=language))
        elif self.is_mark("^") and self.touches(0) and self.pair("^", "^"):
            if not self.touches(0):
                raise Unsure
            datatype = self.iri()
            self.built(lambda: Literal(Literal(decodeUnicodeEscape(body)), datatype=datatype))

    @staticmethod
    def built(make: Callable[[], Literal]) -> None:
        try:
            make()
        except Exception:  # rdflib raises plain exceptions: the full path reports them
            raise Unsure from None

    def number(self) -> None:
        if self.kind() != "number" or len(self.word()) > 30:
            raise Unsure
        self.at += 1

    def starts_term(self) -> bool:
        kind = self.kind()
        if kind in ("var", "iri", "pname", "string", "number"):
            return True
        return kind == "word" and (self.is_keyword("TRUE") or self.is_keyword("FALSE"))

    def var_or_term(self) -> None:
        """rdflib's ``VarOrTerm``, without blank nodes, collections or signed numbers."""
        kind = self.kind()
        if kind == "var":
            self.at += 1
        elif kind in ("iri", "pname"):
            self.iri()
        elif kind == "string":
            self.literal()
        elif kind == "number":
            self.number()
        elif self.keyword("TRUE") or self.keyword("FALSE"):
            pass
        else:
            raise Unsure

    def var_or_iri(self) -> None:
        if self.kind() == "var":
            self.at += 1
        else:
            self.iri()
