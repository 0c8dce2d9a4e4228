"""The crawl's one state store: chosen by NEWSBOT_STATE_STORE, owned by StateExtension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newsbot.addons import RedisAddon
from newsbot.extensions.drops import DropRecord
from newsbot.extensions.state import state_store
from newsbot.pipelines.boilerplate import StripBoilerplate
from newsbot.pipelines.dedupe import DropDuplicates, RememberEmitted
from newsbot.spidermiddlewares.frontier import FrontierMiddleware
from newsbot.spidermiddlewares.incremental import IncrementalMiddleware
from newsbot.spidermiddlewares.staging import StagingMiddleware
from newsbot.spiders.urdupoint import UrdupointSpider
from newsbot.state.base import StateStore
from newsbot.state.redis import RedisStateStore
from newsbot.state.sqlite import SqliteStateStore

OWNER = {"newsbot.extensions.state.StateExtension": 100}


def crawler_with(tmp_path: Path, **settings: Any) -> Crawler:
    return get_crawler(
        UrdupointSpider,
        {"NEWSBOT_STATE_DIR": str(tmp_path / "state"), "EXTENSIONS": OWNER, **settings},
    )


def test_the_default_store_is_the_spiders_sqlite_file(tmp_path: Path) -> None:
    store = state_store(crawler_with(tmp_path))
    assert isinstance(store, SqliteStateStore)
    assert store.path == tmp_path / "state" / "urdupoint.sqlite3"
    store.close()


def test_redis_mode_chooses_the_redis_store(tmp_path: Path, redis_server: str) -> None:
    settings = Settings({"NEWSBOT_STATE_STORE": "newsbot.state.sqlite.SqliteStateStore"})
    RedisAddon().update_settings(settings)
    assert settings["NEWSBOT_STATE_STORE"] == "newsbot.state.sqlite.SqliteStateStore", "no URL"
    settings.set("NEWSBOT_REDIS_URL", redis_server)
    RedisAddon().update_settings(settings)
    assert settings["NEWSBOT_STATE_STORE"] == "newsbot.state.redis.RedisStateStore"

    crawler = crawler_with(
        tmp_path,
        NEWSBOT_REDIS_URL=redis_server,
        NEWSBOT_STATE_STORE=settings["NEWSBOT_STATE_STORE"],
    )
    store = state_store(crawler)
    assert isinstance(store, RedisStateStore)
    assert store.keys.meta == "newsbot:urdupoint:meta"
    store.close()


def test_every_component_shares_the_one_store(tmp_path: Path) -> None:
    crawler = crawler_with(tmp_path)
    store = state_store(crawler)
    components: list[Any] = [
        StagingMiddleware.from_crawler(crawler),
        IncrementalMiddleware.from_crawler(crawler),
        FrontierMiddleware.from_crawler(crawler),
        DropDuplicates.from_crawler(crawler),
        RememberEmitted.from_crawler(crawler),
        StripBoilerplate.from_crawler(crawler),
    ]
    assert all(component.state is store for component in components)
    store.close()


def test_the_drops_record_takes_the_store_once_the_extensions_exist(tmp_path: Path) -> None:
    crawler = crawler_with(
        tmp_path, EXTENSIONS={**OWNER, "newsbot.extensions.drops.DropRecord": 500}
    )
    record = crawler.get_extension(DropRecord)
    assert record is not None
    crawler.signals.send_catch_log(signals.spider_opened, spider=None)
    assert record.state is state_store(crawler)
    state_store(crawler).close()


def test_the_store_is_closed_when_the_engine_stops(tmp_path: Path) -> None:
    crawler = crawler_with(tmp_path)
    store = state_store(crawler)
    assert store.staged_count() == 0
    crawler.signals.send_catch_log(signals.engine_stopped)
    with pytest.raises(AssertionError, match="closed"):
        store.staged_count()


def test_without_its_owner_there_is_no_store(tmp_path: Path) -> None:
    crawler = crawler_with(tmp_path, EXTENSIONS={})
    with pytest.raises(RuntimeError, match="StateExtension is not in EXTENSIONS"):
        state_store(crawler)


def test_a_class_that_is_no_state_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"newsbot\.items\.Story does not implement StateStore"):
        crawler_with(tmp_path, NEWSBOT_STATE_STORE="newsbot.items.Story")


def test_the_frontier_middleware_is_off_on_a_store_without_a_frontier(
    tmp_path: Path, redis_server: str
) -> None:
    crawler = crawler_with(
        tmp_path,
        NEWSBOT_REDIS_URL=redis_server,
        NEWSBOT_STATE_STORE="newsbot.state.redis.RedisStateStore",
        NEWSBOT_FRONTIER_ENABLED=True,
    )
    assert isinstance(state_store(crawler), StateStore)
    with pytest.raises(NotConfigured, match="RedisStateStore keeps no frontier"):
        FrontierMiddleware.from_crawler(crawler)
    state_store(crawler).close()
