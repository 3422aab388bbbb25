"""The simulation's answer: counts before and after, transitions, refunds, tenders, stores, policies, rules and
the changed lines; built up attempt by attempt (`Tally`), then frozen (`SimulationReport`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class ChangedLine:
    """A line decided differently: the ticket, attempt and line, before and after (type/code), and why."""

    ticket_id: str
    attempt_no: int
    store_id: str
    line_number: int
    before: str
    after: str
    refund_before: Decimal
    refund_after: Decimal
    reason: str


def money() -> defaultdict[str, Decimal]:
    return defaultdict(Decimal)


@dataclass(slots=True)
class Tally:
    """Counters a simulation adds to, one attempt at a time."""

    attempts: int = 0
    re_decided: int = 0
    shared: int = 0
    changed: int = 0
    not_rebuilt: Counter[str] = field(default_factory=Counter)
    transactions: dict[str, Counter[str]] = field(default_factory=lambda: {"before": Counter(), "after": Counter()})
    lines: dict[str, Counter[str]] = field(default_factory=lambda: {"before": Counter(), "after": Counter()})
    transaction_moves: Counter[str] = field(default_factory=Counter)
    line_moves: Counter[str] = field(default_factory=Counter)
    refunds: dict[str, defaultdict[str, Decimal]] = field(default_factory=lambda: {"before": money(), "after": money()})
    tenders: dict[str, defaultdict[str, Decimal]] = field(default_factory=lambda: {"before": money(), "after": money()})
    stores: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    policies: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    rules: Counter[str] = field(default_factory=Counter)
    changes: list[ChangedLine] = field(default_factory=list)

    def not_decided(self, reason: str) -> None:
        self.attempts += 1
        self.not_rebuilt[reason] += 1

    def freeze(self, version: str, first: date, last: date, stores: tuple[str, ...]) -> SimulationReport:
        return SimulationReport(
            version=version,
            first=first,
            last=last,
            stores_filter=stores,
            attempts=self.attempts,
            re_decided=self.re_decided,
            shared=self.shared,
            changed=self.changed,
            not_rebuilt=dict(self.not_rebuilt.most_common()),
            transactions={"before": dict(self.transactions["before"]), "after": dict(self.transactions["after"])},
            transaction_moves=dict(self.transaction_moves.most_common()),
            lines={"before": dict(self.lines["before"]), "after": dict(self.lines["after"])},
            line_moves=dict(self.line_moves.most_common()),
            refunds={side: dict(sorted(values.items())) for side, values in self.refunds.items()},
            tenders={side: dict(sorted(values.items())) for side, values in self.tenders.items()},
            stores={store: dict(counts) for store, counts in sorted(self.stores.items())},
            policies={policy: dict(counts) for policy, counts in sorted(self.policies.items())},
            rules=tuple(self.rules.most_common()),
            changes=tuple(self.changes),
        )


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """What a draft policy set would have decided differently over a period."""

    version: str
    first: date
    last: date
    stores_filter: tuple[str, ...]
    attempts: int
    re_decided: int
    shared: int
    changed: int
    not_rebuilt: dict[str, int]
    transactions: dict[str, dict[str, int]]
    transaction_moves: dict[str, int]
    lines: dict[str, dict[str, int]]
    line_moves: dict[str, int]
    refunds: dict[str, dict[str, Decimal]]
    tenders: dict[str, dict[str, Decimal]]
    stores: dict[str, dict[str, int]]
    policies: dict[str, dict[str, int]]
    rules: tuple[tuple[str, int], ...]
    changes: tuple[ChangedLine, ...]

    @property
    def changed_lines(self) -> int:
        return len(self.changes)

    def to_json(self, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """The report as JSON values; the changed lines paged by `limit` and `offset`."""
        page = self.changes[offset : offset + limit]
        return {
            "version": self.version,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "stores": list(self.stores_filter),
            "attempts": self.attempts,
            "re_decided": self.re_decided,
            "shared_decisions": self.shared,
            "changed": self.changed,
            "changed_lines": self.changed_lines,
            "not_rebuilt": self.not_rebuilt,
            "transactions": {**self.transactions, "transitions": self.transaction_moves},
            "lines": {**self.lines, "transitions": self.line_moves},
            "refund_value": _amounts(self.refunds),
            "tender_mix": _amounts(self.tenders),
            "by_store": self.stores,
            "by_policy": self.policies,
            "rules": [{"rule": rule, "changed_lines": count} for rule, count in self.rules],
            "changed_tickets": {
                "total": self.changed_lines,
                "limit": limit,
                "offset": offset,
                "items": [_changed(line) for line in page],
            },
        }


def _amounts(sides: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {side: {key: str(value) for key, value in values.items()} for side, values in sides.items()}


def _changed(line: ChangedLine) -> dict[str, Any]:
    return {
        "ticket_id": line.ticket_id,
        "attempt": line.attempt_no,
        "store_id": line.store_id,
        "line": line.line_number,
        "before": line.before,
        "after": line.after,
        "refund_before": str(line.refund_before),
        "refund_after": str(line.refund_after),
        "reason": line.reason,
    }


def report_from_json(found: dict[str, Any], changes: tuple[ChangedLine, ...] | None = None) -> SimulationReport:
    """A report read back from its JSON (as a gateway answers it); its changed lines are the page it carries, or
    `changes`."""
    page = found["changed_tickets"]["items"]
    return SimulationReport(
        version=found["version"],
        first=date.fromisoformat(found["from"]),
        last=date.fromisoformat(found["to"]),
        stores_filter=tuple(found["stores"]),
        attempts=found["attempts"],
        re_decided=found["re_decided"],
        shared=found["shared_decisions"],
        changed=found["changed"],
        not_rebuilt=found["not_rebuilt"],
        transactions={side: found["transactions"][side] for side in ("before", "after")},
        transaction_moves=found["transactions"]["transitions"],
        lines={side: found["lines"][side] for side in ("before", "after")},
        line_moves=found["lines"]["transitions"],
        refunds=_decimals(found["refund_value"]),
        tenders=_decimals(found["tender_mix"]),
        stores=found["by_store"],
        policies=found["by_policy"],
        rules=tuple((entry["rule"], entry["changed_lines"]) for entry in found["rules"]),
        changes=changes if changes is not None else tuple(_changed_from(item) for item in page),
    )


def _decimals(sides: dict[str, dict[str, str]]) -> dict[str, dict[str, Decimal]]:
    return {side: {key: Decimal(value) for key, value in values.items()} for side, values in sides.items()}


def _changed_from(item: dict[str, Any]) -> ChangedLine:
    return ChangedLine(
        item["ticket_id"],
        item["attempt"],
        item["store_id"],
        item["line"],
        item["before"],
        item["after"],
        Decimal(item["refund_before"]),
        Decimal(item["refund_after"]),
        item["reason"],
    )
