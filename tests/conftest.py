"""Shared fixtures: a small fixture project, the Flask ``app``/``client``, the CLI ``runner``, the
curated project and its build, and real server processes on 127.0.0.1.

No test writes into the checkout: a project a command may build is a copy in a temporary folder
(``fixture_project`` for a test of its own, ``good_project`` and ``curated_root`` shared, read
only, and built once per session)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.pipeline.build import ARTEFACT, build
from server import create_app, sparql

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECTS = FIXTURES / "projects"


def require(condition: bool, reason: str) -> None:
    """Skip when a real part is missing on a developer's machine; fail in CI, where it must exist."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must provide it: see .ci/run)")
    pytest.skip(reason)


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    """A private copy of the conforming fixture project (unbuilt: a build/ left in the checkout by
    an old run is not copied)."""
    target = tmp_path / "project"
    shutil.copytree(PROJECTS / "good", target, ignore=shutil.ignore_patterns("build"))
    return target


def built_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder ``make`` fills once per test run: once per session, and shared by the worker
    processes of ``pytest -n`` (the first to take the lock makes it; the others wait and reuse
    it), since the session fixtures that use it only read what it holds."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        target = tmp_path_factory.mktemp(name) / "made"
        make(target)
        return target
    shared = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    shared.mkdir(exist_ok=True)
    target, done = shared / "made", shared / "done"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            make(target)
            done.touch()
    return target


def _copy_and_build(source: Path, kinds: tuple[str, ...] | None = None) -> Callable[[Path], None]:
    def make(target: Path) -> None:
        if kinds is None:
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("build"))
        else:
            for kind in kinds:
                shutil.copytree(source / kind, target / kind)
        build(target)

    return make


@pytest.fixture(scope="session")
def good_project(tmp_path_factory) -> Path:
    """One copy of the conforming fixture project, built once per test run, for the tests that
    only read it (a test that changes its project takes ``fixture_project``)."""
    return built_once(tmp_path_factory, "good", _copy_and_build(PROJECTS / "good"))


@pytest.fixture(scope="session")
def good_build(good_project: Path) -> Path:
    """The build of ``good_project`` (with its manifest beside it)."""
    return good_project / ARTEFACT


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    """The checkout's own files (no .git, virtualenv, caches or build output) copied into a
    temporary folder, for tools that write beside what they read: pip and setuptools write build/
    and *.egg-info/ into the tree they package."""
    target = tmp_path / "source"
    shutil.copytree(
        REPO,
        target,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "*.egg-info",
            "__pycache__",
            ".*_cache",
            ".hypothesis",
            "test-artifacts",
            "node_modules",
            "releases",
        ),
    )
    return target


@pytest.fixture
def app(fixture_project: Path):
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project)})
    yield app
    sparql.shutdown(app)  # stop the app's query worker processes


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(*args: str, cwd: Path = REPO, timeout: float = 120.0) -> Iterator[str]:
    """Start ``kg serve`` as a real process on 127.0.0.1; yield its base URL; stop it afterwards."""
    with running_command("serve", *args, cwd=cwd, timeout=timeout) as base:
        yield base


@contextlib.contextmanager
def running_command(
    command: str, *args: str, probe: str = "/", cwd: Path = REPO, timeout: float = 120.0
) -> Iterator[str]:
    """Start the web command ``kg COMMAND`` (``serve``, ``curate``) as a real process on
    127.0.0.1 and a free port; yield its base URL once ``probe`` answers; stop it afterwards."""
    port = free_port()
    argv = [sys.executable, "-m", "kg", command, "--host", "127.0.0.1", "--port", str(port), *args]
    process = subprocess.Popen(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"kg {command} exited with {process.returncode}:\n{process.stdout.read()}"
                )
            try:
                with urllib.request.urlopen(base + probe, timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"kg {command} did not answer on {base} within {timeout} s"
                    ) from None
                time.sleep(0.2)
        yield base
    finally:
        stop(process)
        if process.stdout:
            process.stdout.close()


def stop(process: subprocess.Popen) -> None:
    """Stop a process started by a test: asked to end, killed if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def repo_server(curated_root: Path) -> Iterator[str]:
    """The real server on the repository's curated data (one per test session), serving the
    project's build from its default place, in a copy of the project."""
    with running_server("--root", str(curated_root)) as base:
        yield base


@pytest.fixture(scope="session")
def curated_root(tmp_path_factory) -> Path:
    """The repository's project (ontology/, shapes/, data/) copied into a temporary folder and built
    there once per test run. Its build/ptkg.nq is fresh, so ``--root`` on it (or a server on it)
    finds the curated graph in its default place without building into the checkout. Shared:
    read it, never change it."""
    return built_once(
        tmp_path_factory, "curated", _copy_and_build(REPO, ("ontology", "shapes", "data"))
    )


@pytest.fixture(scope="session")
def curated_build(curated_root: Path) -> Path:
    """The curated graph built once per test session, in a temporary folder (never the checkout),
    with its manifest beside it."""
    return curated_root / ARTEFACT
