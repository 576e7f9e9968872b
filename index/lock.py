"""One writer per index: an exclusive lock file in the index directory, naming its holder.

Two processes writing one index would each keep their own vector store and lexical index in
memory, and neither would see the other's writes. The lock (flock, released by the kernel
when its holder dies, so a SIGKILL leaves no stale lock) names the holder's pid and, for a
server, the URL where documents can be sent instead.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

FILENAME = "writer.lock"


@dataclass(frozen=True)
class Owner:
    pid: int | None = None
    url: str | None = None  # a server's address: writes go there while it runs


class IndexBusy(RuntimeError):
    def __init__(self, directory: Path, owner: Owner) -> None:
        self.owner = owner
        who = f"process {owner.pid}" if owner.pid else "another process"
        if owner.url:
            how = (
                f"it is served at {owner.url}: `newsrag index` sends documents there itself "
                f"(or pass --server {owner.url}); stop the server to write it directly"
            )
        else:
            how = "wait for that process to finish, or stop it"
        super().__init__(f"the index at {directory} is open for writing by {who}; {how}")


class WriterLock:
    """Held from construction to `release`; raises IndexBusy if another process holds it."""

    def __init__(self, directory: Path, wait: float = 0.0) -> None:
        self.path = directory / FILENAME
        self._file: IO[str] | None = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + wait
        while not _try_lock(self._file):
            if time.monotonic() >= deadline:
                self._file.close()
                raise IndexBusy(directory, read_owner(directory))
            time.sleep(0.1)
        self._write(Owner(os.getpid()))

    def announce(self, url: str) -> None:
        """Tells other processes where this one serves the index."""
        self._write(Owner(os.getpid(), url))

    def _write(self, owner: Owner) -> None:
        assert self._file is not None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps(asdict(owner)))
        self._file.flush()

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def read_owner(directory: Path) -> Owner:
    """Who holds the lock, as it said (an empty Owner where it said nothing yet)."""
    try:
        found = json.loads((directory / FILENAME).read_text("utf-8") or "{}")
        return Owner(found.get("pid"), found.get("url"))
    except (OSError, ValueError, AttributeError):
        return Owner()


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
