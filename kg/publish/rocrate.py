"""A release folder as an RO-Crate: its ``ro-crate-metadata.json`` (RO-Crate 1.2,
https://w3id.org/ro/crate/1.2), which repositories and research-object tools read.

The crate is JSON-LD against the RO-Crate context. Its metadata descriptor (the
``CreativeWork`` ``ro-crate-metadata.json``) ``conformsTo`` the specification and is ``about`` the
root data entity ``./``: the release, with the name, description, keywords and creator the VoID
description gives it (:mod:`kg.publish.void`), its IRI as ``identifier``, its version and date
(``datePublished``) and its licence as a contextual entity. The
author and publisher are the project's contributors as one organization, as CITATION.cff names
them (no person is named), with a contact point only when the operator gives an address. The quotes are not under that licence (NOTICE): ``copyrightNotice``
says so. Every file is a ``File`` in the root's ``hasPart`` with its media type
(``encodingFormat``), size in bytes (``contentSize``), SHA-256 (``sha256``), what it is for
and the profile it conforms to (``conformsTo``: ``datapackage.json``, the Data Package profile);
``SHA256SUMS``, written after the crate and listing the crate's own checksum, has no checksum
here. The crate is itself listed in ``SHA256SUMS``, so ``sha256sum -c`` checks it too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kg.publish.void import (
    CREATOR,
    KEYWORDS,
    LICENSE_NAMES,
    RELEASE_DESCRIPTION,
    TITLE,
    ReleasedFile,
    ReleaseFacts,
)

CRATE = "ro-crate-metadata.json"
"""The crate's file in the release folder (the name RO-Crate requires)."""
CRATE_MEDIA_TYPE = "application/ld+json"
RO_CRATE = "https://w3id.org/ro/crate/1.2"
"""The specification the crate conforms to."""
RO_CRATE_CONTEXT = f"{RO_CRATE}/context"
ROOT = "./"
CONTRIBUTORS = "#contributors"
"""The crate's local identifier of :data:`kg.publish.void.CREATOR`."""
CONTACT = "#contact"
QUOTES_NOTICE = (
    "The verbatim quotes (the values of oa:exact, oa:prefix and oa:suffix) are not under the "
    "licence of the curated graph: they are short excerpts of third-party source documents that "
    "remain under their publishers' rights, quoted as evidence and not relicensed (NOTICE)."
)
"""What NOTICE and LICENSE-DATA say of the quotes' rights."""


def crate(facts: ReleaseFacts, files: Iterable[ReleasedFile]) -> dict[str, Any]:
    """The RO-Crate metadata of a release holding ``files``."""
    parts = sorted((_file(f) for f in files), key=lambda part: part["@id"])
    license_iri = str(facts.license)
    root: dict[str, Any] = {
        "@id": ROOT,
        "@type": "Dataset",
        "name": f"{TITLE} {facts.version}",
        "description": RELEASE_DESCRIPTION,
        "identifier": str(facts.here),
        "url": str(facts.here),
        "version": facts.version,
        "datePublished": facts.issued.isoformat(),
        "license": {"@id": license_iri},
        "copyrightNotice": QUOTES_NOTICE,
        "author": {"@id": CONTRIBUTORS},
        "publisher": {"@id": CONTRIBUTORS},
        "keywords": list(KEYWORDS),
        "hasPart": [{"@id": part["@id"]} for part in parts],
    }
    contributors: dict[str, Any] = {"@id": CONTRIBUTORS, "@type": "Organization", "name": CREATOR}
    contact = _contact_point(facts.contact)
    if contact:
        contributors["contactPoint"] = {"@id": contact["@id"]}
    graph = [
        {
            "@id": CRATE,
            "@type": "CreativeWork",
            "conformsTo": {"@id": RO_CRATE},
            "about": {"@id": ROOT},
        },
        root,
        *parts,
        contributors,
        *([contact] if contact else []),
        {
            "@id": license_iri,
            "@type": "CreativeWork",
            "name": _license_name(license_iri),
            "description": f"The licence of the curated graph. {QUOTES_NOTICE}",
        },
    ]
    return {"@context": RO_CRATE_CONTEXT, "@graph": graph}


def crate_document(facts: ReleaseFacts, files: Iterable[ReleasedFile]) -> bytes:
    """The text of ``ro-crate-metadata.json`` (:func:`crate`), the same bytes for the same
    release."""
    text = json.dumps(crate(facts, files), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _file(file: ReleasedFile) -> dict[str, Any]:
    """A file as a data entity: media type, size in bytes and SHA-256 (where it has one)."""
    entity: dict[str, Any] = {
        "@id": file.name,
        "@type": "File",
        "name": file.name,
        "encodingFormat": file.media_type,
        "contentSize": str(file.size),
    }
    if file.sha256 is not None:
        entity["sha256"] = file.sha256
    if file.description:
        entity["description"] = file.description
    if file.conforms_to:
        entity["conformsTo"] = {"@id": file.conforms_to}
    return entity


def _contact_point(contact: str | None) -> dict[str, Any] | None:
    """The contributors' contact point, when the operator gave an address (``--contact``)."""
    if not contact:
        return None
    point: dict[str, Any] = {"@id": CONTACT, "@type": "ContactPoint", "name": CREATOR}
    if contact.startswith("mailto:"):
        point["email"] = contact.removeprefix("mailto:")
    else:
        point["url"] = contact
    return point


def _license_name(license_iri: str) -> str:
    """The licence's title and short name (:data:`kg.publish.void.LICENSE_NAMES`), else its IRI."""
    if license_iri not in LICENSE_NAMES:
        return license_iri
    _, title, short = LICENSE_NAMES[license_iri]
    return f"{title} ({short})"
