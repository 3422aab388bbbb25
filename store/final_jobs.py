"""Write job of a final result: record it once, write its exceptions and returns, or reverse them on a void."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from handlers.errors import DuplicateConflict, StoreMismatch, TicketNotFound, TicketVoided
from handlers.loyalty.loyalty import Account, Entry
from store.authorize_jobs import authorize_job
from store.db import Db
from store.history_sql import returned_by_sale
from store.loyalty_sql import account_of, append, purchases, reverse_ticket
from store.records import (
    FinalOutcome,
    FinalPlan,
    FinalSubmission,
    LineRecord,
    LoyaltyOutcome,
    OfflineOpening,
    PolicySwitched,
    TicketState,
)

KIND_FINAL = "final"


def record_final_job(submission: FinalSubmission) -> Callable[[Db], FinalOutcome]:
    """A job recording a final result exactly once, keyed by message id and by return transaction id."""

    def job(db: Db) -> FinalOutcome:
        db.lock(f"message:{submission.message_id}", f"return:{submission.return_transaction_id}")
        replay = _replay(db, submission)
        if replay is not None:
            return replay
        if submission.offline is not None:
            return _record(db, _open_offline(db, submission, submission.offline))
        return _record(db, submission)

    return job


def _open_offline(db: Db, submission: FinalSubmission, offline: OfflineOpening) -> FinalSubmission:
    """Open and decide the ticket of an offline final result inside its transaction (see OfflineOpening)."""
    done = authorize_job(offline.opening, offline.query, offline.decide)(db)
    if done.record is None and done.opened.stored_response is None:
        raise PolicySwitched(done.opened.active_policy)
    return replace(submission, ticket_id=done.opened.ticket_id, offline=None)


def _record(db: Db, submission: FinalSubmission) -> FinalOutcome:
    """Record a final result on its ticket, which exists by now."""
    db.lock(f"ticket:{submission.ticket_id}")
    state = ticket_state(db, submission.ticket_id)
    if state is None:
        raise TicketNotFound(f"ticket {submission.ticket_id} does not exist")
    _lock_shared(db, submission, state)
    if state.store_id != submission.store_id:
        raise StoreMismatch(f"ticket {submission.ticket_id} belongs to another store")
    if state.status == "voided":
        raise TicketVoided(f"ticket {submission.ticket_id} is voided")
    loyalty = None
    if submission.voided:
        status, loyalty = _void(db, submission, state)
    else:
        loyalty = _loyalty(db, submission, state)
        status = _complete(db, submission, state)
    response = submission.render_ack(state.ticket_id, status, loyalty)
    _remember(db, submission, state.ticket_id, response)
    return FinalOutcome(state.ticket_id, status, response)


def _lock_shared(db: Db, submission: FinalSubmission, state: TicketState) -> None:
    """Lock, in one sorted call, what this ticket's result shares with other tickets' results and authorizes: the
    original sales returned (quantities), every customer whose history it writes or reverses (the ticket's, the
    one the result names, those of the exceptions a void reverses) and the loyalty accounts it adds entries to or
    reverses.

    The customer locks are the ones an authorize takes before it reads that customer's history (see
    store.authorize_jobs), so an authorize sees all of this result's returns, exceptions and override use, or none.

    Exception day counters (kept by a trigger on `exceptions`) cannot deadlock either: one result's exceptions all
    fall on its business date, for its one cashier and its customers, and are inserted sorted by subject. Two
    results running at once therefore meet on at most one counter row, the cashier's day, unless they share a
    customer, and then the customer's lock has one wait for the other before either touches a counter."""
    keys = {f"sale:{line.original_sale}" for line in state.lines if line.original_sale}
    customers = {state.positive_id_hash, None if submission.voided else submission.plan(state).positive_id_hash}
    plan = submission.loyalty
    accounts: set[str | None] = {plan.account_id if plan else None, state.loyalty_account_id}
    for kind, name in db.execute(
        "SELECT DISTINCT 'account', account_id FROM loyalty_entries WHERE ticket_id = ? UNION"
        " SELECT DISTINCT 'customer', subject FROM exceptions WHERE ticket_id = ? AND subject_kind = 'customer'",
        (state.ticket_id, state.ticket_id),
    ).fetchall():
        (accounts if kind == "account" else customers).add(name)
    keys |= {f"customer:{customer}" for customer in customers if customer}
    keys |= {f"account:{account}" for account in accounts if account}
    db.lock(*sorted(keys))


def _replay(db: Db, submission: FinalSubmission) -> FinalOutcome | None:
    """The stored answer to a retried message, or a Duplicate for a transaction already recorded."""
    found = db.execute(
        "SELECT digest, ticket_id, response FROM messages WHERE message_id = ?", (submission.message_id,)
    ).fetchone()
    if found is not None:
        if found[0] != submission.digest:
            raise DuplicateConflict(f"message id {submission.message_id} was already used for a different message")
        return FinalOutcome(found[1], "Replayed", bytes(found[2]))
    earlier = db.execute(
        "SELECT ticket_id FROM final_results WHERE return_transaction_id = ? AND voided = ?",
        (submission.return_transaction_id, int(submission.voided)),
    ).fetchone()
    if earlier is None:
        return None
    if not _same_return(db, submission, earlier[0]):
        raise DuplicateConflict(
            f"return transaction {submission.return_transaction_id} was already recorded for another ticket"
        )
    response = submission.render_ack(earlier[0], "Duplicate", None)
    _remember(db, submission, earlier[0], response)
    return FinalOutcome(earlier[0], "Duplicate", response)


def _same_return(db: Db, submission: FinalSubmission, ticket_id: str) -> bool:
    """Whether a transaction recorded on `ticket_id` is this submission's own: its ticket, or, for an offline final
    result (which names no ticket), a ticket of its store. Anything else is another till's return that happens to
    carry the same transaction id: answering Duplicate would name (and leak) that ticket and drop this result."""
    if submission.offline is None:
        return submission.ticket_id == ticket_id
    row = db.execute("SELECT store_id FROM tickets WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return row is not None and row[0] == submission.store_id


def _remember(db: Db, submission: FinalSubmission, ticket_id: str, response: bytes) -> None:
    db.execute(
        "INSERT INTO messages (message_id, kind, digest, ticket_id, response, received_at) VALUES (?, ?, ?, ?, ?, ?)",
        (submission.message_id, KIND_FINAL, submission.digest, ticket_id, response, submission.received_at),
    )


def ticket_state(db: Db, ticket_id: str) -> TicketState | None:
    """A ticket's header and the lines of its latest decided attempt."""
    row = db.execute(
        "SELECT status, store_id, cashier_id, positive_id_hash, loyalty_account_id FROM tickets WHERE ticket_id = ?",
        (ticket_id,),
    ).fetchone()
    if row is None:
        return None
    lines = db.execute(
        "SELECT line_number, item_id, original_sale, receipted, gift_receipt, quantity, unit_price, response_type,"
        " response_code, approved_quantity, refund_amount, policy_id, pattern_watch FROM ticket_lines"
        " WHERE ticket_id = ? AND attempt_no = (SELECT MAX(attempt_no) FROM ticket_lines WHERE ticket_id = ?)"
        " ORDER BY line_number",
        (ticket_id, ticket_id),
    )
    return TicketState(ticket_id, row[0], row[1], row[2], row[3], tuple(_line(values) for values in lines), row[4])


def _line(values: tuple[object, ...]) -> LineRecord:
    number, item, sale, receipted, gift, quantity, price, kind, code, approved, refund, policy, watch = values
    return LineRecord(
        line_number=int(str(number)),
        item_id=str(item),
        original_sale=None if sale is None else str(sale),
        receipted=bool(receipted),
        gift_receipt=bool(gift),
        quantity=Decimal(str(quantity)),
        unit_price=Decimal(str(price)),
        response_type=str(kind),
        response_code=str(code),
        approved_quantity=Decimal(str(approved)),
        refund_amount=Decimal(str(refund)),
        policy_id=str(policy),
        pattern_watch=bool(watch),
    )


def _insert_result(db: Db, submission: FinalSubmission) -> None:
    db.execute(
        "INSERT INTO final_results (message_id, ticket_id, return_transaction_id, voided, business_date, received_at,"
        " result_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            submission.message_id,
            submission.ticket_id,
            submission.return_transaction_id,
            int(submission.voided),
            submission.business_date.isoformat(),
            submission.received_at,
            submission.result_json,
        ),
    )


def _complete(db: Db, submission: FinalSubmission, state: TicketState) -> str:
    if state.status == "completed":
        raise DuplicateConflict(f"ticket {state.ticket_id} already has a final result for another transaction")
    _insert_result(db, submission)
    plan = submission.plan(state)
    _write_plan(db, submission, state, plan)
    _consume_override(db, state.ticket_id, plan.positive_id_hash)
    db.execute(
        "UPDATE tickets SET status = 'completed', return_transaction_id = ?, updated_at = ? WHERE ticket_id = ?",
        (submission.return_transaction_id, submission.received_at, state.ticket_id),
    )
    return "Recorded"


def _write_plan(db: Db, submission: FinalSubmission, state: TicketState, plan: FinalPlan) -> None:
    """Exceptions (sorted by subject and day: their counters are locked in that order, see _lock_shared), the
    customer's returns and the quantities returned."""
    db.executemany(
        "INSERT INTO exceptions (subject_kind, subject, exception_type, ticket_id, store_id, occurred_on, amount,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                e.subject_kind,
                e.subject,
                e.exception_type,
                state.ticket_id,
                state.store_id,
                e.occurred_on.isoformat(),
                str(e.amount),
                submission.received_at,
            )
            for e in sorted(plan.exceptions, key=lambda e: (e.subject_kind, e.subject, e.occurred_on))
        ],
    )
    if plan.positive_id_hash is not None:
        db.executemany(
            "INSERT INTO customer_returns (positive_id_hash, ticket_id, receipted, return_date, items, amount,"
            " pattern_watch) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (positive_id_hash, ticket_id, receipted)"
            " DO UPDATE SET return_date = excluded.return_date, items = excluded.items, amount = excluded.amount,"
            " pattern_watch = excluded.pattern_watch",
            [
                (
                    plan.positive_id_hash,
                    state.ticket_id,
                    int(r.receipted),
                    submission.business_date.isoformat(),
                    str(r.items),
                    str(r.amount),
                    int(r.pattern_watch),
                )
                for r in plan.customer_returns
            ],
        )
    db.executemany(
        "INSERT INTO returned_quantities (original_sale, item_id, ticket_id, quantity) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (original_sale, item_id, ticket_id) DO UPDATE SET quantity = excluded.quantity",
        [(sale, item, state.ticket_id, str(quantity)) for sale, item, quantity in plan.returned],
    )


def _loyalty(db: Db, submission: FinalSubmission, state: TicketState) -> LoyaltyOutcome | None:
    """Loyalty adjustments of a completed return, appended to the account's ledger with the ticket."""
    plan = submission.loyalty
    account_id = (plan.account_id or state.loyalty_account_id) if plan else None
    if plan is None or account_id is None:
        return None
    sales = plan.sales(state)
    earlier = returned_by_sale(db, sales, state.ticket_id)
    before = account_of(db, account_id)
    entries = plan.plan(before, purchases(db, sales, state.ticket_id), earlier, state)
    after = append(db, account_id, submission.message_id, state.ticket_id, entries, submission.received_at, before)
    return LoyaltyOutcome(account_id, tuple(entries), after)


def _consume_override(db: Db, ticket_id: str, customer: str | None) -> None:
    """A completed return whose decision used a customer service override uses that override up."""
    used = db.execute(
        "SELECT override_used FROM attempts WHERE ticket_id = ? ORDER BY attempt_no DESC LIMIT 1", (ticket_id,)
    ).fetchone()
    if customer is None or not used or not used[0]:
        return
    db.execute(
        "UPDATE service_overrides SET status = 'used', ticket_id = ? WHERE status = 'active' AND override_id ="
        " (SELECT override_id FROM service_overrides WHERE positive_id_hash = ? AND status = 'active'"
        " ORDER BY expires_on LIMIT 1)",
        (ticket_id, customer),
    )


def _void(db: Db, submission: FinalSubmission, state: TicketState) -> tuple[str, LoyaltyOutcome | None]:
    """Reverse every exception, customer return and returned quantity of the ticket; mark it voided.

    A customer service override the ticket used becomes available again: a voided return consumed nothing.
    """
    _insert_result(db, submission)
    db.execute(
        "UPDATE service_overrides SET status = 'active', ticket_id = NULL WHERE ticket_id = ? AND status = 'used'",
        (state.ticket_id,),
    )
    reversal = reverse_ticket(db, state.ticket_id, submission.message_id, submission.received_at)
    db.execute(
        "UPDATE exceptions SET reversed_at = ? WHERE ticket_id = ? AND reversed_at IS NULL",
        (submission.received_at, state.ticket_id),
    )
    db.execute("DELETE FROM customer_returns WHERE ticket_id = ?", (state.ticket_id,))
    db.execute("DELETE FROM returned_quantities WHERE ticket_id = ?", (state.ticket_id,))
    db.execute(
        "UPDATE tickets SET status = 'voided', updated_at = ? WHERE ticket_id = ?",
        (submission.received_at, state.ticket_id),
    )
    if reversal is None:
        return "Voided", _unchanged(db, submission, state)
    return "Voided", _settle(db, submission, state.ticket_id, reversal)


def _unchanged(db: Db, submission: FinalSubmission, state: TicketState) -> LoyaltyOutcome | None:
    """A void of a ticket that made no loyalty entry: the account as it stands, as a final result without
    adjustments shows it."""
    plan = submission.loyalty
    account_id = (plan.account_id or state.loyalty_account_id) if plan else None
    return None if account_id is None else LoyaltyOutcome(account_id, (), account_of(db, account_id))


def _settle(
    db: Db,
    submission: FinalSubmission,
    ticket_id: str,
    reversal: tuple[str, list[Entry], Account],
) -> LoyaltyOutcome:
    """After a void's reversal, what the returns still standing of its sales leave to take back, with the void."""
    account_id, entries, after = reversal
    plan = submission.loyalty
    sales = {entry.sale for entry in entries if entry.sale}
    if plan is not None and plan.settle is not None and sales:
        found = purchases(db, sales, ticket_id)
        more = plan.settle(after, found, returned_by_sale(db, sales))
        after = append(db, account_id, submission.message_id, ticket_id, more, submission.received_at, after)
        entries = [*entries, *more]
    return LoyaltyOutcome(account_id, tuple(entries), after)
