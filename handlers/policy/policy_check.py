"""Semantic checks of a policy set: references, defaults, answer coverage, forward jumps and exception ties."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import combinations

from handlers.errors import Problem
from handlers.policy.policy_model import (
    Action,
    Answer,
    AnswerKind,
    Policy,
    PolicyKind,
    PolicySet,
    Rule,
    Target,
    TargetKind,
)
from handlers.policy.questions import CATALOGUE, PARAM_CHECKS, Kind, Question

_ALLOWED_ANSWERS = {
    Kind.BOOL: {AnswerKind.IS, AnswerKind.OTHERWISE},
    Kind.NUMBER: {AnswerKind.RANGE},
    Kind.CHOICE: {AnswerKind.IN, AnswerKind.OTHERWISE},
    Kind.ANY_OF: {AnswerKind.IN, AnswerKind.OTHERWISE},
}


def check_policy_set(policy_set: PolicySet) -> list[Problem]:
    """Every semantic problem of the set, in document order."""
    problems = list(_check_settings(policy_set))
    problems += _check_defaults(policy_set)
    for policy in policy_set.policies:
        problems += _check_assignment(policy_set, policy)
        for index, rule in enumerate(policy.rules):
            problems += _check_rule(policy_set, policy, index, rule)
    problems += _check_ties(policy_set)
    return sorted(problems, key=lambda problem: problem.line or 0)


def _check_settings(policy_set: PolicySet) -> Iterator[Problem]:
    for code in (policy_set.settings.default_code, policy_set.settings.override_code):
        if code not in policy_set.codes:
            yield Problem(f"settings name unknown response code '{code}'")
    for watch in policy_set.pattern_watches:
        known = watch.item_id in policy_set.merchandise.leaf_parents or watch.node_id in policy_set.merchandise.parents
        if not known or (watch.item_id is None) == (watch.node_id is None):
            yield Problem(f"pattern watch '{watch.watch_id}' needs one known item or merchandise node")


def _check_defaults(policy_set: PolicySet) -> Iterator[Problem]:
    for kind in (PolicyKind.DEFAULT_RECEIPTED, PolicyKind.DEFAULT_NONRECEIPTED):
        found = [policy for policy in policy_set.policies if policy.kind is kind]
        if not found:
            yield Problem(f"the {kind.value} default policy is missing")
        for extra in found[1:]:
            yield Problem(f"a second {kind.value} default policy '{extra.policy_id}'", extra.line)


def _check_assignment(policy_set: PolicySet, policy: Policy) -> Iterator[Problem]:
    if policy.kind is not PolicyKind.EXCEPTION:
        return
    location, merchandise = policy.location, policy.merchandise
    if location.kind is TargetKind.ITEM or merchandise.kind in (TargetKind.STORE, TargetKind.STORE_GROUP):
        yield Problem(f"policy '{policy.policy_id}' mixes location and merchandise targets", policy.line)
    elif not _target_known(policy_set, location, merchandise=False):
        yield Problem(f"policy '{policy.policy_id}' names unknown location '{location.ref}'", policy.line)
    elif not _target_known(policy_set, merchandise, merchandise=True):
        yield Problem(f"policy '{policy.policy_id}' names unknown merchandise '{merchandise.ref}'", policy.line)
    if policy.effective and policy.expires and policy.expires < policy.effective:
        yield Problem(f"policy '{policy.policy_id}' expires before it takes effect", policy.line)


def _target_known(policy_set: PolicySet, target: Target, merchandise: bool) -> bool:
    tree = policy_set.merchandise if merchandise else policy_set.stores
    if target.kind is TargetKind.ALL:
        return True
    if target.kind is TargetKind.NODE:
        return target.ref in tree.parents
    if target.kind is TargetKind.STORE_GROUP:
        return target.ref in policy_set.store_groups
    return target.ref in tree.leaf_parents


def _check_rule(policy_set: PolicySet, policy: Policy, index: int, rule: Rule) -> Iterator[Problem]:
    where = f"policy '{policy.policy_id}' rule '{rule.rule_id}'"
    if any(other.rule_id == rule.rule_id for other in policy.rules[:index]):
        yield Problem(f"{where}: duplicate rule id", rule.line)
    question = CATALOGUE.get(rule.question)
    if question is None:
        yield Problem(f"{where}: unknown question '{rule.question}'", rule.line)
        return
    yield from _check_params(where, question, rule)
    later = {other.rule_id for other in policy.rules[index + 1 :]}
    for answer in rule.answers:
        yield from _check_outcome(policy_set, where, answer, later)
    yield from _check_coverage(where, question, rule)


def _check_params(where: str, question: Question, rule: Rule) -> Iterator[Problem]:
    allowed = question.params + question.optional_params
    for name in question.params:
        if name not in rule.params:
            yield Problem(f"{where}: parameter '{name}' is required", rule.line)
    for name, value in rule.params.items():
        if name not in allowed:
            yield Problem(f"{where}: unknown parameter '{name}'", rule.line)
        elif not PARAM_CHECKS[name](value):
            yield Problem(f"{where}: parameter '{name}' has a bad value '{value}'", rule.line)


def _check_outcome(policy_set: PolicySet, where: str, answer: Answer, later: set[str]) -> Iterator[Problem]:
    outcome, line = answer.outcome, answer.line
    if outcome.code is not None and outcome.code not in policy_set.codes:
        yield Problem(f"{where}: unknown response code '{outcome.code}'", line)
    for message in outcome.messages:
        if message not in policy_set.messages:
            yield Problem(f"{where}: unknown receipt message '{message}'", line)
    for tender in sorted(t.value for t in (outcome.tenders or frozenset()) - set(policy_set.tender_order)):
        yield Problem(f"{where}: tender '{tender}' is not an accepted refund tender", line)
    if outcome.disposition is not None and outcome.disposition not in policy_set.dispositions:
        yield Problem(f"{where}: unknown disposition '{outcome.disposition}'", line)
    if outcome.fee_percent is not None and outcome.fee_fixed is not None:
        yield Problem(f"{where}: a restocking fee is a percent or a fixed amount, not both", line)
    if outcome.fee_percent is not None and outcome.fee_percent > 100:
        yield Problem(f"{where}: a restocking fee above 100 percent", line)
    if outcome.action is Action.CONTINUE_AT and outcome.next_rule not in later:
        yield Problem(f"{where}: ContinueAt '{outcome.next_rule}' is not a later rule of the policy", line)
    if outcome.action is not Action.CONTINUE_AT and outcome.next_rule is not None:
        yield Problem(f"{where}: 'next' is only for ContinueAt", line)


def _check_coverage(where: str, question: Question, rule: Rule) -> Iterator[Problem]:
    allowed = _ALLOWED_ANSWERS[question.kind] | {AnswerKind.MISSING}
    for answer in rule.answers:
        if answer.kind not in allowed:
            yield Problem(f"{where}: '{answer.label}' is not an answer to {question.name}", answer.line)
    for special in (AnswerKind.OTHERWISE, AnswerKind.MISSING):
        extra = [answer for answer in rule.answers if answer.kind is special][1:]
        yield from (Problem(f"{where}: answers overlap ('{special.value}' twice)", a.line) for a in extra)
    may_be_missing = question.may_be_missing or question.needs_positive_id
    has_missing = any(answer.kind is AnswerKind.MISSING for answer in rule.answers)
    if may_be_missing and not has_missing:
        yield Problem(f"{where}: answers leave a gap: no answer for a missing input", rule.line)
    if not may_be_missing and has_missing:
        yield Problem(f"{where}: {question.name} is never missing; drop the missing answer", rule.line)
    if question.kind is Kind.NUMBER:
        yield from _check_ranges(where, rule)
    else:
        yield from _check_values(where, question, rule)


def _check_ranges(where: str, rule: Rule) -> Iterator[Problem]:
    ranges = sorted((a for a in rule.answers if a.kind is AnswerKind.RANGE), key=lambda a: a.low)
    expected: Decimal | None = Decimal(0)
    for answer in ranges:
        if answer.high is not None and answer.high <= answer.low:
            yield Problem(f"{where}: empty range {answer.label}", answer.line)
        if expected is None or answer.low < expected:
            yield Problem(f"{where}: answers overlap at {answer.label}", answer.line)
        elif answer.low > expected:
            yield Problem(f"{where}: answers leave a gap from {expected} to {answer.low}", answer.line)
        expected = answer.high
    if expected is not None:
        yield Problem(f"{where}: answers leave a gap from {expected} upwards", rule.line)


def _check_values(where: str, question: Question, rule: Rule) -> Iterator[Problem]:
    seen: set[str] = set()
    for answer in rule.answers:
        values = answer.values if answer.kind is AnswerKind.IN else set()
        if answer.kind is AnswerKind.IS:
            values = {str(answer.flag).lower()}
        for value in sorted(values & seen):
            yield Problem(f"{where}: answers overlap on '{value}'", answer.line)
        if question.domain is not None:
            for value in sorted(values - question.domain):
                yield Problem(f"{where}: '{value}' is not a possible answer", answer.line)
        seen |= values
    domain = {"true", "false"} if question.kind is Kind.BOOL else question.domain
    if any(answer.kind is AnswerKind.OTHERWISE for answer in rule.answers):
        return
    if domain is None:
        yield Problem(f"{where}: answers leave a gap: add an otherwise answer", rule.line)
    elif domain - seen:
        yield Problem(f"{where}: answers leave a gap: {' '.join(sorted(domain - seen))}", rule.line)


def _check_ties(policy_set: PolicySet) -> Iterator[Problem]:
    exceptions = [policy for policy in policy_set.policies if policy.kind is PolicyKind.EXCEPTION]
    for first, second in combinations(exceptions, 2):
        if _tie(policy_set, first, second):
            yield Problem(
                f"exception policies '{first.policy_id}' and '{second.policy_id}' tie: same specificity, "
                "overlapping stores, items, customer types and dates",
                second.line,
            )


def _tie(policy_set: PolicySet, first: Policy, second: Policy) -> bool:
    if first.receipted != second.receipted or first.merchandise != second.merchandise:
        return False
    if bool(first.customer_types) != bool(second.customer_types):
        return False
    if first.customer_types and not first.customer_types & second.customer_types:
        return False
    if not _dates_overlap(first, second):
        return False
    return _locations_overlap(policy_set, first.location, second.location)


def _dates_overlap(first: Policy, second: Policy) -> bool:
    starts_before_other_ends = first.effective is None or second.expires is None or first.effective <= second.expires
    ends_after_other_starts = first.expires is None or second.effective is None or second.effective <= first.expires
    return starts_before_other_ends and ends_after_other_starts


def _locations_overlap(policy_set: PolicySet, first: Target, second: Target) -> bool:
    if first == second:
        return True
    if first.kind is TargetKind.STORE_GROUP and second.kind is TargetKind.STORE_GROUP:
        return bool(
            policy_set.store_groups.get(first.ref, frozenset()) & policy_set.store_groups.get(second.ref, frozenset())
        )
    return False
