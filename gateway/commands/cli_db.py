"""`returns-gateway db`: a gateway database's schema (`migrate`, `status`), on SQLite or PostgreSQL, and moving a
SQLite gateway database into PostgreSQL (`copy`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from gateway.commands.cli_checks import FAILURE, CliError, database_file
from store.errors import StoreConfigurationError
from store.open import DatabaseLocation, parse_location

DRIVER_MISSING = (
    "the PostgreSQL driver is not installed; install the gateway with it: pip install 'returns-gateway[postgresql]'"
)
DB_HELP = (
    "the gateway database: a SQLite file (PATH or sqlite:///PATH) or "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]"
)
URL_HELP = "the PostgreSQL database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser(
        "db",
        help="schema migrations, and copying a SQLite database into PostgreSQL",
        description=(
            "Manage a gateway database: apply the schema's migrations, list them, or copy an existing SQLite "
            "gateway database into a new PostgreSQL one. (Serving also migrates the database it opens.)"
        ),
    )
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    migrate = actions.add_parser(
        "migrate",
        help="apply the pending schema migrations",
        description=(
            "Apply the schema migrations this gateway ships that the database lacks, each in its own transaction. "
            "Safe to run while other gateways start: they migrate one at a time, and a migration is applied once."
        ),
    )
    migrate.add_argument("--db", required=True, metavar="DATABASE", help=DB_HELP)
    migrate.set_defaults(run=run_migrate)
    status = actions.add_parser("status", help="list the schema migrations, applied and pending")
    status.add_argument("--db", required=True, metavar="DATABASE", help=DB_HELP)
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
    copy.add_argument("--from", dest="source", required=True, metavar="PATH", help="the SQLite gateway database")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help=URL_HELP)
    copy.set_defaults(run=run_copy)


def _location(value: str, option: str) -> DatabaseLocation:
    try:
        return parse_location(value)
    except StoreConfigurationError as error:
        raise CliError(f"{option} {error}") from None


def postgres_url(value: str, option: str) -> str:
    """Refuse anything but a PostgreSQL URL, naming the option."""
    location = _location(value, option)
    if location.url is None:
        raise CliError(f"{option} {value}: not a PostgreSQL URL; give postgresql://USER@HOST:PORT/DATABASE")
    return location.url


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


@contextmanager
def _postgres(url: str) -> Iterator[None]:
    """Where the PostgreSQL modules may be imported: their failures become one clear line."""
    _require_driver()
    import psycopg

    from store.postgres.migrate import MigrationError

    try:
        yield
    except MigrationError as error:
        raise CliError(str(error), FAILURE) from None
    except psycopg.Error as error:
        _unreachable(url, error)


def run_migrate(args: argparse.Namespace) -> int:
    location = _location(args.db, "--db")  # a SQLite path was checked by cli.main, as for every --db
    if location.path is not None:
        from store.sqlite.migrations import migrate_file

        applied = migrate_file(location.path)
    else:
        url = location.url or ""
        with _postgres(url):
            from store.postgres.migrate import migrate

            applied = migrate(url)
    for name in applied:
        print(f"applied {name}")
    print(f"{location.describe()}: schema current ({len(applied)} migration(s) applied now)")
    return 0


def run_status(args: argparse.Namespace) -> int:
    location = _location(args.db, "--db")
    states: list[tuple[str, str | None]]
    if location.path is not None:
        from store.sqlite import migrations

        done = migrations.applied(location.path)
        states = [(name, done.get(name)) for name in migrations.names()]
    else:
        url = location.url or ""
        with _postgres(url):
            from store.postgres.migrate import status

            states = [(f"{state.version:04d}_{state.name}", state.applied_at) for state in status(url)]
    for name, when in states:
        print(f"{name}  {when or 'pending'}")
    waiting = sum(when is None for _, when in states)
    print(f"{location.describe()}: {'schema current' if not waiting else f'{waiting} migration(s) pending'}")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    source = _location(args.source, "--from")
    if source.path is None:
        raise CliError(f"--from {source.describe()}: give the SQLite database to copy from (a file path)")
    database_file(source.path, option="--from", must_exist=True)
    url = postgres_url(args.target, option="--to")
    with _postgres(url):
        from store.postgres.copy import CopyError, copy_database
        from store.postgres.db import redact

        print(f"copying {source.path} to {redact(url)}")
        try:
            copied = copy_database(source.path, url)
        except CopyError as error:
            raise CliError(str(error), FAILURE) from None
    width = max(len(result.table) for result in copied)
    for result in copied:
        print(f"  {result.table:<{width}}  {result.rows}")
    total = sum(result.rows for result in copied)
    print(f"copied {total} rows in {len(copied)} tables; every table's row count matches the SQLite database")
    return 0
