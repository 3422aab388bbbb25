"""Write job of an authorize: open a ticket (or a new attempt), read history, decide and store, one transaction.

Few round trips, as a shared server wants: the claim of the message id (an insert that does nothing when the id is
known; the locks travel with it), one statement reading the whole history (store.history_sql.load_opening), and
one batch of writes. A re-ask adds the read of its ticket, a loyalty account the reads of its ledger, a retried
message the read of its stored answer.

Locks, in the order every job takes them (coarse to fine): the message, the ticket asked again, the customer. A
final result, a void, a reset or freeze of the count and an override granted or revoked all hold the customer's
lock while they write that customer's history, so the history an authorize reads under it is whole (the single
statement makes it one snapshot besides).
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.errors import DuplicateConflict, StoreMismatch, TicketNotFound, TicketVoided
from handlers.history.history import EMPTY_HISTORY
from handlers.loyalty.loyalty import Account, Purchase
from store.db import Db
from store.history_sql import load_opening
from store.loyalty_sql import account_of, purchases
from store.records import Authorized, DecisionRecord, HistoryQuery, Opened, TicketOpening

KIND_AUTHORIZE = "authorize"
Decide = Callable[[Opened], DecisionRecord | None]
Write = tuple[str, list[tuple[object, ...]]]  # a statement and its rows of parameters, for Db.write_all


def authorize_job(opening: TicketOpening, query: HistoryQuery, decide: Decide) -> Callable[[Db], Authorized]:
    """Open the ticket, read history and store the decision `decide` makes of it, in one transaction; a retry is
    answered as it was (then nothing is read).

    A first answer writes each row once, decided. `decide` returns None when it cannot decide here (another policy
    version became active): the opened ticket is then committed undecided, and the same job run again under the
    active version finds it by message id and decides.
    """

    def job(db: Db) -> Authorized:
        db.lock(f"message:{opening.message_id}")
        if opening.existing_ticket_id is not None:
            db.lock(f"ticket:{opening.existing_ticket_id}")
        if query.positive_id_hash is not None:
            db.lock(f"customer:{query.positive_id_hash}")
        claimed = db.execute(
            "INSERT INTO messages (message_id, kind, digest, ticket_id, attempt_no, response, received_at)"
            " VALUES (?, ?, ?, ?, NULL, NULL, ?) ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            (
                opening.message_id,
                KIND_AUTHORIZE,
                opening.digest,
                opening.existing_ticket_id or opening.ticket_id,
                opening.received_at,
            ),
        ).fetchone()
        if claimed is not None:
            return _first_answer(db, opening, query, decide)
        digest, ticket_id, attempt_no, response = db.execute(
            "SELECT digest, ticket_id, attempt_no, response FROM messages WHERE message_id = ?", (opening.message_id,)
        ).fetchone()
        if digest != opening.digest:
            raise DuplicateConflict(f"message id {opening.message_id} was already used for a different message")
        if response is not None:
            return Authorized(Opened(ticket_id, attempt_no, EMPTY_HISTORY, bytes(response)))
        opened = _opened(db, query, ticket_id, attempt_no)
        record = decide(opened)
        if record is not None:
            db.write_all(_decision_writes(record))
        return Authorized(opened, record)

    return job


def _first_answer(db: Db, opening: TicketOpening, query: HistoryQuery, decide: Decide) -> Authorized:
    """A message seen for the first time (its claim is in): its ticket (new, or an existing one asked again),
    attempt, decision, written in one batch."""
    writes: list[Write] = []
    if opening.existing_ticket_id is None:
        ticket_id, attempt_no = opening.ticket_id, 1
    else:
        ticket_id = opening.existing_ticket_id
        attempt_no = _next_attempt(db, opening, ticket_id)
        writes.append(_update_customer(ticket_id, opening))
    opened = _opened(db, query, ticket_id, attempt_no)
    record = decide(opened)
    if opening.existing_ticket_id is None:
        writes.append(_insert_ticket(opening, record))
    elif record is not None:
        writes.append(_mark_decided(record))
    writes.append(_insert_attempt(opening, ticket_id, attempt_no, record))
    if record is not None:
        writes.append(_insert_lines(record))
    writes.append(
        (
            "UPDATE messages SET attempt_no = ?, response = ? WHERE message_id = ?",
            [(attempt_no, None if record is None else record.response, opening.message_id)],
        )
    )
    db.write_all(writes)
    return Authorized(opened, record)


def _opened(db: Db, query: HistoryQuery, ticket_id: str, attempt_no: int) -> Opened:
    history, active = load_opening(db, query)
    return Opened(ticket_id, attempt_no, history, None, active, _loyalty(db, query))


def _loyalty(db: Db, query: HistoryQuery) -> tuple[Account, dict[str, Purchase]] | None:
    """The customer's loyalty account and the purchases the returned lines come from, when there is one."""
    if query.loyalty_account_id is None:
        return None
    return account_of(db, query.loyalty_account_id), purchases(db, {sale for sale, _ in query.sale_items})


def _next_attempt(db: Db, opening: TicketOpening, ticket_id: str) -> int:
    """The number of a new attempt on an existing ticket of this store that is still open to decisions (the job
    holds the ticket's lock)."""
    row = db.execute(
        "SELECT status, (SELECT COALESCE(MAX(attempt_no), 0) FROM attempts WHERE ticket_id = ?), store_id "
        "FROM tickets WHERE ticket_id = ?",
        (ticket_id, ticket_id),
    ).fetchone()
    if row is None:
        raise TicketNotFound(f"ticket {ticket_id} does not exist")
    if row[2] != opening.store_id:
        raise StoreMismatch(f"ticket {ticket_id} belongs to another store")
    if row[0] in ("voided", "completed"):
        raise TicketVoided(f"ticket {ticket_id} is {row[0]}; start a new return")
    return int(row[1]) + 1


def _insert_ticket(opening: TicketOpening, record: DecisionRecord | None) -> Write:
    """A new ticket, with its decision when there is one (open otherwise)."""
    decided = (
        (None, None, None) if record is None else (record.response_type, record.response_code, record.policy_version)
    )
    return (
        "INSERT INTO tickets (ticket_id, store_id, register_id, cashier_id, business_date, created_at, origin, status,"
        " positive_id_hash, positive_id_display, customer_id, customer_type, customer_masked, customer_sealed,"
        " loyalty_account_id, response_type, response_code, policy_version, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                opening.ticket_id,
                opening.store_id,
                opening.register_id,
                opening.cashier_id,
                opening.business_date.isoformat(),
                opening.received_at,
                opening.origin,
                "open" if record is None else "decided",
                *_customer(opening),
                *decided,
                opening.received_at if record is None else record.responded_at,
            )
        ],
    )


def _customer(opening: TicketOpening) -> tuple[str | None, ...]:
    """The customer columns of a ticket, in table order."""
    return (
        opening.positive_id_hash,
        opening.positive_id_display,
        opening.customer_id,
        opening.customer_type,
        opening.customer_masked,
        opening.customer_sealed,
        opening.loyalty_account_id,
    )


def _update_customer(ticket_id: str, opening: TicketOpening) -> Write:
    """A re-ask may bring the positive ID the first attempt lacked."""
    return (
        "UPDATE tickets SET positive_id_hash = COALESCE(?, positive_id_hash),"
        " positive_id_display = COALESCE(?, positive_id_display), customer_id = COALESCE(?, customer_id),"
        " customer_type = COALESCE(?, customer_type), customer_masked = COALESCE(?, customer_masked),"
        " customer_sealed = COALESCE(?, customer_sealed), loyalty_account_id = COALESCE(?, loyalty_account_id),"
        " updated_at = ? WHERE ticket_id = ?",
        [(*_customer(opening), opening.received_at, ticket_id)],
    )


def _insert_attempt(opening: TicketOpening, ticket_id: str, attempt_no: int, record: DecisionRecord | None) -> Write:
    return (
        "INSERT INTO attempts (ticket_id, attempt_no, message_id, received_at, responded_at, policy_version,"
        " response_type, response_code, customer_information_required, override_used, decision_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(ticket_id, attempt_no, opening.message_id, opening.received_at, *_attempt_decision(record))],
    )


def _attempt_decision(record: DecisionRecord | None) -> tuple[str | int | None, ...]:
    """The decision columns of an attempt, in table order (all empty while undecided)."""
    if record is None:
        return (None,) * 7
    return (
        record.responded_at,
        record.policy_version,
        record.response_type,
        record.response_code,
        int(record.customer_information_required),
        int(record.override_used),
        record.decision_json,
    )


def _decision_writes(record: DecisionRecord) -> list[Write]:
    """Decide an attempt committed undecided, and remember the response as its message's answer."""
    decided: Write = (
        "UPDATE attempts SET responded_at = ?, policy_version = ?, response_type = ?, response_code = ?,"
        " customer_information_required = ?, override_used = ?, decision_json = ?"
        " WHERE ticket_id = ? AND attempt_no = ?",
        [(*_attempt_decision(record), record.ticket_id, record.attempt_no)],
    )
    remembered: Write = (
        "UPDATE messages SET response = ? WHERE message_id = ?",
        [(record.response, record.message_id)],
    )
    return [decided, _insert_lines(record), _mark_decided(record), remembered]


def _mark_decided(record: DecisionRecord) -> Write:
    return (
        "UPDATE tickets SET status = CASE status WHEN 'open' THEN 'decided' ELSE status END, response_type = ?,"
        " response_code = ?, policy_version = ?, updated_at = ? WHERE ticket_id = ?",
        [(record.response_type, record.response_code, record.policy_version, record.responded_at, record.ticket_id)],
    )


def _insert_lines(record: DecisionRecord) -> Write:
    return (
        "INSERT INTO ticket_lines (ticket_id, attempt_no, line_number, item_id, original_sale, receipted, gift_receipt,"
        " quantity, unit_price, response_type, response_code, approved_quantity, refund_amount, policy_id,"
        " pattern_watch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, attempt_no,"
        " line_number) DO UPDATE SET item_id = excluded.item_id, original_sale = excluded.original_sale,"
        " receipted = excluded.receipted, gift_receipt = excluded.gift_receipt, quantity = excluded.quantity,"
        " unit_price = excluded.unit_price, response_type = excluded.response_type,"
        " response_code = excluded.response_code, approved_quantity = excluded.approved_quantity,"
        " refund_amount = excluded.refund_amount, policy_id = excluded.policy_id,"
        " pattern_watch = excluded.pattern_watch",
        [
            (
                record.ticket_id,
                record.attempt_no,
                line.line_number,
                line.item_id,
                line.original_sale,
                int(line.receipted),
                int(line.gift_receipt),
                str(line.quantity),
                str(line.unit_price),
                line.response_type,
                line.response_code,
                str(line.approved_quantity),
                str(line.refund_amount),
                line.policy_id,
                int(line.pattern_watch),
            )
            for line in record.lines
        ],
    )
