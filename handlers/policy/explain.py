"""The decision trace in readable form: which policy decided each line, why, and every rule's answer."""

from __future__ import annotations

from handlers.decision import LineDecision
from handlers.policy.engine import Evaluation


def explain(evaluation: Evaluation) -> str:
    """A few lines per request line, then the transaction's verdict."""
    parts = [_explain_line(line) for line in evaluation.lines]
    response = evaluation.response
    parts.append(f"transaction: {response.response_type.value} {response.code} (the most severe line)")
    if evaluation.override_used:
        parts.append("a customer service override approved every line")
    if evaluation.customer_information_required:
        parts.append("customer information required: ask for a positive ID and send the request again")
    return "\n".join(parts)


def _explain_line(line: LineDecision) -> str:
    trace = line.trace
    response = line.response
    out = [f"line {line.line_number}: {response.response_type.value} {response.code}, policy {line.policy_id}"]
    if trace is not None:
        out.append(f"  chosen: {trace.selection}")
        if trace.candidates:
            out.append(f"  candidates: {', '.join(trace.candidates)}")
        for step in trace.steps:
            changed = " (sets the line's code)" if step.changed_code else ""
            code = f" code {step.code}" if step.code else ""
            out.append(
                f"  rule {step.rule} {step.question}: input {step.input_value} -> answer {step.answer},"
                f" {step.action}{code}{changed}"
            )
    out.append(
        f"  approved {line.approved_quantity}, refund {line.refund_amount}, fee {line.restocking_fee},"
        f" tenders {' '.join(t.value for t in line.refund_tenders) or '-'}"
    )
    if line.refund_split:
        split = ", ".join(f"{part.tender.value} {part.amount}" for part in line.refund_split)
        out.append(f"  paid as {split} (tender limits apply to the whole transaction)")
    return "\n".join(out)
