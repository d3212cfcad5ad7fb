"""What the commands write is readable by a web server running as another user: files 0644,
folders 0755 (under the usual umask 022), not the 0600/0700 of a temporary file or folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kg.cli import cli
from kg.fsutil import atomic_write, make_temporary_folder, published_mode, umask
from kg.pipeline.manifest import manifest_path
from kg.store.ondisk import store_path


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_gives_the_mode_open_would(tmp_path, usual_umask):
    with atomic_write(tmp_path / "out.ttl") as out:
        out.write(b"x")
    assert mode(tmp_path / "out.ttl") == 0o644
    assert mode(make_temporary_folder(tmp_path / "folder")) == 0o755


def test_a_stricter_umask_is_kept(tmp_path):
    old = os.umask(0o077)
    try:
        assert umask() == 0o077
        with atomic_write(tmp_path / "private") as out:
            out.write(b"x")
        assert mode(tmp_path / "private") == 0o600 == published_mode()
    finally:
        os.umask(old)


def test_build_export_and_release_are_world_readable(runner, fixture_project, usual_umask):
    root = str(fixture_project)
    assert runner.invoke(cli, ["build", "--root", root]).exit_code == 0
    artefact = fixture_project / "build" / "ptkg.nq"
    assert mode(artefact) == 0o644 and mode(manifest_path(artefact)) == 0o644
    store = store_path(artefact)
    assert mode(store) == 0o755
    assert all(mode(f) & 0o044 == 0o044 for f in store.iterdir() if f.is_file())
    out = fixture_project / "export.ttl"
    assert runner.invoke(cli, ["export", "--root", root, "--out", str(out)]).exit_code == 0
    assert mode(out) == 0o644
    done = runner.invoke(cli, ["release", "--root", root, "--version", "1.0.0"])
    assert done.exit_code == 0, done.output
    folder = fixture_project / "releases" / "1.0.0"
    assert mode(folder) == 0o755
    inside = list(folder.rglob("*"))
    assert {mode(f) for f in inside if f.is_file()} == {0o644}
    assert {mode(f) for f in inside if f.is_dir()} <= {0o755}
