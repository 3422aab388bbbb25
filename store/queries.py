"""Read-only queries for research: one ticket in full, and ticket search with filters and paging."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from store.db import Db

_TICKET_COLUMNS = (
    "ticket_id, store_id, register_id, cashier_id, business_date, created_at, origin, status, positive_id_display,"
    " customer_id, customer_type, customer_masked, response_type, response_code, policy_version,"
    " return_transaction_id, updated_at, customer_sealed"
)


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Search criteria; every one given must match."""

    positive_id_hash: str | None = None
    customer_id: str | None = None
    cashier_id: str | None = None
    store_id: str | None = None
    item_id: str | None = None
    original_sale: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    stores: tuple[str, ...] | None = None
    limit: int = 50
    offset: int = 0


def _where(search: TicketFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    values: list[object] = []
    for column, value in (
        ("positive_id_hash", search.positive_id_hash),
        ("customer_id", search.customer_id),
        ("cashier_id", search.cashier_id),
        ("store_id", search.store_id),
        ("status", search.status),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            values.append(value)
    for column, value in (("item_id", search.item_id), ("original_sale", search.original_sale)):
        if value is not None:
            clauses.append(f"ticket_id IN (SELECT ticket_id FROM ticket_lines WHERE {column} = ?)")
            values.append(value)
    if search.stores is not None:
        clauses.append(f"store_id IN ({', '.join('?' for _ in search.stores)})")
        values.extend(search.stores)
    if search.date_from is not None:
        clauses.append("business_date >= ?")
        values.append(search.date_from.isoformat())
    if search.date_to is not None:
        clauses.append("business_date <= ?")
        values.append(search.date_to.isoformat())
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def search_statement(search: TicketFilter) -> tuple[str, tuple[object, ...]]:
    """The SQL and parameters of a ticket search: newest first (an index keeps that order, alone or within a
    status, so a page costs the same however many tickets match)."""
    where, values = _where(search)
    sql = f"SELECT {_TICKET_COLUMNS} FROM tickets{where} ORDER BY created_at DESC, ticket_id LIMIT ? OFFSET ?"
    return sql, (*values, search.limit, search.offset)


def search_tickets(search: TicketFilter) -> Callable[[Db], list[dict[str, Any]]]:
    def job(db: Db) -> list[dict[str, Any]]:
        cursor = db.execute(*search_statement(search))
        return [_ticket(cursor.description, row) for row in cursor.fetchall()]

    return job


def get_ticket(ticket_id: str) -> Callable[[Db], dict[str, Any] | None]:
    """The whole ticket: header, every attempt with its decision and trace, and its final results."""

    def job(db: Db) -> dict[str, Any] | None:
        cursor = db.execute(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE ticket_id = ?", (ticket_id,))
        row = cursor.fetchone()
        if row is None:
            return None
        ticket = _ticket(cursor.description, row)
        ticket["attempts"] = _attempts(db, ticket_id)
        ticket["final_results"] = _final_results(db, ticket_id)
        return ticket

    return job


def _ticket(description: Any, row: Any) -> dict[str, Any]:
    ticket = {column[0]: value for column, value in zip(description, row, strict=True)}
    masked = ticket.pop("customer_masked")
    ticket["customer"] = json.loads(masked) if masked else None
    return ticket


def _attempts(db: Db, ticket_id: str) -> list[dict[str, Any]]:
    sql = (
        "SELECT attempt_no, message_id, received_at, responded_at, policy_version, response_type, response_code,"
        " customer_information_required, override_used, decision_json FROM attempts WHERE ticket_id = ?"
        " ORDER BY attempt_no"
    )
    attempts = []
    cursor = db.execute(sql, (ticket_id,))
    for row in cursor.fetchall():
        attempt = {column[0]: value for column, value in zip(cursor.description, row, strict=True)}
        decision = attempt.pop("decision_json")
        attempt["decision"] = json.loads(decision) if decision else None
        attempt["customer_information_required"] = bool(attempt["customer_information_required"])
        attempt["override_used"] = bool(attempt["override_used"])
        attempts.append(attempt)
    return attempts


def _final_results(db: Db, ticket_id: str) -> list[dict[str, Any]]:
    sql = (
        "SELECT message_id, return_transaction_id, voided, business_date, received_at, result_json"
        " FROM final_results WHERE ticket_id = ? ORDER BY received_at"
    )
    rows = db.execute(sql, (ticket_id,)).fetchall()
    return [
        {
            "message_id": message_id,
            "return_transaction_id": transaction,
            "voided": bool(voided),
            "business_date": business_date,
            "received_at": received_at,
            "result": json.loads(result),
        }
        for message_id, transaction, voided, business_date, received_at, result in rows
    ]
