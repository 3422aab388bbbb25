"""Domain refusals raised by handlers; the gateway maps each `kind` to an HTTP status and a fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a document, at a line when known."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class DomainError(Exception):
    """Base of handler refusals: `code` is the fault code, `kind` one of invalid/not_found/conflict."""

    code = "DOMAIN_ERROR"
    kind = "invalid"

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems


class PolicyInvalid(DomainError):
    code = "POLICY_INVALID"


class MessageInvalid(DomainError):
    code = "MESSAGE_INVALID"


class TicketNotFound(DomainError):
    code = "TICKET_NOT_FOUND"
    kind = "not_found"


class TicketVoided(DomainError):
    code = "TICKET_VOIDED"
    kind = "conflict"


class StoreMismatch(DomainError):
    """A message names a ticket of another store: a till may only continue its own store's returns."""

    code = "STORE_MISMATCH"
    kind = "conflict"


class AmountOutOfRange(DomainError):
    """A message whose outcome the answer cannot carry (an amount beyond its type): refused, nothing written."""

    code = "VALUE_OUT_OF_RANGE"


class DuplicateConflict(DomainError):
    code = "DUPLICATE_CONFLICT"
    kind = "conflict"


class LimitReached(DomainError):
    code = "LIMIT_REACHED"
    kind = "conflict"


class NotFoundError(DomainError):
    code = "NOT_FOUND"
    kind = "not_found"


class PreconditionFailed(DomainError):
    """An If-Match that no longer matches: someone else changed the resource first."""

    code = "PRECONDITION_FAILED"
    kind = "precondition"
