"""``Idempotency-Key`` on POST: a repeat gets the first response, never a second object.

Keys are kept in the server's memory for 24 hours (at most ``MAX_KEYS``, the oldest dropped
first), per token: a restart forgets them. A repeat that arrives while the first request is still
running waits for its response. Responses of 5xx are not kept (the write did not happen: a retry
runs again).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field

RETENTION_SECONDS = 24 * 3600
MAX_KEYS = 100_000
MAX_KEY_LENGTH = 255


@dataclass(slots=True)
class Saved:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Entry:
    fingerprint: str
    created: float
    done: asyncio.Future[Saved | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


class IdempotencyKeys:
    def __init__(self, retention: float = RETENTION_SECONDS, max_keys: int = MAX_KEYS) -> None:
        self.retention = retention
        self.max_keys = max_keys
        self.entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()

    def _expire(self, now: float) -> None:
        while self.entries:
            key, entry = next(iter(self.entries.items()))
            if now - entry.created < self.retention and len(self.entries) <= self.max_keys:
                break
            if not entry.done.done():  # still running: keep it (a repeat must wait for it)
                self.entries.move_to_end(key)
                break
            del self.entries[key]

    def begin(self, user: str, key: str, print_: str) -> tuple[Entry, bool]:
        """(the entry, whether this request is the first with that key)."""
        now = time.monotonic()
        self._expire(now)
        found = self.entries.get((user, key))
        if found is not None:
            return found, False
        entry = Entry(print_, now)
        self.entries[(user, key)] = entry
        return entry, True

    def finish(self, user: str, key: str, entry: Entry, saved: Saved | None) -> None:
        """``saved`` None: the request failed on the server side; the key is forgotten."""
        if saved is None and self.entries.get((user, key)) is entry:
            del self.entries[(user, key)]
        if not entry.done.done():
            entry.done.set_result(saved)
