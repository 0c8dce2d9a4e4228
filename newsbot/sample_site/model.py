# ruff: noqa: RUF001  (the story text deliberately holds en dashes and curly single quotes)
"""The sample site's content model: stories, categories, topics and authors.

Everything is derived from ``random.Random`` instances seeded from ``(seed, story index)``, so a
story's content never depends on how many stories follow it: a later edition only appends stories
and the earlier ones stay identical. Stdlib only.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

PKT = timezone(timedelta(hours=5))
"""The site's clock: Pakistan time, UTC+05:00, no DST."""

START_TIME = datetime(2026, 11, 22, 0, 5, tzinfo=PKT)
START_ID = 2190000
NEW_STORIES_PER_EDITION = 12
TOPIC_ONLY_EVERY = 20
TOPIC_ONLY_OFFSET = 13

CATEGORIES: dict[str, str] = {
    "pakistan": "Pakistan",
    "world": "World",
    "business": "Business",
    "sports": "Sports",
    "technology": "Technology",
}
"""Category slug -> display name (the name a listing's h1 and most story pages use)."""

OLD_LAYOUT_CATEGORIES = frozenset({"business"})
"""Categories whose listings still use the older ``news_big_item``/``news_list`` layout."""

MISC_CATEGORY = "Miscellaneous"
"""Display category some world stories name instead of their URL section."""

DROP_KINDS: dict[int, str] = {
    11: "not_found",
    23: "missing_published_at",
    37: "missing_title",
}
"""Story index -> the reason its page, though linked from a listing, must not become an item."""

TOPICS: tuple[str, ...] = (
    "Imran Khan",
    "China",
    "Cricket",
    "Oil",
    "Karachi",
    "Lahore",
    "Islamabad",
    "Russia",
    "Ukraine",
    "Inflation",
    "Gold",
    "IMF",
    "Football",
    "Climate Change",
    "Artificial Intelligence",
    "Stock Exchange",
    "Shehbaz Sharif",
    "Wheat",
    "Exports",
    "Budget",
)

AUTHORS: tuple[tuple[str, str | None], ...] = (
    ("Mohammad Ali", "@ChaudhryMAli88"),
    ("Zainab Rasheed", "@ZainabRashee93"),
    ("Maryam Chaudhry", None),
    ("Bilal Jamshaid", "@BilalJamshaid"),
    ("Kamran Qureshi", None),
    ("Bilal Malik", None),
    ("Sana Mirza", "@SanaMirza_UP"),
    ("Umer Abbasi", None),
    ("Tariq Chaudhry", "@TariqCh"),
    ("Ayesha Malik", None),
    ("Faizan Hashmi", "@FaizanHashmi"),
)

PK_PLACES = (
    "Islamabad",
    "Lahore",
    "Karachi",
    "Peshawar",
    "Quetta",
    "Multan",
    "Faisalabad",
    "Rawalpindi",
    "Sialkot",
    "Dera Ismail Khan",
    "Hyderabad",
    "Gilgit",
)
WORLD_PLACES = (
    "Moscow",
    "Beijing",
    "London",
    "Zürich",
    "Washington",
    "Dubai",
    "Tripoli",
    "Geneva",
    "Tokyo",
    "New York",
    "Kabul",
    "Riyadh",
    "Paris",
    "São Paulo",
)

AGENCY_UP = "UrduPoint / Pakistan Point News"
AGENCY_APP = "APP - UrduPoint / Pakistan Point News"

ACTORS = (
    "Provincial Government",
    "Chamber Of Commerce",
    "Central Bank",
    "Local Traders",
    "Cricket Board",
    "District Administration",
    "Water And Power Authority",
    "Federal Cabinet",
    "Education Department",
    "Police Officials",
    "Zürich Café Owners",
    "Gaddafi's Former Aides",
    "Tech Start-Ups",
    "Stock Exchange",
    "Football Federation",
    "Health Ministry",
)
VERBS = (
    "Welcomed",
    "Criticised",
    "Rejected",
    "Discussed",
    "Approved",
    "Reviewed",
    "Launched",
    "Announced",
    "Extended",
    "Backed",
)
OBJECTS = (
    "A Relief Programme For Flood-Hit Families",
    "A New Development Package For The Region",
    "The Plan To Upgrade Rural Roads",
    "Measures To Curb Smuggling",
    "A Crackdown On Illegal Hydrants",
    "Steps To Stabilise Wheat Prices",
    "The Schedule Of The Upcoming Series",
    "Budget Proposals For The Next Fiscal Year",
    "A “Digital Pakistan” Drive",
    "The 2025–2026 Export Targets",
    "New Rules For Online Payments",
    "A Fresh Round Of Talks",
)

# Body sentences. They carry the text variety of the real site: curly and straight quotes,
# apostrophes, en/em dashes, diacritics, Urdu words in Arabic script and non-breaking spaces.
SENTENCES = (
    "The {actor} reviewed the proposal during a meeting in {city} on {weekday}.",
    "Officials said the plan would be implemented in three phases over the next {n} months.",
    "“The work will be completed within six months,” the official added.",
    "He said Rs\u00a0{n}.5 billion had been allocated for the first phase — a {pct}% increase.",
    "Experts said the measure could help reduce inflation, which stood at {pct}.5 percent.",
    '"We are committed to transparency," a spokesperson told reporters, calling it a "first step".',
    "The committee's report, released on {weekday}, recommended reviewing the 2019–2022 accounts.",
    "Delegates later met at a café in Zürich to discuss the financing of the scheme.",
    'One analyst compared the dispute to Gaddafi\'s "Tripoli–Benghazi" divide of the past decade.',
    "Residents used the Urdu word “مہنگائی” to describe the rising cost of living.",
    "Shopkeepers welcomed visitors with “خوش آمدید” written on banners across the market.",
    "A spokesman for the ‘Clean {city}’ campaign said volunteers would return next week.",
    "The opposition described the decision as ill-timed and demanded a debate in parliament.",
    "According to the latest figures, more than {n},000 people have benefited from the programme.",
    "The provincial government has set up a monitoring cell to review progress every week.",
    "Traders in the city said sales had fallen by nearly {pct} percent since last year.",
    "The minister said the government would not allow anyone to exploit the situation.",
    "Police said a case had been registered and further investigation was under way.",
    "The meeting was also attended by senior officials of the finance and planning departments.",
    "Talks are expected to resume after the holidays, diplomats in {city} said.",
    "A consultant from São Paulo said the naïve assumptions of the first draft had been corrected.",
    "The board's chairman said the new rules would take effect from the 1st of next month.",
    "Officials said the scheme would cover both urban and rural areas of the province.",
    "Farmers' representatives demanded timely supply of fertiliser and seed before sowing.",
    "The spokesperson added that the figures would be published on the department's website.",
    "Engineers said the first section of the road — about {n} km long — was\u00a0nearly done.",
    "The court adjourned the hearing until {weekday}, directing the parties to submit replies.",
    "Students and teachers welcomed the decision, saying it would ease pressure on families.",
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AD_KINDS = ("teads", "gpt", "mob")
TRACKING_SUFFIXES = (
    "?utm_source=twitter&utm_medium=social#comments",
    "#comments",
    "?utm_source=facebook",
)


def slugify(text: str, limit: int | None = None) -> str:
    """URL slug the way the site makes it: lower-case, non-alphanumerics to '-', maybe cut."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if limit is not None:
        slug = slug[:limit].rstrip("-")
    return slug


PROPER_WORDS = frozenset({"Pakistan", "Zürich", "Gaddafi's"})


def sentence_case(title: str) -> str:
    """The h2 summary's form of a title: sentence case, proper nouns kept."""
    words = title.split(" ")
    rest = [w if w.strip("“”") in PROPER_WORDS else w.lower() for w in words[1:]]
    return " ".join([words[0], *rest])


def ordinal(day: int) -> str:
    """'1st', '2nd', '11th', '23rd': the day form used in datelines."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def iso(dt: datetime) -> str:
    """The item contract's timestamp form: ``2022-12-30T15:20:00+05:00``."""
    return dt.isoformat(timespec="seconds")


def iso_compact(dt: datetime) -> str:
    """JSON-LD's timestamp form on the site: offset without colon (``+0500``)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass(frozen=True)
class Author:
    """A byline: name and an optional Twitter handle (with '@')."""

    name: str
    handle: str | None

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class Dateline:
    """The prefix of a story's first paragraph: place and agency."""

    place: str
    agency: str

    def render(self, published: datetime) -> str:
        day = ordinal(published.day)
        return f"{self.place}, ({self.agency} - {day} {published:%b}, {published.year} ) :"


@dataclass
class Story:
    """One story URL of the site, with everything its page and its ground truth need.

    ``kind`` is ``"story"`` (listed on its category), ``"topic_only"`` (reachable only via
    topic pages) or a drop reason (``not_found``, ``missing_published_at``, ``missing_title``).
    """

    index: int
    article_id: int
    kind: str
    section: str
    category: str
    title: str
    summary: str | None
    author: Author | None
    published: datetime
    modified: datetime | None
    dateline: Dateline | None
    paragraphs: list[str]
    topics: list[str]
    image_url: str
    first_in_p: bool
    ads: dict[int, list[str]] = field(default_factory=dict)
    """Paragraph index -> ad blocks rendered right after that paragraph."""
    newsarticle_position: int | None = 3
    """Position of the NewsArticle JSON-LD among the page's scripts; None: no NewsArticle."""
    jsonld_author: str | None = None
    """'person', 'organization' or None (no author in the NewsArticle)."""
    tracking: str = ""
    """Query/fragment appended to this story's links in listing cards."""
    edition: int = 1

    @cached_property
    def slug(self) -> str:
        return slugify(self.title, 40)

    @cached_property
    def path(self) -> str:
        return f"/en/{self.section}/{self.slug}-{self.article_id}.html"

    @property
    def is_item(self) -> bool:
        """Whether a correct crawler must emit this story."""
        return self.kind in ("story", "topic_only")

    @property
    def on_listing(self) -> bool:
        """Whether the story has a card on its category listing."""
        return self.kind != "topic_only"

    @property
    def teaser_eligible(self) -> bool:
        """Teasers link only listed, valid stories (topic-only stories stay hidden)."""
        return self.kind == "story"

    @property
    def body(self) -> str:
        return "\n\n".join(" ".join(p.split()) for p in self.paragraphs)

    def ground_truth(self, base_url: str) -> dict[str, Any]:
        """The item a correct crawler emits for this story (the output contract's fields)."""
        body = self.body
        has_article_ld = self.newsarticle_position is not None
        return {
            "url": base_url + self.path,
            "article_id": str(self.article_id),
            "title": self.title,
            "summary": self.summary,
            "author": self.author.name if self.author else None,
            "author_handle": self.author.handle if self.author else None,
            "published_at": iso(self.published),
            "modified_at": iso(self.modified) if self.modified and has_article_ld else None,
            "section": self.section,
            "category": self.category,
            "dateline_place": self.dateline.place if self.dateline else None,
            "source_agency": self.dateline.agency if self.dateline else None,
            "body": body,
            "related_topics": list(self.topics),
            "image_url": self.image_url if has_article_ld else None,
            "language": "en",
            "word_count": len(body.split()),
        }


@dataclass
class Site:
    """All stories of one edition, oldest first, with the derived listings and teasers."""

    seed: int
    edition: int
    base_stories: int
    stories: list[Story]

    def __post_init__(self) -> None:
        self._eligible = [s for s in self.stories if s.teaser_eligible]
        self._by_section: dict[str, list[Story]] = {c: [] for c in CATEGORIES}
        for s in self._eligible:
            self._by_section[s.section].append(s)
        pools = (self._eligible, *self._by_section.values())
        self._keys = {id(pool): [s.index for s in pool] for pool in pools}

    @property
    def categories(self) -> list[str]:
        return list(CATEGORIES)

    def listing(self, section: str) -> list[Story]:
        """Cards of a category listing, newest first."""
        return [s for s in reversed(self.stories) if s.section == section and s.on_listing]

    def topic_listing(self, topic: str) -> list[Story]:
        """Stories naming ``topic``, newest first."""
        return [s for s in reversed(self.stories) if topic in s.topics]

    def latest(self, count: int) -> list[Story]:
        """The newest listed stories (for the RSS feed)."""
        return list(reversed(self._eligible[-count:]))

    def _around(self, pool: list[Story], story: Story, count: int) -> list[Story]:
        """Up to ``count`` stories published just before, filled with the ones just after.

        Depends only on older stories (and, for the very first ones, on stories that exist in
        every edition), so an article page does not change when an edition adds stories.
        """
        keys = self._keys[id(pool)]
        pos = bisect_right(keys, story.index)
        before = pool[max(0, pos - count - 1) : pos]
        chosen = [s for s in reversed(before) if s is not story][:count]
        chosen += [s for s in pool[pos : pos + count] if s is not story][: count - len(chosen)]
        return chosen

    def recent_for(self, story: Story, count: int = 6) -> list[Story]:
        """'Recent Stories' teasers of a story page."""
        return self._around(self._eligible, story, count)

    def more_for(self, story: Story, count: int = 4) -> list[Story]:
        """'More Stories From <Category>' teasers: stories of the same section."""
        return self._around(self._by_section[story.section], story, count)

    def topics_in_use(self) -> list[str]:
        return [t for t in TOPICS if any(t in s.topics for s in self.stories)]


def _category_for(seed: int, index: int) -> str:
    """Categories in shuffled blocks of five: every category gets a fifth of the stories."""
    block_rng = random.Random(f"{seed}:categories:{index // len(CATEGORIES)}")
    order = list(CATEGORIES)
    block_rng.shuffle(order)
    return order[index % len(CATEGORIES)]


def _paragraphs(rng: random.Random, section: str, actor: str) -> list[str]:
    """Body paragraphs (without dateline): 1 to 12 of them, at least 40 words in total."""
    places = WORLD_PLACES if section == "world" else PK_PLACES
    count = 1 if rng.random() < 0.12 else rng.randint(2, 12)

    order = list(SENTENCES)
    rng.shuffle(order)
    picks = iter(order * 3)  # no sentence repeats until the templates run out

    def sentence() -> str:
        return next(picks).format(
            actor=actor.lower(),
            city=rng.choice(places),
            weekday=rng.choice(WEEKDAYS),
            n=rng.randint(2, 90),
            pct=rng.randint(3, 40),
        )

    paragraphs = [" ".join(sentence() for _ in range(rng.randint(1, 3))) for _ in range(count)]
    while sum(len(p.split()) for p in paragraphs) < 40:
        paragraphs[-1] += " " + sentence()
    return paragraphs


def make_story(
    seed: int,
    index: int,
    article_id: int,
    published: datetime,
    kind: str,
    listed_topics: list[str],
    edition: int,
) -> Story:
    """Build story ``index``; ``listed_topics`` are topics named by listed stories before it."""
    rng = random.Random(f"{seed}:story:{index}")
    section = _category_for(seed, index)
    actor, verb, obj = rng.choice(ACTORS), rng.choice(VERBS), rng.choice(OBJECTS)
    title = f"{actor} {verb} {obj}"
    summary = None if rng.random() < 0.15 else sentence_case(title)

    wire = rng.random() < 0.25
    author = None if wire else Author(*rng.choice(AUTHORS))
    places = WORLD_PLACES if section == "world" else PK_PLACES
    place = rng.choice(places)
    dateline: Dateline | None
    if rng.random() < 0.18:
        dateline = None
    elif wire:
        dateline = Dateline(place.upper(), AGENCY_APP)
    else:
        dateline = Dateline(place.upper() if rng.random() < 0.5 else place, AGENCY_UP)

    paragraphs = _paragraphs(rng, section, actor)
    first_in_p = rng.random() < 0.2

    ads: dict[int, list[str]] = {}
    for ad in AD_KINDS:
        if rng.random() < 0.7:
            # Between paragraphs; after the only one when there is just one.
            after = rng.randrange(max(1, len(paragraphs) - 1))
            ads.setdefault(after, []).append(ad)

    newsarticle_position = None if rng.random() < 0.1 else rng.randrange(4)
    modified = published + timedelta(minutes=rng.randint(20, 400)) if rng.random() < 0.3 else None
    jsonld_author = "person" if author else ("organization" if rng.random() < 0.5 else None)

    if kind == "topic_only":
        topics = [rng.choice(listed_topics)]
        extra = [t for t in rng.sample(TOPICS, rng.randint(0, 2)) if t not in topics]
        topics += extra
    elif kind == "story":
        topics = [] if rng.random() < 0.15 else rng.sample(TOPICS, rng.randint(1, 6))
    else:
        topics = []

    category = CATEGORIES[section]
    if section == "world" and rng.random() < 0.4:
        category = MISC_CATEGORY
    tracking = rng.choice(TRACKING_SUFFIXES) if rng.random() < 0.15 else ""
    image_url = (
        f"https://photo-cdn.urdupoint.com/media/{published:%Y}/{published:%m}/_3/730x425/"
        f"pic_{int(published.timestamp())}.jpg"
    )
    return Story(
        index=index,
        article_id=article_id,
        kind=kind,
        section=section,
        category=category,
        title=title,
        summary=summary,
        author=author,
        published=published,
        modified=modified,
        dateline=dateline,
        paragraphs=paragraphs,
        topics=topics,
        image_url=image_url,
        first_in_p=first_in_p,
        ads=ads,
        newsarticle_position=newsarticle_position,
        jsonld_author=jsonld_author,
        tracking=tracking,
        edition=edition,
    )


def build_model(stories: int = 150, seed: int = 7, edition: int = 1) -> Site:
    """The whole site of an edition: ``stories`` base stories plus 12 per later edition."""
    if stories < 1 or edition < 1:
        raise ValueError("stories and edition must be positive")
    total = stories + NEW_STORIES_PER_EDITION * (edition - 1)
    result: list[Story] = []
    listed_topics: set[str] = set()
    published = START_TIME
    article_id = START_ID
    for index in range(total):
        clock = random.Random(f"{seed}:clock:{index}")
        if index:
            # Gaps under an hour put a story in every clock hour (12 AM and 12 PM included).
            published += timedelta(minutes=clock.randint(5, 59))
        article_id += clock.randint(1, 40)
        kind = "story"
        if index < stories and index in DROP_KINDS:
            kind = DROP_KINDS[index]
        elif index < stories and index % TOPIC_ONLY_EVERY == TOPIC_ONLY_OFFSET and listed_topics:
            kind = "topic_only"
        edition_of = 1 if index < stories else 2 + (index - stories) // NEW_STORIES_PER_EDITION
        story = make_story(
            seed,
            index,
            article_id,
            published,
            kind,
            sorted(listed_topics),
            edition_of,
        )
        if story.kind == "story":
            listed_topics.update(story.topics)
        result.append(story)
    return Site(seed=seed, edition=edition, base_stories=stories, stories=result)
