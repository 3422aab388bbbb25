"""Re-deciding stored attempts under a draft policy set, in one pass in time order; pure: reads nothing, writes
nothing.

The history each attempt is decided against is the one the store held when the attempt came (see `timeline`).
Attempts are decided without the trace; only an attempt whose decision changed is decided again with it, for the
rule that made the change. Lines whose rules find the same values (the same policy, dates relative to purchase,
history counts, tenders, item attributes, ...) share one run of the rules (`LineMemo`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from handlers.decision import LineDecision, LineTrace
from handlers.history.history import History, history_reach
from handlers.models import AuthorizeRequest
from handlers.policy.engine import Evaluation, LineMemo, evaluate, evaluate_untraced
from handlers.policy.policy_model import PolicySet
from handlers.simulation.compare import cause, new_outcome, stored_outcome, transaction_changed
from handlers.simulation.inputs import HistoryRows, StoredAttempt
from handlers.simulation.report import ChangedLine, SimulationReport, Tally
from handlers.simulation.request_json import request_from_json
from handlers.simulation.timeline import HistoryState

Progress = Callable[[int, int], None]

UNDECIDED = "no stored decision (the attempt was never answered)"
NOT_KEPT = "the request was not kept with its decision (decided before requests were kept)"
LOST_RETURNS = "a voided return of the customer was completed before this attempt; its return records are gone"
LOST_QUANTITIES = "a voided return of the same sale line was completed before this attempt; its quantities are gone"
UNAUDITED_COUNT = "the customer's count freeze or reset is not in the audit log, so when it was set is unknown"


@dataclass(frozen=True, slots=True)
class Needs:
    """Which parts of the history the draft's rules read, and how far back."""

    returns: bool
    cumulative: bool
    cashier: bool
    quantities: bool
    watches: bool
    customer_days: int | None
    cashier_days: int | None

    @staticmethod
    def of(policy_set: PolicySet) -> Needs:
        asked = {rule.question for policy in policy_set.policies for rule in policy.rules}
        reach = history_reach(policy_set)
        return Needs(
            returns=bool(asked & {"CustomerReturns", "CustomerPatternWatchReturns"}),
            cumulative="CustomerCumulativeExceptionCount" in asked,
            cashier=reach.cashier_days is not None,
            quantities="QuantityAboveReturnable" in asked,
            watches="PatternWatchHit" in asked,
            customer_days=reach.customer_days,
            cashier_days=reach.cashier_days,
        )


def simulate(
    draft: PolicySet,
    attempts: Sequence[StoredAttempt],
    rows: HistoryRows,
    window: tuple[date, date, tuple[str, ...]],
    progress: Progress | None = None,
    quick: bool = True,
) -> SimulationReport:
    """Decide every attempt (in time order) again under `draft` and tally what changes. `quick` False decides
    every attempt with its full trace and shares nothing (the reference the quick path must equal)."""
    run = _Run(draft, Needs.of(draft), HistoryState(rows), Tally(), LineMemo(draft) if quick else None)
    events = sorted(run.state.events(), key=lambda event: (event[0], event[1]))
    audited = {entry.target.partition("/")[2] for entry in rows.audit if entry.action.startswith("count.")}
    run.unaudited = {customer for customer in rows.count_overrides if customer[:12] not in audited}
    done, total = 0, len(attempts)
    for attempt in attempts:
        while done < len(events) and events[done][0] <= attempt.received_at:
            events[done][2]()
            done += 1
        run.decide(attempt)
        if progress is not None and run.tally.attempts % 1000 == 0:
            progress(run.tally.attempts, total)
    if progress is not None:
        progress(run.tally.attempts, total)
    return run.tally.freeze(draft.version, *window)


@dataclass(slots=True)
class _Run:
    draft: PolicySet
    needs: Needs
    state: HistoryState
    tally: Tally
    memo: LineMemo | None
    unaudited: frozenset[str] | set[str] = frozenset()

    def decide(self, attempt: StoredAttempt) -> None:
        if attempt.decision_json is None:
            self.tally.not_decided(UNDECIDED)
            return
        stored = json.loads(attempt.decision_json)
        kept = stored.get("request")
        if kept is None:
            self.tally.not_decided(NOT_KEPT)
            return
        request = request_from_json(kept)
        customer = kept.get("customer_key", attempt.positive_id_hash) if kept["positive_id"] else None
        unknown = self._unknown(customer, request)
        if unknown is not None:
            self.tally.not_decided(unknown)
            return
        history = self._history(request, customer, kept["cashier_id"])
        today, memo = request.header.business_date, self.memo
        if memo is None:
            evaluation = evaluate(request, self.draft, history, today)
            _tally(self.tally, attempt, request, stored, evaluation, lambda index: _trace(evaluation, index))
            return
        ran = memo.runs
        evaluation = evaluate_untraced(request, self.draft, history, today, memo)
        if memo.runs == ran:
            self.tally.shared += 1
        _tally(self.tally, attempt, request, stored, evaluation, memo.trace)

    def _unknown(self, customer: str | None, request: AuthorizeRequest) -> str | None:
        state, needs = self.state, self.needs
        if customer is not None:
            if needs.returns and state.lost_customers.get(customer, 0) > 0:
                return LOST_RETURNS
            if needs.cumulative and customer in self.unaudited:
                return UNAUDITED_COUNT
        if needs.quantities and state.lost_sales:
            for line in request.lines:
                sale = line.original_sale
                if sale is not None and state.lost_sales.get((sale.key, line.item_id), 0) > 0:
                    return LOST_QUANTITIES
        return None

    def _history(self, request: AuthorizeRequest, customer: str | None, cashier: str) -> History:
        """The parts of the history the draft reads, as the store held them."""
        state, needs, today = self.state, self.needs, request.header.business_date
        returns: tuple[Any, ...] = ()
        cumulative, overrides = 0, 0
        if customer is not None:
            if needs.returns and needs.customer_days is not None:
                since = date.fromordinal(today.toordinal() - needs.customer_days + 1)
                returns = tuple(prior for prior in state.returns.get(customer, ()) if prior.return_date >= since)
            if needs.cumulative:
                cumulative = state.cumulative_count(customer, today)
            overrides = min(state.overrides_available(customer, today), 1)
        days: dict[date, int] = {}
        if needs.cashier and needs.cashier_days is not None:
            since = date.fromordinal(today.toordinal() - needs.cashier_days + 1)
            found = state.exceptions.get(("cashier", cashier), {})
            days = {day: count for day, count in found.items() if day >= since and count > 0}
        returned: dict[tuple[str, str], Decimal] = {}
        if needs.quantities:
            held = state.returned
            for line in request.lines:
                sale = line.original_sale
                if sale is not None:
                    key = (sale.key, line.item_id)
                    if key in held:
                        returned[key] = held[key]
        return History(
            customer_returns=returns,
            customer_exception_total=cumulative,
            cashier_exceptions_by_day=days,
            returned_quantities=returned,
            pattern_watches=state.watch_tuple,
            overrides_available=overrides,
        )


def _tally(
    tally: Tally,
    attempt: StoredAttempt,
    request: AuthorizeRequest,
    stored: dict[str, Any],
    evaluation: Evaluation,
    traced: Callable[[int], LineTrace],
) -> None:
    """Count an attempt before and after; `traced` gives the trace of a line (by position), asked only for a line
    that changed (for the rule that changed it)."""
    tally.attempts += 1
    tally.re_decided += 1
    before, after = stored["response_type"], evaluation.response.response_type.value
    tally.transactions["before"][before] += 1
    tally.transactions["after"][after] += 1
    store = tally.stores[attempt.store_id]
    store["attempts"] += 1
    override_changed = bool(stored["override_used"]) != evaluation.override_used
    changed = transaction_changed(stored, evaluation)
    if changed:
        tally.transaction_moves[f"{before} -> {after}"] += 1
    currency = request.header.currency
    old_lines = {line["line_number"]: line for line in stored["lines"]}
    for index, line in enumerate(evaluation.lines):
        old = old_lines.get(line.line_number)
        if old is not None and _line(tally, attempt, currency, old, (traced, index, line), override_changed):
            changed = True
    if changed:
        tally.changed += 1
        store["changed"] += 1


def _line(
    tally: Tally,
    attempt: StoredAttempt,
    currency: str,
    old: dict[str, Any],
    new: tuple[Callable[[int], LineTrace], int, LineDecision],
    override_changed: bool,
) -> bool:
    """Tally one line before and after; whether it changed."""
    traced, index, line = new
    was, now = stored_outcome(old), new_outcome(line)
    tally.lines["before"][was[0]] += 1
    tally.lines["after"][now[0]] += 1
    _money(tally, "before", currency, Decimal(was[3]), was[4])
    _money(tally, "after", currency, line.refund_amount, now[4])
    tally.policies[old["policy_id"]]["lines_before"] += 1
    tally.policies[line.policy_id]["lines_after"] += 1
    if was == now:
        return False
    rule, reason = cause(old, line, None if override_changed else traced(index), override_changed)
    tally.rules[rule] += 1
    tally.policies[line.policy_id]["changed_lines"] += 1
    if was[0] != now[0]:
        tally.line_moves[f"{was[0]} -> {now[0]}"] += 1
    tally.changes.append(
        ChangedLine(
            attempt.ticket_id,
            attempt.attempt_no,
            attempt.store_id,
            line.line_number,
            f"{was[0]} {was[1]}",
            f"{now[0]} {now[1]}",
            Decimal(was[3]),
            line.refund_amount,
            reason,
        )
    )
    return True


def _trace(evaluation: Evaluation, index: int) -> LineTrace:
    found = evaluation.lines[index].trace
    assert found is not None, "a traced evaluation"
    return found


def _money(tally: Tally, side: str, currency: str, refund: Decimal, tenders: tuple[str, ...]) -> None:
    """Refund value per currency, and per the first tender offered (the tender mix)."""
    tally.refunds[side][currency] += refund
    if tenders and refund:
        tally.tenders[side][f"{tenders[0]} {currency}"] += refund
