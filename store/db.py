"""The connection the store's jobs write their SQL against, whatever the backend.

A job is a plain function of a `Db`: it runs inside one transaction that its backend opened and commits (SQLite: a
group-commit batch on the one writer; PostgreSQL: a pooled connection, one transaction per operation, retried on a
serialization failure or deadlock). Jobs write portable SQL with `?` placeholders; where the dialects part, a job
asks `db.dialect`. Nothing outside `store/` sees a `Db`.

Portable SQL here means what SQLite 3.35+ and PostgreSQL 15 both run: `INSERT .. ON CONFLICT (..) DO UPDATE|NOTHING`,
`RETURNING`, `COALESCE`, `CASE`, integer and text columns (booleans stored as 0/1, instants as ISO text, money as
text or integer minor units), no `INSERT OR REPLACE`, no `rowid`, no scalar `MAX(a, b)` (`CASE` instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]


class Cursor(Protocol):
    """What a job reads back from a statement."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Any:
        """One entry a column, its name first (DB-API)."""
        ...

    def __iter__(self) -> Iterator[Any]: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """One open transaction of a backend."""

    @property
    def dialect(self) -> Dialect: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement written with `?` placeholders; rows come back as tuples."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    def write_all(self, statements: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        """Run statements in order, each once for every row of its parameters, without reading results back
        (PostgreSQL sends them all in one round trip; a statement with no rows is left out)."""
        ...

    def lock(self, *keys: str) -> None:
        """Hold exclusive locks on the named keys until the transaction ends, taken in sorted order so that two
        transactions never wait on each other in a cycle. A no-op where one writer already serializes every write
        (SQLite); advisory transaction locks on PostgreSQL, taken at the latest just before the job's next statement
        runs (in that statement's round trip), so a lock guards every statement after the call. Successive calls
        take their locks in call order: a job locks coarser keys (message, ticket) before finer ones (customer,
        sale, account), as every job does. Keys name what they guard, e.g. `ticket:<id>`,
        `customer:<hash>`, `sale:<store>/<register>/<transaction>`, `account:<id>`."""
        ...
