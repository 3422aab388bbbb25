"""The history is rebuilt as it stood: simulating the policy set that decided a random story of returns (final
results, voids, manager overrides, exceptions, customer service overrides, count resets and freezes, pattern
watches, re-asked tickets) over its own period finds no decision that changes."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gateway.admin.policies import load_policy_bytes
from gateway.http.xmlio import parse_xml
from handlers.admin import AdminService
from handlers.errors import DomainError
from handlers.models import PositiveId
from handlers.policy.policy_model import PolicySet
from handlers.service import PolicyHolder, ReturnsService
from handlers.simulation.report import SimulationReport
from handlers.simulation.run import simulate
from handlers.simulation.service import simulate_policy
from handlers.xml import authorize_xml, final_result_xml
from store.base import Store
from store.open import open_store
from store.sqlite import SqliteStore
from tests.conftest import BACKENDS, POLICY
from tests.pgcluster import TEMPLATE, PgCluster
from tests.simtraffic import SaleLine, authorize, final

START = date(2026, 10, 25)
ITEMS = ("100234", "200100", "100300")
STORES = ("01291", "00455")
# The shipped policy with history thresholds a short story reaches: two returns, two exceptions of the customer or
# the cashier already change a decision, so a history rebuilt wrong shows.
SENSITIVE = (
    ('<Answer below="3" code="110"', '<Answer below="2" code="110"'),
    ('<Answer from="3" action="Stop" code="410"', '<Answer from="2" action="Stop" code="410"'),
    ('<Answer below="10"/>', '<Answer below="2"/>'),
    ('<Answer from="10" code="320"', '<Answer from="2" code="320"'),
    ('<Answer below="25"/>', '<Answer below="2"/>'),
    ('<Answer from="25" code="200"/>', '<Answer from="2" code="200"/>'),
)


# A draft that changes many of the story's decisions: the receipted window cut from 30 days to 7.
SHORTER = (
    ('<Answer below="31" code="100"/>', '<Answer below="8" code="100"/>'),
    ('<Answer from="31" below="91" code="300"', '<Answer from="8" below="91" code="300"'),
)


def sensitive_policy(*more: tuple[str, str]) -> PolicySet:
    text = POLICY.read_text(encoding="utf-8")
    for old, new in SENSITIVE + more:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_policy_bytes(text.encode())


POLICY_SET = sensitive_policy()
DRAFT = sensitive_policy(*SHORTER)

authorize_action = st.tuples(
    st.just("authorize"),
    st.one_of(st.none(), st.integers(0, 2)),
    st.lists(st.tuples(st.sampled_from(ITEMS), st.booleans(), st.integers(0, 1)), min_size=1, max_size=2),
    st.integers(0, 1),
    st.sampled_from(STORES),
    st.booleans(),
)
final_action = st.tuples(st.just("final"), st.integers(0, 50), st.integers(0, 3).map(bool), st.booleans())
actions = st.lists(
    st.one_of(
        *[authorize_action] * 8,
        *[final_action] * 6,
        *[st.tuples(st.just("void"), st.integers(0, 50))] * 2,
        st.tuples(st.just("void"), st.integers(0, 50)),
        st.tuples(st.just("reask"), st.integers(0, 50), st.integers(0, 2)),
        st.tuples(st.just("grant"), st.integers(0, 2)),
        st.tuples(st.just("revoke"), st.integers(1, 6)),
        st.tuples(st.just("count"), st.integers(0, 2), st.sampled_from(("reset", "freeze")), st.integers(0, 12)),
        st.tuples(st.just("watch"), st.booleans()),
        st.tuples(st.just("day"), st.integers(1, 12)),
    ),
    min_size=30,
    max_size=90,
)

# Stories that always run: a sale line returned, then asked again (over-return); a customer service override used
# by a completed return, so the next denial stands; two returns' exceptions, one voided, then a receiptless return.
OVER_RETURN: list[tuple[object, ...]] = [
    ("authorize", None, [("100234", True, 0)], 0, "01291", False),
    ("final", 0, True, False),
    ("authorize", None, [("100234", True, 0)], 0, "01291", False),
]
OVERRIDE_USED: list[tuple[object, ...]] = [
    ("grant", 0),
    ("authorize", 0, [("100234", True, 1)], 0, "01291", False),
    ("final", 0, True, False),
    ("authorize", 0, [("100300", True, 1)], 0, "01291", False),
]
VOID_REVERSES: list[tuple[object, ...]] = [
    ("authorize", 0, [("100234", True, 0)], 0, "01291", False),
    ("final", 0, True, False),
    ("authorize", 0, [("100300", True, 0)], 0, "01291", False),
    ("final", 1, True, False),
    ("void", 1),
    ("authorize", 0, [("100234", False, 0)], 0, "01291", False),
]


@dataclass
class Story:
    """The story's day and a clock that only moves forward within it."""

    day: date = START
    tick: int = 0
    tickets: list[tuple[str, str, list[SaleLine], str | None]] = field(default_factory=list)
    sent: int = 0

    def now(self) -> datetime:
        self.tick += 1
        return datetime.combine(self.day, time(8), UTC) + timedelta(milliseconds=self.tick)

    def message_id(self) -> str:
        self.sent += 1
        return f"P-{self.sent}"


def customer(number: int) -> str:
    return f"TX{number:06d}"


async def play(story: Story, steps: list[tuple[object, ...]], database: str | Path) -> SimulationReport:
    store = open_store(database, background_checkpoints=False, pool_size=2)
    await store.open()
    try:
        await tell(story, steps, store)
        report = await simulate_policy(store, POLICY_SET, START, story.day)
        return report
    finally:
        await store.close()


async def tell(story: Story, steps: list[tuple[object, ...]], store: Store) -> None:
    """Play the story's steps through the returns and admin services, deciding under `POLICY_SET`."""
    holder = PolicyHolder(POLICY_SET)
    service = ReturnsService(store, holder, b"k" * 32, clock=story.now)
    admin = AdminService(store, holder, b"k" * 32, clock=story.now)
    for step in steps:
        with contextlib.suppress(DomainError):  # a refused message or action changes nothing, as in production
            await act(story, service, admin, step)


async def both_ways(story: Story, steps: list[tuple[object, ...]], database: Path) -> list[SimulationReport]:
    """The story simulated under a draft with a shorter window, quickly (untraced, lines shared) and the reference
    way (every attempt traced, nothing shared)."""
    store = SqliteStore(database, background_checkpoints=False)
    await store.open()
    try:
        await tell(story, steps, store)
        attempts, rows = await store.simulation_inputs(START, story.day)
        window = (START, story.day, ())
        return [simulate(DRAFT, attempts, rows, window, quick=quick) for quick in (True, False)]
    finally:
        await store.close()


async def act(story: Story, service: ReturnsService, admin: AdminService, step: tuple[object, ...]) -> None:
    kind = step[0]
    if kind == "authorize":
        await _authorize(story, service, step)
    elif kind in ("final", "void") and story.tickets:
        ticket, store_id, lines, _ = story.tickets[int(str(step[1])) % len(story.tickets)]
        returned = bool(step[2]) if kind == "final" else False
        override = bool(step[3]) if kind == "final" else False
        body = final(
            story.message_id(),
            story.day,
            ticket,
            [(line, returned, override) for line in lines],
            store_id,
            voided=kind == "void",
        )
        await service.final_result(final_result_xml.from_xml(parse_xml(body)))
    elif kind == "reask" and story.tickets:
        ticket, store_id, lines, _ = story.tickets[int(str(step[1])) % len(story.tickets)]
        body = authorize(
            story.message_id(), story.day, lines, store_id, customer=customer(int(str(step[2]))), ticket_id=ticket
        )
        await service.authorize(authorize_xml.from_xml(parse_xml(body)))
    elif kind in ("grant", "count"):
        known = PositiveId("DriversLicense", "TX", customer(int(str(step[1]))))
        if kind == "grant":
            await admin.grant_override(known, "goodwill", "agent")
        else:
            until = story.day + timedelta(days=5) if step[2] == "freeze" else None
            await admin.set_count(known, str(step[2]), int(str(step[3])), until, "review", "agent")
    elif kind == "revoke":
        await admin.revoke_override(int(str(step[1])), "agent")
    elif kind == "watch":
        await _watch(story, admin, bool(step[1]))
    elif kind == "day":
        story.day += timedelta(days=int(str(step[1])))


async def _authorize(story: Story, service: ReturnsService, step: tuple[object, ...]) -> None:
    _, who, wanted, cashier, store_id, gold = step
    lines = [
        SaleLine(
            item=item,
            receipted=receipted,
            bought=START - timedelta(days=10 + 30 * sale),
            sale=f"S{sale}" if receipted else None,
        )
        for item, receipted, sale in wanted  # type: ignore[attr-defined]
    ]
    number = None if who is None else customer(int(str(who)))
    body = authorize(
        story.message_id(), story.day, lines, str(store_id), f"E{cashier}", number, "gold" if gold else None
    )
    answer = await service.authorize(authorize_xml.from_xml(parse_xml(body)))
    ticket = answer.body.decode().split("<TicketId>")[1].split("</TicketId>")[0]
    story.tickets.append((ticket, str(store_id), lines, number))


async def _watch(story: Story, admin: AdminService, add: bool) -> None:
    if add:
        watch = {
            "watch_id": f"W{story.sent}",
            "item_id": "200100",
            "purchase_from": (story.day - timedelta(days=60)).isoformat(),
            "purchase_to": story.day.isoformat(),
            "return_from": story.day.isoformat(),
            "return_to": (story.day + timedelta(days=20)).isoformat(),
            "description": "TV wardrobing",
        }
        await admin.add_watch(watch, "agent")
    else:
        for found in await admin.watches():
            if found["retired_at"] is None:
                await admin.retire_watch(found["watch_id"], "agent")
                return


@pytest.fixture(params=BACKENDS)
def databases(request: pytest.FixtureRequest) -> Callable[[], contextlib.AbstractContextManager[str | Path]]:
    """Fresh, empty gateway databases, one per story: SQLite files, or PostgreSQL databases of the session's
    throwaway cluster (skipped with its reason, or failing when required, without PostgreSQL)."""
    if request.param == "sqlite":

        @contextlib.contextmanager
        def sqlite_file() -> Iterator[Path]:
            with tempfile.TemporaryDirectory() as folder:
                yield Path(folder) / "story.db"

        return sqlite_file
    cluster: PgCluster = request.getfixturevalue("pg_server")

    @contextlib.contextmanager
    def pg_database() -> Iterator[str]:
        url = cluster.create_database(template=TEMPLATE)
        try:
            yield url
        finally:
            cluster.drop_database(url.rsplit("/", 1)[1])

    return pg_database


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(steps=actions)
@example(steps=OVER_RETURN)
@example(steps=OVERRIDE_USED)
@example(steps=VOID_REVERSES)
def test_the_deciding_policy_simulated_over_its_own_period_changes_nothing(
    databases: Callable[[], contextlib.AbstractContextManager[str | Path]], steps: list[tuple[object, ...]]
) -> None:
    with databases() as database:
        story = Story()
        report = asyncio.run(play(story, steps, database))
    assert report.changed == 0, report.changes[:3]
    attempts = sum(1 for step in steps if step[0] in ("authorize", "reask"))
    assert report.re_decided + sum(report.not_rebuilt.values()) == report.attempts <= attempts


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=actions)
@example(steps=OVER_RETURN + OVER_RETURN + VOID_REVERSES)
def test_sharing_decisions_and_tracing_only_changes_give_the_reference_report(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        quick, reference = asyncio.run(both_ways(Story(), steps, Path(folder) / "story.db"))
    assert reference.shared == 0
    assert replace(reference, shared=quick.shared) == quick
