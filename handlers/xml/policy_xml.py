"""Reading a validated policy document into a PolicySet, noting duplicates and broken references by line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import etree

from handlers.decision import Description, ReceiptMessage
from handlers.errors import Problem
from handlers.models import ResponseType, TenderType
from handlers.policy.policy_model import (
    ALL,
    Action,
    Answer,
    AnswerKind,
    Hierarchy,
    Outcome,
    PatternWatch,
    Policy,
    PolicyKind,
    PolicySet,
    ResponseCode,
    Rule,
    Settings,
    Target,
    TargetKind,
    TenderLimit,
)
from handlers.policy.policy_versions import POLICY_NS, upgrade, widen_locations
from handlers.xml.xmlcommon import required, required_text

PNS = POLICY_NS
Element = etree._Element


def p(name: str) -> str:
    return f"{{{PNS}}}{name}"


def _line(element: Element) -> int:
    return element.sourceline or 0


def _find(element: Element, name: str) -> Element:
    return required(element, p(name))


def _text(element: Element, name: str) -> str:
    return required_text(element, p(name))


def _words(value: str | None) -> tuple[str, ...]:
    return tuple(value.split()) if value else ()


def _opt_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _opt_decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None


class PolicyReader:
    """Builds a PolicySet from a validated PolicySet element, collecting problems instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, str]] = set()

    def _unique(self, namespace: str, ident: str, element: Element) -> None:
        if (namespace, ident) in self._seen:
            self.problems.append(Problem(f"duplicate {namespace} id '{ident}'", _line(element)))
        self._seen.add((namespace, ident))

    def read(self, root: Element) -> PolicySet:
        stores, groups = self._store_hierarchy(_find(root, "StoreHierarchy"))
        messages = root.find(p("ReceiptMessages"))
        dispositions = root.find(p("Dispositions"))
        watches = root.find(p("PatternWatches"))
        return PolicySet(
            version=root.get("version", ""),
            settings=self._settings(_find(root, "Settings")),
            codes=self._codes(_find(root, "ResponseCodes")),
            messages=self._messages(messages) if messages is not None else {},
            tenders=self._tenders(_find(root, "Tenders")),
            dispositions=self._dispositions(dispositions) if dispositions is not None else {},
            stores=stores,
            store_groups=groups,
            merchandise=self._tree(_find(root, "MerchandiseHierarchy"), "merchandise", "Item"),
            pattern_watches=self._watches(watches) if watches is not None else (),
            policies=tuple(self._policy(policy) for policy in _find(root, "Policies").iterchildren(p("Policy"))),
        )

    def _settings(self, element: Element) -> Settings:
        return Settings(
            default_code=_text(element, "DefaultCode"),
            override_code=_text(element, "OverrideCode"),
            receipted_fallback=TenderType(_text(element, "ReceiptedFallbackTender")),
            nonreceipted_fallback=TenderType(_text(element, "NonreceiptedFallbackTender")),
            below_minimum_tender=TenderType(_text(element, "BelowMinimumTender")),
        )

    def _codes(self, element: Element) -> dict[str, ResponseCode]:
        codes: dict[str, ResponseCode] = {}
        priorities: dict[tuple[ResponseType, int], str] = {}
        for item in element.iterchildren(p("Code")):
            code = ResponseCode(
                code=item.get("id", ""),
                response_type=ResponseType(item.get("type", "")),
                priority=int(item.get("priority", "0")),
                descriptions=_descriptions(item),
            )
            self._unique("response code", code.code, item)
            clash = priorities.setdefault((code.response_type, code.priority), code.code)
            if clash != code.code:
                self.problems.append(
                    Problem(
                        f"codes '{clash}' and '{code.code}' are both {code.response_type.value} "
                        f"with priority {code.priority}",
                        _line(item),
                    )
                )
            codes[code.code] = code
        return codes

    def _messages(self, element: Element) -> dict[str, ReceiptMessage]:
        messages: dict[str, ReceiptMessage] = {}
        for item in element.iterchildren(p("Message")):
            self._unique("receipt message", item.get("id", ""), item)
            texts = tuple((text.get("lang", ""), (text.text or "").strip()) for text in item.iterchildren(p("Text")))
            messages[item.get("id", "")] = ReceiptMessage(item.get("id", ""), texts)
        return messages

    def _tenders(self, element: Element) -> tuple[TenderLimit, ...]:
        limits: list[TenderLimit] = []
        for item in element.iterchildren(p("Tender")):
            self._unique("tender", item.get("type", ""), item)
            limits.append(
                TenderLimit(
                    TenderType(item.get("type", "")), _opt_decimal(item.get("min")), _opt_decimal(item.get("max"))
                )
            )
        return tuple(limits)

    def _dispositions(self, element: Element) -> dict[str, str]:
        found: dict[str, str] = {}
        for item in element.iterchildren(p("Disposition")):
            self._unique("disposition", item.get("code", ""), item)
            found[item.get("code", "")] = item.get("description", "")
        return found

    def _store_hierarchy(self, element: Element) -> tuple[Hierarchy, dict[str, frozenset[str]]]:
        stores = self._tree(element, "store", "Store")
        groups: dict[str, frozenset[str]] = {}
        for group in element.iterchildren(p("StoreGroup")):
            self._unique("store group", group.get("id", ""), group)
            members = frozenset(_words(group.get("stores")))
            for store in sorted(members - stores.leaf_parents.keys()):
                self.problems.append(Problem(f"store group lists unknown store '{store}'", _line(group)))
            groups[group.get("id", "")] = members
        return stores, groups

    def _tree(self, element: Element, namespace: str, leaf_tag: str) -> Hierarchy:
        parents: dict[str, str | None] = {}
        depths: dict[str, int] = {}
        leaves: dict[str, str] = {}
        pending: list[tuple[Element, str | None, int]] = [(node, None, 1) for node in element.iterchildren(p("Node"))]
        while pending:
            node, parent, depth = pending.pop()
            ident = node.get("id", "")
            self._unique(f"{namespace} node", ident, node)
            parents[ident], depths[ident] = parent, depth
            pending.extend((child, ident, depth + 1) for child in node.iterchildren(p("Node")))
            for leaf in node.iterchildren(p(leaf_tag)):
                self._unique(leaf_tag.lower(), leaf.get("id", ""), leaf)
                leaves[leaf.get("id", "")] = ident
        return Hierarchy(parents, leaves, depths)

    def _watches(self, element: Element) -> tuple[PatternWatch, ...]:
        watches: list[PatternWatch] = []
        for item in element.iterchildren(p("PatternWatch")):
            self._unique("pattern watch", item.get("id", ""), item)
            watches.append(
                PatternWatch(
                    watch_id=item.get("id", ""),
                    purchase_from=date.fromisoformat(item.get("purchaseFrom", "")),
                    purchase_to=date.fromisoformat(item.get("purchaseTo", "")),
                    return_from=date.fromisoformat(item.get("returnFrom", "")),
                    return_to=date.fromisoformat(item.get("returnTo", "")),
                    description=item.get("description", ""),
                    item_id=item.get("item"),
                    node_id=item.get("node"),
                )
            )
        return tuple(watches)

    def _policy(self, element: Element) -> Policy:
        self._unique("policy", element.get("id", ""), element)
        kind = PolicyKind(element.get("kind", ""))
        receipted = element.get("receipted")
        return Policy(
            policy_id=element.get("id", ""),
            kind=kind,
            receipted=kind is PolicyKind.DEFAULT_RECEIPTED or receipted in ("true", "1"),
            rules=tuple(self._rule(rule) for rule in element.iterchildren(p("Rule"))),
            line=_line(element),
            location=self._target(element.find(p("Location"))),
            merchandise=self._target(element.find(p("Merchandise"))),
            customer_types=frozenset(_words(element.findtext(p("CustomerTypes")))),
            effective=_opt_date(element.get("effective")),
            expires=_opt_date(element.get("expires")),
            name=element.get("name"),
        )

    def _target(self, element: Element | None) -> Target:
        if element is None:
            return ALL
        chosen = [(kind, element.get(kind.value)) for kind in TargetKind if element.get(kind.value) is not None]
        if len(chosen) != 1:
            self.problems.append(Problem("a Location or Merchandise names exactly one target", _line(element)))
            return ALL
        kind, ref = chosen[0]
        return ALL if kind is TargetKind.ALL else Target(kind, ref or "")

    def _rule(self, element: Element) -> Rule:
        params = {param.get("name", ""): param.get("value", "") for param in element.iterchildren(p("Param"))}
        answers = tuple(_answer(answer) for answer in element.iterchildren(p("Answer")))
        return Rule(
            rule_id=element.get("id", ""),
            question=element.get("question", ""),
            params=params,
            answers=answers,
            line=_line(element),
            lookup=_lookup(answers),
            otherwise=next((a for a in answers if a.kind is AnswerKind.OTHERWISE), None),
        )


def _descriptions(element: Element) -> tuple[Description, ...]:
    return tuple(
        Description(item.get("lang", ""), _text(item, "Short"), item.findtext(p("Long")))
        for item in element.iterchildren(p("Description"))
    )


def _lookup(answers: tuple[Answer, ...]) -> dict[object, Answer]:
    """Exact-match answers by value: is= by its flag, in= by each value, missing by None (first one wins)."""
    found: dict[object, Answer] = {}
    for answer in answers:
        keys: tuple[object, ...] = ()
        if answer.kind is AnswerKind.IS:
            keys = (answer.flag,)
        elif answer.kind is AnswerKind.IN:
            keys = tuple(sorted(answer.values))
        elif answer.kind is AnswerKind.MISSING:
            keys = (None,)
        for key in keys:
            found.setdefault(key, answer)
    return found


def _answer(element: Element) -> Answer:
    get = element.get
    tenders = _words(get("tenders"))
    outcome = Outcome(
        action=Action(get("action", "Continue")),
        action_name=get("action", "Continue"),
        next_rule=get("next"),
        code=get("code"),
        messages=_words(get("messages")),
        tenders=frozenset(TenderType(tender) for tender in tenders) if get("tenders") is not None else None,
        positive_id_required=get("positiveIdRequired") in ("true", "1"),
        disposition=get("disposition"),
        fee_percent=_opt_decimal(get("feePercent")),
        fee_fixed=_opt_decimal(get("feeFixed")),
    )
    line = _line(element)
    if get("missing") in ("true", "1"):
        return Answer(AnswerKind.MISSING, outcome, "missing", line)
    if get("otherwise") in ("true", "1"):
        return Answer(AnswerKind.OTHERWISE, outcome, "otherwise", line)
    if get("is") is not None:
        flag = get("is") in ("true", "1")
        return Answer(AnswerKind.IS, outcome, str(flag).lower(), line, flag=flag)
    if get("in") is not None:
        values = _words(get("in"))
        return Answer(AnswerKind.IN, outcome, " ".join(values), line, values=frozenset(values))
    low, high = Decimal(get("from") or 0), _opt_decimal(get("below"))
    label = f"{low}..<{high}" if high is not None else f">={low}"
    return Answer(AnswerKind.RANGE, outcome, label, line, low=low, high=high)


def read_policy_set(root: Element) -> tuple[PolicySet, list[Problem]]:
    """The policy set of a validated document (of either version), and the problems noticed while reading it."""
    current, problems, notes = upgrade(root)
    reader = PolicyReader()
    policy_set = widen_locations(reader.read(current))
    return replace(policy_set, notes=notes), problems + reader.problems
