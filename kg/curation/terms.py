"""New actors and positions a save may add when asked to (``kg import --create``): only what the
curator gave — an actor's label, a position's label under a topic — in the style of
data/actors.ttl and data/positions.ttl, no invented facts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from kg.curation.render import english, name
from kg.rdf.namespaces import ID


@dataclass(frozen=True)
class NewTerm:
    """A new actor (``topic`` None) or position (under ``topic``) named ``label``."""

    iri: URIRef
    label: str
    topic: URIRef | None = None

    @property
    def file(self) -> str:
        return "data/positions.ttl" if self.topic is not None else "data/actors.ttl"


def new_actor(label: str, taken: set[URIRef]) -> NewTerm:
    """A new actor named ``label``, its IRI made from the label (unique among ``taken``)."""
    return NewTerm(_minted(f"{ID}actor/", label, taken), label.strip())


def new_position(label: str, topic: URIRef, taken: set[URIRef]) -> NewTerm:
    """A new position named ``label`` under ``topic``."""
    return NewTerm(_minted(f"{ID}position/", label, taken), label.strip(), topic)


def _minted(namespace: str, label: str, taken: set[URIRef]) -> URIRef:
    slug = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-") or "unnamed"
    iri, n = URIRef(namespace + slug), 1
    while iri in taken:
        n += 1
        iri = URIRef(f"{namespace}{slug}-{n}")
    return iri


def term_block(term: NewTerm) -> str:
    """The block of a new actor (a ``pt:Actor`` with its label) or position (a ``pt:Position``
    whose definition, until a curator writes one, is its label)."""
    label = english(term.label)
    if term.topic is None:
        lines = [f"{name(term.iri)} a pt:Actor", f"rdfs:label {label}"]
    else:
        lines = [
            f"{name(term.iri)} a pt:Position",
            f"rdfs:label {label}",
            f"skos:prefLabel {label}",
            f"skos:definition {label}",
            f"rdfs:comment {english('Added by kg import --create: the definition repeats the label until a curator writes one.')}",
            f"skos:broader {name(term.topic)} ; skos:inScheme position:scheme",
        ]
    return " ;\n    ".join(lines) + " .\n"
