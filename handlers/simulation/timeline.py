"""The history replayed in time order: what the store held when each attempt was decided, rebuilt in one pass.

Each stored row becomes events at the time it was written (a completed return's rows at its final result, a
reversal at the void, overrides and count changes and watches at their audit entries); applying them in order keeps
the running state the store had. A voided return's own rows are gone, so between its completion and its void its
customer's returns and its sale lines' returned quantities are not known: attempts there are reported, not guessed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from handlers.history.history import CountOverride, CountOverrideKind, History, PriorReturn
from handlers.policy.policy_model import PatternWatch
from handlers.simulation.inputs import ExceptionRow, FinalRow, HistoryRows, OverrideRow, ReturnRow

Event = tuple[str, int, Callable[[], object]]


@dataclass(slots=True)
class _Override:
    customer: str
    expires_on: date
    status: str = "pending"
    ticket_id: str | None = None


@dataclass(slots=True)
class HistoryState:
    """The running history: returns, open exceptions per day, returned quantities, overrides, counts, watches."""

    rows: HistoryRows
    returns: dict[str, list[PriorReturn]] = field(default_factory=lambda: defaultdict(list))
    exceptions: dict[tuple[str, str], dict[date, int]] = field(default_factory=lambda: defaultdict(dict))
    returned: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    overrides: dict[int, _Override] = field(default_factory=dict)
    counts: dict[str, CountOverride | None] = field(default_factory=dict)
    watches: dict[str, PatternWatch] = field(default_factory=dict)
    watch_version: int = 0
    watch_tuple: tuple[PatternWatch, ...] = ()
    lost_customers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lost_sales: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    _by_ticket: dict[str, list[ReturnRow]] = field(default_factory=lambda: defaultdict(list))
    _quantities: dict[str, list[tuple[str, str, Decimal]]] = field(default_factory=lambda: defaultdict(list))
    _exceptions: dict[str, list[ExceptionRow]] = field(default_factory=lambda: defaultdict(list))
    _voided_lines: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    _customer_overrides: dict[str, list[_Override]] = field(default_factory=lambda: defaultdict(list))
    _voided: set[str] = field(default_factory=set)
    _completed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for row in self.rows.returns:
            self._by_ticket[row.ticket_id].append(row)
        for sale, item, ticket_id, quantity in self.rows.quantities:
            self._quantities[ticket_id].append((sale, item, quantity))
        for exception in self.rows.exceptions:
            self._exceptions[exception.ticket_id].append(exception)
        for ticket_id, sale, item in self.rows.voided_sale_items:
            self._voided_lines[ticket_id].append((sale, item))
        self._voided = {final.ticket_id for final in self.rows.finals if final.voided}

    def events(self) -> Iterator[Event]:
        """Every change to the history, as (time, tie-break, apply), unsorted."""
        for final in self.rows.finals:
            yield final.received_at, 0, partial(self._final, final)
        for exception in self.rows.exceptions:
            if exception.reversed_at is not None:
                yield exception.reversed_at, 1, partial(self._reverse, exception)
        overrides = {row.override_id: row for row in self.rows.overrides}
        for entry in self.rows.audit:
            yield from self._audit_event(entry.at, entry.action, entry.target, entry.after_json, overrides)
        for row in self.rows.watches:
            if row.retired_at is not None:
                yield row.retired_at, 0, partial(self._retire, row.watch.watch_id)

    def _audit_event(
        self, at: str, action: str, target: str, after: str | None, overrides: dict[int, OverrideRow]
    ) -> Iterator[Event]:
        kind, _, name = target.partition("/")
        if action in ("override.grant", "override.revoke") and kind == "override" and name.isdigit():
            found = overrides.get(int(name))
            if found is not None:
                yield at, 0, partial(self._grant if action == "override.grant" else self._revoke, found)
        elif action.startswith("count.") and kind == "customer" and after:
            values = json.loads(after)
            count = CountOverride(
                CountOverrideKind(values["kind"]),
                int(values["value"]),
                date.fromisoformat(values["set_on"]),
                date.fromisoformat(values["until"]) if values.get("until") else None,
            )
            yield at, 0, partial(self._count, (name, count))
        elif action == "watch.create" and kind == "watch":
            watch = next((row.watch for row in self.rows.watches if row.watch.watch_id == name), None)
            if watch is not None:
                yield at, 0, partial(self._watch, watch)

    def _final(self, final: FinalRow) -> None:
        if final.voided:
            self._void(final)
            return
        if final.ticket_id in self._voided:
            self._completed.add(final.ticket_id)
            self._lose(final, 1)
        for row in self._by_ticket.get(final.ticket_id, ()):
            self.returns[row.positive_id_hash].append(
                PriorReturn(row.return_date, row.receipted, row.items, row.amount, row.pattern_watch)
            )
        for sale, item, quantity in self._quantities.get(final.ticket_id, ()):
            self.returned[(sale, item)] = self.returned.get((sale, item), Decimal(0)) + quantity
        for exception in self._exceptions.get(final.ticket_id, ()):
            days = self.exceptions[(exception.subject_kind, exception.subject)]
            days[exception.occurred_on] = days.get(exception.occurred_on, 0) + 1
        if final.override_used and final.positive_id_hash is not None:
            self._consume(final.positive_id_hash, final.ticket_id)

    def _void(self, final: FinalRow) -> None:
        """A void: the override its return used is free again; a completed return's records vanished."""
        for override in self.overrides.values():
            if override.ticket_id == final.ticket_id and override.status == "used":
                override.status, override.ticket_id = "active", None
        if final.ticket_id in self._completed:
            self._lose(final, -1)

    def _lose(self, final: FinalRow, step: int) -> None:
        """From a voided return's completion (+1) to its void (-1), its customer and sale lines are unknown."""
        if final.positive_id_hash is not None:
            self.lost_customers[final.positive_id_hash] += step
        for key in self._voided_lines.get(final.ticket_id, ()):
            self.lost_sales[key] += step

    def _reverse(self, exception: ExceptionRow) -> None:
        days = self.exceptions[(exception.subject_kind, exception.subject)]
        days[exception.occurred_on] = days.get(exception.occurred_on, 0) - 1

    def _consume(self, customer: str, ticket_id: str) -> None:
        """The store uses up the active override that expires first."""
        active = [
            (override.expires_on, number)
            for number, override in self.overrides.items()
            if override.customer == customer and override.status == "active"
        ]
        if active:
            chosen = self.overrides[min(active)[1]]
            chosen.status, chosen.ticket_id = "used", ticket_id

    def _grant(self, row: OverrideRow) -> None:
        granted = _Override(row.positive_id_hash, row.expires_on, "active")
        self.overrides[row.override_id] = granted
        self._customer_overrides[row.positive_id_hash].append(granted)

    def _revoke(self, row: OverrideRow) -> None:
        found = self.overrides.get(row.override_id)
        if found is not None:
            found.status = "revoked"

    def _count(self, change: tuple[str, CountOverride]) -> None:
        self.counts[change[0]] = change[1]

    def _watch(self, watch: PatternWatch) -> None:
        self.watches[watch.watch_id] = watch
        self._watches_changed()

    def _retire(self, watch_id: str) -> None:
        if self.watches.pop(watch_id, None) is not None:
            self._watches_changed()

    def _watches_changed(self) -> None:
        self.watch_version += 1
        self.watch_tuple = tuple(self.watches.values())

    def overrides_available(self, customer: str, today: date) -> int:
        return sum(
            1
            for override in self._customer_overrides.get(customer, ())
            if override.status == "active" and override.expires_on >= today
        )

    def cumulative_count(self, customer: str, today: date) -> int:
        """The customer's cumulative exception count as the store would have computed it."""
        by_day = self.exceptions.get(("customer", customer), {})
        override = self.counts.get(customer[:12])
        return History(customer_exceptions_by_day=by_day, count_override=override).cumulative_count(today)
