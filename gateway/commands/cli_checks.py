"""What every command checks before it touches anything, and how it says no: one line on stderr, exit 2 for a
usage error, 1 for a failure, never a traceback."""

from __future__ import annotations

import argparse
import sys
import urllib.parse
from pathlib import Path
from typing import NoReturn

from store.errors import StoreConfigurationError
from store.open import parse_location

USAGE, FAILURE = 2, 1
SQLITE_HEADER = b"SQLite format 3\x00"


class CliError(Exception):
    """A refusal to report as one line: what is wrong and what to do."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def gateway_url(text: str) -> str:
    """An argparse type: the address of a gateway, http:// or https:// with a host and a valid port."""
    try:
        parts = urllib.parse.urlsplit(text) if text.isprintable() and " " not in text else None
        port = parts.port if parts is not None else None
    except ValueError:  # a port that is not a number from 0 to 65535, or a malformed IPv6 address
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a gateway address such as http://127.0.0.1:8080")
    return text


def seconds(text: str) -> float:
    """An argparse type: a number of seconds from 0 to 3600."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:  # also refuses nan and infinities
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return value


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, when it has one and does not already say it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        silent = action.default in (None, False, argparse.SUPPRESS) or not action.option_strings
        silent = silent or "key" in action.dest or "secret" in action.dest  # never print a secret from the env
        if silent or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """argparse with the project's help format and one-line usage errors."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def report(error: CliError) -> int:
    print(f"error: {error.message}", file=sys.stderr)
    return error.exit_code


DB_HELP = (
    "gateway database: a SQLite file, sqlite:///PATH or postgresql://user@host:port/db (default: returns-gateway.db)"
)


def database(value: str, option: str = "--db", must_exist: bool = False) -> None:
    """Refuse a --db value that cannot name a gateway database: a SQLite file is checked as `database_file` does;
    a PostgreSQL URL is checked when the store connects."""
    try:
        location = parse_location(value)
    except StoreConfigurationError as exc:
        raise CliError(f"{option} {exc}") from None
    if location.path is not None:
        database_file(location.path, option, must_exist)


def database_file(path: Path, option: str = "--db", must_exist: bool = False) -> None:
    """Refuse a database path that cannot be a gateway database, before anything opens (or creates) it."""
    if not path.exists():
        if must_exist:
            raise CliError(f"{option} {path} does not exist; give the gateway's database file")
        if not path.parent.is_dir():
            raise CliError(f"{option} {path}: directory {path.parent} does not exist; create it or choose another path")
        return
    if path.is_dir():
        raise CliError(f"{option} {path} is a directory; give the database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CliError(f"{option} {path} cannot be read: {exc.strerror}", FAILURE) from None
    if header and header != SQLITE_HEADER:
        raise CliError(f"{option} {path} is not a gateway database (not SQLite); give the gateway's database file")


def readable_file(path: str | Path, option: str) -> None:
    """Refuse a missing or unreadable file named by an option, naming both."""
    candidate = Path(path)
    if not candidate.is_file():
        raise CliError(f"{option} {candidate}: no such file")
    try:
        with candidate.open("rb"):
            pass
    except OSError as exc:
        raise CliError(f"{option} {candidate} cannot be read: {exc.strerror}") from None
