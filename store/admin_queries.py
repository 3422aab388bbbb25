"""Read jobs of administration: lists of overrides, watches, policy versions, audit entries and histories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from store.admin_jobs import ACTIVE_POLICY_LOCK, active_policy, rows, set_active
from store.db import Db

Query = Callable[[Db], Any]
_OVERRIDE_COLUMNS = "override_id, granted_by, reason, granted_on, expires_on, status, ticket_id"


def list_overrides(customer: str | None) -> Query:
    def job(db: Db) -> list[dict[str, Any]]:
        if customer is None:
            return rows(db, f"SELECT {_OVERRIDE_COLUMNS} FROM service_overrides ORDER BY override_id")
        sql = f"SELECT {_OVERRIDE_COLUMNS} FROM service_overrides WHERE positive_id_hash = ? ORDER BY override_id"
        return rows(db, sql, customer)

    return job


def list_watches(db: Db) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM pattern_watches ORDER BY watch_id")


def list_policies(db: Db) -> list[dict[str, Any]]:
    active = active_policy(db)
    found = rows(
        db,
        "SELECT version, etag, created_by, created_at, activated_at FROM policy_versions ORDER BY created_at",
    )
    for version in found:
        version["active"] = active is not None and version["version"] == active["version"]
    return found


def get_policy(version: str) -> Query:
    def job(db: Db) -> dict[str, Any] | None:
        found = rows(db, "SELECT version, etag, content FROM policy_versions WHERE version = ?", version)
        return found[0] if found else None

    return job


def audit_entries(limit: int, offset: int) -> Query:
    def job(db: Db) -> list[dict[str, Any]]:
        return rows(db, "SELECT * FROM audit_log ORDER BY entry_id LIMIT ? OFFSET ?", limit, offset)

    return job


def customer_history(customer: str) -> Query:
    """Exceptions (with reversals), return records, the count override and service overrides of a customer."""

    def job(db: Db) -> dict[str, Any]:
        override = rows(
            db,
            "SELECT kind, value, set_on, until, set_by, reason FROM count_overrides WHERE positive_id_hash = ?",
            customer,
        )
        return {
            "exceptions": _exceptions(db, "customer", customer),
            "returns": rows(
                db,
                "SELECT ticket_id, receipted, return_date, items, amount, pattern_watch FROM customer_returns"
                " WHERE positive_id_hash = ? ORDER BY return_date",
                customer,
            ),
            "count_override": override[0] if override else None,
            "service_overrides": list_overrides(customer)(db),
        }

    return job


def cashier_history(cashier: str) -> Query:
    def job(db: Db) -> dict[str, Any]:
        return {"exceptions": _exceptions(db, "cashier", cashier)}

    return job


def _exceptions(db: Db, kind: str, subject: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT exception_type, ticket_id, store_id, occurred_on, amount, reversed_at FROM exceptions"
        " WHERE subject_kind = ? AND subject = ? ORDER BY occurred_on, exception_id",
        kind,
        subject,
    )


def register_policy(version: str, content: bytes, etag: str, at: str) -> Query:
    """At start-up: keep the served file's policy as a version; make it active when it is new or none is."""

    def job(db: Db) -> dict[str, Any]:
        db.lock(ACTIVE_POLICY_LOCK, f"policy:{version}")
        known = rows(db, "SELECT etag FROM policy_versions WHERE version = ?", version)
        current = active_policy(db)
        if not known:
            db.execute(
                "INSERT INTO policy_versions (version, content, etag, created_by, created_at)"
                " VALUES (?, ?, ?, 'startup', ?)",
                (version, content, etag, at),
            )
        if not known or current is None:
            set_active(db, version, at)
        active = active_policy(db)
        return dict(active) if active else {}

    return job


def ticket_stores(ticket_ids: frozenset[str]) -> Callable[[Db], dict[str, str]]:
    """The store of each of these tickets that exists: a credential bound to stores is checked against them."""

    def job(db: Db) -> dict[str, str]:
        ordered = sorted(ticket_ids)
        if not ordered:
            return {}
        marks = ", ".join("?" * len(ordered))
        found = db.execute(f"SELECT ticket_id, store_id FROM tickets WHERE ticket_id IN ({marks})", ordered)
        return {str(ticket): str(store) for ticket, store in found}

    return job
