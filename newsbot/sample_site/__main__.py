"""CLI: ``build ROOT --base-url URL`` writes the site; ``serve ROOT`` builds and serves it."""

from __future__ import annotations

import argparse
from pathlib import Path

from .build import build_site
from .render import VARIANTS
from .server import SampleSiteServer


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", type=Path, help="directory for site/ and the ground truth")
    parser.add_argument("--stories", type=int, default=150, help="stories in edition 1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--edition", type=int, default=1, help="2+ adds 12 newer stories (and 2 drops) each"
    )
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        help="one piece of every story page's markup changed: "
        + "; ".join(f"{name}: {what}" for name, what in VARIANTS.items()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsbot.sample_site", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the site and its ground truth")
    _add_build_options(build)
    build.add_argument(
        "--base-url",
        required=True,
        help="prefix of absolute URLs, e.g. http://127.0.0.1:8000",
    )
    serve = commands.add_parser("serve", help="build for this server's URL, serve until Ctrl-C")
    _add_build_options(serve)
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)

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

    server = SampleSiteServer(args.root / "site", port=args.port)
    result = build_site(
        args.root,
        server.base_url,
        stories=args.stories,
        seed=args.seed,
        edition=args.edition,
        variant=args.variant,
    )
    print(f"built {result.story_count} stories; ground truth: {result.ground_truth}")
    print(f"serving {server.base_url}  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
