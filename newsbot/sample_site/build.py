"""Write the sample site's docroot and its ground truth to disk.

``ground_truth.jsonl`` holds the items a correct crawl emits; ``expected_drops.jsonl`` one row
``{"url", "article_id", "reason", "duplicate_of"}`` per linked story URL that must not become an
item (``duplicate_of``: the article id of the story kept instead, or null).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import render
from .model import SiteModel, build_model

RSS_SIZE = 20


@dataclass
class BuildResult:
    """Where a build went and what a correct crawl of it must produce.

    ``ground_truth`` and ``expected_drops`` are the paths of the JSON Lines files;
    ``story_count`` is the number of ground-truth items (stories a crawler must emit).
    """

    root: Path
    docroot: Path
    ground_truth: Path
    expected_drops: Path
    story_count: int
    categories: list[str] = field(default_factory=list)

    def ground_truth_rows(self) -> list[dict[str, Any]]:
        return _read_jsonl(self.ground_truth)

    def expected_drop_rows(self) -> list[dict[str, Any]]:
        return _read_jsonl(self.expected_drops)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


class _Writer:
    """Writes docroot files, creating each directory once (the site has tens of thousands)."""

    def __init__(self, docroot: Path) -> None:
        self.docroot = docroot
        self._dirs: set[Path] = set()

    def write(self, path: str, text: str) -> None:
        target = self.docroot / path.lstrip("/")
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        target.write_text(text, encoding="utf-8", newline="\n")

    def write_bytes(self, path: str, data: bytes) -> None:
        target = self.docroot / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def write_site(site: SiteModel, docroot: Path, base_url: str, variant: str | None = None) -> None:
    """Render every page of ``site`` into ``docroot`` (story pages in their ``variant``)."""
    out = _Writer(docroot)
    year = site.stories[-1].published.year
    for story in site.stories:
        if story.kind == "not_found":
            out.write(story.path, render.render_not_found(base_url, story.path, year))
        else:
            out.write(story.path, render.render_story(site, story, base_url, variant))
    for section in site.categories:
        for path, text in render.category_pages(site, section, base_url, year).items():
            out.write(path, text)
    for topic in site.topics_in_use():
        for path, text in render.topic_pages(site, topic, base_url, year).items():
            out.write(path, text)
    out.write("/en/sitemap/news.rss", render.render_rss(site.latest(RSS_SIZE), base_url))
    out.write("/robots.txt", render.render_robots())
    out.write("/daily/index.html", render.render_daily())
    # For a person browsing the site; the crawler fetches none of these.
    home = render.render_home(site, base_url, year)
    out.write("/index.html", home)
    out.write("/en/index.html", home)
    out.write("/css/style.css", render.STYLE_CSS)
    out.write("/images/logo.svg", render.LOGO_SVG)
    out.write_bytes("/images/blank.gif", render.BLANK_GIF)


def build_site(
    root: Path,
    base_url: str,
    *,
    stories: int = 150,
    seed: int = 7,
    edition: int = 1,
    variant: str | None = None,
) -> BuildResult:
    """Build the site into ``root/site`` and its ground truth next to it.

    The same arguments always give byte-identical files; ``edition`` N adds, per edition after
    the first, 12 newer stories (items) and two newer drops (the next gold rate, a wire copy),
    leaving the older story pages as they were. ``variant`` (a key of ``render.VARIANTS``)
    changes one piece of every story page's markup; the ground truth follows what the pages
    still say (without JSON-LD, no story has an image or a modification date).
    """
    if variant is not None and variant not in render.VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: one of {', '.join(render.VARIANTS)}")
    root = Path(root)
    base_url = base_url.rstrip("/")
    site = build_model(stories=stories, seed=seed, edition=edition)
    if variant == "no_jsonld":
        for story in site.stories:
            story.newsarticle_position = None
    docroot = root / "site"
    if docroot.exists():
        shutil.rmtree(docroot)
    docroot.mkdir(parents=True)
    write_site(site, docroot, base_url, variant)

    items = sorted((s for s in site.stories if s.is_item), key=lambda s: s.article_id)
    drops = sorted((s for s in site.stories if not s.is_item), key=lambda s: s.article_id)
    ground_truth = root / "ground_truth.jsonl"
    expected_drops = root / "expected_drops.jsonl"
    _write_jsonl(ground_truth, (s.ground_truth(base_url) for s in items))
    _write_jsonl(
        expected_drops,
        (
            {
                "url": base_url + s.path,
                "article_id": str(s.article_id),
                "reason": s.kind,
                "duplicate_of": None if s.duplicate_of is None else str(s.duplicate_of),
            }
            for s in drops
        ),
    )
    return BuildResult(
        root=root,
        docroot=docroot,
        ground_truth=ground_truth,
        expected_drops=expected_drops,
        story_count=len(items),
        categories=site.categories,
    )
