"""The findings of a validation, saved to a file and read back by the next process.

The file is JSON (ASCII: every other character escaped, so any string round-trips): the format and its version, a fingerprint of the shapes, the data graph's
prefixes, and each targeted shape's findings by focus node. Terms are written exactly — an IRI,
a blank node by its label, a literal by its lexical form, language and datatype (read back
without normalising) — each once, in a table the findings point into. Shapes are named by IRI,
or for a blank shape by its key (``fingerprint.blank_keys``), since the next parse of the same
shapes labels its blank nodes anew. It is written to a temporary file beside the target and
renamed into place, so a reader finds the previous file or the new one, never a part.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.pipeline.shacl.engine import ShapesValidator
from kg.pipeline.shacl.fingerprint import blank_keys, fingerprint
from kg.pipeline.shacl.results import Finding
from kg.pipeline.shacl.shapes import Shape

FORMAT = "peace-talks-kg incremental SHACL validation"
VERSION = 1
Found = dict[Shape, dict[Node, list[Finding]]]
"""Each targeted shape's findings by focus node (only the focus nodes that have some)."""
Namespaces = tuple[tuple[str, str], ...]


class StateError(ValueError):
    """A saved validation that cannot be read: another format or version, or a damaged file.

    ``str(exc)`` is one line that names the file."""


@dataclass(frozen=True)
class Saved:
    """A saved validation read back: its findings, the data's prefixes then, and why it cannot
    be continued (``stale``: the shapes are not the ones it was made with), if it cannot."""

    found: Found
    namespaces: Namespaces
    stale: str | None = None


class ShapeNames:
    """The shapes of a validator named as a saved validation names them (IRIs, blank keys)."""

    def __init__(self, validator: ShapesValidator) -> None:
        keys = blank_keys(validator.shapes_graph)
        self.fingerprint = fingerprint(validator.shapes_graph, keys)
        self.name: dict[Shape, str] = {}
        if keys is not None:
            for shape in validator.shapes:
                node = shape.node
                self.name[shape] = f"_:{keys[node]}" if isinstance(node, BNode) else node.n3()
        self.shape = {name: shape for shape, name in self.name.items()}


def save(path: Path, found: Found, namespaces: Namespaces, names: ShapeNames) -> None:
    """Write the findings to ``path`` atomically."""
    if names.fingerprint is None:
        raise StateError(f"{path}: the shapes' blank nodes cannot be told apart, so no state saved")
    terms: dict[Node, int] = {}
    messages: dict[str, int] = {}
    shapes: dict[str, int] = {}

    def term(node: Node | None) -> int:
        return -1 if node is None else terms.setdefault(node, len(terms))

    def finding(f: Finding) -> list[Any]:
        shape = shapes.setdefault(names.name[f.shape], len(shapes))
        said = [messages.setdefault(m, len(messages)) for m in f.messages]
        return [shape, term(f.focus), term(f.value), term(f.path), said]

    listed = [
        [shapes.setdefault(names.name[shape], len(shapes)), term(focus), [finding(f) for f in fs]]
        for shape, by_focus in found.items()
        for focus, fs in by_focus.items()
    ]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "shapes fingerprint": names.fingerprint,
        "namespaces": [list(pair) for pair in namespaces],
        "shapes": list(shapes),
        "terms": [_write_term(t) for t in terms],
        "messages": list(messages),
        "found": listed,
    }
    _write_atomically(path, json.dumps(document, separators=(",", ":")))


def load(path: Path, names: ShapeNames) -> Saved:
    """The saved findings, their shapes those of ``names``; raises :class:`StateError`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StateError(f"{path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise StateError(f"{path}: not a saved validation ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateError(f"{path}: not a saved validation")
    if document.get("version") != VERSION:
        raise StateError(
            f"{path}: a saved validation of version {document.get('version')!r}; "
            f"this kg reads version {VERSION} only: validate in full"
        )
    try:
        return _read(document, names)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise StateError(
            f"{path}: a damaged saved validation ({type(exc).__name__}: {exc})"
        ) from None


def _read(document: Mapping[str, Any], names: ShapeNames) -> Saved:
    namespaces = tuple((str(p), str(ns)) for p, ns in document["namespaces"])
    if names.fingerprint is None or document["shapes fingerprint"] != names.fingerprint:
        return Saved({}, namespaces, "the shapes are not the ones the saved validation used")
    terms = [_read_term(t) for t in document["terms"]]
    messages = [str(m) for m in document["messages"]]
    shapes = [names.shape[str(name)] for name in document["shapes"]]

    def term(index: int) -> Node | None:
        return None if index < 0 else terms[index]

    found: Found = {}
    for shape, focus, listed in document["found"]:
        by_focus = found.setdefault(shapes[shape], {})
        by_focus[terms[focus]] = [
            Finding(shapes[s], terms[f], term(v), term(p), tuple(messages[m] for m in said))
            for s, f, v, p, said in listed
        ]
    return Saved(found, namespaces)


def _write_term(node: Node) -> str | list[str | None]:
    if isinstance(node, URIRef):
        return f"<{node}"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        datatype = None if node.datatype is None else str(node.datatype)
        return [str(node), node.language, datatype]
    raise TypeError(f"a term of a finding that is not an RDF term: {node!r}")


def _read_term(written: Any) -> Node:
    if isinstance(written, str) and written.startswith("<"):
        return URIRef(written[1:])
    if isinstance(written, str) and written.startswith("_:"):
        return BNode(written[2:])
    lexical, language, datatype = written
    return Literal(
        str(lexical),
        lang=language,
        datatype=None if datatype is None else URIRef(datatype),
        normalize=False,
    )


def _write_atomically(path: Path, text: str) -> None:
    """``text`` in ``path``, by a temporary file beside it renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
