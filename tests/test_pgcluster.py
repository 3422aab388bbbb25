"""The throwaway PostgreSQL cluster the PostgreSQL tests run on: a fresh database per test, a server that tests
can stop and restart, and a skip (or, when required, a failure) where PostgreSQL is missing."""

from __future__ import annotations

import psycopg
import pytest

from tests import pgcluster
from tests.pgcluster import TEMPLATE, PgCluster


def test_each_test_gets_its_own_writable_database(pg_url: str, pg_server: PgCluster) -> None:
    with psycopg.connect(pg_url) as connection:
        connection.execute("CREATE TABLE scratch (n BIGINT)")
        connection.execute("INSERT INTO scratch VALUES (1)")
        assert connection.execute("SELECT current_setting('fsync')").fetchone() == ("off",)
    with psycopg.connect(pg_server.url(TEMPLATE)) as template:
        found = template.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'").fetchone()
    assert found == (0,)


def test_a_second_database_starts_from_the_template_again(pg_url: str) -> None:
    with psycopg.connect(pg_url) as connection:
        found = connection.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'").fetchone()
    assert found == (0,)


def test_the_server_can_be_stopped_and_started_again(pg_cluster: PgCluster, pg_url: str) -> None:
    pg_cluster.stop()
    assert not pg_cluster.running()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(pg_url, connect_timeout=2)
    pg_cluster.start()
    with psycopg.connect(pg_url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_missing_postgresql_skips_with_its_reason_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgcluster, "bin_dir", lambda: None)
    monkeypatch.delenv("RETURNS_GATEWAY_TEST_REQUIRE", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        pgcluster.require_postgresql()
    monkeypatch.setenv("RETURNS_GATEWAY_TEST_REQUIRE", "chromium postgresql")
    with pytest.raises(pytest.fail.Exception, match="names postgresql"):
        pgcluster.require_postgresql()


def test_a_durable_cluster_of_its_own_keeps_fsync_and_is_removed_afterwards() -> None:
    pgcluster.require_postgresql()
    with PgCluster(durable=True) as cluster:
        with psycopg.connect(cluster.admin_url) as connection:
            assert connection.execute("SELECT current_setting('fsync')").fetchone() == ("on",)
        base = cluster.base
        assert base.is_dir()
    assert not base.exists()
    assert not cluster.running()
