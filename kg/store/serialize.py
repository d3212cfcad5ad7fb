"""Query results written out: SELECT/ASK results as SPARQL JSON, XML, CSV and TSV; graph results
in any RDF format of :mod:`kg.rdf.formats`; a dataset as canonical N-Quads."""

from __future__ import annotations

import builtins
import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO, cast
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.rdf.formats import RDF_BY_NAME, RDF_FORMATS, RESULT_FORMATS
from kg.rdf.results import AskResult, GraphResult, Result, SelectResult
from kg.store.terms import sparql_term, to_ox_quad


class FormatError(ValueError):
    """A format that does not fit the result (e.g. Turtle for a SELECT)."""


def serialize(result: Result, fmt: str) -> bytes:
    """Serialise a result in the named format (a key of RESULT_FORMATS or RDF_FORMATS).

    A graph written as TriG or N-Quads is its Turtle or N-Triples text: valid in both, with every
    triple in the default graph."""
    if isinstance(result, GraphResult):
        if fmt not in RDF_FORMATS:
            raise FormatError(f"a graph result can be written as {', '.join(RDF_FORMATS)}")
        written = RDF_BY_NAME[fmt]
        if written.graph_subset is not None:
            written = RDF_BY_NAME[written.graph_subset]
        if written.rdflib is None:
            raise FormatError(f"rdflib cannot write {fmt}")
        return result.graph.serialize(format=written.rdflib, encoding="utf-8")
    if fmt not in RESULT_FORMATS:
        raise FormatError(f"SELECT/ASK results can be written as {', '.join(RESULT_FORMATS)}")
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt]
    return writer(result).encode("utf-8")


def term_json(term: Node) -> dict[str, str]:
    """A term as in the SPARQL 1.1 JSON results format."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and term.datatype != XSD.string:
        out["datatype"] = str(term.datatype)
    return out


def _json(result: SelectResult | AskResult) -> str:
    if isinstance(result, AskResult):
        return json.dumps({"head": {}, "boolean": result.value})
    bindings = [{v: term_json(t) for v, t in row.items()} for row in result.dicts()]
    return json.dumps(
        {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
        ensure_ascii=False,
    )


def _xml(result: SelectResult | AskResult) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    ]
    if isinstance(result, AskResult):
        out.append(f"<head/><boolean>{'true' if result.value else 'false'}</boolean></sparql>")
        return "\n".join(out)
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables))
    out.append("</head><results>")
    for row in result.dicts():
        out.append("<result>")
        for var, term in row.items():
            out.append(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>")
    return "\n".join(out)


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    assert isinstance(term, Literal)
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype and term.datatype != XSD.string:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def _csv(result: SelectResult | AskResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if isinstance(result, AskResult):
        writer.writerows([["boolean"], ["true" if result.value else "false"]])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else _csv_value(t) for t in row])
    return buffer.getvalue()


def _csv_value(term: Node) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _tsv(result: SelectResult | AskResult) -> str:
    if isinstance(result, AskResult):
        return f"?boolean\n{'true' if result.value else 'false'}\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else _tsv_term(t) for t in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: Node) -> str:
    """A term as SPARQL writes it (TSV results use its syntax); a blank node by its label."""
    return f"_:{term}" if isinstance(term, BNode) else sparql_term(term)


def canonical_nquads(dataset: Dataset) -> bytes:
    """The named graphs of ``dataset`` as N-Quads, one line per quad, sorted, with blank nodes
    labelled by RDFC-1.0: the same dataset always gives the same bytes."""
    return canonical_quads(
        to_ox_quad(s, p, o, g.identifier) for g in dataset.graphs() for s, p, o in g
    )


def canonical_quads(quads: Iterable[ox.Quad]) -> bytes:
    """:func:`canonical_nquads` of pyoxigraph quads (any iterable of them)."""
    store = ox.Store()
    store.extend(quads)
    return canonical_store(store)


_BLANK_QUADS = """SELECT ?s ?p ?o ?g WHERE {
  { ?s ?p ?o FILTER (isBlank(?s) || isBlank(?o)) }
  UNION
  { GRAPH ?g { ?s ?p ?o } FILTER (isBlank(?s) || isBlank(?o) || isBlank(?g)) }
}"""


def canonical_store(store: ox.Store) -> bytes:
    """:func:`canonical_nquads` of a pyoxigraph store's quads, the store left unchanged."""
    buffer = io.BytesIO()
    write_canonical_store(store, buffer)
    return buffer.getvalue()


def write_canonical_store(store: ox.Store, handle: BinaryIO) -> Digest:
    """Write :func:`canonical_store` of ``store`` to ``handle``; return what identifies the
    bytes written (the manifest's and the on-disk store's record).

    RDFC-1.0 labels each blank node from the quads that mention blank nodes and from nothing
    else (its hashes read only those), so only they are canonicalised, in a dataset of their
    own; every other line is the store's own N-Quads, less the lines of the blank-node quads.
    At a million triples that is a tenth of the quads, and no second copy of the rest. The lines
    are collected as the store writes them and written out in batches once sorted: never the
    whole text in one piece (at a million triples a piece is 470 MB, and there were three)."""
    as_stored, canonical = _blank_node_lines(store)
    collected = _LineSink()
    store.dump(cast(BinaryIO, collected), ox.RdfFormat.N_QUADS)
    lines = collected.close()
    if as_stored:
        lines = [line for line in lines if line not in as_stored]
        lines.extend(canonical)
    out = DigestWriter(handle)
    _write_sorted(lines, out)
    return out.digest()


def _blank_node_lines(store: ox.Store) -> tuple[set[bytes], list[bytes]]:
    """The lines of the store's quads that mention a blank node, as the store writes them and
    as RDFC-1.0 labels them. Made before the store's other lines are collected, so the quads
    and the dataset they are canonicalised in are gone by then."""
    blank = [
        ox.Quad(row[0], row[1], row[2], row[3] if row[3] is not None else ox.DefaultGraph())
        for row in _solutions(store, _BLANK_QUADS)
    ]
    if not blank:
        return set(), []
    canonical = ox.Dataset(blank)
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(_lines(blank)), _lines(canonical)


@dataclass(frozen=True)
class Digest:
    """What identifies N-Quads bytes: their lines (one quad each), their size, their SHA-256."""

    quads: int
    bytes: int
    """The size; named as the manifest names it, so the builtin type is ``builtins.bytes``."""
    sha256: str

    @classmethod
    def of(cls, data: builtins.bytes) -> Digest:
        return cls(data.count(b"\n"), len(data), hashlib.sha256(data).hexdigest())


class DigestWriter:
    """Writes to ``handle`` and keeps the :class:`Digest` of what it wrote, so a file written
    in pieces need not be read again (nor held whole) to be recorded."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self._sha256 = hashlib.sha256()
        self._lines = 0
        self._size = 0

    def write(self, data: builtins.bytes) -> None:
        self.handle.write(data)
        self._sha256.update(data)
        self._lines += data.count(b"\n")
        self._size += len(data)

    def digest(self) -> Digest:
        return Digest(self._lines, self._size, self._sha256.hexdigest())


class _LineSink:
    """A binary file for :meth:`pyoxigraph.Store.dump` to write to that keeps each line (less
    its newline) as a separate ``bytes``, the chunks never joined: the lines are what is sorted,
    and a text of them all would be a second copy."""

    def __init__(self) -> None:
        self._lines: list[builtins.bytes] = []
        self._rest = b""

    def write(self, chunk: builtins.bytes) -> int:
        parts = (self._rest + chunk).split(b"\n")
        self._rest = parts.pop()
        self._lines += parts
        return len(chunk)

    def flush(self) -> None:
        """Nothing to flush: Oxigraph flushes what it writes to a file."""

    def close(self) -> list[builtins.bytes]:
        """The lines written, the last one too if it lacks its newline."""
        if self._rest:
            self._lines.append(self._rest)
            self._rest = b""
        return self._lines


def _solutions(store: ox.Store, select: str) -> ox.QuerySolutions:
    """The solutions of a SELECT over the store's own default graph and its named graphs."""
    solutions = store.query(select, use_default_graph_as_union=False)
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def _lines(quads: Iterable[ox.Quad]) -> list[bytes]:
    written = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert written is not None
    return written.split(b"\n")


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """How many quads each named graph of a store holds (graphs with none are not listed)."""
    counted = _solutions(
        store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return {row[0].value: int(row[1].value) for row in counted if isinstance(row[0], ox.NamedNode)}


def sorted_lines(items: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """Oxigraph's N-Triples or N-Quads of ``items`` (triples, quads, a dataset) with the lines
    sorted: the same statements always give the same bytes.

    The lines are sorted as bytes, which for UTF-8 is the order of their characters, without a
    decoded copy of the text: at two million quads the text is hundreds of megabytes."""
    written = ox.serialize(items, format=fmt)
    assert written is not None  # without an output file, serialize returns the bytes
    lines = written.split(b"\n")
    del written
    return _sorted(lines)


def _sorted(lines: list[bytes]) -> bytes:
    """The non-blank lines sorted as bytes, joined, each ended by a newline."""
    out = io.BytesIO()
    _write_sorted(lines, out)
    return out.getvalue()


WRITE_BATCH = 65_536
"""Lines joined into one write: a few megabytes, and few enough calls."""


def _write_sorted(lines: list[bytes], out: BinaryIO | DigestWriter) -> None:
    """Sort ``lines`` (in place) as bytes and write the non-blank ones to ``out``, each ended by
    a newline, in batches: the text is never held whole a second time."""
    lines.sort()
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for start in range(first, len(lines), WRITE_BATCH):
        out.write(b"\n".join(lines[start : start + WRITE_BATCH]) + b"\n")
