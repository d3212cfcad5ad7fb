"""An incremental closure's state on disk, so that the next ``kg build`` continues from it.

The file is a pickle of plain data only (ints, strings, bytes, tuples, lists, dicts), read back by
an unpickler that refuses anything else: a header (this format's version, the engine's version,
the byte order), the terms (IRIs, blank nodes by label, literals by lexical form, datatype and
language, so that each comes back equal to the one read from the data), the keys of the graph's
own triples and of the derived ones as 64-bit words, the engine's index of them as it holds it
(dictionaries of ints: reading them back is far quicker than indexing the triples again), the
RDF lists and the one-time rules' counts. The engine's version is a digest of the rules' source
and the versions of rdflib and owlrl, so a state made by other rules is refused, never used. The
file is written beside its place and renamed into it.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from array import array
from importlib.metadata import version
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.pipeline.rules.closure import Closed, Lists, value_of, without_cycle_collection
from kg.pipeline.rules.engine import Engine
from kg.pipeline.rules.incremental import IncrementalClosure
from kg.pipeline.rules.onetime import OneTimeRules
from kg.pipeline.rules.terms import FIRST, REST, SAME, Terms

FORMAT = 1
"""The layout of the file; a file of another is refused."""

_IRI, _BLANK, _LITERAL = range(3)


class StateRefused(Exception):
    """No state can be read from the file (the message says why): close the graph in full."""


def engine_version() -> str:
    """A digest of the rules' source files and of the versions of rdflib and owlrl."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for package in ("rdflib", "owlrl"):
        digest.update(f"{package}={version(package)}".encode())
    return digest.hexdigest()[:16]


def save(state: IncrementalClosure, path: Path) -> None:
    """Write ``state`` to ``path``: all of it, or (on any failure) nothing."""
    engine, terms = state.engine, state.closed.terms
    words = "Q" if engine.base**3 < 2**64 else None
    asserted = state.asserted
    data = {
        "header": _header(),
        "base": engine.base,
        "terms": [_plain(term) for term in terms.terms],
        "asserted": _packed(asserted, words),
        "derived": _packed((k for k in engine.known if k not in asserted), words),
        "index": (engine.index.out, engine.index.inn),
        "lists": (state.closed.lists.first, state.closed.lists.rest),
        "one_time": state.closed.one_time.plain(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, delete=False) as out:
        try:
            pickle.dump(data, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            os.unlink(out.name)
            raise
    os.replace(out.name, path)


def load(path: Path) -> IncrementalClosure:
    """The state :func:`save` wrote to ``path``, or :class:`StateRefused`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StateRefused(f"{path}: {exc.strerror or exc}") from None
    try:
        data = _PlainData(io.BytesIO(raw)).load()
    except Exception as exc:  # any unreadable file: pickle raises many kinds
        raise StateRefused(f"{path}: not a closure state ({exc})") from None
    if not isinstance(data, dict) or data.get("header") != _header():
        raise StateRefused(f"{path}: made by another version of the rules or of the state")
    with without_cycle_collection():
        return _restored(data)


def _header() -> tuple[str, int, str, str]:
    return ("ptkg-closure-state", FORMAT, engine_version(), sys.byteorder)


def _plain(term: Node) -> tuple:
    if isinstance(term, Literal):
        return (_LITERAL, str(term), str(term.datatype or ""), term.language or "")
    return (_IRI if isinstance(term, URIRef) else _BLANK, str(term))


def _term(plain: tuple) -> Node:
    if plain[0] == _LITERAL:
        _kind, text, datatype, language = plain
        return Literal(
            text,
            lang=language or None,
            datatype=URIRef(datatype) if datatype else None,
            normalize=False,
        )
    return URIRef(plain[1]) if plain[0] == _IRI else BNode(plain[1])


def _packed(keys: Any, words: str | None) -> bytes | list[int]:
    return array(words, keys).tobytes() if words else list(keys)


def _unpacked(packed: bytes | list[int]) -> Any:
    if isinstance(packed, bytes):
        keys = array("Q")
        keys.frombytes(packed)
        return keys
    return packed


def _restored(data: dict[str, Any]) -> IncrementalClosure:
    try:
        terms = Terms.of([_term(plain) for plain in data["terms"]])
    except ValueError as exc:
        raise StateRefused(f"the state's terms are not a closure's: {exc}") from None
    first, rest = data["lists"]
    lists = Lists(
        terms,
        [*((s, FIRST, o) for s, o in first.items()), *((s, REST, o) for s, o in rest.items())],
    )
    one_time = OneTimeRules.restored(terms, data["one_time"])
    engine = Engine(data["base"], terms.literal, lists.items, value_of(terms))
    asserted = set(_unpacked(data["asserted"]))
    engine.known = asserted.union(_unpacked(data["derived"]))
    engine.index.out, engine.index.inn = data["index"]
    engine.index.all_reversed = True
    engine.equality = any(s != o for s, o in engine.index.pairs(SAME))
    return IncrementalClosure(Closed(terms, engine, lists, one_time, None), asserted)


class _PlainData(pickle.Unpickler):
    """Reads plain data and nothing else: no class is ever looked up."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")
