"""The alarms and the baseline, alone: stats in, alarms out (newsbot.alarms, newsbot.baseline)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsbot.alarms import Figures, Thresholds, evaluate, fetch_alarms, field_alarms, figures
from newsbot.baseline import FileBaseline, blend
from newsbot.spiders.arguments import ArgumentError, check_arguments

THRESHOLDS = Thresholds(min_stories=10, first_run_coverage={"title": 0.95, "body": 0.95})


def healthy_stats(stories: int = 100, **extra: int) -> dict[str, int]:
    stats = {
        "newsbot/start/ok": 5,
        "newsbot/pages/category": 5,
        "newsbot/pages/story": stories,
        "item_scraped_count": stories,
        "downloader/request_count": stories + 5,
        "downloader/response_count": stories + 5,
        "newsbot/dropped/stub": 2,
        **{f"newsbot/coverage/{name}": stories for name in ("url", "title", "body", "author")},
        "newsbot/fields/author/byline": stories,
        "newsbot/fields/published_at/byline": stories - 10,
        "newsbot/fields/published_at/jsonld": 10,
        "newsbot/fields/author/disagree": 3,
        "newsbot/fields/author/disagree_urls": ["https://example.com/a-1.html"],
        "newsbot/fields/image_url/invalid": 1,
    }
    stats.update(extra)
    return stats


def test_a_healthy_run_raises_no_alarm() -> None:
    assert evaluate(healthy_stats(), None, THRESHOLDS) == []
    usual = figures(healthy_stats())
    assert evaluate(healthy_stats(), usual, THRESHOLDS) == []


@pytest.mark.parametrize(
    ("start", "robots", "reason"),
    [
        ({"failed": 5}, 0, "nothing_fetched"),
        ({"http_error": 5}, 0, "http_errors"),
        ({"ignored": 5}, 5, "robots_denied"),
        ({"ok": 3, "ignored": 2}, 40, "robots_denied"),
        ({"not_found": 1}, 0, "start_not_found"),
        ({"ok": 1, "not_found": 1}, 0, "start_not_found"),
    ],
)
def test_the_fate_of_the_start_urls_gives_the_finish_reason(
    start: dict[str, int], robots: int, reason: str
) -> None:
    stats = {f"newsbot/start/{k}": v for k, v in start.items()} | {"robotstxt/forbidden": robots}
    alarms = evaluate(stats, None, THRESHOLDS)
    assert alarms and alarms[0].reason == reason, alarms


def test_story_pages_that_all_answer_errors_are_http_errors() -> None:
    stats = {"newsbot/start/ok": 5, "newsbot/errors/http_403": 40}
    stats["newsbot/pages/story_http_error"] = 40
    assert [a.reason for a in fetch_alarms(stats)] == ["http_errors"]


def test_a_missing_feed_on_a_run_with_nothing_new_is_no_http_error() -> None:
    """The RSS feed's 404 on an hourly run that found nothing new: no story page failed."""
    stats = {"newsbot/start/ok": 2, "newsbot/errors/http_404": 1}
    assert fetch_alarms(stats) == []


def test_category_pages_without_any_story_link_are_a_layout_change() -> None:
    stats = {"newsbot/start/ok": 5, "newsbot/pages/category": 5}
    stats["newsbot/empty_listing/category"] = 5
    (alarm,) = evaluate(stats, None, THRESHOLDS)
    assert (alarm.reason, alarm.check) == ("site_layout_changed", "listing")
    stats["newsbot/empty_listing/category"] = 4
    assert evaluate(stats, None, THRESHOLDS) == []


def test_a_field_falling_below_its_usual_is_named_with_its_figures() -> None:
    usual = figures(healthy_stats())
    broken = healthy_stats(**{"newsbot/coverage/author": 10})
    (alarm,) = evaluate(broken, usual, THRESHOLDS)
    assert (alarm.reason, alarm.check, alarm.subject) == ("degraded", "coverage", "author")
    assert alarm.message == "author filled on 10% of 100 stories (usually 100%)"


def test_an_essential_field_falling_is_a_layout_change_even_on_a_first_run() -> None:
    broken = healthy_stats(**{"newsbot/coverage/body": 50})
    (alarm,) = evaluate(broken, None, THRESHOLDS)
    assert (alarm.reason, alarm.subject) == ("site_layout_changed", "body")


def test_a_field_whose_usual_signal_failed_is_named_with_the_signal() -> None:
    usual = figures(healthy_stats())
    fallback = healthy_stats(
        **{"newsbot/fields/author/byline": 18, "newsbot/fields/author/jsonld": 82}
    )
    (alarm,) = evaluate(fallback, usual, THRESHOLDS)
    assert (alarm.reason, alarm.check, alarm.subject, alarm.signal) == (
        "degraded",
        "signal",
        "author",
        "byline",
    )
    assert "jsonld filled it instead" in alarm.message


def test_a_surge_of_stubs_is_a_layout_change_against_history_and_on_a_first_run() -> None:
    stubs = healthy_stats(item_scraped_count=3, **{"newsbot/dropped/stub": 97})
    for usual in (None, figures(healthy_stats())):
        reasons = {(a.reason, a.subject) for a in evaluate(stubs, usual, THRESHOLDS)}
        assert ("site_layout_changed", "stub") in reasons


def test_a_site_that_always_has_many_challenges_is_not_an_alarm_but_a_surge_is() -> None:
    usual = figures(healthy_stats(**{"newsbot/dropped/challenge": 30}))
    assert evaluate(healthy_stats(**{"newsbot/dropped/challenge": 35}), usual, THRESHOLDS) == []
    surge = evaluate(healthy_stats(**{"newsbot/dropped/challenge": 60}), usual, THRESHOLDS)
    assert [(a.reason, a.subject) for a in surge] == [("degraded", "challenge")]


def test_small_runs_are_not_judged_on_shares() -> None:
    few = healthy_stats(stories=4, **{"newsbot/coverage/body": 0, "newsbot/dropped/stub": 4})
    assert field_alarms(figures(few), None, THRESHOLDS) == []


def test_a_lost_feed_is_a_degraded_run_naming_the_stories_lost() -> None:
    """The default feed lost the stories earlier runs wrote (deleted, emptied): the state
    remembers them as written, so an unattended crawl exited 0 and alerted no one."""
    stats = healthy_stats(**{"newsbot/corpus/feed_lost_stories": 42})
    (alarm,) = evaluate(stats, figures(healthy_stats()), THRESHOLDS)
    assert (alarm.reason, alarm.check, alarm.subject) == ("degraded", "corpus", "feed")
    assert "lost the 42 stories" in alarm.message


def test_the_baseline_is_a_moving_average_kept_in_a_file(tmp_path: Path) -> None:
    store = FileBaseline(tmp_path / "urdupoint.baseline.json")
    assert store.load() is None
    first = figures(healthy_stats(**{"newsbot/coverage/author": 80}))
    store.save(blend(store.load(), first, 0.5))
    again = FileBaseline(store.path)
    loaded = again.load()
    assert loaded is not None and loaded.coverage["author"] == 0.8
    second = figures(healthy_stats(**{"newsbot/coverage/author": 40}))
    again.save(blend(loaded, second, 0.5))
    data = json.loads(store.path.read_text())
    assert data["runs"] == 2 and data["coverage"]["author"] == pytest.approx(0.6)
    assert not list(tmp_path.glob("*.tmp*")) and len(list(tmp_path.iterdir())) == 1


def test_a_broken_baseline_file_is_a_first_run_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "urdupoint.baseline.json"
    path.write_text("{not json")
    assert FileBaseline(path).load() is None
    assert str(path) in caplog.text


def test_blend_keeps_fields_of_both() -> None:
    a = Figures({"x": 1.0}, {"f": {"s": 1.0}}, {"stub": 0.0}, 10, 10)
    b = Figures({"y": 1.0}, {"f": {"t": 1.0}}, {"stub": 1.0}, 10, 10)
    mixed = blend(a, b, 0.25)
    assert mixed.coverage == {"x": 0.75, "y": 0.25}
    assert mixed.signals == {"f": {"s": 0.75, "t": 0.25}}
    assert mixed.drop_rates == {"stub": 0.25}


@pytest.mark.parametrize(
    ("given", "argument", "text"),
    [
        ({"categoriez": "pakistan"}, "categoriez", "did you mean categories?"),
        ({"max_pages": "many"}, "max_pages", "'many' is not a number"),
        ({"full": "perhaps"}, "full", "'perhaps' is not true/false"),
    ],
)
def test_argument_errors_name_the_argument(given: dict, argument: str, text: str) -> None:
    with pytest.raises(ArgumentError, match=text) as caught:
        check_arguments("urdupoint", given)
    assert caught.value.argument == argument


def test_scrapyd_arguments_are_accepted_and_ignored() -> None:
    parsed = check_arguments("urdupoint", {"_job": "1", "_version": "2", "setting": "X=1"})
    assert parsed.max_pages == 20


def test_the_baseline_of_a_redis_crawl_is_one_key_shared_by_the_workers(
    redis_server: str, redis_namespace: str
) -> None:
    from newsbot.baseline import RedisBaseline

    key = f"{redis_namespace}:urdupoint:baseline"
    first = RedisBaseline(redis_server, key)
    assert first.load() is None
    first.save(figures(healthy_stats(**{"newsbot/coverage/author": 80})))
    other_worker = RedisBaseline(redis_server, key)
    loaded = other_worker.load()
    assert loaded is not None and loaded.coverage["author"] == 0.8
    assert other_worker.runs == 1


def test_fewer_pages_giving_a_field_is_not_its_signal_failing() -> None:
    """Fewer bylined stories this hour (more wire stories) is no failed byline."""
    usual = figures(healthy_stats())
    fewer = healthy_stats(**{"newsbot/fields/author/byline": 50})
    assert [a for a in evaluate(fewer, usual, THRESHOLDS) if a.check == "signal"] == []
