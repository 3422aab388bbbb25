"""Store errors every backend raises alike, so that callers outside `store/` never see a driver's exceptions."""

from __future__ import annotations


class StoreUnavailable(Exception):
    """The database cannot take the operation now (unreachable, restarting, out of connections, or contention
    that outlasted the retries); try again after `retry_after` seconds.

    Nothing was committed, except when the connection broke during the commit itself, when the outcome is unknown:
    the gateway's operations are idempotent by message id, so the retry the hint invites answers from what was
    stored, or stores it then.
    """

    def __init__(self, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
