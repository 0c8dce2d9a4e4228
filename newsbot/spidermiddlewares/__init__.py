"""The project's spider middlewares: incremental, staging, frontier, topics.

Each defines one async ``process_spider_output`` and no sync twin: Scrapy (2.13+) drives
the whole chain as async iterables, and a sync method would only be wrapped into one.
Nothing in them awaits, so an async generator costs no asyncio task of its own.
"""
