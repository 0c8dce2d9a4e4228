"""A page labelled compressed whose body plainly is not is read as it is, not lost.

A proxy or CDN that decompresses a page and keeps its ``Content-Encoding: gzip`` header
(or a server that labels every answer ``br``) sends HTML under a compression it does not
have. Scrapy's ``HttpCompressionMiddleware`` then raises from its decoder (``Not a
gzipped file (b'<!')``, ``brotli: decoder failed``): the page fails, every run, and a
listing so served costs every story only it links. A body that starts with ``<`` (after
a BOM and blanks) is no gzip, zlib, zstd or brotli stream that failed: it is the page.
Only that case is read as it is, with one warning naming the URL and
``newsbot/pages/content_encoding_ignored``; a compressed body that is cut or corrupt
still fails as before. The common path (decoding works) is Scrapy's, untouched.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.responsetypes import responsetypes

from newsbot.keys import STATS

logger = logging.getLogger(__name__)

CONTENT_ENCODING_IGNORED = STATS + "pages/content_encoding_ignored"


def plainly_markup(body: bytes) -> bool:
    """Whether ``body`` starts as markup does: no compressed stream starts so and fails."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


class LenientCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, in its place; a plain page labelled compressed is kept."""

    def process_response(  # type: ignore[override]  # Scrapy's spider argument is deprecated
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:  # over DOWNLOAD_MAXSIZE once decompressed: Scrapy's verdict
            raise
        except Exception as exc:  # a decoder's error: OSError, zlib.error, brotli.error...
            if not plainly_markup(response.body):
                raise
            label = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
            if self.stats is not None:
                self.stats.inc_value(CONTENT_ENCODING_IGNORED)
            logger.warning(
                "Page %s is labelled Content-Encoding %s but is not compressed (%s): read as it is",
                response.url,
                label,
                exc,
            )
            headers = response.headers.copy()
            del headers["Content-Encoding"]
            cls = responsetypes.from_args(headers=headers, url=response.url, body=response.body)
            return response.replace(cls=cls, headers=headers)
