"""An offline, deterministic copy of urdupoint.com's English news section.

``build_site`` writes the pages and the ground truth a correct crawl must reproduce;
``SampleSiteServer`` serves them on loopback. See ``python -m newsbot.sample_site --help``.
"""

from .build import BuildResult, build_site
from .server import SampleSiteServer

__all__ = ["BuildResult", "SampleSiteServer", "build_site"]
