"""Time ``kg build`` on the curated project and on bigger ones, stage by stage, with its peak memory.

    python bench/build.py [--sizes curated 100000 1000000] [--runs 1] [--engines fast reference]
                          [--reference-max 100000]

A size N is the curated project plus a synthetic data file of about N triples shaped like ours
(``bench/synthetic.py`` with ``conforming=True``: it validates, so the build takes it). Each build
runs in a fresh process (``python bench/build.py --child …``), as a first ``kg build`` of the project
(its own ``build/ptkg.nq``, no cache to start from, and the cache for the next build written), which
reports the seconds of each
stage, the CPU time of the whole process (imports included: on a machine shared with other work
the wall time is the machine's, the CPU time the build's) and its peak resident memory; the
figure is the median of ``--runs``. ``fast`` is the build
as ``kg build`` runs it; ``reference`` validates with pySHACL and reasons with owlrl's own
semantics (the reference semantics, slow: only up to ``--reference-max``). Where both ran, the
table says whether they wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from synthetic import generate  # noqa: E402  (bench/ is the script's folder)

STAGES = ("load", "view", "validate", "reason", "cache", "derive", "write", "store")
SYNTHETIC_GRAPH = " <https://w3id.org/peace-talks-kg/graph/data/synthetic.ttl> ."


def make_project(size: str, folder: Path) -> Path:
    """The curated project, plus ``data/synthetic.ttl`` of about ``size`` triples unless
    ``size`` is ``curated``."""
    project = folder / f"project-{size}"
    for kind in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / kind, project / kind)
    if size != "curated":
        text = generate(int(size), blank_nodes=True, conforming=True, focus=0.7)
        lines = (line.removesuffix(SYNTHETIC_GRAPH) + " ." for line in text.splitlines())
        (project / "data" / "synthetic.ttl").write_text("\n".join(lines) + "\n")
    return project


def resident(field: str) -> int:
    """``VmHWM`` (the peak since the last reset) or ``VmRSS`` of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def metered_stopwatch() -> tuple[type, dict[str, int]]:
    """A :class:`kg.pipeline.build.Stopwatch` that also records each stage's peak resident
    memory, and the dictionary it records them in. The kernel's high-water mark is reset as a
    stage begins (writing 5 to ``/proc/self/clear_refs``), so each peak is the stage's own."""
    from kg.pipeline.build import Stopwatch

    peaks: dict[str, int] = {}

    class MeteredStopwatch(Stopwatch):
        @contextmanager
        def __call__(self, stage: str) -> Iterator[None]:
            Path("/proc/self/clear_refs").write_text("5")
            try:
                with super().__call__(stage):
                    yield
            finally:
                peaks[stage] = max(peaks.get(stage, 0), resident("VmHWM"))

    return MeteredStopwatch, peaks


def child(project: Path, out: Path, engine: str, stage_memory: bool) -> None:
    """Build once in this process and print what it took, as JSON."""
    import kg.pipeline.build
    from kg.pipeline.build import build

    peaks: dict[str, int] = {}
    if stage_memory:  # build() makes its Stopwatch when called, so this one is used
        kg.pipeline.build.Stopwatch, peaks = metered_stopwatch()  # type: ignore[misc]
    report = build(project, out, reference=engine == "reference")
    used = resource.getrusage(resource.RUSAGE_SELF)
    # a reset high-water mark lowers ru_maxrss too: the peak is then the stages' highest
    peak = max([used.ru_maxrss * 1024, *peaks.values()])
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(
        json.dumps(
            {
                "seconds": report.seconds,
                "stages": report.stages,
                "quads": report.quads,
                "peak": peak,
                "stage_peaks": peaks,
                "cpu": used.ru_utime + used.ru_stime,
                "sha256": digest,
            }
        )
    )


def measure(project: Path, engine: str, runs: int, stage_memory: bool) -> dict:
    results = []
    for _ in range(runs):
        # the project's own artefact, as `kg build` writes it, and each run a first build: it
        # starts without a cache and leaves one (an edit's build is bench/edit.py's)
        shutil.rmtree(project / "build", ignore_errors=True)
        out = project / "build" / "ptkg.nq"
        metered = ["--stage-memory"] if stage_memory else []
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(project), str(out), engine, *metered],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"build of {project.name} ({engine}) failed:\n{done.stderr}")
        results.append(json.loads(done.stdout.splitlines()[-1]))
    middle = sorted(results, key=lambda r: r["seconds"])[len(results) // 2]
    middle["seconds"] = statistics.median(r["seconds"] for r in results)
    return middle


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["curated", "100000", "1000000"])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--engines", nargs="+", default=["fast", "reference"])
    parser.add_argument("--reference-max", type=int, default=100_000)
    parser.add_argument(
        "--stage-memory", action="store_true", help="also the peak memory of each stage"
    )
    parser.add_argument("--child", nargs=3, metavar=("PROJECT", "OUT", "ENGINE"))
    args = parser.parse_args()
    if args.child:
        project, out, engine = args.child
        child(Path(project), Path(out), engine, args.stage_memory)
        return
    header = [
        "project",
        "quads written",
        "engine",
        "total (CPU)",
        *STAGES,
        "peak RSS",
        "same bytes",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    memory_rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            project = make_project(size, Path(folder))
            digests = set()
            for engine in args.engines:
                if engine == "reference" and size != "curated" and int(size) > args.reference_max:
                    continue
                found = measure(project, engine, args.runs, args.stage_memory)
                digests.add(found["sha256"])
                cells = [
                    size if size == "curated" else f"{int(size):,}",
                    f"{found['quads']:,}",
                    engine,
                    f"{found['seconds']:.2f} s ({found['cpu']:.2f} s)",
                    *(f"{found['stages'].get(stage, 0.0):.2f}" for stage in STAGES),
                    f"{found['peak'] / 2**20:,.0f} MB",
                    "yes" if len(digests) == 1 else "**no**",
                ]
                print("| " + " | ".join(cells) + " |", flush=True)
                peaks = found["stage_peaks"]
                memory_rows.append(
                    [cells[0], engine, *(f"{peaks.get(s, 0) / 2**20:,.0f}" for s in STAGES)]
                )
            shutil.rmtree(project)
    if args.stage_memory:
        print("\npeak RSS of each stage, MB\n")
        print("| " + " | ".join(["project", "engine", *STAGES]) + " |")
        print("|" + "---|" * (len(STAGES) + 2))
        for row in memory_rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
