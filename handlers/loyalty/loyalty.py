"""Loyalty outcomes, pure: what a purchase, an event, a return or tier maintenance adds to an account's ledger.

An account is the sum of its entries, which are only ever appended. A return either takes back the points
each returned line earned (deduct), or keeps every reward and carries the returned value as a negative balance
toward the next reward (offset). Take-backs are cumulative per original sale: each return takes, for every line of
the sale, round(earned x returned so far / bought), less what returns of the sale already took back; never more
than the sale earned and never for units beyond those bought, so a full return leaves exactly zero whatever the
order of partial returns and voids. Promotion is immediate; demotion happens only when tier maintenance runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from handlers.errors import MessageInvalid

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry; every amount is a signed change."""

    kind: str
    point_account: str | None = None
    source: str | None = None
    points: Decimal = ZERO
    balance: Decimal = ZERO
    rewards: Decimal = ZERO
    offer_id: str | None = None
    tier: str | None = None
    sale: str | None = None
    basis: str | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    entrance: Decimal
    maintain: Decimal


@dataclass(frozen=True, slots=True)
class Program:
    """The loyalty program's settings document, read."""

    program_id: str
    earn_account: str
    per_unit: Decimal
    treatment: str
    allow_negative: bool
    plateau_every: Decimal | None = None
    plateau_reward: Decimal = ZERO
    events: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    tier_account: str | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True, slots=True)
class Earned:
    account: str
    source: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    line_number: int
    item_id: str
    quantity: Decimal
    amount: Decimal
    earned: tuple[Earned, ...]


@dataclass(frozen=True, slots=True)
class Purchase:
    """A sale and what its lines earned; `recorded` when the ledger holds it (else the till's own figures), and what
    returns of it have taken back so far: points per (account, source) and balance. `carried_items`: items of a
    recorded sale whose lines the ledger does not hold, figured from what return lines carried."""

    sale: str
    lines: tuple[PurchaseLine, ...]
    offer_id: str | None = None
    offer_quantity: Decimal = ZERO
    recorded: bool = True
    taken_points: tuple[tuple[str, str, Decimal], ...] = ()
    taken_balance: Decimal = ZERO
    carried_items: frozenset[str] = frozenset()

    @property
    def quantity(self) -> Decimal:
        return sum((line.quantity for line in self.lines), ZERO)


@dataclass(frozen=True, slots=True)
class Account:
    """The sum of an account's entries."""

    points: dict[str, Decimal]
    balance: Decimal
    rewards: Decimal
    tier: str | None
    reinstated: frozenset[str]


def fold(entries: Iterable[Entry], start: Account | None = None) -> Account:
    """The sums of these entries, added onto `start` (an account already summed) when given."""
    points: dict[str, Decimal] = dict(start.points) if start else {}
    balance, rewards = (start.balance, start.rewards) if start else (ZERO, ZERO)
    tier: str | None = start.tier if start else None
    reinstated: set[str] = set(start.reinstated) if start else set()
    for entry in entries:
        if entry.point_account is not None:
            points[entry.point_account] = points.get(entry.point_account, ZERO) + entry.points
        balance += entry.balance
        rewards += entry.rewards
        if entry.kind == "tier":
            tier = entry.tier
        elif entry.kind == "offer-reinstated" and entry.offer_id:
            reinstated.add(entry.offer_id)
        elif entry.kind == "reversal" and entry.offer_id:
            reinstated.discard(entry.offer_id)
    return Account(points, balance, rewards, tier, frozenset(reinstated))


def earned_by_rule(program: Program, line: PurchaseLine) -> tuple[Earned, ...]:
    """The points a line earns: those the message names, else the economy rule's points per currency unit."""
    if line.earned:
        return line.earned
    points = (line.amount * program.per_unit).quantize(CENT, ROUND_DOWN)
    return (Earned(program.earn_account, "Economy", points),)


def purchase_entries(program: Program, account: Account, purchase: Purchase) -> list[Entry]:
    entries = [
        Entry("earn", earned.account, earned.source, earned.points, sale=purchase.sale)
        for line in purchase.lines
        for earned in earned_by_rule(program, line)
    ]
    entries += _plateau(program, account.balance, sum((line.amount for line in purchase.lines), ZERO), purchase.sale)
    if purchase.offer_id:
        entries.append(Entry("offer-redeemed", offer_id=purchase.offer_id, sale=purchase.sale))
    return entries + promotion(program, fold(entries, account))


def _plateau(program: Program, balance: Decimal, spent: Decimal, sale: str) -> list[Entry]:
    """Spending adds to the balance toward the next reward; each full plateau issues a reward."""
    every = program.plateau_every
    if every is None or every <= 0:
        return []
    total = balance + spent
    rewards = int(total // every) if total >= every else 0
    entries = [Entry("balance", balance=spent - rewards * every, sale=sale)]
    if rewards:
        entries.append(Entry("reward", rewards=program.plateau_reward * rewards, sale=sale))
    return entries


def event_entries(program: Program, account: Account, name: str) -> list[Entry]:
    rule = program.events.get(name)
    if rule is None:
        raise MessageInvalid(f"event {name} awards nothing in loyalty program {program.program_id}")
    entry = Entry("earn", rule[0], "Economy", rule[1])
    return [entry, *promotion(program, fold([entry], account))]


def _tier_points(program: Program, account: Account) -> Decimal:
    return account.points.get(program.tier_account or "", ZERO)


def _rank(program: Program, name: str | None) -> int:
    return next((index for index, tier in enumerate(program.tiers) if tier.name == name), -1)


def promotion(program: Program, account: Account) -> list[Entry]:
    """Promote at once to the highest tier whose entrance the tier account has reached."""
    reached = [tier for tier in program.tiers if _tier_points(program, account) >= tier.entrance]
    if not reached or _rank(program, reached[-1].name) <= _rank(program, account.tier):
        return []
    return [Entry("tier", tier=reached[-1].name)]


def maintenance(program: Program, account: Account) -> list[Entry]:
    """Tier maintenance: demote below the current tier's maintenance threshold (never promote here)."""
    rank = _rank(program, account.tier)
    if rank <= 0 or _tier_points(program, account) >= program.tiers[rank].maintain:
        return []
    kept = [tier for tier in program.tiers[:rank] if _tier_points(program, account) >= tier.maintain]
    return [Entry("tier", tier=(kept[-1] if kept else program.tiers[0]).name)]


@dataclass(frozen=True, slots=True)
class Returned:
    """A returned line: its original sale, item and the quantity coming back."""

    sale: str
    item_id: str
    quantity: Decimal


def return_entries(
    program: Program,
    account: Account,
    purchases: dict[str, Purchase],
    returned: list[Returned],
    earlier: dict[tuple[str, str], Decimal],
    give_back: bool = False,
) -> list[Entry]:
    """What a completed return adjusts: points (deduct) or the balance (offset), and offers to reinstate; with
    `give_back` (settling after a void), also what was taken beyond what the returns standing call for."""
    now: dict[str, dict[str, Decimal]] = {}
    for item in returned:
        items = now.setdefault(item.sale, {})
        items[item.item_id] = items.get(item.item_id, ZERO) + item.quantity
    entries: list[Entry] = []
    for sale, items in now.items():
        purchase = purchases.get(sale)
        if purchase is not None and any(line.item_id in items for line in purchase.lines):
            entries += _take_back(program, purchase, items, earlier, give_back)
    entries = _floor(program, account, entries)
    for sale, items in now.items():
        if sale in purchases:
            entries += _offer(purchases[sale], items, earlier, account)
    return entries


def _shares(purchase: Purchase, items: dict[str, Decimal], earlier: dict[tuple[str, str], Decimal]) -> list[Decimal]:
    """Each line's share returned so far (0 to 1): the item's returns, earlier and now, fill its lines in order."""
    left = {item: quantity for (sale, item), quantity in earlier.items() if sale == purchase.sale}
    for item, quantity in items.items():
        left[item] = left.get(item, ZERO) + quantity
    shares = []
    for line in purchase.lines:
        taken = min(max(left.get(line.item_id, ZERO), ZERO), line.quantity) if line.quantity > 0 else ZERO
        left[line.item_id] = left.get(line.item_id, ZERO) - taken
        shares.append(taken / line.quantity if line.quantity > 0 else ZERO)
    return shares


def _take_back(
    program: Program,
    purchase: Purchase,
    items: dict[str, Decimal],
    earlier: dict[tuple[str, str], Decimal],
    give_back: bool,
) -> list[Entry]:
    carried = not purchase.recorded or any(item in purchase.carried_items for item in items)
    basis = "line" if carried else "ledger"
    shares = _shares(purchase, items, earlier)
    if program.treatment == "offset":
        parts = zip(purchase.lines, shares, strict=True)
        target = sum(((line.amount * share).quantize(CENT, ROUND_HALF_EVEN) for line, share in parts), ZERO)
        total = sum((line.amount for line in purchase.lines), ZERO)
        take = _clamp(target, total, purchase.taken_balance, give_back)
        return [Entry("balance", balance=-take, sale=purchase.sale, basis=basis)] if take else []
    targets: dict[tuple[str, str], Decimal] = {}
    totals: dict[tuple[str, str], Decimal] = {}
    for line, share in zip(purchase.lines, shares, strict=True):
        for earned in earned_by_rule(program, line):
            key = (earned.account, earned.source)
            targets[key] = targets.get(key, ZERO) + (earned.points * share).quantize(CENT, ROUND_HALF_EVEN)
            totals[key] = totals.get(key, ZERO) + earned.points
    taken = {(account, source): points for account, source, points in purchase.taken_points}
    entries = []
    for (account, source), target in targets.items():
        take = _clamp(target, totals[(account, source)], taken.get((account, source), ZERO), give_back)
        if take:
            entries.append(Entry("earn", account, source, -take, sale=purchase.sale, basis=basis))
    return entries


def _clamp(target: Decimal, total: Decimal, taken: Decimal, give_back: bool) -> Decimal:
    """What to take now: the target less what was taken, never beyond what was earned, nor below zero unless giving
    back."""
    found = min(target, total) - taken
    return (found if give_back else max(found, ZERO)).quantize(CENT)


def _floor(program: Program, account: Account, entries: list[Entry]) -> list[Entry]:
    """Without negative balances, take back at most what the account still holds."""
    if program.allow_negative:
        return entries
    left = dict(account.points)
    balance = account.balance
    kept = []
    for entry in entries:
        if entry.point_account is not None:
            have = max(left.get(entry.point_account, ZERO), ZERO)
            points = max(entry.points, -have)
            left[entry.point_account] = have + points
            entry = replace(entry, points=points)
        elif entry.balance:
            amount = max(entry.balance, -max(balance, ZERO))
            balance += amount
            entry = replace(entry, balance=amount)
        kept.append(entry)
    return kept


def _offer(
    purchase: Purchase, items: dict[str, Decimal], earlier: dict[tuple[str, str], Decimal], account: Account
) -> list[Entry]:
    """Reinstate the offer once the kept quantity falls below its qualifying condition (or all came back); lines
    the ledger does not hold take no part in it."""
    if not purchase.offer_id or purchase.offer_id in account.reinstated:
        return []
    skip = purchase.carried_items
    now = sum((quantity for item, quantity in items.items() if item not in skip), ZERO)
    before = sum((q for (sale, item), q in earlier.items() if sale == purchase.sale and item not in skip), ZERO)
    kept = sum((line.quantity for line in purchase.lines if line.item_id not in skip), ZERO) - now - before
    if kept <= 0 or kept < purchase.offer_quantity:
        return [Entry("offer-reinstated", offer_id=purchase.offer_id, sale=purchase.sale)]
    return []
