"""Who records a statement: a ``pt:Curator`` named by name or ORCID iD.

The tools never write an anonymous record: :func:`curator_record` resolves the curator a command
or the workbench was given (``--curator``, ``$PTKG_CURATOR``), or makes a new one for
``data/curators.ttl`` (a name, optionally with an ORCID iD: ``Jane Doe <0000-0002-1825-0097>``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from kg.curation.names import CURATOR, ORCID, Names, UnknownName
from kg.store.terms import quoted_string

CURATOR_ENV = "PTKG_CURATOR"
"""The environment variable naming the curator when a command is given no ``--curator``."""
CURATORS_FILE = "data/curators.ttl"
CURATORS_HEADER = (
    "# Peace Talks KG — the curators who record statements with the curation tools (pt:recordedBy),\n"
    "# each a pt:Curator with a foaf:name and optionally an ORCID iD (pt:orcid).\n\n"
)
NO_CURATOR = (
    f"no curator: give --curator NAME or ORCID iD (or set {CURATOR_ENV}); "
    "the tools never write an anonymous record"
)


class NoCurator(ValueError):
    """No curator was given, or the one given cannot be a curator (one-line message)."""


@dataclass(frozen=True)
class CuratorRecord:
    """The curator's IRI and, for a new curator, the block to add to ``file``."""

    iri: URIRef
    block: str | None = None
    file: str = CURATORS_FILE
    header: str = CURATORS_HEADER


def curator_record(names: Names, given: str | URIRef | None) -> CuratorRecord:
    """The curator ``given`` names: an existing one (by IRI, name or ORCID iD), or a new one
    from a name (``Name`` or ``Name <ORCID iD>``). :class:`NoCurator` for none or a bare ORCID
    iD no curator has."""
    text = str(given or "").strip()
    if not text:
        raise NoCurator(NO_CURATOR)
    try:
        return CuratorRecord(names.resolve("curator", text))
    except UnknownName:
        pass
    match = re.fullmatch(r"(.*?)\s*<([^>]*)>", text)
    name, orcid = (match.group(1), match.group(2)) if match else (text, None)
    bare = ORCID.match(name)
    if bare is not None:
        try:
            return CuratorRecord(names.resolve("curator", bare.group(1)))
        except UnknownName:
            raise NoCurator(
                f"no curator has the ORCID iD {bare.group(1)}: give a name with it, "
                f"as 'Name <{bare.group(1)}>'"
            ) from None
    if orcid is not None:
        checked = ORCID.match(orcid)
        if checked is None:
            raise NoCurator(f"{orcid!r} is not an ORCID iD (dddd-dddd-dddd-dddX)")
        orcid = checked.group(1)
        try:
            return CuratorRecord(names.resolve("curator", orcid))
        except UnknownName:
            pass
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    if not slug:
        raise NoCurator(f"{name!r} is no curator's name")
    iri = URIRef(CURATOR + slug)
    lines = [f"curator:{slug} a pt:Curator", f"foaf:name {quoted_string(name)}"]
    if orcid is not None:
        lines.append(f"pt:orcid <https://orcid.org/{orcid}>")
    return CuratorRecord(iri, " ;\n    ".join(lines) + " .\n")
