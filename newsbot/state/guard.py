"""A state file that cannot be written or read stops the crawl; it never half-commits.

Why: SQLite answers a full disk (``database or disk is full``) or a damaged file
(``database disk image is malformed``, ``file is not a database``) with an exception
from whichever statement hit it, in whichever component ran it. Left alone, each one
was a traceback and the crawl went on: its requests were forgotten and found again
forever, and a later commit that did succeed wrote part of a transaction (a request
marked done without the story it staged), so stories were lost for good.

``GuardedConnection`` (the store's ``sqlite3`` connection) turns the first such error
into one decision: roll back to the last commit, which is consistent by construction
(see ``frontier.py``), never commit again in this process, and tell the crawl through
``on_failure`` (a message naming the file and what to do), which stops it with the
finish reason ``state_unusable`` (exit status 5). Later writes are ignored quietly, so
the requests and stories still in flight neither log a traceback each nor change the
file; a later read that fails raises ``StateUnusable``. The next run, once space is
freed, resumes from the last commit and loses nothing.

The state file deleted while a crawl runs (its directory removed by a clean-up, an
operator starting afresh) is such a failure too: SQLite keeps writing the open, unlinked
file, every commit succeeds and the whole run's memory vanishes when it closes. So each
commit (and the crawl's end, ``check_file``) first checks that the path still names the
file opened (same device and inode); when it does not, the crawl stops the same way.

``check_state`` is the start-up check (``PRAGMA quick_check``) run by ``scrapy crawl``
before anything is fetched, and ``scrapy rebuild-state`` rebuilds a damaged file from
the feed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Words of SQLite errors that mean the file itself is damaged (not the disk full).
_DAMAGED = ("malformed", "not a database", "corrupt")


class StateUnusable(sqlite3.DatabaseError):
    """The state file cannot be read or written; the message names it."""


def is_storage_error(exc: BaseException) -> bool:
    """Errors of the file or the disk, not of the SQL (constraints, misuse)."""
    return type(exc) in (sqlite3.DatabaseError, sqlite3.OperationalError, StateUnusable)


def describe_failure(path: Path | str, error: BaseException | str) -> str:
    """One line naming the file, the error and what to do."""
    if any(word in str(error).lower() for word in _DAMAGED):
        return (
            f"the state {path} is damaged ({error}); rebuild it from the feed with "
            f"`scrapy rebuild-state {Path(path).stem}` (it moves the damaged file aside)"
        )
    return (
        f"the state {path} cannot be written ({error}); free space (or fix its permissions), "
        f"then run the same command again: the crawl resumes from the last commit"
    )


def describe_deleted(path: Path | str, now: str) -> str:
    """One line for a state file that is no longer at its path: what is lost, what to do."""
    return (
        f"the state {path} was {now} while the crawl ran: nothing this run recorded in it "
        "is kept. Run the same command again: it starts a new state beside the feed (the "
        "stories already in the feed count as written); if the state directory was removed "
        "on purpose, check what removes it"
    )


def _file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def check_state(path: Path) -> str | None:
    """``PRAGMA quick_check`` of an existing state file: None when sound, else the problem."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(path)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = [row[0] for row in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()
    if rows != ["ok"]:
        return "database disk image is malformed: " + "; ".join(map(str, rows[:3]))
    return None


class _NoRows:
    """What an ignored write returns: a cursor that changed nothing and holds no row."""

    rowcount = 0
    lastrowid = None

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())


#: The plain statement, called without a bound method made for each.
_EXECUTE = sqlite3.Connection.execute


class GuardedConnection(sqlite3.Connection):
    """``sqlite3.connect(path, factory=GuardedConnection)``: see the module docstring."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        self.state_path = str(database)
        self.failure: str | None = None
        self.on_failure: Callable[[str], None] | None = None
        #: The file opened (device, inode): the path must still name it (``check_file``).
        self._opened = _file_identity(self.state_path)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        # ``_guard`` written in place: a released story runs some eight statements, and a
        # frame and a ``super()`` each were a tenth of a statement's cost.
        try:
            return _EXECUTE(self, sql, parameters)
        except sqlite3.DatabaseError as exc:
            return self._failed(exc, sql)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self._guard(super().executemany, sql, parameters)

    def executescript(self, script: str, /) -> Any:
        return self._guard(super().executescript, script)

    def commit(self) -> None:
        if self.failure is None and self.check_file():
            self._guard(super().commit)

    def check_file(self) -> bool:
        """Whether the state's path still names the file opened; if not, it failed.

        Costs one ``stat``: cheap beside a commit's fsync. A database that is no file
        (``:memory:``) is not checked.
        """
        if self.failure is not None or self._opened is None:
            return self.failure is None
        now = _file_identity(self.state_path)
        if now == self._opened:
            return True
        self._give_up(describe_deleted(self.state_path, "deleted" if now is None else "replaced"))
        return False

    def _guard(self, call: Callable[..., Any], sql: str = "", *args: Any) -> Any:
        try:
            return call(sql, *args) if sql else call()
        except sqlite3.DatabaseError as exc:
            return self._failed(exc, sql)

    def _failed(self, exc: sqlite3.DatabaseError, sql: str) -> Any:
        """What a statement that raised ``exc`` gives: an error of the SQL raised again; a
        failed read ``StateUnusable``; a failed write ``_NoRows`` (the crawl told once)."""
        if not is_storage_error(exc):
            raise exc
        self._fail(exc)
        if _is_read(sql):
            raise StateUnusable(self.failure) from exc
        return _NoRows()

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self._give_up(describe_failure(self.state_path, exc))

    def _give_up(self, failure: str) -> None:
        """Roll back to the last commit, write nothing more, tell the crawl once."""
        if self.failure is not None:
            return
        self.failure = failure
        try:
            super().rollback()
            super().execute("PRAGMA query_only = 1")  # nothing of this process reaches the file
        except sqlite3.Error:
            pass  # the file may be unreadable: nothing is committed from now on anyway
        if self.on_failure is not None:
            self.on_failure(self.failure)
        else:
            logger.error("State unusable: %s", self.failure)


def _is_read(sql: str) -> bool:
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return verb in ("SELECT", "WITH")
