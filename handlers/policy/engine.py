"""The pure policy engine: decides each line, then the transaction. No I/O, no clock: `today` is an argument.

Combination: a rule's code replaces the line's current code only when it is more severe, by response type
first (Authorization < ContingentAuthorization < ManagerOverrideableDenial < Denial) and then by priority
within the type, where priority 1 beats 2 beats 3. The transaction's response is the most severe line's.
Allowed refund tenders are the intersection of the tenders of every answer that named some; tender minimums and
maximums bound the transaction as a whole (handlers.policy.allocation).

Lines of one request that come from the same original sale line share what is left to return of it, in line
order: a line is never approved beyond what was bought, less what earlier returns and earlier lines of the request
took back (`QuantityAboveReturnable` answers with the same figure).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from handlers.decision import CodedResponse, LineDecision, LineTrace, Reason, ReceiptMessage, TraceStep
from handlers.history.history import History
from handlers.models import AuthorizeRequest, ResponseType, ReturnLine, TenderType
from handlers.policy.allocation import TenderAnswer, TenderClaim, allocate
from handlers.policy.answers import describe, match_answer
from handlers.policy.policy_model import Action, Outcome, Policy, PolicySet, ResponseCode, Rule
from handlers.policy.questions import CATALOGUE, LineContext, Value, returnable
from handlers.policy.refund import refund_amounts
from handlers.policy.selection import Selection, item_nodes, select_policy, store_scope


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The engine's verdict on a request, before a ticket id is attached."""

    lines: tuple[LineDecision, ...]
    response: CodedResponse
    customer_information_required: bool
    override_used: bool
    receipt_messages: tuple[ReceiptMessage, ...]


@dataclass(slots=True)
class _LineState:
    """What the rules of one line have set so far."""

    code: ResponseCode | None = None
    messages: tuple[str, ...] = ()
    tenders: frozenset[TenderType] | None = None
    disposition: str | None = None
    id_required: bool = False
    fees: list[Outcome] = field(default_factory=list)
    steps: list[TraceStep] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)


class LineMemo:
    """Rule outcomes shared between lines of many requests decided under one policy set. A line's rules depend only
    on the policy chosen, whether a positive ID was shown and the value each rule's question finds (dates relative
    to purchase, history counts, tenders, item attributes, amounts, ...), and of a value only on the answer it
    selects and whether it is missing: lines whose every rule selects the same answer share one run of the rules.
    The memo also keeps the values the lines of the last request it decided found, so that their traces can be
    built afterwards (`trace`) for the few lines that need one.
    """

    __slots__ = ("limit", "outcomes", "policy_set", "runs", "sources")

    def __init__(self, policy_set: PolicySet, limit: int = 200_000) -> None:
        self.policy_set = policy_set
        self.outcomes: dict[tuple[object, ...], _LineState] = {}
        self.limit = limit
        self.runs = 0  # how many times the rules ran; every other line shared an earlier run
        self.sources: list[tuple[Selection, tuple[Value, ...], bool]] = []

    def trace(self, index: int) -> LineTrace:
        """The trace `evaluate` gives line `index` (in request order) of the last request decided with this memo."""
        selection, values, has_id = self.sources[index]
        policy = selection.policy
        state = _run_policy(policy, self.policy_set, has_id, True, lambda _, at: values[at])
        return _trace(selection, state)


def evaluate(request: AuthorizeRequest, policy_set: PolicySet, history: History, today: date) -> Evaluation:
    """Decide every line of a request, then the transaction; every line carries the trace of how it was decided."""
    return _evaluate(request, policy_set, history, today, True, None)


def evaluate_untraced(
    request: AuthorizeRequest, policy_set: PolicySet, history: History, today: date, memo: LineMemo | None = None
) -> Evaluation:
    """The verdict `evaluate` gives, without the trace (every line's `trace` is None): no trace step is built, and
    with `memo` (made for `policy_set`) lines whose rules select the same answers share one run of the rules."""
    if memo is not None and memo.policy_set is not policy_set:
        raise ValueError("the memo was made for another policy set")
    if memo is not None:
        memo.sources.clear()
    return _evaluate(request, policy_set, history, today, False, memo)


def _evaluate(
    request: AuthorizeRequest,
    policy_set: PolicySet,
    history: History,
    today: date,
    traced: bool,
    memo: LineMemo | None,
) -> Evaluation:
    scope = store_scope(policy_set, request.header.store_id)
    customer_type = request.customer.customer_type if request.customer else None
    claimed: dict[tuple[str, str], Decimal] = {}
    decided = []
    for line in request.lines:
        nodes = item_nodes(policy_set, line)
        selection = select_policy(policy_set, line, nodes, scope, customer_type, today)
        chosen = (selection, nodes)
        pair = _evaluate_line(request, line, policy_set, history, today, chosen, claimed, traced, memo)
        _claim(claimed, line, pair.decision.approved_quantity)
        decided.append(pair)
    worst = max(decided, key=lambda pair: pair.code.rank)
    override_used = history.overrides_available > 0 and not worst.code.response_type.approves
    if override_used:
        claimed.clear()
        decided = [_apply_override(request, policy_set, history, pair, claimed) for pair in decided]
        worst = decided[0]
    lines = _with_tenders(request, policy_set, decided)
    return Evaluation(
        lines=lines,
        response=worst.decision.response,
        customer_information_required=any(line.customer_information_required for line in lines),
        override_used=override_used,
        receipt_messages=_union_messages(lines),
    )


class Decided(NamedTuple):
    """A decided line before its tenders: its code, the tenders its rules allow and its full refund (fees kept)."""

    decision: LineDecision
    code: ResponseCode
    allowed: frozenset[TenderType] | None
    potential: Decimal


def _claim(claimed: dict[tuple[str, str], Decimal], line: ReturnLine, approved: Decimal) -> None:
    """Record what a line takes of its original sale line, for the lines after it."""
    if line.original_sale is not None and approved > 0:
        key = (line.original_sale.key, line.item_id)
        claimed[key] = claimed.get(key, Decimal(0)) + approved


def _capped(line: ReturnLine, history: History, claimed: dict[tuple[str, str], Decimal], wanted: Decimal) -> Decimal:
    """`wanted`, never above what is left to return of the line's original sale line (when it is known)."""
    left = returnable(line, history, claimed)
    return wanted if left is None else max(min(wanted, left), Decimal(0))


def _with_tenders(request: AuthorizeRequest, policy_set: PolicySet, decided: list[Decided]) -> tuple[LineDecision, ...]:
    """Every line's refund tenders and split, allocated across the transaction in line order."""
    claims = []
    for (decision, code, allowed, potential), line in zip(decided, request.lines, strict=True):
        kind = code.response_type
        pays = kind.approves and decision.approved_quantity > 0
        amount = decision.refund_amount if pays else potential
        claims.append(TenderClaim(line.receipted, allowed, amount, pays, kind is ResponseType.DENIAL))
    answers = allocate(policy_set, claims)
    return tuple(_paid(pair.decision, answer) for pair, answer in zip(decided, answers, strict=True))


def _paid(decision: LineDecision, answer: TenderAnswer) -> LineDecision:
    """The decision with its refund tenders and split (`dataclasses.replace`, spelled out: it is on every line)."""
    d = decision
    return LineDecision(
        line_number=d.line_number,
        approved_quantity=d.approved_quantity,
        response=d.response,
        refund_tenders=answer.tenders,
        restocking_fee=d.restocking_fee,
        refund_amount=d.refund_amount,
        policy_id=d.policy_id,
        reasons=d.reasons,
        receipt_messages=d.receipt_messages,
        disposition_code=d.disposition_code,
        customer_information_required=d.customer_information_required,
        trace=d.trace,
        loyalty_preview=d.loyalty_preview,
        refund_split=answer.split,
    )


def _evaluate_line(
    request: AuthorizeRequest,
    line: ReturnLine,
    policy_set: PolicySet,
    history: History,
    today: date,
    chosen: tuple[Selection, tuple[str, ...]],
    claimed: dict[tuple[str, str], Decimal],
    traced: bool,
    memo: LineMemo | None,
) -> Decided:
    selection, nodes = chosen
    has_id = request.positive_id is not None
    context = LineContext(request, line, history, today, policy_set, nodes, {}, has_id, dict(claimed))
    policy = selection.policy
    if memo is None:
        state = _run_policy(policy, policy_set, has_id, traced, lambda rule, _: _value(rule, context))
    else:
        state = _run_shared(selection, context, memo)
    code = state.code or policy_set.codes[policy_set.settings.default_code]
    trace = _trace(selection, state) if traced else None
    approved = _capped(line, history, claimed, line.quantity) if code.response_type.approves else Decimal(0)
    decision = _line_decision(request, line, policy_set, code, state, policy, trace, approved)
    if approved is line.quantity:
        potential = decision.refund_amount
    else:
        potential = refund_amounts(line, line.quantity, state.fees, request.header.currency)[1]
    return Decided(decision, code, state.tenders, potential)


def _trace(selection: Selection, state: _LineState) -> LineTrace:
    return LineTrace(selection.candidates, f"{selection.policy.policy_id}: {selection.reason}", tuple(state.steps))


def _run_shared(selection: Selection, context: LineContext, memo: LineMemo) -> _LineState:
    """The rules' outcome for a line, shared with every earlier line of the same policy whose rules select the same
    answers (every rule's value is asked and matched, whether or not the rules reach it, so the key holds every
    input the rules read)."""
    policy, has_id = selection.policy, context.has_positive_id
    values = tuple(_value(rule, context) for rule in policy.rules)
    memo.sources.append((selection, values, has_id))
    key = (policy.policy_id, has_id, *map(_selected, policy.rules, values))
    outcomes = memo.outcomes
    state = outcomes.get(key)
    if state is None:
        state = _run_policy(policy, context.policy_set, has_id, False, lambda _, at: values[at])
        memo.runs += 1
        if len(outcomes) >= memo.limit:
            outcomes.clear()
        outcomes[key] = state
    return state


def _selected(rule: Rule, value: Value) -> tuple[int, bool]:
    """What of a value decides a rule's outcome: the answer it selects (by identity: the memo holds the policy set)
    and whether it is missing; (0, ...) when none would (the rules raise if they reach it)."""
    try:
        found = id(match_answer(rule, CATALOGUE[rule.question], value))
    except LookupError:
        found = 0
    return found, value is None


def _value(rule: Rule, context: LineContext) -> Value:
    """What a rule's question finds for the line (None when it needs a positive ID and none was shown)."""
    question = CATALOGUE[rule.question]
    if question.needs_positive_id and not context.has_positive_id:
        return None
    context.params = rule.params
    return question.ask(context)


def _run_policy(
    policy: Policy, policy_set: PolicySet, has_id: bool, traced: bool, ask: Callable[[Rule, int], Value]
) -> _LineState:
    """Run a policy's rules in order (following Continue-at and Stop); `ask` finds a rule's value (the rule and its
    position)."""
    state = _LineState()
    rules, index = policy.rules, 0
    while index < len(rules):
        rule = rules[index]
        outcome = _answer(rule, ask(rule, index), has_id, policy_set, state, traced)
        if outcome.action is Action.STOP:
            break
        if outcome.action is Action.CONTINUE_AT:
            index = next(i for i, later in enumerate(rules) if later.rule_id == outcome.next_rule)
        else:
            index += 1
    return state


def _answer(rule: Rule, value: Value, has_id: bool, policy_set: PolicySet, state: _LineState, traced: bool) -> Outcome:
    """Apply the answer `value` selects to the line's state (and its trace step when `traced`)."""
    question = CATALOGUE[rule.question]
    needs_id = question.needs_positive_id
    answer = match_answer(rule, question, value)
    outcome = answer.outcome
    code_id = outcome.code
    changed = False
    if code_id is not None:
        code = policy_set.codes[code_id]
        if state.code is None or code.rank > state.code.rank:
            state.code, changed = code, True
    if (value is None and needs_id) or (outcome.positive_id_required and not has_id):
        state.id_required = True
    if outcome.collects:
        _collect(state, outcome)
    label = answer.label
    if traced:
        state.steps.append(
            TraceStep(rule.rule_id, rule.question, describe(value), label, outcome.action_name, code_id, changed)
        )
    state.reasons.append(Reason(rule.rule_id, rule.question, label, code_id))
    return outcome


def _collect(state: _LineState, outcome: Outcome) -> None:
    if outcome.messages:
        state.messages += tuple(m for m in outcome.messages if m not in state.messages)
    if outcome.tenders is not None:
        state.tenders = outcome.tenders if state.tenders is None else state.tenders & outcome.tenders
    if outcome.disposition is not None:
        state.disposition = outcome.disposition
    if outcome.fee_percent is not None or outcome.fee_fixed is not None:
        state.fees.append(outcome)


def _descriptions(request: AuthorizeRequest, code: ResponseCode) -> CodedResponse:
    return _coded(code, request.languages)


@functools.lru_cache(maxsize=4096)
def _coded(code: ResponseCode, languages: tuple[str, ...]) -> CodedResponse:
    """A code with its descriptions in the request's languages (all of them when none match)."""
    chosen = tuple(d for d in code.descriptions if d.lang in languages) or code.descriptions
    return CodedResponse(code.response_type, code.code, chosen)


def _messages(request: AuthorizeRequest, policy_set: PolicySet, ids: tuple[str, ...]) -> tuple[ReceiptMessage, ...]:
    if not ids:
        return ()
    key = ("messages", ids, request.languages)
    return policy_set.remembered(key, tuple, lambda: _find_messages(request, policy_set, ids))


def _find_messages(
    request: AuthorizeRequest, policy_set: PolicySet, ids: tuple[str, ...]
) -> tuple[ReceiptMessage, ...]:
    wanted = set(request.languages)
    found = []
    for message_id in ids:
        message = policy_set.messages[message_id]
        texts = tuple(pair for pair in message.texts if pair[0] in wanted) or message.texts
        found.append(ReceiptMessage(message_id, texts))
    return tuple(found)


def _line_decision(
    request: AuthorizeRequest,
    line: ReturnLine,
    policy_set: PolicySet,
    code: ResponseCode,
    state: _LineState,
    policy: Policy,
    trace: LineTrace | None,
    approved: Decimal,
) -> LineDecision:
    """A line's decision; its refund tenders are filled in once every line is decided."""
    fee, refund = refund_amounts(line, approved, state.fees, request.header.currency)
    return LineDecision(
        line_number=line.line_number,
        approved_quantity=approved,
        response=_descriptions(request, code),
        refund_tenders=(),
        restocking_fee=fee,
        refund_amount=refund,
        policy_id=policy.policy_id,
        reasons=tuple(state.reasons),
        receipt_messages=_messages(request, policy_set, state.messages),
        disposition_code=state.disposition,
        customer_information_required=state.id_required,
        trace=trace,
    )


def _apply_override(
    request: AuthorizeRequest,
    policy_set: PolicySet,
    history: History,
    decided: Decided,
    claimed: dict[tuple[str, str], Decimal],
) -> Decided:
    """A customer service override approves every line in full with the dedicated code (never beyond what is left
    to return of its original sale line)."""
    decision, allowed = decided.decision, decided.allowed
    code = policy_set.codes[policy_set.settings.override_code]
    line = next(item for item in request.lines if item.line_number == decision.line_number)
    approved = _capped(line, history, claimed, line.quantity)
    _claim(claimed, line, approved)
    _, refund = refund_amounts(line, approved, [], request.header.currency)
    reason = Reason("customer-service-override", "CustomerServiceOverride", "granted", code.code)
    overridden = replace(
        decision,
        approved_quantity=approved,
        response=_descriptions(request, code),
        restocking_fee=Decimal(0).quantize(refund),
        refund_amount=refund,
        reasons=(*decision.reasons, reason),
        customer_information_required=False,
    )
    return Decided(overridden, code, allowed, refund)


def _union_messages(lines: tuple[LineDecision, ...]) -> tuple[ReceiptMessage, ...]:
    seen: dict[str, ReceiptMessage] = {}
    for line in lines:
        for message in line.receipt_messages:
            seen.setdefault(message.message_id, message)
    return tuple(seen.values())
