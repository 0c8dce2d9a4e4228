"""URL rules of urdupoint.com's English section, in one place.

Everything that decides what a URL *is* (a story, a listing, an author page...) or
how it is normalized lives here, so the spider, the parsers and the pipelines agree.
The shapes come from ``docs/site.md``: story ``/en/<section>/<slug>-<id>.html``
(REAL), category listing ``/en/news/<category>.html`` and
``/en/news/<category>-updates<N>.html`` (REAL), author ``/en/team/...`` (REAL),
Urdu ``/daily/...`` (REAL). Topic pages have no known shape: they are recognised by
where their link stands (the "Related Topics" block), not by their path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

#: ``/en/<section>/[<sub>/]<slug>-<id>.html``; the id has 5 to 9 digits (6-7 seen).
#: ASCII only: case-blind Unicode matching reads a Kelvin sign as "k" and a long s
#: (U+017F) as "s", and ``\d`` takes Arabic-Indic digits, which a client percent-encodes:
#: such a link named a story it does not fetch.
STORY_PATH_RE = re.compile(
    r"^/en/(?P<section>[a-z0-9_-]+)/(?:[a-z0-9_-]+/)*(?:[^/]*?-)?(?P<id>\d{5,9})\.html$",
    re.IGNORECASE | re.ASCII,
)
#: Listing pages of a category: page 1 and page N (``-updates<N>``).
CATEGORY_PATH_RE = re.compile(
    r"^/en/news/(?P<category>[a-z0-9_/-]+?)(?:-updates(?P<page>\d+))?\.html$",
    re.IGNORECASE | re.ASCII,
)
#: The port a scheme's URL names when it names none.
DEFAULT_PORTS = {"http": 80, "https": 443}
#: A page number in any paginated listing path or query: ASCII digits, at most 9 (a run
#: of thousands is no page number: ``int`` refuses over 4,300 digits, and a ValueError
#: cost the listing every link; Arabic-Indic digits are percent-encoded when requested,
#: so a link so written is no page of that number).
PAGE_NUMBER_RE = re.compile(
    r"(?:-updates|[?&]page=|/page/)(?P<page>[0-9]{1,9})(?![0-9])", re.IGNORECASE
)

#: First path segments under ``/en/`` that never hold a story, whatever the rest looks like.
NON_STORY_SECTIONS = frozenset(
    {"news", "team", "topics", "topic", "tags", "tag", "sitemap", "videos", "video"}
)
#: Path prefixes that are out of scope for the English spider.
FOREIGN_PREFIXES = ("/daily/", "/kids/", "/islam/", "/horoscope/")

#: Query parameters that only track a click; dropped so one page has one URL.
TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|igshid|mc_cid|mc_eid|ref|src|from)$", re.I)


class PageKind(StrEnum):
    """What a URL points to, judged by its path alone."""

    STORY = "story"
    CATEGORY = "category"
    AUTHOR = "author"
    FOREIGN = "foreign"
    OTHER = "other"


def bare_host(host: str) -> str:
    """``www.urdupoint.com`` and ``urdupoint.com`` are the same site."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def story_match(url: str) -> re.Match[str] | None:
    """The story-path match of ``url``, or None when it is not a story URL."""
    return _story_path_match(urlsplit(url).path)


def _story_path_match(path: str) -> re.Match[str] | None:
    match = STORY_PATH_RE.match(path)
    if match and match["section"].lower() not in NON_STORY_SECTIONS:
        return match
    return None


def story_id(url: str) -> str | None:
    """The numeric story id of a story URL, in its one form: the integer as a string.

    ``x-02190058.html`` and ``x-2190058.html`` name the same story: every id the crawl
    derives (items, request fingerprints, state look-ups) goes through here, so a leading
    zero can neither repeat a story nor hide one under another spelling.
    """
    match = story_match(url)
    return normalize_story_id(match["id"]) if match else None


def normalize_story_id(raw: str) -> str:
    """``"02190058"`` -> ``"2190058"``: the id as the integer it is."""
    return str(int(raw))


def story_section(url: str) -> str | None:
    """The URL's section (``world`` in ``/en/world/...-1612404.html``)."""
    match = story_match(url)
    return match["section"].lower() if match else None


def page_kind(url: str) -> PageKind:
    """Classify a URL by its path."""
    path = urlsplit(url).path
    if path.startswith(FOREIGN_PREFIXES) or not path.startswith("/en/"):
        return PageKind.FOREIGN if path.startswith(FOREIGN_PREFIXES) else PageKind.OTHER
    if path.startswith("/en/team/"):
        return PageKind.AUTHOR
    if _story_path_match(path):
        return PageKind.STORY
    if CATEGORY_PATH_RE.match(path):
        return PageKind.CATEGORY
    return PageKind.OTHER


def page_number(url: str) -> int | None:
    """The listing page number a URL names (``-updates3`` -> 3), if any."""
    match = PAGE_NUMBER_RE.search(url)
    return int(match["page"]) if match else None


@lru_cache(maxsize=20_000)
def listing_stem(url: str) -> str:
    """A listing's identity without its page number: all its pages share it.

    Kept by URL: it is asked for every pagination link of every listing page and every
    topic link of every story, and the same few thousand URLs come back all crawl long.
    """
    parts = urlsplit(url)
    path = re.sub(r"-updates\d+(?=\.html$)", "", parts.path, flags=re.I)
    path = re.sub(r"/page/\d+/?$", "", path, flags=re.I)
    return f"{bare_host(parts.hostname or '')}{path}"


@dataclass(frozen=True)
class Site:
    """The site being crawled, as given by the spider's ``base_url``.

    Links to the same site under another scheme or with/without ``www`` are
    rewritten to the base's scheme and host, so one page has one URL.
    """

    scheme: str
    netloc: str

    @classmethod
    def from_base_url(cls, base_url: str) -> Site:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
        # A port that is no port (":99999", ":8o") raises here, once, naming it: accepted,
        # every link's ``owns`` raised or refused it, and the run fetched its start URLs
        # from nowhere (a crawl of nothing, not the bad argument it is).
        _ = parts.port  # read for the ValueError it raises
        # A trailing dot (``urdupoint.com.``) is the same host, and the offsite filter
        # would refuse every request written with it: a crawl of nothing.
        netloc = re.sub(r"\.(?=(:\d*)?$)", "", parts.netloc.lower())
        return cls(scheme=parts.scheme, netloc=netloc)

    @property
    def host(self) -> str:
        """The host name, lower case; an IPv6 address without its brackets (``::1``)."""
        return urlsplit(self.base_url).hostname or ""

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @cached_property
    def _base_parts(self) -> tuple[str, int | None]:
        """The base's bare host and explicit port, split once (``owns`` runs per link)."""
        return bare_host(self.host), urlsplit(self.base_url).port

    def owns(self, url: str) -> bool:
        """True when ``url`` is on this site (scheme and ``www.`` aside)."""
        return self._owns_parts(urlsplit(url))

    def _owns_parts(self, parts: SplitResult) -> bool:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host, port = self._base_parts
        if bare_host(parts.hostname) != host:
            return False
        try:
            their_port = parts.port
        except ValueError:  # ":443en": no URL of any site
            return False
        # Same host on another explicit port is another server (loopback sample sites).
        return their_port == port

    def _default_port_of_ours(self, parts: SplitResult) -> bool:
        """A link to this site with its scheme's own port written out (``:443``): the same
        server to a browser, where it was taken for another host and the link lost. Asked
        only of links ``_owns_parts`` refused; the normalized URL has the base's netloc."""
        if self._base_parts[1] is not None or not parts.hostname:
            return False  # a base naming its port owns that port only
        try:
            port = parts.port
        except ValueError:  # ":443en": no URL of any site
            return False
        return (
            port is not None
            and port == DEFAULT_PORTS.get(parts.scheme)
            and bare_host(parts.hostname) == self._base_parts[0]
        )

    def url(self, path: str) -> str:
        """An absolute URL on this site for a root-relative path."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def normalize(self, url: str) -> str | None:
        """The one URL to request for ``url``, or None when it is not on this site.

        Story URLs lose their whole query and fragment (the id names the story);
        other pages lose the fragment and tracking parameters only.
        """
        parts = urlsplit(url)
        if not self._owns_parts(parts) and not self._default_port_of_ours(parts):
            return None
        query = "" if _story_path_match(parts.path) else parts.query
        cleaned = urlunsplit((self.scheme, self.netloc, parts.path or "/", query, ""))
        return _drop_tracking(cleaned) if query else cleaned


def _drop_tracking(url: str) -> str:
    """Remove tracking parameters from a URL's query, keeping the rest in order."""
    parts = urlsplit(url)
    kept = [
        p for p in parts.query.split("&") if p and not TRACKING_PARAMS.match(p.split("=", 1)[0])
    ]
    return urlunsplit(parts._replace(query="&".join(kept)))


#: An absolute http(s) URL that ``urlsplit`` + ``urlunsplit`` (and ``urlparse`` +
#: ``urlunparse``) give back unchanged: a lower-case scheme, a plain ASCII host and port
#: (no brackets, no user), and a path with no query, fragment, params, space or control
#: character (the characters those functions remove, split on or check).
_PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9.:_~-]+(?:/[^?#;\[\]\s\x00-\x20\x7f]*)?\Z")


def is_plain_url(url: str) -> bool:
    """A ``_PLAIN_URL_RE`` URL with a host name: one ``urljoin`` keeps as it is and whose
    ``urlsplit`` has an http(s) scheme and a ``hostname`` (its netloc holds no user or
    brackets, so the name is what comes before any port)."""
    if not _PLAIN_URL_RE.match(url):
        return False
    netloc = url[url.index("//") + 2 :].partition("/")[0]
    return bool(netloc.partition(":")[0])


def strip_query_and_fragment(url: str) -> str:
    """``url`` without its query string and fragment."""
    if _PLAIN_URL_RE.match(url):  # has neither: what splitting and joining would give back
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def absolute_url(base: str, href: str) -> str:
    """``urljoin(base, href)``; an href that is a plain absolute URL is its own result.

    ``urljoin`` returns such an href either as it is (another scheme than the base's) or
    split and joined again, which gives it back unchanged: the two parses per call it
    costs (a story's canonical link, its image) are skipped.
    """
    if _PLAIN_URL_RE.match(href):
        return href
    return urljoin(base, href)
