"""Turning an engine Evaluation into the authorize response the till receives."""

from __future__ import annotations

from handlers.decision import AuthorizeResponse
from handlers.policy.engine import Evaluation


def authorize_response(
    evaluation: Evaluation, request_message_id: str, ticket_id: str, policy_version: str, overrides_available: int
) -> AuthorizeResponse:
    """The response for a ticket; overrides still available after this attempt are advertised."""
    remaining = overrides_available - (1 if evaluation.override_used else 0)
    return AuthorizeResponse(
        request_message_id=request_message_id,
        ticket_id=ticket_id,
        policy_version=policy_version,
        response=evaluation.response,
        overrides_available=max(remaining, 0),
        override_used=evaluation.override_used,
        customer_information_required=evaluation.customer_information_required,
        lines=evaluation.lines,
        receipt_messages=evaluation.receipt_messages,
    )
