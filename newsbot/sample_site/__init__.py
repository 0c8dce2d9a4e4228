"""An offline, deterministic copy of urdupoint.com's English news section.

``build_site`` writes the pages, the ground truth a correct crawl must reproduce and the drops
it must record (soft 404s, wire stories published twice, near-duplicates, video stubs, a daily
template series; see ``model``); ``SampleSiteServer`` serves them on loopback. See
``python -m newsbot.sample_site --help``.
"""

from .build import BuildResult, build_site
from .server import SampleSiteServer, port_number

__all__ = ["BuildResult", "SampleSiteServer", "build_site", "port_number"]
