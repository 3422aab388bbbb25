"""Typed values of a loaded policy set: codes, hierarchies, policies, rules, answers and outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from handlers.decision import Description, ReceiptMessage
from handlers.models import ResponseType, Symbol, TenderType

T = TypeVar("T")
MEMO_LIMIT = 20_000


class Action(Symbol):
    CONTINUE = "Continue"
    CONTINUE_AT = "ContinueAt"
    STOP = "Stop"


class PolicyKind(Symbol):
    DEFAULT_RECEIPTED = "DefaultReceipted"
    DEFAULT_NONRECEIPTED = "DefaultNonreceipted"
    EXCEPTION = "Exception"


class TargetKind(Symbol):
    """What an exception policy is assigned to; the order within each axis is its specificity."""

    ALL = "all"
    NODE = "node"
    STORE_GROUP = "storeGroup"
    STORE = "store"
    ITEM = "item"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    ref: str = "*"

    @property
    def key(self) -> str:
        """A plain string naming the target, cheap to hash: 'item:123456', 'node:TV', 'all:*'."""
        return f"{self.kind.value}:{self.ref}"


ALL = Target(TargetKind.ALL)


@dataclass(frozen=True, slots=True, eq=False)
class ResponseCode:
    """A catalogue code; compared and hashed by identity (one object per code in a loaded set)."""

    code: str
    response_type: ResponseType
    priority: int
    descriptions: tuple[Description, ...]
    rank: tuple[int, int] = field(init=False)

    def __post_init__(self) -> None:
        """Larger rank is more severe: the type's severity, then priority 1 before 2 before 3."""
        object.__setattr__(self, "rank", (self.response_type.severity, -self.priority))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer sets."""

    action: Action = Action.CONTINUE
    action_name: str = Action.CONTINUE.value
    next_rule: str | None = None
    code: str | None = None
    messages: tuple[str, ...] = ()
    tenders: frozenset[TenderType] | None = None
    positive_id_required: bool = False
    disposition: str | None = None
    fee_percent: Decimal | None = None
    fee_fixed: Decimal | None = None

    collects: bool = field(init=False)

    def __post_init__(self) -> None:
        """`collects`: the answer sets more than action and code (messages, tenders, disposition or a fee)."""
        fee = self.fee_percent is not None or self.fee_fixed is not None
        collects = bool(self.messages) or self.tenders is not None or self.disposition is not None or fee
        object.__setattr__(self, "collects", collects)


class AnswerKind(Symbol):
    IS = "is"
    RANGE = "range"
    IN = "in"
    OTHERWISE = "otherwise"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: what it matches and its outcome; `label` is how reasons and traces name it."""

    kind: AnswerKind
    outcome: Outcome
    label: str
    line: int
    flag: bool | None = None
    low: Decimal = Decimal(0)
    high: Decimal | None = None
    values: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Rule:
    """A question with its answers; `lookup` finds is=/in= answers by value (None: the missing answer)."""

    rule_id: str
    question: str
    params: dict[str, str]
    answers: tuple[Answer, ...]
    line: int
    lookup: dict[object, Answer] = field(default_factory=dict)
    otherwise: Answer | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    policy_id: str
    kind: PolicyKind
    receipted: bool
    rules: tuple[Rule, ...]
    line: int
    location: Target = ALL
    merchandise: Target = ALL
    customer_types: frozenset[str] = frozenset()
    effective: date | None = None
    expires: date | None = None
    name: str | None = None

    def in_effect(self, day: date) -> bool:
        return (self.effective is None or self.effective <= day) and (self.expires is None or day <= self.expires)


@dataclass(frozen=True, slots=True)
class TenderLimit:
    tender: TenderType
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PatternWatch:
    """Items bought inside one window and returned inside another: renting or wardrobing."""

    watch_id: str
    purchase_from: date
    purchase_to: date
    return_from: date
    return_to: date
    description: str
    item_id: str | None = None
    node_id: str | None = None


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A tree of nodes with leaves (stores or items): parent of every node and leaf, depth of every node."""

    parents: dict[str, str | None]
    leaf_parents: dict[str, str]
    depths: dict[str, int]

    def ancestors(self, node: str | None) -> list[str]:
        """The node and every node above it, innermost first."""
        chain: list[str] = []
        while node is not None and node in self.parents:
            chain.append(node)
            node = self.parents[node]
        return chain


@dataclass(frozen=True, slots=True)
class Settings:
    default_code: str
    override_code: str
    receipted_fallback: TenderType
    nonreceipted_fallback: TenderType
    below_minimum_tender: TenderType


@dataclass(frozen=True, slots=True)
class PolicySet:
    version: str
    settings: Settings
    codes: dict[str, ResponseCode]
    messages: dict[str, ReceiptMessage]
    tenders: tuple[TenderLimit, ...]
    dispositions: dict[str, str]
    stores: Hierarchy
    store_groups: dict[str, frozenset[str]]
    merchandise: Hierarchy
    pattern_watches: tuple[PatternWatch, ...]
    policies: tuple[Policy, ...]
    # Indexes built once by selection.index_policies, and `memo`, a bounded cache of values derived from the set.
    by_merchandise: dict[str, tuple[Policy, ...]] = field(default_factory=dict)
    ranks: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    item_chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    memo: dict[object, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def default_policy(self, receipted: bool) -> Policy:
        kind = PolicyKind.DEFAULT_RECEIPTED if receipted else PolicyKind.DEFAULT_NONRECEIPTED
        return next(policy for policy in self.policies if policy.kind is kind)

    def remembered(self, key: tuple[object, ...], kind: type[T], compute: Callable[[], T]) -> T:
        """A value derived from this (immutable) set, computed once per key; a full memo starts over."""
        found = self.memo.get(key)
        if isinstance(found, kind):
            return found
        value = compute()
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value
        return value

    @property
    def tender_order(self) -> tuple[TenderType, ...]:
        return tuple(limit.tender for limit in self.tenders)
