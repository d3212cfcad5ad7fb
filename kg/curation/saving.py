"""Saving drafts into the curated data: all of them or none.

:func:`save` anchors each draft's quote in its source text, checks its date against the source's
publication date, writes the statement and evidence blocks (:mod:`kg.curation.render`) into the
source's data file ``data/source-NNN.ttl`` (made when absent), validates the project with the new
triples (SHACL, and the quote check of the new evidence), and puts every file back byte for byte
when anything is wrong, returning each problem tied to its draft and field. A statement that
exists already gains only the new evidence annotation and a ``pt:evidence`` line.

:class:`Workspace` holds what a save reads of the project (its graph, names, shapes and the last
validation); a caller that saves often (the workbench) keeps one, so a save validates only what
it can affect (:class:`~kg.pipeline.validate_incremental.IncrementalValidation`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from kg.curation.curators import CuratorRecord, curator_record
from kg.curation.edits import Amendment, Conflict, Edits, amend, check_expected, digests
from kg.curation.matching import already_quoted, differences, recorded_match
from kg.curation.names import Names
from kg.curation.problems import Problem, SaveRefused, problems_of
from kg.curation.records import (
    StatementDraft,
    completed,
    date_problem,
    document_number,
)
from kg.curation.render import blocks, evidence_block, evidence_link, name
from kg.curation.terms import NewTerm, term_block
from kg.pipeline.load import load_project
from kg.pipeline.shacl import ShapesValidator
from kg.pipeline.validate import ValidationResult, Violation, validate
from kg.pipeline.validate_incremental import IncrementalValidation
from kg.rdf.namespaces import PT
from kg.rdf.periods import interval_of
from kg.sources.anchoring import (
    AmbiguousQuote,
    Anchor,
    AnchorError,
    QuoteNotFound,
    anchor,
    occurrences,
)
from kg.sources.quotes import check_quotes, read_source

__all__ = [
    "Conflict",
    "Problem",
    "SaveRefused",
    "Saved",
    "Workspace",
    "problems_before_writing",
    "save",
]


@dataclass(frozen=True)
class Saved:
    """What a save wrote: the statements it wrote or added evidence to, the evidence
    annotations, the files (relative to the root), how long it took and validated, and how many
    drafts the data held already (the same quote of the same statement from the same source),
    which are not written again."""

    statements: list[URIRef]
    evidence: list[URIRef]
    files: list[Path]
    seconds: float
    validation_seconds: float
    unchanged: int = 0


class Workspace:
    """The project at ``root`` as a save reads it: the graph of its ontology and data, the
    names, the shapes and the validation of the graph, made again when a data file changed."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._load()

    def _load(self) -> None:
        project = load_project(self.root)
        self.graph = project.graph("ontology", "data")
        self.names = Names(self.graph)
        self.validator = ShapesValidator(project.graph("shapes"))
        self.validation: IncrementalValidation | None = None
        self.baseline: set[tuple[str, str | None, str]] | None = None
        self.read = self.files_read()

    def files_read(self) -> dict[str, str]:
        """The SHA-256 of every data file (relative path → digest)."""
        relatives = sorted(p.relative_to(self.root).as_posix() for p in self._data_files())
        return digests(self.root, relatives)

    def _data_files(self) -> list[Path]:
        return sorted((self.root / "data").rglob("*.ttl"))

    def refresh(self) -> None:
        """Read the project again when a data file changed since it was read."""
        if self.files_read() != self.read:
            self._load()

    def validate(self, added: Graph) -> ValidationResult:
        """The validation of the graph with ``added`` (already in it): in full the first time,
        then only what the change can affect."""
        if self.validation is None:
            self.validation = IncrementalValidation(self.validator)
            return self.validation.validate(self.graph)
        return self.validation.update(self.graph, added, [])

    def new_violations(self, result: ValidationResult, added: Graph) -> list[Violation]:
        """The violations of ``result`` that the graph without ``added`` does not have (found
        by validating it only when there are violations at all)."""
        found = [v for v in result.violations if v.severity == "Violation"]
        if found and self.baseline is None:
            before = validate(self.graph - added, self.validator)
            self.baseline = {_key(v) for v in before.violations}
        return [v for v in found if _key(v) not in (self.baseline or set())]

    def undo(self, added: Graph) -> None:
        """Take ``added`` out of the graph again (a refused save)."""
        for triple in added:
            self.graph.remove(triple)
        if self.validation is not None:
            try:
                self.validation.update(self.graph, [], added)
            except ValueError:
                self.validation = None


def _key(violation: Violation) -> tuple[str, str | None, str]:
    return (violation.focus, violation.path, violation.message)


def time_literal(now: datetime) -> Literal:
    """``now`` (with its time zone) as the ``xsd:dateTime`` a record writes, to the second."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the time of a record needs a time zone")
    return Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def save(
    root: Path,
    drafts: Sequence[StatementDraft],
    *,
    corpus: Path,
    curator: str | URIRef,
    now: datetime,
    expected: Mapping[str, str] | None = None,
    created: Sequence[NewTerm] = (),
    amendments: Sequence[Amendment] = (),
    workspace: Workspace | None = None,
    dry_run: bool = False,
) -> Saved:
    """Write ``drafts`` (and the ``created`` actors and positions) into the project at ``root``
    as ``curator`` (a name, an ORCID iD or an IRI; a new one is added to data/curators.ttl) at
    ``now`` (with a time zone), with the source texts in ``corpus``; every file or none.
    A draft's own ``curator`` (an existing one's IRI) wins over ``curator``.

    Raises :class:`SaveRefused` (nothing written) with every problem found,
    :class:`Conflict` (nothing written) when a file of ``expected`` (path relative to the root →
    SHA-256 as the caller read it) changed since, ValueError for no curator or a naive ``now``.
    ``amendments`` add lines to blocks already written (a correction's, a retraction's).
    ``dry_run`` does everything, validation included, then puts every file back."""
    started = time.perf_counter()
    check_expected(Path(root), expected)
    space = workspace or Workspace(root)
    space.refresh()
    record = curator_record(space.names, curator)
    planned, anchors = _prepared(space, drafts, record, time_literal(now), corpus, created)
    unchanged = len(drafts) - len(planned)
    if not planned and not created and not amendments:
        return Saved([], [], [], time.perf_counter() - started, 0.0, unchanged)
    edits = Edits(space.root)
    for term in created:
        edits.append(term.file, term_block(term))
    if record.block:
        edits.append(record.file, record.block, header=record.header)
    _write_blocks(edits, planned, anchors)
    for amendment in amendments:
        amend(edits, amendment)
    edits.check()
    edits.write(expected)
    try:
        validation_seconds = _commit(space, edits.added, planned, corpus, keep=not dry_run)
    except BaseException:
        edits.put_back()
        raise
    if dry_run:
        edits.put_back()
    return Saved(
        statements=list(dict.fromkeys(p.draft.id for p in planned if p.draft.id is not None)),
        evidence=[p.draft.evidence for p in planned if p.draft.evidence is not None],
        files=edits.files(),
        seconds=time.perf_counter() - started,
        validation_seconds=validation_seconds,
        unchanged=unchanged,
    )


def problems_before_writing(
    workspace: Workspace,
    drafts: Sequence[StatementDraft],
    *,
    corpus: Path,
    curator: str | URIRef,
    now: datetime,
    created: Sequence[NewTerm] = (),
) -> list[Problem]:
    """What :func:`save` would refuse ``drafts`` for before writing anything (quotes that do
    not anchor, dates that do not fit), without writing: for a caller that reports every
    problem at once when some of its input did not even make drafts."""
    record = curator_record(workspace.names, curator)
    try:
        _prepared(workspace, drafts, record, time_literal(now), corpus, created)
    except SaveRefused as refused:
        return refused.problems
    return []


def _prepared(
    space: Workspace,
    drafts: Sequence[StatementDraft],
    record: CuratorRecord,
    stamp: Literal,
    corpus: Path,
    created: Sequence[NewTerm],
) -> tuple[list[Planned], dict[int, Anchor]]:
    """The drafts planned and anchored; :class:`SaveRefused` with every problem found."""
    labels = {**space.names.labels, **{term.iri: term.label for term in created}}
    planned = _plan(drafts, space.graph, labels, record, stamp)
    problems = [
        Problem(p.index, field_name, message)
        for p in planned
        if p.existing and p.draft.id is not None
        for field_name, message in differences(p.draft, p.draft.id, space.graph)
    ]
    planned = [p for p in planned if not (p.existing and already_quoted(p.draft, space.graph))]
    anchors, found = _anchors(planned, space.graph, corpus)
    problems += found
    problems += _date_problems(planned, space.graph)
    if problems:
        raise SaveRefused(problems)
    return planned, anchors


def _commit(
    space: Workspace, added: Graph, planned: list[Planned], corpus: Path, *, keep: bool
) -> float:
    """Take the written triples into the workspace and validate them (:class:`SaveRefused`
    when they do not hold, the workspace as it was; as it was too unless ``keep``); how long
    the validation took."""
    for triple in added:
        space.graph.add(triple)
    checked = time.perf_counter()
    try:
        problems = _validated(space, added, planned, corpus)
        if problems:
            raise SaveRefused(problems)
    except BaseException:
        space.undo(added)
        raise
    seconds = time.perf_counter() - checked
    if not keep:
        space.undo(added)
        return seconds
    space.read = space.files_read()
    space.names = Names(space.graph)
    return seconds


@dataclass(frozen=True)
class Planned:
    """A draft as it will be written: ``index`` in the drafts given, ``existing`` when its
    statement is in the data already (only its evidence is written)."""

    index: int
    draft: StatementDraft
    existing: bool
    file: str
    document: str | None = field(default=None)


def _plan(
    drafts: Sequence[StatementDraft],
    graph: Graph,
    labels: dict[URIRef, str],
    record: CuratorRecord,
    stamp: Literal,
) -> list[Planned]:
    """Each draft with its statement found (an existing one) or minted, its curator and time."""
    found = [
        replace(
            d,
            id=d.id or recorded_match(d, graph),
            curator=d.curator or record.iri,
            recorded_at=stamp,
        )
        for d in drafts
    ]
    complete = completed(found, graph, labels)
    planned = []
    for index, draft in enumerate(complete):
        assert draft.id is not None
        existing = (draft.id, RDF.type, None) in graph
        if existing:
            draft = replace(draft, label=labels.get(draft.id, draft.label))
        number = document_number(graph, draft.source)
        identifier = graph.value(draft.source, DCTERMS.identifier)
        planned.append(
            Planned(
                index,
                draft,
                existing,
                f"data/source-{number}.ttl",
                None if identifier is None else str(identifier),
            )
        )
    return planned


def _anchors(
    planned: list[Planned], graph: Graph, corpus: Path
) -> tuple[dict[int, Anchor], list[Problem]]:
    """Each draft's quote anchored in its source text, or the problem."""
    anchors: dict[int, Anchor] = {}
    problems: list[Problem] = []
    texts: dict[str, str | None] = {}
    for p in planned:
        if p.document is None:
            problems.append(Problem(p.index, "source", f"{p.draft.source} is no source document"))
            continue
        if p.document not in texts:
            texts[p.document] = read_source(corpus / p.document)
        text = texts[p.document]
        if text is None:
            problems.append(Problem(p.index, "source", f"the text {p.document} is not in {corpus}"))
            continue
        try:
            anchors[p.index] = anchor_at(text, p.draft.quote, p.draft.start)
        except AmbiguousQuote as error:
            starts = ", ".join(str(start) for start, _ in error.occurrences)
            message = f"{error}; give the start of the one meant ({starts})"
            problems.append(Problem(p.index, "quote", message))
        except AnchorError as error:
            field_name = "start" if p.draft.start is not None else "quote"
            problems.append(Problem(p.index, field_name, str(error)))
    return anchors, problems


def anchor_at(text: str, quote: str, start: int | None) -> Anchor:
    """The anchor of ``quote`` in ``text``: its one occurrence, or the one that starts at
    ``start``. :class:`~kg.sources.anchoring.QuoteNotFound` when there is none (or none starts
    there), :class:`~kg.sources.anchoring.AmbiguousQuote` when it occurs more than once and no
    ``start`` is given."""
    if start is None:
        return anchor(text, quote)
    starts = [s for s, _ in occurrences(text, quote)]
    if start not in starts:
        where = ", ".join(map(str, starts)) or "nowhere"
        raise QuoteNotFound(f"no occurrence of the quote starts at {start} (it starts at {where})")
    return anchor(text, quote, occurrence=starts.index(start) + 1)


def _date_problems(planned: list[Planned], graph: Graph) -> list[Problem]:
    """A bad date/precision/basis, and a date after its source's publication date."""
    problems = []
    for p in planned:
        if p.existing:
            continue
        d = p.draft
        wrong = date_problem(d.date, d.precision, d.basis)
        if wrong is not None:
            problems.append(Problem(p.index, "date", wrong))
            continue
        said = interval_of(d.date, d.precision, d.basis)
        published = graph.value(d.source, PT.date)
        source = interval_of(
            published if isinstance(published, Literal) else None,
            graph.value(d.source, PT.datePrecision),  # type: ignore[arg-type]
        )
        if said is not None and source is not None and said.start > source.end:
            problems.append(
                Problem(
                    p.index,
                    "date",
                    f"{d.date} is after the source's publication date {published}",
                )
            )
    return problems


def _write_blocks(edits: Edits, planned: list[Planned], anchors: dict[int, Anchor]) -> None:
    """The statement blocks (one per new statement, in its first draft's file) and evidence
    blocks (each in its own source's file, with a ``pt:evidence`` line when its statement's
    block is elsewhere)."""
    by_statement: dict[URIRef, list[Planned]] = {}
    for p in planned:
        assert p.draft.id is not None
        by_statement.setdefault(p.draft.id, []).append(p)
    for statement, group in by_statement.items():
        home = None if group[0].existing else group[0].file
        together = [p for p in group if p.file == home]
        if home is not None:
            text = blocks(
                [p.draft for p in together],
                [anchors[p.index] for p in together],
                str(together[0].document),
            )
            if not any(p.file != home for p in group):
                edits.append(home, text, header=source_header(together[0]))
            else:
                edits.append(home, _with_evidence(text, group), header=source_header(together[0]))
        for p in group:
            if p.file == home:
                continue
            assert p.draft.evidence is not None
            block = evidence_block(p.draft, anchors[p.index], str(p.document))
            link = evidence_link(statement, p.draft.evidence)
            edits.append(p.file, block + "\n" + link, header=source_header(p))


def _with_evidence(text: str, group: list[Planned]) -> str:
    """The statement block's text naming every evidence of the group (those in other files
    too): the blocks were written from the drafts of its own file."""
    home = group[0].file
    own = [p.draft.evidence for p in group if p.file == home]
    every = [p.draft.evidence for p in group]
    old = "pt:evidence " + " , ".join(name(e) for e in own if e is not None) + " ."
    new = "pt:evidence " + " , ".join(name(e) for e in every if e is not None) + " ."
    return text.replace(old, new, 1)


def source_header(p: Planned) -> str:
    """The first lines of a new ``data/source-NNN.ttl``."""
    number = p.file.removeprefix("data/source-").removesuffix(".ttl")
    return (
        f"# Peace Talks KG — statements and evidence annotations attested by source document {number}\n"
        f"# ({p.document}).\n"
        f"# Every oa:exact below is a verbatim substring of {p.document}.\n\n"
    )


def _validated(
    space: Workspace, added: Graph, planned: list[Planned], corpus: Path
) -> list[Problem]:
    """The problems of the graph with ``added``: violations that were not there before (tied
    to their draft and field), and what the quote check finds in the new evidence."""
    new = space.new_violations(space.validate(added), added)
    quotes = Graph()
    quotes += added
    for p in planned:
        for triple in space.graph.triples((p.draft.source, DCTERMS.identifier, None)):
            quotes.add(triple)
    return problems_of(new, check_quotes(quotes, corpus), planned)
