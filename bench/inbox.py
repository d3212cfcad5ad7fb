"""Seconds from ``kg import`` of one CSV row to a validated result, on the curated project.

    python bench/inbox.py [--runs 5] [--sources DIR]

Each run copies the curated project (ontology/, shapes/, data/) into a fresh temporary folder and
times, in a fresh process, ``kg import`` of a one-row CSV (a new statement quoting source 004):
Python's start and imports included, the quote anchored, the Turtle written, the project
validated (SHACL and the quote check) — what a curator waits for. Printed: the median and each
run's wall seconds of the command, and the median seconds the save itself took inside it (load,
resolve, write, validate) and its validation alone, from ``kg.curation.importing`` in this
process on a fresh copy (the same row). Then the same save made ten times in a row within one
``Workspace`` (as the workbench keeps one): the median seconds of a save after the first, whose
validation covers only what the change can affect.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from kg.curation.importing import import_inbox  # noqa: E402
from kg.curation.inbox import drafts_of_rows, read_rows  # noqa: E402
from kg.curation.saving import Workspace, save  # noqa: E402

ROW = (
    "source,quote,speaker,party,stance,position,date,precision\n"
    "004,Russia does not reject negotiations as such,Vladimir Putin,Russia,Accepts,"
    "position:direct-negotiations,,Unknown\n"
)
CURATOR = "Bench Curator"


def copy(folder: Path) -> Path:
    for kind in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / kind, folder / kind)
    (folder / "inbox.csv").write_text(ROW, encoding="utf-8")
    return folder


def command_seconds(sources: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy(Path(tmp))
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kg", "import", str(root / "inbox.csv"), "--root", str(root),
             "--sources", str(sources), "--curator", CURATOR],
            capture_output=True, text=True, check=False, cwd=REPO,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"kg import failed:\n{done.stdout}{done.stderr}")
        return seconds


def in_process(sources: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy(Path(tmp))
        started = time.perf_counter()
        result = import_inbox(
            root / "inbox.csv", root, corpus=sources, curator=CURATOR, now=datetime.now(UTC)
        )
        assert result.saved is not None, result.problems
        return time.perf_counter() - started, result.saved.validation_seconds


def repeated(sources: Path, saves: int = 10) -> list[float]:
    """Seconds of each save after the first within one workspace (another statement each time:
    the same quote with another stance)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy(Path(tmp))
        space = Workspace(root)
        _, rows = read_rows(ROW)
        [draft] = drafts_of_rows(rows, space.names, create=False).drafts
        stances = ["Accepts", "Proposes", "Demands", "Reaffirms", "Rejects", "Conditions"]
        seconds = []
        for n in range(saves):
            stance = space.names.resolve("stance", stances[n % len(stances)])
            position = sorted(space.names.kind_members("position"))[n]
            one = draft.__class__(**{**draft.__dict__, "stance": stance, "position": position})
            started = time.perf_counter()
            save(
                root, [one], corpus=sources, curator=CURATOR, now=datetime.now(UTC), workspace=space
            )
            seconds.append(time.perf_counter() - started)
        return seconds[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--sources",
        type=Path,
        default=Path(os.environ.get("PTKG_SOURCES") or os.environ.get("PTKG_SEEDS") or ""),
    )
    args = parser.parse_args()
    if not args.sources.is_dir():
        raise SystemExit("give --sources DIR (or set PTKG_SOURCES): the source texts")
    walls = [command_seconds(args.sources) for _ in range(args.runs)]
    inside = [in_process(args.sources) for _ in range(args.runs)]
    print(f"kg import, one row, curated project: median {statistics.median(walls):.2f} s wall "
          f"(runs: {', '.join(f'{w:.2f}' for w in walls)})")  # fmt: skip
    print(f"  the import in process: median {statistics.median(i[0] for i in inside):.2f} s, "
          f"of which validation {statistics.median(i[1] for i in inside):.2f} s")  # fmt: skip
    again = repeated(args.sources)
    print(f"  a save within a kept Workspace (after the first): median "
          f"{statistics.median(again):.2f} s over {len(again)} saves")  # fmt: skip


if __name__ == "__main__":
    main()
