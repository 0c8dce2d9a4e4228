"""One crawl at a time on a state file.

An hourly Scrapyd job whose crawl overruns the hour would otherwise run beside the next
one on the same SQLite state: both fetching, both releasing the same staged stories into
their own feeds. ``scrapy crawl`` (``commands/crawl.py``, which Scrapyd runs too) holds
this lock for the whole process; a second crawl on the same state does not start.

The lock is ``flock`` on ``<state file>.lock``: the kernel drops it when the process
ends, however it ends (even ``kill -9``), so a dead crawl never leaves it stuck. In
Redis mode (``newsbot.scaleout``) the workers share the state on purpose and take no lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO


class StateInUse(Exception):
    """Another live process holds the state file's lock."""


class LockHeld(Exception):
    """Another live process holds this lock; ``holder`` is its pid (or ``unknown``)."""

    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


def path_problem(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be created or opened, for one log line naming the culprit.

    Why: ``mkdir(parents=True)`` under a regular file fails with ``EEXIST`` ("File
    exists") or ``ENOTDIR`` depending on where the file sits, and neither names it; an
    operator who mistyped a directory needs to be told which part of the path is a file.
    """
    for parent in [path, *path.parents]:
        if parent.is_file() and parent != path:
            return f"Not a directory: {parent} is a file"
    return exc.strerror or str(exc)


def hold_lock(path: Path) -> TextIO:
    """Take the ``flock`` of ``path`` (created if missing) for this process and note our pid.

    Keep the returned file open for as long as the lock must hold. Raises ``LockHeld``
    when another process holds it. Also used for the feed's lock (``newsbot.feeds``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise LockHeld(holder) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def lock_state(state_path: Path) -> TextIO:
    """Take the lock of ``state_path`` for this process; keep the returned file open.

    Raises ``StateInUse``, naming the state file and the holder's pid, when another
    process holds it.
    """
    try:
        return hold_lock(state_path.with_name(state_path.name + ".lock"))
    except LockHeld as held:
        raise StateInUse(
            f"another crawl (pid {held.holder}) is using the state {state_path}"
        ) from None
