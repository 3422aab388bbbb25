"""`returns-gateway db`: the PostgreSQL database's schema (`migrate`, `status`) and moving a SQLite gateway database
into PostgreSQL (`copy`).

A SQLite database needs no such command: the gateway migrates it whenever it opens it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from gateway.cli_checks import FAILURE, CliError, database_file

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
DRIVER_MISSING = (
    "the PostgreSQL driver is not installed; install the gateway with it: pip install 'returns-gateway[postgresql]'"
)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser(
        "db",
        help="PostgreSQL schema migrations and copying a SQLite database into PostgreSQL",
        description=(
            "Manage a PostgreSQL gateway database: apply the schema's migrations, list them, or copy an existing "
            "SQLite gateway database into a new PostgreSQL one. (A SQLite database is migrated whenever the gateway "
            "opens it.)"
        ),
    )
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    url_help = "the PostgreSQL database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]"
    migrate = actions.add_parser(
        "migrate",
        help="apply the pending schema migrations",
        description=(
            "Apply the schema migrations this gateway ships that the database lacks, each in its own transaction. "
            "Safe to run while other gateways start: they migrate one at a time, and a migration is applied once."
        ),
    )
    migrate.add_argument("--db", required=True, metavar="URL", help=url_help)
    migrate.set_defaults(run=run_migrate)
    status = actions.add_parser("status", help="list the schema migrations, applied and pending")
    status.add_argument("--db", required=True, metavar="URL", help=url_help)
    status.set_defaults(run=run_status)
    copy = actions.add_parser(
        "copy",
        help="copy a SQLite gateway database into an empty PostgreSQL database",
        description=(
            "Copy every table of a SQLite gateway database (tickets, attempts, lines, messages, final results, "
            "exceptions, overrides, policy versions, audit log, loyalty ledger, meta) into an empty PostgreSQL "
            "database, migrating it first, in one transaction; then check that every table holds as many rows as "
            "in SQLite, and print the counts. Stop the gateways using the SQLite database first: what they write "
            "during the copy is not copied."
        ),
    )
    copy.add_argument("--from", dest="source", type=Path, required=True, metavar="PATH", help="the SQLite database")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help=url_help)
    copy.set_defaults(run=run_copy)


def postgres_url(url: str, option: str = "--db") -> str:
    """Refuse anything but a PostgreSQL URL, naming the option."""
    if not url.startswith(POSTGRES_SCHEMES):
        if url.startswith("sqlite:") or url.endswith((".db", ".sqlite", ".sqlite3")) or "://" not in url:
            raise CliError(
                f"{option} {url}: db migrate and db status are for PostgreSQL (postgresql://...); "
                "a SQLite database is migrated whenever the gateway opens it"
            )
        raise CliError(f"{option} {url}: not a PostgreSQL URL; give postgresql://USER@HOST:PORT/DATABASE")
    return url


def _require_driver() -> None:
    """A clear refusal when the `postgresql` extra is not installed (the modules below import it)."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        raise CliError(DRIVER_MISSING, FAILURE) from None


def _unreachable(url: str, error: Exception) -> NoReturn:
    from store.postgres.db import redact

    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    raise CliError(f"cannot use the database {redact(url)}: {reason}", FAILURE) from None


def run_migrate(args: argparse.Namespace) -> int:
    url = postgres_url(args.db)
    _require_driver()
    import psycopg

    from store.postgres import db, migrate

    try:
        applied = migrate.migrate(url)
    except migrate.MigrationError as error:
        raise CliError(str(error), FAILURE) from None
    except psycopg.Error as error:
        _unreachable(url, error)
    for name in applied:
        print(f"applied {name}")
    print(f"{db.redact(url)}: schema current ({len(applied)} migration(s) applied now)")
    return 0


def run_status(args: argparse.Namespace) -> int:
    url = postgres_url(args.db)
    _require_driver()
    import psycopg

    from store.postgres import db, migrate

    try:
        states = migrate.status(url)
    except migrate.MigrationError as error:
        raise CliError(str(error), FAILURE) from None
    except psycopg.Error as error:
        _unreachable(url, error)
    for state in states:
        print(f"{state.version:04d}_{state.name}  {state.applied_at or 'pending'}")
    waiting = sum(state.applied_at is None for state in states)
    print(f"{db.redact(url)}: {'schema current' if not waiting else f'{waiting} migration(s) pending'}")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    database_file(args.source, option="--from", must_exist=True)
    url = postgres_url(args.target, option="--to")
    _require_driver()
    import psycopg

    from store.postgres import copy, db, migrate

    print(f"copying {args.source} to {db.redact(url)}")
    try:
        copied = copy.copy_database(args.source, url)
    except (copy.CopyError, migrate.MigrationError) as error:
        raise CliError(str(error), FAILURE) from None
    except psycopg.Error as error:
        _unreachable(url, error)
    width = max(len(result.table) for result in copied)
    for result in copied:
        print(f"  {result.table:<{width}}  {result.rows}")
    total = sum(result.rows for result in copied)
    print(f"copied {total} rows in {len(copied)} tables; every table's row count matches the SQLite database")
    return 0
