"""The `returns-gateway` command: one parser, one module per subcommand, exit codes 0/1/2 (never a count)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from gateway import cli_admin, cli_evaluate, cli_remote, cli_replay, cli_serve, cli_validate

Runner = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="returns-gateway",
        description="Point-of-return authorization: validate messages, dry-run policies, serve tills.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (cli_validate, cli_evaluate, cli_serve, cli_replay, cli_admin, cli_remote):
        module.add_commands(commands)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; argparse's own usage errors exit 2."""
    args = parse_args(argv)
    runner: Runner = args.run
    try:
        return runner(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
