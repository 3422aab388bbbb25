"""Test helpers: a compact policy set around the seed's hierarchies, and requests built from dataclasses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from gateway.admin.policies import load_policy_bytes
from handlers.decision import LineDecision
from handlers.history.history import EMPTY_HISTORY, History
from handlers.models import AuthorizeRequest, Customer, PositiveId, ReturnLine, TillHeader, TransactionType
from handlers.policy.engine import Evaluation, evaluate
from handlers.policy.policy_model import PolicySet

CODES = """
    <Code id="A1" type="Authorization" priority="1"><Description lang="en"><Short>Override approval</Short></Description></Code>
    <Code id="A2" type="Authorization" priority="2"><Description lang="en"><Short>Approved</Short></Description>
      <Description lang="fr"><Short>Approuvé</Short></Description></Code>
    <Code id="A3" type="Authorization" priority="3"><Description lang="en"><Short>Approved (default)</Short></Description></Code>
    <Code id="C1" type="ContingentAuthorization" priority="1"><Description lang="en"><Short>Contingent</Short></Description></Code>
    <Code id="M1" type="ManagerOverrideableDenial" priority="1"><Description lang="en"><Short>Manager</Short></Description></Code>
    <Code id="M2" type="ManagerOverrideableDenial" priority="2"><Description lang="en"><Short>Manager 2</Short></Description></Code>
    <Code id="D1" type="Denial" priority="1"><Description lang="en"><Short>Denied hard</Short></Description></Code>
    <Code id="D2" type="Denial" priority="2"><Description lang="en"><Short>Denied</Short></Description></Code>
"""

HIERARCHIES = """
  <StoreHierarchy>
    <Node id="ALL-STORES">
      <Node id="TEXAS">
        <Node id="DALLAS"><Store id="01291"/><Store id="01292"/></Node>
        <Node id="AUSTIN"><Store id="00455"/></Node>
      </Node>
    </Node>
    <StoreGroup id="OUTLETS" stores="01292 00455"/>
    <StoreGroup id="FLAGSHIPS" stores="01291"/>
  </StoreHierarchy>
  <MerchandiseHierarchy>
    <Node id="KITCHEN">
      <Node id="STOVES"><Node id="GAS"><Item id="123456"/></Node></Node>
      <Item id="700001"/>
    </Node>
    <Node id="TV"><Item id="200100"/></Node>
  </MerchandiseHierarchy>
"""

PASS_RULE = '<Rule id="pass" question="ReceiptPresent"><Answer otherwise="true"/></Rule>'


def policy_xml(
    receipted_rules: str = PASS_RULE,
    nonreceipted_rules: str = PASS_RULE,
    exceptions: str = "",
    watches: str = "",
    tenders: str = "",
) -> bytes:
    tender_list = tenders or "".join(
        f'<Tender type="{t}"/>' for t in ("Cash", "Credit", "Debit", "Check", "MailCheck", "GiftCard", "StoreCredit")
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<PolicySet xmlns="urn:returns-gateway:policy:v2" version="test-1">
  <Settings>
    <DefaultCode>A3</DefaultCode>
    <OverrideCode>A1</OverrideCode>
    <ReceiptedFallbackTender>StoreCredit</ReceiptedFallbackTender>
    <NonreceiptedFallbackTender>StoreCredit</NonreceiptedFallbackTender>
    <BelowMinimumTender>Cash</BelowMinimumTender>
  </Settings>
  <ResponseCodes>{CODES}</ResponseCodes>
  <ReceiptMessages>
    <Message id="MSG1"><Text lang="en">First message</Text><Text lang="fr">Premier message</Text></Message>
    <Message id="MSG2"><Text lang="en">Second message</Text></Message>
  </ReceiptMessages>
  <Tenders>{tender_list}</Tenders>
  <Dispositions><Disposition code="RTS" description="Return to stock"/><Disposition code="DMG" description="Damaged"/></Dispositions>
  {HIERARCHIES}
  <PatternWatches>{watches}</PatternWatches>
  <Policies>
    <Policy id="DEFAULT-R" kind="DefaultReceipted" receipted="true">{receipted_rules}</Policy>
    <Policy id="DEFAULT-N" kind="DefaultNonreceipted" receipted="false">{nonreceipted_rules}</Policy>
    {exceptions}
  </Policies>
</PolicySet>""".encode()


def load(**parts: str) -> PolicySet:
    return load_policy_bytes(policy_xml(**parts))


TODAY = date(2026, 11, 20)
POSITIVE_ID = PositiveId("DriversLicense", "TX", "TX12345678")


def line(**changes: Any) -> ReturnLine:
    base = ReturnLine(
        line_number=1,
        item_id="123456",
        quantity=Decimal(1),
        unit_price_paid=Decimal("100.00"),
        receipted=True,
    )
    return replace(base, **changes)


def request(
    *lines: ReturnLine, store: str = "01291", customer: Customer | None = None, **changes: Any
) -> AuthorizeRequest:
    header = TillHeader(
        "MSG-1", store, "01", "E1", TODAY, datetime(2026, 11, 20, 10, 0, tzinfo=UTC), changes.pop("currency", "USD")
    )
    kind = changes.pop("transaction_type", TransactionType.RETURN)
    return AuthorizeRequest(header, kind, lines or (line(),), customer=customer, **changes)


def with_id(customer_type: str | None = None) -> Customer:
    return Customer(customer_type=customer_type, positive_id=POSITIVE_ID)


def run(
    policy_set: PolicySet, req: AuthorizeRequest | None = None, history: History = EMPTY_HISTORY, today: date = TODAY
) -> Evaluation:
    return evaluate(req or request(), policy_set, history, today)


def decide_line(policy_set: PolicySet, **kwargs: Any) -> LineDecision:
    return run(policy_set, **kwargs).lines[0]
