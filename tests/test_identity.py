"""Who the crawler says it is: the operator's contact in the User-Agent."""

from __future__ import annotations

import logging

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from newsbot import __version__
from newsbot.addons import user_agent
from newsbot.spiders.urdupoint import UrdupointSpider

ADDONS = {"ADDONS": {"newsbot.addons.Identity": 105}}


def crawler_for(**settings: object):
    return get_crawler(UrdupointSpider, {**ADDONS, **settings})


def test_user_agent_carries_the_operators_contact() -> None:
    crawler = crawler_for(NEWSBOT_CONTACT="mailto:ops@example.org")
    assert crawler.settings["USER_AGENT"] == f"newsbot/{__version__} (+mailto:ops@example.org)"
    assert crawler_for(NEWSBOT_CONTACT="https://lab.example.org/crawler").settings[
        "USER_AGENT"
    ] == (f"newsbot/{__version__} (+https://lab.example.org/crawler)")


def test_user_agent_without_a_contact_names_no_one_elses_url() -> None:
    assert crawler_for().settings["USER_AGENT"] == f"newsbot/{__version__}"
    assert user_agent(None) == f"newsbot/{__version__}"


def test_a_user_agent_set_by_hand_wins() -> None:
    crawler = crawler_for(USER_AGENT="mybot/1.0", NEWSBOT_CONTACT="ops@example.org")
    assert crawler.settings["USER_AGENT"] == "mybot/1.0"


@pytest.mark.parametrize(
    "contact",
    ["not a contact", "ops@example.org\r\nX-Evil: 1", "(ops@example.org)", "example.org"],
)
def test_a_contact_that_cannot_go_into_a_header_is_refused(contact: str) -> None:
    with pytest.raises(ValueError, match="NEWSBOT_CONTACT"):
        crawler_for(NEWSBOT_CONTACT=contact)


def _open(base_url: str, caplog: pytest.LogCaptureFixture, **settings: object) -> list[str]:
    crawler = crawler_for(**settings)
    spider = UrdupointSpider.from_crawler(crawler, base_url=base_url)
    crawler.spider = spider
    with caplog.at_level(logging.WARNING, logger="newsbot.addons"):
        crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    return [r.getMessage() for r in caplog.records if r.name == "newsbot.addons"]


def test_crawling_the_real_site_without_a_contact_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warnings = _open("https://www.urdupoint.com", caplog)
    assert len(warnings) == 1
    assert "NEWSBOT_CONTACT is not set" in warnings[0]


def test_no_warning_with_a_contact_or_on_the_sample_site(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _open("https://www.urdupoint.com", caplog, NEWSBOT_CONTACT="ops@example.org") == []
    assert _open("http://127.0.0.1:8000", caplog) == []
