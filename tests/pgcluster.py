"""A throwaway PostgreSQL cluster for tests: Debian's PostgreSQL 15 binaries, nothing downloaded.

The cluster lives in a fresh directory under the system temporary directory (pytest's `tmp_path` is private to
root, and `initdb` refuses to run as root: as root every server command runs as the `postgres` user through
`runuser`). It listens on a free loopback port and on a Unix socket in its own directory. Functional tests run it
with `fsync=off`; durability tests and benchmarks ask for `durable=True`.

It is stopped and removed when the tests end, also when they are interrupted: by the session fixture's
teardown, by an exit handler, and, should the test process be killed outright, by a small watchdog process that
notices the test process is gone.

When PostgreSQL is missing the tests that need it skip with that reason, unless RETURNS_GATEWAY_TEST_REQUIRE names
"postgresql" (as CI does), when they fail instead.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

# PostgreSQL 15 first, then any other version Debian installed.
BIN_DIRS = (
    Path("/usr/lib/postgresql/15/bin"),
    *sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: path.parent.name, reverse=True),
)
SERVER_USER = "postgres"
TEMPLATE = "rg_template"

# Run by the watchdog: wait while the test process lives, then stop the server and remove its directory.
_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, base, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    if not os.path.isdir(base):
        sys.exit(0)
    time.sleep(0.5)
subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
shutil.rmtree(base, ignore_errors=True)
"""


def bin_dir() -> Path | None:
    """The directory holding initdb and pg_ctl: Debian's PostgreSQL 15, another Debian version, else PATH's."""
    for candidate in BIN_DIRS:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    return None


def missing() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    if bin_dir() is None:
        return (
            "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/15/bin or on PATH: "
            "apt-get install postgresql)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the PostgreSQL server as"
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "the psycopg and psycopg-pool packages are not installed (pip install -e '.[dev]')"
    return None


def require_postgresql() -> None:
    """Skip with the reason when PostgreSQL is missing; fail instead when the environment requires it."""
    reason = missing()
    if reason is None:
        return
    if "postgresql" in os.environ.get("RETURNS_GATEWAY_TEST_REQUIRE", ""):
        pytest.fail(f"RETURNS_GATEWAY_TEST_REQUIRE names postgresql but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One PostgreSQL server in its own directory. `start()` creates it on first use; `with PgCluster(...) as
    cluster:` starts it and removes it afterwards (for a test that needs a server of its own, e.g. durable)."""

    def __init__(
        self,
        *,
        durable: bool = False,
        port: int | None = None,
        listen: str = "127.0.0.1",
        trusted_networks: tuple[str, ...] = (),
        settings: dict[str, str] | None = None,
    ) -> None:
        found = bin_dir()
        if found is None:
            raise RuntimeError(missing() or "PostgreSQL is not installed")
        self.bin = found
        self.port = port or free_port()
        self._port_chosen = port is None
        self.host = "127.0.0.1"
        self.listen = listen
        self.trusted_networks = trusted_networks
        self.durable = durable
        self.settings = {"max_connections": "300", **(settings or {})}
        self.base = Path(tempfile.mkdtemp(prefix="rg-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self._as_server_user = os.geteuid() == 0
        if self._as_server_user:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.base, account.pw_uid, account.pw_gid)
        self.base.chmod(0o700)
        self._names = itertools.count(1)
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._initialized = False
        self._started_once = False
        self._removed = False

    # -- addresses ---------------------------------------------------------------------------------------------

    def url(self, database: str = "postgres", host: str | None = None) -> str:
        return f"postgresql://{SERVER_USER}@{host or self.host}:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    # -- server lifecycle ----------------------------------------------------------------------------------------

    def _command(self, program: str, *arguments: str) -> list[str]:
        command = [str(self.bin / program), *arguments]
        return ["runuser", "-u", SERVER_USER, "--", *command] if self._as_server_user else command

    def _run(self, program: str, *arguments: str) -> None:
        completed = subprocess.run(self._command(program, *arguments), capture_output=True, check=False)
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).decode("utf-8", "replace").strip()
            log = self.log.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} {' '.join(arguments)} failed: {detail}\n{log}")

    def _server_options(self) -> str:
        options = [f"-k {self.base}", f"-p {self.port}", f"-c listen_addresses={self.listen}"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        return " ".join(options)

    def _initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", SERVER_USER, "-E", "UTF8", "--locale=C", "--no-sync"
        )
        if self.trusted_networks:
            hba = self.data / "pg_hba.conf"
            lines = "".join(f"host all all {network} trust\n" for network in self.trusted_networks)
            with hba.open("a", encoding="utf-8") as conf:
                conf.write(lines)
        self._initialized = True
        self._start_watchdog()
        atexit.register(self.remove)

    def _start_watchdog(self) -> None:
        stop = self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(self.base), *stop],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def start(self) -> None:
        if not self._initialized:
            self._initdb()
        if self.running():
            return
        for attempt in range(3):
            try:
                self._run(
                    "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._server_options(), "-w", "start"
                )
                return
            except RuntimeError as error:
                # The free port was taken by another process in the meantime: choose another (first start only).
                if (
                    not (self._port_chosen and not self._started_once and "already in use" in str(error))
                    or attempt == 2
                ):
                    raise
                self.port = free_port()
            finally:
                self._started_once = self._started_once or self.running()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` (clients disconnected, clean shutdown) or `immediate` (as if it crashed)."""
        if self._initialized and self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        if not self._initialized:
            return False
        completed = subprocess.run(self._command("pg_ctl", "-D", str(self.data), "status"), capture_output=True)
        return completed.returncode == 0

    def remove(self) -> None:
        """Stop the server and delete its directory (idempotent)."""
        if self._removed:
            return
        self._removed = True
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)
        if self._watchdog is not None:
            # The directory is gone: the watchdog exits by itself within half a second.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._watchdog.wait(timeout=5)
            if self._watchdog.poll() is None:
                self._watchdog.kill()
                self._watchdog.wait()

    # -- databases ---------------------------------------------------------------------------------------------

    def admin(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on the maintenance database, outside a transaction; rows it returns, if any."""
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as connection:
            cursor = connection.execute(sql.encode(), params)
            return cursor.fetchall() if cursor.description else []

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """A new database (from a template when named); its URL."""
        name = name or f"rg_test_{os.getpid()}_{next(self._names)}"
        clause = f" TEMPLATE {template}" if template else ""
        self.admin(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def __enter__(self) -> PgCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
