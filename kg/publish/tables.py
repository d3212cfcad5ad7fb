"""CSV tables for spreadsheets: ``statements``, ``demands`` and ``actors``, each the canned query
``export-<table>.rq`` over the exported quads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, URIRef
from rdflib.term import Node

from kg.publish.quads import ExportError, Quad
from kg.publish.turtle import PrefixedTerms
from kg.rdf.namespaces import PREFIXES
from kg.store.oxigraph import OxigraphStore
from kg.store.queries import select


@dataclass(frozen=True)
class Table:
    """A CSV table: the canned query ``export-<name>.rq``; rows that share the ``key`` columns
    are merged, joining the distinct values of the other columns with ``"; "``."""

    name: str
    key: tuple[str, ...] = ()


TABLE_SPECS = {
    "statements": Table("statements", key=("id", "evidence")),
    "demands": Table("demands", key=("demand",)),
    "actors": Table("actors", key=("actor",)),
}
TABLES = tuple(TABLE_SPECS)
"""The CSV tables, each the canned query ``export-<table>.rq``."""
JOIN = "; "


def csv_table(quads: Iterable[Quad], table: str, *, ontology: Iterable[Quad] = ()) -> bytes:
    """One CSV table computed over the quads (plus ``ontology``, which gives the classes)."""
    try:
        spec = TABLE_SPECS[table]
    except KeyError:
        raise ExportError(f"unknown table {table!r}; accepted: {', '.join(TABLES)}") from None
    store = OxigraphStore()
    store.add_quads(quads)
    store.add_quads(ontology)
    result = select(store, f"export-{spec.name}")
    names = PrefixedTerms(PREFIXES)
    rows = [[_cell(t, names) for t in row] for row in result.rows]
    if spec.key:
        rows = _merge(result.variables, rows, spec.key)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _merge(columns: list[str], rows: list[list[str]], key: tuple[str, ...]) -> list[list[str]]:
    at = [columns.index(k) for k in key]
    merged: dict[tuple[str, ...], list[set[str]]] = {}
    for row in rows:
        values = merged.setdefault(tuple(row[i] for i in at), [set() for _ in columns])
        for i, cell in enumerate(row):
            if cell:
                values[i].add(cell)
    return [
        [JOIN.join(sorted(v)) for v in values]
        for _, values in sorted(merged.items(), key=lambda kv: kv[0])
    ]


def _cell(term: Node | None, names: PrefixedTerms) -> str:
    """A term as a spreadsheet shows it: an IRI by its prefixed name where a prefix fits."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        short = names.iri(str(term))
        return str(term) if short.startswith("<") else short
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)
