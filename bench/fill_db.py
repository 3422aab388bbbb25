"""Fill a gateway database with many synthetic tickets and their history, fast, for latency-at-scale checks."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from store.sqlite.migrations import migrate
from store.sqlite.writer import connect

CHUNK = 50_000


def fill(path: Path, tickets: int, seed: int = 3) -> None:
    """`tickets` completed tickets, one line each, with customer returns and exceptions for 100k customers, and an
    exception for the ticket's cashier (500 cashiers, so each has thousands)."""
    rng = random.Random(seed)
    connection = connect(path)
    migrate(connection)
    connection.execute("PRAGMA synchronous=OFF")
    for start in range(0, tickets, CHUNK):
        connection.execute("BEGIN")
        rows = [_ticket(rng, number) for number in range(start, min(start + CHUNK, tickets))]
        connection.executemany(
            "INSERT INTO tickets (ticket_id, store_id, register_id, cashier_id, business_date, created_at, origin,"
            " status, positive_id_hash, positive_id_display, response_type, response_code, policy_version, updated_at)"
            " VALUES (?, ?, '01', ?, ?, ?, 'online', 'completed', ?, 'DriversLicense/TX ****0000', 'Authorization',"
            " '100', 'fill', ?)",
            [(t, s, c, d, d, h, d) for t, s, c, d, h in rows],
        )
        connection.executemany(
            "INSERT INTO ticket_lines VALUES (?, 1, 1, '100234', ?, 1, 0, '1', '10.00', 'Authorization', '100', '1',"
            " '10.00', 'DEFAULT-RECEIPTED', 0)",
            [(t, f"{s}/02/{d}/{i}") for i, (t, s, _, d, _) in enumerate(rows)],
        )
        connection.executemany(
            "INSERT INTO customer_returns VALUES (?, ?, 0, ?, '1', '10.00', 0)", [(h, t, d) for t, _, _, d, h in rows]
        )
        connection.executemany(
            "INSERT INTO exceptions (subject_kind, subject, exception_type, ticket_id, store_id, occurred_on, amount)"
            " VALUES (?, ?, 'nonreceipted-return', ?, ?, ?, '10.00')",
            [(kind, subject, t, s, d) for t, s, c, d, h in rows for kind, subject in (("customer", h), ("cashier", c))],
        )
        connection.execute("COMMIT")
    connection.execute("PRAGMA synchronous=FULL")
    connection.close()


def _ticket(rng: random.Random, number: int) -> tuple[str, str, str, str, str]:
    day = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    store = rng.choice(("01291", "01292", "00455", "02001", "02002"))
    return (f"TFILL-{number:09d}", store, f"E{rng.randrange(500)}", day, f"{rng.randrange(100_000):064x}")


def count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM tickets").fetchone()[0])
