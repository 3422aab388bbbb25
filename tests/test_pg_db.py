"""The store's `Db` on PostgreSQL and its transaction runner, against a throwaway cluster: placeholders, advisory
lock order, retries on serialization failures and deadlocks, and a server that goes away and comes back."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from store.db import Db
from store.errors import StoreUnavailable
from store.postgres.db import PgDb, PgRunner, lock_id, lock_statement, translate
from tests.pgcluster import PgCluster


@pytest.mark.parametrize(
    ("portable", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT '?' || ?", "SELECT '?' || %s"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = %s'),
        ("SELECT a FROM t WHERE a LIKE 'x%' AND b = ?", "SELECT a FROM t WHERE a LIKE 'x%%' AND b = %s"),
        ("SELECT 7 % ?", "SELECT 7 %% %s"),
        ("SELECT ? -- why? 100%\n, ?", "SELECT %s -- why? 100%%\n, %s"),
        ("SELECT /* a ? here */ ?", "SELECT /* a ? here */ %s"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_question_marks_become_psycopg_placeholders_outside_quotes_and_comments(portable: str, expected: str) -> None:
    assert translate(portable) == expected


def test_lock_ids_are_the_same_in_every_process() -> None:
    keys = ["ticket:T-1", "customer:ab12", "sale:0001/02/000345"]
    other = subprocess.run(
        [sys.executable, "-c", f"from store.postgres.db import lock_id; print([lock_id(k) for k in {keys!r}])"],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=sys.path[0] or None,
    )
    assert other.stdout.strip() == str([lock_id(key) for key in keys])
    assert all(-(2**63) <= lock_id(key) < 2**63 for key in keys)
    assert len({lock_id(key) for key in keys}) == len(keys)


def test_one_statement_locks_each_key_once_in_ascending_id_order() -> None:
    sql, ids = lock_statement(["b", "a", "c", "a"])
    assert ids == sorted({lock_id("a"), lock_id("b"), lock_id("c")})
    assert sql.count("pg_advisory_xact_lock") == 3


@pytest.fixture
def runner(pg_url: str) -> Iterator[PgRunner]:
    opened = PgRunner(pg_url, min_size=1, max_size=4, timeout=1.0)
    opened.open()
    opened.run(lambda db: db.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, label TEXT)"), write=True)
    yield opened
    opened.close()


def test_statements_run_with_portable_placeholders_and_rows_come_back_as_tuples(runner: PgRunner) -> None:
    def write(db: Db) -> int:
        db.executemany("INSERT INTO items VALUES (?, ?)", [(1, "50% off?"), (2, "it's"), (3, None)])
        return db.execute("UPDATE items SET label = label || '%' WHERE id >= ?", (2,)).rowcount

    assert runner.run(write, write=True) == 2

    def read(db: Db) -> tuple[Any, list[Any]]:
        one = db.execute("SELECT label FROM items WHERE id = ? AND label LIKE '50%'", (1,)).fetchone()
        return one, db.execute("SELECT id, label FROM items WHERE label LIKE ? ORDER BY id", ("%?%",)).fetchall()

    assert runner.run(read, write=False) == (("50% off?",), [(1, "50% off?")])
    assert runner.run(lambda db: db.execute("SELECT id, label FROM items ORDER BY id").fetchall(), write=False) == [
        (1, "50% off?"),
        (2, "it's%"),
        (3, None),
    ]
    assert runner.run(lambda db: db.dialect, write=False) == "postgresql"


def test_a_read_only_run_refuses_to_write(runner: PgRunner) -> None:
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        runner.run(lambda db: db.execute("INSERT INTO items VALUES (9, 'x')"), write=False)
    assert runner.run(lambda db: db.execute("SELECT count(*) FROM items").fetchone(), write=False) == (0,)


def test_a_failing_job_commits_nothing(runner: PgRunner) -> None:
    def half(db: Db) -> None:
        db.execute("INSERT INTO items VALUES (1, 'first')")
        raise ValueError("the job gave up")

    with pytest.raises(ValueError, match="gave up"):
        runner.run(half, write=True)
    assert runner.run(lambda db: db.execute("SELECT count(*) FROM items").fetchone(), write=False) == (0,)


def _held_locks(url: str, pid: int) -> list[tuple[int, bool]]:
    """The advisory locks of one backend: (lock id, granted)."""
    with psycopg.connect(url, autocommit=True) as observer:
        rows = observer.execute(
            "SELECT (classid::bigint << 32) | objid::bigint, granted FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = %s ORDER BY 1",
            (pid,),
        ).fetchall()
    return [(int(value) - (1 << 64) if value >= 1 << 63 else int(value), granted) for value, granted in rows]


@pytest.mark.parametrize("arguments", [("k:first", "k:second"), ("k:second", "k:first")])
def test_locks_are_taken_in_ascending_id_order_whatever_the_argument_order(
    pg_url: str, arguments: tuple[str, str]
) -> None:
    low, high = sorted(arguments, key=lock_id)
    with psycopg.connect(pg_url) as holder, psycopg.connect(pg_url) as taker:
        # Another transaction holds the higher lock: the taker gets the lower one, then waits for the higher.
        held = PgDb(holder)
        held.lock(high)
        held.execute("SELECT 1")  # a lock is taken with the statement after it
        pid = taker.info.backend_pid

        def take() -> None:
            taking = PgDb(taker)
            taking.lock(*arguments)
            taking.execute("SELECT 1")
            taker.rollback()

        waiting = threading.Thread(target=take)
        waiting.start()
        deadline = time.monotonic() + 10
        while _held_locks(pg_url, pid) != [(lock_id(low), True), (lock_id(high), False)]:
            assert time.monotonic() < deadline, _held_locks(pg_url, pid)
            time.sleep(0.02)
        holder.rollback()
        waiting.join(timeout=10)
        assert not waiting.is_alive()


def test_transactions_locking_the_same_keys_in_opposite_orders_never_deadlock(runner: PgRunner) -> None:
    failures: list[BaseException] = []

    def worker(keys: tuple[str, ...]) -> None:
        def job(db: Db) -> None:
            db.lock(*keys)
            db.execute("SELECT pg_sleep(0.001)")

        try:
            for _ in range(30):
                runner.run(job, write=True)
        except BaseException as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(keys,)) for keys in [("x", "y", "z"), ("z", "y", "x")] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_a_serialization_failure_or_deadlock_runs_the_job_again(runner: PgRunner, sqlstate: str) -> None:
    attempts: list[int] = []

    def job(db: Db) -> int:
        attempts.append(len(attempts) + 1)
        db.execute("INSERT INTO items VALUES (?, ?)", (len(attempts), "attempt"))
        if len(attempts) < 3:
            db.execute(f"DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '{sqlstate}'; END $$")
        return len(attempts)

    assert runner.run(job, write=True) == 3
    # Only the last attempt's row was committed.
    assert runner.run(lambda db: db.execute("SELECT id FROM items").fetchall(), write=False) == [(3,)]


def test_a_conflict_that_outlasts_the_retries_is_unavailable_with_a_retry_hint(runner: PgRunner) -> None:
    runner.retries = 2
    attempts: list[int] = []

    def job(db: Db) -> None:
        attempts.append(1)
        db.execute("DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$")

    with pytest.raises(StoreUnavailable, match="40001") as raised:
        runner.run(job, write=True)
    assert len(attempts) == 3
    assert raised.value.retry_after == runner.retry_after


def test_a_real_serialization_conflict_is_retried_until_it_commits(runner: PgRunner) -> None:
    runner.run(lambda db: db.execute("INSERT INTO items VALUES (1, '0')"), write=True)
    attempts: list[int] = []

    def increment(db: Db) -> None:
        attempts.append(1)
        (label,) = db.execute("SELECT label FROM items WHERE id = 1").fetchone()
        time.sleep(0.05)
        db.execute("UPDATE items SET label = ? WHERE id = 1", (str(int(label) + 1),))

    threads = [
        threading.Thread(target=lambda: runner.run(increment, write=True, isolation="repeatable read"))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert runner.run(lambda db: db.execute("SELECT label FROM items").fetchone(), write=False) == ("3",)
    assert len(attempts) > 3  # at least one of them conflicted and ran again


def test_a_stopped_server_is_unavailable_and_the_pool_reconnects_once_it_is_back(
    pg_cluster: PgCluster, runner: PgRunner
) -> None:
    count = "SELECT count(*) FROM items"
    assert runner.run(lambda db: db.execute(count).fetchone(), write=False) == (0,)
    pg_cluster.stop()
    with pytest.raises(StoreUnavailable) as raised:
        runner.run(lambda db: db.execute(count).fetchone(), write=False)
    assert raised.value.retry_after > 0
    pg_cluster.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            assert runner.run(lambda db: db.execute(count).fetchone(), write=False) == (0,)
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the pool did not reconnect"
            time.sleep(0.2)


def test_a_connection_terminated_mid_transaction_is_unavailable_then_replaced(pg_url: str, runner: PgRunner) -> None:
    def terminated(db: Db) -> None:
        db.execute("INSERT INTO items VALUES (1, 'lost')")
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s "
                "AND pid <> pg_backend_pid()",
                ("returns-gateway",),
            )
        db.execute("SELECT 1")

    with pytest.raises(StoreUnavailable, match=r"57P01|closed|terminat"):
        runner.run(terminated, write=True)
    assert runner.run(lambda db: db.execute("SELECT count(*) FROM items").fetchone(), write=False) == (0,)


def test_an_unreachable_server_is_unavailable_when_the_pool_opens() -> None:
    from tests.pgcluster import free_port

    closed = PgRunner(f"postgresql://postgres@127.0.0.1:{free_port()}/none", timeout=0.5, connect_timeout=1)
    try:
        with pytest.raises(StoreUnavailable, match="not reachable"):
            closed.open(wait=True)
    finally:
        closed.close()
