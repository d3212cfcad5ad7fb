"""``kg build --watch``: a build after every change of the curated files, a refusal or a syntax
error reported and the files watched on, Ctrl-C a clean stop."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from kg.pipeline.build import ARTEFACT, BuildRefused, BuildReport, build
from kg.pipeline.incremental import KeptShapes
from kg.pipeline.load import LoadError, load_project
from kg.pipeline.watch import watch

REPO = Path(__file__).resolve().parents[1]
SPEAKER = ("pt:speaker actor:author-of-doc-002 ;", "pt:speaker actor:third-party-countries ;")


def copy_project(target: Path) -> Path:
    for kind in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / kind, target / kind)
    return target


def test_each_change_is_built_and_a_broken_file_is_waited_out(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    source = root / "data" / "source-002.ttl"
    text = source.read_text(encoding="utf-8")
    seen: list[str] = []

    def built(report: BuildReport) -> None:
        seen.append(report.reuse)
        if len(seen) == 1:
            source.write_text(text.replace(*SPEAKER, 1), encoding="utf-8")
        elif len(seen) == 2:
            source.write_text(text + "\nnot turtle .\n", encoding="utf-8")

    def failed(problem: Exception) -> None:
        assert isinstance(problem, LoadError)
        seen.append(str(problem))
        source.write_text(text, encoding="utf-8")  # mended: back as it was

    watch(root, built, failed, interval=0.05, until=lambda: len(seen) >= 4)
    assert seen[0].startswith("full build")
    assert seen[1] == "incremental: 1 file(s) changed (data/source-002.ttl)"
    assert "source-002.ttl:" in seen[2]
    assert seen[3] == "incremental: 1 file(s) changed (data/source-002.ttl)"
    full = build(root, tmp_path / "full.nq", cache=False)
    assert (root / ARTEFACT).read_bytes() == full.path.read_bytes()


STRICTER = """
pts:EveryStatementNeedsAFrame a sh:NodeShape ;
    sh:targetClass pt:PositionStatement ;
    sh:property [ sh:path pt:noSuchProperty ; sh:minCount 1 ] .
"""


def test_the_shapes_are_read_once_while_their_files_stay_the_same(tmp_path: Path) -> None:
    """A watching process keeps the shapes as the fast validator read them, and reads them again
    once a shapes file changes: the next build then holds to the new shapes."""
    root = copy_project(tmp_path / "project")
    kept = KeptShapes()
    first = kept.validator(load_project(root))
    assert kept.validator(load_project(root)) is first
    build(root, kept=kept)
    assert kept.validator(load_project(root)) is first
    shapes = root / "shapes" / "ptkg-shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + STRICTER, encoding="utf-8")
    assert kept.validator(load_project(root)) is not first
    with pytest.raises(BuildRefused) as refused:
        build(root, kept=kept)
    assert "noSuchProperty" in refused.value.validation.format()


def lines_of(stream: IO[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """The lines of a child's output as they come, read by a thread of their own (joined once
    the child has ended, before its pipes are closed)."""
    found: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [found.put(line) for line in stream], daemon=True)
    reader.start()
    return found, reader


def line_within(lines: queue.Queue[str], seconds: float) -> str:
    """The next line, failing (not hanging) when none comes in time."""
    try:
        return lines.get(timeout=seconds)
    except queue.Empty:
        raise AssertionError(f"no line from the watching process within {seconds} s") from None


def test_ctrl_c_stops_watching(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    command = [sys.executable, "-m", "kg", "build", "--watch", "--root", str(root)]
    with subprocess.Popen(
        [*command, "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        lines, reader = lines_of(process.stdout)
        try:
            assert line_within(lines, 60).startswith(f"watching {root.resolve()}")
            assert line_within(lines, 120).startswith("wrote ")
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            reader.join(timeout=10)
        err = process.stderr.read()
    assert line_within(lines, 1).strip() == "stopped", err
    assert "Traceback" not in err


def test_watch_refuses_options_it_cannot_honour(runner, tmp_path: Path) -> None:
    from kg.cli import cli

    result = runner.invoke(cli, ["build", "--watch", "--full", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "--watch builds the project's own artefact" in result.output
