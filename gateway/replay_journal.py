"""The replay progress journal: one JSON line per finished message, fsynced, so a killed run can resume."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO


class Journal:
    """Appends outcomes by message id; `done` holds the ids a resumed run may skip, with their recorded outcome."""

    def __init__(self, path: Path, resume: bool) -> None:
        self.path = path
        self.done: dict[str, str] = _read(path) if resume else {}
        self._file: IO[str] = path.open("a" if resume else "w", encoding="utf-8")

    def record(self, entries: list[tuple[str, str]]) -> None:
        """Write (message id, outcome) pairs and push them to disk before going on."""
        for message_id, outcome in entries:
            self._file.write(json.dumps({"id": message_id, "outcome": outcome}) + "\n")
            self.done[message_id] = outcome
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def _read(path: Path) -> dict[str, str]:
    """Ids recorded so far with their outcomes; a torn last line (power loss mid-write) is ignored."""
    if not path.exists():
        return {}
    done: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
            done[str(entry["id"])] = str(entry.get("outcome", "applied"))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return done
