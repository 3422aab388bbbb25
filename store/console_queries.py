"""Jobs of the console: dashboard aggregates, a ticket's exceptions and loyalty entries, filtered audit pages,
and the audit entry of a console event (sign-in, reveal).

Every job is synchronous, `job(db) -> T`, in portable SQL (`?` parameters, ISO dates compared as text,
no engine-specific functions), so that it runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.admin_jobs import audit, rows
from store.db import Db
from store.records import Stamp

Job = Callable[[Db], Any]


def record_event(stamp: Stamp, action: str, target: str, detail: dict[str, Any] | None = None) -> Job:
    """An audit entry for something done in the console that changes no table (signing in, revealing data)."""

    def job(db: Db) -> None:
        audit(db, stamp, action, target, None, detail)

    return job


def sign_out_session(session_id: str, signed_out_at: str, forget_after: str) -> Job:
    """Record a console session as signed out until `forget_after` (when its cookie has expired anyway), and
    forget the sessions whose time has passed (ISO instants compared as text)."""

    def job(db: Db) -> None:
        db.execute("DELETE FROM console_signed_out WHERE forget_after < ?", (signed_out_at,))
        db.execute(
            "INSERT INTO console_signed_out (session_id, signed_out_at, forget_after) VALUES (?, ?, ?)"
            " ON CONFLICT (session_id) DO NOTHING",
            (session_id, signed_out_at, forget_after),
        )

    return job


def session_signed_out(session_id: str) -> Job:
    """Whether a console session was signed out (by any gateway sharing the database)."""

    def job(db: Db) -> bool:
        found = db.execute("SELECT 1 FROM console_signed_out WHERE session_id = ?", (session_id,)).fetchone()
        return found is not None

    return job


def ticket_extras(ticket_id: str) -> Job:
    """A ticket's exceptions (with reversals) and the loyalty entries made for it, oldest first."""

    def job(db: Db) -> dict[str, list[dict[str, Any]]]:
        return {
            "exceptions": rows(
                db,
                "SELECT exception_type, subject_kind, store_id, occurred_on, amount, reversed_at FROM exceptions"
                " WHERE ticket_id = ? ORDER BY exception_id",
                ticket_id,
            ),
            "loyalty": rows(
                db,
                "SELECT entry_id, account_id, kind, points, balance, tier, created_at FROM loyalty_entries"
                " WHERE ticket_id = ? ORDER BY entry_id",
                ticket_id,
            ),
        }

    return job


def ticket_customer_key(ticket_id: str) -> Job:
    """The keyed hash of the positive ID a ticket names (None when it names none), to read that customer's history."""

    def job(db: Db) -> str | None:
        found = rows(db, "SELECT positive_id_hash FROM tickets WHERE ticket_id = ?", ticket_id)
        return found[0]["positive_id_hash"] if found else None

    return job


def ticket_lines(ticket_id: str) -> Job:
    """Every attempt's lines as the till sent them (item, sale, quantity, price), for the ticket page."""

    def job(db: Db) -> list[dict[str, Any]]:
        return rows(
            db,
            "SELECT attempt_no, line_number, item_id, original_sale, receipted, gift_receipt, quantity, unit_price"
            " FROM ticket_lines WHERE ticket_id = ? ORDER BY attempt_no, line_number",
            ticket_id,
        )

    return job


def dashboard(day_from: str, day_to: str, store_id: str | None = None) -> Job:
    """Returns per day and response type, top denial codes, refund value and open exceptions per store, for the
    business days from `day_from` to `day_to` (ISO dates, both included)."""
    store_clause, store_values = (" AND t.store_id = ?", [store_id]) if store_id else ("", [])

    def job(db: Db) -> dict[str, Any]:
        period = [day_from, day_to, *store_values]
        return {
            "by_day": rows(
                db,
                "SELECT t.business_date AS day, t.response_type, COUNT(*) AS tickets FROM tickets t"
                f" WHERE t.business_date >= ? AND t.business_date <= ?{store_clause}"
                " GROUP BY t.business_date, t.response_type ORDER BY t.business_date",
                *period,
            ),
            "denial_codes": rows(
                db,
                "SELECT l.response_code AS code, COUNT(*) AS lines FROM ticket_lines l JOIN tickets t"
                " ON t.ticket_id = l.ticket_id WHERE l.response_type IN ('Denial', 'ManagerOverrideableDenial')"
                f" AND t.business_date >= ? AND t.business_date <= ?{store_clause} GROUP BY l.response_code"
                " ORDER BY COUNT(*) DESC, l.response_code LIMIT 10",
                *period,
            ),
            "refunds": _refunds(db, period, store_clause),
            "exceptions": rows(
                db,
                "SELECT e.store_id, e.exception_type, COUNT(*) AS exceptions FROM exceptions e"
                " WHERE e.reversed_at IS NULL AND e.occurred_on >= ? AND e.occurred_on <= ?"
                f"{store_clause.replace('t.', 'e.')} GROUP BY e.store_id, e.exception_type"
                " ORDER BY e.store_id, e.exception_type",
                *period,
            ),
        }

    return job


def _refunds(db: Db, period: list[Any], store_clause: str) -> list[dict[str, Any]]:
    """Refund value per store decided on each completed ticket's last attempt. The tickets of the period are read
    first (CROSS JOIN keeps that order), and `status || ''` keeps the status index, which spans every day, unused."""
    return rows(
        db,
        "SELECT t.store_id, SUM(CAST(l.refund_amount AS NUMERIC)) AS refund_amount, COUNT(*) AS lines"
        " FROM tickets t CROSS JOIN ticket_lines l WHERE l.ticket_id = t.ticket_id AND t.status || '' = 'completed'"
        f" AND t.business_date >= ? AND t.business_date <= ?{store_clause} AND NOT EXISTS (SELECT 1 FROM attempts a"
        " WHERE a.ticket_id = t.ticket_id AND a.attempt_no > l.attempt_no) GROUP BY t.store_id ORDER BY t.store_id",
        *period,
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Audit entries by actor, action (prefix), target (prefix) and moment (ISO text, `at_to` excluded)."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    at_from: str | None = None
    at_to: str | None = None
    limit: int = 50
    offset: int = 0


def audit_page(search: AuditFilter) -> Job:
    """One page of audit entries, newest first, plus one more row when a further page exists."""
    clauses, values = [], []
    for column, value, op in (
        ("actor", search.actor, "="),
        ("action", search.action, "LIKE"),
        ("target", search.target, "LIKE"),
        ("at", search.at_from, ">="),
        ("at", search.at_to, "<"),
    ):
        if value:
            clauses.append(f"{column} {op} ?" + (" ESCAPE '!'" if op == "LIKE" else ""))
            values.append(_prefix(value) if op == "LIKE" else value)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT * FROM audit_log{where} ORDER BY entry_id DESC LIMIT ? OFFSET ?"

    def job(db: Db) -> list[dict[str, Any]]:
        return rows(db, sql, *values, search.limit + 1, search.offset)

    return job


def _prefix(text: str) -> str:
    """A LIKE pattern matching text that starts with `text` taken literally."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def audit_actors(db: Db) -> list[str]:
    """Everyone who ever changed something, for the audit filter's choices."""
    return [row["actor"] for row in rows(db, "SELECT DISTINCT actor FROM audit_log ORDER BY actor")]
