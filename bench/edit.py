"""Time ``kg build`` after a curator's edit of one data file: the incremental build against a full one.

    python bench/edit.py [--sizes curated 100000] [--runs 3]

A size N is the curated project plus a synthetic data file of about N triples (as ``bench/build.py``
makes it). The edits: one statement's speaker changed in ``data/source-002.ttl`` (a curator's
correction), and, for a synthetic size, one quote of ``data/synthetic.ttl`` re-worded (an edit of
the big file, which is then parsed again whole). Each run builds once to leave a cache, makes the
edit, then times in fresh processes ``kg build`` (incremental: it continues from the cache) and
``kg build --full``, and checks they wrote the same bytes; the edit is then undone and built, for
the next run. Printed: the median wall and CPU seconds of the whole command (Python's start and
imports included: what a curator waits for), the validate and reason stages of each and the other
stages together (load, view, derive, write, store, cache: made whole either way), and what the
incremental build did (focus nodes validated again, closure triples over-deleted); last, the median
seconds from a save to the verdict ``kg build --watch`` prints (the process started once, polling
every 0.05 s, the edit made and undone ``--runs`` times).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build import make_project  # noqa: E402  (bench/ is the script's folder)

KG = [sys.executable, "-m", "kg"]
SPEAKER = ("pt:speaker actor:author-of-doc-002 ;", "pt:speaker actor:third-party-countries ;")


def kg_build(project: Path, *extra: str) -> dict:
    """Run ``kg build --timings`` in a fresh process: wall and CPU seconds, stages, the lines
    saying what it reused and did, the artefact's bytes."""
    started = time.perf_counter()
    before = _children_cpu()
    done = subprocess.run(
        [*KG, "build", "--root", str(project), "--timings", *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kg build failed:\n{done.stdout}{done.stderr}")
    stages = {m[1]: float(m[2]) for m in re.finditer(r"^ *(\w+) +([\d.]+) s", done.stdout, re.M)}
    work = [
        line.strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith(("validate:", "reason:"))
    ]
    return {
        "wall": wall,
        "cpu": _children_cpu() - before,
        "stages": stages,
        "reuse": done.stdout.splitlines()[0],
        "work": work,
        "bytes": (project / "build" / "ptkg.nq").read_bytes(),
    }


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def edits(size: str) -> list[tuple[str, str, Callable[[str], str]]]:
    """(name, file, change text → edited text) for a project of ``size``."""
    found = [("a speaker changed", "data/source-002.ttl", lambda t: t.replace(*SPEAKER, 1))]
    if size != "curated":
        found.append(("a quote of the big file re-worded", "data/synthetic.ttl", _reword_a_quote))
    return found


def _reword_a_quote(text: str) -> str:
    """The synthetic file with its first quote (``oa:exact``) re-worded."""
    at = text.index('oa#exact> "')
    opening = text.index('"', at) + 1
    return text[:opening] + "re-worded: " + text[opening:]


def measure(project: Path, file: str, change: Callable[[str], str], runs: int) -> dict:
    path = project / file
    original = path.read_text(encoding="utf-8")
    incremental, full, same = [], [], True
    kg_build(project)  # leaves the cache of the unedited project
    for _ in range(runs):
        path.write_text(change(original), encoding="utf-8")
        inc = kg_build(project)
        whole = kg_build(project, "--full")
        same = same and inc["bytes"] == whole["bytes"]
        incremental.append(inc)
        full.append(whole)
        path.write_text(original, encoding="utf-8")
        kg_build(project)  # the cache follows the undo
    return {"incremental": incremental, "full": full, "same": same}


def watching(project: Path, file: str, change: Callable[[str], str], runs: int) -> float:
    """The median seconds from a save to the verdict printed by ``kg build --watch`` (polling
    every 0.05 s): the edit made, then undone, ``runs`` times each."""
    path = project / file
    original = path.read_text(encoding="utf-8")
    process = subprocess.Popen(
        [*KG, "build", "--watch", "--root", str(project), "--interval", "0.05"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    waits = []
    try:
        process.stdout.readline()  # watching …
        process.stdout.readline()  # the first build
        for _ in range(runs):
            for text in (change(original), original):
                saved = time.perf_counter()
                path.write_text(text, encoding="utf-8")
                if not process.stdout.readline().startswith("wrote "):
                    raise SystemExit("kg build --watch did not build the edit")
                waits.append(time.perf_counter() - saved)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    return statistics.median(waits)


def median(runs: list[dict], key: str, stage: str | None = None) -> float:
    """The median of ``key`` (wall, cpu), of a stage, or of the stages other than validate and
    reason (``stage="rest"``)."""

    def value(run: dict) -> float:
        if stage == "rest":
            return sum(s for name, s in run["stages"].items() if name not in ("validate", "reason"))
        return run["stages"].get(stage, 0.0) if stage else run[key]

    return statistics.median(value(r) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["curated", "100000"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        "| project | edit | full: wall | CPU | validate | reason | other stages "
        "| incremental: wall | CPU | validate | reason | other stages | ratio (CPU) "
        "| what the incremental build did | same bytes |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            project = make_project(size, Path(scratch))
            for name, file, change in edits(size):
                found = measure(project, file, change, args.runs)
                inc, full = found["incremental"], found["full"]
                did = "; ".join(inc[-1]["work"])
                print(
                    f"| {size} | {name} | {median(full, 'wall'):.2f} s | {median(full, 'cpu'):.2f} s "
                    f"| {median(full, '', 'validate'):.3f} s | {median(full, '', 'reason'):.3f} s "
                    f"| {median(full, '', 'rest'):.2f} s "
                    f"| {median(inc, 'wall'):.2f} s | {median(inc, 'cpu'):.2f} s "
                    f"| {median(inc, '', 'validate'):.3f} s | {median(inc, '', 'reason'):.3f} s "
                    f"| {median(inc, '', 'rest'):.2f} s "
                    f"| {median(full, 'cpu') / median(inc, 'cpu'):.1f}× | {did} "
                    f"| {'yes' if found['same'] else 'NO'} "
                    f"| {watching(project, file, change, args.runs):.2f} s |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
