"""Background checkpoints: committed WAL pages are copied into the database file mostly apart from the write lock."""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from pathlib import Path

from store.sqlite.writer import lock_path, open_connection

LOG = logging.getLogger("returns_gateway.store")
INTERVAL_SECONDS = 0.25


class Checkpointer:
    """Every INTERVAL_SECONDS, a checkpoint on a connection and thread of its own, in two steps.

    Left to SQLite, the writer whose commit takes the WAL past 1,000 pages copies them into the database file and
    syncs it inside that commit, holding the write lock meanwhile: every worker's writes wait for it. Here a passive
    checkpoint first copies the pages while the writers go on; then, holding the write lock briefly, a second one
    copies the few pages committed meanwhile, so that the next writer starts the WAL over instead of growing it.
    When nothing was committed meanwhile, the first one copied every page and the lock is not taken at all: held by
    this thread, it is held until the thread wins the interpreter lock back after each call, which on a busy
    worker takes milliseconds.
    """

    def __init__(self, path: Path, interval: float = INTERVAL_SECONDS) -> None:
        self._path, self._interval = path, interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self.rounds = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        connection = open_connection(self._path)
        try:
            with lock_path(self._path).open("a") as lock:
                while not self._stopping.wait(self._interval):
                    self._round(connection, lock.fileno())
        finally:
            connection.close()

    def _round(self, connection: sqlite3.Connection, lock: int) -> None:
        try:
            if _checkpoint(connection):
                self.rounds += 1
                return  # nothing was committed meanwhile: the next writer starts the WAL over by itself
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                _checkpoint(connection)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        except sqlite3.Error as exc:  # the next round tries again; a writer checkpoints if the WAL grows too long
            LOG.warning("background checkpoint failed: %s", exc)
        self.rounds += 1


def _checkpoint(connection: sqlite3.Connection) -> bool:
    """A passive checkpoint; whether it copied every frame of the WAL (no writer committed while it ran)."""
    busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return bool(busy == 0 and frames == copied)
