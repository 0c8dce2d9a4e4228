"""Request meta keys and stats keys, each defined once.

Components talk to each other through request meta (routing as data: plain JSON
values, so requests stay serializable for ``JOBDIR``, the frontier and Redis) and
report through the crawl's stats. Both are strings that several modules must spell
alike, so they are named here and imported everywhere, never written out.
"""

from __future__ import annotations

from scrapy.crawler import Crawler

# --- Request meta ----------------------------------------------------------------------
#: Every meta key the project sets starts with this (Scrapy's own keys do not).
OWN_META_PREFIX = "newsbot_"
#: What a request is for: ``"category"``, ``"listing"`` (pagination), ``"story"``, ``"topic"``.
ROLE = "newsbot_role"
#: Fetch this URL with the browser (a challenge, or a body only JavaScript renders).
BROWSER = "newsbot_browser"
#: A story page sent to the browser because its raw HTML had no body (circuit breaker).
EMPTY_BODY_RETRY = "newsbot_empty_body_retry"
#: Pages of this listing, so far, that held only known stories (incremental cut).
KNOWN_PAGES = "newsbot_known_pages"
#: A known story fetched again to catch an edit (``recheck_hours``).
RECHECK = "newsbot_recheck"
#: Set on a story's response: its publication date, for the topics it names.
PUBLISHED_AT = "newsbot_published_at"
#: The request stays in this process: never put in a shared (Redis) queue.
LOCAL = "newsbot_local"
#: The request that releases the staged stories.
RELEASE = "newsbot_release"
#: Body bytes received by the current download attempt (``failures.py``).
BYTES_RECEIVED = "newsbot_bytes_received"
#: Why the download failed, for the errback's log line (``failures.py``).
FAILURE_REASON = "newsbot_failure"
#: A digest of the story links of the listing page a next page was found on: a page
#: showing the same ones (``?page=N`` ignored by the server, a page linking itself) ends
#: the walk (``urdupoint.UrdupointSpider.parse_listing``).
LISTING_DIGEST = "newsbot_listing_digest"
#: How many times this request waited for a 429's ``Retry-After``.
#: The topic policy's own plan request (newsbot/spidermiddlewares/topics.py).
TOPIC_PLAN = "newsbot_topic_plan"
#: On a listing request: stories fetched earlier in this very run are known ground too.
#: Set on the topic policy's visits (made after the fresh sources were read), and kept
#: along their pagination: a topic page holding only stories this run already found has
#: nothing new, and its next page is not fetched.
RUN_IS_KNOWN = "newsbot_run_is_known"
RATE_LIMIT_WAITS = "newsbot_rate_limit_waits"

# --- Stats keys (prefixes end with "/") --------------------------------------------------
STATS = "newsbot/"
PAGES = STATS + "pages/"  # story, category, listing, topic pages parsed
EMPTY_LISTING = STATS + "empty_listing/"
ERRORS = STATS + "errors/"  # parse, http_<status>, <exception class>
FIELDS = STATS + "fields/"  # <field>/<signal it came from>, <field>/disagree
DROPPED = STATS + "dropped/"  # <reason>: every story not written
STAGED = STATS + "staged"
#: Stories fetched again (full=1, a lost state) that the feed already holds: not written,
#: and no drop either (nothing of the corpus is missing).
UNCHANGED = STATS + "stories/unchanged"
#: Such stories whose body is not the one emitted: not written either (not rechecked, so
#: not an edit: a run that has not learned the boilerplate yet sees other bodies), and
#: not called unchanged, which the body hash says they are not.
BODY_DIFFERS = STATS + "stories/refetched_body_differs"
#: Drops whose story and reason the drops file already holds (a ``full=1`` re-crawl):
#: counted under ``dropped/<reason>`` as usual, not written again.
ALREADY_RECORDED = STATS + "drops/already_recorded"
#: Drops files whose torn last line (a full disk, a kill in mid-write) was cut before
#: the first new record, which would otherwise have been glued to it.
DROPS_TORN_LINE = STATS + "drops/torn_line_cut"
#: The default feed lost the stories earlier runs wrote (deleted, emptied): how many.
FEED_LOST = STATS + "corpus/feed_lost_stories"
#: The default feed was rotated (moved aside) since the last run.
FEED_ROTATED = STATS + "corpus/feed_rotated"
BLOCKED_CHALLENGE = STATS + "blocked/challenge"
BROWSER_STATS = STATS + "browser/"  # challenged, pages
RATE_LIMITED = STATS + "rate_limited"
#: HTML pages labelled Latin-1/windows-1252 whose bytes are UTF-8: read as UTF-8.
CHARSET_CORRECTED = PAGES + "charset_corrected"
#: HTML pages whose decoded text holds U+FFFD (bytes not of the encoding read with).
UNDECODABLE_BYTES = PAGES + "undecodable_bytes"
FRONTIER = STATS + "frontier/"  # resumed, duplicate
INCREMENTAL = STATS + "incremental/"  # known_story_skipped, rechecked, listing_stopped...
WINDOW = STATS + "window/"  # outside: stories outside the since/until window
COVERAGE = STATS + "coverage/"  # <field>: stories emitted with it
FEED = STATS + "feed/"
TOPICS = STATS + "topics/"  # requests, new_stories, pages_over_budget...
SCALEOUT = STATS + "scaleout/"  # joined, waited


def count(crawler: Crawler, key: str, by: int = 1) -> None:
    """Add ``by`` to the crawl's stats counter ``key`` (a crawler without stats: nothing)."""
    if crawler.stats is not None:
        crawler.stats.inc_value(key, by)
