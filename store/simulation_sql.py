"""Read job of a policy simulation: the attempts of a period and every row their history is rebuilt from.

One read transaction, a handful of bulk queries (no per-attempt round trip). Portable SQL only: `?` parameters,
ISO dates compared as text, no rowid and no engine-specific functions, so that it runs unchanged on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from handlers.policy.policy_model import PatternWatch
from handlers.simulation.inputs import (
    AuditRow,
    ExceptionRow,
    FinalRow,
    HistoryRows,
    OverrideRow,
    ReturnRow,
    StoredAttempt,
    WatchRow,
)
from store.db import Db

SimulationInputs = tuple[list[StoredAttempt], HistoryRows]
_AUDITED = ("override.grant", "override.revoke", "count.freeze", "count.reset", "watch.create")


def simulation_inputs(first: date, last: date, stores: tuple[str, ...] = ()) -> Callable[[Db], SimulationInputs]:
    """A job reading the attempts of tickets dated `first` to `last` (of `stores`, when given) in time order, and
    the history rows, in one read transaction so that both come from one state of the database."""

    def job(db: Db) -> SimulationInputs:
        return _attempts(db, first, last, stores), _history(db)

    return job


def _attempts(db: Db, first: date, last: date, stores: tuple[str, ...]) -> list[StoredAttempt]:
    where = "" if not stores else f" AND t.store_id IN ({', '.join('?' * len(stores))})"
    cursor = db.execute(
        "SELECT a.ticket_id, a.attempt_no, a.received_at, t.store_id, t.positive_id_hash, a.policy_version,"
        " a.decision_json FROM attempts a JOIN tickets t ON t.ticket_id = a.ticket_id"
        f" WHERE t.business_date >= ? AND t.business_date <= ?{where}"
        " ORDER BY a.received_at, a.ticket_id, a.attempt_no",
        (first.isoformat(), last.isoformat(), *stores),
    )
    return [StoredAttempt(*row) for row in cursor.fetchall()]


def _history(db: Db) -> HistoryRows:
    day = date.fromisoformat
    finals = db.execute(
        "SELECT f.ticket_id, f.voided, f.received_at, t.positive_id_hash, (SELECT a.override_used FROM attempts a"
        " WHERE a.ticket_id = f.ticket_id ORDER BY a.attempt_no DESC LIMIT 1)"
        " FROM final_results f JOIN tickets t ON t.ticket_id = f.ticket_id"
    ).fetchall()
    returns = db.execute(
        "SELECT positive_id_hash, ticket_id, return_date, receipted, items, amount, pattern_watch FROM customer_returns"
    ).fetchall()
    exceptions = db.execute(
        "SELECT subject_kind, subject, ticket_id, occurred_on, reversed_at FROM exceptions"
    ).fetchall()
    marks = ", ".join("?" * len(_AUDITED))
    audit = db.execute(
        f"SELECT at, action, target, after_json FROM audit_log WHERE action IN ({marks}) ORDER BY entry_id", _AUDITED
    ).fetchall()
    return HistoryRows(
        finals=tuple(FinalRow(ticket, bool(voided), at, who, bool(used)) for ticket, voided, at, who, used in finals),
        returns=tuple(
            ReturnRow(who, ticket, day(on), bool(receipted), Decimal(str(items)), Decimal(str(amount)), bool(watch))
            for who, ticket, on, receipted, items, amount, watch in returns
        ),
        quantities=tuple(
            (sale, item, ticket, Decimal(str(quantity)))
            for sale, item, ticket, quantity in db.execute(
                "SELECT original_sale, item_id, ticket_id, quantity FROM returned_quantities"
            )
        ),
        exceptions=tuple(ExceptionRow(kind, who, ticket, day(on), back) for kind, who, ticket, on, back in exceptions),
        overrides=tuple(
            OverrideRow(int(number), who, day(until))
            for number, who, until in db.execute(
                "SELECT override_id, positive_id_hash, expires_on FROM service_overrides"
            )
        ),
        audit=tuple(AuditRow(*entry) for entry in audit),
        watches=_watches(db),
        count_overrides=frozenset(row[0] for row in db.execute("SELECT positive_id_hash FROM count_overrides")),
        voided_sale_items=tuple(
            (ticket, sale, item)
            for ticket, sale, item in db.execute(
                "SELECT DISTINCT l.ticket_id, l.original_sale, l.item_id FROM ticket_lines l"
                " WHERE l.original_sale IS NOT NULL"
                " AND l.ticket_id IN (SELECT f.ticket_id FROM final_results f WHERE f.voided = 1)"
            )
        ),
    )


def _watches(db: Db) -> tuple[WatchRow, ...]:
    day = date.fromisoformat
    return tuple(
        WatchRow(PatternWatch(name, day(b_from), day(b_to), day(r_from), day(r_to), text, item, node), retired)
        for name, item, node, b_from, b_to, r_from, r_to, text, retired in db.execute(
            "SELECT watch_id, item_id, node_id, purchase_from, purchase_to, return_from, return_to, description,"
            " retired_at FROM pattern_watches"
        )
    )
