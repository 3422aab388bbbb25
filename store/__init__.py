"""Persistence behind a small async interface; all SQL lives here (SQLite by default)."""
