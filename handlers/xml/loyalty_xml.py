"""Mapping of the loyalty documents: program settings and activity in, activity acknowledgement out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from handlers.loyalty.loyalty import Account, Earned, Program, Purchase, PurchaseLine, Tier
from handlers.models import OriginalSale
from handlers.xml.xmlcommon import required, required_text

LNS = "urn:returns-gateway:loyalty:v1"
Element = etree._Element


def ln(name: str) -> str:
    """The qualified tag of a loyalty element."""
    return f"{{{LNS}}}{name}"


def _required(element: Element, name: str) -> Element:
    return required(element, ln(name))


def _text(element: Element, name: str) -> str:
    return required_text(element, ln(name))


def read_program(root: Element) -> Program:
    earn, returns = _required(root, "Earn"), _required(root, "Returns")
    plateau, tiers = root.find(ln("RewardPlateau")), root.find(ln("Tiers"))
    return Program(
        program_id=root.get("id", ""),
        earn_account=earn.get("account", ""),
        per_unit=Decimal(earn.get("perCurrencyUnit", "0")),
        treatment=returns.get("treatment", "deduct"),
        allow_negative=returns.get("allowNegative") in ("true", "1"),
        plateau_every=Decimal(plateau.get("every", "0")) if plateau is not None else None,
        plateau_reward=Decimal(plateau.get("reward", "0")) if plateau is not None else Decimal(0),
        events={
            event.get("name", ""): (event.get("account", ""), Decimal(event.get("points", "0")))
            for event in root.iterchildren(ln("Event"))
        },
        tier_account=tiers.get("account") if tiers is not None else None,
        tiers=tuple(
            Tier(tier.get("name", ""), Decimal(tier.get("entrance", "0")), Decimal(tier.get("maintain", "0")))
            for tier in (tiers.iterchildren(ln("Tier")) if tiers is not None else ())
        ),
    )


def read_activity(root: Element) -> tuple[str, str, Purchase | None, str | None]:
    """(message id, account id, the purchase or None, the event name or None)."""
    message_id, account_id = _text(root, "MessageId"), _text(root, "AccountId")
    event = root.find(ln("Event"))
    if event is not None:
        return message_id, account_id, None, event.get("name", "")
    return message_id, account_id, _purchase(_required(root, "Purchase")), None


def _purchase(element: Element) -> Purchase:
    sale = _required(element, "Sale")
    key = OriginalSale(
        _text(sale, "StoreId"),
        _text(sale, "RegisterId"),
        date.fromisoformat(_text(sale, "BusinessDate")),
        _text(sale, "TransactionSequence"),
    ).key
    offer = element.find(ln("Offer"))
    return Purchase(
        sale=key,
        lines=tuple(_line(line) for line in element.iterchildren(ln("Line"))),
        offer_id=offer.get("id") if offer is not None else None,
        offer_quantity=Decimal(offer.get("qualifyingQuantity", "0")) if offer is not None else Decimal(0),
    )


def _line(element: Element) -> PurchaseLine:
    return PurchaseLine(
        line_number=int(_text(element, "LineNumber")),
        item_id=_text(element, "ItemId"),
        quantity=Decimal(_text(element, "Quantity")),
        amount=Decimal(_text(element, "Amount")),
        earned=tuple(
            Earned(points.get("account", ""), points.get("source", ""), Decimal((points.text or "0").strip()))
            for points in element.iterchildren(ln("Points"))
        ),
    )


def ack_to_xml(message_id: str, account_id: str, account: Account) -> Element:
    element = etree.Element(ln("LoyaltyActivityAck"), nsmap={None: LNS})
    etree.SubElement(element, ln("RequestMessageId")).text = message_id
    etree.SubElement(element, ln("AccountId")).text = account_id
    if account.tier is not None:
        etree.SubElement(element, ln("Tier")).text = account.tier
    for name, points in sorted(account.points.items()):
        etree.SubElement(element, ln("Points"), account=name).text = format(points, "f")
    etree.SubElement(element, ln("BalanceTowardReward")).text = format(account.balance, "f")
    etree.SubElement(element, ln("RewardsIssued")).text = format(account.rewards, "f")
    return element
