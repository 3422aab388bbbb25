"""Read jobs of administration: lists of overrides, watches, policy versions, audit entries and histories."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from store.admin_jobs import active_policy, rows

Query = Callable[[sqlite3.Connection], Any]
_OVERRIDE_COLUMNS = "override_id, granted_by, reason, granted_on, expires_on, status, ticket_id"


def list_overrides(customer: str | None) -> Query:
    def job(connection: sqlite3.Connection) -> list[dict[str, Any]]:
        if customer is None:
            return rows(connection, f"SELECT {_OVERRIDE_COLUMNS} FROM service_overrides ORDER BY override_id")
        sql = f"SELECT {_OVERRIDE_COLUMNS} FROM service_overrides WHERE positive_id_hash = ? ORDER BY override_id"
        return rows(connection, sql, customer)

    return job


def list_watches(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    return rows(connection, "SELECT * FROM pattern_watches ORDER BY watch_id")


def list_policies(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    active = active_policy(connection)
    found = rows(
        connection,
        "SELECT version, etag, created_by, created_at, activated_at FROM policy_versions ORDER BY created_at",
    )
    for version in found:
        version["active"] = active is not None and version["version"] == active["version"]
    return found


def get_policy(version: str) -> Query:
    def job(connection: sqlite3.Connection) -> dict[str, Any] | None:
        found = rows(connection, "SELECT version, etag, content FROM policy_versions WHERE version = ?", version)
        return found[0] if found else None

    return job


def audit_entries(limit: int, offset: int) -> Query:
    def job(connection: sqlite3.Connection) -> list[dict[str, Any]]:
        return rows(connection, "SELECT * FROM audit_log ORDER BY entry_id LIMIT ? OFFSET ?", limit, offset)

    return job


def customer_history(customer: str) -> Query:
    """Exceptions (with reversals), return records, the count override and service overrides of a customer."""

    def job(connection: sqlite3.Connection) -> dict[str, Any]:
        override = rows(
            connection,
            "SELECT kind, value, set_on, until, set_by, reason FROM count_overrides WHERE positive_id_hash = ?",
            customer,
        )
        return {
            "exceptions": _exceptions(connection, "customer", customer),
            "returns": rows(
                connection,
                "SELECT ticket_id, receipted, return_date, items, amount, pattern_watch FROM customer_returns"
                " WHERE positive_id_hash = ? ORDER BY return_date",
                customer,
            ),
            "count_override": override[0] if override else None,
            "service_overrides": list_overrides(customer)(connection),
        }

    return job


def cashier_history(cashier: str) -> Query:
    def job(connection: sqlite3.Connection) -> dict[str, Any]:
        return {"exceptions": _exceptions(connection, "cashier", cashier)}

    return job


def _exceptions(connection: sqlite3.Connection, kind: str, subject: str) -> list[dict[str, Any]]:
    return rows(
        connection,
        "SELECT exception_type, ticket_id, store_id, occurred_on, amount, reversed_at FROM exceptions"
        " WHERE subject_kind = ? AND subject = ? ORDER BY occurred_on, exception_id",
        kind,
        subject,
    )


def register_policy(version: str, content: bytes, etag: str, at: str) -> Query:
    """At start-up: keep the served file's policy as a version; make it active when it is new or none is."""

    def job(connection: sqlite3.Connection) -> dict[str, Any]:
        known = rows(connection, "SELECT etag FROM policy_versions WHERE version = ?", version)
        current = active_policy(connection)
        if not known:
            connection.execute(
                "INSERT INTO policy_versions (version, content, etag, created_by, created_at)"
                " VALUES (?, ?, ?, 'startup', ?)",
                (version, content, etag, at),
            )
        if not known or current is None:
            connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('active_policy', ?)", (version,))
            connection.execute("UPDATE policy_versions SET activated_at = ? WHERE version = ?", (at, version))
        active = active_policy(connection)
        return dict(active) if active else {}

    return job


def ticket_stores(ticket_ids: frozenset[str]) -> Callable[[sqlite3.Connection], dict[str, str]]:
    """The store of each of these tickets that exists: a credential bound to stores is checked against them."""

    def job(connection: sqlite3.Connection) -> dict[str, str]:
        ordered = sorted(ticket_ids)
        marks = ", ".join("?" * len(ordered))
        found = connection.execute(f"SELECT ticket_id, store_id FROM tickets WHERE ticket_id IN ({marks})", ordered)
        return {str(ticket): str(store) for ticket, store in found}

    return job
