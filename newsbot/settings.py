# Scrapy settings for the newsbot project.
#
# Defaults are polite to the real site. Tests, the demo and benchmarks override
# them with -s / custom settings; never edit the defaults for a run.
#
#     https://docs.scrapy.org/en/latest/topics/settings.html
#
# The project's own settings (NEWSBOT_*) are named in comments below, where they
# belong, but neither set nor valued here: each has its default, type and check once, in
# newsbot/config.py, as Scrapy's own settings have theirs in
# scrapy/settings/default_settings.py. So a NEWSBOT_* value found in the settings
# is always one the user gave (-s, Scrapyd's setting=), and no default can differ
# between two files.

BOT_NAME = "newsbot"

SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
COMMANDS_MODULE = "newsbot.commands"


# --- Identity and politeness -------------------------------------------------------
# Crawl responsibly: say who we are and obey robots.txt. The User-Agent is
# "newsbot/<version> (+<NEWSBOT_CONTACT>)", set by the Identity add-on (below): the operator's
# e-mail or URL, so the site can reach whoever runs the crawl. Crawling urdupoint.com
# without it logs a warning. USER_AGENT set here or with -s replaces the whole header.
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
# One line per failed page: the spider's own "Failed <url>: <reason>" (or "HTTP 404 for
# <url>") says it, so Scrapy's "Gave up retrying" ERROR for the same request is DEBUG.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"

# A redirect loop (a page redirecting to itself, two pages to each other) costs this many
# requests plus one, for every page caught in it, every run: Scrapy's 20 made it 21 a run
# for each. A site's real chains are one or two hops (http to https, a slug changed).
REDIRECT_MAX_TIMES = 5

# A story page is tens of kB: warn at 1 MB, give up at 5 MB (a PDF, a runaway page).
DOWNLOAD_WARNSIZE = 1024 * 1024
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
# Items through the pipelines one at a time: they are synchronous, so more at once gains
# nothing, and the release would hold up to this many stories (and their word lists) in
# memory at once: 100 stories near DOWNLOAD_MAXSIZE are gigabytes (Scrapy's default is 100).
# It is the fastest too: Scrapy starts CONCURRENT_ITEMS worker tasks for every response's
# output; at 100, a crawl of 4,115 pages made 107 asyncio tasks a response (8 at 1) and
# spent 6.0 ms of CPU a page (4.3 at 1).
CONCURRENT_ITEMS = 1
# Scrapy's memory check every 5 s, not 60: a burst of big pages is over within a minute,
# and memusage/max (in the stats and the report) must see it.
MEMUSAGE_CHECK_INTERVAL_SECONDS = 5

# Always fetch fresh pages.
HTTPCACHE_ENABLED = False


# --- Crawl shape -------------------------------------------------------------------
# One story, one request: story URLs are fingerprinted by their id.
REQUEST_FINGERPRINTER_CLASS = "newsbot.fingerprinter.StoryIdFingerprinter"
# Scrapy's in-memory stats without the per-access deprecation wrapper (newsbot/stats.py).
STATS_CLASS = "newsbot.stats.NewsbotStatsCollector"
# The crash-safe frontier (newsbot/spidermiddlewares/frontier.py) is the crawl's
# dupefilter; Scrapy's own would, after a SIGKILL under JOBDIR, remember requests the frontier lost.
# NEWSBOT_FRONTIER_ENABLED turns it off only to see Scrapy's own behaviour.
DUPEFILTER_CLASS = "scrapy.dupefilters.BaseDupeFilter"
# Breadth-first-ish: finish listings before diving into topics of topics.
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"


# Links taken from one page, at most NEWSBOT_MAX_TOPICS_PER_STORY (a story's topics) and
# NEWSBOT_MAX_LINKS_PER_LISTING: a story naming thousands of topics, or a listing of
# thousands of (dead) story links, must not cost thousands of requests. Beyond them, a
# warning names the page (counters newsbot/limits/story_topics, .../listing_links).


# --- Output ------------------------------------------------------------------------
# JSON Lines, UTF-8 as text, appended across runs; no empty file when nothing is found.
# NEWSBOT_FEED is written by the DefaultFeed add-on beside any
# other feed (-o/-O, Scrapyd's items_dir); `-s NEWSBOT_FEED=` turns it off.
ADDONS = {
    "newsbot.addons.DefaultFeed": 100,
    "newsbot.addons.Identity": 105,
    "newsbot.addons.BrowserAddon": 110,
    "newsbot.addons.RedisAddon": 120,
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
    # No LogRecord built for a line no handler prints (Scrapy's per-response DEBUG lines at
    # LOG_LEVEL=INFO): the root logger at the handlers' lowest level while the engine runs.
    "newsbot.extensions.loglevel.LogThreshold": 50,
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
# The project's settings for these (defaults in newsbot/config.py):
# - NEWSBOT_STATE_DIR: the crawler's memory (emitted stories, templates, boilerplate),
#   one SQLite file per spider, shared by every run of that spider. Relative paths
#   (state, feeds, reports) are taken from the project root, where scrapy.cfg is (under
#   Scrapyd, which has none: its current directory);
# - NEWSBOT_STATE_STORE: the store's class (Redis mode sets
#   newsbot.state.redis.RedisStateStore);
# - NEWSBOT_DROPPED_FEED: every dropped story, its reason;
# - NEWSBOT_MIN_WORDS: stories with fewer words are stubs (video-only pages);
# - NEWSBOT_BOILERPLATE_MIN_STORIES: a paragraph in more stories is boilerplate;
# - NEWSBOT_NEAR_DUPLICATE_SIMILARITY, NEWSBOT_NEAR_DUPLICATE_WINDOW_DAYS:
#   word-level edit similarity from which a body is a near-duplicate, among stories
#   published within this many days of each other;
# - NEWSBOT_DROP_TEMPLATES: drop daily template stories after the first.


# --- The browser, only where plain HTTP fails ----------------------------------------
# Challenged pages ("Just a moment...") go through headless Chromium (scrapy-playwright),
# wired in by the BrowserAddon when Chromium exists and NEWSBOT_BROWSER_ENABLED is on.
# NEWSBOT_CHROMIUM_PATH (setting or environment variable), else Debian's /usr/bin/chromium.
# PLAYWRIGHT_* settings override the add-on's.
# NEWSBOT_BROWSER_RETRY_BREAKER: a story page whose raw HTML has no body is retried once
# in the browser; after this many such pages in a row that it did not help, no more.
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
    # Scrapy's decompression, in its place; a plain page labelled compressed is kept.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newsbot.downloadermiddlewares.compression.LenientCompressionMiddleware": 590,
    # After HttpCompressionMiddleware (590) in process_response: it reads the plain body.
    "newsbot.downloadermiddlewares.charset.CharsetMiddleware": 580,
}


# --- Incremental re-crawls ----------------------------------------------------------
# NEWSBOT_INCREMENTAL_PAGES_PAST: a listing is followed until a page holds only known
# stories, plus this many more such pages (raise it if the site reorders its listings).
# NEWSBOT_TOPIC_REVISIT_DAYS: revisit the first page of topics named by stories
# published within this many days.

# Topic pages (newsbot/topic_policy.py): candidates are the topics named by stories
# published within NEWSBOT_TOPIC_REVISIT_DAYS; a run opens at most NEWSBOT_TOPIC_BUDGET
# topic pages, best expected yield first; a topic named and not visited since is visited
# within NEWSBOT_TOPIC_MAX_WAIT_RUNS runs (144 hourly runs: 6 days, inside the 7-day
# window). 80 topic pages keep an hourly run near 100-150 requests: 2-3 minutes at 1 request/s.


# --- Noticing a redesign ------------------------------------------------------------
# The end-of-crawl report; a required field missing from more than
# 1 - NEWSBOT_MIN_FIELD_COVERAGE of the story pages (at least NEWSBOT_REPORT_MIN_PAGES of
# them) ends the crawl as "site_layout_changed", exit status 3. Each run's report is kept
# in NEWSBOT_STATE_DIR/reports/<spider>/<run>.json, beside the index of recent runs
# (runs.jsonl) and their page (runs.html); NEWSBOT_REPORT gets a copy of the latest run's
# report (empty: no copy).
# Alarms against the site's own history (newsbot/alarms.py): each good run of at least
# NEWSBOT_REPORT_MIN_PAGES stories teaches a baseline (<state dir>/<spider>.baseline.json,
# a moving average, NEWSBOT_BASELINE_WEIGHT for the newest run). An alarm ends the run as
# site_layout_changed (exit 3) for a story's essentials, else degraded (exit 7), when a
# field's coverage falls NEWSBOT_ALARM_COVERAGE_DROP below its usual (first runs: the
# floors of NEWSBOT_ALARM_FIRST_RUN_COVERAGE), a field's usual signal (say its byline)
# fills it on NEWSBOT_ALARM_SIGNAL_DROP fewer story pages, or stubs, challenges,
# not-found pages... rise by NEWSBOT_ALARM_DROP_RATE_RISE of the story pages.

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
# NEWSBOT_ALERT_ACTIONS: the actions (a list of class paths; default none).
# What an alert says: the spider, then each failed monitor with its alarms (Spidermon's own
# templates give only the monitors' names). The same Jinja text for every channel.
_ALERT_MESSAGE = (
    "{{ data.sc_spider_name }} finished with alarms:\n"
    "{% for r in result.monitors_failed_results %}- {{ r.monitor.name }}: "
    "{{ (r.error or r.reason or '').strip().splitlines()[-1] | replace('AssertionError: ', '') }}\n"
    "{% endfor %}See the crawl's report (NEWSBOT_REPORT) and its last log line."
)
SPIDERMON_DISCORD_MESSAGE = _ALERT_MESSAGE
SPIDERMON_SLACK_MESSAGE = _ALERT_MESSAGE
SPIDERMON_TELEGRAM_MESSAGE = _ALERT_MESSAGE
SPIDERMON_BODY_TEXT = _ALERT_MESSAGE
SPIDERMON_EMAIL_SUBJECT = "newsbot: {{ data.sc_spider_name }} finished with alarms"


# --- Scale-out: several processes on one crawl (newsbot/scaleout/) -----------------
# NEWSBOT_REDIS_URL set to a Redis URL (redis://host:6379/0) shares the scheduler queue,
# the dupefilter and the crawler's state between processes on any machines (RedisAddon);
# unset: one process, no server. Keys start with NEWSBOT_REDIS_PREFIX:<spider>.


# --- Logging -----------------------------------------------------------------------
LOG_LEVEL = "INFO"
# One INFO line per dropped story: "Dropped <url>: <reason>".
LOG_FORMATTER = "newsbot.extensions.drops.DropLogFormatter"
