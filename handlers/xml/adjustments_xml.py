"""Reading and writing loyalty adjustments, as the acknowledgement and the authorize preview carry them."""

from __future__ import annotations

from decimal import Decimal

from handlers.models import LoyaltyAdjustment, PointsSource
from handlers.xml.xmlcommon import Element, children
from handlers.xml.xmltext import container


def adjustments_text(adjustments: tuple[LoyaltyAdjustment, ...]) -> str:
    return "".join(
        container(
            "Adjustment",
            kind=item.kind,
            account=item.account,
            source=item.source,
            points=item.points,
            balance=item.balance,
            offer=item.offer_id,
            basis=item.basis,
        )
        for item in adjustments
    )


def read_adjustments(holder: Element) -> tuple[LoyaltyAdjustment, ...]:
    def decimal(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return tuple(
        LoyaltyAdjustment(
            kind=item.get("kind", ""),
            account=item.get("account"),
            source=PointsSource(item.get("source")) if item.get("source") else None,
            points=decimal(item.get("points")),
            balance=decimal(item.get("balance")),
            offer_id=item.get("offer"),
            basis=item.get("basis"),
        )
        for item in children(holder, "Adjustment")
    )
