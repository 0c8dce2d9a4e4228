"""A UTF-8 page labelled Latin-1 is read as UTF-8, not written as mojibake.

CMSs and proxies often keep a default ``charset=iso-8859-1`` (header or ``<meta>``) on
pages whose bytes are UTF-8; read as labelled, every curly quote becomes ``â€œ`` in the
corpus, silently. Bytes outside ASCII that decode as strict UTF-8 are almost never real
windows-1252 text (its accented letters and punctuation do not form valid UTF-8
sequences), so such a page is read as UTF-8; a page that is truly windows-1252 fails the
strict decode and stays as labelled. A label no browser reads (``base64``, ``utf-7``,
``utf-16`` on ASCII bytes: ``newsbot.site.encoding``) is ignored as a browser ignores it.
Pages whose decoded text still holds U+FFFD (bytes that are not of their encoding) are
counted and named in a warning.
"""

from __future__ import annotations

import codecs
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse

from newsbot.keys import CHARSET_CORRECTED, UNDECODABLE_BYTES, count
from newsbot.site.encoding import readable

logger = logging.getLogger(__name__)

#: Single-byte Latin encodings (codec names) that a UTF-8 page is mislabelled with.
LATIN_LABELS = frozenset(
    codecs.lookup(name).name
    for name in ("latin-1", "iso-8859-1", "windows-1252", "cp1252", "ascii", "us-ascii")
)


def utf8_if_mislabelled(response: HtmlResponse) -> HtmlResponse | None:
    """The response read as UTF-8 when it is labelled Latin but its bytes are UTF-8."""
    try:
        label = codecs.lookup(response.encoding).name
    except LookupError:
        return None
    body = response.body
    if label not in LATIN_LABELS or body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return response.replace(encoding="utf-8")


class CharsetMiddleware:
    """Downloader middleware, after decompression: UTF-8 bytes are never read as Latin-1."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._told = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        read: TextResponse = readable(response)
        if read is not response:
            count(self.crawler, CHARSET_CORRECTED)
            logger.warning(
                "Page %s is labelled %s, which no browser reads: read as %s",
                response.url,
                response.encoding,
                read.encoding,
            )
            response = read
        if not isinstance(response, HtmlResponse):
            return response
        corrected = utf8_if_mislabelled(response)
        if corrected is not None:
            count(self.crawler, CHARSET_CORRECTED)
            # INFO once a run (a mislabelled site mislabels every page), then DEBUG.
            level = logging.DEBUG if self._told else logging.INFO
            self._told = True
            logger.log(
                level,
                "Page %s is labelled %s but its bytes are UTF-8: read as UTF-8",
                response.url,
                response.encoding,
            )
            return corrected
        if "\ufffd" in response.text:
            count(self.crawler, UNDECODABLE_BYTES)
            logger.warning(
                "Page %s holds bytes that are not %s (shown as U+FFFD in its text)",
                response.url,
                response.encoding,
            )
        return response
