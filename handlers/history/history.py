"""The history the rules read: a customer's and a cashier's past activity, handed to the pure engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from handlers.policy.policy_model import PatternWatch, PolicySet


@dataclass(frozen=True, slots=True)
class PriorReturn:
    """One earlier completed return transaction of the customer."""

    return_date: date
    receipted: bool
    items: Decimal
    amount: Decimal
    pattern_watch: bool = False


@dataclass(frozen=True, slots=True)
class PriorPurchase:
    purchase_date: date
    items: Decimal


class CountOverrideKind(Enum):
    FREEZE = "freeze"
    RESET = "reset"


@dataclass(frozen=True, slots=True)
class ExceptionMark:
    """One open customer exception: the business day of its return and the instant it was recorded."""

    day: date
    at: datetime


def instant(text: str) -> datetime:
    """An ISO date or date-time as an aware instant (a bare date is its first moment, UTC)."""
    found = datetime.fromisoformat(text)
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CountOverride:
    """A user froze the cumulative count at `value` until `until`, or reset it to `value`, at the instant `set_at`
    (on the day `set_on`). Exceptions count on top of `value` when recorded at or after that instant (and, for a
    freeze, of a return after its last day): the store keeps the instant later than every exception recorded before
    the override, so one recorded in the same instant afterwards counts. An override kept without its instant counts
    from the day after."""

    kind: CountOverrideKind
    value: int
    set_on: date
    until: date | None = None
    set_at: datetime | None = None

    def counts(self, mark: ExceptionMark) -> bool:
        """Whether an exception counts on top of `value` (only for an override that knows its instant)."""
        after_freeze = self.kind is CountOverrideKind.RESET or self.until is None or mark.day > self.until
        return self.set_at is not None and mark.at >= self.set_at and after_freeze

    @property
    def counts_from(self) -> date:
        """The first day whose exceptions count on top of `value` (the day after the freeze ends, or after the
        reset)."""
        last_held = self.until if self.kind is CountOverrideKind.FREEZE and self.until else self.set_on
        return last_held + timedelta(days=1) if last_held < date.max else date.max  # frozen to the calendar's end


@dataclass(frozen=True, slots=True)
class History:
    """Everything history-based rules may ask; empty for a customer without a positive ID.

    Exceptions are counted per day (a busy cashier has thousands on few days). The cumulative exception count is
    `customer_exception_total` when given (a store counts rather than lists), else the sum of
    `customer_exceptions_by_day`. A count override made at a known instant reads `customer_exception_marks`, the
    customer's open exceptions recorded on or after its day; one without its instant reads the days after its date.
    """

    customer_returns: tuple[PriorReturn, ...] = ()
    customer_purchases: tuple[PriorPurchase, ...] | None = None
    customer_exceptions_by_day: Mapping[date, int] = field(default_factory=dict)
    customer_exception_marks: tuple[ExceptionMark, ...] = ()
    customer_exception_total: int | None = None
    count_override: CountOverride | None = None
    cashier_exceptions_by_day: Mapping[date, int] = field(default_factory=dict)
    returned_quantities: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    pattern_watches: tuple[PatternWatch, ...] = ()
    overrides_available: int = 0

    def cumulative_count(self, today: date) -> int:
        """The customer's cumulative exception count, honouring a freeze or reset override."""
        override = self.count_override
        if override is None:
            total = self.customer_exception_total
            return sum(self.customer_exceptions_by_day.values()) if total is None else total
        frozen_still = override.kind is CountOverrideKind.FREEZE and (override.until is None or today <= override.until)
        if frozen_still:
            return override.value
        if override.set_at is not None:
            return override.value + sum(1 for mark in self.customer_exception_marks if override.counts(mark))
        return override.value + count_since(self.customer_exceptions_by_day, override.counts_from)


def count_since(by_day: Mapping[date, int], first: date) -> int:
    """How many of these exceptions happened on `first` or later."""
    return sum(count for day, count in by_day.items() if day >= first)


def window_start(today: date, days: int) -> date:
    """First day inside a look-back window of `days` days ending today."""
    return today - timedelta(days=days - 1)


EMPTY_HISTORY = History()

CUSTOMER_WINDOWED = frozenset({"CustomerReturns", "CustomerPatternWatchReturns"})
CASHIER_WINDOWED = frozenset({"CashierExceptionCount"})


@dataclass(frozen=True, slots=True)
class HistoryReach:
    """How many days back the rules of a policy set look at a customer's returns and a cashier's exceptions
    (None: no rule asks); the store reads no further back than this."""

    customer_days: int | None
    cashier_days: int | None

    def customer_since(self, today: date) -> date | None:
        """The first day of the customer's returns to read; None: none is needed."""
        return None if self.customer_days is None else window_start(today, self.customer_days)

    def cashier_since(self, today: date) -> date | None:
        """The first day of the cashier's exceptions to read; None: none is needed."""
        return None if self.cashier_days is None else window_start(today, self.cashier_days)


def history_reach(policy_set: PolicySet) -> HistoryReach:
    """The longest look-back window each windowed history the policy set asks about (computed once per set)."""
    return policy_set.remembered(("reach",), HistoryReach, lambda: _reach(policy_set))


def _reach(policy_set: PolicySet) -> HistoryReach:
    rules = [rule for policy in policy_set.policies for rule in policy.rules]
    return HistoryReach(
        _longest(int(rule.params["windowDays"]) for rule in rules if rule.question in CUSTOMER_WINDOWED),
        _longest(int(rule.params["windowDays"]) for rule in rules if rule.question in CASHIER_WINDOWED),
    )


def _longest(windows: Iterable[int]) -> int | None:
    return max(windows, default=None)
