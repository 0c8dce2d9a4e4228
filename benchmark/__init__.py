"""The benchmark: ``python -m benchmark`` (see ``__main__.py`` and the README).

Optional packages (trafilatura, newspaper4k, matplotlib) are imported only here, and
only when the benchmark runs: ``requirements-bench.txt``.
"""

import argparse


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` of the benchmark's commands: the description as written (its numbered
    steps), each option with its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:  # the help says what happens then
            return action.help
        return super()._get_help_string(action)
