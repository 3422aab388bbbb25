"""Instants as XML Schema writes them, held as Python datetimes; OutOfRange for those Python cannot hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree


class OutOfRange(ValueError):
    """A schema-valid value the model cannot hold; `element` is where it is in the document."""

    def __init__(self, message: str, element: etree._Element | None) -> None:
        super().__init__(message)
        self.element = element


def parse_timestamp(value: str) -> datetime:
    """An xs:dateTime with its zone; 24:00:00 is the midnight that ends the day (as XML Schema defines it).

    The instant must exist in UTC too (years 1 to 9999 after the zone shift): OverflowError otherwise.
    """
    day, _, rest = value.partition("T")
    end_of_day = rest.startswith("24:00:00")
    stamp = datetime.fromisoformat(f"{day}T00:00:00{rest[8:]}" if end_of_day else value)
    if end_of_day:
        stamp += timedelta(days=1)
    stamp.astimezone(UTC)
    return stamp
