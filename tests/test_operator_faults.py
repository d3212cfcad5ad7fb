"""Faults and operator mistakes, each reproduced with a real ``kg`` process: a build changed after
``kg build``, a build path that is a directory, a port in use, a host that is not this machine's,
a port out of range, a request body far over the cap. Each is one line on stderr and the
documented exit code, never a traceback, and nothing is lost or served wrongly."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kg.pipeline.build import ARTEFACT
from kg.pipeline.cache import CACHE
from kg.pipeline.manifest import BUILD_FORMAT_VERSION, manifest_path, verify, write_manifest
from kg.pipeline.questions_index import index_path
from kg.store.ondisk import store_path
from tests.conftest import REPO, free_port, running_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
REMEDY = "run `kg build` again"


def kg(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m kg ARGS`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def refused(result: subprocess.CompletedProcess[str], code: int, fragment: str) -> str:
    """Assert ``result`` exited with ``code``, printing one line that holds ``fragment`` on
    stderr and no traceback; return that line."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0], lines[0]
    return lines[0]


def option_refused(result: subprocess.CompletedProcess[str], option: str, fragment: str) -> None:
    """Assert click refused an option's value: exit 2, its ``Error: Invalid value for '--X'``
    line holding ``fragment`` (after click's usage lines), no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert f"Invalid value for '{option}'" in errors[0] and fragment in errors[0], errors[0]


def served_quads(*args: str) -> int:
    """How many quads ``kg serve ARGS --get`` answers for, through the query workers."""
    get = "/sparql?" + urllib.parse.urlencode({"query": COUNT})
    result = kg("serve", *args, "--get", get)
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture
def unbuilt(fixture_project: Path) -> Path:
    """The fixture project without a build (other tests build in the fixture folder itself), so
    that a build appearing shows that a command went on to load it."""
    shutil.rmtree(fixture_project / ARTEFACT.parent, ignore_errors=True)
    return fixture_project


# --- 1. the build carries its own integrity record ---------------------------------------------


@pytest.fixture
def built(fixture_project: Path) -> Path:
    """The fixture project, built by a real ``kg build``; returns the artefact."""
    result = kg("build", "--root", str(fixture_project))
    assert result.returncode == 0, result.stderr
    return fixture_project / ARTEFACT


def test_build_writes_a_manifest_that_records_the_artefact(built: Path):
    record = json.loads(manifest_path(built).read_text())
    data = built.read_bytes()
    assert record["artefact"] == built.name
    assert record["format_version"] == BUILD_FORMAT_VERSION
    assert record["bytes"] == len(data) > 0
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["quads"] == data.count(b"\n")
    # written atomically with the artefact: no temporary file left beside them
    assert sorted(p.name for p in built.parent.iterdir()) == sorted(
        [
            built.name,
            f"{built.name}.manifest.json",
            store_path(built).name,
            CACHE.name,  # what the next build continues from
            index_path(built).name,  # the questions' index
        ]
    )


def _truncate_at_line(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated at a line boundary": _truncate_at_line,
    "emptied": _empty,
    "one byte flipped": _flip_one_byte,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_build_changed_after_kg_build_is_refused_not_served(built: Path, damage: str):
    DAMAGE[damage](built)
    damaged = built.read_bytes()
    root = str(built.parents[1])
    line = refused(
        kg("serve", "--root", root, "--port", str(free_port())), 2, "does not match its manifest"
    )
    assert line.startswith(f"error: {built} does not match its manifest (")
    assert REMEDY in line
    if damage == "truncated at a line boundary":  # the other commands that open it refuse it too
        refused(kg("query", "--root", root, COUNT), 2, "does not match its manifest")
        refused(kg("export", "--root", root), 2, "does not match its manifest")
    # and the damaged file is left as it is, for the operator to look at
    assert built.read_bytes() == damaged


def test_the_build_named_as_dataset_is_checked_too(built: Path):
    _flip_one_byte(built)
    refused(kg("serve", "--dataset", str(built), "--get", "/"), 2, "does not match its manifest")


def test_a_build_without_a_manifest_is_rebuilt_not_refused(built: Path):
    """A build from before manifests (or one whose manifest was lost) is rebuilt when the app
    builds automatically, as ``make serve`` does: here it was also cut short, and the whole
    graph is served."""
    full = built.read_bytes().count(b"\n")
    manifest_path(built).unlink()
    _truncate_at_line(built)
    assert served_quads("--root", str(built.parents[1])) == full
    assert json.loads(manifest_path(built).read_text())["quads"] == full


def test_a_dataset_file_without_a_manifest_is_served_as_given(built: Path, tmp_path: Path):
    """``--dataset FILE`` is any RDF file: with no manifest beside it, it is taken as given."""
    other = tmp_path / "part.nq"
    lines = built.read_bytes().splitlines(keepends=True)
    other.write_bytes(b"".join(lines[:10]))
    assert served_quads("--dataset", str(other)) == 10


def test_kg_build_out_writes_a_manifest_that_dataset_is_checked_against(
    fixture_project: Path, tmp_path: Path
):
    out = tmp_path / "elsewhere" / "graph.nq"
    assert kg("build", "--root", str(fixture_project), "--out", str(out)).returncode == 0
    assert manifest_path(out).exists()
    full = out.read_bytes().count(b"\n")
    assert served_quads("--dataset", str(out)) == full
    _truncate_at_line(out)
    refused(kg("query", "--dataset", str(out), COUNT), 2, "does not match its manifest")


def test_an_unreadable_manifest_is_refused_as_dataset_and_rebuilt_as_the_build(built: Path):
    """A file named by ``--dataset`` cannot be rebuilt, so an unreadable manifest beside it is
    refused; the project's build can, so it is rebuilt, like one without a manifest."""
    full = built.read_bytes().count(b"\n")
    manifest_path(built).write_text("{ not json")
    line = refused(kg("query", "--dataset", str(built), COUNT), 2, "unreadable manifest")
    assert REMEDY in line
    assert served_quads("--root", str(built.parents[1])) == full
    assert json.loads(manifest_path(built).read_text())["quads"] == full


# --- 2. a build path that is a directory --------------------------------------------------------


def test_a_build_path_that_is_a_directory_is_one_line(unbuilt: Path, tmp_path: Path):
    folder = tmp_path / "somedir"
    folder.mkdir()
    root = str(unbuilt)
    option_refused(kg("build", "--root", root, "--out", str(folder)), "--out", "is a directory")
    result = kg("serve", "--root", root, "--dataset", f"{folder}/", "--get", "/")
    option_refused(result, "--dataset", "is a directory")
    # the project's own build path taken by a directory: build and serve say so, change nothing
    (unbuilt / ARTEFACT).mkdir(parents=True)
    for args in (("build",), ("serve", "--get", "/")):
        line = refused(kg(*args, "--root", root), 2, "is a directory where the build file belongs")
        assert str(unbuilt / ARTEFACT) in line
    assert (unbuilt / ARTEFACT).is_dir()
    assert list((unbuilt / ARTEFACT).iterdir()) == []


def test_a_build_path_below_a_file_is_one_line(fixture_project: Path):
    out = fixture_project / "data" / "statements.ttl" / "ptkg.nq"
    refused(kg("build", "--root", str(fixture_project), "--out", str(out)), 2, "is a file")
    assert (fixture_project / "data" / "statements.ttl").is_file()


# --- 3-5. where the server listens: checked before anything is loaded ---------------------------


def test_a_port_in_use_is_one_line_before_anything_is_loaded(unbuilt: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = kg("serve", "--root", str(unbuilt), "--host", "127.0.0.1", "--port", str(port))
        seconds = time.monotonic() - started
    line = refused(result, 2, f"cannot listen on 127.0.0.1:{port}: address already in use")
    assert line.startswith("error: ")
    assert not (unbuilt / ARTEFACT).exists()  # refused before building or loading
    assert seconds < 30


def test_a_host_that_is_not_an_address_is_one_line(unbuilt: Path):
    for host in ("256.1.1.1", "no-such-host.invalid"):
        result = kg("serve", "--root", str(unbuilt), "--host", host, "--port", "0")
        refused(result, 2, f"cannot listen on {host}:0: not an IP address or a host name")
    assert not (unbuilt / ARTEFACT).exists()


def test_a_host_of_another_machine_is_one_line(unbuilt: Path):
    result = kg("serve", "--root", str(unbuilt), "--host", "192.0.2.1", "--port", "0")
    refused(result, 2, "cannot listen on 192.0.2.1:0: not an address of this machine")


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_refused_by_the_option(unbuilt: Path, port: str):
    result = kg("serve", "--root", str(unbuilt), "--port", port)
    option_refused(result, "--port", "is not in the range 0<=x<=65535")
    assert not (unbuilt / ARTEFACT).exists()


def test_port_zero_announces_the_port_it_listens_on(fixture_project: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--root", str(fixture_project), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        announced = process.stdout.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", announced).group(1))
        assert port != 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()


# --- 6. request bodies far over the cap are refused by the server itself -------------------------

CAP = 1024


@pytest.fixture
def capped_server(fixture_project: Path) -> Iterator[str]:
    with running_server("--root", str(fixture_project), "--max-request-bytes", str(CAP)) as base:
        yield base


def _connect(base: str) -> socket.socket:
    url = urllib.parse.urlsplit(base)
    return socket.create_connection((url.hostname, url.port), timeout=30)


def _post_head(extra: str) -> bytes:
    return (
        "POST /sparql HTTP/1.1\r\nHost: localhost\r\n"
        f"Content-Type: application/sparql-query\r\n{extra}\r\n"
    ).encode()


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _server_rss_kb(port: int) -> int | None:
    """The resident memory of the ``kg serve`` process listening on ``port``, when /proc says."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            args = cmdline.read_bytes().split(b"\0")
            if b"serve" in args and str(port).encode() in args:
                for line in (cmdline.parent / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
    return None


def _still_answers(base: str) -> None:
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(f"{base}/sparql?{query}", timeout=30) as response:
        assert response.status == 200 and json.load(response)["boolean"] is True


def test_a_body_announced_far_over_the_cap_is_refused_without_reading_it(capped_server: str):
    with _connect(capped_server) as sock:
        started = time.monotonic()
        sock.sendall(_post_head(f"Content-Length: {200 * 2**20}\r\n"))  # and no body at all
        response = sock.recv(65536)
        assert _status(response) == 413
        assert time.monotonic() - started < 5
    _still_answers(capped_server)


def test_a_streamed_body_far_over_the_cap_is_cut_off(capped_server: str):
    """200 MB sent chunked: the server answers 413 and closes once the body passes its limit, so
    the client cannot send more than a few socket buffers' worth, and the server does not grow."""
    port = urllib.parse.urlsplit(capped_server).port
    before = _server_rss_kb(port)
    total, chunk = 200 * 2**20, b"x" * 2**16
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    received: list[bytes] = []
    with _connect(capped_server) as sock:

        def read() -> None:
            with contextlib.suppress(OSError):
                while data := sock.recv(65536):
                    received.append(data)

        reader = threading.Thread(target=read)
        reader.start()
        sock.sendall(_post_head("Transfer-Encoding: chunked\r\n"))
        with contextlib.suppress(OSError):  # the server closes the connection on us
            while sent < total:
                sock.sendall(frame)
                sent += len(chunk)
        reader.join(timeout=30)
    assert sent < 32 * 2**20, f"the server read {sent} bytes of a body over its cap"
    if received:  # the 413 arrives unless the reset overtook it
        assert _status(b"".join(received)) == 413
    after = _server_rss_kb(port)
    if before is not None and after is not None:
        assert after - before < 50 * 1024  # KiB: far below the 200 MB sent
    _still_answers(capped_server)


def test_a_body_a_little_over_the_cap_gets_the_apps_explanation(capped_server: str):
    body = b"ASK { ?s ?p ?o }" + b" " * CAP
    request = urllib.request.Request(
        f"{capped_server}/sparql",
        data=body,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    with error.value:
        assert error.value.code == 413
        assert f"larger than this endpoint's {CAP} bytes" in error.value.read().decode()
    # a body within the cap is answered
    request = urllib.request.Request(
        f"{capped_server}/sparql",
        data=b"ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.load(response)["boolean"] is True


def test_the_servers_limits_follow_the_apps_cap():
    from server.listening import HEADROOM, limits_for

    limits = limits_for(CAP)
    assert (limits.max_body_bytes, limits.max_header_bytes) == (CAP + HEADROOM, CAP + HEADROOM)


def test_the_manifest_check_is_fast(tmp_path: Path):
    """Checking costs one hash of the file: milliseconds for a build of a few MB (the curated
    graph's is 2.5 MB)."""
    line = b'<https://example.org/s> <https://example.org/p> "o" <https://example.org/g> .\n'
    data = line * (10 * 2**20 // len(line))
    artefact = tmp_path / "ptkg.nq"
    artefact.write_bytes(data)
    write_manifest(artefact, data)
    started = time.perf_counter()
    assert verify(artefact, required=True).quads == data.count(b"\n")
    assert time.perf_counter() - started < 1.0
