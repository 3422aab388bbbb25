"""The decision of an attempt as JSON for the ticket: every line's response, reasons and full trace."""

from __future__ import annotations

import json
from typing import Any

from handlers.decision import LineDecision
from handlers.engine import Evaluation


def decision_json(evaluation: Evaluation) -> str:
    return json.dumps(
        {
            "response_type": evaluation.response.response_type.value,
            "response_code": evaluation.response.code,
            "customer_information_required": evaluation.customer_information_required,
            "override_used": evaluation.override_used,
            "lines": [_line(line) for line in evaluation.lines],
        },
        separators=(",", ":"),
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
        "disposition_code": line.disposition_code,
        "policy_id": line.policy_id,
        "customer_information_required": line.customer_information_required,
        "reasons": [reason._asdict() for reason in line.reasons],
        "trace": None
        if trace is None
        else {
            "candidates": list(trace.candidates),
            "selection": trace.selection,
            "steps": [step._asdict() for step in trace.steps],
        },
    }
