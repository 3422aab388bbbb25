"""The SQLite backend: one database file, group commit, snapshot reads, background checkpoints."""

from store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
