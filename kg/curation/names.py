"""The project's names for what a curator refers to, so a statement can be written from the
words a person types: an IRI, a prefixed name (``actor:vladimir-putin``), a label in any
language (``rdfs:label``, ``skos:prefLabel``, ``foaf:name``; ``Владимир Путин``) or the whole
words of one (``Путин``, when only one thing has them), an alternative label (``skos:altLabel``), a
short name (a closed vocabulary term's own name, ``Demands``, ``Day``), a Wikidata ID (``Q159``,
``wd:Q159``, through ``owl:sameAs`` or ``skos:exactMatch``), a source document's number or file
name, or a curator's ORCID iD.

:class:`Names` is built from the project's graph (ontology and data) once per save or request and
passed where it is needed; :meth:`Names.resolve` gives the one IRI a text names or raises
:class:`UnknownName` with the closest names, and :meth:`Names.search` lists the names a partial
text matches, best first, for a picker that searches as the curator types.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from kg.rdf.labels import best_text
from kg.rdf.namespaces import ID, PREFIXES, PT, WD, compact

CURATOR = f"{ID}curator/"
"""Where curators' IRIs are (``curator:`` in the data files)."""
ORCID = re.compile(r"^(?:https?://orcid\.org/)?([0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X])$")
"""An ORCID iD, bare or as its https://orcid.org/ IRI."""
_WIKIDATA = re.compile(r"^(?:wd:|https?://www\.wikidata\.org/(?:entity|wiki)/)?(Q[0-9]+)$", re.I)

ACTOR_KINDS = ("actor", "speaker", "party", "outlet", "guarantor", "participant")
"""The kinds that name an actor (the field a name was typed in)."""
CLOSED = {
    "stance": PT.Stance,
    "precision": PT.DatePrecision,
    "basis": PT.DateBasis,
    "framing": PT.Framing,
}
"""The closed vocabularies: their terms are the ontology's individuals of these classes."""
KINDS: tuple[str, ...] = (
    *ACTOR_KINDS,
    *("according_to", "position", "topic", "event", "quantity", "statement"),
    *CLOSED,
    "source",
    "curator",
)


class UnknownName(ValueError):
    """A text that names nothing of its kind, or several things; the message is one line and
    names the closest matches."""

    def __init__(self, message: str, closest: list[Match]) -> None:
        super().__init__(message)
        self.closest = closest


@dataclass(frozen=True)
class Match:
    """A name that matched: the thing's display ``label``, its ``iri``, and the ``matched``
    name (a label, an alternative label, a short name …) and how (``how``)."""

    label: str
    iri: URIRef
    matched: str
    how: str

    def __str__(self) -> str:
        return f"{self.label} ({compact(self.iri)})"


@dataclass(frozen=True)
class _Name:
    text: str
    folded: str
    iri: URIRef
    how: str


class Names:
    """Every name of every thing a curator can refer to, by kind (see :data:`KINDS`)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.labels: dict[URIRef, str] = {}
        self.members: dict[str, set[URIRef]] = {kind: set() for kind in _BASE_KINDS}
        self.names: dict[str, list[_Name]] = {kind: [] for kind in _BASE_KINDS}
        self._collect()

    def _collect(self) -> None:
        for kind, iri in _members(self.graph):
            self.members[kind].add(iri)
        for kind, found in self.members.items():
            for iri in sorted(found):
                for text, how in _names_of(self.graph, iri, kind):
                    self.names[kind].append(_Name(text, _fold(text), iri, how))
                self.labels.setdefault(iri, _display(self.graph, iri))

    def label(self, iri: URIRef) -> str:
        """The display label of ``iri`` (its local name when it has none)."""
        return self.labels.get(iri) or _display(self.graph, iri)

    def kind_members(self, kind: str) -> set[URIRef]:
        """The things a name of ``kind`` can name."""
        return set().union(*(self.members[base] for base in _bases(kind)))

    def resolve(self, kind: str, text: str) -> URIRef:
        """The one thing of ``kind`` that ``text`` names (ignoring case and surrounding space);
        :class:`UnknownName` when it names none or several."""
        wanted = text.strip()
        if not wanted:
            raise UnknownName(f"no {_noun(kind)} given", [])
        found = self._exact(kind, wanted)
        if len(found) == 1:
            return next(iter(found))
        if found:
            listed = ", ".join(str(self._match(iri, wanted, "")) for iri in sorted(found))
            raise UnknownName(
                f"{_noun(kind)} {wanted!r} is ambiguous: it names {listed}; give the IRI",
                [self._match(iri, wanted, "") for iri in sorted(found)],
            )
        closest = self.closest(kind, wanted)
        hint = "; closest: " + ", ".join(map(str, closest)) if closest else ""
        raise UnknownName(f"unknown {_noun(kind)} {wanted!r}{hint}", closest)

    def _exact(self, kind: str, text: str) -> set[URIRef]:
        members = self.kind_members(kind)
        iri = _as_iri(text)
        if iri is not None and iri in members:
            return {iri}
        folded = _fold(text)
        by_label = {n.iri for n in self._names(kind) if n.folded == folded}
        if by_label:
            return by_label
        by_words = self._by_words(kind, folded)
        if by_words:
            return by_words
        qid = _WIKIDATA.match(text)
        if qid is not None:
            target = WD[qid.group(1).upper()]
            return {
                s
                for prop in (OWL.sameAs, SKOS.exactMatch)
                for s in self.graph.subjects(prop, target)
                if isinstance(s, URIRef) and s in members
            }
        return set()

    def _by_words(self, kind: str, folded: str) -> set[URIRef]:
        """The things with a label (in any language) in which ``folded`` stands as whole words:
        a family name alone ("Putin", "Путин") names the one person it belongs to, and is
        ambiguous when two things share it."""
        words = re.compile(r"(?:^|\s)" + re.escape(folded) + r"(?:\s|$)")
        return {n.iri for n in self._names(kind) if n.how == "label" and words.search(n.folded)}

    def closest(self, kind: str, text: str, limit: int = 3) -> list[Match]:
        """The names of ``kind`` nearest to ``text`` (difflib's ratio), one per thing."""
        names = self._names(kind)
        texts = {n.folded: n for n in names}
        near = difflib.get_close_matches(_fold(text), list(texts), n=limit * 3, cutoff=0.5)
        return _distinct((texts[t] for t in near), limit, self) or self.search(kind, text, limit)

    def search(self, kind: str, text: str, limit: int = 10) -> list[Match]:
        """The things of ``kind`` whose names start with or contain ``text`` (ignoring case),
        best first: a name that is ``text``, then one that starts with it, then one with a
        word that starts with it, then one that contains it; shorter names first within each.
        An empty ``text`` lists the things by label."""
        folded = _fold(text)
        ranked = []
        for name in self._names(kind):
            rank = _rank(name.folded, folded)
            if rank is not None:
                ranked.append((rank, len(name.text), name.text.casefold(), name))
        ranked.sort(key=lambda r: r[:3])
        return _distinct((r[3] for r in ranked), limit, self)

    def _names(self, kind: str) -> list[_Name]:
        return [n for base in _bases(kind) for n in self.names[base]]

    def _match(self, iri: URIRef, matched: str, how: str) -> Match:
        return Match(self.label(iri), iri, matched, how)


_BASE_KINDS = (
    "actor",
    "cited",
    "position",
    "topic",
    "event",
    "quantity",
    "statement",
    *CLOSED,
    "source",
    "curator",
)


def _bases(kind: str) -> tuple[str, ...]:
    """The collections a kind's names come from."""
    if kind in ACTOR_KINDS:
        return ("actor",)
    if kind == "according_to":
        return ("actor", "cited")
    if kind in _BASE_KINDS:
        return (kind,)
    raise ValueError(f"no such kind of name: {kind!r}; kinds: {', '.join(KINDS)}")


def _noun(kind: str) -> str:
    return kind.replace("_", " ")


def _members(graph: Graph) -> Iterator[tuple[str, URIRef]]:
    """Each thing a curator can name, with its kind."""
    prefixes = {
        f"{ID}actor/": "actor",
        f"{ID}event/": "event",
        f"{ID}quantity/": "quantity",
        f"{ID}statement/": "statement",
    }
    typed = {
        PT.Position: "position",
        PT.Topic: "topic",
        PT.SourceDocument: "source",
        PT.CitedSource: "cited",
        PT.Curator: "curator",
        **{cls: kind for kind, cls in CLOSED.items()},
    }
    for subject in graph.subjects(unique=True):
        if not isinstance(subject, URIRef):
            continue
        for prefix, kind in prefixes.items():
            if str(subject).startswith(prefix):
                yield kind, subject
    for cls, kind in typed.items():
        for subject in graph.subjects(RDF.type, cls):
            if isinstance(subject, URIRef):
                yield kind, subject


def _names_of(graph: Graph, iri: URIRef, kind: str) -> Iterator[tuple[str, str]]:
    """Every name of ``iri`` with how it names it."""
    for prop, how in ((RDFS.label, "label"), (SKOS.prefLabel, "label"), (FOAF.name, "name")):
        for value in graph.objects(iri, prop):
            yield str(value), how
    for value in graph.objects(iri, SKOS.altLabel):
        yield str(value), "alternative label"
    local = re.split(r"[#/]", str(iri))[-1]
    yield compact(iri), "prefixed name"
    if kind in CLOSED:
        yield local, "short name"
        short = re.sub(r"(Precision|Date)$", "", local) if kind == "precision" else local
        if short != local:
            yield short, "short name"
    if kind == "source":
        for value in graph.objects(iri, DCTERMS.identifier):
            yield str(value), "file name"
            yield str(value).split("_")[0], "number"
    if kind == "curator":
        for value in graph.objects(iri, PT.orcid):
            match = ORCID.match(str(value))
            if match is not None:
                yield match.group(1), "ORCID iD"


def _display(graph: Graph, iri: URIRef) -> str:
    """The name a curator sees and minted labels use: English, whatever other languages the
    thing is also named in (:func:`kg.rdf.labels.best_text`)."""
    for prop in (SKOS.prefLabel, RDFS.label, FOAF.name):
        value = best_text(graph.objects(iri, prop))
        if value is not None:
            return str(value)
    return re.split(r"[#/]", str(iri))[-1]


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _as_iri(text: str) -> URIRef | None:
    """``text`` as an IRI when it is one (``<…>``, an absolute http(s) IRI, or a prefixed name
    of the project's prefixes or ``curator:``)."""
    text = text.strip()
    prefixed = re.match(r"^([A-Za-z][\w-]*):([^\s/:][^\s]*)$", text)
    if prefixed is not None:
        namespace = {**PREFIXES, "curator": CURATOR}.get(prefixed.group(1))
        if namespace is not None:
            return URIRef(namespace + prefixed.group(2))
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if re.match(r"^https?://\S+$", text):
        return URIRef(text)
    return None


def _rank(name: str, text: str) -> int | None:
    if not text:
        return 3
    if name == text:
        return 0
    if name.startswith(text):
        return 1
    if re.search(r"(?:^|[\s\-:'(/])" + re.escape(text), name):
        return 2
    if text in name:
        return 3
    return None


def _distinct(names: Iterable[_Name], limit: int, index: Names) -> list[Match]:
    """The first ``limit`` matches, one per thing."""
    seen: set[URIRef] = set()
    found: list[Match] = []
    for name in names:
        if name.iri in seen:
            continue
        seen.add(name.iri)
        found.append(Match(index.label(name.iri), name.iri, name.text, name.how))
        if len(found) == limit:
            break
    return found
