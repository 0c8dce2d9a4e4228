"""The release: staged stories go out oldest first, and are settled only when the store
closes (after the feed exporters closed their files), never by an idle crawl before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

import newsbot.state.sqlite
from newsbot.extensions.state import state_store
from newsbot.items import Story
from newsbot.keys import RELEASE
from newsbot.scaleout import redis_namespace
from newsbot.spidermiddlewares.staging import RELEASE_URL, StagingMiddleware
from newsbot.spiders.urdupoint import UrdupointSpider
from newsbot.state.base import StateStore
from newsbot.state.redis import RedisStateStore
from newsbot.state.sqlite import SqliteStateStore
from newsbot.text.fingerprints import StoryPrint
from tests.test_state_backends import story


def spider_output(
    middleware: StagingMiddleware, response: TextResponse, result: Iterable[Any]
) -> list[Any]:
    """What the middleware passes on for ``result``, driven as Scrapy drives it (async)."""

    async def source() -> AsyncIterator[Any]:
        for output in result:
            yield output

    async def collect() -> list[Any]:
        return [out async for out in middleware.process_spider_output(response, source())]

    return asyncio.run(collect())


def crawler_with(tmp_path: Path, redis_url: str | None, prefix: str) -> Crawler:
    settings: dict[str, object] = {
        "NEWSBOT_STATE_DIR": str(tmp_path / "state"),
        "EXTENSIONS": {"newsbot.extensions.state.StateExtension": 100},  # the store's owner
    }
    if redis_url:  # the store only, as RedisAddon sets it (not the crew of workers)
        settings.update(
            NEWSBOT_REDIS_URL=redis_url,
            NEWSBOT_REDIS_PREFIX=prefix,
            NEWSBOT_STATE_STORE="newsbot.state.redis.RedisStateStore",
        )
    return get_crawler(UrdupointSpider, settings)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_release_is_settled_only_when_the_store_closes(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(newsbot.state.sqlite, "COMMIT_EVERY", 1)  # outside a release: every change
    redis_url = request.getfixturevalue("redis_server") if backend == "redis" else None
    prefix = request.getfixturevalue("redis_namespace") if backend == "redis" else ""
    crawler = crawler_with(tmp_path, redis_url, prefix)
    middleware = StagingMiddleware.from_crawler(crawler)
    state = state_store(crawler)
    stories = [
        story(300, published="2026-01-12T09:00:00+05:00"),
        story(100, published="2026-01-10T09:00:00+05:00"),
        story(200, published="2026-01-11T09:00:00+05:00"),
    ]
    url = "https://www.urdupoint.com/en/pakistan/x-1.html"
    page = TextResponse(url, body=b"", request=Request(url))
    assert spider_output(middleware, page, stories) == []  # all staged
    state.commit()  # what an idle crawl does before its release

    release = TextResponse(
        RELEASE_URL, body=b"", request=Request(RELEASE_URL, meta={RELEASE: True})
    )
    released: list[Story] = spider_output(middleware, release, [])
    assert [item.article_id for item in released] == ["100", "200", "300"]
    for item in released:  # what the last pipeline does
        state.remember_emitted(item, StoryPrint.of(item.title or "", item.body or ""))
    middleware.spider_idle(UrdupointSpider())  # idle after it: must not settle the release

    if redis_url:
        other: StateStore = RedisStateStore(
            redis_url, redis_namespace(crawler.settings, "urdupoint")
        )
    else:
        other = SqliteStateStore(tmp_path / "state" / "urdupoint.sqlite3")
    try:
        assert not other.was_emitted("100"), "settled before the feed was closed"
        assert other.staged_count() == 3
        state.close()
        assert all(other.was_emitted(item.article_id or "") for item in released)
        assert other.staged_count() == 0
    finally:
        other.close()
