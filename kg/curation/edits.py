"""Edits of the curated Turtle files, kept all together or not at all.

An :class:`Edits` collects the new text of each file a save changes (blocks appended, a block
edited in place, a new file made with its header), each file read once; :meth:`Edits.write`
writes every file atomically after checking none changed since the caller read it, and
:meth:`Edits.put_back` restores every file byte for byte (removing the ones it made) when what
was written does not validate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from kg.curation.render import WRITTEN_PREFIXES
from kg.fsutil import atomic_write, sha256_hex
from kg.sources.registry import with_prefixes

Triple = tuple[Node, Node, Node]


class Conflict(Exception):
    """A file changed since the caller read it; nothing was written. ``file`` is its path
    relative to the project root."""

    def __init__(self, file: str) -> None:
        super().__init__(
            f"{file} changed since it was read; nothing was written: reload and try again"
        )
        self.file = file


@dataclass
class Edits:
    """The new text of each changed file of the project at ``root``, and its old bytes."""

    root: Path
    before: dict[Path, bytes | None] = field(default_factory=dict)
    after: dict[Path, str] = field(default_factory=dict)
    headers: dict[Path, str] = field(default_factory=dict)
    added: Graph = field(default_factory=Graph)
    """The triples the edits add (blank nodes of their own)."""

    def text(self, relative: str | Path) -> str:
        """The file's text as edited so far (its text on disk at first; a new file's header)."""
        path = self.root / relative
        if path not in self.after:
            old = path.read_bytes() if path.exists() else None
            self.before[path] = old
            self.after[path] = (
                old.decode("utf-8") if old is not None else self.headers.get(path, "")
            )
        return self.after[path]

    def append(self, relative: str | Path, block: str, *, header: str = "") -> None:
        """Add ``block`` at the end of the file (made with ``header`` when absent), a blank line
        before it, with the ``@prefix`` lines it needs."""
        path = self.root / relative
        if path not in self.after and not path.exists():
            self.headers[path] = header + with_prefixes("", needed(block))
        text = self.text(relative)
        text = with_prefixes(text, needed(block))
        self.after[path] = text.rstrip("\n") + "\n\n" + block
        self.added.parse(data=_declared(WRITTEN_PREFIXES) + block, format="turtle")

    def replace(self, relative: str | Path, old: str, new: str, triples: Iterable[Triple]) -> None:
        """Replace the one occurrence of ``old`` in the file by ``new``, which adds ``triples``;
        ValueError when it is not there exactly once."""
        text = self.text(relative)
        if text.count(old) != 1:
            raise ValueError(f"{relative}: the block to edit is not there exactly once")
        text = text.replace(old, new)
        self.after[self.root / relative] = with_prefixes(text, needed(new))
        for triple in triples:
            self.added.add(triple)

    def check(self) -> None:
        """ValueError unless every changed file parses (a layout the edits misread would
        otherwise be written)."""
        for relative in self.files():
            try:
                Graph().parse(data=self.after[self.root / relative], format="turtle")
            except Exception as exc:  # rdflib raises many kinds for a bad text
                raise ValueError(f"{relative}: the edited text does not parse: {exc}") from None

    def files(self) -> list[Path]:
        """The files that change, relative to the root, in order."""
        return sorted(
            p.relative_to(self.root)
            for p, text in self.after.items()
            if self.before.get(p) != text.encode("utf-8")
        )

    def write(self, expected: Mapping[str, str] | None = None) -> None:
        """Write every changed file, atomically one by one; first :class:`Conflict` when a file
        the caller read (``expected``: path relative to the root → SHA-256 as read; "" for a
        file that did not exist) or one these edits read has changed since."""
        check_expected(self.root, expected)
        for path, old in self.before.items():
            now = path.read_bytes() if path.exists() else None
            if now != old:
                raise Conflict(path.relative_to(self.root).as_posix())
        written: list[Path] = []
        try:
            for relative in self.files():
                path = self.root / relative
                with atomic_write(path) as handle:
                    handle.write(self.after[path].encode("utf-8"))
                written.append(path)
        except BaseException:
            self.put_back(written)
            raise

    def put_back(self, paths: list[Path] | None = None) -> None:
        """Every written file as it was, byte for byte; a file these edits made is removed."""
        for path in paths if paths is not None else [self.root / p for p in self.files()]:
            old = self.before.get(path)
            if old is None:
                path.unlink(missing_ok=True)
                continue
            with atomic_write(path) as handle:
                handle.write(old)


def check_expected(root: Path, expected: Mapping[str, str] | None) -> None:
    """:class:`Conflict` for the first file whose SHA-256 is not the one the caller read."""
    for relative, digest in sorted((expected or {}).items()):
        path = root / relative
        now = sha256_hex(path.read_bytes()) if path.exists() else ""
        if now != digest:
            raise Conflict(relative)


def digests(root: Path, relatives: list[str]) -> dict[str, str]:
    """The SHA-256 of each file ("" for a missing one), as ``expected`` takes them."""
    return {
        r: sha256_hex((root / r).read_bytes()) if (root / r).exists() else "" for r in relatives
    }


def _declared(prefixes: Mapping[str, str]) -> str:
    return "".join(f"@prefix {name}: <{ns}> .\n" for name, ns in prefixes.items())


def needed(block: str) -> dict[str, str]:
    """The prefixes of :data:`WRITTEN_PREFIXES` that ``block`` uses."""
    used = set(re.findall(r"(?<![\w<\"])([A-Za-z][\w-]*):(?=[\w])", _without_strings(block)))
    return {name: ns for name, ns in WRITTEN_PREFIXES.items() if name in used}


def _without_strings(text: str) -> str:
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)


@dataclass(frozen=True)
class Amendment:
    """Lines to add to the block of ``subject`` (before its ``pt:evidence`` line, else at its
    end), adding ``triples``."""

    subject: URIRef
    lines: tuple[str, ...]
    triples: tuple[Triple, ...]


def amend(edits: Edits, amendment: Amendment) -> None:
    """Add the amendment's lines to its subject's block, in the data file that holds it;
    ValueError when no data file starts a block with the subject."""
    from kg.curation.render import name

    start = re.compile(r"(?m)^" + re.escape(name(amendment.subject)) + r" a ")
    for path in sorted((edits.root / "data").rglob("*.ttl")):
        relative = path.relative_to(edits.root)
        text = edits.text(relative)
        found = start.search(text)
        if found is None:
            continue
        end = re.compile(r" \.[ \t]*$", re.M).search(text, found.end())
        if end is None:
            break
        block = text[found.start() : end.end()]
        added = "".join(f"    {line} ;\n" for line in amendment.lines)
        at = block.rfind("\n    pt:evidence ")
        if at >= 0:
            new = block[: at + 1] + added + block[at + 1 :]
        else:
            new = block[: -len(end.group(0))] + " ;\n" + added.rstrip(" ;\n") + " ."
        edits.replace(relative, block, new, amendment.triples)
        return
    raise ValueError(f"no data file holds the block of {amendment.subject}")
