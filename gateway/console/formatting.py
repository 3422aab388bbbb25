"""Dates, moments and money in a store's locale: the console's few locales, with no locale database needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True, slots=True)
class Locale:
    """How one locale writes a day (pattern over {d} {m} {y}), numbers and an amount of its currency."""

    tag: str
    day: str
    group: str
    decimal: str
    money: str


LOCALES = {
    "en-US": Locale("en-US", "{m}/{d}/{y}", ",", ".", "${}"),
    "en-CA": Locale("en-CA", "{y}-{m}-{d}", ",", ".", "${}"),
    "fr-CA": Locale("fr-CA", "{y}-{m}-{d}", "\u00a0", ",", "{}\u00a0$"),
    "en-GB": Locale("en-GB", "{d}/{m}/{y}", ",", ".", "\u00a3{}"),
    "fr-FR": Locale("fr-FR", "{d}/{m}/{y}", "\u202f", ",", "{}\u00a0\u20ac"),
    "de-DE": Locale("de-DE", "{d}.{m}.{y}", ".", ",", "{}\u00a0\u20ac"),
}
DEFAULT_LOCALE = "en-US"


@dataclass(frozen=True, slots=True)
class Locales:
    """Which locale each store uses; stores not named use the default."""

    by_store: dict[str, str]
    default: str = DEFAULT_LOCALE

    def of(self, store_id: str | None) -> Locale:
        tag = self.by_store.get(store_id or "", self.default)
        return LOCALES.get(tag, LOCALES[DEFAULT_LOCALE])


def format_day(value: object, locale: Locale) -> str:
    """'2026-11-20' (or a moment) as the locale writes the day; anything else unchanged, empty as a dash."""
    if value is None or value == "":
        return "\u2014"
    text = str(value)
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return locale.day.format(d=f"{day.day:02d}", m=f"{day.month:02d}", y=day.year)


def format_moment(value: object, locale: Locale) -> str:
    """An ISO moment as the locale's day and a 24-hour time in UTC."""
    if value is None or value == "":
        return "\u2014"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{format_day(moment.date().isoformat(), locale)} {moment:%H:%M:%S}"


def format_number(value: object, locale: Locale, places: int = 2) -> str:
    try:
        amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return "\u2014" if value is None else str(value)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    grouped = locale.group.join([whole, *groups])
    return sign + grouped + (locale.decimal + fraction if fraction else "")


def format_money(value: object, locale: Locale) -> str:
    if value is None or value == "":
        return "\u2014"
    number = format_number(value, locale)
    if not any(character.isdigit() for character in number):
        return number
    if number.startswith("-"):
        return "-" + locale.money.format(number[1:])
    return locale.money.format(number)
