"""Row counts of every table of a gateway database: a refused request must leave each one as it was."""

from __future__ import annotations

from pathlib import Path

from tests.dbaccess import database, tables


def every_table(db: str | Path) -> dict[str, int]:
    """{table: rows} for every table the schema has, read from the catalog (none is left out by name)."""
    names = tables(db)
    with database(db) as connection:
        return {name: int(connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]) for name in names}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    """The tables whose row count differs, with both counts."""
    return {name: (before.get(name, 0), count) for name, count in after.items() if before.get(name, 0) != count}
