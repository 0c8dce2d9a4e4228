"""The project's settings, plus the benchmark's probe: what the benchmark's crawls run with.

The probe belongs to the benchmark, not to the crawler: enabling it here (the runner points
``SCRAPY_SETTINGS_MODULE`` at this module) keeps ``newsbot`` free of any import of
``benchmark`` and spares every ordinary crawl a "Disabled ... BenchProbe" line.
"""

from newsbot.settings import *  # noqa: F403
from newsbot.settings import EXTENSIONS as PROJECT_EXTENSIONS

EXTENSIONS = {**PROJECT_EXTENSIONS, "benchmark.probe.BenchProbe": 0}
