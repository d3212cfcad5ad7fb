"""The expressions of a query as :mod:`kg.endpoint.recogniser` reads them: rdflib's
``Expression`` and its operators, built-in calls, aggregates and function calls, alternatives in
rdflib's order."""

from __future__ import annotations

from kg.endpoint.subset_terms import BUILT_INS, EXPRESSION_FRAMES, TermReader, Unsure


class ExpressionReader(TermReader):
    """A :class:`TermReader` that reads expressions too; ``group`` (a group graph pattern, for
    ``EXISTS``) is read by the subclass."""

    def group(self) -> None:
        raise NotImplementedError

    def constraint(self) -> None:
        """rdflib's ``Constraint``: ``( E )``, a built-in call or a function call."""
        if self.mark("("):
            self.expression()
            self.need(")")
        else:
            self.call()

    def call(self) -> None:
        """A built-in call or a function call (an IRI and its arguments)."""
        if self.kind() == "word":
            self.built_in()
        elif self.kind() in ("iri", "pname"):
            self.iri()
            self.arguments()
        else:
            raise Unsure

    # --- expressions -------------------------------------------------------------------------

    def expression(self) -> None:
        """rdflib's ``Expression``: ``||`` over ``&&`` over a relation."""
        self.nest(EXPRESSION_FRAMES)
        self.conjunction()
        while self.pair("|", "|"):
            self.conjunction()
        self.frames -= EXPRESSION_FRAMES

    def conjunction(self) -> None:
        self.relation()
        while self.pair("&", "&"):
            self.relation()

    def relation(self) -> None:
        self.sum()
        if (
            self.pair("!", "=")
            or self.pair("<", "=")
            or self.pair(">", "=")
            or self.mark("=")
            or self.mark("<")
            or self.mark(">")
        ):
            self.sum()
        elif self.keyword("IN"):
            self.expression_list()
        elif self.is_keyword("NOT") and self.is_keyword("IN", 1):
            self.at += 2
            self.expression_list()

    def sum(self) -> None:
        self.product()
        while self.mark("+") or self.mark("-"):
            self.product()

    def product(self) -> None:
        self.unary()
        while self.mark("*") or self.mark("/"):
            self.unary()

    def unary(self) -> None:
        """rdflib's ``UnaryExpression``: one ``!``, ``+`` or ``-`` at most, then a primary."""
        if not (self.mark("!") or self.mark("+")):
            self.mark("-")
        self.primary()

    def primary(self) -> None:
        """rdflib's ``PrimaryExpression``, in its order of alternatives."""
        kind = self.kind()
        if self.mark("("):
            self.expression()
            self.need(")")
        elif kind == "word":
            if not (self.keyword("TRUE") or self.keyword("FALSE")):
                self.built_in()
        elif kind in ("iri", "pname"):
            self.iri()
            if self.is_mark("("):
                self.arguments()
        elif kind == "string":
            self.literal()
        elif kind == "number":
            self.number()
        elif kind == "var":
            self.at += 1
        else:
            raise Unsure

    def arguments(self) -> None:
        """rdflib's ``ArgList``: ``()`` or ``( [DISTINCT] E, … )``."""
        self.need("(")
        if self.mark(")"):
            return
        self.keyword("DISTINCT")
        self.expression()
        while self.mark(","):
            self.expression()
        self.need(")")

    def expression_list(self) -> None:
        self.need("(")
        if self.mark(")"):
            return
        self.expression()
        while self.mark(","):
            self.expression()
        self.need(")")

    def built_in(self) -> None:
        """One of rdflib's built-in calls, read by its entry in ``BUILT_INS``."""
        name = self.word().upper()
        steps = BUILT_INS.get(name)
        if steps is None or not self.keyword(name):
            raise Unsure
        for step in steps:
            self.step(step)

    def step(self, step: str) -> None:
        method = _STEPS.get(step)
        if method is not None:
            getattr(self, method)()
        elif step in ("(", ")", ","):
            self.need(step)
        else:
            self.need_keyword(step)

    def nil(self) -> None:
        self.need("(")
        self.need(")")

    def nil_or_bracketed(self) -> None:
        self.need("(")
        if not self.mark(")"):
            self.expression()
            self.need(")")

    def star_or_expression(self) -> None:
        if not self.mark("*"):
            self.expression()

    def more_expression(self) -> None:
        if self.mark(","):
            self.expression()

    def distinct(self) -> None:
        self.keyword("DISTINCT")

    def separator_clause(self) -> None:
        if self.mark(";"):
            self.need_keyword("SEPARATOR")
            self.need("=")
            self.separator()

    def separator(self) -> None:
        """``GROUP_CONCAT``'s separator: a plain string."""
        if self.kind() != "string":
            raise Unsure
        end = self.starts[self.at] + len(self.word())
        if end < len(self.text) and self.text[end] in "\"'":
            raise Unsure
        self.at += 1


_STEPS: dict[str, str] = {
    "E": "expression",
    "V": "var",
    "G": "group",
    "NIL": "nil",
    "LIST": "expression_list",
    "NIL|(E)": "nil_or_bracketed",
    "*|E": "star_or_expression",
    "[,E]": "more_expression",
    "[DISTINCT]": "distinct",
    "[;SEPARATOR=S]": "separator_clause",
}
"""The method that reads each step of a built-in call in ``BUILT_INS`` (the rest are marks and
keywords)."""
