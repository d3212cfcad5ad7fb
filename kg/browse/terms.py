"""Terms as a page shows them: a label (by the rule of :mod:`kg.rdf.labels`), where it links,
and, for a date, how precise it is.

Where an IRI links is the web application's knowledge (its own pages, or an external address), so
every function that makes :class:`Ref`\\ s takes it as an :data:`Href`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD
from rdflib.term import Node

from kg.browse.dates import When
from kg.rdf.labels import ENGLISH, LABEL_PROPERTIES, best_label
from kg.rdf.namespaces import compact

Href = Callable[[URIRef], "str | None"]
"""Where a page links an IRI: a page on this server, an external http(s) address, or nowhere."""

DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear, XSD.dateTime}


@dataclass
class Ref:
    """A term as a page shows it: a label, where it links, and what it is."""

    term: Node
    label: str
    href: str | None = None
    when: When | None = None

    @property
    def iri(self) -> str | None:
        return str(self.term) if isinstance(self.term, URIRef) else None

    @property
    def is_literal(self) -> bool:
        return isinstance(self.term, Literal)

    @property
    def is_blank(self) -> bool:
        return isinstance(self.term, BNode)

    @property
    def lang(self) -> str | None:
        return self.term.language if isinstance(self.term, Literal) else None

    @property
    def datatype(self) -> str | None:
        if isinstance(self.term, Literal) and self.term.datatype:
            return compact(self.term.datatype)
        return None


class Labeller:
    """Gathers the labels read for terms, and turns terms into :class:`Ref`\\ s with the label
    :func:`kg.rdf.labels.best_label` picks in ``lang`` (English unless a page asks for another;
    a term not named in it shows its English label); a term nobody labels shows its prefixed
    name."""

    def __init__(self, href: Href, lang: str = ENGLISH) -> None:
        self.href = href
        self.lang = lang
        self._labels: dict[Node, list[tuple[Node, Literal]]] = defaultdict(list)

    def add(self, term: Node | None, label: Node | None, prop: Node = RDFS.label) -> None:
        """One label of a term, named by ``prop`` (anything but a label property is ignored)."""
        if term is None or not isinstance(label, Literal) or prop not in LABEL_PROPERTIES:
            return
        if (prop, label) not in self._labels[term]:
            self._labels[term].append((prop, label))

    def add_row(self, row: Mapping[str, Node], keys: Iterable[str]) -> None:
        """The labels a page query reads beside each term: for the column ``key``, its
        ``rdfs:label`` in ``keyLabel`` and its ``skos:prefLabel`` in ``keyPrefLabel``."""
        for key in keys:
            self.add(row.get(key), row.get(key + "Label"), RDFS.label)
            self.add(row.get(key), row.get(key + "PrefLabel"), SKOS.prefLabel)

    def label(self, term: Node) -> str:
        found = best_label(self._labels.get(term, ()), self.lang)
        if found is not None:
            return str(found)
        if isinstance(term, Literal):
            return str(term)
        if isinstance(term, BNode):
            return "(blank node)"
        return compact(term)

    def has_label(self, term: Node) -> bool:
        return bool(self._labels.get(term))

    def labels_of(self, term: Node) -> list[Literal]:
        """Every label read for a term, each once, whatever property named it."""
        found: list[Literal] = []
        for _, label in self._labels.get(term, ()):
            if label not in found:
                found.append(label)
        return found

    def ref(self, term: Node, *, precision: Node | None = None, basis: Node | None = None) -> Ref:
        """A term as a page shows it; a date literal with its ``precision`` and ``basis`` (the
        resource's ``pt:datePrecision`` and ``pt:dateBasis``), read as :class:`When`."""
        if isinstance(term, Literal):
            when = When.of(term, precision, basis) if term.datatype in DATE_TYPES else None
            return Ref(term, when.text if when and when.known else str(term), None, when)
        href = self.href(term) if isinstance(term, URIRef) else None
        return Ref(term, self.label(term), href)
