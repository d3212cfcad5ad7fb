"""A real, throwaway Virtuoso (Debian's ``virtuoso-opensource``) on 127.0.0.1 for tests.

``running_virtuoso()`` copies the packaged ``virtuoso.ini`` into a temporary folder, points the
database there, listens on two free loopback ports, starts ``virtuoso-t +foreground`` in its own
process group, waits until the SPARQL endpoint answers, and on exit stops the whole group and
deletes the database. A fresh database has the user ``dba`` with password ``dba``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGED_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
PACKAGED_DB = "/var/lib/virtuoso-opensource-7/db"
VAD = "/usr/share/virtuoso-opensource-7/vad"
USER = "dba"
PASSWORD = "dba"


@dataclass(frozen=True)
class Virtuoso:
    """Where a running Virtuoso answers."""

    host: str
    http_port: int
    sql_port: int
    directory: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def sparql(self) -> str:
        """Read-only SPARQL endpoint, no authentication."""
        return f"{self.base}/sparql"

    @property
    def sparql_auth(self) -> str:
        """SPARQL query + update endpoint behind HTTP Digest authentication."""
        return f"{self.base}/sparql-auth"

    @property
    def graph_store(self) -> str:
        """Graph Store HTTP Protocol endpoint behind HTTP Digest authentication."""
        return f"{self.base}/sparql-graph-crud-auth"

    @property
    def log(self) -> str:
        path = self.directory / "virtuoso.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def isql(self, statement: str) -> str:
        """Run one SQL statement with ``isql-vt`` as dba."""
        done = subprocess.run(
            ["isql-vt", f"{self.host}:{self.sql_port}", USER, PASSWORD, f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"isql failed: {done.stdout}{done.stderr}")
        return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(directory: Path, http_port: int, sql_port: int, **params: str) -> Path:
    """The packaged configuration with the database in ``directory`` and loopback ports;
    ``params`` override ``[Parameters]``/``[SPARQL]`` keys (e.g. ``ResultSetMaxRows="3"``)."""
    text = PACKAGED_INI.read_text()
    text = text.replace(PACKAGED_DB, str(directory))
    text = re.sub(r"(?m)^ServerPort(\s*)=\s*1111\b.*$", f"ServerPort = 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort(\s*)=\s*8890\b.*$", f"ServerPort = 127.0.0.1:{http_port}", text)
    text = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {VAD}, {directory}", text)
    for key, value in params.items():
        text, found = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", text)
        if not found:
            raise ValueError(f"{key} is not a key of {PACKAGED_INI}")
    path = directory / "virtuoso.ini"
    path.write_text(text)
    return path


def _ready(url: str) -> bool:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextlib.contextmanager
def running_virtuoso(timeout: float = 90.0, **params: str) -> Iterator[Virtuoso]:
    """Start a throwaway Virtuoso on 127.0.0.1; stop it and delete its database afterwards."""
    executable = shutil.which("virtuoso-t")
    if executable is None:
        raise RuntimeError("virtuoso-t is not installed (apt-get install virtuoso-opensource)")
    directory = Path(tempfile.mkdtemp(prefix="ptkg-virtuoso-"))
    http_port, sql_port = _free_port(), _free_port()
    while sql_port == http_port:
        sql_port = _free_port()
    config = write_config(directory, http_port, sql_port, **params)
    server = Virtuoso("127.0.0.1", http_port, sql_port, directory)
    output = (directory / "stdout.log").open("wb")
    process = subprocess.Popen(
        [executable, "+configfile", str(config), "+foreground"],
        cwd=directory,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _ready(server.sparql):
            if process.poll() is not None:
                raise RuntimeError(
                    f"virtuoso-t exited with {process.returncode}:\n{server.log[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not answer within {timeout} s")
            time.sleep(0.3)
        yield server
    finally:
        _stop(process)
        output.close()
        shutil.rmtree(directory, ignore_errors=True)


def _stop(process: subprocess.Popen) -> None:
    """Stop virtuoso-t and anything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
