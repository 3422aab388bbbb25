"""Write jobs of administration: overrides, count overrides, pattern watches, policy versions, each audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from handlers.errors import LimitReached, NotFoundError, PreconditionFailed
from handlers.history.history import instant
from store.db import Db
from store.records import Stamp

Job = Callable[[Db], Any]
ACTIVE_POLICY_LOCK = "policy:active"


def audit(db: Db, stamp: Stamp, action: str, target: str, before: Any, after: Any) -> None:
    """Append to the audit log (triggers forbid changing it afterwards)."""
    db.execute(
        "INSERT INTO audit_log (at, actor, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)",
        (stamp.at, stamp.actor, action, target, _json(before), _json(after)),
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def rows(db: Db, sql: str, *params: object) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, _plain(row), strict=True)) for row in cursor.fetchall()]


def _plain(row: Any) -> tuple[Any, ...]:
    """A row's values as SQLite gives them: binary columns as bytes (PostgreSQL gives memoryview)."""
    return tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)


def grant_override(grant: dict[str, Any], stamp: Stamp, maximum: int, display: str) -> Job:
    """Grant a customer service override unless the customer already had `maximum` (revoked ones aside)."""

    def job(db: Db) -> dict[str, Any]:
        db.lock(f"customer:{grant['positive_id_hash']}")
        issued = db.execute(
            "SELECT COUNT(*) FROM service_overrides WHERE positive_id_hash = ? AND status != 'revoked'",
            (grant["positive_id_hash"],),
        ).fetchone()[0]
        if issued >= maximum:
            raise LimitReached(f"this customer already had {issued} customer service overrides (maximum {maximum})")
        override_id = db.execute(
            "INSERT INTO service_overrides (positive_id_hash, granted_by, reason, granted_on, expires_on, status)"
            " VALUES (?, ?, ?, ?, ?, 'active') RETURNING override_id",
            (grant["positive_id_hash"], stamp.actor, grant["reason"], grant["granted_on"], grant["expires_on"]),
        ).fetchone()[0]
        created = {"override_id": override_id, "customer": display, **_public(grant), "status": "active"}
        audit(db, stamp, "override.grant", f"override/{override_id}", None, created)
        return created

    return job


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "positive_id_hash"}


def revoke_override(override_id: int, stamp: Stamp) -> Job:
    """Revoke an override, under its customer's lock (the overrides an authorize counts as available)."""

    def job(db: Db) -> dict[str, Any]:
        owner = db.execute(
            "SELECT positive_id_hash FROM service_overrides WHERE override_id = ?", (override_id,)
        ).fetchone()
        if owner is not None:
            db.lock(f"customer:{owner[0]}")
        found = rows(db, "SELECT * FROM service_overrides WHERE override_id = ?", override_id)
        if not found:
            raise NotFoundError(f"override {override_id} does not exist")
        db.execute("UPDATE service_overrides SET status = 'revoked' WHERE override_id = ?", (override_id,))
        before = _public(found[0])
        after = {**before, "status": "revoked"}
        audit(db, stamp, "override.revoke", f"override/{override_id}", before, after)
        return after

    return job


def _after_recorded(db: Db, customer: str, at: str) -> str:
    """The override's instant, a microsecond past it when an exception of the customer was already recorded in that
    very instant: that one stays behind the override, one recorded in the same instant afterwards counts."""
    made = instant(at)
    recorded = db.execute(
        "SELECT recorded_at FROM exceptions WHERE subject_kind = 'customer' AND subject = ? AND recorded_at >= ?",
        (customer, made.date().isoformat()),
    )
    tied = any(instant(value) == made for (value,) in recorded if value)
    return (made + timedelta(microseconds=1)).isoformat() if tied else at


def set_count_override(values: dict[str, Any], stamp: Stamp) -> Job:
    """Reset or freeze a customer's exception count, under the customer's lock (which an authorize holds while it
    reads the count)."""

    def job(db: Db) -> dict[str, Any]:
        target = values["positive_id_hash"]
        db.lock(f"customer:{target}")
        before = rows(db, "SELECT * FROM count_overrides WHERE positive_id_hash = ?", target)
        db.execute(
            "INSERT INTO count_overrides (positive_id_hash, kind, value, set_on, until, set_by, reason, set_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (positive_id_hash) DO UPDATE SET kind = excluded.kind,"
            " value = excluded.value, set_on = excluded.set_on, until = excluded.until, set_by = excluded.set_by,"
            " reason = excluded.reason, set_at = excluded.set_at",
            (
                target,
                values["kind"],
                values["value"],
                values["set_on"],
                values.get("until"),
                stamp.actor,
                values["reason"],
                _after_recorded(db, target, values.get("set_at", stamp.at)),
            ),
        )
        after = {**_public(values), "set_by": stamp.actor}
        audit(db, stamp, f"count.{values['kind']}", f"customer/{target[:12]}", _strip(before), after)
        return after

    return job


def _strip(found: list[dict[str, Any]]) -> dict[str, Any] | None:
    return _public(found[0]) if found else None


def add_watch(watch: dict[str, Any], stamp: Stamp) -> Job:
    def job(db: Db) -> dict[str, Any]:
        if rows(db, "SELECT watch_id FROM pattern_watches WHERE watch_id = ?", watch["watch_id"]):
            raise LimitReached(f"pattern watch {watch['watch_id']} already exists")
        db.execute(
            "INSERT INTO pattern_watches (watch_id, item_id, node_id, purchase_from, purchase_to, return_from,"
            " return_to, description, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                watch["watch_id"],
                watch.get("item_id"),
                watch.get("node_id"),
                watch["purchase_from"],
                watch["purchase_to"],
                watch["return_from"],
                watch["return_to"],
                watch["description"],
                stamp.actor,
            ),
        )
        audit(db, stamp, "watch.create", f"watch/{watch['watch_id']}", None, watch)
        return {**watch, "created_by": stamp.actor, "retired_at": None}

    return job


def retire_watch(watch_id: str, stamp: Stamp) -> Job:
    def job(db: Db) -> dict[str, Any]:
        found = rows(db, "SELECT * FROM pattern_watches WHERE watch_id = ? AND retired_at IS NULL", watch_id)
        if not found:
            raise NotFoundError(f"no active pattern watch {watch_id}")
        db.execute("UPDATE pattern_watches SET retired_at = ? WHERE watch_id = ?", (stamp.at, watch_id))
        audit(db, stamp, "watch.retire", f"watch/{watch_id}", found[0], {**found[0], "retired_at": stamp.at})
        return {**found[0], "retired_at": stamp.at}

    return job


def put_policy(version: str, content: bytes, etag: str, stamp: Stamp, if_match: str | None) -> Job:
    """Store a policy version; replacing an existing one needs its current ETag (If-Match), else 412."""

    def job(db: Db) -> dict[str, Any]:
        db.lock(f"policy:{version}")
        found = rows(db, "SELECT version, etag, activated_at FROM policy_versions WHERE version = ?", version)
        if found and if_match != found[0]["etag"]:
            raise PreconditionFailed(f"policy version {version} changed since you read it (send its current ETag)")
        if not found and if_match not in (None, "*"):
            raise PreconditionFailed(f"policy version {version} does not exist yet")
        db.execute(
            "INSERT INTO policy_versions (version, content, etag, created_by, created_at, activated_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (version) DO UPDATE SET content = excluded.content,"
            " etag = excluded.etag, created_by = excluded.created_by, created_at = excluded.created_at,"
            " activated_at = excluded.activated_at",
            (version, content, etag, stamp.actor, stamp.at, found[0]["activated_at"] if found else None),
        )
        after = {"version": version, "etag": etag}
        audit(db, stamp, "policy.upload", f"policy/{version}", found[0] if found else None, after)
        return after

    return job


def activate_policy(version: str, stamp: Stamp, if_match: str | None) -> Job:
    """Make a stored version the active one; If-Match must name the currently active version's ETag."""

    def job(db: Db) -> dict[str, Any]:
        db.lock(ACTIVE_POLICY_LOCK)
        current = active_policy(db)
        if if_match is not None and (current is None or if_match != current["etag"]):
            raise PreconditionFailed("the active policy changed since you read it")
        found = rows(db, "SELECT version, etag FROM policy_versions WHERE version = ?", version)
        if not found:
            raise NotFoundError(f"policy version {version} does not exist")
        set_active(db, version, stamp.at)
        before = {"version": current["version"]} if current else None
        audit(db, stamp, "policy.activate", f"policy/{version}", before, {"version": version})
        return {"version": version, "etag": found[0]["etag"]}

    return job


def set_active(db: Db, version: str, at: str) -> None:
    """Make a stored version the active one."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('active_policy', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (version,),
    )
    db.execute("UPDATE policy_versions SET activated_at = ? WHERE version = ?", (at, version))


def active_policy(db: Db) -> dict[str, Any] | None:
    found = rows(
        db,
        "SELECT p.version, p.etag, p.content FROM meta m JOIN policy_versions p ON p.version = m.value"
        " WHERE m.key = 'active_policy'",
    )
    return found[0] if found else None
