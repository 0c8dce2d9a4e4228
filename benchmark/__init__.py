"""The benchmark: ``python -m benchmark`` (see ``__main__.py`` and the README).

Optional packages (trafilatura, newspaper4k, matplotlib) are imported only here, and
only when the benchmark runs: ``requirements-bench.txt``.
"""
