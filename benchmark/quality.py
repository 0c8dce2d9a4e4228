"""Extraction quality: body-text F1 against the ground truth, and milliseconds per page.

F1 is over word tokens (lower-cased, punctuation aside) counted as a multiset: the
share of the extracted words that are the story's (precision) and of the story's
words that were extracted (recall). A boilerplate line or a lost paragraph both cost.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from scrapy.http import HtmlResponse

from newsbot.site.pages.story import parse_story
from newsbot.site.urls import Site
from newsbot.text.fingerprints import words

#: ``(url, html) -> body text`` for one page.
Extractor = Callable[[str, bytes], str]


def body_f1(extracted: str, expected: str) -> float:
    got, want = Counter(words(extracted)), Counter(words(expected))
    if not got or not want:
        return 1.0 if got == want else 0.0
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision = common / sum(got.values())
    recall = common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class ExtractorScore:
    name: str
    version: str
    f1: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    error: str | None = None

    @property
    def pages(self) -> int:
        return len(self.f1)

    @property
    def mean_f1(self) -> float:
        return statistics.fmean(self.f1) if self.f1 else 0.0

    @property
    def min_f1(self) -> float:
        return min(self.f1) if self.f1 else 0.0

    @property
    def share_at_least_099(self) -> float:
        return sum(f >= 0.99 for f in self.f1) / len(self.f1) if self.f1 else 0.0

    @property
    def ms_per_page(self) -> float:
        return 1000 * self.cpu_seconds / max(self.pages, 1)


def score(
    name: str, version: str, extract: Extractor, pages: list[tuple[str, bytes, str]]
) -> ExtractorScore:
    """Run ``extract`` on ``(url, html, expected body)`` pages, CPU-timing only the extractor."""
    result = ExtractorScore(name, version)
    for url, html, expected in pages:
        started = time.process_time()
        text = extract(url, html) or ""
        result.cpu_seconds += time.process_time() - started
        result.f1.append(body_f1(text, expected))
    return result


def newsbot_parser(base_url: str) -> Extractor:
    """Our parser alone (no pipelines): the body as ``parse_story`` reads it."""
    site = Site.from_base_url(base_url)

    def extract(url: str, html: bytes) -> str:
        story = parse_story(HtmlResponse(url=url, body=html, encoding="utf-8"), site)
        return story.item.body or "" if story.item else ""

    return extract


def trafilatura_extractor() -> tuple[Extractor, str]:
    import trafilatura

    def extract(url: str, html: bytes) -> str:
        return trafilatura.extract(html.decode("utf-8"), url=url, include_comments=False) or ""

    return extract, trafilatura.__version__


def newspaper_extractor() -> tuple[Extractor, str]:
    import newspaper

    def extract(url: str, html: bytes) -> str:
        article = newspaper.Article(url, fetch_images=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            article.download(input_html=html.decode("utf-8"))
            article.parse()
        return article.text or ""

    return extract, getattr(newspaper, "__version__", "?")


#: The generic extractors compared, by name: each loads lazily (they are optional).
GENERIC: dict[str, Callable[[], tuple[Extractor, str]]] = {
    "trafilatura": trafilatura_extractor,
    "newspaper4k": newspaper_extractor,
}
