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

``check_state`` is the start-up check (``PRAGMA quick_check``) run by ``scrapy crawl``
before anything is fetched, and ``scrapy rebuild-state`` rebuilds a damaged file from
the feed.
"""

from __future__ import annotations

import logging
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


class GuardedConnection(sqlite3.Connection):
    """``sqlite3.connect(path, factory=GuardedConnection)``: see the module docstring."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any):
        super().__init__(database, *args, **kwargs)
        self.state_path = str(database)
        self.failure: str | None = None
        self.on_failure: Callable[[str], None] | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self._guard(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        return self._guard(super().executemany, sql, parameters)

    def executescript(self, script: str, /) -> Any:
        return self._guard(super().executescript, script)

    def commit(self) -> None:
        if self.failure is None:
            self._guard(super().commit)

    def _guard(self, call: Callable[..., Any], sql: str = "", *args: Any) -> Any:
        try:
            return call(sql, *args) if sql else call()
        except sqlite3.DatabaseError as exc:
            if not is_storage_error(exc):
                raise
            self._fail(exc)
            if _is_read(sql):
                raise StateUnusable(self.failure) from exc
            return _NoRows()

    def _fail(self, exc: BaseException) -> None:
        if self.failure is not None:
            return
        self.failure = describe_failure(self.state_path, exc)
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
