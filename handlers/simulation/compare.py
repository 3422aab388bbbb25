"""Comparing a stored decision with the draft's: what changed on each line, and the rule that made it change."""

from __future__ import annotations

from typing import Any

from handlers.decision import LineDecision, LineTrace
from handlers.policy.engine import Evaluation

Outcome = tuple[str, str, str, str, tuple[str, ...]]


def stored_outcome(line: dict[str, Any]) -> Outcome:
    """A stored line's response type and code, approved quantity, refund and tenders."""
    return (
        line["response_type"],
        line["response_code"],
        line["approved_quantity"],
        line["refund_amount"],
        tuple(line["refund_tenders"]),
    )


def new_outcome(line: LineDecision) -> Outcome:
    return (
        line.response.response_type.value,
        line.response.code,
        str(line.approved_quantity),
        str(line.refund_amount),
        tuple(tender.value for tender in line.refund_tenders),
    )


def transaction_changed(stored: dict[str, Any], evaluation: Evaluation) -> bool:
    return (
        stored["response_type"] != evaluation.response.response_type.value
        or stored["response_code"] != evaluation.response.code
        or bool(stored["override_used"]) != evaluation.override_used
    )


def cause(
    before: dict[str, Any], after: LineDecision, trace: LineTrace | None, override_changed: bool
) -> tuple[str, str]:
    """The rule that made a line change, as (rule key for ranking, a sentence for the changed ticket); `trace` is
    how the line was decided again."""
    if override_changed:
        return "customer-service-override", "a customer service override applies differently"
    if before["policy_id"] != after.policy_id:
        key = f"policy {after.policy_id}"
        return key, f"decided by policy {after.policy_id} instead of {before['policy_id']}"
    old_steps = (before.get("trace") or {}).get("steps") or []
    new_steps = trace.steps if trace else ()
    for old, new in zip(old_steps, new_steps, strict=False):
        rule, question, old_input, old_answer, _, old_code = old[0], old[1], old[2], old[3], old[4], old[5]
        if rule != new.rule or old_answer != new.answer or old_code != new.code:
            key = f"{after.policy_id}/{new.rule}"
            if rule != new.rule:
                return key, f"rule {new.rule} asked where {rule} was"
            was = "" if (question, old_input) == (new.question, new.input_value) else f" (was {question} = {old_input})"
            return key, (
                f"{new.rule} ({new.question} = {new.input_value}): {old_answer} [{old_code or '-'}] -> "
                f"{new.answer} [{new.code or '-'}]{was}"
            )
    if len(old_steps) != len(new_steps):
        return f"{after.policy_id}/(rules)", "the policy asks a different number of rules"
    return f"{after.policy_id}/(settings)", "same rules and answers; tenders, fees or codes of the set differ"
