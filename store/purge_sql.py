"""The purge of personal data, in keyset batches on ticket_id: each batch is one short transaction, so that the
writes of a serving gateway never wait long behind it (and, on PostgreSQL, rows a till is writing are skipped now
and purged on the next run)."""

from __future__ import annotations

from collections.abc import Callable

from store.db import Db

_PERSONAL = (
    "business_date < ? AND (positive_id_display IS NOT NULL OR customer_id IS NOT NULL OR customer_masked IS NOT NULL"
    " OR customer_sealed IS NOT NULL)"
)


def purge_batch(before: str, after: str, size: int) -> Callable[[Db], tuple[int, str | None]]:
    """A job purging the next `size` tickets holding personal data whose ticket_id sorts after `after`: how many,
    and the last ticket_id looked at (None when none was left)."""

    def job(db: Db) -> tuple[int, str | None]:
        skip = " FOR UPDATE SKIP LOCKED" if db.dialect == "postgresql" else ""
        found = [
            row[0]
            for row in db.execute(
                f"SELECT ticket_id FROM tickets WHERE ticket_id > ? AND {_PERSONAL} ORDER BY ticket_id LIMIT ?{skip}",
                (after, before, size),
            ).fetchall()
        ]
        if not found:
            return 0, None
        marks = ", ".join("?" * len(found))
        db.execute(
            "UPDATE tickets SET positive_id_display = NULL, customer_id = NULL, customer_masked = NULL,"
            f" customer_sealed = NULL WHERE ticket_id IN ({marks})",
            found,
        )
        return len(found), str(found[-1])

    return job
