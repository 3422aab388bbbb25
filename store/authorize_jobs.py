"""Write jobs of an authorize: open a ticket (or a new attempt) and read history; then store the decision."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from handlers.errors import DuplicateConflict, StoreMismatch, TicketNotFound, TicketVoided
from handlers.history import EMPTY_HISTORY
from handlers.loyalty import Account, Purchase
from store.history_sql import load_history
from store.loyalty_sql import account_of, purchases
from store.records import Authorized, DecisionRecord, HistoryQuery, Opened, TicketOpening

KIND_AUTHORIZE = "authorize"


def open_ticket_job(opening: TicketOpening, query: HistoryQuery) -> Callable[[sqlite3.Connection], Opened]:
    """A job that opens the ticket and attempt for a message and reads its history, or finds the answer already
    given (then nothing is read: a retry is answered as it was)."""

    def job(connection: sqlite3.Connection) -> Opened:
        found = connection.execute(
            "SELECT digest, ticket_id, attempt_no, response FROM messages WHERE message_id = ?", (opening.message_id,)
        ).fetchone()
        if found is None:
            ticket_id, attempt_no = _new_attempt(connection, opening)
            connection.execute(
                "INSERT INTO messages (message_id, kind, digest, ticket_id, attempt_no, received_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (opening.message_id, KIND_AUTHORIZE, opening.digest, ticket_id, attempt_no, opening.received_at),
            )
        else:
            digest, ticket_id, attempt_no, response = found
            if digest != opening.digest:
                raise DuplicateConflict(f"message id {opening.message_id} was already used for a different message")
            if response is not None:
                return Opened(ticket_id, attempt_no, EMPTY_HISTORY, response)
        history = load_history(connection, query)
        return Opened(ticket_id, attempt_no, history, None, _active(connection), _loyalty(connection, query))

    return job


def authorize_job(
    opening: TicketOpening, query: HistoryQuery, decide: Callable[[Opened], DecisionRecord | None]
) -> Callable[[sqlite3.Connection], Authorized]:
    """Open the ticket, read history and store the decision `decide` makes of it, in one transaction.

    `decide` returns None when it cannot decide here (another policy version became active); the opened ticket
    is then committed alone, and the same job run again under the active version finds it and decides.
    """
    open_job = open_ticket_job(opening, query)

    def job(connection: sqlite3.Connection) -> Authorized:
        opened = open_job(connection)
        record = None if opened.stored_response is not None else decide(opened)
        if record is None:
            return Authorized(opened)
        _store(connection, record)
        return Authorized(opened, record)

    return job


def _loyalty(connection: sqlite3.Connection, query: HistoryQuery) -> tuple[Account, dict[str, Purchase]] | None:
    """The customer's loyalty account and the purchases the returned lines come from, when there is one."""
    if query.loyalty_account_id is None:
        return None
    return account_of(connection, query.loyalty_account_id), purchases(
        connection, {sale for sale, _ in query.sale_items}
    )


def _active(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT value FROM meta WHERE key = 'active_policy'").fetchone()
    return None if row is None else str(row[0])


def _new_attempt(connection: sqlite3.Connection, opening: TicketOpening) -> tuple[str, int]:
    if opening.existing_ticket_id is None:
        _insert_ticket(connection, opening)
        ticket_id, attempt_no = opening.ticket_id, 1
    else:
        ticket_id = opening.existing_ticket_id
        row = connection.execute(
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
        attempt_no = row[1] + 1
        _update_customer(connection, ticket_id, opening)
    connection.execute(
        "INSERT INTO attempts (ticket_id, attempt_no, message_id, received_at) VALUES (?, ?, ?, ?)",
        (ticket_id, attempt_no, opening.message_id, opening.received_at),
    )
    return ticket_id, attempt_no


def _insert_ticket(connection: sqlite3.Connection, opening: TicketOpening) -> None:
    connection.execute(
        "INSERT INTO tickets (ticket_id, store_id, register_id, cashier_id, business_date, created_at, origin, status,"
        " positive_id_hash, positive_id_display, customer_id, customer_type, customer_masked, customer_sealed,"
        " loyalty_account_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            opening.ticket_id,
            opening.store_id,
            opening.register_id,
            opening.cashier_id,
            opening.business_date.isoformat(),
            opening.received_at,
            opening.origin,
            *_customer(opening),
            opening.received_at,
        ),
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


def _update_customer(connection: sqlite3.Connection, ticket_id: str, opening: TicketOpening) -> None:
    """A re-ask may bring the positive ID the first attempt lacked."""
    connection.execute(
        "UPDATE tickets SET positive_id_hash = COALESCE(?, positive_id_hash),"
        " positive_id_display = COALESCE(?, positive_id_display), customer_id = COALESCE(?, customer_id),"
        " customer_type = COALESCE(?, customer_type), customer_masked = COALESCE(?, customer_masked),"
        " customer_sealed = COALESCE(?, customer_sealed), loyalty_account_id = COALESCE(?, loyalty_account_id),"
        " updated_at = ? WHERE ticket_id = ?",
        (*_customer(opening), opening.received_at, ticket_id),
    )


def _store(connection: sqlite3.Connection, record: DecisionRecord) -> None:
    """Write the decision and remember the response as the message's answer."""
    _write_decision(connection, record)
    connection.execute("UPDATE messages SET response = ? WHERE message_id = ?", (record.response, record.message_id))


def _write_decision(connection: sqlite3.Connection, record: DecisionRecord) -> None:
    connection.execute(
        "UPDATE attempts SET responded_at = ?, policy_version = ?, response_type = ?, response_code = ?,"
        " customer_information_required = ?, override_used = ?, decision_json = ?"
        " WHERE ticket_id = ? AND attempt_no = ?",
        (
            record.responded_at,
            record.policy_version,
            record.response_type,
            record.response_code,
            int(record.customer_information_required),
            int(record.override_used),
            record.decision_json,
            record.ticket_id,
            record.attempt_no,
        ),
    )
    connection.executemany(
        "INSERT OR REPLACE INTO ticket_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    connection.execute(
        "UPDATE tickets SET status = CASE status WHEN 'open' THEN 'decided' ELSE status END, response_type = ?,"
        " response_code = ?, policy_version = ?, updated_at = ? WHERE ticket_id = ?",
        (record.response_type, record.response_code, record.policy_version, record.responded_at, record.ticket_id),
    )
