"""Reading the history the rules need: customer returns and exceptions, overrides, cashier exceptions, watches."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from handlers.history.history import (
    CountOverride,
    CountOverrideKind,
    ExceptionMark,
    History,
    PriorPurchase,
    PriorReturn,
    instant,
)
from handlers.policy.policy_model import PatternWatch
from store.db import Db
from store.records import HistoryQuery

WIDTH = 8  # columns of the widest part (pattern watches)


def load_history(db: Db, query: HistoryQuery) -> History:
    """The customer's and cashier's history as far back as the rules look, quantities already returned, overrides,
    watches."""
    return load_opening(db, query)[0]


def load_opening(db: Db, query: HistoryQuery) -> tuple[History, str | None]:
    """The history (see `load_history`) and the active policy version, read in one statement.

    One statement is one snapshot, also at PostgreSQL's READ COMMITTED: a final result, void, reset or freeze that
    commits while the authorize reads is seen whole or not at all (each part read on its own could see the
    cashier's part before it committed and the customer's after). It is one round trip too. Every part selects
    `WIDTH` text columns after its tag (fewer padded with NULL); `_parse` turns them back into values."""
    parts = _parts(query)
    sql = " UNION ALL ".join(part for part, _ in parts)
    params = [value for _, values in parts for value in values]
    rows: dict[str, list[tuple[str | None, ...]]] = {tag: [] for tag in TAGS}
    for tag, *values in db.execute(sql, params):
        rows[str(tag)].append(tuple(None if value is None else str(value) for value in values))
    return _parse(rows, query)


TAGS = ("active", "cashier", "returned", "watch", "returns", "purchase", "totals", "override", "days", "mark")


def _part(tag: str, columns: str | tuple[str, ...], rest: str) -> str:
    """One part of the history statement: its tag, its columns as text padded to WIDTH, the rest of the SELECT
    (`columns` a comma-separated list of names, or a tuple of expressions)."""
    names = list(columns) if isinstance(columns, tuple) else [name.strip() for name in columns.split(",")]
    cast = [f"CAST({name} AS TEXT)" for name in names] + ["CAST(NULL AS TEXT)"] * (WIDTH - len(names))
    return f"SELECT '{tag}', {', '.join(cast)} {rest}"


def _parts(query: HistoryQuery) -> list[tuple[str, tuple[object, ...]]]:
    parts: list[tuple[str, tuple[object, ...]]] = [
        (_part("active", "value", "FROM meta WHERE key = 'active_policy'"), ()),
        (
            _part(
                "watch",
                "watch_id, item_id, node_id, purchase_from, purchase_to, return_from, return_to, description",
                "FROM pattern_watches WHERE retired_at IS NULL",
            ),
            (),
        ),
    ]
    if query.cashier_since is not None:
        parts.append(
            (
                _part(
                    "cashier",
                    "occurred_on, open_count",
                    "FROM exception_days WHERE subject_kind = 'cashier' AND subject = ? AND occurred_on >= ?"
                    " AND open_count > 0",
                ),
                (query.cashier_id, query.cashier_since.isoformat()),
            )
        )
    sales = sorted({sale for sale, _ in query.sale_items})
    if sales:
        marks = ", ".join("?" * len(sales))
        parts.append(
            (
                _part(
                    "returned",
                    "original_sale, item_id, quantity",
                    f"FROM returned_quantities WHERE original_sale IN ({marks})",
                ),
                tuple(sales),
            )
        )
    customer = query.positive_id_hash
    if customer is None:
        return parts
    since = query.customer_since
    if since is not None:
        parts.append(
            (
                _part(
                    "returns",
                    "return_date, receipted, items, amount, pattern_watch",
                    "FROM customer_returns WHERE positive_id_hash = ? AND return_date >= ?",
                ),
                (customer, since.isoformat()),
            )
        )
        if query.loyalty_account_id is not None:
            parts.append(
                (
                    _part("purchase", "sale, purchase_json", "FROM loyalty_purchases WHERE account_id = ?"),
                    (query.loyalty_account_id,),
                )
            )
    overridden = "(SELECT set_on FROM count_overrides WHERE positive_id_hash = ?)"
    parts += [
        (
            _part(
                "totals",
                (
                    "(SELECT COALESCE(SUM(open_count), 0) FROM exception_days WHERE subject_kind = 'customer'"
                    " AND subject = ?)",
                    "(SELECT COUNT(*) FROM service_overrides WHERE positive_id_hash = ? AND status = 'active'"
                    " AND expires_on >= ?)",
                ),
                "",
            ),
            (customer, customer, query.today.isoformat()),
        ),
        (
            _part(
                "override",
                "kind, value, set_on, until, set_at",
                "FROM count_overrides WHERE positive_id_hash = ?",
            ),
            (customer,),
        ),
        (
            # Every day since the override was set: the days it counts from (`counts_from`) are kept in _parse.
            _part(
                "days",
                "occurred_on, open_count",
                "FROM exception_days WHERE subject_kind = 'customer' AND subject = ? AND open_count > 0"
                f" AND occurred_on >= {overridden}",
            ),
            (customer, customer),
        ),
        (
            _part(
                "mark",
                "occurred_on, recorded_at",
                "FROM exceptions WHERE subject_kind = 'customer' AND subject = ? AND reversed_at IS NULL"
                f" AND recorded_at >= {overridden}",
            ),
            (customer, customer),
        ),
    ]
    return parts


Rows = dict[str, list[tuple[str | None, ...]]]


def _parse(rows: Rows, query: HistoryQuery) -> tuple[History, str | None]:
    day = date.fromisoformat
    active = rows["active"][0][0] if rows["active"] else None
    returned: dict[tuple[str, str], Decimal] = {}
    for sale, item, quantity, *_ in rows["returned"]:
        key = (str(sale), str(item))
        returned[key] = returned.get(key, Decimal(0)) + Decimal(str(quantity))
    history = History(
        cashier_exceptions_by_day={day(str(on)): int(str(count)) for on, count, *_ in rows["cashier"]},
        returned_quantities=returned,
        pattern_watches=tuple(_watch(*values) for values in rows["watch"]),  # type: ignore[arg-type]
    )
    if query.positive_id_hash is None:
        return history, active
    returns = tuple(
        PriorReturn(day(str(on)), bool(int(str(receipted))), Decimal(str(items)), Decimal(str(amount)), watch == "1")
        for on, receipted, items, amount, watch, *_ in rows["returns"]
    )
    since = query.customer_since
    purchases = None
    if since is not None and query.loyalty_account_id is not None:
        purchases = _purchased([(str(sale), str(text)) for sale, text, *_ in rows["purchase"]], since)
    total, available, *_ = rows["totals"][0]
    override = _override(rows["override"][0][:5]) if rows["override"] else None
    by_day: dict[date, int] = {}
    marks: tuple[ExceptionMark, ...] = ()
    if override is not None:
        first = override.counts_from
        by_day = {day(str(on)): int(str(count)) for on, count, *_ in rows["days"] if day(str(on)) >= first}
        if override.set_at is not None:
            marks = tuple(ExceptionMark(day(str(on)), instant(str(at))) for on, at, *_ in rows["mark"])
    return replace(
        history,
        customer_exception_marks=marks,
        customer_returns=returns if since is not None else (),
        customer_purchases=purchases,
        customer_exception_total=int(str(total)),
        customer_exceptions_by_day=by_day,
        count_override=override,
        overrides_available=int(str(available)),
    ), active


def _purchased(found: list[tuple[str, str]], since: date) -> tuple[PriorPurchase, ...]:
    """The customer's sales the loyalty ledger holds (by loyalty account), made on or after `since`: the sales
    history a returns ratio weighs returns against."""
    bought = []
    for sale, purchase in found:
        day = date.fromisoformat(sale.rsplit("/", 2)[1])
        if day >= since:
            items = sum((Decimal(line["quantity"]) for line in json.loads(purchase)["lines"]), Decimal(0))
            bought.append(PriorPurchase(day, items))
    return tuple(bought)


def _override(values: tuple[str | None, ...]) -> CountOverride:
    kind, value, set_on, until, set_at = values
    return CountOverride(
        CountOverrideKind(str(kind)),
        int(str(value)),
        date.fromisoformat(str(set_on)),
        date.fromisoformat(until) if until else None,
        instant(set_at) if set_at else None,
    )


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
