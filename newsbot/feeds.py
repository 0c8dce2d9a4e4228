"""The crawl's feeds: one writer per feed file, and a feed that cannot be written stops it.

Why: the default feed (``NEWSBOT_FEED``) is the crawl's record. A story counts as
emitted only once its line is whole in it: the state store commits a release only after
the feed is on disk, and the next run reconciles the state with the feed's lines
(``reconcile_feed``). Scrapy's own file storage broke that in three ways:

- a write error (a full disk) was a traceback per item, the crawl ended ``finished``
  with exit status 0, and the state recorded every story as written, torn line and
  missing lines included;
- a feed that could not be opened (a ``-O`` path under a file) raised in the signal
  handler that also writes the other feeds, so the default feed got nothing while the
  state recorded everything;
- two processes appending to one feed (two workers on one machine) interleaved lines
  and each "reconciled" the other's release.

So every local feed goes through ``GuardedFeedStorage``: the file is written unbuffered,
a whole line per write, and the first error (opening or writing) is reported once with
the ``record_broken`` signal (``newsbot.signals``): ``extensions.halt.Halt`` stops the
crawl with the finish reason ``feed_unwritable`` (exit status 6), the staging middleware
stops releasing and abandons the release (nothing it recorded is committed), and every
feed stops writing. A torn last line is cut at once when possible, and by the next run
otherwise. ``scrapy crawl`` also checks, before anything is fetched, that every feed can
be opened and takes the default feed's lock (``lock_feed``).
"""

from __future__ import annotations

import errno
import io
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FileFeedStorage
from scrapy.settings import BaseSettings
from scrapy.spiders import Spider
from w3lib.url import file_uri_to_path

from newsbot.signals import record_broken
from newsbot.state.lock import LockHeld, hold_lock, path_problem

logger = logging.getLogger(__name__)

FEED_UNWRITABLE = "feed_unwritable"


class FeedInUse(Exception):
    """Another live process writes this feed file."""


def feed_lock_path(path: Path) -> Path:
    """The lock file of a feed: ``<feed>.lock`` beside the file itself, symlinks resolved.

    Why resolved: a feed reached through a symlink (``b/feed.jsonl`` -> ``a/feed.jsonl``,
    a feed kept on a data disk) is one file; a lock beside the link would let two crawls
    each take "their" lock and both write every story into it.
    """
    real = path.resolve()
    return real.with_name(real.name + ".lock")


def lock_feed(path: Path) -> io.TextIOBase:
    """Take the feed's lock (``flock`` on ``<feed>.lock``, ``feed_lock_path``); keep the
    returned file open.

    Raises ``FeedInUse``, naming the feed and the other process, when one holds it.
    """
    try:
        return hold_lock(feed_lock_path(path))  # type: ignore[return-value]
    except LockHeld as held:
        raise FeedInUse(f"another process (pid {held.holder}) is writing the feed {path}") from None


#: Workers of one Redis crawl on one machine, each with its own default feed.
MAX_WORKER_FEEDS = 64


def worker_feed(feed: Path, slot: int) -> Path:
    """The default feed of the ``slot``-th worker on a machine: the feed itself, then
    ``urdupoint.2.jsonl``, ``urdupoint.3.jsonl``..."""
    return feed if slot == 1 else feed.with_name(f"{feed.stem}.{slot}{feed.suffix}")


def lock_worker_feed(feed: Path) -> tuple[io.TextIOBase, Path]:
    """Lock the first free worker feed of ``feed`` (Redis mode, ``NEWSBOT_FEED`` not set).

    Why: workers on one machine run the same command in the same directory, and a feed
    has one writer. The first worker writes ``feed`` (as a single process would), the
    next ones ``feed.2``, ``feed.3``... (``worker_feed``): a worker that comes back takes
    the lowest free one, and settles what a killed worker left in it (``reconcile_feed``).
    The corpus is the union of the feeds, as across machines.
    """
    for slot in range(1, MAX_WORKER_FEEDS + 1):
        path = worker_feed(feed, slot)
        try:
            return lock_feed(path), path
        except FeedInUse:
            continue
    raise FeedInUse(f"{MAX_WORKER_FEEDS} workers on this machine already write {feed} and its kin")


def local_feeds(settings: BaseSettings) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The local files among ``FEEDS`` whose name is known before the spider opens, each
    with its options (``overwrite``...)."""
    for uri, options in settings.getdict("FEEDS").items():
        text = str(uri)
        scheme = urlparse(text).scheme
        if scheme == "file":
            text = file_uri_to_path(text)
        elif scheme:
            continue  # s3://, ftp://...: not a local file
        if "%(" not in text:  # %(time)s and the like are known when the spider opens
            yield Path(text), dict(options or {})


def local_feed_paths(settings: BaseSettings) -> Iterator[Path]:
    """The local files among ``FEEDS`` whose name is known before the spider opens."""
    for path, _ in local_feeds(settings):
        yield path


def same_file(one: Path, other: Path) -> bool:
    """``one`` and ``other`` name one file: the same path once made absolute (from the
    current directory, as Scrapy opens a feed) and rid of symlinks, existing or not."""
    return one.resolve() == other.resolve()


def check_feed(path: Path) -> str | None:
    """None when ``path`` can be opened for appending, else why not; leaves nothing behind."""
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        return path_problem(path, exc)
    if not existed:
        path.unlink(missing_ok=True)
    return None


class GuardedFile(io.RawIOBase):
    """A feed file written without a buffer; the first error is reported, later writes dropped.

    Each ``write`` is a whole line of the JSON Lines exporter: written in full or, when
    the disk refuses part of it, cut off again (``ftruncate`` needs no space), so the
    file ends with whole lines. Once failed or silenced it writes nothing more.
    """

    def __init__(self, path: Path, mode: str, report: Callable[[str], None]):
        super().__init__()
        self.path = path
        self._report = report
        self._raw: io.FileIO | None = None
        self._good = 0
        self.failed = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._raw = io.FileIO(path, mode.replace("b", ""))
            self._good = os.fstat(self._raw.fileno()).st_size
        except OSError as exc:
            self._fail(f"cannot open the feed {path}: {path_problem(path, exc)}")

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self.failed or self._raw is None:
            return len(view)
        written = 0
        try:
            while written < len(view):
                count = self._raw.write(view[written:])
                if not count:
                    raise OSError(errno.EIO, "the file took no bytes")
                written += count
        except OSError as exc:
            self._fail(f"cannot write the feed {self.path}: {exc.strerror or exc}")
            return len(view)
        self._good += written
        return len(view)

    def silence(self) -> None:
        """Write nothing more (the crawl's record broke elsewhere); report nothing."""
        self.failed = True

    def _fail(self, message: str) -> None:
        if self.failed:
            return
        self.failed = True
        if self._raw is not None:
            try:
                os.ftruncate(self._raw.fileno(), self._good)  # no torn line
            except OSError:
                pass  # the next run's reconcile_feed cuts it
        self._report(message)

    def close(self) -> None:
        if self.closed:
            return
        if self._raw is not None:
            try:
                self._raw.close()
            except OSError as exc:
                self._fail(f"cannot write the feed {self.path}: {exc.strerror or exc}")
        super().close()


class GuardedFeedStorage(FileFeedStorage):
    """Scrapy's file feed storage, for every local feed: errors stop the crawl, once.

    Registered for the ``file`` scheme and plain paths (``FEED_STORAGES``, by the
    ``DefaultFeed`` add-on). After any ``record_broken`` (this feed's, another feed's,
    the state's), it writes nothing more: what passes the pipelines from then on is not
    recorded anywhere, and stays staged for the next run.
    """

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        crawler: Crawler | None = None,
    ):
        super().__init__(uri, feed_options=feed_options)
        self.crawler = crawler
        self._file: GuardedFile | None = None
        self._silenced = False

    @classmethod
    def from_crawler(
        cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
    ) -> GuardedFeedStorage:
        storage = cls(uri, feed_options=feed_options, crawler=crawler)
        crawler.signals.connect(storage.record_broken, signal=record_broken)
        return storage

    def open(self, spider: Spider) -> GuardedFile:  # type: ignore[override]
        self._file = GuardedFile(Path(self.path), self.write_mode, self._broken)
        if self._silenced:
            self._file.silence()
        return self._file

    def record_broken(self, **kwargs: Any) -> None:
        self._silenced = True
        if self._file is not None:
            self._file.silence()

    def _broken(self, message: str) -> None:
        if self.crawler is None:
            logger.error("%s", message)
            return
        self.crawler.signals.send_catch_log(record_broken, reason=FEED_UNWRITABLE, message=message)
