"""Drafts as Turtle, written as the curated files write by hand (data/source-*.ttl): prefixed
names, one property a line in a fixed order, four spaces of indentation, the statement's block
then its evidence blocks, each evidence's two selectors as ``kg.sources.anchor_data`` writes
them. A curator reading a file cannot tell a written block from a typed one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.curation.names import CURATOR
from kg.curation.records import MULTI, StatementDraft
from kg.rdf.namespaces import PREFIXES
from kg.sources.anchoring import Anchor
from kg.store.terms import quoted_string

WRITTEN_PREFIXES = {
    name: PREFIXES[name]
    for name in (
        "pt",
        "rdfs",
        "xsd",
        "oa",
        "prov",
        "foaf",
        "skos",
        "actor",
        "event",
        "position",
        "statement",
        "evidence",
        "source",
        "quantity",
    )
} | {"curator": CURATOR}
"""The prefixes written blocks use: a file that lacks one gets its ``@prefix`` line."""
_BY_LENGTH = sorted(WRITTEN_PREFIXES.items(), key=lambda item: -len(item[1]))


def name(iri: URIRef) -> str:
    """``iri`` as a prefixed name where one of :data:`WRITTEN_PREFIXES` fits, else ``<iri>``."""
    text = str(iri)
    for prefix, namespace in _BY_LENGTH:
        rest = text[len(namespace) :]
        if text.startswith(namespace) and re.fullmatch(r"[A-Za-z0-9_][\w.-]*(?<!\.)", rest):
            return f"{prefix}:{rest}"
    return f"<{text}>"


def literal(value: Literal) -> str:
    """A literal as the files write it: a string in double quotes with its language tag, a
    typed value with its datatype as a prefixed name, an integer or boolean bare."""
    if value.language:
        return f"{quoted_string(str(value))}@{value.language}"
    if value.datatype in (XSD.integer, XSD.boolean):
        return str(value)
    if value.datatype is None or value.datatype == XSD.string:
        return quoted_string(str(value))
    return f"{quoted_string(str(value))}^^{name(URIRef(value.datatype))}"


def english(text: str) -> str:
    return literal(Literal(text, lang="en"))


def statement_block(drafts: Sequence[StatementDraft]) -> str:
    """The block of the statement the drafts (one per evidence annotation, sharing one id and
    every statement field) write, ending with its ``pt:evidence`` and " .\\n"."""
    first = drafts[0]
    assert first.id is not None and first.label is not None
    lines = [
        f"{name(first.id)} a pt:PositionStatement",
        f"rdfs:label {english(first.label)}",
        f"pt:speaker {name(first.speaker)}",
        _many("pt:onBehalfOf", first.parties),
        f"pt:stance {name(first.stance)}",
        f"pt:about {name(first.position)}",
    ]
    for field, prop in MULTI.items():
        if field != "parties" and getattr(first, field):
            lines.append(_many(name(prop), getattr(first, field)))
    if first.date is not None:
        lines.append(f"pt:date {literal(first.date)}")
    lines.append(f"pt:datePrecision {name(first.precision)}")
    if first.basis is not None:
        lines.append(f"pt:dateBasis {name(first.basis)}")
    if first.note:
        lines.append(f"rdfs:comment {english(first.note)}")
    if first.revision_of is not None:
        lines.append(f"prov:wasRevisionOf {name(first.revision_of)}")
    if first.curator is not None:
        lines.append(f"pt:recordedBy {name(first.curator)}")
    if first.recorded_at is not None:
        lines.append(f"prov:generatedAtTime {literal(first.recorded_at)}")
    evidence = [d.evidence for d in drafts if d.evidence is not None]
    lines.append(_many("pt:evidence", evidence))
    return " ;\n    ".join(lines) + " .\n"


def _many(prop: str, values: Sequence[URIRef]) -> str:
    return f"{prop} " + " , ".join(name(v) for v in values)


def evidence_block(draft: StatementDraft, where: Anchor, file_name: str) -> str:
    """The evidence annotation of ``draft`` (its quote anchored at ``where`` in the text
    ``file_name``), ending with " .\\n"."""
    assert draft.evidence is not None and draft.id is not None
    lines = [
        f"{name(draft.evidence)} a oa:Annotation",
        f"rdfs:label {english(f'Evidence in {file_name} for: {draft.label}')}",
        "oa:motivatedBy pt:evidencing",
        f"oa:hasBody {name(draft.id)}",
    ]
    if draft.according_to is not None:
        lines.append(f"pt:accordingTo {name(draft.according_to)}")
    lines.append(
        f"oa:hasTarget [ a oa:SpecificResource ;\n"
        f"        oa:hasSource {name(draft.source)} ;\n"
        f"        oa:hasSelector [ a oa:TextQuoteSelector ;\n"
        f"            oa:exact {quoted_string(draft.quote)} ;\n"
        f"            oa:prefix {quoted_string(where.prefix)} ;\n"
        f"            oa:suffix {quoted_string(where.suffix)} ] ,\n"
        f"          [ a oa:TextPositionSelector ;\n"
        f"            oa:start {where.start} ;\n"
        f"            oa:end {where.end} ] ]"
    )
    return " ;\n    ".join(lines) + " .\n"


def evidence_link(statement: URIRef, evidence: URIRef) -> str:
    """The line that adds an evidence annotation to a statement written elsewhere."""
    return f"{name(statement)} pt:evidence {name(evidence)} .\n"


def blocks(drafts: Sequence[StatementDraft], anchors: Sequence[Anchor], file_name: str) -> str:
    """A statement's block and its evidence blocks (one per draft, with its anchor), a blank
    line between each, as the curated files lay them out."""
    parts = [statement_block(drafts)]
    parts += [evidence_block(d, a, file_name) for d, a in zip(drafts, anchors, strict=True)]
    return "\n".join(parts)
