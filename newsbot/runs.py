"""A run's identity and its record: run id, per-run report, index of recent runs, corpus tally.

One report file for every run was overwritten by any other run: another state directory,
the other Redis worker (which said ``"stories_emitted": 0`` after a round that emitted
41), the next Scrapyd job. So each run keeps its own record, beside the state it used
(``NewsbotConfig.runs_dir``, ``<state_dir>/reports/<spider>/``):

- ``<run>.json``: the run's validation report, named by its run id (``run_id``), deleted
  when the run leaves the index;
- ``runs.jsonl``: one line per run, the last ``KEEP_RUNS``, oldest first;
- ``corpus.json``: the default feed's stories by publication day and by category, with
  the byte offset counted so far: each run reads only what was appended since, so it
  stays cheap for a feed of a million stories (``update_tally``). It also tells the next
  run what became of the feed it counted (``feed_change``): rotated, or lost;
- ``runs.html``: the page an operator opens (``newsbot.report_html``).

Processes that share the directory (Redis workers on one machine) take turns through
``locked``; every file is replaced atomically (written aside, then renamed), so a reader
or a kill never sees half a file.
"""

from __future__ import annotations

import bz2
import fcntl
import gzip
import hashlib
import io
import json
import logging
import lzma
import os
import re
import socket
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from newsbot.config import NewsbotConfig

logger = logging.getLogger(__name__)

#: Runs kept in the index (``runs.jsonl``) and drawn on the page: about a week of hourly runs.
KEEP_RUNS = 200
INDEX = "runs.jsonl"
TALLY = "corpus.json"
PAGE = "runs.html"

#: When this process started: the run's time when the stats have no ``start_time``.
_PROCESS_STARTED = datetime.now(UTC)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def make_run_id(*, job: str | None, started: datetime, pid: int, worker: str | None) -> str:
    """A run's id, safe as a file name: Scrapyd's job id, else a UTC time and the pid.

    In Redis mode several workers share one round (and, under Scrapyd, maybe one
    schedule), so the worker (``host-pid``) is part of the id. A job id comes from a
    request to Scrapyd: anything but letters, digits, ``.``, ``_`` and ``-`` is replaced,
    so it can never name a path outside the reports directory.
    """
    if job:
        base = job
    else:
        base = started.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        if worker is None:
            base = f"{base}-{pid}"
    if worker is not None:
        base = f"{base}-{worker}"
    safe = _UNSAFE.sub("_", base).strip("._-")[:120]
    return safe or f"run-{pid}"


def run_id(crawler: Crawler) -> str:
    """This crawl's run id (the same for every component that asks, once the spider opened).

    The job id is Scrapyd's ``_job`` spider argument (``SCRAPY_JOB`` in the environment
    for older Scrapyd versions); the time is the crawl's ``start_time`` stat.
    """
    job = getattr(crawler.spider, "_job", None) or os.environ.get("SCRAPY_JOB")
    started = crawler.stats.get_value("start_time") if crawler.stats else None
    if not isinstance(started, datetime):
        started = _PROCESS_STARTED
    worker = None
    if NewsbotConfig.from_crawler(crawler).redis_url:
        worker = f"{socket.gethostname()}-{os.getpid()}"
    return make_run_id(
        job=str(job) if job else None, started=started, pid=os.getpid(), worker=worker
    )


# --- files ----------------------------------------------------------------------------------


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold ``<directory>/.lock`` (``flock``): one process at a time updates the record."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once: written aside, synced, renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with aside.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(aside, path)


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def read_runs(index: Path) -> list[dict[str, Any]]:
    """The runs in the index, oldest first; a line that does not parse is skipped, said once."""
    if not index.exists():
        return []
    runs, bad = [], 0
    with index.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                run = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if isinstance(run, dict):
                runs.append(run)
            else:
                bad += 1
    if bad:
        logger.warning("Skipped %d unreadable lines of the runs index %s", bad, index)
    return runs


def append_run(index: Path, entry: dict[str, Any], keep: int = KEEP_RUNS) -> list[dict[str, Any]]:
    """Add a run to the index, keep the last ``keep``; returns them. Call under ``locked``.

    The report files (``<run>.json``) of the runs that leave the index are deleted with
    them: hourly runs would otherwise leave some 8,760 files a year that nothing reads.
    Only those: a report another worker wrote but has not indexed yet is left alone.
    """
    every = [*read_runs(index), entry]
    runs = every[-keep:]
    write_atomic(index, "".join(json.dumps(run, ensure_ascii=False) + "\n" for run in runs))
    kept = {_report_name(run) for run in runs}
    for run in every[:-keep]:
        name = _report_name(run)
        if name is None or name in kept:
            continue
        try:
            (index.parent / name).unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("Could not delete the old run report %s: %s", index.parent / name, exc)
    return runs


def _report_name(run: dict[str, Any]) -> str | None:
    """The file name of an indexed run's report (``report``, else ``<run>.json``); None when
    it is not a plain ``.json`` name of the reports directory (an index edited by hand
    must not delete anything else)."""
    name = run.get("report") or (f"{run['run']}.json" if run.get("run") else None)
    if not isinstance(name, str) or not name.endswith(".json") or name in {TALLY, INDEX}:
        return None
    if name != Path(name).name or name.startswith("."):
        return None
    return name


# --- the corpus, counted from the feed ----------------------------------------------------


@dataclass
class CorpusTally:
    """The stories of a feed by publication day (site's date) and category.

    ``offset`` is how many bytes of ``feed`` are counted: whole lines only, so a line a
    crawl is still writing (or a kill cut) is counted once complete.
    """

    feed: str
    offset: int = 0
    stories: int = 0
    unreadable: int = 0
    by_day: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    #: The counted file's device and inode (0: not known, a tally from before them): a
    #: feed replaced by another file is counted afresh, and a rotated one found by them.
    device: int = 0
    inode: int = 0
    #: SHA-256 of the counted file's first ``head_size`` bytes (``HEAD_BYTES`` at most):
    #: a rotated copy (logrotate's ``copytruncate``, ``compress``) is a new inode, found
    #: by its first bytes instead ("": not known).
    head: str = ""
    head_size: int = 0

    @classmethod
    def load(cls, path: Path, feed: Path) -> CorpusTally:
        """The tally of ``feed`` kept at ``path``; a new one if it is missing or another feed's."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            tally = cls(**data)
        except FileNotFoundError:
            return cls(str(feed))
        except (ValueError, TypeError) as exc:
            logger.warning("Counting the corpus again: %s is unreadable (%s)", path, exc)
            return cls(str(feed))
        return tally if tally.feed == str(feed) else cls(str(feed))

    def count(self, feed: Path) -> int:
        """Count what was appended to ``feed`` since the last time; returns the stories added.

        A feed smaller than the offset, another file than the one counted (deleted and
        written anew, rotated), or one that no longer starts as counted (emptied in place
        by logrotate's ``copytruncate``, then written past the offset) is counted afresh.
        """
        identity = file_identity(feed)
        size = feed.stat().st_size if identity else 0
        if identity is not None and self.head:
            # Emptied in place (copytruncate) and written past the old offset since, or
            # another file; a copy of the counted one (restored, another disk) is not.
            replaced = _head_of(feed, self.head_size, compressed=False) != self.head
        else:
            replaced = bool(self.inode) and identity is not None and identity != self.identity
        if size < self.offset or replaced:
            logger.info("The feed %s was replaced: counting its corpus afresh", feed)
            self.offset = self.stories = self.unreadable = 0
            self.by_day, self.by_category = {}, {}
            self.head, self.head_size = "", 0
        if identity is not None:
            self.device, self.inode = identity
        if size == self.offset and self.head_size >= min(HEAD_BYTES, self.offset):
            return 0
        added = 0
        with feed.open("rb") as handle:
            handle.seek(self.offset)
            for line in handle:
                if not line.endswith(b"\n"):
                    break  # not complete yet: counted by a later run
                self.offset += len(line)
                added += self._add(line)
            if self.head_size < min(HEAD_BYTES, self.offset):
                handle.seek(0)
                self.head_size = min(HEAD_BYTES, self.offset)
                self.head = hashlib.sha256(handle.read(self.head_size)).hexdigest()
        return added

    def _add(self, line: bytes) -> int:
        if not line.strip():
            return 0
        try:
            day, category = _day_and_category(line)
        except (ValueError, AttributeError):
            self.unreadable += 1
            return 0
        self.stories += 1
        self.by_day[day] = self.by_day.get(day, 0) + 1
        self.by_category[category] = self.by_category.get(category, 0) + 1
        return 1

    @property
    def identity(self) -> tuple[int, int]:
        return self.device, self.inode

    def save(self, path: Path) -> None:
        write_json(path, asdict(self))


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None when there is none."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


@dataclass(frozen=True)
class FeedChange:
    """The feed no longer holds the stories earlier runs counted in it.

    ``rotated_to``: the file that holds them now (moved aside in the feed's directory,
    found by its inode); None when they are nowhere to be found (deleted, emptied,
    moved out of the directory).
    """

    feed: Path
    stories: int
    rotated_to: Path | None


#: Files of the feed's directory looked at for a rotated feed, at most.
ROTATION_SCAN_MAX = 10_000
#: The feed's first bytes that identify a rotated copy of it (a few story lines).
HEAD_BYTES = 4096


def feed_change(tally: CorpusTally, feed: Path) -> FeedChange | None:
    """What became of the stories ``tally`` counted in ``feed``; None: they are there.

    Why: the state remembers every story of the feed as written and never writes it
    again, so a feed deleted between runs is a corpus gone for good, and the next run,
    writing only new stories, said nothing of it. A rotated feed (``mv`` or logrotate:
    the same file under another name beside it, or a copy of it: ``copytruncate``,
    ``compress``) is no loss. Both start a new feed; only
    the loss needs a person.
    """
    if not tally.offset or not tally.stories:
        return None
    identity = file_identity(feed)
    size = feed.stat().st_size if identity else 0
    same = identity is not None and (not tally.inode or identity == tally.identity)
    if same and size >= tally.offset:
        return None
    if identity is not None and size >= tally.offset and tally.head:
        # Another inode (or device) holding what was counted: the feed copied back from
        # a backup, as the WARNING asks, or moved with its directory to another disk (a
        # remounted network or overlay file system renumbers its device too).
        if _head_of(feed, tally.head_size, compressed=False) == tally.head:
            return None
    rotated = _find_file(feed.resolve(), tally.identity, tally.offset) if tally.inode else None
    if rotated is None and tally.head:
        rotated = _find_copy(feed.resolve(), tally)
    return FeedChange(feed, tally.stories, rotated)


def _find_copy(feed: Path, tally: CorpusTally) -> Path | None:
    """A copy of the counted feed beside it, named after it (``urdupoint.jsonl.1``,
    ``urdupoint.jsonl-20261130.gz``, ``urdupoint-20261130.jsonl`` with logrotate's
    ``extension``: its ``copytruncate`` or ``compress``), that starts with the counted
    file's first bytes; a plain one must hold all it counted."""
    stem = feed.name.partition(".")[0]
    try:
        with os.scandir(feed.parent) as entries:
            for seen, entry in enumerate(entries):
                if seen >= ROTATION_SCAN_MAX:
                    return None
                name = entry.name
                if name == feed.name or not name.startswith(stem):
                    continue
                if not entry.is_file() or name.endswith((".lock", ".site")):
                    continue
                compressed = name.endswith(tuple(COMPRESSED))
                if not compressed and entry.stat().st_size < tally.offset:
                    continue
                if _head_of(Path(entry.path), tally.head_size, compressed) == tally.head:
                    return Path(entry.path)
    except OSError:
        return None
    return None


#: Rotated copies read decompressed, by suffix: logrotate's ``compress`` gzips by default;
#: ``compresscmd xz`` / ``bzip2`` (``compressext``) are as usual, and a copy of those not
#: read was a lost feed at every rotation.
COMPRESSED: dict[str, Callable[[Path], io.BufferedIOBase]] = {
    ".gz": lambda path: gzip.open(path, "rb"),
    ".xz": lambda path: lzma.open(path, "rb"),
    ".lzma": lambda path: lzma.open(path, "rb"),
    ".bz2": lambda path: bz2.open(path, "rb"),
}


def _head_of(path: Path, size: int, compressed: bool) -> str | None:
    """SHA-256 of the first ``size`` bytes of ``path`` (decompressed); None if unreadable."""
    try:
        opened = COMPRESSED[path.suffix](path) if compressed else path.open("rb")
        with opened as handle:
            return hashlib.sha256(handle.read(size)).hexdigest()
    except (OSError, EOFError, zlib.error, lzma.LZMAError, KeyError):
        return None


def _find_file(feed: Path, identity: tuple[int, int], size: int) -> Path | None:
    """The file beside ``feed`` (not ``feed`` itself) that is ``identity`` and still
    holds ``size`` bytes at least (a hard link to an emptied feed holds nothing), if any."""
    try:
        with os.scandir(feed.parent) as entries:
            for seen, entry in enumerate(entries):
                if seen >= ROTATION_SCAN_MAX:
                    return None
                if entry.name == feed.name or entry.inode() != identity[1]:
                    continue
                found = entry.stat(follow_symlinks=False)
                if found.st_dev == identity[0] and found.st_size >= size:
                    return Path(entry.path)
    except OSError:
        return None
    return None


#: The two fields the tally needs, found without parsing the whole story: a key can only
#: match outside string values, where quotes are not escaped. 10x faster than json.loads
#: on a story line; a line they do not fit is parsed in full.
_PUBLISHED = re.compile(rb'"published_at": ?"(\d{4}-\d\d-\d\d)')
_CATEGORY = re.compile(rb'"category": ?(null|"(?:[^"\\]|\\.)*")')


def _day_and_category(line: bytes) -> tuple[str, str]:
    published, category = _PUBLISHED.search(line), _CATEGORY.search(line)
    if published and category:
        day, name = published.group(1).decode(), json.loads(category.group(1))
    else:
        story = json.loads(line)
        day, name = str(story.get("published_at") or "")[:10], story.get("category")
    # A category is a short name; a page that gives a paragraph there gets no more room.
    return day or "unknown", str(name or "")[:100] or "(none)"
