"""``scrapy crawl``, with an exit status that tells cron and Scrapyd what happened.

Exactly Scrapy's command, plus:

- an exit status for each way a run can go wrong, from its finish reason
  (``newsbot.exitcodes``: 3 when the site changed its layout, and so on);
- the log's last line says that status and what it means, after the run summary
  (``extensions/summary.py``);
- a ``NEWSBOT_*`` setting that does not parse stops the run before anything starts,
  with one line naming it (exit status 2);
- one crawl at a time per state file (``newsbot.state.lock``): while a crawl of the
  spider runs on that state, another one logs who holds it and exits with status 4
  without fetching anything;
- a state file that fails its check (``PRAGMA quick_check``: damaged, or not a
  database) stops the run before anything is fetched, with status 5 and the command
  that rebuilds it from the feed (``scrapy rebuild-state``);
- one writer per feed: the default feed's lock (``newsbot.feeds.lock_feed``), and every
  local feed opened once before anything is fetched; a feed in use or that cannot be
  opened (a ``-O`` path under a file) stops the run with status 6. In Redis mode with
  the default ``NEWSBOT_FEED``, workers on one machine take a feed each
  (``urdupoint.jsonl``, ``urdupoint.2.jsonl``...: ``newsbot.feeds.lock_worker_feed``);
- the spider's arguments checked before the crawler starts (``check_arguments`` on the
  spider class): an unknown or bad one is one line naming it and exit status 2, where
  Scrapy would print it inside an asyncio traceback, or keep a misspelt one silently;
  so is a spider name the project does not have (Scrapy: a ``KeyError`` traceback);
- in Redis mode, the server reached before anything is fetched (exit status 12);
- the ``NEWSBOT_STATE_STORE`` class loaded before the crawler is built: a typo is a bad
  setting (one line, exit status 2), not Scrapy's traceback (exit status 1);
- a state crawled from another host (``<spider>.site`` beside it) refused, exit status 2,
  and a feed written from another host (``<feed>.site``), exit status 6: a crawl of the
  sample site must not teach the real crawl's state its story ids (``newsbot.sitehost``);
- a run refused before its crawl started (exit 1, 2, 4, 5, 6, 12) is one ERROR line, is
  recorded in the runs index and page beside an existing state directory
  (``extensions.summary.record_refused``: an operator who looks there would otherwise
  see nothing of the hours it refused), and leaves no directory or lock file it created.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.utils.misc import load_object

from newsbot.config import ConfigError, NewsbotConfig, check_scrapy_settings, unknown_settings
from newsbot.exitcodes import REFUSED, ExitCode, describe, exit_code_for
from newsbot.extensions.summary import record_refused
from newsbot.feeds import (
    FeedInUse,
    check_feed,
    feed_lock_path,
    local_feed_paths,
    local_feeds,
    lock_feed,
    lock_worker_feed,
    same_file,
)
from newsbot.runs import make_run_id
from newsbot.sitehost import (
    SiteFileError,
    feed_lines_host,
    read_site,
    same_site,
    site_file,
    url_host,
)
from newsbot.spiders.arguments import ArgumentError
from newsbot.state.guard import check_state, describe_failure
from newsbot.state.lock import StateInUse, lock_state, path_problem

logger = logging.getLogger(__name__)

STATE_IN_USE_EXIT = ExitCode.STATE_IN_USE

#: Why a run is refused before its crawl starts: its exit status and its one log line.
Refusal = tuple[ExitCode, str]


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        self._created_files: list[Path] = []
        self._spider_name = args[0] if len(args) == 1 else None
        self._site_host: str | None = None  # the host of the spider's base_url, once checked
        try:
            config = NewsbotConfig.from_settings(self.settings)
        except ConfigError as exc:
            message = f"Not crawling: bad setting {exc}"
            self._refuse(ExitCode.BAD_ARGUMENT, message, opts, config_despite(self.settings, exc))
            return
        try:
            check_scrapy_settings(self.settings)
        except ConfigError as exc:
            message = f"Not crawling: bad setting {exc} (exit status {int(ExitCode.BAD_ARGUMENT)})"
            self._refuse(ExitCode.BAD_ARGUMENT, message, opts, config)
            return
        if unknown := unknown_settings(self.settings):
            message = f"Not crawling: unknown setting {'; '.join(unknown)}"
            self._refuse(ExitCode.BAD_ARGUMENT, message, opts, config)
            return
        if refusal := self._preflight(args, opts, config):
            self._refuse(*refusal, opts, config)
            return
        # Directories this run would create: a run refused before its crawl leaves none.
        own_files = [config.feed_path, config.dropped_path(args[0]) if len(args) == 1 else None]
        created = [
            directory
            for base in [config.state_dir, *(path.parent for path in own_files if path)]
            for directory in missing_dirs(base)
        ]
        with ExitStack() as locks:
            refusal = None
            try:
                if (lock := self._lock_state(args, config)) is not None:
                    locks.callback(lock.close)
            except StateInUse as exc:
                refusal = ExitCode.STATE_IN_USE, self._state_in_use(exc, config)
            except OSError as exc:  # the directory cannot be made (under a file, read-only)
                code = ExitCode.STATE_UNUSABLE
                refusal = (
                    code,
                    (
                        f"Not crawling: cannot use the state directory {config.state_dir}: "
                        f"{path_problem(config.state_dir, exc)} (exit status {int(code)})"
                    ),
                )
            if refusal is None:
                refusal = self._check_record(args, locks, config)
            if refusal is None:
                refusal = self._check_site(args, config)
            if refusal is None:
                self._crawlers: list[Crawler] = []
                super().run(args, opts)
                if self.exitcode and not any(
                    crawler.stats and crawler.stats.get_value("start_time")
                    for crawler in self._crawlers
                ):  # Scrapy failed before the spider opened (a class that does not load...)
                    refusal = (
                        ExitCode.ERROR,
                        (
                            "Not crawling: the crawler failed before the crawl started "
                            "(the traceback is above)"
                        ),
                    )
            if refusal is not None:
                for path in self._created_files:  # lock files and the site's host: ours only
                    path.unlink(missing_ok=True)
                remove_empty(created)
                self._refuse(*refusal, opts, config)
                return
        code, last_reason = ExitCode(self.exitcode) if self.exitcode else ExitCode.OK, None
        for crawler in self._crawlers:
            reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
            last_reason = reason
            if found := exit_code_for(reason):
                code, last_reason = found, reason
        self._finish(code, last_reason)

    def _state_in_use(self, exc: StateInUse, config: NewsbotConfig) -> str:
        """Exit 4's line: the way around it needs a state and a feed of this run's own."""
        feed = config.feed_path
        feed_note = (
            f" and its own NEWSBOT_FEED (a feed has one writer, and this run's, {feed}, "
            "is most likely that crawl's too)"
            if feed is not None and not config.redis_url
            else ""
        )
        drops_note = (
            ", and its own NEWSBOT_DROPPED_FEED and NEWSBOT_REPORT" if not config.redis_url else ""
        )
        return (
            f"Not crawling: {exc}. Wait for it to end, or give this run its own "
            f"NEWSBOT_STATE_DIR{feed_note}{drops_note} (exit status {int(ExitCode.STATE_IN_USE)})"
        )

    def _refuse(
        self,
        code: ExitCode,
        message: str,
        opts: argparse.Namespace,
        config: NewsbotConfig | None,
    ) -> None:
        """A run refused before its crawl started: its one ERROR line, its record, its status.

        The record (runs index and page) is kept where the state directory already
        exists; when it does not (or the settings that name it do not parse), the log
        line is the only record, as the README says.
        """
        logger.error("%s", message)
        spider = self._spider_name
        if config is not None and spider is not None:
            job = (opts.spargs or {}).get("_job") or os.environ.get("SCRAPY_JOB")
            run = make_run_id(
                job=str(job) if job else None,
                started=datetime.now(UTC),
                pid=os.getpid(),
                worker=None,
            )
            record_refused(config, spider, run, code, message)
        self._finish(code, REFUSED.get(code))

    def _finish(self, code: ExitCode, reason: str | None) -> None:
        """Set the exit status and say it as the log's last line, after the run summary:
        Scrapyd shows the status nowhere else."""
        self.exitcode = int(code)
        # INFO: the line that stopped the run was the ERROR (one per problem).
        logger.info("%s", describe(self.exitcode, reason))

    def _preflight(
        self, args: list[str], opts: argparse.Namespace, config: NewsbotConfig
    ) -> Refusal | None:
        """Checks that need no fetching: the spider's arguments, and Redis when used."""
        assert self.settings is not None and self.crawler_process is not None
        if len(args) != 1:
            return None  # Scrapy's own usage error
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:  # Scrapy's own answer is a 40-line traceback
            self._spider_name = None  # no runs page of a spider that does not exist
            return ExitCode.BAD_ARGUMENT, unknown_spider(
                args[0], self.crawler_process.spider_loader.list()
            )
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                arguments = check(opts.spargs)
            except ArgumentError as exc:
                return ExitCode.BAD_ARGUMENT, str(exc)
            if base_url := getattr(arguments, "base_url", None):
                self._site_host = url_host(str(base_url))
        if (refusal := self._check_paths(args[0], config)) is not None:
            return refusal
        if (problem := class_problem(config.state_store)) is not None:
            code = ExitCode.BAD_ARGUMENT
            return code, (
                f"Not crawling: bad setting NEWSBOT_STATE_STORE: {config.state_store!r} "
                f"{problem} (exit status {int(code)})"
            )
        redis_url = config.redis_url
        if redis_url and (problem := redis_problem(redis_url)):
            code = ExitCode.REDIS_UNREACHABLE
            return code, (
                f"Not crawling: the Redis server at {redacted(redis_url)} cannot be reached: "
                f"{problem} (exit status {int(code)})"
            )
        return None

    def _check_paths(self, spider: str, config: NewsbotConfig) -> Refusal | None:
        """Each file the run writes has one role: no setting names another's file.

        Why: the default feed is the crawl's record (the state remembers every story in
        it as written, and never writes it again). A ``-O`` on the feed's own path
        truncates it (Scrapy merges the option into the feed's entry); drop records in it
        are lines that are no stories; a report naming the feed, the drops file, another
        feed or the state's database replaces that file wholesale. A feed or drops file on
        a file of the state appends JSON lines into the database, or takes the state's lock
        as its own (the refusal then blamed "another process" writing the feed). Paths are
        compared resolved, so a relative path, a ``..`` or a symlink to the same file is caught.
        """
        assert self.settings is not None
        feed = config.feed_path
        dropped = config.dropped_path(spider)
        others = list(local_feeds(self.settings))
        code = ExitCode.FEED_UNWRITABLE
        state_files = self._state_files(spider, config)
        writes: list[tuple[str, Path | None]] = [
            (f"NEWSBOT_FEED={feed}", feed),
            (f"NEWSBOT_DROPPED_FEED={dropped}", dropped),
            *((f"-o/-O/FEEDS {path}", path) for path, _ in others),
        ]
        for role, target in writes:
            if target is None:
                continue
            # A feed's lock and .site file are beside it: those must not be the state's either.
            mine = [target, feed_lock_path(target), site_file(target.resolve())]
            for state_file, what in state_files:
                if any(same_file(path, state_file) for path in mine):
                    return code, (
                        f"Not crawling: {role} is {what} ({state_file}): its lines would go into "
                        "the crawler's memory, or the two would take each other's lock. "
                        f"Give the feed a file of its own (exit status {int(code)})"
                    )
            if refusal := _in_run_record(role, target, spider, config, code):
                return refusal
        if feed is not None:
            for path, options in others:
                if options.get("overwrite") and same_file(path, feed):
                    return code, (
                        f"Not crawling: -O (or FEEDS overwrite) on {path} would truncate the "
                        f"feed NEWSBOT_FEED={feed}, the crawl's record: its stories would be "
                        "lost and never written again. Use -o to add a copy, or -O with "
                        f"another path (exit status {int(code)})"
                    )
        if dropped is not None:
            feeds: list[tuple[str, Path | None]] = [
                ("NEWSBOT_FEED", feed),
                *(("-o/-O/FEEDS", path) for path, _ in others),
            ]
            for role, target in feeds:
                if target is not None and same_file(dropped, target):
                    return code, (
                        f"Not crawling: NEWSBOT_DROPPED_FEED={dropped} is the feed {role} "
                        f"({target}): drop records would be mixed with the stories. Give the "
                        f"drops a file of their own (exit status {int(code)})"
                    )
        report = config.latest_report_path(spider)
        if report is None:
            return None
        taken: list[tuple[str, Path | None]] = [
            ("the feed NEWSBOT_FEED", feed),
            ("the drops file NEWSBOT_DROPPED_FEED", dropped),
            *(("the feed given by -o/-O/FEEDS", path) for path, _ in others),
            *((what, state_file) for state_file, what in state_files),
        ]
        for role, held in taken:
            if held is not None and same_file(report, held):
                code = ExitCode.BAD_ARGUMENT
                return code, (
                    f"Not crawling: bad setting NEWSBOT_REPORT: {report} is {role}, which "
                    f"the report would replace. Give the report a file of its own "
                    f"(exit status {int(code)})"
                )
        return _in_run_record(
            f"bad setting NEWSBOT_REPORT: {report}", report, spider, config, ExitCode.BAD_ARGUMENT
        )

    @staticmethod
    def _state_files(spider: str, config: NewsbotConfig) -> list[tuple[Path, str]]:
        """The files of the spider's state that no feed, drops file or report may name,
        each with what it is (for the refusal's line)."""
        state = config.state_path(spider)
        return [
            *(
                (state.with_name(state.name + suffix), "the state's database")
                for suffix in ("", "-wal", "-shm", "-journal")
            ),
            (state.with_name(state.name + ".lock"), "the state's lock"),
            (state.with_name(f"{spider}.site"), "the state's host file"),
            # Read by every run's alarms: a feed appended to it is a baseline that no longer
            # parses (the alarms fall back to first-run thresholds, a warning each run).
            (config.state_dir / f"{spider}.baseline.json", "the alarms' baseline"),
        ]

    def _lock_state(self, args: list[str], config: NewsbotConfig) -> TextIO | None:
        """The lock of the spider's state file; None in Redis mode (shared on purpose)."""
        if len(args) != 1 or config.redis_url:
            return None  # Scrapy's own usage error for the arguments; Redis: no lock
        path = config.state_path(args[0])
        lock_file = path.with_name(path.name + ".lock")
        new = not lock_file.exists()
        handle = lock_state(path)
        if new:
            self._created_files.append(lock_file)
        return handle

    def _check_record(
        self, args: list[str], locks: ExitStack, config: NewsbotConfig
    ) -> Refusal | None:
        """Before anything is fetched: the state file is sound, and every feed is ours to write.

        Returns the exit status that stops the run and its line, or None. Holds the
        default feed's lock in ``locks`` for the whole run.
        """
        assert self.settings is not None
        if len(args) != 1:
            return None
        if not config.redis_url:
            path = config.state_path(args[0])
            if (problem := check_state(path)) is not None:
                code = ExitCode.STATE_UNUSABLE
                return code, (
                    f"Not crawling: {describe_failure(path, problem)} (exit status {int(code)})"
                )
        code = ExitCode.FEED_UNWRITABLE
        if (feed := config.feed_path) is not None:
            try:
                if self._feed_per_worker():
                    lock, path = lock_worker_feed(feed)
                    locks.enter_context(lock)
                    if path != feed:
                        logger.info(
                            "Another worker on this machine writes %s: this one writes %s",
                            feed,
                            path,
                        )
                        self.settings.set("NEWSBOT_FEED", str(path), priority="cmdline")
                else:
                    lock_file = feed_lock_path(feed)
                    new = not lock_file.exists()
                    locks.enter_context(lock_feed(feed))
                    if new:
                        self._created_files.append(lock_file)
            except FeedInUse as exc:
                return code, (
                    f"Not crawling: {exc}. A feed has one writer: give each process its own "
                    f"NEWSBOT_FEED (exit status {int(code)})"
                )
            except OSError as exc:
                return code, (
                    f"Not crawling: cannot open the feed {feed}: {path_problem(feed, exc)} "
                    f"(exit status {int(code)})"
                )
        if feed is None and not self.settings.getdict("FEEDS"):
            return code, (
                "Not crawling: no feed to write the stories to (NEWSBOT_FEED is empty and no "
                "-o/-O or FEEDS is given); they would be remembered as written and lost "
                f"(exit status {int(code)})"
            )
        dropped = config.dropped_path(args[0])
        own = [feed] if feed is not None else []
        for path in [*own, *local_feed_paths(self.settings), *filter(None, [dropped])]:
            if (problem := check_feed(path)) is not None:
                return code, (
                    f"Not crawling: cannot open the feed {path}: {problem} "
                    f"(exit status {int(code)})"
                )
        return None

    def _check_site(self, args: list[str], config: NewsbotConfig) -> Refusal | None:
        """A state and a feed hold one site: a crawl of another host on them is refused.

        ``newsbot.sitehost`` says why. The state's host is kept in ``<spider>.site`` beside
        it (SQLite states only: a Redis crawl's workers share one state on purpose and name
        their database in the URL), the feed's in ``<feed>.site``; a state or feed from
        before those files adopts this run's host (a feed: the host of its lines, when it
        has some). Another host is exit 2 on the state, 6 on the feed; a ``.site`` file
        that does not hold one host name is exit 5 or 6, naming it.
        """
        host = self._site_host
        if len(args) != 1 or host is None:
            return None
        if not config.redis_url:
            state = config.state_path(args[0])
            marker = state.with_name(f"{args[0]}.site")
            refusal = self._guard_host(
                marker,
                host,
                in_use=state.exists(),
                found=None,
                refuse_as=ExitCode.BAD_ARGUMENT,
                unreadable_as=ExitCode.STATE_UNUSABLE,
                holds=f"the state {state} holds a crawl of",
                harm="its story ids would hide this site's",
                to_adopt=f"crawl {host} on this state",
                advice=(
                    "give this crawl its own NEWSBOT_STATE_DIR, NEWSBOT_FEED, "
                    "NEWSBOT_DROPPED_FEED and NEWSBOT_REPORT"
                ),
            )
            if refusal is not None:
                return refusal
        assert self.settings is not None
        feed = NewsbotConfig.from_settings(self.settings).feed_path  # a worker's own, in Redis
        if feed is None:
            return None
        in_use = feed.is_file() and feed.stat().st_size > 0
        return self._guard_host(
            site_file(feed.resolve()),  # one file through a symlink too: one host record
            host,
            in_use=in_use,
            found=feed_lines_host(feed) if in_use else None,
            refuse_as=ExitCode.FEED_UNWRITABLE,
            unreadable_as=ExitCode.FEED_UNWRITABLE,
            holds=f"the feed {feed} holds stories of",
            harm="the next crawl on it would take them for that site's",
            to_adopt=f"write {host}'s stories into this feed",
            advice=(
                "give this crawl its own NEWSBOT_FEED (with its own NEWSBOT_STATE_DIR, "
                "NEWSBOT_DROPPED_FEED and NEWSBOT_REPORT)"
            ),
        )

    def _guard_host(
        self,
        marker: Path,
        host: str,
        *,
        in_use: bool,
        found: str | None,
        refuse_as: ExitCode,
        unreadable_as: ExitCode,
        holds: str,
        harm: str,
        to_adopt: str,
        advice: str,
    ) -> Refusal | None:
        """One holder's guard (a state or a feed): its ``.site`` file, read and compared
        with this run's host, written when the holder is new or from before the file.

        ``in_use``: the holder has something of a site already; ``found``: the host its
        contents show when its ``.site`` file is missing (a feed's lines).
        """
        try:
            known = read_site(marker)
        except SiteFileError as exc:
            return unreadable_as, (
                f"Not crawling: {marker} does not hold one host name ({exc}): write the "
                f"host it was crawled from in it, or remove it to adopt this run's "
                f"(exit status {int(unreadable_as)})"
            )
        known = known or found
        if known and in_use and not same_site(known, host):
            return refuse_as, (
                f"Not crawling: {holds} {known}, not of {host} (base_url): {harm}. To "
                f"{to_adopt} on purpose, write {host} in {marker}; else {advice} "
                f"(exit status {int(refuse_as)})"
            )
        if known != host or not marker.is_file():
            existed = marker.exists()
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.write_text(f"{host}\n", encoding="utf-8")
            except OSError as exc:  # the state's or feed's own checks say more, with a status
                logger.warning("Could not record the crawled host in %s: %s", marker, exc)
            else:
                if not existed:
                    self._created_files.append(marker)
        return None

    def _feed_per_worker(self) -> bool:
        """Redis mode with the default ``NEWSBOT_FEED``: each worker takes a feed of its own."""
        assert self.settings is not None
        project = SETTINGS_PRIORITIES["project"]
        return (
            NewsbotConfig.from_settings(self.settings).redis_url is not None
            and (self.settings.getpriority("NEWSBOT_FEED") or 0) <= project
        )

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self._crawlers.append(crawler)
        return crawler


def config_despite(settings: BaseSettings, error: ConfigError) -> NewsbotConfig | None:
    """The config with each bad setting at its default, to put the refused run on record.

    Why: a bad value (``NEWSBOT_MIN_WORDS=many``) refuses the run like a misspelt name,
    and the runs page must show both; the record needs the state directory, which is
    known unless it is itself among the bad settings (then None: the log is the record).
    """
    patched = settings.copy()
    for _ in range(len(NewsbotConfig.__dataclass_fields__)):
        bad = re.match(r"NEWSBOT_[A-Z_]+", str(error))
        if bad is None or bad.group() in ("NEWSBOT_STATE_DIR", "NEWSBOT_STATE_STORE"):
            return None
        patched.set(bad.group(), None, priority=max(SETTINGS_PRIORITIES.values()))
        try:
            return NewsbotConfig.from_settings(patched)
        except ConfigError as exc:
            error = exc
    return None


def unknown_spider(name: str, known: list[str]) -> str:
    """The one line for a spider name the project does not have, with the closest one."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"Not crawling: no spider named {name!r}{hint} known: {', '.join(sorted(known))}"


def missing_dirs(directory: Path) -> list[Path]:
    """``directory`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not directory.exists() and directory != directory.parent:
        missing.append(directory)
        directory = directory.parent
    return missing


def remove_empty(directories: list[Path]) -> None:
    """Remove each of ``directories`` that is empty, deepest first; leave the others."""
    for directory in sorted(set(directories), key=lambda path: len(path.parts), reverse=True):
        try:
            directory.rmdir()
        except OSError:
            continue  # not empty (another process's files), or already gone


def class_problem(path: str) -> str | None:
    """Why the class path ``path`` does not load as a class, or None when it does.

    Why here: the state extension loads it once the crawler is built, where a typo was a
    traceback and exit status 1, as if the program had failed, not the setting.
    """
    try:
        found = load_object(path)
    except (ImportError, AttributeError, ValueError, NameError, SyntaxError) as exc:
        return f"does not load ({type(exc).__name__}: {exc})"
    if not isinstance(found, type):
        return "is not a class"
    return None


def redis_problem(url: str, timeout: float = 5.0) -> str | None:
    """Why the Redis server at ``url`` does not answer a PING, or None when it does."""
    import redis  # only Redis mode needs the client

    try:
        with redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout) as r:
            r.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return None


def redacted(url: str) -> str:
    """The URL without its password, fit for a log line."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _in_run_record(
    role: str, target: Path, spider: str, config: NewsbotConfig, code: ExitCode
) -> Refusal | None:
    """A refusal when ``target`` lies in a spider's record of runs (``<state>/reports/<spider>/``).

    Why: that directory is the runs' own (``newsbot.runs``): each run's report, the index
    of recent runs, the corpus tally and the runs page, each replaced or appended whole. A
    feed there appended stories into the runs index; a report there cut the run history
    to one row. No file of it is anyone else's to write. A file directly in ``reports/``
    (``reports/urdupoint.report.json``, the latest report kept beside the runs') is no
    run's: refusing it stopped an hourly job that had written it for months; only a name
    a spider's directory takes (this spider's, or any directory there) is refused.
    """
    reports = (config.state_dir / "reports").resolve()
    real = target.resolve()
    if not real.is_relative_to(reports):
        return None
    parts = real.relative_to(reports).parts
    if len(parts) == 1 and parts[0] != spider and not real.is_dir():
        return None
    return code, (
        f"Not crawling: {role} lies in the state's record of runs ({reports}), whose files "
        "each run replaces or appends to. Give it a path outside that directory "
        f"(exit status {int(code)})"
    )
