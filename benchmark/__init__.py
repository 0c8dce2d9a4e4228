"""The benchmark: ``python -m benchmark`` (see ``__main__.py`` and the README).

Optional packages (trafilatura, newspaper4k, matplotlib) are imported only here, and
only when the benchmark runs: ``requirements-bench.txt``.
"""

import argparse
from collections.abc import Callable
from pathlib import Path


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` of the benchmark's commands: the description as written (its numbered
    steps), each option with its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:  # the help says what happens then
            return action.help
        return super()._get_help_string(action)


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer no smaller than ``minimum``.

    The error names the bound (``argument --stories: at least 100``), where a check after
    parsing would have to be repeated in every command for every option.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"at least {minimum}, not {value}")
        return value

    parse.__name__ = f"at least {minimum}"
    return parse


def common_options(out: str, concurrency: int = 32, server: bool = True) -> argparse.ArgumentParser:
    """The options the benchmark's commands share, as an argparse parent.

    ``out``: where this command's results go by default; ``concurrency``: its crawls'
    ``CONCURRENT_REQUESTS`` by default; ``server``: whether it serves pages with
    ``server.py`` (``--server``) rather than a server of its own.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--concurrency",
        type=at_least(1),
        default=concurrency,
        help="CONCURRENT_REQUESTS of the crawls",
    )
    if server:
        parser.add_argument(
            "--server",
            choices=("auto", "nginx", "python"),
            default="auto",
            help="the web server: auto is nginx when installed, else the Python one",
        )
    parser.add_argument("--out", type=Path, default=Path(out), help="where the results go")
    parser.add_argument(
        "--work",
        type=Path,
        help="working directory (sites, states, feeds, logs), emptied first and kept "
        "afterwards: delete it yourself (default: a new temp dir, also kept)",
    )
    return parser
