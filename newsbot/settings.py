# Scrapy settings for the newsbot project.
#
# Defaults are polite to the real site. Tests, the demo and benchmarks override
# them with -s / custom settings; never edit the defaults for a run.
#
#     https://docs.scrapy.org/en/latest/topics/settings.html

BOT_NAME = "newsbot"

SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
COMMANDS_MODULE = "newsbot.commands"


# --- Identity and politeness -------------------------------------------------------
# Crawl responsibly: say who we are and obey robots.txt. The User-Agent is
# "newsbot/<version> (+<NEWSBOT_CONTACT>)", set by the Identity add-on (below): the operator's
# e-mail or URL, so the site can reach whoever runs the crawl. Crawling urdupoint.com
# without it logs a warning. USER_AGENT set here or with -s replaces the whole header.
NEWSBOT_CONTACT = ""
ROBOTSTXT_OBEY = True

# Few requests at a time, about a second apart, adapted to the server's latency.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50%
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Transient failures: retry 5xx and timeouts; 429 waits for its Retry-After first
# (newsbot/downloadermiddlewares/ratelimit.py, at most NEWSBOT_RETRY_AFTER_MAX seconds).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
NEWSBOT_RETRY_AFTER_MAX = 120

# A story page is tens of kB: warn at 1 MB, give up at 5 MB (a PDF, a runaway page).
DOWNLOAD_WARNSIZE = 1024 * 1024
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
# Items through the pipelines one at a time: they are synchronous, so more at once gains
# nothing, and the release would hold up to this many stories (and their word lists) in
# memory at once: 100 stories near DOWNLOAD_MAXSIZE are gigabytes (Scrapy's default is 100).
CONCURRENT_ITEMS = 1
# Scrapy's memory check every 5 s, not 60: a burst of big pages is over within a minute,
# and memusage/max (in the stats and the report) must see it.
MEMUSAGE_CHECK_INTERVAL_SECONDS = 5

# Always fetch fresh pages.
HTTPCACHE_ENABLED = False


# --- Crawl shape -------------------------------------------------------------------
# One story, one request: story URLs are fingerprinted by their id.
REQUEST_FINGERPRINTER_CLASS = "newsbot.fingerprinter.StoryIdFingerprinter"
# The crash-safe frontier (newsbot/spidermiddlewares/frontier.py) is the crawl's
# dupefilter; Scrapy's own would, after a SIGKILL under JOBDIR, remember requests the frontier lost.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
NEWSBOT_FRONTIER_ENABLED = True
# Breadth-first-ish: finish listings before diving into topics of topics.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"


# Links taken from one page, at most: a story naming thousands of topics, or a listing of
# thousands of (dead) story links, must not cost thousands of requests. Beyond them, a
# warning names the page (counters newsbot/limits/story_topics, .../listing_links).
NEWSBOT_MAX_TOPICS_PER_STORY = 50
NEWSBOT_MAX_LINKS_PER_LISTING = 500


# --- Output ------------------------------------------------------------------------
# JSON Lines, UTF-8 as text, appended across runs; no empty file when nothing is found.
# Written by the DefaultFeed add-on beside any other feed (-o/-O, Scrapyd's items_dir);
# `-s NEWSBOT_FEED=` turns it off.
NEWSBOT_FEED = "output/urdupoint.jsonl"
ADDONS = {
    "newsbot.addons.DefaultFeed": 100,
    "newsbot.addons.Identity": 105,
    "newsbot.downloadermiddlewares.challenge.BrowserAddon": 110,
    "newsbot.scaleout.RedisAddon": 120,
}
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = False


# --- Pipelines: every story once, no boilerplate stories ----------------------------
# Parsed stories are staged and released in publication order when the crawl is idle,
# so dedupe winners and learned boilerplate are deterministic
# (see newsbot/spidermiddlewares/staging.py).
# Output goes spider -> 950 -> 900 -> 800 -> engine.
SPIDER_MIDDLEWARES = {
    # skip known stories, cut listings
    "newsbot.spidermiddlewares.incremental.IncrementalMiddleware": 950,
    # hold stories for ordered release
    "newsbot.spidermiddlewares.staging.StagingMiddleware": 900,
    # topic pages under a per-run budget, in priority order (plans before the release)
    "newsbot.spidermiddlewares.topics.TopicPolicyMiddleware": 850,
    # crash-safe frontier, resume after a kill
    "newsbot.spidermiddlewares.frontier.FrontierMiddleware": 800,
}
ITEM_PIPELINES = {
    "newsbot.pipelines.rejected.RecordRejections": 100,
    "newsbot.pipelines.boilerplate.DropNonStories": 200,
    "newsbot.pipelines.boilerplate.StripBoilerplate": 300,
    "newsbot.pipelines.boilerplate.DropStubs": 400,
    "newsbot.pipelines.boilerplate.DropTemplates": 500,
    "newsbot.pipelines.dedupe.DropDuplicates": 600,
    "newsbot.pipelines.dedupe.RememberEmitted": 900,
}
EXTENSIONS = {
    # owns the crawl's state store (NEWSBOT_STATE_STORE): opens it, closes it at the end
    "newsbot.extensions.state.StateExtension": 100,
    "newsbot.extensions.drops.DropRecord": 500,
    # The alarms as monitors, run at close before the report (newsbot/monitors.py).
    "spidermon.contrib.scrapy.extensions.Spidermon": 505,
    "newsbot.extensions.report.ValidationReport": 510,
    # Each run's report, the index of recent runs, runs.html, and the closing summary.
    "newsbot.extensions.summary.RunSummary": 520,
    # A feed or the state that cannot be written stops the crawl (exit status 6 or 5).
    "newsbot.extensions.halt.Halt": 530,
    # Freed memory back to the system after pages near DOWNLOAD_MAXSIZE (glibc only).
    "newsbot.extensions.memory.MemoryTrim": 540,
}
# The crawler's memory (emitted stories, templates, boilerplate): one SQLite file per
# spider in this directory, shared by every run of that spider. Relative paths here
# (state, feeds, reports) are taken from the project root, where scrapy.cfg is
# (under Scrapyd, which has none: its current directory).
# The store's class is NEWSBOT_STATE_STORE (Redis mode sets
# newsbot.state.redis.RedisStateStore).
NEWSBOT_STATE_DIR = "output/state"
NEWSBOT_STATE_STORE = "newsbot.state.sqlite.SqliteStateStore"
# Every dropped story with its reason (%(name)s is the spider's name).
NEWSBOT_DROPPED_FEED = "output/%(name)s.dropped.jsonl"
# Stories with fewer words are stubs (video-only pages).
NEWSBOT_MIN_WORDS = 25
# A paragraph seen in more than this many stories is site boilerplate.
NEWSBOT_BOILERPLATE_MIN_STORIES = 5
# Near-duplicate: word-level edit similarity at least this (1.0 = identical words),
# among stories published within this many days of each other.
NEWSBOT_NEAR_DUPLICATE_SIMILARITY = 0.9
NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS = 14
# Drop daily template stories after the first of each series.
NEWSBOT_DROP_TEMPLATES = True


# --- The browser, only where plain HTTP fails ----------------------------------------
# Challenged pages ("Just a moment...") go through headless Chromium (scrapy-playwright),
# wired in by the BrowserAddon when Chromium exists. Debian's package by default; the
# environment variable NEWSBOT_CHROMIUM_PATH works too. PLAYWRIGHT_* settings override.
NEWSBOT_BROWSER_ENABLED = True
# A story page whose raw HTML has no body is retried once in the browser; after this many
# such pages in a row that the browser did not help either, no more (one warning).
NEWSBOT_BROWSER_RETRY_BREAKER = 5
NEWSBOT_CHROMIUM_PATH = ""
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots.txt middleware lets concurrent first requests through (scrapy#6802).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsbot.downloadermiddlewares.robotstxt.SafeRobotsTxtMiddleware": 100,
    # First in, last out: the reason a download failed for good, for the log line.
    "newsbot.downloadermiddlewares.failures.FailureReasonMiddleware": 50,
    # Before CookiesMiddleware (700) sees a browser answer: it stores the earned cookie.
    "newsbot.downloadermiddlewares.challenge.ChallengeMiddleware": 750,
    # Before RedirectMiddleware (600): never follow a redirect to another host.
    "newsbot.downloadermiddlewares.offsite.OffsiteRedirectMiddleware": 610,
    # Before RetryMiddleware (550): a 429 waits for its Retry-After.
    "newsbot.downloadermiddlewares.ratelimit.RetryAfterMiddleware": 560,
}


# --- Incremental re-crawls ----------------------------------------------------------
# A listing is followed until a page holds only known stories, plus this many more
# such pages (raise it if the site reorders its listings).
NEWSBOT_INCREMENTAL_PAGES_PAST = 0
# Topic pages (newsbot/topic_policy.py): candidates are the topics named by stories
# published within this many days; a run opens at most NEWSBOT_TOPIC_BUDGET topic pages,
# best expected yield first; a topic named and not visited since is visited within
# NEWSBOT_TOPIC_MAX_WAIT_RUNS runs (144 hourly runs: 6 days, inside the 7-day window).
# 80 topic pages keep an hourly run near 100-150 requests: 2-3 minutes at 1 request/s.
NEWSBOT_TOPIC_REVISIT_DAYS = 7
NEWSBOT_TOPIC_BUDGET = 80
NEWSBOT_TOPIC_MAX_WAIT_RUNS = 144


# --- Noticing a redesign ------------------------------------------------------------
# The end-of-crawl report; a required field missing from more than 5% of the story pages
# (at least 10 of them) ends the crawl as "site_layout_changed", exit status 3.
# Each run's report is kept in NEWSBOT_STATE_DIR/reports/<spider>/<run>.json, beside the
# index of recent runs (runs.jsonl) and their page (runs.html); NEWSBOT_REPORT gets a copy
# of the latest run's report (empty: no copy).
NEWSBOT_REPORT = "output/%(name)s.report.json"
NEWSBOT_MIN_FIELD_COVERAGE = 0.95
NEWSBOT_REPORT_MIN_PAGES = 10
# Alarms against the site's own history (newsbot/alarms.py): each good run of at least
# NEWSBOT_REPORT_MIN_PAGES stories teaches a baseline (<state dir>/<spider>.baseline.json,
# a moving average, this weight for the newest run). An alarm ends the run as
# site_layout_changed (exit 3) for a story's essentials, else degraded (exit 7), when:
# a field's coverage falls this far below its usual (first runs: the floors below),
NEWSBOT_BASELINE_WEIGHT = 0.3
NEWSBOT_ALARM_COVERAGE_DROP = 0.3
NEWSBOT_ALARM_FIRST_RUN_COVERAGE = {
    "url": 0.95, "article_id": 0.95, "title": 0.95, "published_at": 0.95, "body": 0.95,
    "section": 0.95, "word_count": 0.95, "content_hash": 0.95, "crawled_at": 0.95,
}  # fmt: skip
# a field's usual signal (say its byline) fills it on this share fewer story pages,
NEWSBOT_ALARM_SIGNAL_DROP = 0.2
# stubs, challenges, not-found pages... rise by this share of the story pages.
NEWSBOT_ALARM_DROP_RATE_RISE = 0.2

# --- Alerts: the alarms reach a person (Spidermon, newsbot/monitors.py) ---------------
# Spidermon runs the alarms as monitors at the end of every crawl; when one fails, it runs
# the actions listed here, each configured by its own SPIDERMON_* settings. For example:
#   "spidermon.contrib.actions.email.smtp.SendSmtpEmail"  (SPIDERMON_SMTP_HOST, _USER, ...,
#       SPIDERMON_EMAIL_TO, SPIDERMON_EMAIL_SUBJECT)
#   "spidermon.contrib.actions.slack.notifiers.SendSlackMessageSpiderFinished"
#   "spidermon.contrib.actions.telegram.notifiers.SendTelegramMessageSpiderFinished"
#   "spidermon.contrib.actions.discord.notifiers.SendDiscordMessageSpiderFinished"
#       (SPIDERMON_DISCORD_WEBHOOK_URL: any HTTP endpoint that takes a JSON POST)
#   "spidermon.contrib.actions.reports.files.CreateFileReport"  (an HTML page)
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ("newsbot.monitors.CrawlMonitorSuite",)
NEWSBOT_ALERT_ACTIONS: list[str] = []
# What an alert says: the spider, then each failed monitor with its alarms (Spidermon's own
# templates give only the monitors' names). The same Jinja text for every channel.
NEWSBOT_ALERT_MESSAGE = (
    "{{ data.sc_spider_name }} finished with alarms:\n"
    "{% for r in result.monitors_failed_results %}- {{ r.monitor.name }}: "
    "{{ (r.error or r.reason or '').strip().splitlines()[-1] | replace('AssertionError: ', '') }}\n"
    "{% endfor %}See the crawl's report (NEWSBOT_REPORT) and its last log line."
)
SPIDERMON_DISCORD_MESSAGE = NEWSBOT_ALERT_MESSAGE
SPIDERMON_SLACK_MESSAGE = NEWSBOT_ALERT_MESSAGE
SPIDERMON_TELEGRAM_MESSAGE = NEWSBOT_ALERT_MESSAGE
SPIDERMON_BODY_TEXT = NEWSBOT_ALERT_MESSAGE
SPIDERMON_EMAIL_SUBJECT = "newsbot: {{ data.sc_spider_name }} finished with alarms"


# --- Scale-out: several processes on one crawl (newsbot/scaleout.py) ----------------
# Set to a Redis URL (redis://host:6379/0) to share the scheduler queue, the dupefilter
# and the crawler's state between processes on any machines; empty: one process, no
# server. Keys start with NEWSBOT_REDIS_PREFIX:<spider>.
NEWSBOT_REDIS_URL = ""
NEWSBOT_REDIS_PREFIX = "newsbot"


# --- Logging -----------------------------------------------------------------------
LOG_LEVEL = "INFO"
# One INFO line per dropped story: "Dropped <url>: <reason>".
LOG_FORMATTER = "newsbot.extensions.drops.DropLogFormatter"
