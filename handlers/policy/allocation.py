"""Refund tenders across a whole return transaction: each tender's minimum and maximum bound the transaction's total.

Lines are paid in line order. A line's refund goes to its first allowed tender (the policy's tender order, cut
down to what the line's rules allow) up to what that tender's maximum still leaves for the transaction; the rest
falls to the next allowed tender, then to the fallback tender. A tender whose total for the transaction stays below
its minimum gives its amounts to the below-minimum tender. Each line's answer names every tender and amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from handlers.models import TenderAmount, TenderType
from handlers.policy.policy_model import PolicySet, TenderLimit

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class TenderClaim:
    """What one line asks of the tenders: `amount` paid when `pays`, else only a listing of tenders (or none when
    `denied`)."""

    receipted: bool
    allowed: frozenset[TenderType] | None
    amount: Decimal
    pays: bool
    denied: bool = False


@dataclass(frozen=True, slots=True)
class TenderAnswer:
    """A line's tenders: those it may be paid in (in order) and how its refund is split between them."""

    tenders: tuple[TenderType, ...]
    split: tuple[TenderAmount, ...]


def allocate(policy_set: PolicySet, claims: list[TenderClaim]) -> list[TenderAnswer]:
    """Every line's tenders and split, in line order, within the transaction's tender limits."""
    used: dict[TenderType, Decimal] = {}
    splits: list[dict[TenderType, Decimal]] = []
    for claim in claims:
        split = _split(policy_set, claim, used) if claim.pays and claim.amount > 0 else {}
        for tender, amount in split.items():
            used[tender] = used.get(tender, ZERO) + amount
        splits.append(split)
    short = _below_minimum(policy_set, used)
    spare = _spare(policy_set, used, short)
    answers = []
    room = dict(used)
    for claim, split in zip(claims, splits, strict=True):
        fallback = _fallback(policy_set, claim.receipted)
        moved = _move(split, short, policy_set.settings.below_minimum_tender, spare, fallback) if short else split
        listed = () if claim.denied else _listed(policy_set, claim, moved, room)
        answers.append(TenderAnswer(listed, tuple(TenderAmount(t, a) for t, a in moved.items())))
    return answers


def _allowed(policy_set: PolicySet, claim: TenderClaim) -> list[TenderLimit]:
    return [limit for limit in policy_set.tenders if claim.allowed is None or limit.tender in claim.allowed]


def _fallback(policy_set: PolicySet, receipted: bool) -> TenderType:
    settings = policy_set.settings
    return settings.receipted_fallback if receipted else settings.nonreceipted_fallback


def _split(policy_set: PolicySet, claim: TenderClaim, used: dict[TenderType, Decimal]) -> dict[TenderType, Decimal]:
    """The line's refund taken by its allowed tenders in order, each up to its remaining maximum; the rest falls
    to the fallback tender."""
    left, split = claim.amount, dict[TenderType, Decimal]()
    for limit in _allowed(policy_set, claim):
        room = left if limit.maximum is None else _room(limit.maximum - used.get(limit.tender, ZERO), claim.amount)
        take = min(left, room)
        if take > 0:
            split[limit.tender] = split.get(limit.tender, ZERO) + take
            left -= take
        if left == 0:
            return split
    fallback = _fallback(policy_set, claim.receipted)
    split[fallback] = split.get(fallback, ZERO) + left
    return split


def _room(room: Decimal, amount: Decimal) -> Decimal:
    """What a tender's maximum still leaves, in the refund's minor unit (never rounded up past the maximum)."""
    return max(room, ZERO).quantize(amount, rounding=ROUND_DOWN)


def _below_minimum(policy_set: PolicySet, used: dict[TenderType, Decimal]) -> frozenset[TenderType]:
    """Tenders whose transaction total is above zero but below their minimum."""
    return frozenset(
        limit.tender
        for limit in policy_set.tenders
        if limit.minimum is not None and ZERO < used.get(limit.tender, ZERO) < limit.minimum
    )


def _spare(policy_set: PolicySet, used: dict[TenderType, Decimal], short: frozenset[TenderType]) -> list[Decimal]:
    """What the below-minimum tender may still take within its maximum (a one-item list, spent as lines move)."""
    to = policy_set.settings.below_minimum_tender
    limit = next((limit for limit in policy_set.tenders if limit.tender == to), None)
    if limit is None or limit.maximum is None:
        return [Decimal("Infinity")]
    return [max(limit.maximum - (ZERO if to in short else used.get(to, ZERO)), ZERO)]


def _move(
    split: dict[TenderType, Decimal],
    short: frozenset[TenderType],
    to: TenderType,
    spare: list[Decimal],
    fallback: TenderType,
) -> dict[TenderType, Decimal]:
    """The split with the amounts of tenders below their minimum given to the below-minimum tender `to`, within what
    its maximum still leaves for the transaction (`spare`, spent as lines move); the rest goes to the fallback."""
    moved: dict[TenderType, Decimal] = {}
    for tender, amount in split.items():
        take = amount
        if tender in short:
            take = amount if amount <= spare[0] else _room(spare[0], amount)
            spare[0] -= take
            tender = to
        for target, part in ((tender, take), (fallback, amount - take)):
            if part > 0:
                moved[target] = moved.get(target, ZERO) + part
    return moved


def _listed(
    policy_set: PolicySet, claim: TenderClaim, split: dict[TenderType, Decimal], room: dict[TenderType, Decimal]
) -> tuple[TenderType, ...]:
    """The tenders the line may be paid in: its split's tenders first, then every other allowed tender that could
    still take the line's whole amount within the transaction's limits (a tender whose minimum is above it gives
    way to the below-minimum tender); the fallback when none is left."""
    chosen = list(split)
    amount = claim.amount
    for limit in _allowed(policy_set, claim):
        if limit.maximum is not None and amount > limit.maximum - room.get(limit.tender, ZERO) + split.get(
            limit.tender, ZERO
        ):
            continue
        below = limit.minimum is not None and amount < limit.minimum
        tender = policy_set.settings.below_minimum_tender if below else limit.tender
        if tender not in chosen:
            chosen.append(tender)
    return tuple(chosen) or (_fallback(policy_set, claim.receipted),)
