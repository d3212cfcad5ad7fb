"""Decide the common queries without rdflib's parser, exactly as it would decide them.

rdflib's SPARQL parser (pyparsing) takes one to tens of milliseconds a query, most of the guard's
cost for a query it has not seen; the guard needs from it only whether the canonical text parses
and resolves, the query's form and its ``FROM``/``FROM NAMED`` graphs. :func:`recognise` reads the
canonical text's terminals (``kg.endpoint.sparql_text``) with a recursive descent over a
well-defined subset of rdflib's own grammar (``rdflib/plugins/sparql/parser.py``): the prologue
(``PREFIX``), the four forms, dataset clauses, group graph patterns of triples (no property
paths, blank nodes or collections), ``OPTIONAL``, ``UNION``, ``MINUS``, ``GRAPH``, ``FILTER``,
``BIND``, ``VALUES``, sub-queries, the expressions with rdflib's built-in functions, aggregates
and function calls, and the solution modifiers. It answers None for anything else, and then
rdflib's parser decides, unchanged. It only ever accepts, never refuses: a text it accepts is one
rdflib parses and resolves, so it can make the guard no more permissive.

That holds because each rule follows rdflib's rule, alternatives in rdflib's order, and because
it answers None wherever rdflib would read the terminals differently from the lexer: a keyword
touching a keyword character (pyparsing's ``CaselessKeyword`` boundaries), a prefixed name whose
prefix is a keyword, a verb touching ``?`` (a path modifier), a literal's ``@``/``^^`` not
touching its string, a string followed by a quote, a relative IRI or ``BASE`` (resolved with
``urljoin``, which can fail), a ``PREFIX`` that rebinds a prefix or a namespace (rdflib's
namespace manager then drops bindings), a ``\\u`` rdflib would expand, escapes in a local name,
and a query nested deeply enough that rdflib's recursion could get near Python's limit (the
frames it would use are counted from measured costs; ``tests/test_recogniser.py`` checks they are
never fewer than rdflib uses). A literal with a language or a datatype is built as rdflib
builds it. ``tests/test_recogniser.py`` runs both over the test suites' corpora, their mutations
and generated queries and requires the very same decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.plugins.sparql.parser import expandUnicodeEscapes_re

from kg.endpoint.sparql_text import Lexeme
from kg.endpoint.subset_expressions import ExpressionReader
from kg.endpoint.subset_terms import (
    BUILT_INS,
    GROUP_FRAMES,
    TRIPLE_FRAMES,
    Bindings,
    Unsure,
)

__all__ = ["Bindings", "Shape", "recognise"]


@dataclass(frozen=True)
class Shape:
    """What the guard needs of a query rdflib would accept: its form and its dataset clauses,
    their IRIs resolved as rdflib resolves them."""

    form: str
    default: tuple[URIRef, ...] = ()
    named: tuple[URIRef, ...] = ()


def recognise(text: str, lexemes: list[Lexeme], bindings: Bindings) -> Shape | None:
    """The shape of the canonical query ``text`` (``lexemes``: its terminals, white space left
    out; ``bindings``: the prefixes declared before it) if it lies in the subset this module
    reads, which rdflib then accepts too; else None."""
    if "\\" in text and expandUnicodeEscapes_re.search(text):
        return None  # rdflib expands \u escapes before it parses, even inside a string
    try:
        return _Reader(text, lexemes, bindings).query()
    except Exception:  # Unsure, or a fault here: either way rdflib's parser decides
        return None


class _Reader(ExpressionReader):
    """A whole query: its prologue, form, dataset clauses, graph patterns and modifiers."""

    # --- the query ---------------------------------------------------------------------------

    def query(self) -> Shape:
        self.nest(0)
        while self.keyword("PREFIX"):
            self.prefix()
        if self.is_keyword("BASE"):
            raise Unsure
        if self.keyword("SELECT"):
            self.select_clause()
            shape = self.dataset("SELECT")
            self.where()
        elif self.keyword("CONSTRUCT"):
            self.construct_template()
            shape = self.dataset("CONSTRUCT")
            self.where()
        elif self.keyword("ASK"):
            shape = self.dataset("ASK")
            self.where()
        elif self.keyword("DESCRIBE"):
            if not self.mark("*"):
                self.var_or_iri()
                while self.kind() in ("var", "iri", "pname"):
                    self.var_or_iri()
            shape = self.dataset("DESCRIBE")
            if self.is_keyword("WHERE") or self.is_mark("{"):
                self.where()
        else:
            raise Unsure
        self.solution_modifier()
        self.values_clause()
        if self.kind() != "end":
            raise Unsure
        return shape

    def prefix(self) -> None:
        """``PREFIX p: <ns>`` when it only adds a binding or repeats one; rdflib's namespace
        manager does more (drops the prefix a namespace had) for anything else."""
        declared = self.word()
        if self.kind() != "pname" or not declared.endswith(":") or declared.count(":") != 1:
            raise Unsure
        self.at += 1
        if self.kind() != "iri":
            raise Unsure
        prefix, namespace = declared[:-1], str(self.iri())
        if self.namespace_of.get(prefix) == namespace and self.prefix_of.get(namespace) == prefix:
            return
        if prefix in self.namespace_of or namespace in self.prefix_of:
            raise Unsure
        self.namespace_of = {**self.namespace_of, prefix: namespace}
        self.prefix_of = {**self.prefix_of, namespace: prefix}

    def dataset(self, form: str) -> Shape:
        default: list[URIRef] = []
        named: list[URIRef] = []
        while self.keyword("FROM"):
            if self.keyword("NAMED"):
                named.append(self.iri())
            else:
                default.append(self.iri())
        return Shape(form, tuple(default), tuple(named))

    def select_clause(self) -> None:
        if not self.keyword("DISTINCT"):
            self.keyword("REDUCED")
        if self.mark("*"):
            return
        if not (self.kind() == "var" or self.is_mark("(")):
            raise Unsure
        while self.kind() == "var" or self.is_mark("("):
            if self.mark("("):
                self.expression()
                self.need_keyword("AS")
                self.var()
                self.need(")")
            else:
                self.at += 1

    def where(self) -> None:
        self.keyword("WHERE")
        self.group()

    def construct_template(self) -> None:
        self.need("{")
        if self.starts_term():
            self.triples_block()
        self.need("}")

    def solution_modifier(self) -> None:
        if self.keyword("GROUP"):
            self.need_keyword("BY")
            self.group_condition()
            while self.starts_condition() or self.kind() == "var":
                self.group_condition()
        if self.keyword("HAVING"):
            self.constraint()
            while self.starts_condition():
                self.constraint()
        if self.keyword("ORDER"):
            self.need_keyword("BY")
            self.order_condition()
            while self.starts_condition() or self.kind() == "var" or self.starts_direction():
                self.order_condition()
        if self.keyword("LIMIT"):
            self.integer()
            if self.keyword("OFFSET"):
                self.integer()
        elif self.keyword("OFFSET"):
            self.integer()
            if self.keyword("LIMIT"):
                self.integer()

    def integer(self) -> None:
        if self.kind() != "number" or not self.word().isdigit():
            raise Unsure
        self.at += 1

    def starts_condition(self) -> bool:
        """Whether a ``Constraint`` can start here: a bracket, a built-in or a function call."""
        if self.is_mark("("):
            return True
        if self.kind() in ("iri", "pname"):
            return True
        return self.kind() == "word" and self.word().upper() in BUILT_INS

    def starts_direction(self) -> bool:
        return self.is_keyword("ASC") or self.is_keyword("DESC")

    def group_condition(self) -> None:
        """rdflib's ``GroupCondition``: a built-in, a function call, ``( E [AS ?v] )``, a var."""
        if self.kind() == "var":
            self.at += 1
        elif self.mark("("):
            self.expression()
            if self.keyword("AS"):
                self.var()
            self.need(")")
        else:
            self.call()

    def order_condition(self) -> None:
        if self.keyword("ASC") or self.keyword("DESC"):
            self.need("(")
            self.expression()
            self.need(")")
        elif self.kind() == "var":
            self.at += 1
        else:
            self.constraint()

    def values_clause(self) -> None:
        if self.keyword("VALUES"):
            self.data_block()

    # --- graph patterns ----------------------------------------------------------------------

    def group(self) -> None:
        """rdflib's ``GroupGraphPattern``: ``{`` a sub-query or patterns ``}``."""
        self.need("{")
        self.nest(GROUP_FRAMES)
        if self.keyword("SELECT"):
            self.select_clause()
            self.where()
            self.solution_modifier()
            self.values_clause()
        else:
            if self.starts_term():
                self.triples_block()
            while self.pattern_not_triples():
                self.mark(".")
                if self.starts_term():
                    self.triples_block()
        self.need("}")
        self.frames -= GROUP_FRAMES

    def triples_block(self) -> None:
        """Triples, each ended by an optional ``.``; rdflib reads them recursively."""
        frames = self.frames
        while True:
            self.nest(TRIPLE_FRAMES)
            self.var_or_term()
            self.property_list()
            if not self.mark(".") or not self.starts_term():
                break
        self.frames = frames

    def starts_verb(self) -> bool:
        return self.kind() in ("var", "iri", "pname") or (
            self.kind() == "word" and self.word() == "a"
        )

    def verb(self) -> None:
        """A variable, an IRI or ``a`` (case-sensitive, as rdflib reads it), not touching a
        ``?`` (rdflib would read a path modifier)."""
        if self.kind() == "var":
            self.at += 1
            return
        if self.kind() == "word" and self.word() == "a":
            self.at += 1
        else:
            self.iri()
        end = self.starts[self.at - 1] + len(self.words[self.at - 1])
        if end < len(self.text) and self.text[end] in "?*+":
            raise Unsure

    def property_list(self) -> None:
        self.verb()
        self.object_list()
        while self.mark(";"):
            if self.starts_verb():
                self.verb()
                self.object_list()

    def object_list(self) -> None:
        self.var_or_term()
        while self.mark(","):
            self.var_or_term()

    def pattern_not_triples(self) -> bool:
        """rdflib's ``GraphPatternNotTriples`` (no ``SERVICE``); False if none starts here."""
        if self.is_mark("{"):
            self.group()
            while self.keyword("UNION"):
                self.group()
        elif self.keyword("OPTIONAL") or self.keyword("MINUS"):
            self.group()
        elif self.keyword("GRAPH"):
            self.var_or_iri()
            self.group()
        elif self.keyword("FILTER"):
            self.constraint()
        elif self.keyword("BIND"):
            self.need("(")
            self.expression()
            self.need_keyword("AS")
            self.var()
            self.need(")")
        elif self.keyword("VALUES"):
            self.data_block()
        else:
            return False
        return True

    def data_block(self) -> None:
        """``?v { values }`` or ``( ?v … ) { ( values ) … }``."""
        if self.kind() == "var":
            self.at += 1
            self.need("{")
            while not self.mark("}"):
                self.data_value()
            return
        self.need("(")
        while not self.mark(")"):
            self.var()
        self.need("{")
        while not self.mark("}"):
            self.need("(")
            while not self.mark(")"):
                self.data_value()

    def data_value(self) -> None:
        kind = self.kind()
        if kind in ("iri", "pname"):
            self.iri()
        elif kind == "string":
            self.literal()
        elif kind == "number":
            self.number()
        elif not (self.keyword("TRUE") or self.keyword("FALSE") or self.keyword("UNDEF")):
            raise Unsure
