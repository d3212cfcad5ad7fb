"""``kg import``'s work: an inbox file read, its rows made drafts, and the drafts saved all or
none — every problem of every row told at once, as ``file.csv:LINE: column: problem``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kg.curation.inbox import (
    RowProblem,
    drafts_of_rows,
    field_column,
    header_problems,
    read_inbox,
    read_rows,
)
from kg.curation.problems import Problem, SaveRefused
from kg.curation.saving import Saved, Workspace, problems_before_writing, save


@dataclass(frozen=True)
class Imported:
    """What an import did: ``saved`` (None when refused) and the problems, as lines."""

    rows: int
    saved: Saved | None
    problems: list[str]

    def summary(self, dry_run: bool = False) -> str:
        """One line: rows, statements, files, seconds."""
        assert self.saved is not None
        s = self.saved
        verb = "would import" if dry_run else "imported"
        files = f" ({', '.join(p.as_posix() for p in s.files)})" if s.files else ""
        recorded = f", {s.unchanged} already recorded" if s.unchanged else ""
        return (
            f"{verb} {self.rows} row(s): {len(s.statements)} statement(s), "
            f"{len(s.evidence)} evidence annotation(s), {len(s.files)} file(s){files}"
            f"{recorded} in {s.seconds:.2f} s"
        )


def import_inbox(
    path: Path,
    root: Path,
    *,
    corpus: Path,
    curator: str,
    now: datetime,
    create: bool = False,
    dry_run: bool = False,
    workspace: Workspace | None = None,
) -> Imported:
    """Import the CSV file ``path`` into the project at ``root`` (see :mod:`kg.curation.inbox`).
    :class:`~kg.curation.inbox.UsageError` for a file that cannot be read as an inbox,
    :class:`~kg.curation.curators.NoCurator` without a curator."""
    header, rows = read_rows(read_inbox(path))
    problems = header_problems(header, create)
    space = workspace or Workspace(root)
    inbox = drafts_of_rows(rows, space.names, create=create)
    problems += inbox.problems
    created = list(inbox.created.values())
    if problems:
        found = problems_before_writing(
            space, inbox.drafts, corpus=corpus, curator=curator, now=now, created=created
        )
        return _refused(path, len(rows), problems, found, inbox.lines)
    try:
        saved = save(
            root,
            inbox.drafts,
            corpus=corpus,
            curator=curator,
            now=now,
            created=created,
            workspace=space,
            dry_run=dry_run,
        )
    except SaveRefused as refused:
        return _refused(path, len(rows), [], refused.problems, inbox.lines)
    return Imported(len(rows), saved, [])


def _refused(
    path: Path, count: int, rows: list[RowProblem], found: list[Problem], lines: list[int]
) -> Imported:
    """The problems of the rows and of the drafts, each as ``file.csv:LINE: column: problem``,
    in the order of the file."""
    every = list(rows)
    for problem in found:
        line = lines[problem.draft] if problem.draft is not None else None
        every.append(RowProblem(line, field_column(problem.field), problem.message))
    every.sort(key=lambda p: p.line or 0)
    return Imported(count, None, [p.format(path.name) for p in every])
