"""Bot-protection interstitials ("Just a moment..."): how to tell one from a page.

Pure site knowledge, shared by the story parser (a challenge is never a story), the
downloader middleware that sends a challenged URL to the browser, the spider's errback
and the pipeline that catches one that slipped through. No Scrapy component lives here.
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

from newsbot.site.encoding import readable

#: The titles such interstitials carry, as a regular expression's alternatives.
CHALLENGE_TITLES = r"just a moment|attention required|checking your browser"
CHALLENGE_TITLE_RE = re.compile(CHALLENGE_TITLES, re.I)
#: In the browser: true once the interstitial was replaced by the page it guarded.
PASSED_JS = f"() => !/{CHALLENGE_TITLES}/i.test(document.title)"
PAGE_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
CHALLENGE_MARKERS = ("challenge-running", "challenge-form", "cf-challenge", "cf_chl_")
#: Any of ``CHALLENGE_MARKERS``: one scan of the head, where four ``in`` tests were four.
CHALLENGE_MARKER_RE = re.compile("|".join(map(re.escape, CHALLENGE_MARKERS)))


def is_challenge(response: Response) -> bool:
    """A bot-protection interstitial ("Just a moment..."), never a story."""
    if (response.headers.get(b"cf-mitigated") or b"").lower() == b"challenge":
        return True
    if not isinstance(response, TextResponse):
        return False
    head = readable(response).text[:20000]  # plain text search: works on any text answer (JSON too)
    title = PAGE_TITLE_RE.search(head)
    if title and _names_challenge(title.group(1)):
        return True
    # "<h1" first: a page has one early (one short scan), and then the markers need no
    # search at all; both tests are plain answers, so their order changes none.
    return "<h1" not in head and CHALLENGE_MARKER_RE.search(head) is not None


#: ``CHALLENGE_TITLES``' phrases, for titles searched without the regular expression.
_CHALLENGE_PHRASES = tuple(CHALLENGE_TITLES.split("|"))


def _names_challenge(title: str) -> bool:
    """``CHALLENGE_TITLE_RE.search(title)``; an ASCII title (most) is lowered and searched
    for each phrase in C: the case-insensitive pattern tried its three phrases at every
    character. Only ASCII: there the pattern's letters match their ASCII cases alone
    (their other Unicode forms, such as U+017F for "s", cannot occur)."""
    if not title.isascii():
        return CHALLENGE_TITLE_RE.search(title) is not None
    lowered = title.lower()
    return any(phrase in lowered for phrase in _CHALLENGE_PHRASES)


def is_challenge_title(title: str) -> bool:
    """A story title that is in fact an interstitial's (a challenge that slipped through)."""
    return CHALLENGE_TITLE_RE.match(title) is not None
