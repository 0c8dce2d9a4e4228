# ruff: noqa: RUF001  (the story text deliberately holds en dashes and curly single quotes)
"""The sample site's content model: stories, categories, topics and authors.

Everything is derived from ``random.Random`` instances seeded from ``(seed, story index)``, so a
story's content never depends on how many stories follow it: a later edition only appends stories
and the earlier ones stay identical. Stdlib only.

Besides ordinary stories the site holds the cases of docs/site.md's "What goes wrong on the real
site", planned per block of ``BLOCK`` base stories (the default build is one block; larger builds
repeat the plan in every block, so the counts scale with the size). Each is linked from its
category listing like any story:

- ``duplicate_body``: an APP wire story published again 5-59 minutes later under a new id and a
  new slug, with the same body text (ads placed differently). The earlier one is the item.
- ``near_duplicate``: a later copy of a story of 80+ words, with two words changed, a comma
  dropped and a double space.
- ``stub``: a video-only story whose text is one short line (mostly with a YouTube iframe).
- ``not_found``: a removed story answering 200 with a "Page Not Found" page.
- ``template``: "Gold Rate In Pakistan Today <D> <Month> <YYYY>", one per day of the site's span,
  all in business, the same text but for numbers, dates, day and month names. The earliest is
  the item; every later one is a drop.
- Boilerplate: ``PROMO_LINE`` and ``LEGAL_LINE`` as extra paragraphs of many ordinary stories;
  their ground-truth body (and word count) leaves them out.

A drop that copies a kept story names it in ``duplicate_of`` (the kept story's article id). Every
later edition adds ``NEW_STORIES_PER_EDITION`` items plus two drops: the next day's gold rate and
one more copy of an edition-1 APP wire story.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any

PKT = timezone(timedelta(hours=5))
"""The site's clock: Pakistan time, UTC+05:00, no DST."""

START_TIME = datetime(2026, 11, 22, 0, 5, tzinfo=PKT)
#: The newest story of a first edition is never later than this (see ``_timeline``).
LATEST_BASE = datetime(2026, 11, 25, 6, 0, tzinfo=PKT)
START_ID = 2190000
NEW_STORIES_PER_EDITION = 12
"""Items each edition after the first adds (its two drops come on top)."""
EDITION_GOLD_SLOT = 2
EDITION_WIRE_SLOT = 9
EDITION_SLOTS = NEW_STORIES_PER_EDITION + 2
"""Story slots per later edition: 12 items, a gold rate (slot 2) and a wire copy (slot 9)."""
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

BLOCK = 150
"""The special cases below repeat, at the same offsets, in every block of this many base stories.

No offset is 3 modulo 10, so none falls on a topic-only slot (index % 20 == 13).
"""
WIRE_PAIRS = ((20, 21), (88, 89))
"""(original, copy) offsets: an APP wire story and its ``duplicate_body`` copy right after it."""
NEAR_PAIRS = ((45, 60), (100, 118))
"""(original, copy) offsets: a story of 80+ words and its ``near_duplicate`` copy."""
STUB_OFFSETS = (50, 97, 141)
NOT_FOUND_OFFSETS = (11, 77)
GOLD_HOUR = 7
"""A day's gold rate is its first free story from 07:00 (else the day's last free story)."""

PROMO_LINE = "Follow UrduPoint on WhatsApp and Google News for the latest updates."
LEGAL_LINE = "Copying this story without permission is prohibited under the Copyright Ordinance."
BOILERPLATE_LINES = (PROMO_LINE, LEGAL_LINE)
"""Paragraphs that are not story text: rendered in bodies, left out of the ground truth."""
PROMO_EVERY, PROMO_OFFSET = 5, 2
LEGAL_EVERY, LEGAL_OFFSET = 7, 4

STUBS = (
    (
        "Prime Minister Addresses The Nation",
        "Watch the video: Prime Minister addresses the nation.",
    ),
    ("Heavy Rain Lashes Karachi", "Watch the video: heavy rain lashes Karachi on {weekday}."),
    ("Fans Celebrate Series Win", "Watch the video: fans celebrate the series win in {city}."),
    ("Fire Breaks Out In Warehouse", "Watch the video: a fire breaks out in a {city} warehouse."),
    ("Traffic Chaos On The Motorway", "Watch: traffic chaos on the motorway near {city}."),
    ("Students Protest Fee Hike", "Watch the video: students in {city} protest the fee hike."),
    ("Snowfall Blankets Northern Areas", "Watch the video: snowfall blankets the northern areas."),
)
"""Video-only stories: title and their one line (under 15 words)."""

NEAR_EDITS = (
    (r"\bsaid\b", "stated"),
    (r"\bofficials\b", "authorities"),
    (r"\bmeeting\b", "session"),
    (r"\bthe\b", "this"),
)
"""Word changes a near-duplicate copy makes (the first two that apply)."""

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


ITEM_KINDS = ("story", "topic_only")
"""Story kinds a correct crawler emits; every other kind is a drop reason."""


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

    @property
    def display_place(self) -> str:
        """The place as the feed gives it: title case, whatever case the page uses."""
        return self.place.title() if self.place.isupper() else self.place

    def render(self, published: datetime) -> str:
        day = ordinal(published.day)
        return f"{self.place}, ({self.agency} - {day} {published:%b}, {published.year} ) :"

    def render_wire(self, published: datetime) -> str:
        """The wire agencies' form, the date beside the place (a variant of the site)."""
        return f"{self.place}, {published:%b} {published.day}, {published.year} ({self.agency}): "


@dataclass
class Story:
    """One story URL of the site, with everything its page and its ground truth need.

    ``kind`` is ``"story"`` (listed on its category), ``"topic_only"`` (reachable only via
    topic pages) or a drop reason (``not_found``, ``missing_published_at``, ``missing_title``,
    ``duplicate_body``, ``near_duplicate``, ``stub``, ``template``).
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
    duplicate_of: int | None = None
    """For a drop that copies a kept story: the kept story's article id."""
    boilerplate: tuple[tuple[int, str], ...] = ()
    """(position, text): non-story paragraphs rendered before paragraph ``position`` (after the
    last one when ``position == len(paragraphs)``); not part of the body."""
    video: str | None = None
    """YouTube id of an embedded video (rendered after the first paragraph)."""
    slug_limit: int | None = 40
    """Cut of the URL slug (None: the whole title; wire copies get another slug this way)."""
    signature: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """The sentence templates of the body, in order (see ``build_model``)."""

    @cached_property
    def slug(self) -> str:
        return slugify(self.title, self.slug_limit)

    @cached_property
    def path(self) -> str:
        return f"/en/{self.section}/{self.slug}-{self.article_id}.html"

    @property
    def is_item(self) -> bool:
        """Whether a correct crawler must emit this story."""
        return self.kind in ITEM_KINDS

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
            "dateline_place": self.dateline.display_place if self.dateline else None,
            "source_agency": self.dateline.agency if self.dateline else None,
            "body": body,
            "related_topics": list(self.topics),
            "image_url": self.image_url if has_article_ld else None,
            "language": "en",
            "word_count": len(body.split()),
        }


@dataclass
class SiteModel:
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


def _paragraphs(
    rng: random.Random, section: str, actor: str, min_words: int = 40
) -> tuple[list[str], tuple[str, ...]]:
    """Body paragraphs (without dateline): 1 to 12 of them, at least ``min_words`` words.

    Also returns the body's signature: the sentence templates it uses, in order.
    """
    places = WORLD_PLACES if section == "world" else PK_PLACES
    count = 1 if rng.random() < 0.12 else rng.randint(2, 12)

    order = list(SENTENCES)
    rng.shuffle(order)
    picks = iter(order * 3)  # no sentence repeats until the templates run out
    used: list[str] = []

    def sentence() -> str:
        used.append(next(picks))
        return used[-1].format(
            actor=actor.lower(),
            city=rng.choice(places),
            weekday=rng.choice(WEEKDAYS),
            n=rng.randint(2, 90),
            pct=rng.randint(3, 40),
        )

    paragraphs = [" ".join(sentence() for _ in range(rng.randint(1, 3))) for _ in range(count)]
    while sum(len(p.split()) for p in paragraphs) < min_words:
        paragraphs[-1] += " " + sentence()
    return paragraphs, tuple(used)


def _ads(rng: random.Random, paragraphs: int) -> dict[int, list[str]]:
    """Ad blocks between paragraphs; after the only one when there is just one."""
    ads: dict[int, list[str]] = {}
    for ad in AD_KINDS:
        if rng.random() < 0.7:
            ads.setdefault(rng.randrange(max(1, paragraphs - 1)), []).append(ad)
    return ads


def make_story(
    seed: int,
    index: int,
    article_id: int,
    published: datetime,
    kind: str,
    listed_topics: list[str],
    edition: int,
    min_words: int = 40,
    salt: int = 0,
) -> Story:
    """Build story ``index``; ``listed_topics`` are topics named by listed stories before it.

    A ``salt`` gives the story other content (used when its body would echo an earlier one's).
    """
    rng = random.Random(f"{seed}:story:{index}" + (f":{salt}" if salt else ""))
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

    paragraphs, signature = _paragraphs(rng, section, actor, min_words)
    first_in_p = rng.random() < 0.2
    ads = _ads(rng, len(paragraphs))

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
        signature=signature,
    )


def _timeline(seed: int, total: int, base: int) -> list[tuple[datetime, int]]:
    """(published, article id) of every story index; both grow with the index.

    A large site starts earlier, so that its first edition still ends by ``LATEST_BASE``:
    the crawler refuses stories dated in the future, and the site must look like the past.
    The shift depends only on the seed and the base size, so editions stay consistent.
    """
    out = []
    published, article_id = START_TIME, START_ID
    for index in range(total):
        clock = random.Random(f"{seed}:clock:{index}")
        if index:
            # Gaps under an hour put a story in every clock hour (12 AM and 12 PM included).
            published += timedelta(minutes=clock.randint(5, 59))
        article_id += clock.randint(1, 40)
        out.append((published, article_id))
    overshoot = out[min(base, total) - 1][0] - LATEST_BASE
    if overshoot > timedelta(0):
        out = [(moment - overshoot, story_id) for moment, story_id in out]
    return out


Role = tuple[str, int | None]
"""A special case: its name and a number (the copied story's index; a stub's number)."""


def _base_roles(stories: int, times: list[datetime]) -> dict[int, Role]:
    """Base story index -> its special case, by block, plus one gold rate per day."""
    roles: dict[int, Role] = {}
    for block, start in enumerate(range(0, stories, BLOCK)):
        for pairs, original, copy in (
            (WIRE_PAIRS, "wire_original", "wire_copy"),
            (NEAR_PAIRS, "near_original", "near_copy"),
        ):
            for a, b in pairs:
                if start + b < stories:
                    roles[start + a] = (original, None)
                    roles[start + b] = (copy, start + a)
        for k, offset in enumerate(STUB_OFFSETS):
            if start + offset < stories:
                roles[start + offset] = ("stub", block * len(STUB_OFFSETS) + k)
        for offset in NOT_FOUND_OFFSETS:
            if start + offset < stories:
                roles[start + offset] = ("not_found", None)
    taken = set(roles) | set(DROP_KINDS)
    free_by_day: dict[date, list[int]] = {}
    for index in range(stories):
        if index not in taken and index % TOPIC_ONLY_EVERY != TOPIC_ONLY_OFFSET:
            free_by_day.setdefault(times[index].date(), []).append(index)
    for free in free_by_day.values():
        later = [i for i in free if times[i].hour >= GOLD_HOUR]
        roles[later[0] if later else free[-1]] = ("gold", None)
    return roles


def _as_wire(story: Story) -> Story:
    """The story as an APP wire story: no author, an APP dateline."""
    places = WORLD_PLACES if story.section == "world" else PK_PLACES
    place = story.dateline.place if story.dateline else places[story.index % len(places)]
    jsonld_author = "organization" if story.jsonld_author == "person" else story.jsonld_author
    return replace(
        story,
        author=None,
        dateline=Dateline(place.upper(), AGENCY_APP),
        jsonld_author=jsonld_author,
    )


def _small_edits(paragraphs: list[str]) -> list[str]:
    """Two changed words, a dropped comma and a double space (80+ words stay ≥ 0.9 similar)."""
    out = list(paragraphs)
    changed = 0
    for pattern, word in NEAR_EDITS:
        for i, text in enumerate(out):
            new, hits = re.subn(pattern, word, text, count=1)
            if hits:
                out[i], changed = new, changed + 1
                break
        if changed == 2:
            break
    for i, text in enumerate(out):
        new, hits = re.subn(r"(\w),(\s)", r"\1\2", text, count=1)
        if hits:
            out[i] = new
            break
    out[-1] = re.sub(r"(\w) (\w)", r"\1  \2", out[-1], count=1)
    return out


def _copy(original: Story, slot: Story, seed: int, near: bool) -> Story:
    """``original`` again at ``slot``'s index, id and time (ads placed anew, no topics)."""
    rng = random.Random(f"{seed}:copy:{slot.index}")
    paragraphs = _small_edits(original.paragraphs) if near else list(original.paragraphs)
    return replace(
        slot,
        kind="near_duplicate" if near else "duplicate_body",
        section=original.section,
        category=original.category,
        title=original.title,
        summary=original.summary,
        author=original.author,
        dateline=original.dateline,
        jsonld_author=original.jsonld_author,
        paragraphs=paragraphs,
        topics=[],
        ads=_ads(rng, len(paragraphs)),
        duplicate_of=original.article_id,
        # A wire copy's slug is cut elsewhere, so its URL differs beyond the id.
        slug_limit=40 if near else None,
    )


def _stub(story: Story, seed: int, number: int) -> Story:
    """A video-only story: one short line, and (mostly) a YouTube iframe."""
    rng = random.Random(f"{seed}:stub:{story.index}")
    title, line = STUBS[number % len(STUBS)]
    line = line.format(weekday=WEEKDAYS[story.published.weekday()], city=rng.choice(PK_PLACES))
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    video = "".join(rng.choice(alphabet) for _ in range(11)) if number % 3 != 2 else None
    return replace(
        story,
        kind="stub",
        title=f"Video: {title}",
        summary=None,
        dateline=None,
        paragraphs=[line],
        topics=[],
        ads={},
        video=video,
    )


def gold_paragraphs(day: date, seed: int) -> list[str]:
    """The gold-rate template: only numbers, dates, day and month names change.

    Every number keeps its digit count and grouping from day to day, so the texts stay equal
    once digit runs are masked; about one word in eight changes, which keeps two days' texts
    under 0.9 word-level similarity (a template copy, not a near-duplicate).
    """
    rng = random.Random(f"{seed}:gold:{day.isoformat()}")
    weekday = WEEKDAYS[day.weekday()]
    tola = rng.randrange(270_000, 300_000, 100)
    up = rng.randrange(1_000, 3_000, 100)
    ten_grams = round(tola / 11.664) * 10
    k22 = round(tola * 0.9166 / 100) * 100
    k22_ten = round(k22 / 11.664) * 10
    ounce, premium = rng.randint(2_550, 2_800), rng.randint(10, 40)
    silver = rng.randrange(3_000, 3_600, 10)
    silver_ten = round(silver / 11.664) * 10
    return [
        f"The price of 24-karat gold in Pakistan on {weekday}, {day.day} {day:%B} {day.year} "
        f"stood at Rs {tola:,} per tola, up Rs {up:,} from the previous day.",
        f"The price of 10 grams of 24-karat gold rose to Rs {ten_grams:,}, while 22-karat gold "
        f"was sold at Rs {k22:,} per tola and Rs {k22_ten:,} per 10 grams, the All Pakistan "
        "Gems and Jewellers Sarafa Association said.",
        f"In the international market, gold was trading at ${ounce:,} per ounce on {weekday}, "
        f"with a premium of ${premium} per ounce.",
        f"Silver was sold at Rs {silver:,} per tola and Rs {silver_ten:,} per 10 grams in "
        f"Karachi, Lahore, Islamabad and other cities on {day.day} {day:%B}.",
    ]


def _gold(story: Story, seed: int, day: date, first: Story | None) -> Story:
    """The gold rate of ``day``: the series' first is an item, later ones are template drops."""
    when = f"{day.day} {day:%B} {day.year}"
    paragraphs = gold_paragraphs(day, seed)
    return replace(
        story,
        kind="story" if first is None else "template",
        section="business",
        category=CATEGORIES["business"],
        title=f"Gold Rate In Pakistan Today {when}",
        summary=f"Gold rate in Pakistan today {when}",
        dateline=None if story.dateline is None else Dateline("KARACHI", AGENCY_UP),
        paragraphs=paragraphs,
        topics=["Gold"] if first is None else [],
        ads=_ads(random.Random(f"{seed}:gold-ads:{story.index}"), len(paragraphs)),
        duplicate_of=None if first is None else first.article_id,
    )


def _with_boilerplate(story: Story) -> Story:
    """Promo and legal lines on a share of ordinary stories (promo mostly last)."""
    count = len(story.paragraphs)
    extras = []
    if story.index % PROMO_EVERY == PROMO_OFFSET:
        before_last = count >= 2 and (story.index // PROMO_EVERY) % 4 == 1
        extras.append((count - 1 if before_last else count, PROMO_LINE))
    if story.index % LEGAL_EVERY == LEGAL_OFFSET:
        extras.append((count, LEGAL_LINE))
    return replace(story, boilerplate=tuple(extras)) if extras else story


def _edition_wire_source(
    base: list[Story], roles: dict[int, Role], seed: int, edition: int
) -> int | None:
    """An ordinary edition-1 APP wire story for edition ``edition`` to publish again."""
    candidates = [
        s.index
        for s in base
        if s.kind == "story"
        and s.index not in roles
        and s.author is None
        and s.dateline is not None
        and s.dateline.agency == AGENCY_APP
        and not s.boilerplate
    ]
    if not candidates:
        return None
    return random.Random(f"{seed}:edition-wire:{edition}").choice(candidates)


def build_model(stories: int = 150, seed: int = 7, edition: int = 1) -> SiteModel:
    """The whole site of an edition: ``stories`` base stories plus 14 per later edition.

    Of a later edition's 14 stories, 12 are items; slot 2 is the next day's gold rate and slot 9
    a copy of an edition-1 APP wire story (both drops).
    """
    if stories < 1 or edition < 1:
        raise ValueError("stories and edition must be positive")
    total = stories + EDITION_SLOTS * (edition - 1)
    timeline = _timeline(seed, total, stories)
    roles = _base_roles(stories, [published for published, _ in timeline])
    result: list[Story] = []
    listed_topics: set[str] = set()
    first_gold: Story | None = None
    gold_day: date | None = None
    # Two item bodies on the same sentence templates in the same order would be near-duplicates
    # (or, with few numbers, equal): a story whose signature is taken gets other content.
    signatures: set[tuple[str, ...]] = set()
    for index, (published, article_id) in enumerate(timeline):
        role, number = roles.get(index, (None, None))
        kind = "story"
        if index < stories:
            edition_of = 1
            if index in DROP_KINDS:
                kind = DROP_KINDS[index]
            elif role == "not_found":
                kind = "not_found"
            elif index % TOPIC_ONLY_EVERY == TOPIC_ONLY_OFFSET and listed_topics:
                kind = "topic_only"
        else:
            slot = (index - stories) % EDITION_SLOTS
            edition_of = 2 + (index - stories) // EDITION_SLOTS
            if slot == EDITION_GOLD_SLOT:
                role = "gold"
            elif slot == EDITION_WIRE_SLOT:
                number = _edition_wire_source(result[:stories], roles, seed, edition_of)
                role = None if number is None else "wire_copy"
        plain = role in (None, "wire_original", "near_original") and kind in ITEM_KINDS
        salt = 0
        while True:
            story = make_story(
                seed,
                index,
                article_id,
                published,
                kind,
                sorted(listed_topics),
                edition_of,
                min_words=90 if role == "near_original" else 40,
                salt=salt,
            )
            if not plain or story.signature not in signatures:
                break
            salt += 1
        if plain:
            signatures.add(story.signature)
        if role == "wire_original":
            story = _as_wire(story)
        elif role in ("wire_copy", "near_copy") and number is not None:
            story = _copy(result[number], story, seed, near=role == "near_copy")
        elif role == "stub" and number is not None:
            story = _stub(story, seed, number)
        elif role == "gold":
            day = published.date()
            if index >= stories and gold_day is not None:
                day = max(day, gold_day + timedelta(days=1))
            story = _gold(story, seed, day, first_gold)
            first_gold = first_gold or story
            gold_day = day
        elif role is None and story.is_item:
            story = _with_boilerplate(story)
        if story.kind == "story":
            listed_topics.update(story.topics)
        result.append(story)
    return SiteModel(seed=seed, edition=edition, base_stories=stories, stories=result)
