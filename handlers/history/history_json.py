"""Reading a History from plain JSON data, for dry runs (`returns-gateway evaluate --history FILE`)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from handlers.history.history import (
    CountOverride,
    CountOverrideKind,
    ExceptionMark,
    History,
    PriorPurchase,
    PriorReturn,
    instant,
)


def history_from_json(data: dict[str, Any]) -> History:
    """Build a History from a JSON object; unknown keys are refused so typos do not pass silently."""
    known = {
        "customer_returns",
        "customer_purchases",
        "customer_exceptions",
        "count_override",
        "cashier_exceptions",
        "returned_quantities",
        "overrides_available",
    }
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown history keys: {', '.join(sorted(unknown))}")
    purchases = data.get("customer_purchases")
    return History(
        customer_returns=tuple(_prior_return(item) for item in data.get("customer_returns", [])),
        customer_purchases=None if purchases is None else tuple(_purchase(item) for item in purchases),
        customer_exceptions_by_day=_by_day(data.get("customer_exceptions", [])),
        customer_exception_marks=tuple(_mark(item) for item in data.get("customer_exceptions", [])),
        count_override=_count_override(data.get("count_override")),
        cashier_exceptions_by_day=_by_day(data.get("cashier_exceptions", [])),
        returned_quantities={
            (item["sale"], item["item"]): _amount(item["quantity"]) for item in data.get("returned_quantities", [])
        },
        overrides_available=int(_amount(data.get("overrides_available", 0))),
    )


def _by_day(days: list[str]) -> dict[date, int]:
    """Exceptions listed one date (or date-time: when it was recorded) each, counted per day."""
    return dict(Counter(date.fromisoformat(day[:10]) for day in days))


def _mark(when: str) -> ExceptionMark:
    """An exception listed by its date, or by the date-time it was recorded."""
    return ExceptionMark(date.fromisoformat(when[:10]), instant(when))


def _prior_return(item: dict[str, Any]) -> PriorReturn:
    return PriorReturn(
        return_date=date.fromisoformat(item["date"]),
        receipted=bool(item.get("receipted", False)),
        items=_amount(item.get("items", 1)),
        amount=_amount(item.get("amount", 0)),
        pattern_watch=bool(item.get("pattern_watch", False)),
    )


def _purchase(item: dict[str, Any]) -> PriorPurchase:
    return PriorPurchase(date.fromisoformat(item["date"]), _amount(item.get("items", 1)))


def _amount(value: Any) -> Decimal:
    """A count, quantity or amount: a finite number of zero or more (as a number or a string), ValueError else."""
    try:
        number = Decimal(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    except ArithmeticError:  # decimal.InvalidOperation: not a number at all
        number = None
    if number is None or not number.is_finite() or number < 0 or abs(number.adjusted()) > 15:
        raise ValueError(f"{value!r} is not a finite number of zero or more (up to 15 digits)")
    return number


def _count_override(item: dict[str, Any] | None) -> CountOverride | None:
    if item is None:
        return None
    until = item.get("until")
    return CountOverride(
        kind=CountOverrideKind(item["kind"]),
        value=int(item["value"]),
        set_on=date.fromisoformat(item["set_on"]),
        until=date.fromisoformat(until) if until else None,
        set_at=instant(item["set_at"]) if item.get("set_at") else None,
    )
