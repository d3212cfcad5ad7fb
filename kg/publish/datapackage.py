"""A release's CSV tables as a Frictionless Data Package (Data Package 2.0,
https://datapackage.org/standard/data-package/): its ``datapackage.json``, which frictionless-py,
R's frictionless and other Data Package readers load and validate.

The release folder is the package: a resource per table (``csv/<table>.csv``) with its size and
SHA-256, and a Table Schema of the table's header, each column typed and described
(:data:`COLUMNS`). What is certain is a constraint: the keys the exporter merges rows by are the
primary keys; what the shapes require is required; the closed vocabularies allow the short names
the ontology gives their members (``export-vocabularies.rq``); a foreign key only where it holds on
the tables packaged. Dates are as precise as the source (a year, a month or a day): strings of that
pattern, not one of Table Schema's date types. The quotes are third-party text (NOTICE)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import URIRef

from kg.publish.quads import Quad
from kg.publish.tables import JOIN, TABLE_SPECS, TABLES
from kg.publish.void import CREATOR, KEYWORDS, LICENSE_NAMES, RELEASE_DESCRIPTION, TITLE
from kg.rdf.namespaces import BASE
from kg.store.oxigraph import OxigraphStore
from kg.store.queries import select

DATAPACKAGE = "datapackage.json"
"""The package's descriptor in the release folder (the name the standard requires)."""
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
"""The Data Package profile the descriptor conforms to (its ``$schema``)."""
CONFORMS_TO = {DATAPACKAGE: PROFILE}
"""Release file → the profile it conforms to, as its RO-Crate and VoID descriptions say."""
NAME = "peace-talks-kg"
DATE_PATTERN = "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
"""A date as precise as its source gives it: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""


@dataclass(frozen=True)
class Column:
    """A table's column as its Table Schema field states it: what it holds, its type, whether a
    row must have it, and whether a cell may hold several values (joined with ``"; "``)."""

    description: str
    type: str = "string"
    required: bool = False
    several: bool = True
    constraints: Mapping[str, Any] = field(default_factory=dict)


CURIE = "a prefixed name"
KEY: dict[str, Any] = {"required": True, "several": False}
COLUMNS: dict[str, dict[str, Column]] = {
    "statements": {
        "id": Column(
            f"The position statement ({CURIE}); one row for each of its evidence quotes.", **KEY
        ),
        "date": Column(
            "When the statement was made (pt:date), as precisely as the source says: "
            "YYYY-MM-DD, YYYY-MM or YYYY, as the precision says; empty when Unknown.",
            constraints={"pattern": DATE_PATTERN},
            several=False,
        ),
        "precision": Column("How precisely the source dates it (pt:datePrecision).", **KEY),
        "basis": Column(
            "What the date is (pt:dateBasis): StatedDate (the text dates it) or "
            "AsOfReport (the source's report date: the statement was made on or "
            "before it); empty without a date.",
            several=False,
        ),
        "party": Column(
            f"On whose behalf (pt:onBehalfOf): actors, each {CURIE} (actor:…).", required=True
        ),
        "speaker": Column(f"The actor who says it (pt:speaker), {CURIE} (actor:…).", **KEY),
        "stance": Column("The stance it takes towards the position (pt:stance).", **KEY),
        "position": Column(
            f"The position the statement is about (pt:about), {CURIE} "
            "(position:…): a row of the demands table.",
            required=True,
        ),
        "source": Column(
            "The source document of the quote, by its identifier (its file name).", several=False
        ),
        "quote": Column(
            "The verbatim passage of the source that is the evidence (oa:exact). "
            "Third-party text under its publisher's rights, not under the package's "
            "licence (NOTICE).",
            several=False,
        ),
        "start": Column(
            "The quote's start offset in the source's text, in characters (oa:start).",
            "integer",
            several=False,
        ),
        "evidence": Column(
            f"The evidence annotation (pt:evidence), {CURIE} (evidence:…).", several=False
        ),
        "label": Column("The statement's English label (rdfs:label)."),
        "note": Column("A curator's note (rdfs:comment)."),
        "event": Column(f"The event it was made at (pt:atEvent), {CURIE} (event:…)."),
        "framing": Column(
            "How the position is framed (pt:framing): PreconditionForTalks, "
            "CeasefireCondition, SettlementTerm, …"
        ),
        "according_to": Column("Whom the source cites for it (the evidence's pt:accordingTo)."),
        "responds_to": Column(f"The statements it responds to (pt:respondsTo), {CURIE}."),
        "conditional_on": Column(
            f"The positions it is conditional on (pt:conditionalOn), {CURIE}."
        ),
        "lapses_with": Column(f"The events it lapses with (pt:lapsesWith), {CURIE}."),
        "guarantor": Column(f"The guarantors it names (pt:guarantor), {CURIE}."),
        "participant": Column(f"The participants it proposes (pt:proposedParticipant), {CURIE}."),
        "quantity": Column(f"The quantities it states (pt:quantity), {CURIE}."),
        "curator": Column("Who recorded it (pt:recordedBy), a curator."),
    },
    "demands": {
        "demand": Column(f"The demand, condition or proposal ({CURIE}, position:…).", **KEY),
        "label": Column("Its English label (skos:prefLabel, else rdfs:label)."),
        "topic": Column("The broader topic it is under (skos:broader), by label."),
        "definition": Column("Its definition (skos:definition)."),
        "statements": Column(
            "The number of current position statements about it (corrected and "
            "retracted ones left out).",
            "integer",
            several=False,
            constraints={"minimum": 0},
        ),
        "parties": Column("The parties on whose behalf those statements were made, by label."),
    },
    "actors": {
        "actor": Column(f"The actor ({CURIE}, actor:…).", **KEY),
        "label": Column("Its English label (rdfs:label)."),
        "type": Column(f"Its classes (pt:Actor or a subclass), {CURIE}."),
        "party": Column(
            "The party it belongs to (pt:memberOfParty, pt:delegationOf, "
            "org:subOrganizationOf), by label."
        ),
        "wikidata": Column(f"Its Wikidata item (owl:sameAs), {CURIE} (wd:Q…)."),
    },
}
"""Every column of each CSV table (``kg export --format csv``, docs/publishing.md and
docs/curation.md's CSV inbox): what it holds and how it is typed."""
ACTOR, DEMAND = ("actors", "actor"), ("demands", "demand")
FOREIGN_KEYS = {
    "statements": {
        **dict.fromkeys(("speaker", "party", "according_to", "guarantor", "participant"), ACTOR),
        **dict.fromkeys(("position", "conditional_on"), DEMAND),
    }
}
"""The references between the tables (column → table, its column) a package may declare, each
only where it holds on the tables packaged (:func:`foreign_keys`)."""


def datapackage(
    tables: Mapping[str, bytes],
    *,
    version: str | None,
    license: URIRef,
    ontology: Iterable[Quad] = (),
    paths: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Data Package describing the CSV ``tables`` (name → its bytes) of release ``version``
    (None: of no release) under ``license``; ``ontology`` gives the closed vocabularies. Each table
    is at ``csv/<name>.csv`` in the package's folder, else at its address in ``paths``."""
    rows = {name: _rows(data) for name, data in tables.items()}
    allowed = vocabularies(ontology)
    at = paths or {name: f"csv/{name}.csv" for name in tables}
    release = {"id": f"{BASE}release/{version}/", "version": version} if version else {}
    return {
        "$schema": PROFILE,
        "name": NAME,
        "title": f"{TITLE}: tables",
        "description": _description(),
        **release,
        "homepage": BASE,
        "licenses": [_license(license)],
        "contributors": [{"title": CREATOR, "roles": ["creator"]}],
        "sources": [{"title": TITLE, "path": BASE}],
        "keywords": list(KEYWORDS),
        "resources": [
            _resource(name, at[name], data, rows[name][0], allowed, foreign_keys(name, rows))
            for name, data in tables.items()
        ],
    }


def datapackage_document(
    folder: Path, version: str, license: URIRef, ontology: Iterable[Quad]
) -> bytes:
    """The text of ``datapackage.json`` (:func:`datapackage`) for the tables in a release
    ``folder`` (``csv/<table>.csv``), the same bytes for the same tables."""
    tables = {name: (folder / "csv" / f"{name}.csv").read_bytes() for name in TABLES}
    return document(datapackage(tables, version=version, license=license, ontology=ontology))


def document(package: Mapping[str, Any]) -> bytes:
    """A package's descriptor as the text of ``datapackage.json``."""
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _description() -> str:
    return (
        f"{RELEASE_DESCRIPTION} The tables of the curated graph for spreadsheets and data "
        "frames: statements (one row per evidence quote of each current position statement, "
        "in the columns kg import reads), demands (the positions) and actors. Resources are "
        "named as in the graph, by prefixed names; a cell with several values joins them with "
        f'"{JOIN}". The verbatim quotes (the quote column of the statements table) are not '
        "under the package's licence: they are short excerpts of third-party source documents "
        "that remain under their publishers' rights, quoted as evidence and not relicensed "
        "(NOTICE)."
    )


def _license(license: URIRef) -> dict[str, str]:
    name, title, _ = LICENSE_NAMES.get(str(license), (None, str(license), None))
    return {**({"name": name} if name else {}), "path": str(license), "title": title}


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _resource(
    name: str,
    path: str,
    data: bytes,
    header: list[str],
    allowed: Mapping[str, list[str]],
    references: list[dict[str, Any]],
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field(name, column, allowed.get(column)) for column in header],
        "primaryKey": list(TABLE_SPECS[name].key),
    }
    if references:
        schema["foreignKeys"] = references
    return {
        "name": name,
        "type": "table",
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": len(data),
        "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "schema": schema,
    }


def _field(table: str, name: str, allowed: list[str] | None) -> dict[str, Any]:
    """A column as a Table Schema field; one :data:`COLUMNS` does not describe is refused."""
    try:
        column = COLUMNS[table][name]
    except KeyError:
        raise ValueError(f"column {name!r} of table {table!r} is not described") from None
    description = column.description
    if column.several:
        description += f' Several are joined with "{JOIN}".'
    constraints = dict(column.constraints)
    if column.required:
        constraints["required"] = True
    if allowed and not column.several:
        constraints["enum"] = allowed
    described: dict[str, Any] = {"name": name, "type": column.type, "description": description}
    return {**described, **({"constraints": constraints} if constraints else {})}


def vocabularies(ontology: Iterable[Quad]) -> dict[str, list[str]]:
    """Column → the short names of its closed vocabulary's members, as the ontology gives them."""
    store = OxigraphStore()
    store.add_quads(ontology)
    found: dict[str, list[str]] = {}
    for column, value in select(store, "export-vocabularies").rows:
        found.setdefault(str(column), []).append(str(value))
    return found


def foreign_keys(table: str, rows: Mapping[str, list[list[str]]]) -> list[dict[str, Any]]:
    """The references of :data:`FOREIGN_KEYS` from ``table`` that hold on the tables: every
    non-empty cell one value the referenced column lists."""
    found = []
    for column, (other, key) in FOREIGN_KEYS.get(table, {}).items():
        if column not in rows[table][0] or other not in rows:
            continue
        values = _column(rows[table], column)
        if all(JOIN not in value for value in values) and values <= _column(rows[other], key):
            found.append({"fields": [column], "reference": {"resource": other, "fields": [key]}})
    return found


def _column(rows: list[list[str]], name: str) -> set[str]:
    at = rows[0].index(name)
    return {row[at] for row in rows[1:] if row[at]}
