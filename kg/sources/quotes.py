"""Every evidence quote against the source text it was taken from.

An evidence annotation (``oa:Annotation``) targets a part of a source document: an
``oa:SpecificResource`` whose ``oa:hasSource`` is the document (found in the corpus folder by its
``dcterms:identifier``, the file name) and whose selectors say which part. :func:`check_quotes`
reads each annotation's selectors and the text of its document and returns what does not hold, as
:class:`QuoteProblem` values a command prints one per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from kg.rdf.namespaces import OA

MAX_QUOTE = 400
"""The longest quote, in characters: evidence is a passage, not the article."""


@dataclass(frozen=True)
class QuoteProblem:
    """What is wrong with one annotation's quote (``annotation`` is its IRI, or the blank node's
    label), in the document ``document`` (a file name, or None when the annotation names none)."""

    annotation: str
    document: str | None
    message: str

    def __str__(self) -> str:
        where = f" ({self.document})" if self.document else ""
        return f"{self.annotation}{where}: {self.message}"


@dataclass(frozen=True)
class Quote:
    """One annotation's quote, as the graph holds it."""

    annotation: Node
    source: Node | None
    document: str | None
    exact: str | None


def normalise(text: str) -> str:
    """Every run of whitespace as one space, the ends trimmed: how a quote is compared with the
    text, whose lines may break where the quote has a space."""
    return re.sub(r"\s+", " ", text).strip()


def quotes(graph: Graph) -> Iterator[Quote]:
    """Each annotation's quote in ``graph``, in the order of the annotations' IRIs."""
    for annotation in sorted(set(graph.subjects(RDF.type, OA.Annotation)), key=str):
        for target in graph.objects(annotation, OA.hasTarget):
            source = graph.value(target, OA.hasSource)
            document = graph.value(source, DCTERMS.identifier) if source is not None else None
            exacts = [
                str(exact)
                for selector in graph.objects(target, OA.hasSelector)
                for exact in graph.objects(selector, OA.exact)
            ]
            yield Quote(
                annotation,
                source,
                None if document is None else str(document),
                exacts[0] if len(exacts) == 1 else None,
            )


def check_quotes(graph: Graph, corpus: Path) -> list[QuoteProblem]:
    """What does not hold of the quotes in ``graph`` against the texts in the folder ``corpus``:
    a document that names no file or whose file is missing, an annotation with no quote or more
    than one, a quote longer than :data:`MAX_QUOTE`, a quote not found in its text."""
    problems: list[QuoteProblem] = []
    texts: dict[str, str | None] = {}
    for quote in quotes(graph):
        name = _name(quote.annotation)

        def problem(message: str, quote: Quote = quote, name: str = name) -> None:
            problems.append(QuoteProblem(name, quote.document, message))

        if quote.document is None:
            problem("its target names no source document with a dcterms:identifier")
            continue
        if quote.exact is None:
            problem("its target has no single oa:exact quote")
            continue
        if quote.document not in texts:
            texts[quote.document] = _read(corpus / quote.document)
        text = texts[quote.document]
        if text is None:
            problem(f"the source text is not in {corpus}")
        elif len(quote.exact) > MAX_QUOTE:
            problem(f"the quote has {len(quote.exact)} characters (at most {MAX_QUOTE})")
        elif normalise(quote.exact) not in normalise(text):
            problem(f"the quote is not in the text: {quote.exact!r}")
    return problems


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _name(node: Node) -> str:
    return str(node) if isinstance(node, URIRef) else f"_:{node}"
