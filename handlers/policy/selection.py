"""Choosing the policy for a line: the most specific exception policy in effect, else the matching default.

Specificity compares merchandise first (the item designation supersedes the store designation), then
location, then customer type:
- merchandise: an exact item beats any node; a deeper node beats a shallower one; "all" comes last;
- location: an exact store beats a store group, which beats any node; deeper nodes beat shallower ones;
- a policy limited to customer types beats one open to every customer.
The loader rejects two exception policies that could tie, so the order of the document never decides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from handlers.models import ReturnLine
from handlers.policy.policy_model import ALL, Policy, PolicyKind, PolicySet, Target, TargetKind

_ITEM_RANK = 1000
_STORE_RANK, _GROUP_RANK = 1000, 500


@dataclass(frozen=True, slots=True)
class StoreScope:
    """Where a return happens: the store, its groups and its hierarchy nodes."""

    store_id: str
    groups: frozenset[str]
    nodes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Selection:
    policy: Policy
    candidates: tuple[str, ...]
    reason: str


def index_policies(policy_set: PolicySet) -> PolicySet:
    """The same set with exception policies indexed by their merchandise target."""
    index: dict[str, list[Policy]] = {}
    for policy in policy_set.policies:
        if policy.kind is PolicyKind.EXCEPTION:
            index.setdefault(policy.merchandise.key, []).append(policy)
    ranks = {policy.policy_id: specificity(policy_set, policy) for policy in policy_set.policies}
    return replace(policy_set, by_merchandise={target: tuple(found) for target, found in index.items()}, ranks=ranks)


def store_scope(policy_set: PolicySet, store_id: str) -> StoreScope:
    """The store's groups and nodes (remembered per store: the policy set never changes once loaded)."""
    return policy_set.remembered(("scope", store_id), StoreScope, lambda: _store_scope(policy_set, store_id))


def _store_scope(policy_set: PolicySet, store_id: str) -> StoreScope:
    groups = frozenset(group for group, stores in policy_set.store_groups.items() if store_id in stores)
    parent = policy_set.stores.leaf_parents.get(store_id)
    return StoreScope(store_id, groups, frozenset(policy_set.stores.ancestors(parent)))


def item_nodes(policy_set: PolicySet, line: ReturnLine) -> tuple[str, ...]:
    """The merchandise nodes above an item, innermost first; the till's hints for items the policy lacks."""
    chain = policy_set.item_chains.get(line.item_id)
    if chain is not None:
        return chain
    tree = policy_set.merchandise
    parent = tree.leaf_parents.get(line.item_id)
    if parent is None:
        known = [hint for hint in line.merchandise_hints if hint in tree.parents]
        parent = max(known, key=tree.depths.__getitem__, default=None)
    return tuple(tree.ancestors(parent))


def specificity(policy_set: PolicySet, policy: Policy) -> tuple[int, int, int]:
    """Larger is more specific: (merchandise, location, customer type)."""
    return (
        _rank(policy.merchandise, policy_set.merchandise.depths, _ITEM_RANK),
        _rank(policy.location, policy_set.stores.depths, _STORE_RANK),
        1 if policy.customer_types else 0,
    )


def _rank(target: Target, depths: dict[str, int], exact_rank: int) -> int:
    if target.kind is TargetKind.NODE:
        return depths.get(target.ref, 0)
    if target.kind is TargetKind.STORE_GROUP:
        return _GROUP_RANK
    return 0 if target.kind is TargetKind.ALL else exact_rank


def _location_matches(target: Target, scope: StoreScope) -> bool:
    kind = target.kind
    if kind is TargetKind.ALL:
        return True
    if kind is TargetKind.STORE:
        return target.ref == scope.store_id
    if kind is TargetKind.STORE_GROUP:
        return target.ref in scope.groups
    return target.ref in scope.nodes


def select_policy(
    policy_set: PolicySet,
    line: ReturnLine,
    nodes: tuple[str, ...],
    scope: StoreScope,
    customer_type: str | None,
    day: date,
) -> Selection:
    """The policy deciding a line on `day`, the candidates considered, and why the winner won.

    Selection depends only on these inputs and the (immutable) policy set, so it is remembered per combination.
    """
    key = ("selection", line.item_id, nodes, scope.store_id, line.receipted, customer_type, day)
    return policy_set.remembered(key, Selection, lambda: _select(policy_set, line, nodes, scope, customer_type, day))


def _select(
    policy_set: PolicySet,
    line: ReturnLine,
    nodes: tuple[str, ...],
    scope: StoreScope,
    customer_type: str | None,
    day: date,
) -> Selection:
    targets = (f"item:{line.item_id}", *(f"node:{node}" for node in nodes), ALL.key)
    matching = [
        policy
        for target in targets
        for policy in policy_set.by_merchandise.get(target, ())
        if policy.receipted == line.receipted
        and policy.in_effect(day)
        and _location_matches(policy.location, scope)
        and (not policy.customer_types or customer_type in policy.customer_types)
    ]
    if not matching:
        default = policy_set.default_policy(line.receipted)
        flag = "receipted" if line.receipted else "nonreceipted"
        return Selection(default, (), f"no exception policy applies; the {flag} default")
    ranks = policy_set.ranks
    ranked = sorted(matching, key=lambda policy: ranks[policy.policy_id], reverse=True)
    winner = ranked[0]
    names = tuple(f"{p.policy_id}{ranks[p.policy_id]}" for p in ranked)
    reason = f"most specific (merchandise, location, customer type) = {ranks[winner.policy_id]}"
    return Selection(winner, names, reason)
