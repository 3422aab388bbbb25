"""Count overrides apply from the instant they were made: exceptions recorded after it count on top of the value."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.history.history import CountOverride, CountOverrideKind, ExceptionMark, History
from handlers.history.history_json import history_from_json

DAY = date(2026, 11, 21)
NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def at(hour: int, day: date = DAY) -> ExceptionMark:
    return ExceptionMark(day, datetime(day.year, day.month, day.day, hour, tzinfo=UTC))


def test_a_reset_counts_only_exceptions_recorded_after_it() -> None:
    reset = CountOverride(CountOverrideKind.RESET, 2, DAY, set_at=NOON)
    history = History(count_override=reset, customer_exception_marks=(at(9), at(11), at(13), at(18)))
    assert history.cumulative_count(DAY) == 4


def test_a_freeze_holds_until_its_last_day_then_counts_later_returns() -> None:
    freeze = CountOverride(CountOverrideKind.FREEZE, 1, DAY, date(2026, 11, 30), set_at=NOON)
    marks = (at(13), at(9, date(2026, 11, 30)), at(9, date(2026, 12, 1)))
    history = History(count_override=freeze, customer_exception_marks=marks)
    assert history.cumulative_count(date(2026, 11, 25)) == 1
    assert history.cumulative_count(date(2026, 12, 2)) == 2


def test_an_override_without_its_instant_counts_from_the_next_day() -> None:
    reset = CountOverride(CountOverrideKind.RESET, 2, DAY)
    history = History(count_override=reset, customer_exceptions_by_day={DAY: 3, date(2026, 11, 22): 1})
    assert history.cumulative_count(date(2026, 11, 23)) == 3


def test_a_dry_run_history_takes_instants() -> None:
    history = history_from_json(
        {
            "customer_exceptions": ["2026-11-21T09:00:00+00:00", "2026-11-21T15:00:00+00:00"],
            "count_override": {"kind": "reset", "value": 2, "set_on": "2026-11-21", "set_at": "2026-11-21T12:00:00Z"},
        }
    )
    assert history.cumulative_count(DAY) == 3
