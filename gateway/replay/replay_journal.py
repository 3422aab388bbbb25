"""The replay progress journal: one JSON line per finished message, fsynced, so a killed run can resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO


class Journal:
    """Appends outcomes by message id and content digest; `done` holds what a resumed run may skip, with its
    recorded outcome, keyed by `key(message id, digest)` (and by the id alone for entries written without one).

    A message under an id the journal records for other content is not skipped: it is another message, and the
    gateway will tell (409) rather than the journal hiding it.
    """

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self.done: dict[str, str] = _read(path) if resume else {}
        torn = resume and path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
        self._file: IO[str] = path.open("a" if resume else "w", encoding="utf-8")
        if torn:
            self._file.write("\n")  # end a line torn by a crash, so that the next entry starts a line of its own

    def outcome(self, message_id: str, digest: str) -> str | None:
        """What the journal recorded for this message (this id with this content), or None."""
        return self.done.get(key(message_id, digest), self.done.get(message_id))

    def record(self, entries: list[tuple[str, str, str]]) -> None:
        """Write (message id, digest, outcome) entries and push them to disk before going on."""
        for message_id, digest, outcome in entries:
            self._file.write(json.dumps({"id": message_id, "digest": digest, "outcome": outcome}) + "\n")
            self.done[key(message_id, digest)] = outcome
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def key(message_id: str, digest: str) -> str:
    return f"{message_id} {digest}"


def _read(path: Path) -> dict[str, str]:
    """Entries recorded so far with their outcomes; a line that is not an entry (torn by power loss mid-write, not
    UTF-8, a byte-order mark, NULs) is ignored."""
    if not path.exists():
        return {}
    done: dict[str, str] = {}
    for raw in path.read_bytes().splitlines():
        try:
            entry = json.loads(raw.decode("utf-8").strip().lstrip("\ufeff"))
            found = str(entry["id"]) if not entry.get("digest") else key(str(entry["id"]), str(entry["digest"]))
            done[found] = str(entry.get("outcome", "applied"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return done
