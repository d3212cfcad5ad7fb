"""A versioned release folder: the dumps, the ontology, the shapes, VoID + DCAT metadata with the
checksum of every file, an RO-Crate, a CHANGELOG excerpt, and what changed since the previous
release.

Layout of ``releases/<version>/`` (written to a temporary folder beside it, renamed into place)::

    ptkg.ttl ptkg.nt ptkg.nq ptkg.trig ptkg.jsonld ptkg.rdf   curated data + ontology
    ptkg-all.nq ptkg-all.trig                                 every named graph of the build:
                                                              what ``kg serve --dataset`` serves
    ontology.ttl shapes.ttl inferred.ttl [derived.ttl]        the parts kept apart
    csv/statements.csv csv/demands.csv csv/actors.csv          tables for spreadsheets
    context.jsonld                                             the JSON-LD context
    CHANGELOG.md                                               this version's CHANGELOG section
    CHANGES.md changes/added.nq changes/removed.nq             the difference to the previous release
    void.ttl                                                   VoID + DCAT: counts, graphs, checksums
    ro-crate-metadata.json                                     RO-Crate 1.2: every file described
    SHA256SUMS                                                 ``sha256sum -c`` over every file
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import OWL
from rdflib.term import IdentifiedNode

from kg import __version__
from kg.fsutil import make_temporary_folder
from kg.pipeline.load import find_root
from kg.publish.datapackage import CONFORMS_TO, DATAPACKAGE, datapackage_document
from kg.publish.export import EVERYTHING, EXTENSIONS, Selection, export, select
from kg.publish.jsonld import context_document
from kg.publish.quads import Quad, build_quads, read_quads, term_key
from kg.publish.rocrate import CRATE, CRATE_MEDIA_TYPE, crate_document
from kg.publish.tables import TABLES
from kg.publish.turtle import turtle
from kg.publish.void import (
    DCAT_VERSION,
    METADATA_PREFIXES,
    ReleasedFile,
    ReleaseFacts,
    checked_contact,
    license_of,
    release_description,
)
from kg.rdf.formats import SUFFIX_MEDIA_TYPES
from kg.rdf.namespaces import BASE, ONTOLOGY, PREFIXES

RELEASES = Path("releases")
"""Where releases go, relative to the project root."""
RELEASE_IRI = BASE + "release/"
"""Each release is ``release/<version>/``; each of its files ``release/<version>/<path>``."""
DATASET_IRI = URIRef(BASE)
DUMP = "ptkg"
DUMP_SELECTION = Selection(ontology=True)
"""What the dumps hold: the curated data and the ontology (named graphs kept in N-Quads/TriG)."""
COMPLETE = f"{DUMP}-all"
COMPLETE_FORMATS = ("nquads", "trig")
"""The complete dataset, ``ptkg-all.nq`` and ``ptkg-all.trig``: every named graph of the build
(:data:`kg.publish.export.EVERYTHING`) under its graph IRI, what the browser's queries need."""
DUMP_FILES: dict[str, tuple[str, Selection]] = {
    **{f"{DUMP}{ext}": (fmt, DUMP_SELECTION) for fmt, ext in EXTENSIONS.items() if fmt != "csv"},
    **{f"{COMPLETE}{EXTENSIONS[fmt]}": (fmt, EVERYTHING) for fmt in COMPLETE_FORMATS},
}
"""Each dump of a release (and of the app's downloads) by file name: its format and what it holds."""
PARTS = {
    "ontology.ttl": Selection(data=False, ontology=True),
    "shapes.ttl": Selection(data=False, shapes=True),
    "inferred.ttl": Selection(data=False, inferred=True),
    "derived.ttl": Selection(data=False, derived=True),
}
MEDIA_TYPES = {
    **SUFFIX_MEDIA_TYPES,
    ".json": "application/json",
    ".md": "text/markdown",
    "": "text/plain",
}
"""File suffix → media type of the files in a release (:func:`media_type` says it of a file)."""
SUMS = "SHA256SUMS"
METADATA = "void.ttl"
PURPOSES = {
    f"{DUMP}.": "The curated data and the ontology",
    f"{COMPLETE}.": "Every named graph of the build (curated data, ontology, shapes, OWL 2 RL "
    "entailments, derived facts) under its graph IRI: a dataset kg serve --dataset serves",
    "ontology.ttl": "The ontology",
    "shapes.ttl": "The SHACL shapes the data conforms to",
    "inferred.ttl": "The OWL 2 RL entailments of the data and the ontology",
    "derived.ttl": "The facts derived at build time for the temporal questions",
    "csv/": "A table of the curated data for spreadsheets",
    DATAPACKAGE: "The CSV tables as a Frictionless Data Package: their columns, types and checksums",
    "context.jsonld": "The JSON-LD context of the Peace Talks KG",
    "CHANGELOG.md": "This version's section of the changelog",
    "CHANGES.md": "The statements and triples added and removed since the previous release",
    "changes/": "The quads of the change since the previous release",
    METADATA: "VoID and DCAT description of the release, with every file's checksum",
    SUMS: "SHA-256 checksums of every file (sha256sum -c)",
}
"""What each file of a release is for (by its name, or the start of its name), as its VoID and
RO-Crate descriptions say."""


def media_type(name: str) -> str:
    """The media type of a release's file ``name``."""
    if name == CRATE:
        return CRATE_MEDIA_TYPE
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def purpose(name: str) -> str | None:
    """What a release's file ``name`` is for (:data:`PURPOSES`)."""
    return next((text for start, text in PURPOSES.items() if name.startswith(start)), None)


class ReleaseError(ValueError):
    """A release that cannot be made as asked."""


@dataclass
class Changes:
    previous: str | None
    added: list[Quad] = field(default_factory=list)
    removed: list[Quad] = field(default_factory=list)
    statements_added: list[URIRef] = field(default_factory=list)
    statements_removed: list[URIRef] = field(default_factory=list)
    statements_changed: list[URIRef] = field(default_factory=list)


@dataclass
class ReleaseReport:
    path: Path
    version: str
    issued: dt.date
    triples: int
    files: dict[str, str]
    changes: Changes


def release(
    root: Path | None = None,
    *,
    out: Path | None = None,
    version: str | None = None,
    issued: dt.date | None = None,
    previous: Path | None = None,
    force: bool = False,
    contact: str | None = None,
) -> ReleaseReport:
    """Write the release folder; ``previous`` defaults to the latest earlier release beside it,
    ``contact`` is the address its metadata gives for reaching the maintainers."""
    root = (root or find_root()).resolve()
    quads = build_quads(root)
    version = version or _ontology_version(quads) or __version__
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]*", version):
        raise ReleaseError(f"not a usable version name: {version!r}")
    if contact is not None:
        try:
            checked_contact(contact)
        except ValueError as exc:
            raise ReleaseError(str(exc)) from None
    issued = issued or dt.datetime.now(dt.UTC).date()
    out = Path(out) if out is not None else root / RELEASES / version
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists (use --force to replace it)")
    if previous is None:
        previous = find_previous(out.parent, version, exclude=out)
    elif not (previous / f"{DUMP}.nq").is_file():
        raise ReleaseError(f"{previous} is not a release folder (no {DUMP}.nq)")

    dumped = select(quads, DUMP_SELECTION)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = make_temporary_folder(out)
    try:
        files = _write_files(staging, quads, dumped, root, version)
        changes = diff_release(read_quads(previous / f"{DUMP}.nq") if previous else [], dumped)
        changes.previous = _version_of(previous) if previous else None
        files.update(_write_changes(staging, changes, version))
        facts = facts_of(version, issued, quads, changes, contact)
        metadata = release_description(facts, dumped, released_files(staging, files), DUMP)
        (staging / METADATA).write_text(turtle(metadata, METADATA_PREFIXES), encoding="utf-8")
        files[METADATA] = sha256(staging / METADATA)
        _write_crate(staging, facts, files)
        (staging / SUMS).write_bytes(sums_text(files))
        _move_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    triples = len({(s, p, o) for s, p, o, _ in dumped})
    return ReleaseReport(out, version, issued, triples, files, changes)


def _write_files(
    folder: Path, quads: list[Quad], dumped: list[Quad], root: Path, version: str
) -> dict[str, str]:
    written: dict[str, str] = {}

    def put(name: str, data: bytes) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[name] = hashlib.sha256(data).hexdigest()

    chosen = {DUMP_SELECTION: dumped, EVERYTHING: select(quads, EVERYTHING)}
    for name, (fmt, selection) in DUMP_FILES.items():
        put(name, export(chosen[selection], fmt))
    for name, selection in PARTS.items():
        part = select(quads, selection)
        if part or name in ("ontology.ttl", "shapes.ttl"):
            put(name, export(part, "turtle"))
    ontology = select(quads, Selection(data=False, ontology=True))
    data = select(quads, Selection())
    for table in TABLES:
        put(f"csv/{table}.csv", export(data, "csv", table=table, ontology=ontology))
    put(DATAPACKAGE, datapackage_document(folder, version, license_of(quads), ontology))
    put("context.jsonld", context_document())
    put("CHANGELOG.md", changelog_excerpt(root / "CHANGELOG.md", version).encode("utf-8"))
    return written


def _write_crate(folder: Path, facts: ReleaseFacts, files: dict[str, str]) -> None:
    """``ro-crate-metadata.json``: every file written so far, and ``SHA256SUMS``, written after
    it and listing its checksum, with its size (known from the names alone) but no checksum."""
    size = len(sums_text({**files, CRATE: "0" * 64}))
    sums = ReleasedFile(SUMS, None, size, media_type(SUMS), purpose(SUMS))
    data = crate_document(facts, [*released_files(folder, files), sums])
    (folder / CRATE).write_bytes(data)
    files[CRATE] = hashlib.sha256(data).hexdigest()


def sums_text(files: dict[str, str]) -> bytes:
    """``SHA256SUMS``: a line ``<sha256>  <name>`` per file (name → SHA-256), as ``sha256sum``
    writes and checks them."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(files.items())).encode()


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename the finished folder into place; an old one (``--force``) goes only after that."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path) -> list[str]:
    """Problems with a release folder's checksums (an empty list when every file matches)."""
    problems = []
    listed = {}
    for line in (folder / SUMS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != SUMS
    }
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: not in {SUMS}")
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256(path) != digest:
            problems.append(f"{name}: checksum differs")
    return problems


# --- the previous release and what changed --------------------------------------------------------


def version_key(version: str) -> tuple:
    """An order on version names: numeric parts as numbers (``0.10.0`` after ``0.9.1``)."""
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.+_-]", version)
    )


def release_folders(parent: Path) -> list[Path]:
    """The finished release folders in ``parent`` (those holding a dump; a folder being written
    is hidden), highest version first."""
    if not parent.is_dir():
        return []
    found = [
        p
        for p in parent.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / f"{DUMP}.nq").is_file()
    ]
    return sorted(found, key=lambda p: version_key(p.name), reverse=True)


def find_previous(parent: Path, version: str, *, exclude: Path | None = None) -> Path | None:
    """The release folder beside ``version`` with the highest lower version, if any."""
    candidates = [
        p
        for p in release_folders(parent)
        if (exclude is None or p.resolve() != exclude.resolve())
        and version_key(_version_of(p)) < version_key(version)
    ]
    return max(candidates, key=lambda p: version_key(_version_of(p)), default=None)


def _version_of(folder: Path) -> str:
    """A release folder's version, from its metadata (else its name)."""
    metadata = folder / METADATA
    if metadata.is_file():
        graph = Graph().parse(metadata, format="turtle")
        for value in graph.objects(None, DCAT_VERSION):
            return str(value)
    return folder.name


def diff_release(old: Iterable[Quad], new: Iterable[Quad]) -> Changes:
    """Quads added and removed, per named graph; blank nodes are matched by structure (rdflib's
    canonical labelling), so an unchanged evidence annotation is not listed. Statements (the
    ``statement:`` resources) that appear, disappear or change are named."""
    before: dict[IdentifiedNode | None, Graph] = defaultdict(Graph)
    after: dict[IdentifiedNode | None, Graph] = defaultdict(Graph)
    old, new = list(old), list(new)
    for quads, target in ((old, before), (new, after)):
        for s, p, o, g in quads:
            target[g].add((s, p, o))
    changes = Changes(previous=None)
    for g in sorted(set(before) | set(after), key=term_key):
        one, two = before.get(g, Graph()), after.get(g, Graph())
        if _has_blank_nodes(one) or _has_blank_nodes(two):
            _, gone, came = graph_diff(to_isomorphic(one), to_isomorphic(two))
        else:
            gone, came = one - two, two - one
        changes.removed += [(s, p, o, g) for s, p, o in gone]
        changes.added += [(s, p, o, g) for s, p, o in came]
    was = _statements(old)
    now = _statements(new)
    touched = {q[0] for q in changes.added + changes.removed}
    changes.statements_added = sorted(now - was, key=str)
    changes.statements_removed = sorted(was - now, key=str)
    changes.statements_changed = sorted((was & now) & touched, key=str)
    changes.added.sort(
        key=lambda q: (term_key(q[3]), term_key(q[0]), term_key(q[1]), term_key(q[2]))
    )
    changes.removed.sort(
        key=lambda q: (term_key(q[3]), term_key(q[0]), term_key(q[1]), term_key(q[2]))
    )
    return changes


def _has_blank_nodes(graph: Graph) -> bool:
    return any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o in graph)


def _statements(quads: list[Quad]) -> set[URIRef]:
    """The statements (position statements, assessments, date reports): the resources minted in
    the ``statement:`` namespace that are the subject of a triple."""
    namespace = PREFIXES["statement"]
    return {s for s, *_ in quads if isinstance(s, URIRef) and str(s).startswith(namespace)}


def _write_changes(folder: Path, changes: Changes, version: str) -> dict[str, str]:
    (folder / "changes").mkdir(exist_ok=True)
    written = {}
    for name, quads in (("added", changes.added), ("removed", changes.removed)):
        data = export(quads, "nquads")
        (folder / "changes" / f"{name}.nq").write_bytes(data)
        written[f"changes/{name}.nq"] = hashlib.sha256(data).hexdigest()
    text = changes_text(changes, version).encode("utf-8")
    (folder / "CHANGES.md").write_bytes(text)
    written["CHANGES.md"] = hashlib.sha256(text).hexdigest()
    return written


def changes_text(changes: Changes, version: str) -> str:
    """CHANGES.md: the statements and triples added and removed since the previous release."""
    short = _short_names()
    if changes.previous is None:
        head = [f"# Changes in {version}", "", "The first release: everything is new."]
    else:
        head = [f"# Changes in {version} since {changes.previous}", ""]
    lines = [
        *head,
        "",
        f"- triples added: {len(changes.added)}; removed: {len(changes.removed)} "
        "(exactly: `changes/added.nq`, `changes/removed.nq`)",
        f"- statements added: {len(changes.statements_added)}; removed: "
        f"{len(changes.statements_removed)}; changed: {len(changes.statements_changed)}",
    ]
    for title, items in (
        ("Statements added", changes.statements_added),
        ("Statements removed", changes.statements_removed),
        ("Statements changed", changes.statements_changed),
    ):
        if items:
            lines += ["", f"## {title}", "", *(f"- `{short(s)}`" for s in items)]
    per_graph: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for quads, at in ((changes.added, 0), (changes.removed, 1)):
        for q in quads:
            per_graph[str(q[3])][at] += 1
    if per_graph:
        lines += [
            "",
            "## Triples per named graph",
            "",
            "| graph | added | removed |",
            "|---|---|---|",
        ]
        lines += [
            f"| `{short(URIRef(g))}` | {a} | {r} |" for g, (a, r) in sorted(per_graph.items())
        ]
    return "\n".join(lines) + "\n"


def _short_names() -> Callable[[URIRef], str]:
    namespaces = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))

    def short(iri: URIRef) -> str:
        for name, namespace in namespaces:
            if str(iri).startswith(namespace):
                return f"{name}:{str(iri)[len(namespace) :]}"
        return str(iri)

    return short


def changelog_excerpt(changelog: Path, version: str) -> str:
    """The CHANGELOG section of ``version`` (else the ``Unreleased`` one), with its heading."""
    if not changelog.is_file():
        return f"# {version}\n\nThe project has no CHANGELOG.md.\n"
    text = changelog.read_text(encoding="utf-8")
    sections = re.split(r"(?m)^(?=## )", text)
    for wanted in (version, "Unreleased"):
        for section in sections:
            heading = section.splitlines()[0] if section else ""
            if re.match(rf"^## \[?{re.escape(wanted)}\]?(\s|$)", heading):
                return section.rstrip() + "\n"
    return f"# {version}\n\nCHANGELOG.md has no section for {version} (nor Unreleased).\n"


# --- VoID + DCAT -----------------------------------------------------------------------------------


def facts_of(
    version: str, issued: dt.date, quads: list[Quad], changes: Changes, contact: str | None
) -> ReleaseFacts:
    """What the release's metadata (VoID + DCAT, RO-Crate) states besides its files."""
    return ReleaseFacts(
        here=URIRef(f"{RELEASE_IRI}{version}/"),
        version=version,
        issued=issued,
        license=license_of(quads),
        dataset=DATASET_IRI,
        replaces=(
            URIRef(f"{RELEASE_IRI}{changes.previous}/") if changes.previous is not None else None
        ),
        contact=contact,
    )


def released_files(folder: Path, files: dict[str, str]) -> list[ReleasedFile]:
    """The written ``files`` (name → SHA-256) with their sizes, media types and purposes."""
    return [
        ReleasedFile(name, digest, size, media_type(name), purpose(name), CONFORMS_TO.get(name))
        for name, digest in sorted(files.items())
        for size in [(folder / name).stat().st_size]
    ]


def _ontology_version(quads: list[Quad]) -> str | None:
    for s, p, o, _ in quads:
        if s == URIRef(ONTOLOGY) and p == OWL.versionInfo:
            return str(o)
    return None
