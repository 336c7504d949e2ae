"""Which runs a live process is computing, told by the operating system (see :class:`RunLocks`)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from .errors import STORE, StoreError

try:
    import fcntl
except ImportError:  # Windows: no POSIX locks, so a live run cannot be told from a dead one there
    fcntl = None  # type: ignore[assignment]


def refuse_hard_links(path: Path) -> None:
    """Refuse a store file with more than one name (hard links; a symbolic link is resolved and
    fine). Locking by the file's identity instead of its path would stop one run being computed
    twice (RunLocks keys ``<store>-runs.lock`` by the resolved path, which two hard links do not
    share), but not the worse trouble: SQLite names its WAL and journal after the path it was
    given, so two processes opening two names of one file each use their own WAL and can lose or
    damage commits (https://www.sqlite.org/howtocorrupt.html, section 2.5). A lock file in a
    folder both names share cannot be had either (the names may be in any two folders of the
    filesystem), and one keyed by device and inode in a per-user folder would not be seen by
    another user or container sharing the store. One name is the rule that keeps both safe."""
    try:
        links = os.stat(path).st_nlink
    except OSError:
        return  # missing (a new store) or unreadable: opening it says so
    if links > 1 and path.is_file():
        raise StoreError(
            f"the run store file {path} has {links} names (hard links): SQLite keeps its journal by name, so two names of one store can damage it, and can compute one run twice",
            fix="keep one name: delete the other links (or copy the file to a new store and use that)",
            field=STORE,
        )


class RunLocks:
    """Which runs a live process is computing, told by the operating system: a process holds a
    one-byte POSIX lock per run on ``<store>-runs.lock`` while it computes it, and the kernel
    drops the lock when the process ends however it ends (SIGKILL, power loss of a container),
    so a 'running' run nobody holds is one whose process died, and can be resumed. No pid files:
    a pid can be reused. POSIX locks are per process and closing any descriptor of the file
    drops them all, so there is one descriptor per lock file for the whole process, and runs
    held by this process are tracked here (another thread may be finishing one)."""

    _guard = threading.Lock()
    _fds: dict[str, int] = {}
    _held: dict[str, set[str]] = {}

    def __init__(self, store_path: Path):
        self.path = str(store_path.resolve()) + "-runs.lock"

    @staticmethod
    def _offset(run_id: str) -> int:
        return int(hashlib.sha256(run_id.encode()).hexdigest()[:15], 16)  # 60 bits: fits off_t

    def _fd(self) -> int:
        if self.path not in self._fds:
            try:
                self._fds[self.path] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as e:  # a folder in its place, no right to write there: not 'another process'
                raise StoreError(
                    f"cannot open the run store's lock file {self.path} ({e.strerror or e})",
                    fix="remove or repair that path (it must be a file this user can write), or name another run store file",
                    field=STORE,
                ) from None
        return self._fds[self.path]

    def acquire(self, run_id: str, *, reentrant: bool) -> bool:
        """Hold ``run_id`` for this process; False when another process holds it, or (unless
        ``reentrant``) when this process already does. StoreError when the lock file cannot be
        opened."""
        with self._guard:
            held = self._held.setdefault(self.path, set())
            if run_id in held:
                return reentrant
            if fcntl is not None:
                fd = self._fd()  # its errors are the lock file's, named: not another process
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset(run_id))
                except OSError:  # EAGAIN / EACCES: another process holds it
                    if not held and self.path in self._fds:
                        os.close(self._fds.pop(self.path))
                    return False
            held.add(run_id)
            return True

    def release(self, run_id: str) -> None:
        with self._guard:
            held = self._held.get(self.path, set())
            if run_id in held:
                held.discard(run_id)
                if fcntl is not None:
                    fcntl.lockf(self._fd(), fcntl.LOCK_UN, 1, self._offset(run_id))
                if not held and self.path in self._fds:  # nothing held: closing drops no lock
                    os.close(self._fds.pop(self.path))

    def is_live(self, run_id: str) -> bool | None:
        """Whether some process (this one included) is computing ``run_id`` now; None when that
        cannot be told (the lock file cannot be opened: a read-only store, a folder in its place)."""
        try:
            if not self.acquire(run_id, reentrant=False):
                return True
        except StoreError:
            return None
        self.release(run_id)
        return False
