"""HTML/XML rendering of the sample site's pages, in the markup of the reference pages.

Templates are Python strings (not files next to ``__file__``) so the package also works from a
zipped egg. Text is escaped with ``html.escape``; in-page links are root-relative, absolute URLs
(canonical, og:url, JSON-LD, RSS) start with ``base_url``. A story body (``div.detail_txt``) holds
its paragraphs, ad blocks between them, and, on some stories, boilerplate paragraphs (promo and
legal lines, as plain ``<p>``) and a ``div.video_wrap`` YouTube iframe.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any

from .model import CATEGORIES, OLD_LAYOUT_CATEGORIES, SiteModel, Story, iso_compact, slugify

PER_PAGE = 10
PAGINATION_WINDOW = 5

GPT_HEAD = (
    '<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>\n'
    "<script>window.googletag = window.googletag || {cmd: []};\n"
    "googletag.cmd.push(function() { googletag.defineSlot('/21678054/up-v2/en-detail-top', "
    "[[970, 90], [728, 90]], 'div-gpt-ad-top').addService(googletag.pubads()); "
    "googletag.pubads().setTargeting('site',['english']); googletag.enableServices(); });</script>"
)

HEADER = (
    '<header id="header"><div class="logo"><a href="/">'
    '<img src="/images/logo.svg" alt="UrduPoint" width="180" height="40"></a></div>\n'
    '<ul class="nav_en">'
    + "".join(
        f'<li><a href="/en/news/{slug}.html">{name}</a></li>' for slug, name in CATEGORIES.items()
    )
    + '<li><a href="/daily/">اردو</a></li>'
    '<li><a href="https://www.facebook.com/urdupoint" rel="nofollow">Facebook</a></li>'
    '<li><a href="https://twitter.com/DailyUrduPoint" rel="nofollow">Twitter</a></li></ul>\n'
    '<div id="breaking_box_wrap"></div></header>'
)

_SITE_LINKS = (
    ("/en/education.html", "Education"),
    ("/daily/", "Urdu News"),
    ("/en/car-prices.html", "Car Prices"),
    ("/en/breaking-news.html", "Breaking News"),
    ("/en/", "English News"),
    ("/en/live-tv.html", "Live Tv Channels"),
    ("/horoscope/", "Urdu Horoscope"),
    ("/islam/prayer-timings.html", "Prayer Times"),
    ("/en/travel.html", "Travel"),
)

FOOTER = (
    '<footer id="footer"><div class="footer_links"><a href="/en/about-us.html">About Us</a> | '
    '<a href="/en/contact-us.html">Contact Us</a> | '
    '<a href="/en/advertisement.html">Advertisment</a></div>\n'
    '<div class="footer_about"><h4>ABOUT US</h4><h4>Our Network</h4><h4>Who We Are</h4>'
    "<h4>Site Links:</h4>\n<p>"
    + " - ".join(f'<a href="{href}">{text}</a>' for href, text in _SITE_LINKS)
    + "</p>\n<p>UrduPoint Network is the largest independent digital media house from Pakistan, "
    "catering the needs of its users since year 1997. We provide breaking news, Pakistani news, "
    "International news, Business news, Sports news, Urdu news and Live Urdu News</p>\n"
    '<p class="copyright">&copy; 1997-{year} UrduPoint Network</p>\n'
    "<p>All rights of the publication are reserved by UrduPoint.com. Reproduction without proper "
    "consent is not allowed.</p></div></footer>"
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="canonical" href="{canonical}">
<link rel="stylesheet" href="/css/style.css">
{head_extra}
{gpt_head}
</head>
<body>
<div id="main_wrap">
{header}
<div class="container" id="main_content">
{content}
</div>
{footer}
</div>
</body>
</html>
"""

AD_HTML = {
    "teads": '<div id="teads_upw"></div>',
    "gpt": (
        '<div class="div-gpt-ad-outstream-wrap"><div id="div-gpt-ad-1609335622221-0"><script>'
        "googletag.cmd.push(function() { googletag.display('div-gpt-ad-1609335622221-0'); });"
        "</script></div></div>"
    ),
    "mob": (
        "<style>#eng_mob_ad_wrap{min-height:250px}</style>"
        '<div id="eng_mob_ad_wrap" class="txt_center"><span class="ad_label">Advertisement</span>'
        '<ins class="adsbygoogle"></ins></div>'
    ),
}

VIDEO_HTML = (
    '<div class="video_wrap"><iframe src="https://www.youtube.com/embed/{video}" '
    "allowfullscreen></iframe></div>"
)


def esc(text: str) -> str:
    """HTML-escape text, writing non-breaking spaces as ``&nbsp;`` like the site does."""
    return escape(text).replace("\xa0", "&nbsp;")


def _page(title: str, canonical: str, content: str, year: int, head_extra: str = "") -> str:
    """A full page around ``content``: head, site header, footer (as the reference pages)."""
    return PAGE.format(
        title=esc(title),
        canonical=esc(canonical),
        head_extra=head_extra,
        gpt_head=GPT_HEAD,
        header=HEADER,
        content=content,
        footer=FOOTER.replace("{year}", str(year)),
    )


def _ld(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def card_date(dt: datetime) -> str:
    return f"{dt.day} {dt:%b %Y}"


def byline_date(dt: datetime) -> str:
    """``December 30, 2022 | 03:20 PM`` (12-hour clock, site time)."""
    return f"{dt:%B %d, %Y | %I:%M %p}"


def teaser_title(title: str) -> str:
    """A Recent Stories teaser headline: cut to 48 characters and marked with ' ..'."""
    return title if len(title) <= 49 else title[:48].rstrip() + " .."


# --- story -------------------------------------------------------------------------------


def _story_jsonld(story: Story, base_url: str) -> list[str]:
    url = base_url + story.path
    scripts: list[dict[str, Any]] = [
        {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": "UrduPoint",
            "url": f"{base_url}/",
        },
        {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": "UrduPoint",
            "url": f"{base_url}/",
        },
        {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{base_url}/en/"},
                {
                    "@type": "ListItem",
                    "position": 2,
                    "name": story.category,
                    "item": f"{base_url}/en/news/{story.section}.html",
                },
            ],
        },
    ]
    if story.newsarticle_position is not None:
        story_ld: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": url,
        }
        if story.kind != "missing_title":
            story_ld["headline"] = story.title
        if story.kind != "missing_published_at":
            story_ld["datePublished"] = iso_compact(story.published)
        if story.modified is not None:
            story_ld["dateModified"] = iso_compact(story.modified)
        story_ld["image"] = {"@type": "ImageObject", "url": story.image_url}
        story_ld["publisher"] = {"@type": "Organization", "name": "UrduPoint"}
        if story.jsonld_author == "person" and story.author:
            story_ld["author"] = {"@type": "Person", "name": story.author.name}
        elif story.jsonld_author == "organization":
            story_ld["author"] = {"@type": "Organization", "name": "APP"}
        scripts.insert(story.newsarticle_position, story_ld)
    return [_ld(s) for s in scripts]


def _byline(story: Story) -> str:
    spans = []
    if story.author:
        spans.append(
            f'<span class="article-date"><a href="/en/team/{story.author.slug}.html">'
            f"{esc(story.author.name)}</a></span>"
        )
        if story.author.handle:
            handle = story.author.handle
            spans.append(
                f'<span class="article-date">(<a href="https://twitter.com/{esc(handle[1:])}" '
                f'rel="nofollow" target="_blank">{esc(handle)}</a>)</span>'
            )
    if story.kind != "missing_published_at":
        spans.append(f'<span class="article-date">Published {byline_date(story.published)}</span>')
    return '<div class="author_wrap">' + " ".join(spans) + "</div>"


def _detail_txt(story: Story, variant: str | None = None) -> str:
    extras: dict[int, list[str]] = {}
    for position, text in story.boilerplate:
        extras.setdefault(position, []).append(f"<p>{esc(text)}</p>")
    lines = []
    for i, paragraph in enumerate(story.paragraphs):
        lines.extend(extras.get(i, []))
        text = paragraph
        if i == 0 and story.dateline and story.kind != "missing_published_at":
            render_dateline = (
                story.dateline.render_wire if variant == "dateline" else story.dateline.render
            )
            text = render_dateline(story.published) + text
        tag = "p" if i or story.first_in_p else "div"
        lines.append(f"<{tag}>{esc(text)}</{tag}>")
        if i == 0 and story.video:
            lines.append(VIDEO_HTML.format(video=story.video))
        lines.extend(AD_HTML[ad] for ad in story.ads.get(i, []))
    lines.extend(extras.get(len(story.paragraphs), []))
    return '<div class="detail_txt">\n' + "\n".join(lines) + "\n</div>"


def _related_topics(story: Story) -> str:
    if not story.topics:
        return ""
    links = "".join(
        f'<li><a href="/en/topics/{slugify(t)}.html">{esc(t)}</a></li>' for t in story.topics
    )
    return (
        '<div class="related_topics shad_box mb10"><h3 class="sec_title">Related Topics</h3>'
        f'<ul class="tagcloud">{links}</ul></div>\n'
    )


def _recent(story: Story, teasers: list[Story]) -> str:
    items = []
    for t in teasers:
        hours = max(1, round(abs((story.published - t.published).total_seconds()) / 3600))
        items.append(
            f'<li><a href="{t.path}"><h4>{esc(teaser_title(t.title))}</h4><p>{esc(t.title)}</p></a>'
            f'<span class="item_date">{hours} hours ago</span></li>'
        )
    return (
        '<div class="side_bar fr"><div class="recent_stories shad_box mb10">'
        '<h3 class="sec_title">Recent Stories</h3><ul class="news_list">'
        + "".join(items)
        + "</ul></div></div>"
    )


def _more(story: Story, teasers: list[Story]) -> str:
    boxes = "".join(
        f'<div class="news_box"><div class="txt_box"><a href="{t.path}"><h4>{esc(t.title)}</h4></a>'
        f"<p>{esc(t.summary or t.title)}</p></div></div>"
        for t in teasers
    )
    return (
        f'<div class="more_stories shad_box"><h3 class="sec_title">More Stories From '
        f'{esc(story.category)}</h3><div class="list_wrap">{boxes}</div></div>'
    )


#: Markup changes, one at a time, to test that the parser survives a site that changes under
#: it (``build_site(variant=...)``): each name is one change to every story page.
VARIANTS = {
    "body_class": "the body's container class renamed (detail_txt -> story_text)",
    "byline_class": "the byline spans' class renamed (article-date -> post-meta)",
    "dateline": "wire-style datelines: 'Moscow, Dec 30, 2022 (APP):'",
    "topics_h2": "the Related Topics heading an h2, not an h3",
    "jsonld_in_body": "the JSON-LD scripts at the end of the body, not in the head",
    "no_jsonld": "no JSON-LD at all (its image and dateModified are then nowhere)",
    "no_og": "no og: meta tags",
}


def render_story(site: SiteModel, story: Story, base_url: str, variant: str | None = None) -> str:
    """A story page in the markup of ``article-seed-story.html`` (or its ``variant``)."""
    url = base_url + story.path
    missing_title = story.kind == "missing_title"
    head = []
    if not missing_title:
        head.append(f'<meta property="og:title" content="{esc(story.title)}">')
    head += [
        '<meta property="og:type" content="article">',
        f'<meta property="og:url" content="{esc(url)}">',
        f'<meta property="og:image" content="{esc(base_url)}/images/logo-en.png">',
    ]
    if variant == "no_og":
        head = []
    jsonld = [] if variant == "no_jsonld" else _story_jsonld(story, base_url)
    if variant != "jsonld_in_body":
        head += jsonld
    summary = f'<h2 class="fs16 lh28">{esc(story.summary)}</h2>\n' if story.summary else ""
    content = (
        '<div class="main_bar fl news_article">\n<div class="shad_box mb10">\n'
        f'<ul class="bread_crumb_en"><li><a href="/en/">Home</a></li>'
        f'<li><a href="/en/news/{story.section}.html">{esc(story.category)}</a></li></ul>\n'
        f'<h1 class="fs24 lh38">{"" if missing_title else esc(story.title)}</h1>\n'
        f"{_byline(story)}\n{summary}{_detail_txt(story, variant)}\n"
        '<div class="social_sharer"><a href="https://www.facebook.com/sharer.php">Share</a> '
        '<a href="https://twitter.com/intent/tweet">Tweet</a></div>\n'
        f"{_related_topics(story)}</div>\n</div>\n"
        f"{_recent(story, site.recent_for(story))}\n"
        '<div class="clear"></div>\n'
        f"{_more(story, site.more_for(story))}"
    )
    if variant == "jsonld_in_body":
        content += "\n" + "\n".join(jsonld)
    if variant == "body_class":
        content = content.replace('<div class="detail_txt">', '<div class="story_text">')
    elif variant == "byline_class":
        content = content.replace('class="article-date"', 'class="post-meta"')
    elif variant == "topics_h2":
        content = content.replace(
            '<h3 class="sec_title">Related Topics</h3>', '<h2 class="sec_title">Related Topics</h2>'
        )
    title = "UrduPoint" if missing_title else f"{story.title} - UrduPoint"
    return _page(title, url, content, story.published.year, "\n".join(head))


def render_not_found(base_url: str, path: str, year: int) -> str:
    """The soft-404 page the site answers with 200 at a removed story's URL."""
    content = (
        '<div class="main_bar fl">\n<div class="shad_box mb10">\n<h1>Page Not Found</h1>\n'
        "<p>The page you are looking for might have been removed, had its name changed or is "
        'temporarily unavailable. <a href="/en/">Go to the home page</a>.</p>\n</div>\n</div>'
    )
    return _page("Page Not Found - UrduPoint", base_url + path, content, year)


# --- listings ----------------------------------------------------------------------------


def listing_path(prefix: str, page: int) -> str:
    """``/en/news/pakistan.html`` for page 1, ``/en/news/pakistan-updates2.html`` after."""
    return f"{prefix}.html" if page == 1 else f"{prefix}-updates{page}.html"


def pages_of(stories: list[Story]) -> list[list[Story]]:
    return [stories[i : i + PER_PAGE] for i in range(0, len(stories), PER_PAGE)] or [[]]


def _pagination(prefix: str, page: int, total: int) -> str:
    first = max(1, min(page - PAGINATION_WINDOW, total - 2 * PAGINATION_WINDOW))
    last = min(total, first + 2 * PAGINATION_WINDOW)
    links = []
    for n in range(first, last + 1):
        if n == page:
            links.append(f'<a class="active">{n}</a>')
        else:
            links.append(f'<a href="{listing_path(prefix, n)}">{n}</a>')
    if page < total:
        links.append(f'<a href="{listing_path(prefix, page + 1)}" class="next">Next &raquo;</a>')
    return '<div class="pagination">' + "".join(links) + "</div>"


def _card(story: Story) -> str:
    href = esc(story.path + story.tracking)
    author = (
        f'<a class="author" href="/en/team/{story.author.slug}.html">{esc(story.author.name)}</a>'
        if story.author
        else ""
    )
    return (
        f'<div class="news_box"><a href="{href}" class="img_box">'
        '<img src="/images/blank.gif" alt=""></a>'
        f'<div class="txt_box">{author}<a href="{href}"><h4>{esc(story.title)}</h4></a>'
        f"<p>{esc(story.summary or story.title)}</p>"
        f'<span class="item_date">{card_date(story.published)}</span></div></div>'
    )


def _old_cards(stories: list[Story]) -> str:
    """The older layout: one ``news_big_item`` then a ``ul.news_list``."""
    if not stories:
        return ""
    big, rest = stories[0], stories[1:]
    out = (
        f'<div class="news_big_item"><a href="{esc(big.path + big.tracking)}">'
        f'<img src="/images/blank.gif" alt=""><h3>{esc(big.title)}</h3></a>'
        f"<p>{esc(big.summary or big.title)}</p>"
        f'<span class="item_date">{card_date(big.published)}</span></div>\n'
    )
    items = "".join(
        f'<li><a href="{esc(s.path + s.tracking)}">{esc(s.title)}</a>'
        f'<span class="item_date">{card_date(s.published)}</span></li>'
        for s in rest
    )
    return out + f'<ul class="news_list">{items}</ul>'


def render_listing(
    heading: str,
    prefix: str,
    page: int,
    total: int,
    stories: list[Story],
    base_url: str,
    year: int,
    old_layout: bool = False,
) -> str:
    """A category or topic listing page (``category-page1.html`` markup)."""
    cards = _old_cards(stories) if old_layout else "".join(_card(s) for s in stories)
    content = (
        '<div class="main_bar fl">\n<div class="shad_box mb10">\n'
        f'<h1 class="cat_title">{esc(heading)}</h1>\n'
        f'<div class="list_wrap">{cards}</div>\n{_pagination(prefix, page, total)}\n</div>\n</div>'
    )
    return _page(f"{heading} - UrduPoint", base_url + listing_path(prefix, page), content, year)


def category_pages(site: SiteModel, section: str, base_url: str, year: int) -> dict[str, str]:
    """Path -> HTML for every page of a category listing."""
    prefix = f"/en/news/{section}"
    pages = pages_of(site.listing(section))
    heading = f"{CATEGORIES[section]} News"
    old = section in OLD_LAYOUT_CATEGORIES
    return {
        listing_path(prefix, n): render_listing(
            heading,
            prefix,
            n,
            len(pages),
            chunk,
            base_url,
            year,
            old_layout=old,
        )
        for n, chunk in enumerate(pages, start=1)
    }


def topic_pages(site: SiteModel, topic: str, base_url: str, year: int) -> dict[str, str]:
    """Path -> HTML for every page of a Related Topics listing."""
    prefix = f"/en/topics/{slugify(topic)}"
    pages = pages_of(site.topic_listing(topic))
    return {
        listing_path(prefix, n): render_listing(topic, prefix, n, len(pages), chunk, base_url, year)
        for n, chunk in enumerate(pages, start=1)
    }


# --- home page -----------------------------------------------------------------------------

HOME_LATEST = 12
HOME_PER_CATEGORY = 5


def render_home(site: SiteModel, base_url: str, year: int) -> str:
    """The front page (``/`` and ``/en/``), for a person browsing the sample site.

    The latest stories, then each category's newest headlines, and the categories and
    topics beside them. It links only pages the site already has, and the crawler never
    fetches it (its start URLs are the category listings), so crawls are unchanged.
    """
    eligible = site.latest(len(site.stories))
    latest = "".join(_card(s) for s in eligible[:HOME_LATEST])
    blocks = []
    for section in site.categories:
        name = CATEGORIES[section]
        heads = [s for s in eligible if s.section == section][:HOME_PER_CATEGORY]
        items = "".join(
            f'<li><a href="{esc(s.path)}">{esc(s.title)}</a>'
            f'<span class="item_date">{card_date(s.published)}</span></li>'
            for s in heads
        )
        blocks.append(
            f'<div class="shad_box mb10 home_cat"><h2 class="sec_title">'
            f'<a href="/en/news/{section}.html">{esc(name)}</a></h2>'
            f'<ul class="news_list">{items}</ul>'
            f'<a class="more" href="/en/news/{section}.html">More {esc(name)} News &raquo;</a>'
            "</div>"
        )
    categories = "".join(
        f'<li><a href="/en/news/{slug}.html">{esc(name)}</a></li>'
        for slug, name in CATEGORIES.items()
    )
    topics = "".join(
        f'<li><a href="/en/topics/{slugify(t)}.html">{esc(t)}</a></li>'
        for t in site.topics_in_use()
    )
    content = (
        '<div class="main_bar fl">\n<div class="shad_box mb10">\n'
        f'<h1 class="cat_title">Latest News</h1>\n<div class="list_wrap">{latest}</div>\n'
        f"</div>\n{''.join(blocks)}\n</div>\n"
        '<div class="side_bar fr"><div class="shad_box mb10"><h3 class="sec_title">Categories'
        f'</h3><ul class="cat_list">{categories}</ul></div>\n'
        '<div class="shad_box mb10"><h3 class="sec_title">Topics</h3>'
        f'<ul class="tagcloud">{topics}</ul></div>\n'
        '<div class="shad_box mb10"><h3 class="sec_title">Feeds</h3><ul class="cat_list">'
        '<li><a href="/en/sitemap/news.rss">RSS: latest stories</a></li>'
        '<li><a href="/daily/">اردو: Urdu news</a></li></ul></div></div>\n'
        '<div class="clear"></div>'
    )
    return _page("UrduPoint: Latest English News", f"{base_url}/en/", content, year)


#: The site's logo: the name in the site's green, drawn as text (no image library needed).
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">
<rect width="180" height="40" rx="4" fill="#ffffff"/>
<text x="10" y="28" font-family="Georgia, 'Times New Roman', serif" font-size="24"
 font-weight="bold" fill="#0b6b3a">Urdu<tspan fill="#c8102e">Point</tspan></text>
</svg>
"""

#: The cards' placeholder image: a transparent 1x1 GIF.
BLANK_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)

#: A plain stylesheet, so that a person browsing the sample site sees a news site. The
#: crawler never fetches it; class names are the pages' own (docs/site.md).
STYLE_CSS = """\
body { margin: 0; background: #eef1f0; color: #222; font: 16px/1.5 Georgia, serif; }
a { color: #0b4f8a; text-decoration: none; }
a:hover { text-decoration: underline; }
#main_wrap { max-width: 1100px; margin: 0 auto; background: #fff; }
#header { background: #0b6b3a; padding: 10px 16px 0; }
#header .logo img { display: block; }
.nav_en { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; }
.nav_en li a { display: block; padding: 8px 12px; color: #fff; font: bold 14px sans-serif; }
.nav_en li a:hover { background: #095a31; text-decoration: none; }
.container { padding: 16px; }
.container::after, .clear { content: ""; display: block; clear: both; }
.fl { float: left; } .fr { float: right; }
.main_bar { width: 68%; } .side_bar { width: 29%; }
.shad_box { background: #fff; border: 1px solid #dde3e0; border-radius: 4px; padding: 12px 16px; }
.mb10 { margin-bottom: 12px; }
h1 { font-size: 28px; line-height: 1.3; margin: 4px 0 12px; }
h2.fs16 { font-size: 18px; font-weight: normal; color: #555; }
.sec_title, .cat_title { font: bold 18px sans-serif; color: #0b6b3a; margin: 0 0 8px;
  border-bottom: 2px solid #0b6b3a; padding-bottom: 4px; }
.sec_title a { color: inherit; }
.bread_crumb_en { list-style: none; padding: 0; margin: 0 0 8px; font: 13px sans-serif; }
.bread_crumb_en li { display: inline; }
.bread_crumb_en li + li::before { content: " \\203A  "; color: #888; }
.author_wrap, .item_date { font: 13px sans-serif; color: #777; }
.author_wrap .article-date { margin-right: 6px; }
.detail_txt { font-size: 17px; line-height: 1.7; }
.detail_txt iframe { width: 100%; aspect-ratio: 16 / 9; border: 0; }
.ad_label, #teads_upw, .div-gpt-ad-outstream-wrap { display: block; color: #aaa;
  font: 11px sans-serif; text-align: center; }
.social_sharer a { display: inline-block; margin: 8px 8px 8px 0; padding: 4px 10px;
  background: #0b4f8a; color: #fff; border-radius: 3px; font: 13px sans-serif; }
.tagcloud { list-style: none; padding: 0; margin: 0; }
.tagcloud li { display: inline-block; margin: 0 6px 6px 0; }
.tagcloud li a { display: block; padding: 2px 8px; background: #e6f0ea; border-radius: 10px;
  font: 13px sans-serif; }
.news_list, .cat_list { list-style: none; margin: 0; padding: 0; }
.news_list li, .cat_list li { padding: 6px 0; border-bottom: 1px solid #eee; }
.news_list li .item_date { margin-left: 8px; }
.news_list h4, .txt_box h4 { margin: 0 0 4px; font-size: 17px; }
.news_list p { margin: 0; font-size: 14px; color: #555; }
.news_box { display: flex; gap: 12px; padding: 10px 0; border-bottom: 1px solid #eee; }
.news_box .img_box img { width: 96px; height: 64px; background: #cfd8d3; display: block; }
.txt_box p { margin: 0 0 4px; font-size: 15px; color: #444; }
.txt_box .author { font: 13px sans-serif; color: #0b6b3a; margin-right: 6px; }
.news_big_item h3 { margin: 8px 0 4px; }
.news_big_item img { width: 100%; height: 120px; background: #cfd8d3; display: block; }
.more_stories .list_wrap { display: grid; grid-template-columns: 1fr 1fr; gap: 0 16px; }
.more_stories .news_box { display: block; }
.pagination { margin: 12px 0 0; font: 14px sans-serif; }
.pagination a { display: inline-block; padding: 4px 10px; margin-right: 4px;
  border: 1px solid #ccd; border-radius: 3px; }
.pagination a.active { background: #0b6b3a; color: #fff; border-color: #0b6b3a; }
.home_cat .more { font: 14px sans-serif; }
#footer { background: #20332a; color: #cdd; padding: 16px; font: 13px sans-serif; }
#footer a { color: #fff; }
#footer h4 { display: inline; margin-right: 12px; color: #9c9; }
@media (max-width: 760px) { .main_bar, .side_bar { float: none; width: auto; } }
"""


# --- other files -------------------------------------------------------------------------


def render_rss(stories: list[Story], base_url: str) -> str:
    """``/en/sitemap/news.rss``: the latest stories."""
    items = "".join(
        f"<item><title>{esc(s.title)}</title><link>{esc(base_url + s.path)}</link>"
        f"<guid>{esc(base_url + s.path)}</guid><pubDate>{format_datetime(s.published)}</pubDate>"
        f"<description>{esc(s.summary or s.title)}</description></item>"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>UrduPoint English News</title><link>{esc(base_url)}/en/</link>"
        f"<description>Latest English news</description>{items}</channel></rss>\n"
    )


def render_robots() -> str:
    return "User-agent: *\nDisallow: /en/private/\nDisallow: /daily/search.php\n"


def render_daily() -> str:
    """The Urdu front page (RTL): out of scope for the English spider, but must not 404."""
    return """<!DOCTYPE html>
<html lang="ur" dir="rtl">
<head>
<meta charset="utf-8">
<title>اردو پوائنٹ - تازہ ترین خبریں</title>
</head>
<body>
<div id="main_wrap">
<h1>تازہ ترین خبریں</h1>
<ul class="news_list">
<li><a href="/daily/livenews/pakistan.html">سیلاب زدگان کے لیے امدادی پیکج کا اعلان</a></li>
<li><a href="/daily/livenews/world.html">عالمی منڈی میں تیل کی قیمتوں میں اضافہ</a></li>
</ul>
<p><a href="/en/">English News</a></p>
</div>
</body>
</html>
"""
