"""The workbench's saves, through the curation core (:mod:`kg.curation.saving`): one at a time
(the workbench's save lock), refused as a :class:`Conflict` when a data file changed since the
page that sends them read it, and answered with the problems the core found, each tied to a
field of the form.

The core's :class:`~kg.curation.saving.Workspace` is kept for the life of the workbench, so a
save validates only what it can affect rather than the whole project.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rdflib import URIRef

from kg.curation import corrections, saving
from kg.curation.curators import NoCurator
from kg.curation.problems import Problem, SaveRefused
from kg.curation.records import StatementDraft
from kg.curation.terms import NewTerm
from server.workbench.state import Hashes, Workbench


class Conflict(Exception):
    """The data files named in ``files`` changed since the page was read; nothing was written."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = list(files)
        super().__init__(
            f"not saved: {', '.join(self.files)} changed since this page was read; "
            "your values are kept, check them and save again"
        )


@dataclass(frozen=True)
class Outcome:
    """What a save did: the statements written (or given evidence), the files, the seconds
    from the request to the validated result; or, when nothing was written, the problems."""

    statements: list[URIRef] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)


def save_drafts(
    bench: Workbench,
    drafts: Sequence[StatementDraft],
    curator: str,
    expected: Hashes,
    now: datetime,
    created: Sequence[NewTerm] = (),
) -> Outcome:
    """Save ``drafts`` (with the ``created`` positions) as the curator the workbench was
    started with, else ``curator`` from the form."""
    return _locked(
        bench,
        expected,
        lambda space: saving.save(
            bench.root,
            drafts,
            curator=bench.curator or curator,
            now=now,
            created=created,
            **_where(bench, expected, space),
        ),
    )


def _locked(
    bench: Workbench, expected: Hashes, write: Callable[[saving.Workspace], saving.Saved]
) -> Outcome:
    """Run ``write`` alone, after checking the files are as the page read them."""
    started = time.perf_counter()
    with bench.save_lock:
        changed = bench.changed_files(expected)
        if changed:
            raise Conflict(changed)
        try:
            done = write(bench.workspace())
        except saving.Conflict as exc:
            raise Conflict([exc.file]) from None
        except SaveRefused as refused:
            return Outcome(problems=refused.problems, seconds=time.perf_counter() - started)
        except NoCurator as exc:
            return Outcome(problems=[Problem(0, "curator", str(exc))])
    return Outcome(
        statements=list(done.statements),
        files=[Path(f).as_posix() for f in done.files],
        seconds=time.perf_counter() - started,
    )


def correct_statement(
    bench: Workbench,
    old: URIRef,
    new: StatementDraft,
    reason: str,
    curator: str,
    expected: Hashes,
    now: datetime,
) -> Outcome:
    """Record ``new`` as the correction of ``old`` for ``reason`` (the core's ``correct()``)."""
    who = bench.curator or curator
    return _locked(
        bench,
        expected,
        lambda space: corrections.correct(
            bench.root, old, new, reason, who, now, **_where(bench, expected, space)
        ),
    )


def retract_statement(
    bench: Workbench, iri: URIRef, reason: str, curator: str, expected: Hashes, now: datetime
) -> Outcome:
    """Retract ``iri`` for ``reason`` (the core's ``retract()``)."""
    who = bench.curator or curator
    return _locked(
        bench,
        expected,
        lambda space: corrections.retract(
            bench.root, iri, reason, who, now, **_where(bench, expected, space)
        ),
    )


def _where(bench: Workbench, expected: Hashes, space: saving.Workspace) -> dict[str, Any]:
    """The keyword arguments every write of the core takes: the corpus folder, the files as the
    page read them, the workspace."""
    return {"corpus": bench.corpus, "expected": expected, "workspace": space}
