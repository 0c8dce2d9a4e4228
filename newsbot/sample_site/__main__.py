"""CLI of the sample site: ``build`` writes it to disk, ``serve`` builds it and serves it.

``--scale real`` gives the site at the real site's scale (``scale.py``: 450 stories a day,
a 10,000-topic vocabulary) as it stood at ``--hour`` of its simulated week.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import threading
from pathlib import Path

from .build import build_site
from .render import VARIANTS
from .scale import ScaleSite, ScaleSiteServer, ScaleSpec, ground_truth, write_edition
from .server import SampleSiteServer, port_number

DESCRIPTION = """\
The project's offline copy of urdupoint.com's English news: story pages, category and
topic listings, a home page, and the site's quirks, with the ground truth a correct crawl
must give (ground_truth.jsonl, expected_drops.jsonl). The same options always give the
same site.

  serve ROOT --port 8000   build for http://127.0.0.1:8000 and serve it on loopback:
                           open http://127.0.0.1:8000/ in a browser, or crawl it
  build ROOT --base-url U  only write the files, for another server (nginx...) at U
  --scale real --hour H    the site at the real site's scale (450 stories a day, 10,000
                           topics) as it stood at hour H of a simulated week
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The description as written; every option with its default (none shown when None)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def _overview(subparsers: dict[str, argparse.ArgumentParser]) -> str:
    """What each command does and its options with their defaults, from the parsers
    themselves (so the top-level help cannot drift from the commands')."""
    lines = ["commands (each with --help for the options in full):"]
    for name, sub in subparsers.items():
        usage = " ".join(a.dest.upper() for a in sub._actions if not a.option_strings)
        lines += ["", f"  {name} {usage} [options]: {sub.description}"]
        for action in sub._actions:
            if not action.option_strings or action.dest == "help":
                continue
            option = max(action.option_strings, key=len)
            default = "" if action.default is None else f" (default: {action.default})"
            if action.required:
                default = " (required)"
            elif action.choices and action.default is None:
                default = " (default: none)"
            brief = action.help or ""
            if action.choices and len(brief) > 120:  # explained in full in the command's help
                brief = f"{brief.split(':')[0]}: {', '.join(map(str, action.choices))}"
            lines += textwrap.wrap(
                f"{brief}{default}",
                width=88,
                initial_indent=f"      {option:<12} ",
                subsequent_indent=" " * 19,
            )
    return "\n".join(lines)


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "root", type=Path, help="directory for the docroot (ROOT/site) and the ground truth"
    )
    parser.add_argument("--stories", type=int, default=150, help="stories in edition 1")
    parser.add_argument(
        "--seed", type=int, default=7, help="random seed: another seed, another site"
    )
    parser.add_argument(
        "--edition",
        type=int,
        default=1,
        help="the site N-1 updates later: each edition after the first adds 12 newer "
        "stories (and 2 newer drops)",
    )
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        help="one piece of every story page's markup changed: "
        + "; ".join(f"{name}: {what}" for name, what in VARIANTS.items()),
    )
    parser.add_argument(
        "--scale",
        choices=("small", "real"),
        default="small",
        help="small: the site of --stories stories; real: the real site's scale (450 stories "
        "a day, 10,000 topics) at --hour",
    )
    parser.add_argument(
        "--hour", type=int, default=0, help="the hour of the simulated week, 0-168 (--scale real)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.sample_site",
        description=DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,build}")
    serve = commands.add_parser(
        "serve",
        help="build for this server's URL and serve on loopback until Ctrl-C",
        description="Build the site for http://127.0.0.1:PORT and serve it there until Ctrl-C.",
        formatter_class=_HelpFormatter,
    )
    _add_build_options(serve)
    serve.add_argument(
        "--port", type=port_number, default=0, help="loopback port; 0 picks a free one"
    )
    build = commands.add_parser(
        "build",
        help="write the site and its ground truth, for a server at --base-url",
        description="Write the site and its ground truth; its absolute URLs start with --base-url.",
        formatter_class=_HelpFormatter,
    )
    _add_build_options(build)
    build.add_argument(
        "--base-url",
        required=True,
        help="prefix of absolute URLs (canonical, JSON-LD, RSS), e.g. http://127.0.0.1:8000",
    )
    parser.epilog = _overview({"serve": serve, "build": build})
    args = parser.parse_args(argv)
    if args.stories < 1:
        parser.error("--stories must be 1 or more")
    if args.edition < 1:
        parser.error("--edition must be 1 or more")
    if args.scale == "real":
        return _real_scale(args)

    if args.command == "build":
        result = build_site(
            args.root,
            args.base_url,
            stories=args.stories,
            seed=args.seed,
            edition=args.edition,
            variant=args.variant,
        )
        print(f"built {result.story_count} stories into {result.docroot}")
        print(f"ground truth: {result.ground_truth}")
        return 0

    try:  # bound before the build: a busy port is known before minutes of building
        server = SampleSiteServer(args.root / "site", port=args.port)
    except OSError as exc:
        return _cannot_serve(args.port, exc)
    result = build_site(
        args.root,
        server.base_url,
        stories=args.stories,
        seed=args.seed,
        edition=args.edition,
        variant=args.variant,
    )
    print(f"built {result.story_count} stories; ground truth: {result.ground_truth}")
    print(f"serving {server.base_url}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _cannot_serve(port: int, exc: OSError) -> int:
    """One line on stderr for a port that cannot be bound (in use, say), and exit status 1."""
    reason = exc.strerror or str(exc)
    print(
        f"cannot serve on 127.0.0.1:{port}: {reason} (another server there? pick another "
        "--port, or 0 for a free one)",
        file=sys.stderr,
    )
    return 1


def _real_scale(args: argparse.Namespace) -> int:
    site = ScaleSite(ScaleSpec(seed=args.seed))
    if args.command == "build":
        edition = site.at(args.hour)
        pages = write_edition(edition, args.root / "site", args.base_url.rstrip("/"))
        rows = ground_truth(site, args.base_url.rstrip("/"))
        with (args.root / "stories.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows[: len(edition.stories)]:
                fh.write(json.dumps(row) + "\n")
        print(f"built hour {args.hour}: {len(edition.stories)} stories, {pages} pages")
        return 0
    try:
        server = ScaleSiteServer(site, hour=args.hour, port=args.port)
    except OSError as exc:
        return _cannot_serve(args.port, exc)
    print(f"serving hour {args.hour} at {server.base_url}  (Ctrl-C to stop)", flush=True)
    with server:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
