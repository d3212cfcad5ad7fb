"""Every evidence quote in data/*.ttl occurs verbatim in the source document it points at.

For each ``oa:Annotation`` in the curated data, its ``oa:exact`` must be a substring of the document named by
its target's ``oa:hasSource`` (via that source's ``dcterms:identifier``), after collapsing runs of whitespace to
one space on both sides, and anchored there: its position slice is the quote, its prefix and suffix are the text
around it, and quote, prefix and suffix select that one place (``kg.sources.quotes.check_quotes``). Also: every
document in the seeds folder is a ``pt:SourceDocument`` with at least one statement evidenced from it, and no
quote is longer than 400 characters.

The seeds folder is ``$PTKG_SEEDS`` if set, else ``<repo>/../shared/seeds``. When it is missing the tests are
skipped, except under ``CI``, where they fail.
"""

from __future__ import annotations

from functools import cache

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.sources.quotes import MAX_QUOTE, QuoteProblem, check_quotes
from tests.sources import DATA, OA, PT, data_graph, seeds_folder


def annotations() -> list[URIRef]:
    graph = data_graph()
    return sorted(
        (a for a in graph.subjects(RDF.type, OA.Annotation) if isinstance(a, URIRef)), key=str
    )


def local_name(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def quote_of(annotation: URIRef) -> str:
    """The annotation's oa:exact (exactly one target, source, identifier and quote)."""
    graph = data_graph()
    targets = list(graph.objects(annotation, OA.hasTarget))
    assert len(targets) == 1, f"{annotation}: expected one oa:hasTarget, found {len(targets)}"
    sources = list(graph.objects(targets[0], OA.hasSource))
    assert len(sources) == 1, f"{annotation}: expected one oa:hasSource, found {len(sources)}"
    identifiers = list(graph.objects(sources[0], DCTERMS.identifier))
    assert len(identifiers) == 1, (
        f"{sources[0]}: expected one dcterms:identifier, found {len(identifiers)}"
    )
    exacts = [
        exact
        for selector in graph.objects(targets[0], OA.hasSelector)
        for exact in graph.objects(selector, OA.exact)
    ]
    assert len(exacts) == 1, f"{annotation}: expected one oa:exact, found {len(exacts)}"
    return str(exacts[0])


@cache
def problems_by_annotation() -> dict[str, list[QuoteProblem]]:
    found: dict[str, list[QuoteProblem]] = {}
    for problem in check_quotes(data_graph(), seeds_folder()):
        found.setdefault(problem.annotation, []).append(problem)
    return found


ANNOTATIONS = annotations()


def test_there_are_annotations() -> None:
    assert ANNOTATIONS, f"no oa:Annotation found in {DATA}/*.ttl"


@pytest.mark.parametrize("annotation", ANNOTATIONS, ids=[local_name(a) for a in ANNOTATIONS])
def test_quote_is_verbatim_and_anchored_in_its_document(annotation: URIRef) -> None:
    quote_of(annotation)
    problems = problems_by_annotation().get(str(annotation), [])
    assert not problems, "\n".join(str(problem) for problem in problems)


@pytest.mark.parametrize("annotation", ANNOTATIONS, ids=[local_name(a) for a in ANNOTATIONS])
def test_quote_is_short(annotation: URIRef) -> None:
    quote = quote_of(annotation)
    assert len(quote) <= MAX_QUOTE, (
        f"{local_name(annotation)}: quote has {len(quote)} characters (max {MAX_QUOTE})"
    )


def test_every_source_document_is_described_and_evidenced() -> None:
    folder = seeds_folder()
    graph = data_graph()
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    assert files, f"no source documents in {folder}"
    by_identifier = {
        str(identifier): source
        for source in graph.subjects(RDF.type, PT.SourceDocument)
        for identifier in graph.objects(source, DCTERMS.identifier)
    }
    problems = []
    for name in files:
        source = by_identifier.get(name)
        if source is None:
            problems.append(f"{name}: no pt:SourceDocument has this dcterms:identifier")
            continue
        evidenced = [
            statement
            for annotation in graph.subjects(RDF.type, OA.Annotation)
            for target in graph.objects(annotation, OA.hasTarget)
            if (target, OA.hasSource, source) in graph
            for statement in graph.objects(annotation, OA.hasBody)
            if (statement, PT.evidence, annotation) in graph
            and any(
                (statement, RDF.type, cls) in graph
                for cls in (PT.PositionStatement, PT.Assessment, PT.DateReport)
            )
        ]
        if not evidenced:
            problems.append(f"{name}: no statement has evidence from it")
    assert not problems, "\n".join(problems)
