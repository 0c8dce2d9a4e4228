"""Scale-out: several crawler processes, on any machines, on one crawl (scrapy-redis).

Off unless ``NEWSBOT_REDIS_URL`` is set; then ``newsbot.addons.RedisAddon`` moves to Redis:

- the scheduler queue and the request dupefilter (scrapy-redis's, keyed
  ``<prefix>:<spider>:requests`` and ``:dupefilter``; the dupefilter uses the project's
  fingerprints, so a story is fetched once whatever URL links it);
- the crawler's own memory (``NEWSBOT_STATE_STORE`` is
  ``state.redis.RedisStateStore``): staged, emitted and seen stories, topics, templates,
  boilerplate counts.

The SQLite frontier is off: the Redis queue is the crawl's frontier.

A crawl is a *round*. Every worker that starts joins the current round, or begins a new
one. It stages the stories it parses in Redis, like a single process does. The round
ends when the shared queue is empty and no live worker holds a request: a worker takes
a request only through ``SharedScheduler``, which counts it first. The first idle
worker that sees the end takes the release lock and releases every staged story, in
publication order, through its pipelines into its own feed. It then closes the round:
the dupefilter is cleared, so the next round's listings are fetched again. The other
workers stop when they see the end.

So each worker writes its own feed file (``NEWSBOT_FEED`` on its machine). A round's
stories all go to the feed of the worker that released it. Every story is emitted once
across all the feeds, because the emitted-story store is shared: the union of the
workers' feeds is the corpus.

scrapy-redis traps handled here:

- ``SCHEDULER_PERSIST`` is forced on: with it off, a worker that stops flushes the
  shared queue and dupefilter while the others still work.
- Workers stop by themselves when the round is done; they do not idle forever like a
  ``RedisSpider``.
- Requests stay serializable: callbacks are spider methods and meta holds plain data.

A worker killed mid-crawl loses the requests it held, at most ``CONCURRENT_REQUESTS``.
Its heartbeat expires after ``crew.HEARTBEAT_TTL`` seconds and the others stop waiting
for it. The next round finds those stories again from the listings.

One module a role, as in scrapy-redis:

- ``scheduler.SharedScheduler``: the shared queue; counts a request before taking it;
- ``dupefilter.StoryDupeFilter``: the shared dupefilter, with the project's fingerprints;
- ``crew.Crew`` (an extension): this worker among the others, heartbeat, round's end.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from newsbot.config import NewsbotConfig


def redis_namespace(settings: BaseSettings, spider_name: str) -> str:
    """``<NEWSBOT_REDIS_PREFIX>:<spider>``: every key of one spider's crawl starts with it."""
    return NewsbotConfig.from_settings(settings).redis_namespace(spider_name)
