"""The decision of an attempt as JSON for the ticket: every line's response and full trace.

Trace steps are stored compactly, as lists in TraceStep field order, and expanded into objects when read, so that
the write path stays cheap and researchers still see named fields.
"""

from __future__ import annotations

from typing import Any

from handlers.decision import LineDecision, TraceStep
from handlers.jsontext import compact
from handlers.loyalty.loyalty_basis import line_basis
from handlers.models import AuthorizeRequest
from handlers.policy.engine import Evaluation
from handlers.simulation.request_json import request_json

STEP_FIELDS = list(TraceStep._fields)


def decision_json(
    evaluation: Evaluation, request: AuthorizeRequest | None = None, customer_key: str | None = None
) -> str:
    """The decision. With `request`, each line keeps the loyalty figures it carried (`loyalty_basis`), and the
    decision keeps the rule inputs it was made from (no personal data), so that it can be decided again under another
    policy version; `customer_key` is the positive ID hash the history was read by (a ticket's customer may change
    between attempts), kept for that and never shown (see `expand`)."""
    lines = [_line(line) for line in evaluation.lines]
    kept = {}
    if request is not None:
        kept["request"] = request_json(request, customer_key)
        for line, asked in zip(lines, request.lines, strict=True):
            basis = line_basis(asked)
            if basis is not None:
                line["loyalty_basis"] = basis
    return compact(
        {
            "response_type": evaluation.response.response_type.value,
            "response_code": evaluation.response.code,
            "customer_information_required": evaluation.customer_information_required,
            "override_used": evaluation.override_used,
            "lines": lines,
            **kept,
        }
    )


def _line(line: LineDecision) -> dict[str, Any]:
    trace = line.trace
    return {
        "line_number": line.line_number,
        "response_type": line.response.response_type.value,
        "response_code": line.response.code,
        "approved_quantity": str(line.approved_quantity),
        "refund_amount": str(line.refund_amount),
        "restocking_fee": str(line.restocking_fee),
        "refund_tenders": [tender.value for tender in line.refund_tenders],
        "refund_split": [[part.tender.value, str(part.amount)] for part in line.refund_split],
        "disposition_code": line.disposition_code,
        "policy_id": line.policy_id,
        "customer_information_required": line.customer_information_required,
        "trace": None
        if trace is None
        else {"candidates": list(trace.candidates), "selection": trace.selection, "steps": list(trace.steps)},
    }


def expand(decision: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored decision with every trace step as an object of named fields."""
    if decision is None:
        return None
    kept = decision.get("request")
    if isinstance(kept, dict):
        kept.pop("customer_key", None)
    for line in decision.get("lines", []):
        trace = line.get("trace")
        if trace:
            trace["steps"] = [dict(zip(STEP_FIELDS, step, strict=True)) for step in trace["steps"]]
    return decision
