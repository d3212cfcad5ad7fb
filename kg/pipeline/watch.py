"""Build again whenever a curated file changes: ``kg build --watch``.

A curator editing Turtle wants the verdict of each save at once. A build in a fresh process pays
Python's start and the imports (about half a second) before any work; a watching process pays
them once, and each save then costs the incremental build alone (``kg.pipeline.incremental``),
with the shapes as the fast validator read them the first time (:class:`KeptShapes`: reading them
parses their SPARQL constraints, about half a second) for as long as their files are unchanged.
The curated files are polled (names, sizes and modification times: no dependency, and the same on
every system), and a change is built when the files have stayed the same for one more poll, so an
editor's save in several writes is built once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kg.pipeline.build import BuildRefused, BuildReport, build
from kg.pipeline.incremental import KeptShapes
from kg.pipeline.load import curated_files
from kg.pipeline.manifest import ArtefactError
from kg.rdf.formats import LoadError

Seen = dict[str, tuple[int, int]]


def seen(root: Path) -> Seen:
    """Each curated Turtle file (relative to the root) → its size and modification time."""
    found: Seen = {}
    for f in curated_files(root):
        try:
            stat = f.path.stat()
        except FileNotFoundError:  # removed while listed: the next poll sees it gone
            continue
        found[f.path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def watch(
    root: Path,
    built: Callable[[BuildReport], None],
    failed: Callable[[Exception], None],
    *,
    inference: str = "owlrl",
    interval: float = 0.5,
    until: Callable[[], bool] = lambda: False,
) -> None:
    """Build the project now and after every change of its curated files, until ``until()``
    says stop (or the caller's KeyboardInterrupt). ``built`` is given each build's report;
    ``failed`` each refusal (:class:`BuildRefused`), file that does not load
    (:class:`LoadError`) or artefact that cannot be written (:class:`ArtefactError`): the files
    are watched on, and the next change is built."""
    root = root.resolve()
    kept = KeptShapes()  # read once, while the shapes stay the same
    last: Seen | None = None
    while not until():
        now = seen(root)
        if now != last:
            time.sleep(interval)  # let a save in several writes finish
            if seen(root) != now:
                continue
            last = now
            try:
                built(build(root, inference=inference, kept=kept))
            except (BuildRefused, LoadError, ArtefactError) as problem:
                failed(problem)
        time.sleep(interval)
