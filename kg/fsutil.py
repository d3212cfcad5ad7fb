"""Writing files and folders so that readers never see half of one."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, as lower-case hex, read in blocks (a build's
    artefact or a closure's state is tens of megabytes at 1M); OSError when it cannot be read."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def umask() -> int:
    """The process's umask, read without changing it (``os.umask`` can only be read by setting
    it, which races with every thread creating a file meanwhile): from ``/proc`` on Linux, else
    the usual 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def published_mode(*, folder: bool = False) -> int:
    """The mode of a file (0644) or folder (0755) we publish, less what the umask withholds: what
    ``open()`` and ``mkdir()`` would give, where ``mkstemp``/``mkdtemp`` give 0600/0700, so that a
    web server running as another user can read builds, exports and releases."""
    return (0o777 if folder else 0o666) & ~umask()


def make_temporary_folder(beside: Path, *, suffix: str = "") -> Path:
    """A new empty folder beside ``beside`` (named after it, hidden), with the mode of a published
    folder, to be filled and then renamed into place."""
    folder = Path(tempfile.mkdtemp(prefix=f".{beside.name}.", suffix=suffix, dir=beside.parent))
    os.chmod(folder, published_mode(folder=True))
    return folder


@contextlib.contextmanager
def atomic_write(path: Path, *, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    The file gets the mode ``open()`` would give it (0644 under the usual umask), not the
    temporary file's 0600. On any error the temporary file is removed and ``path`` is left as
    it was. With
    ``overwrite=False`` an existing ``path`` raises :class:`FileExistsError` before anything is written.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} exists (use --force to replace it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, published_mode())
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def replace_folder(new: Path, path: Path) -> None:
    """Put the folder ``new`` at ``path`` in one step, removing what was there.

    A folder cannot be renamed over a folder that holds files, so where one is at ``path`` the
    two are exchanged atomically (Linux's ``renameat2(RENAME_EXCHANGE)``), and the old one, now at
    ``new``, is removed: a reader finds the old folder or the new one, never none or half of one.
    Where the kernel or the filesystem cannot exchange, the old folder is first renamed aside (a
    moment when there is none at ``path``). The parent folder is synced after the rename."""
    new, path = Path(new), Path(path)
    if not os.path.lexists(path):
        os.rename(new, path)
    elif _exchange(new, path):
        _remove(new)
    else:
        aside = new.with_name(new.name + ".old")
        os.rename(path, aside)
        os.rename(new, path)
        _remove(aside)
    _sync_folder(path.parent)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where that is not supported (no ``renameat2`` in the C
    library, or a kernel or filesystem that refuses the flag)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prototype = ctypes.CFUNCTYPE(
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_uint,
            use_errno=True,
        )
        renameat2 = prototype(("renameat2", libc))
    except (OSError, AttributeError):
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _remove(path: Path) -> None:
    """Remove a folder and what it holds, or a file or link that stood where a folder belongs."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where folders can be opened and synced)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
