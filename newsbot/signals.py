"""The project's own signals (Scrapy's signal API: ``crawler.signals.connect``)."""

#: The end-of-crawl validation report is built (``spider_closed``). Arguments:
#: ``report`` (dict). The run's record (``extensions/summary.py``) writes it, so
#: the report's content and where reports go are two separate jobs.
report_built = object()

#: The crawl can no longer keep its record: the default feed, another feed or the state
#: store cannot be written. Sent once per failing file with ``reason`` (a finish reason of
#: ``newsbot.exitcodes``: ``feed_unwritable`` or ``state_unusable``) and ``message`` (one
#: line naming the file and what to do). ``extensions.halt.Halt`` stops the crawl; the
#: feeds stop writing and the staging middleware stops releasing, so nothing is written
#: that the record could not account for.
record_broken = object()
