"""A real server's processes as ``/proc`` shows them (Linux): whether one is alive, its children,
the ``kg serve`` listening on a port, and its query workers."""

from __future__ import annotations

from pathlib import Path


def alive(pid: int) -> bool:
    """True if the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def server_pid(base: str) -> int:
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except (FileNotFoundError, ProcessLookupError):
                continue
            if b"serve" in argv and b"--port" in argv and port.encode() in argv:
                return int(entry.name)
    raise AssertionError(f"no kg serve process on port {port}")


def query_workers(base: str) -> set[int]:
    """The live query worker processes of the server at ``base``."""
    return {
        pid
        for pid in children_of(server_pid(base))
        if alive(pid) and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }
