"""The build after an edit: the validation and the closure brought up to date, not redone.

A build leaves in its cache (``kg.pipeline.cache``) each curated file's triples as it loaded them,
its validation (``kg.pipeline.validate_incremental``) and its OWL 2 RL closure
(``kg.pipeline.rules.IncrementalClosure``). The next build compares the curated files' digests
with the snapshot's: when only data files changed, it loads every unchanged file from its cached
triples (the blank nodes under the labels the saved states know), parses the changed ones, works
out the triples the union of ontology and data gained and lost, and gives those to the saved
validation and closure, which validate again and re-derive only what the change can reach. Their
answers are a full validation's and a full closure's (their own tests hold them to that), so the
artefact is byte for byte a full build's — ``tests/test_build_incremental.py`` checks that over
random edits.

Everything else is a full build, saying why: no cache (or one of another version, inference or
format, or damaged), a change to the ontology or the shapes, a state refused or an update that asks
for a full closure (``Recompute``), the reference engines (``--reference``), or ``--full``. The
derived facts, the artefact and the on-disk store are always made whole (they are the output).
The cache is written once the validation and the closure are done, before the artefact (so their
states need not be held while it is written): it describes the curated files and what a
validation and a closure of them found, which holds whatever then becomes of the artefact. A
refused build writes nothing, the cache included: the previous cache still describes the files
the last good build read, so the next build compares against it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from kg.pipeline.cache import (
    BuildCache,
    Changes,
    Snapshot,
    changes,
    file_digests,
    file_triples,
    keep_blank_labels,
    triple_changes,
    triples_part,
)
from kg.pipeline.load import Project, curated_files, load_project
from kg.pipeline.reason import infer
from kg.pipeline.rules import IncrementalClosure, Recompute, StateRefused, Unsupported
from kg.pipeline.shacl import ShapesValidator
from kg.pipeline.shacl import Unsupported as ShapesUnsupported
from kg.pipeline.shacl.state import StateError
from kg.pipeline.validate import FilesBySubject, ValidationResult, validate
from kg.pipeline.validate_incremental import IncrementalValidation

VALIDATION = "validation.json"
"""The cache part holding the build's validation."""
CLOSURE = "closure.pickle"
"""The cache part holding the build's OWL 2 RL closure."""

Triple = tuple[Node, Node, Node]


@dataclass
class Plan:
    """What this build can take from the previous one (``previous`` None: nothing; ``why_full``
    says why)."""

    root: Path
    inference: str
    cache: BuildCache | None
    digests: dict[str, str]
    previous: Snapshot | None = None
    changes: Changes | None = None
    why_full: str | None = None

    @property
    def incremental(self) -> bool:
        return self.previous is not None

    def as_loaded(self) -> dict[str, bytes]:
        """Each unchanged file's triples as the previous build loaded them."""
        if self.previous is None or self.cache is None or self.changes is None:
            return {}
        return {
            name: self.cache.part(triples_part(name))
            for name in self.digests
            if name not in self.changes.touched
        }

    def earlier(self) -> dict[str, bytes]:
        """The triples of each changed or removed file as the previous build loaded them."""
        if self.previous is None or self.cache is None or self.changes is None:
            return {}
        return {
            name: self.cache.part(triples_part(name))
            for name in self.changes.changed | self.changes.removed
        }

    def describe(self) -> str:
        """One line: what was reused, or why nothing was."""
        if self.why_full is not None or self.changes is None:
            return f"full build: {self.why_full}"
        touched = sorted(self.changes.touched)
        if not touched:
            return "incremental: no curated file changed"
        shown = ", ".join(touched[:3]) + (
            f" and {len(touched) - 3} more" if len(touched) > 3 else ""
        )
        return f"incremental: {len(touched)} file(s) changed ({shown})"


def plan(root: Path, inference: str, *, use_cache: bool = True, reference: bool = False) -> Plan:
    """Compare the project's curated files with the previous build's snapshot."""
    digests = file_digests(root, curated_files(root))
    cache = BuildCache(root) if use_cache and not reference else None
    found = Plan(root, inference, cache, digests)
    if cache is None:
        found.why_full = "the reference engines keep no state" if reference else "asked for"
        return found
    previous = cache.snapshot(inference)
    if previous is None:
        found.why_full = "no cache of a build of this version and inference"
        return found
    diff = changes(previous.files, digests)
    if not diff.only_data():
        kinds = sorted(
            {name.split("/", 1)[0] for name in diff.touched if not name.startswith("data/")}
        )
        found.why_full = f"the {' and '.join(kinds)} changed"
        return found
    if VALIDATION not in previous.parts or (inference == "owlrl" and CLOSURE not in previous.parts):
        found.why_full = "the cache holds no validation or closure to continue"
        return found
    found.previous, found.changes = previous, diff
    return found


def load_planned(found: Plan) -> Project:
    """The project, unchanged files read from the cache when the build is incremental, and the
    blank nodes of the changed ones under their earlier labels where they can be told apart."""
    project = load_project(found.root, as_loaded=found.as_loaded())
    earlier = found.earlier()
    for f in project.files:
        name = f.path.relative_to(found.root).as_posix()
        if name in earlier:
            keep_blank_labels(project, f, earlier[name])
    return project


class KeptShapes:
    """The shapes as the fast validator reads them, kept from one build to the next by a process
    that builds again and again (``kg build --watch``) for as long as the shapes files hold the
    same bytes. Reading them parses their SPARQL constraints with rdflib's parser: about half a
    second of each build on the curated data (the ORCID check's arithmetic most of it)."""

    def __init__(self) -> None:
        self._digest: str | None = None
        self._validator: ShapesValidator | None = None

    def validator(self, project: Project) -> ShapesValidator:
        """The validator of the project's shapes: the one kept, unless their files changed.
        Raises ShapesUnsupported."""
        digest = hashlib.sha256()
        for f in sorted(project.files, key=lambda f: f.path):
            if f.kind == "shapes":
                digest.update(f"{f.path}\0".encode())
                digest.update(hashlib.sha256(f.path.read_bytes()).digest())
        if self._validator is None or digest.hexdigest() != self._digest:
            self._validator = ShapesValidator(project.graph("shapes"))
            self._digest = digest.hexdigest()
        return self._validator


@dataclass
class Checks:
    """The validation and the closure of one build, incremental where the plan allows, kept to
    be saved in the cache once the build is written."""

    found: Plan
    project: Project
    data: Graph
    reference: bool = False
    kept: KeptShapes | None = None
    """The shapes as read by earlier builds of this process, if it keeps them."""
    validation_state: IncrementalValidation | None = None
    closure_state: IncrementalClosure | None = None
    notes: list[str] = field(default_factory=list)
    """What each stage reused or redid, for ``kg build --timings``."""
    _change: tuple[set[Triple], set[Triple]] | None = None

    def change(self) -> tuple[set[Triple], set[Triple]]:
        """The triples ontology + data gained and lost since the previous build."""
        if self._change is None:
            assert self.found.changes is not None
            self._change = triple_changes(
                self.project, self.found.earlier(), self.found.changes.touched
            )
        return self._change

    def validate(self) -> ValidationResult:
        """Validate the project's ontology + data against its shapes."""
        files = FilesBySubject(self.project)
        shapes = self.project.graph("shapes")
        if self.reference:
            return validate(self.data, shapes, file_of=files, reference=True)
        try:
            validator = self.kept.validator(self.project) if self.kept else ShapesValidator(shapes)
        except ShapesUnsupported:
            return validate(self.data, shapes, file_of=files)  # pySHACL, saying why
        if self.found.cache is None:
            return validate(self.data, validator, file_of=files)
        state = IncrementalValidation(validator)
        if self.found.incremental:
            assert self.found.cache is not None
            try:
                state = IncrementalValidation.load(self.found.cache.folder / VALIDATION, validator)
                gained, lost = self.change()
                result = state.update(self.data, gained, lost, file_of=files)
            except StateError as why:
                self.notes.append(f"validate: in full ({why})")
                state = IncrementalValidation(validator)
                result = state.validate(self.data, file_of=files)
        else:
            result = state.validate(self.data, file_of=files)
        self.validation_state = state
        if state.last is not None:
            how = f"in full ({state.last.full})" if state.last.full else "what the change reaches"
            self.notes.append(f"validate: {state.last.focus_nodes} focus nodes, {how}")
        return result

    def reason(self, inference: str) -> tuple[Iterator[Triple], str, str | None]:
        """The triples the closure adds to ontology + data, with the engine and any fallback."""
        if inference != "owlrl" or self.reference or self.found.cache is None:
            inferred = infer(self.data, inference, reference=self.reference)
            return iter(inferred), inferred.engine, inferred.fallback
        state = self._updated_closure()
        if state is None:
            try:
                state = IncrementalClosure.of(self.data)
            except Unsupported:
                inferred = infer(self.data, inference)  # owlrl, saying why
                return iter(inferred), inferred.engine, inferred.fallback
            self.notes.append(f"reason: in full ({len(state)} triples closed)")
        self.closure_state = state
        return state.inferred_triples(), "rules", None

    def _updated_closure(self) -> IncrementalClosure | None:
        """The previous closure updated to this build's graph; None when it needs a full one."""
        if not self.found.incremental or self.found.cache is None:
            return None
        try:
            state = IncrementalClosure.load(self.found.cache.folder / CLOSURE)
            gained, lost = self.change()
            done = state.update(gained, lost)
        except (StateRefused, Recompute) as why:
            self.notes.append(f"reason: in full, the update could not ({why})")
            return None
        self.notes.append(
            f"reason: updated ({done.over_deleted} over-deleted, {done.rederived} re-derived, "
            f"{done.fired} fired again)"
        )
        return state

    def save(self) -> str | None:
        """Write the cache for the next build; a one-line note when it cannot (the build itself
        is written and stands: the next one is then full)."""
        cache = self.found.cache
        if cache is None or self.validation_state is None:
            return None
        try:
            self._save(cache)
        except OSError as exc:
            return f"the build cache in {cache.folder} could not be written: {exc.strerror or exc}"
        return None

    def release(self) -> None:
        """Let go of the validation and the closure (the closure is the largest thing a build
        holds after the rdflib view: at a million triples, hundreds of megabytes)."""
        self.validation_state = self.closure_state = None

    def _save(self, cache: BuildCache) -> None:
        """Each file's triples part (the previous one, by its digest, for a file this build did
        not touch), the validation and the closure, then the snapshot naming them."""
        assert self.validation_state is not None
        previous, changes = self.found.previous, self.found.changes
        touched = changes.touched if changes is not None else frozenset()
        kept = previous.parts if previous is not None else {}
        snapshot = Snapshot(files=dict(self.found.digests), inference=self.found.inference)
        parts: dict[str, bytes] = {}
        cache.begin()
        for f in self.project.files:
            name = f.path.relative_to(self.project.root).as_posix()
            part = triples_part(name)
            if part in kept and name not in touched:
                snapshot.parts[part] = kept[part]
            else:
                parts[part] = file_triples(self.project, f)
        self.validation_state.save(cache.folder / VALIDATION)
        written = [VALIDATION]
        if self.closure_state is not None:
            self.closure_state.save(cache.folder / CLOSURE)
            written.append(CLOSURE)
        cache.save(snapshot, parts, written)
