"""Device choice, where random numbers are drawn, and seeding; atomic files and the lock of a run directory."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch


def pick_device(name: str | torch.device | None = None) -> torch.device:
    """Return ``name`` as a device, or the best available: cuda, then mps, then cpu."""
    if isinstance(name, torch.device):
        name = str(name)
    valid = ("auto", "cpu", "cuda", "mps")
    if name and name != "auto":
        kind, _, index = name.partition(":")
        if kind not in valid or (index and not index.isdigit()) or (kind != "cuda" and index):
            raise ValueError(f"unknown device {name!r}; valid devices: {', '.join(valid)}, cuda:N")
        if kind == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' asked for, but CUDA is not available here")
        if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
            raise ValueError(f"device {name!r} asked for, but this machine has {torch.cuda.device_count()} CUDA device(s)")
        if kind == "mps" and not torch.backends.mps.is_available():
            raise ValueError("device 'mps' asked for, but MPS is not available here")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def rng_device(generator: torch.Generator | None, device: torch.device | str | None = None) -> torch.device:
    """Where to draw random numbers: where ``generator`` lives when one is given (a seeded CPU generator makes a
    figure's noise the same on every device), else on ``device`` (default: the CPU). A training step passes its
    model's device, so it copies nothing from the CPU; on the CPU the numbers are the ones drawn before."""
    if generator is not None:
        return generator.device
    return torch.device("cpu") if device is None else torch.device(device)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (all devices) so a run can be repeated."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


# --------------------------------------------------------------------------- run directories: atomic files, a lock

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()
TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "wb", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path`` in one step.

    A crash, an exception or ``kill -9`` in the middle leaves ``path`` as it was (plus, at worst, a hidden
    ``.NAME.*.tmp`` file that :func:`remove_temp_files` clears). The data is flushed to disk before the rename.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes it private; a run's files get the usual permissions
            os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + rename)."""
    with atomic_file(path, "w", encoding="utf-8") as f:
        f.write(text)


def remove_temp_files(folder: str | Path) -> list[Path]:
    """Delete the temporary files :func:`atomic_file` left behind in ``folder`` (a writer killed mid-write).
    Call it only while holding the folder's :class:`RunLock`."""
    removed = []
    for p in Path(folder).glob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()
            removed.append(p)
    return removed


class RunLockedError(RuntimeError):
    """Another process holds a run directory's lock."""


LOCK_FILE = ".gans-edu.lock"


class RunLock:
    """An exclusive OS lock on a run directory while a process writes it: ``with RunLock(folder, "train"): ...``.

    The lock is ``flock`` on ``folder/.gans-edu.lock`` (``msvcrt.locking`` on Windows), so it dies with the
    process, ``kill -9`` included; the file holds the owner's PID and command, which a second writer is told.
    The file is removed on release, so a finished run leaves none.
    """

    def __init__(self, folder: str | Path, what: str = "") -> None:
        self.folder, self.what = Path(folder), what
        self.path = self.folder / LOCK_FILE
        self._fd: int | None = None

    def holder(self) -> str:
        """The PID and command written by the lock's holder ("unknown" if it could not be read)."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            text = ""
        return text or "PID unknown"

    def acquire(self) -> RunLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _lock_fd(fd)
            except BlockingIOError:
                os.close(fd)
                who = self.holder()
                raise RunLockedError(f"{self.folder} is in use by another gans-edu process ({_pid_words(who)}); "
                                     "wait for it to finish, or stop it") from None
            except BaseException:
                os.close(fd)
                raise
            try:  # the file we locked may have been released and removed meanwhile: lock the current one
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"PID {os.getpid()}{': ' + self.what if self.what else ''}\n".encode())
            self._fd = fd
            return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding it, so no one locks a file about to vanish
        os.close(self._fd)  # closing releases the lock
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


def _pid_words(holder: str) -> str:
    return holder if holder.startswith("PID") else f"PID {holder}"


def _lock_fd(fd: int) -> None:
    """Lock ``fd`` without waiting; ``BlockingIOError`` if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError from None
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            raise BlockingIOError from None
        raise
