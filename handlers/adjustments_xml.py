"""Reading and writing loyalty adjustments, as the acknowledgement and the authorize preview carry them."""

from __future__ import annotations

from decimal import Decimal

from handlers.models import LoyaltyAdjustment, PointsSource
from handlers.xmlcommon import Element, children, format_value, sub


def write_adjustments(holder: Element, adjustments: tuple[LoyaltyAdjustment, ...]) -> None:
    for adjustment in adjustments:
        values = {
            "kind": adjustment.kind,
            "account": adjustment.account,
            "source": adjustment.source.value if adjustment.source else None,
            "points": format_value(adjustment.points) if adjustment.points is not None else None,
            "balance": format_value(adjustment.balance) if adjustment.balance is not None else None,
            "offer": adjustment.offer_id,
        }
        sub(holder, "Adjustment", **{name: value for name, value in values.items() if value is not None})


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
        )
        for item in children(holder, "Adjustment")
    )
