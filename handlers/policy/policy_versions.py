"""Policy document versions, and what the loader makes of a document so that it means what it says.

Version 2 (`urn:returns-gateway:policy:v2`) requires `receipted` on every policy. A version 1 document is still
read when every exception policy says `receipted`: version 1 silently made an exception policy without it a
nonreceipted-only policy, so such a policy is refused, with its line and the fix. A default policy's `receipted`
must match its kind. A location node or store group that covers every store of the hierarchy is read as all stores,
so that it ties with an `all="true"` policy as it does in fact.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace

from lxml import etree

from handlers.errors import Problem
from handlers.policy.policy_model import ALL, Policy, PolicyKind, PolicySet, Target, TargetKind

POLICY_NS = "urn:returns-gateway:policy:v2"
POLICY_NS_V1 = "urn:returns-gateway:policy:v1"
POLICY_ROOTS = frozenset({f"{{{POLICY_NS}}}PolicySet", f"{{{POLICY_NS_V1}}}PolicySet"})
Element = etree._Element


def upgrade(root: Element) -> tuple[Element, list[Problem], tuple[str, ...]]:
    """A validated document in version 2 terms: (root, problems, notes). A version 2 document is returned as it is;
    a version 1 document is copied into the version 2 namespace when it means the same there."""
    problems = list(_default_kinds(root))
    if etree.QName(root).namespace != POLICY_NS_V1:
        return root, problems, ()
    problems += list(_unsaid_receipted(root))
    upgraded = copy.deepcopy(root)
    for element in upgraded.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == POLICY_NS_V1:
            element.tag = f"{{{POLICY_NS}}}{etree.QName(element).localname}"
    etree.cleanup_namespaces(upgraded)
    note = (
        f"written in {POLICY_NS_V1}, read as {POLICY_NS}: to upgrade, change the namespace and give every policy "
        'receipted="true" or receipted="false"'
    )
    return upgraded, problems, (note,)


def _policies(root: Element) -> Iterator[Element]:
    namespace = etree.QName(root).namespace
    yield from root.iter(f"{{{namespace}}}Policy")


def _unsaid_receipted(root: Element) -> Iterator[Problem]:
    for policy in _policies(root):
        if policy.get("kind") == PolicyKind.EXCEPTION.value and policy.get("receipted") is None:
            yield Problem(
                f"exception policy '{policy.get('id')}' does not say receipted: {POLICY_NS_V1} read it as nonreceipted"
                ' only; add receipted="false" to keep that meaning or receipted="true" for receipted returns'
                f" (and move the document to {POLICY_NS}, where receipted is required)",
                policy.sourceline,
            )


def _default_kinds(root: Element) -> Iterator[Problem]:
    expected = {PolicyKind.DEFAULT_RECEIPTED.value: "true", PolicyKind.DEFAULT_NONRECEIPTED.value: "false"}
    for policy in _policies(root):
        wanted, said = expected.get(policy.get("kind", "")), policy.get("receipted")
        if wanted is not None and said is not None and {"1": "true", "0": "false"}.get(said, said) != wanted:
            yield Problem(
                f"default policy '{policy.get('id')}' of kind {policy.get('kind')} says receipted=\"{said}\";"
                f' write receipted="{wanted}"',
                policy.sourceline,
            )


def widen_locations(policy_set: PolicySet) -> PolicySet:
    """Exception policies on a store node or group that covers every store are on all stores."""
    every = frozenset(policy_set.stores.leaf_parents)
    if not every:
        return policy_set
    policies = tuple(_widened(policy_set, policy, every) for policy in policy_set.policies)
    return replace(policy_set, policies=policies)


def _widened(policy_set: PolicySet, policy: Policy, every: frozenset[str]) -> Policy:
    if policy.kind is not PolicyKind.EXCEPTION or policy.location.kind not in (TargetKind.NODE, TargetKind.STORE_GROUP):
        return policy
    return replace(policy, location=ALL) if _covered(policy_set, policy.location) >= every else policy


def _covered(policy_set: PolicySet, target: Target) -> frozenset[str]:
    if target.kind is TargetKind.STORE_GROUP:
        return policy_set.store_groups.get(target.ref, frozenset())
    stores = policy_set.stores
    return frozenset(store for store, parent in stores.leaf_parents.items() if target.ref in stores.ancestors(parent))
