"""The project's own signals (Scrapy's signal API: ``crawler.signals.connect``)."""

#: The end-of-crawl validation report is built (``spider_closed``). Arguments:
#: ``report`` (dict). The run's record (``extensions/summary.py``) writes it, so
#: the report's content and where reports go are two separate jobs.
report_built = object()
