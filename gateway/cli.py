"""The `returns-gateway` command: one parser, one module per subcommand, exit codes 0/1/2 (never a count).

Whatever goes wrong, the user reads one line on stderr: usage errors exit 2, failures exit 1, and no traceback
ever reaches them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from gateway.commands import cli_admin, cli_db, cli_evaluate, cli_remote, cli_replay, cli_send, cli_serve, cli_validate
from gateway.commands.cli_checks import FAILURE, CliError, Parser, database, report
from gateway.http.schemas import SchemasMissing
from gateway.version import version
from store.errors import database_errors

Runner = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="returns-gateway",
        description="Point-of-return authorization: validate messages, dry-run policies, serve tills.",
        epilog="Environment: RETURNS_GATEWAY_URL (the gateway `send`, `admin` and `replay --to` talk to) and "
        "RETURNS_GATEWAY_API_KEY (their API key, NAME.SECRET); RETURNS_GATEWAY_<SETTING> for `serve`.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (cli_validate, cli_evaluate, cli_serve, cli_replay, cli_admin, cli_db, cli_remote, cli_send):
        module.add_commands(commands)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _check_database(args: argparse.Namespace) -> None:
    """Any command given --db gets it checked before the store opens (or creates) it."""
    db = getattr(args, "db", None)
    if isinstance(db, str):
        database(db)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; argparse's own usage errors exit 2, as one line."""
    args = parse_args(argv)
    runner: Runner = args.run
    try:
        _check_database(args)
        return runner(args)
    except CliError as error:
        return report(error)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SchemasMissing as error:
        return report(CliError(str(error), FAILURE))
    except database_errors() as error:
        return report(CliError(f"the database cannot be used: {error}", FAILURE))
    except OSError as error:
        return report(CliError(str(error), FAILURE))
    except Exception as error:  # the last line of defence: a user never sees a traceback
        return report(CliError(f"{type(error).__name__}: {error}", FAILURE))


if __name__ == "__main__":
    sys.exit(main())
