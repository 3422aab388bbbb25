"""The loyalty ledger in SQLite: append-only entries per account, purchases by sale, activity and maintenance jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from handlers.errors import DuplicateConflict
from handlers.loyalty.loyalty import Account, Earned, Entry, Purchase, PurchaseLine, fold
from handlers.loyalty.loyalty_basis import carried_purchases, merged, with_carried_lines
from store.db import Db

_COLUMNS = "kind, point_account, source, points, balance, rewards, offer_id, tier, sale"
ActivityPlan = Callable[[Account], tuple[list[Entry], Purchase | None]]


def account_entries(db: Db, account_id: str, after: int = 0) -> list[Entry]:
    """The account's ledger in order, from the entry after `after` on."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM loyalty_entries WHERE account_id = ? AND entry_id > ? ORDER BY entry_id",
        (account_id, after),
    )
    return [_entry(*row) for row in rows]


def _entry(*row: Any) -> Entry:
    """An entry from its columns, in _COLUMNS order."""
    kind, account, source, points, balance, rewards, offer, tier, sale = row
    return Entry(kind, account, source, Decimal(points), Decimal(balance), Decimal(rewards), offer, tier, sale)


def account_of(db: Db, account_id: str) -> Account:
    """The account's sums: those kept with it, plus any entry after them (an account kept by no earlier version, or
    none yet, is summed from its whole ledger)."""
    row = db.execute("SELECT last_entry_id, sums FROM loyalty_accounts WHERE account_id = ?", (account_id,)).fetchone()
    last, kept = (row[0], _account(json.loads(row[1]))) if row else (0, None)
    return fold(account_entries(db, account_id, last), kept)


def append(
    db: Db,
    account_id: str,
    message_id: str,
    ticket_id: str | None,
    entries: list[Entry],
    at: str,
    before: Account,
) -> Account:
    """Append entries to an account whose sums are `before`; keep and return the sums after them."""
    if not entries:
        return before
    db.executemany(
        f"INSERT INTO loyalty_entries (account_id, message_id, ticket_id, {_COLUMNS}, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                account_id,
                message_id,
                ticket_id,
                e.kind,
                e.point_account,
                e.source,
                str(e.points),
                str(e.balance),
                str(e.rewards),
                e.offer_id,
                e.tier,
                e.sale,
                at,
            )
            for e in entries
        ],
    )
    after = fold(entries, before)
    db.execute(
        "INSERT INTO loyalty_accounts (account_id, last_entry_id, sums)"
        " VALUES (?, (SELECT MAX(entry_id) FROM loyalty_entries WHERE account_id = ?), ?)"
        " ON CONFLICT (account_id) DO UPDATE SET last_entry_id = excluded.last_entry_id, sums = excluded.sums",
        (account_id, account_id, _account_json(after)),
    )
    return after


def _account_json(account: Account) -> str:
    return json.dumps(
        {
            "points": {name: str(points) for name, points in account.points.items()},
            "balance": str(account.balance),
            "rewards": str(account.rewards),
            "tier": account.tier,
            "reinstated": sorted(account.reinstated),
        }
    )


def _account(data: dict[str, Any]) -> Account:
    points = {name: Decimal(value) for name, value in data["points"].items()}
    reinstated = frozenset(data["reinstated"])
    return Account(points, Decimal(data["balance"]), Decimal(data["rewards"]), data["tier"], reinstated)


def purchases(db: Db, sales: set[str], ticket_id: str | None = None) -> dict[str, Purchase]:
    """The sales as the ledger recorded them (with the carried figures of lines it does not hold), each with what
    returns of it took back so far. A sale the ledger does
    not hold comes from the figures its lines carried on the ticket's latest decision (when `ticket_id` is given)
    and on those of the returns of it still standing, else as a sale without lines that only tells what was taken
    back."""
    found = {}
    carried = _carried(db, ticket_id) if ticket_id else {}
    for sale in sorted(sales):
        row = db.execute("SELECT purchase_json FROM loyalty_purchases WHERE sale = ?", (sale,)).fetchone()
        figures = merged(carried.get(sale), _standing_figures(db, sale))
        if row is not None:
            purchase = with_carried_lines(_purchase(json.loads(row[0])), figures)
        else:
            purchase = figures or Purchase(sale, (), None)
        points, balance = _taken(db, sale)
        found[sale] = replace(purchase, recorded=row is not None, taken_points=points, taken_balance=balance)
    return found


def _standing_figures(db: Db, sale: str) -> Purchase | None:
    """The figures the lines of a sale's standing returns carried."""
    found = None
    for (ticket,) in db.execute(
        "SELECT DISTINCT ticket_id FROM returned_quantities WHERE original_sale = ? ORDER BY ticket_id", (sale,)
    ).fetchall():
        found = merged(found, _carried(db, ticket).get(sale))
    return found


def _taken(db: Db, sale: str) -> tuple[tuple[tuple[str, str, Decimal], ...], Decimal]:
    """What returns of a sale (and their voids) took back: points per (account, source), and balance."""
    points: dict[tuple[str, str], Decimal] = {}
    balance = Decimal(0)
    for account, source, taken, offset in db.execute(
        "SELECT point_account, source, points, balance FROM loyalty_entries WHERE sale = ? AND ticket_id IS NOT NULL",
        (sale,),
    ):
        if account is not None:
            key = (account, source or "")
            points[key] = points.get(key, Decimal(0)) - Decimal(taken)
        balance -= Decimal(offset)
    return tuple((a, s, p) for (a, s), p in sorted(points.items())), balance


def _carried(db: Db, ticket_id: str) -> dict[str, Purchase]:
    """The sales whose lines carried their own loyalty figures on the ticket's latest decision."""
    row = db.execute(
        "SELECT decision_json FROM attempts WHERE ticket_id = ? AND decision_json IS NOT NULL"
        " ORDER BY attempt_no DESC LIMIT 1",
        (ticket_id,),
    ).fetchone()
    return {} if row is None else carried_purchases(json.loads(row[0]))


def _purchase(data: dict[str, Any]) -> Purchase:
    lines = tuple(
        PurchaseLine(
            line["line_number"],
            line["item_id"],
            Decimal(line["quantity"]),
            Decimal(line["amount"]),
            tuple(Earned(e["account"], e["source"], Decimal(e["points"])) for e in line["earned"]),
        )
        for line in data["lines"]
    )
    return Purchase(data["sale"], lines, data["offer_id"], Decimal(data["offer_quantity"]))


def _purchase_json(purchase: Purchase) -> str:
    lines = [
        {
            "line_number": line.line_number,
            "item_id": line.item_id,
            "quantity": str(line.quantity),
            "amount": str(line.amount),
            "earned": [{"account": e.account, "source": e.source, "points": str(e.points)} for e in line.earned],
        }
        for line in purchase.lines
    ]
    return json.dumps(
        {
            "sale": purchase.sale,
            "lines": lines,
            "offer_id": purchase.offer_id,
            "offer_quantity": str(purchase.offer_quantity),
        }
    )


def activity_job(
    message_id: str, digest: str, account_id: str, plan: ActivityPlan, render: Callable[[Account], bytes], at: str
) -> Callable[[Db], tuple[bytes, bool]]:
    """Apply an activity once (by message id); return the acknowledgement and whether it was a repeat."""

    def job(db: Db) -> tuple[bytes, bool]:
        db.lock(f"message:{message_id}")
        found = db.execute("SELECT digest, response FROM messages WHERE message_id = ?", (message_id,)).fetchone()
        if found is not None:
            if found[0] != digest:
                raise DuplicateConflict(f"message id {message_id} was already used for a different message")
            return bytes(found[1]), True
        db.lock(f"account:{account_id}")
        before = account_of(db, account_id)
        entries, purchase = plan(before)
        after = append(db, account_id, message_id, None, entries, at, before)
        if purchase is not None:
            db.execute(
                "INSERT INTO loyalty_purchases (sale, account_id, purchase_json, message_id) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (sale) DO UPDATE SET account_id = excluded.account_id,"
                " purchase_json = excluded.purchase_json, message_id = excluded.message_id",
                (purchase.sale, account_id, _purchase_json(purchase), message_id),
            )
        response = render(after)
        db.execute(
            "INSERT INTO messages (message_id, kind, digest, ticket_id, response, received_at)"
            " VALUES (?, 'loyalty', ?, '', ?, ?)",
            (message_id, digest, response, at),
        )
        return response, False

    return job


def reverse_ticket(db: Db, ticket_id: str, message_id: str, at: str) -> tuple[str, list[Entry], Account] | None:
    """A void: append the exact opposite of every loyalty entry the ticket made; the account, the reversal and the
    account's sums afterwards (None when the ticket had made no entry)."""
    rows = db.execute(
        f"SELECT account_id, {_COLUMNS} FROM loyalty_entries WHERE ticket_id = ? AND kind != 'reversal'"
        " ORDER BY entry_id",
        (ticket_id,),
    ).fetchall()
    reversed_by: dict[str, list[Entry]] = {}
    for account_id, *values in rows:
        entry = _entry(*values)
        opposite = Entry(
            "reversal",
            entry.point_account,
            entry.source,
            -entry.points,
            -entry.balance,
            -entry.rewards,
            entry.offer_id,
            sale=entry.sale,
        )
        reversed_by.setdefault(account_id, []).append(opposite)
    done = None
    for account_id, entries in reversed_by.items():
        after = append(db, account_id, message_id, ticket_id, entries, at, account_of(db, account_id))
        done = (account_id, entries, after)
    return done


def account_ids(db: Db) -> list[str]:
    """Every account with a ledger."""
    return [row[0] for row in db.execute("SELECT DISTINCT account_id FROM loyalty_entries ORDER BY 1")]


def maintain_job(
    accounts: list[str], plan: Callable[[Account], list[Entry]], at: str
) -> Callable[[Db], list[tuple[str, str]]]:
    """Tier maintenance of these accounts; returns (account, new tier) for each demotion."""

    def job(db: Db) -> list[tuple[str, str]]:
        db.lock(*sorted(f"account:{account_id}" for account_id in accounts))
        demoted = []
        for account_id in accounts:
            before = account_of(db, account_id)
            entries = plan(before)
            append(db, account_id, f"maintenance-{at}", None, entries, at, before)
            demoted += [(account_id, entry.tier or "") for entry in entries]
        return demoted

    return job


def account_view(account_id: str) -> Callable[[Db], dict[str, Any] | None]:
    def job(db: Db) -> dict[str, Any] | None:
        entries = account_entries(db, account_id)
        if not entries:
            return None
        account = fold(entries)
        return {
            "account_id": account_id,
            "tier": account.tier,
            "points": {name: str(points) for name, points in account.points.items()},
            "balance_toward_reward": str(account.balance),
            "rewards_issued": str(account.rewards),
            "offers_reinstated": sorted(account.reinstated),
            "entries": [
                {key: str(value) if isinstance(value, Decimal) else value for key, value in vars_of(entry).items()}
                for entry in entries
            ],
        }

    return job


def vars_of(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in Entry.__slots__}
