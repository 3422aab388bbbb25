"""The difference between two policy sets, side by side: settings, response codes, each policy's assignment and
rules, and each rule's answers (what they match, the action and the code). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, fields

from handlers.policy.policy_model import Answer, Policy, PolicySet, Rule


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One compared fact: where it is, its value in each version ('' when absent), and how it changed."""

    section: str
    subject: str
    left: str
    right: str

    @property
    def change(self) -> str:
        if self.left == self.right:
            return "same"
        if not self.left:
            return "added"
        return "removed" if not self.right else "changed"


def _answer(answer: Answer) -> str:
    outcome = answer.outcome
    jump = f" to {outcome.next_rule}" if outcome.next_rule else ""
    code = f", code {outcome.code}" if outcome.code else ""
    return f"{outcome.action_name}{jump}{code}"


def _rule_facts(rule: Rule) -> dict[str, str]:
    facts = {"question": rule.question}
    facts.update({f"param {name}": value for name, value in sorted(rule.params.items())})
    facts.update({f"answer {answer.label}": _answer(answer) for answer in rule.answers})
    return facts


def _policy_facts(policy: Policy) -> dict[str, str]:
    facts = {
        "kind": policy.kind.value,
        "receipted": "yes" if policy.receipted else "no",
        "location": policy.location.key,
        "merchandise": policy.merchandise.key,
        "customer types": ", ".join(sorted(policy.customer_types)) or "any",
        "effective": f"{policy.effective or 'always'} to {policy.expires or 'open'}",
        "rule order": " > ".join(rule.rule_id for rule in policy.rules),
    }
    for rule in policy.rules:
        facts.update({f"rule {rule.rule_id}: {key}": value for key, value in _rule_facts(rule).items()})
    return facts


def _section(section: str, left: dict[str, str], right: dict[str, str]) -> list[DiffRow]:
    keys = list(left) + [key for key in right if key not in left]
    return [DiffRow(section, key, left.get(key, ""), right.get(key, "")) for key in keys]


def _settings(policy_set: PolicySet) -> dict[str, str]:
    settings = policy_set.settings
    return {
        item.name: str(getattr(getattr(settings, item.name), "value", getattr(settings, item.name)))
        for item in fields(settings)
    }


def _codes(policy_set: PolicySet) -> dict[str, str]:
    return {
        code: f"{found.response_type.value}, priority {found.priority}"
        for code, found in sorted(policy_set.codes.items())
    }


def diff_policy_sets(left: PolicySet, right: PolicySet) -> list[DiffRow]:
    """Every fact of both sets in document order (left first), grouped by section; exception policies by id."""
    rows = _section("Settings", _settings(left), _settings(right))
    rows += _section("Response codes", _codes(left), _codes(right))
    left_policies = {policy.policy_id: policy for policy in left.policies}
    right_policies = {policy.policy_id: policy for policy in right.policies}
    for policy_id in list(left_policies) + [key for key in right_policies if key not in left_policies]:
        left_facts = _policy_facts(left_policies[policy_id]) if policy_id in left_policies else {}
        right_facts = _policy_facts(right_policies[policy_id]) if policy_id in right_policies else {}
        found = left_policies.get(policy_id) or right_policies[policy_id]
        label = "Exception policy" if found.kind.value == "Exception" else "Default policy"
        rows += _section(f"{label} {policy_id}", left_facts, right_facts)
    return rows
