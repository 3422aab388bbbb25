"""Reading the history the rules need: customer returns and exceptions, overrides, cashier exceptions, watches."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from handlers.history import (
    CountOverride,
    CountOverrideKind,
    ExceptionMark,
    History,
    PriorPurchase,
    PriorReturn,
    instant,
)
from handlers.policy_model import PatternWatch
from store.db import Db
from store.records import HistoryQuery


def load_history(db: Db, query: HistoryQuery) -> History:
    """The customer's and cashier's history as far back as the rules look, quantities already returned, overrides,
    watches."""
    cashier_since = query.cashier_since
    history = History(
        cashier_exceptions_by_day={}
        if cashier_since is None
        else _exceptions_by_day(db, "cashier", query.cashier_id, cashier_since),
        returned_quantities=_returned(db, query.sale_items),
        pattern_watches=_watches(db),
    )
    if query.positive_id_hash is None:
        return history
    return _with_customer(db, history, query.positive_id_hash, query)


def _with_customer(db: Db, history: History, customer: str, query: HistoryQuery) -> History:
    since = query.customer_since
    returns = () if since is None else _returns(db, customer, since)
    account = query.loyalty_account_id
    purchases = None if since is None or account is None else _purchases(db, account, since)
    total, available = db.execute(
        "SELECT (SELECT COALESCE(SUM(open_count), 0) FROM exception_days WHERE subject_kind = 'customer'"
        " AND subject = ?), (SELECT COUNT(*) FROM service_overrides WHERE positive_id_hash = ?"
        " AND status = 'active' AND expires_on >= ?)",
        (customer, customer, query.today.isoformat()),
    ).fetchone()
    override = _count_override(db, customer)
    by_day = {} if override is None else _exceptions_by_day(db, "customer", customer, override.counts_from)
    marks = () if override is None or override.set_at is None else _marks(db, customer, override.set_on)
    return replace(
        history,
        customer_exception_marks=marks,
        customer_returns=returns,
        customer_purchases=purchases,
        customer_exception_total=total,
        customer_exceptions_by_day=by_day,
        count_override=override,
        overrides_available=available,
    )


def _returns(db: Db, customer: str, since: date) -> tuple[PriorReturn, ...]:
    return tuple(
        PriorReturn(date.fromisoformat(day), bool(receipted), Decimal(items), Decimal(amount), bool(watch))
        for day, receipted, items, amount, watch in db.execute(
            "SELECT return_date, receipted, items, amount, pattern_watch FROM customer_returns"
            " WHERE positive_id_hash = ? AND return_date >= ?",
            (customer, since.isoformat()),
        )
    )


def _purchases(db: Db, account: str, since: date) -> tuple[PriorPurchase, ...]:
    """The customer's sales the loyalty ledger holds (by loyalty account), made on or after `since`: the sales
    history a returns ratio weighs returns against."""
    found = []
    for sale, purchase in db.execute(
        "SELECT sale, purchase_json FROM loyalty_purchases WHERE account_id = ?", (account,)
    ):
        day = date.fromisoformat(sale.rsplit("/", 2)[1])
        if day >= since:
            items = sum((Decimal(line["quantity"]) for line in json.loads(purchase)["lines"]), Decimal(0))
            found.append(PriorPurchase(day, items))
    return tuple(found)


def _count_override(db: Db, customer: str) -> CountOverride | None:
    row = db.execute(
        "SELECT kind, value, set_on, until, set_at FROM count_overrides WHERE positive_id_hash = ?", (customer,)
    ).fetchone()
    if row is None:
        return None
    kind, value, set_on, until, set_at = row
    return CountOverride(
        CountOverrideKind(kind),
        int(value),
        date.fromisoformat(set_on),
        date.fromisoformat(until) if until else None,
        instant(set_at) if set_at else None,
    )


def _marks(db: Db, customer: str, since: date) -> tuple[ExceptionMark, ...]:
    """The customer's open exceptions recorded on or after `since` (its day and the instant it was recorded)."""
    rows = db.execute(
        "SELECT occurred_on, recorded_at FROM exceptions WHERE subject_kind = 'customer' AND subject = ?"
        " AND reversed_at IS NULL AND recorded_at >= ?",
        (customer, since.isoformat()),
    )
    return tuple(ExceptionMark(date.fromisoformat(day), instant(at)) for day, at in rows)


def _watches(db: Db) -> tuple[PatternWatch, ...]:
    """Pattern watches defined through the administration API and not retired."""
    cursor = db.execute(
        "SELECT watch_id, item_id, node_id, purchase_from, purchase_to, return_from, return_to, description"
        " FROM pattern_watches WHERE retired_at IS NULL"
    )
    return tuple(_watch(*row) for row in cursor.fetchall())


def _watch(
    watch_id: str,
    item: str | None,
    node: str | None,
    bought_from: str,
    bought_to: str,
    back_from: str,
    back_to: str,
    text: str,
) -> PatternWatch:
    day = date.fromisoformat
    return PatternWatch(watch_id, day(bought_from), day(bought_to), day(back_from), day(back_to), text, item, node)


def _exceptions_by_day(db: Db, kind: str, subject: str, since: date) -> dict[date, int]:
    """Open exceptions per day since `since`."""
    rows = db.execute(
        "SELECT occurred_on, open_count FROM exception_days WHERE subject_kind = ? AND subject = ? AND occurred_on >= ?"
        " AND open_count > 0",
        (kind, subject, since.isoformat()),
    )
    return {date.fromisoformat(day): count for day, count in rows}


def _returned(db: Db, sale_items: tuple[tuple[str, str], ...]) -> dict[tuple[str, str], Decimal]:
    """Quantities already returned of every item of the original sales the request names (the loyalty preview
    weighs a sale's returns of other items too)."""
    return returned_by_sale(db, {sale for sale, _ in sale_items})


def returned_by_sale(db: Db, sales: set[str], excluding_ticket: str | None = None) -> dict[tuple[str, str], Decimal]:
    """Quantities already returned per (original sale, item) of these sales, in one query; with `excluding_ticket`,
    leaving out that ticket's own."""
    if not sales:
        return {}
    marks = ", ".join("?" * len(sales))
    totals: dict[tuple[str, str], Decimal] = {}
    for sale, item, quantity in db.execute(
        f"SELECT original_sale, item_id, quantity FROM returned_quantities WHERE original_sale IN ({marks})"
        " AND ticket_id <> COALESCE(?, '')",
        (*sorted(sales), excluding_ticket),
    ):
        totals[(sale, item)] = totals.get((sale, item), Decimal(0)) + Decimal(quantity)
    return totals
