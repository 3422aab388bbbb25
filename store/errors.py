"""Store errors every backend raises alike, so that callers outside `store/` never see a driver's exceptions
(refusals of the domain are handlers.errors)."""

from __future__ import annotations

import sqlite3


class StoreError(Exception):
    """The store could not do what was asked, through no fault of the request."""


class StoreUnavailable(StoreError):
    """The database cannot take the operation now (unreachable, restarting, out of connections, or contention
    that outlasted the retries); try again after `retry_after` seconds.

    Nothing was committed, except when the connection broke during the commit itself, when the outcome is unknown:
    the gateway's operations are idempotent by message id, so the retry the hint invites answers from what was
    stored, or stores it then.
    """

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class StoreConfigurationError(StoreError):
    """The database named in the settings cannot be used (unknown scheme, missing driver)."""


def database_errors() -> tuple[type[Exception], ...]:
    """Every error a database of either backend raises when it cannot be used (for a command line's last line of
    defence): the store's own, SQLite's and, when installed, the PostgreSQL driver's."""
    found: list[type[Exception]] = [StoreError, sqlite3.DatabaseError]
    try:
        import psycopg
    except ImportError:
        pass
    else:
        found.append(psycopg.Error)
    return tuple(found)
