"""What a simulation reads from the store: the attempts to decide again and the rows their history is rebuilt from.

Times are the ISO timestamps the gateway stamped (received_at, the audit log's `at`); they order the events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from handlers.policy.policy_model import PatternWatch


@dataclass(frozen=True, slots=True)
class StoredAttempt:
    """One stored authorize attempt: its ticket, when it came, and its decision (with the request it was made of)."""

    ticket_id: str
    attempt_no: int
    received_at: str
    store_id: str
    positive_id_hash: str | None
    policy_version: str | None
    decision_json: str | None


@dataclass(frozen=True, slots=True)
class FinalRow:
    """A final result: a completed return (voided False) or a void, and whether the ticket used an override."""

    ticket_id: str
    voided: bool
    received_at: str
    positive_id_hash: str | None
    override_used: bool


@dataclass(frozen=True, slots=True)
class ReturnRow:
    """A customer's completed return as the store keeps it (a voided return's rows are gone)."""

    positive_id_hash: str
    ticket_id: str
    return_date: date
    receipted: bool
    items: Decimal
    amount: Decimal
    pattern_watch: bool


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    subject_kind: str
    subject: str
    ticket_id: str
    occurred_on: date
    reversed_at: str | None


@dataclass(frozen=True, slots=True)
class OverrideRow:
    """A customer service override; when it was granted and revoked comes from the audit log."""

    override_id: int
    positive_id_hash: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: str
    action: str
    target: str
    after_json: str | None


@dataclass(frozen=True, slots=True)
class WatchRow:
    watch: PatternWatch
    retired_at: str | None


@dataclass(frozen=True, slots=True)
class HistoryRows:
    """Every row a history is rebuilt from, read in bulk."""

    finals: tuple[FinalRow, ...] = ()
    returns: tuple[ReturnRow, ...] = ()
    quantities: tuple[tuple[str, str, str, Decimal], ...] = ()
    exceptions: tuple[ExceptionRow, ...] = ()
    overrides: tuple[OverrideRow, ...] = ()
    audit: tuple[AuditRow, ...] = ()
    watches: tuple[WatchRow, ...] = ()
    count_overrides: frozenset[str] = frozenset()
    voided_sale_items: tuple[tuple[str, str, str], ...] = field(default=())
