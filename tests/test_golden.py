"""Golden files: stored HTML -> expected JSON, one pair per page type and variation.

To add a case, drop ``<page-type>/<variation>.html`` and its ``.json`` (the URL it was
fetched from and the expected item, rejection or links) into ``tests/golden/``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newsbot.site.pages.listing import parse_listing
from newsbot.site.pages.story import Rejected, story_or_rejection
from newsbot.text.normalize import place_name

GOLDEN = Path(__file__).parent / "golden"


def _cases(kind: str) -> list[Path]:
    return sorted((GOLDEN / kind).glob("*.html"))


def _load(html: Path) -> tuple[HtmlResponse, dict]:
    spec = json.loads(html.with_suffix(".json").read_text(encoding="utf-8"))
    response = HtmlResponse(url=spec["fetched_url"], body=html.read_bytes(), encoding="utf-8")
    return response, spec["expected"]


@pytest.mark.parametrize("html", _cases("article"), ids=lambda p: p.stem)
def test_story_golden(html: Path) -> None:
    response, expected = _load(html)
    result = story_or_rejection(response)
    if "rejected" in expected:
        assert isinstance(result, Rejected), f"expected a rejection, got an item: {result}"
        assert result.reason == expected["rejected"]
        return
    assert not isinstance(result, Rejected), f"rejected: {result}"
    got = asdict(result)
    assert got.pop("crawled_at").endswith("+00:00")
    assert got == expected


@pytest.mark.parametrize("html", _cases("listing"), ids=lambda p: p.stem)
def test_listing_golden(html: Path) -> None:
    response, expected = _load(html)
    links = parse_listing(response)
    assert links.stories == expected["stories"]
    assert [[p.url, p.number] for p in links.pages] == expected["pages"]


def test_every_golden_html_has_its_expectation() -> None:
    pages = list(GOLDEN.glob("*/*.html"))
    assert len(pages) >= 12
    assert all(p.with_suffix(".json").exists() for p in pages)


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("FAISALABAD", "Faisalabad"),
        ("Faisalabad", "Faisalabad"),
        ("DERA ISMAIL KHAN", "Dera Ismail Khan"),
        ("D.I. KHAN", "D.I. Khan"),
        ("AZAD JAMMU AND KASHMIR", "Azad Jammu and Kashmir"),
        ("MUZAFFARABAD (AJK)", "Muzaffarabad (AJK)"),
        ("SÃO PAULO", "São Paulo"),
        ("KING'S LYNN", "King's Lynn"),
        ("McLeod Ganj", "McLeod Ganj"),
    ],
)
def test_dateline_places_come_in_title_case(place: str, expected: str) -> None:
    """Wire datelines write "FAISALABAD", the site's own "Faisalabad": one place."""
    assert place_name(place) == expected
