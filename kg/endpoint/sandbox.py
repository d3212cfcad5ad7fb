"""Take away a query worker's ability to open network sockets.

The guard (``kg.endpoint.guard``) refuses every query that could make the engine call out, but it is one
program judging another's reading of a text. A query worker runs on a store held in its own memory
and needs no network at all, so it gives the network up: a seccomp filter makes every later
``socket(AF_INET | AF_INET6, …)`` fail with EACCES. Should a query ever slip a ``SERVICE`` call
past the guard, Oxigraph gets an error instead of a connection. Unix sockets (the worker's pipe to
the web process) are untouched, and nothing else changes.

Linux only, on x86-64 and AArch64; elsewhere :func:`deny_network` reports that it could not and
the guard stands alone. A worker of a remote store (``sparql+http://…``) keeps its network.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket
import struct
import sys

_ARCHES = {
    # machine: (AUDIT_ARCH_*, number of the socket system call)
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_RET_K = 0x06
# offsets in struct seccomp_data: nr, arch, then the arguments (64 bits each; low half first)
_NR, _ARCH, _ARG0 = 0, 4, 16


class SandboxUnavailable(OSError):
    """The network could not be taken away here (not Linux, another architecture, or refused)."""


def deny_network() -> None:
    """From now on, this process (and any thread or child it starts) cannot open an IPv4 or
    IPv6 socket. Raises SandboxUnavailable when the kernel or platform does not allow it."""
    machine = platform.machine()
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        raise SandboxUnavailable(f"no seccomp filter for {sys.platform} on {machine}")
    arch, socket_call = _ARCHES[machine]
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    # Jump offsets count from the next instruction.
    program = [
        (_LD_W_ABS, 0, 0, _ARCH),  # 0
        (_JEQ_K, 0, 5, arch),  # 1: another ABI (none runs here) -> 7 allow
        (_LD_W_ABS, 0, 0, _NR),  # 2
        (_JEQ_K, 0, 3, socket_call),  # 3: not socket() -> 7 allow
        (_LD_W_ABS, 0, 0, _ARG0),  # 4: the address family
        (_JEQ_K, 2, 0, socket.AF_INET),  # 5: -> 8 deny
        (_JEQ_K, 1, 0, socket.AF_INET6),  # 6: -> 8 deny
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),  # 7
        (_RET_K, 0, 0, deny),  # 8
    ]
    code = b"".join(struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program), ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxUnavailable(
            f"prctl(NO_NEW_PRIVS) failed: {errno.errorcode.get(ctypes.get_errno())}"
        )
    if prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        raise SandboxUnavailable(
            f"prctl(SECCOMP) failed: {errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno())}"
        )
