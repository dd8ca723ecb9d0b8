"""One writer at a time: a lock file in a folder (the index's builds, a sync's articles
folder), flock-ed while the work runs, holding the pid of its holder."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Callable

from .errors import AskclinicError


class BuildLock:
    """The file `name` in `root` holding the builder's pid, flock-ed while the build runs. A
    second build waits (wait=True) or stops with a message; a lock left by a dead process is
    taken over (by one process only, even when several find it at once)."""

    def __init__(
        self,
        root: Path,
        name: str,
        wait: bool = False,
        log: Callable[[str], None] = print,
        what: str = "index build",
    ):
        self.path, self.wait, self.log, self.what = Path(root) / name, wait, log, what
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        announced = False
        while True:
            holder = self._try()
            if holder is None:
                return self
            if holder < 0:  # the file was replaced while we locked it: look again
                continue
            if not self.wait:
                raise AskclinicError(
                    f"another {self.what} (pid {holder or '?'}) is running on {self.path.parent}; "
                    "wait for it to finish (or pass --wait)"
                )
            if not announced:
                self.log(f"waiting for the {self.what} of pid {holder or '?'} to finish...")
                announced = True
            time.sleep(0.2)

    def _try(self) -> int | None:
        """Take the lock (None), or the pid holding it (0: unknown, -1: try again)."""
        import fcntl

        try:  # never through a link: that would write wherever it points
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno != errno.ELOOP:
                raise
            raise AskclinicError(
                f"{self.path} is a link, not a lock file; delete the link and run the command again"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(self.path).st_ino:
                raise FileNotFoundError  # its holder removed it as we opened it
        except (BlockingIOError, FileNotFoundError) as e:
            os.close(fd)
            return -1 if isinstance(e, FileNotFoundError) else self._holder()
        try:
            pid = int(os.pread(fd, 32, 0).decode().strip() or 0)
        except (ValueError, UnicodeDecodeError):
            pid = 0
        if pid and pid != os.getpid():  # its holder died without unlocking
            self.log(f"taking over a stale build lock ({self.path}: pid {pid} is not running)")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return None

    def _holder(self) -> int:
        try:
            return int(self.path.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def __exit__(self, *exc):
        if self.fd is not None:  # remove the file while still holding it, then let go
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None
