"""Refund arithmetic and refund tenders: amounts in Decimal, rounded half-even to the currency's minor unit."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_EVEN, Decimal

from handlers.models import ReturnLine, TenderType
from handlers.policy.policy_model import Outcome, PolicySet

_MINOR_UNITS = {"BHD": 3, "CLP": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "OMR": 3, "TND": 3}
_HUNDRED = Decimal(100)


@functools.cache
def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency: 0.01 for most, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency, 2))


def money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def restocking_fee(fees: list[Outcome], gross: Decimal, currency: str) -> Decimal:
    """The largest fee any fired answer asks for, never more than the gross amount."""
    if not fees:
        return minor_unit(currency) * 0
    largest = Decimal(0)
    for outcome in fees:
        if outcome.fee_percent is not None:
            largest = max(largest, gross * outcome.fee_percent / _HUNDRED)
        if outcome.fee_fixed is not None:
            largest = max(largest, outcome.fee_fixed)
    return money(min(largest, gross), currency)


def refund_amounts(line: ReturnLine, approved: Decimal, fees: list[Outcome], currency: str) -> tuple[Decimal, Decimal]:
    """(restocking fee, refund): price x quantity + the quantity's share of tax - fee."""
    gross = line.unit_price_paid * approved
    tax = line.tax_paid * approved / line.quantity if line.tax_paid else 0
    fee = restocking_fee(fees, gross, currency)
    return fee, money(gross + tax - fee, currency)


def refund_tenders(
    policy_set: PolicySet, line: ReturnLine, allowed: frozenset[TenderType] | None, amount: Decimal
) -> tuple[TenderType, ...]:
    """Tenders the rules allow, in the policy's order, within each tender's minimum and maximum."""
    settings = policy_set.settings
    fallback = settings.receipted_fallback if line.receipted else settings.nonreceipted_fallback
    chosen: list[TenderType] = []
    for limit in policy_set.tenders:
        if allowed is not None and limit.tender not in allowed:
            continue
        if limit.maximum is not None and amount > limit.maximum:
            continue
        below = limit.minimum is not None and amount < limit.minimum
        tender = settings.below_minimum_tender if below else limit.tender
        if tender not in chosen:
            chosen.append(tender)
    return tuple(chosen) or (fallback,)
