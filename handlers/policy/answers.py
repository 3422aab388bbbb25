"""Matching the value a question found to the one answer of a rule that takes it, and writing values as traces
show them."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from handlers.policy.policy_model import Answer, AnswerKind, Rule
from handlers.policy.questions import Kind, Question, Value


def match_answer(rule: Rule, question: Question, value: Value) -> Answer:
    """The answer a value selects; the loader guarantees exactly one exists."""
    kind = question.kind
    if value is None or kind is Kind.BOOL or kind is Kind.CHOICE:
        found = rule.lookup.get(value)
    elif kind is Kind.NUMBER:
        number = cast(Decimal, value)
        found = next(
            (
                a
                for a in rule.answers
                if a.kind is AnswerKind.RANGE and a.low <= number and (a.high is None or number < a.high)
            ),
            None,
        )
    else:
        chosen = cast(frozenset[str], value)
        found = next((a for a in rule.answers if a.kind is AnswerKind.IN and a.values & chosen), None)
    if found is None and value is not None:
        found = rule.otherwise
    if found is None:
        raise LookupError(f"rule '{rule.rule_id}' has no answer for {describe(value)}")
    return found


def describe(value: Value) -> str:
    """A value as the trace shows it."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, frozenset):
        return " ".join(sorted(value))
    return str(value)
