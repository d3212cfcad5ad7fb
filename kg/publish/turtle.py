"""Pretty, deterministic Turtle and TriG: the project's prefixes, one block per subject, blank
nodes nested as ``[ … ]`` where they are used once, everything in sorted order."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import IdentifiedNode, Node

from kg.publish.quads import Quad, Triple, predicate_key, term_key
from kg.rdf.namespaces import PREFIXES
from kg.store.terms import STRING_ESCAPES

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def turtle_string(text: str) -> str:
    """A string in double quotes, escaped for Turtle, N-Triples and SPARQL alike."""
    out = []
    for char in text:
        if char in STRING_ESCAPES:
            out.append(STRING_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def iri_ref(iri: str) -> str:
    """An IRI in angle brackets, with characters IRIREF does not allow escaped as ``\\uXXXX``."""
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


class PrefixedTerms:
    """Writes terms with the given prefixes, remembering which prefixes were used (one per
    document: its header declares just those)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.namespaces = sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        self.used: set[str] = set()

    def iri(self, iri: str) -> str:
        for name, namespace in self.namespaces:
            if iri.startswith(namespace) and _PN_LOCAL.match(iri[len(namespace) :]):
                self.used.add(name)
                return f"{name}:{iri[len(namespace) :]}"
        return iri_ref(iri)

    def term(self, term: Node) -> str:
        if isinstance(term, URIRef):
            return self.iri(str(term))
        if isinstance(term, BNode):
            return f"_:{term}"
        assert isinstance(term, Literal)
        text = turtle_string(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{self.iri(str(term.datatype))}"
        return text

    def predicate(self, p: Node) -> str:
        return "a" if p == RDF.type else self.term(p)

    def header(self, prefixes: Mapping[str, str]) -> str:
        return "".join(f"@prefix {n}: {iri_ref(prefixes[n])} .\n" for n in sorted(self.used))


def _blocks(
    triples: list[Triple], terms: PrefixedTerms, indent: str, shared: frozenset[Node] = frozenset()
) -> list[str]:
    """Subject blocks of Turtle; a blank node that is the object of exactly one triple (and not
    part of a cycle of such nodes, nor ``shared`` with another graph) is written nested in
    ``[ … ]`` where it is used."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        by_subject[s].append((p, o))
    used_as_object = Counter(o for _, _, o in triples if isinstance(o, BNode))
    nested: set[Node] = {b for b, n in used_as_object.items() if n == 1 and b not in shared}
    _unnest_cycles(by_subject, nested)
    writer = _BlockWriter(by_subject, nested, terms, indent)
    return [
        writer.block(subject)
        for subject in sorted((s for s in by_subject if s not in nested), key=term_key)
    ]


def _unnest_cycles(by_subject: Mapping[Node, list[tuple[Node, Node]]], nested: set[Node]) -> None:
    """Take out of ``nested`` the blank nodes no block would reach (they only nest in each
    other, round a cycle): one at a time, the first in term order, until every one is reached."""
    while True:
        reached = _reached(by_subject, [s for s in by_subject if s not in nested], nested)
        cyclic = [b for b in nested if b in by_subject and b not in reached]
        if not cyclic:
            return
        nested.discard(min(cyclic, key=term_key))


def _reached(
    by_subject: Mapping[Node, list[tuple[Node, Node]]], roots: list[Node], nested: set[Node]
) -> set[Node]:
    """The nested blank nodes written inside the blocks of ``roots``, however deep."""
    reached: set[Node] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        for _, o in by_subject.get(node, ()):
            if o in nested and o not in reached:
                reached.add(o)
                stack.append(o)
    return reached


class _BlockWriter:
    """Writes the block of a subject, with the blank nodes in ``nested`` written in place."""

    def __init__(
        self,
        by_subject: Mapping[Node, list[tuple[Node, Node]]],
        nested: set[Node],
        terms: PrefixedTerms,
        indent: str,
    ) -> None:
        self.by_subject = by_subject
        self.nested = nested
        self.terms = terms
        self.indent = indent

    def block(self, subject: Node) -> str:
        lines = self.predicate_lines(self.by_subject[subject], 1)
        body = (" ;\n" + self.indent).join(lines)
        return f"{self.terms.term(subject)} {body} ."

    def object_text(self, o: Node, depth: int) -> str:
        if o not in self.nested:
            return self.terms.term(o)
        body = self.by_subject.get(o, [])
        if not body:
            return "[]"
        inner = self.indent * (depth + 1)
        lines = self.predicate_lines(body, depth + 1)
        return (
            "[\n" + " ;\n".join(inner + line for line in lines) + "\n" + self.indent * depth + "]"
        )

    def predicate_lines(self, pairs: list[tuple[Node, Node]], depth: int) -> list[str]:
        grouped: dict[Node, list[Node]] = defaultdict(list)
        for p, o in pairs:
            grouped[p].append(o)
        lines = []
        separator = " ,\n" + self.indent * (depth + 1)
        for p in sorted(grouped, key=predicate_key):
            objects = [self.object_text(o, depth) for o in sorted(grouped[p], key=term_key)]
            lines.append(f"{self.terms.predicate(p)} {separator.join(objects)}")
        return lines


_INDENT = "    "


def turtle(triples: Iterable[Triple], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Pretty, deterministic Turtle (give it canonically labelled triples)."""
    terms = PrefixedTerms(prefixes)
    blocks = _blocks(list(triples), terms, _INDENT)
    return _document(terms.header(prefixes), blocks)


def trig(quads: Iterable[Quad], prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Pretty, deterministic TriG: the default graph first, then each named graph in IRI order."""
    terms = PrefixedTerms(prefixes)
    graphs: dict[IdentifiedNode | None, list[Triple]] = defaultdict(list)
    homes: dict[Node, set[IdentifiedNode | None]] = defaultdict(set)
    for s, p, o, g in quads:
        graphs[g].append((s, p, o))
        for term in (s, o):
            if isinstance(term, BNode):
                homes[term].add(g)
    shared = frozenset(b for b, where in homes.items() if len(where) > 1)
    parts = []
    for name in sorted(graphs, key=term_key):
        blocks = _blocks(graphs[name], terms, _INDENT, shared)
        if name is None:
            parts.append("\n\n".join(blocks))
        else:
            body = "\n\n".join(_INDENT + b.replace("\n", "\n" + _INDENT) for b in blocks)
            parts.append(f"{terms.term(name)} {{\n{body}\n}}")
    return _document(terms.header(prefixes), parts)


def _document(header: str, parts: list[str]) -> str:
    if not parts:
        return header
    return header + ("\n" if header else "") + "\n\n".join(parts) + "\n"
