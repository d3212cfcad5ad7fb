"""Apache Jena ARQ as a third engine for the benchmarks: Debian's ``libapache-jena-java`` (4.5).

    python bench/jena.py DATA.nq QUERY.rq [QUERY.rq …] [--runs 5] [--budget 60]

Debian ships the jars but no ``arq`` launcher, and ``jena-core.jar``'s relocated xerces classes
look for their message bundles under ``xerces/``, where the jar does not have them (Jena then fails
to start with an ``ExceptionInInitializerError``). :func:`classpath` extracts the bundles once into
a folder under the cache directory and puts it first on the classpath, without touching the package.

The queries run in one JVM (``bench/JenaQueries.java``, run as a source file by ``java``), which
loads the data once into one in-memory graph (every quad's triple: the union of the named graphs,
which the project's stores query as their default graph) and runs each query once to warm up,
then ``runs`` times, reading all its rows. The times are those of the query in a warm JVM (parse
of the query text excluded, rows read into memory included); the rows of the last run come back
as rdflib terms, so that a bench can compare them with another engine's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib.query import Result
from rdflib.term import Node

JAVA_DIR = Path("/usr/share/java")
RUNNER = Path(__file__).resolve().parent / "JenaQueries.java"
JARS = (
    "jena-arq",
    "jena-base",
    "jena-cmds",
    "jena-core",
    "jena-dboe-base",
    "jena-dboe-index",
    "jena-dboe-storage",
    "jena-dboe-trans-data",
    "jena-dboe-transaction",
    "jena-iri",
    "jena-rdfconnection",
    "jena-tdb",
    "jena-tdb2",
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "jsonld-java",
    "jakarta.json-api",
    "protobuf",
    "slf4j-api",
    "slf4j-nop",
    "thrift",
    "titanium-json-ld",
)
"""The jars of Debian's libapache-jena-java (and its dependencies) that ARQ needs."""
XERCES = "org/apache/jena/ext/xerces/"
INSTALL = "apt-get install -y default-jdk-headless libapache-jena-java"


class JenaMissing(RuntimeError):
    """Jena or a Java that runs source files is not installed; the message says what to install."""


def cache_dir() -> Path:
    """Where the classpath work-around is kept (``$XDG_CACHE_HOME/ptkg-bench/jena``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ptkg-bench" / "jena"


def classpath(cache: Path | None = None) -> str:
    """The classpath for ARQ: the folder of xerces message bundles (made once), then the jars."""
    missing = [j for j in JARS if not (JAVA_DIR / f"{j}.jar").is_file()]
    if missing:
        raise JenaMissing(f"Jena's jars are missing ({', '.join(missing[:3])}…): {INSTALL}")
    if shutil.which("java") is None or shutil.which("javac") is None:
        raise JenaMissing(f"a Java development kit (java, javac) is needed: {INSTALL}")
    fix = (cache or cache_dir()) / "xerces-fix"
    if not (fix / "xerces").is_dir():
        fix.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="xerces-", dir=fix.parent))
        with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
            for name in jar.namelist():
                if name.startswith(XERCES) and name.endswith(".properties"):
                    target = staging / "xerces" / name.removeprefix(XERCES)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
        if not (fix / "xerces").is_dir():
            shutil.rmtree(fix, ignore_errors=True)
            staging.rename(fix)
        else:
            shutil.rmtree(staging, ignore_errors=True)
    return os.pathsep.join([str(fix), *(str(JAVA_DIR / f"{j}.jar") for j in JARS)])


@dataclass(frozen=True)
class Timed:
    """One query on Jena: the times of its runs in ms (``None``: over the budget) and its rows
    (in the query's order, as rdflib terms, ``None`` for an unbound cell)."""

    times_ms: list[float] | None
    variables: list[str]
    rows: list[tuple[Node | None, ...]] | None

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.times_ms) if self.times_ms else None


def run_queries(
    data: Path, queries: Mapping[str, str], runs: int = 5, budget: float = 60.0
) -> tuple[float, dict[str, Timed]]:
    """Load ``data`` once into Jena and time each query (name → SPARQL text); return the load
    time in seconds and each query's times and rows."""
    cp = classpath()
    found: dict[str, Timed] = {}
    with tempfile.TemporaryDirectory(prefix="jena-") as tmp:
        folder = Path(tmp)
        lines = []
        for n, text in enumerate(queries.values()):
            (folder / f"{n}.rq").write_text(text, encoding="utf-8")
            lines.append(f"{n}\t{folder / f'{n}.rq'}\t{folder / f'{n}.json'}")
        (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        done = subprocess.run(
            [
                *("java", "-Xss8m", "-cp", cp, str(RUNNER)),
                *(str(data), str(runs), str(budget), str(folder / "manifest.tsv")),
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"Jena failed (exit {done.returncode}): {last}")
        reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        load_s = float(reports[0]["load_s"])
        names = list(queries)
        for report in reports[1:]:
            n = int(report["name"])
            variables: list[str] = []
            rows = None
            if report["ms"] is not None:
                with (folder / f"{n}.json").open("rb") as handle:
                    result = Result.parse(handle, format="json")
                variables = [str(v) for v in result.vars or ()]
                rows = [tuple(row.get(v) for v in result.vars or ()) for row in result.bindings]
            found[names[n]] = Timed(report["ms"], variables, rows)
    return load_s, found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data", type=Path)
    parser.add_argument("queries", type=Path, nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    try:
        texts = {str(q): q.read_text(encoding="utf-8") for q in args.queries}
        load_s, found = run_queries(args.data, texts, args.runs, args.budget)
    except (JenaMissing, RuntimeError, OSError) as exc:
        sys.exit(f"jena: {exc}")
    print(f"loaded {args.data} in {load_s:.2f} s")
    for name, timed in found.items():
        median = timed.median_ms
        rows = len(timed.rows) if timed.rows is not None else "-"
        shown = f"{median:.1f} ms" if median is not None else f"> {args.budget:g} s"
        print(f"{name}: median {shown} of {args.runs}, {rows} rows")


if __name__ == "__main__":
    main()
