"""SIGINT, SIGTERM and SIGHUP raise ``Interrupted``, so an interrupted command unwinds like on Ctrl-C.

Python's default SIGTERM ends the process at once: SQLite still rolls back an unfinished apply,
but the apply lock row stays behind (taken over later on this host, not from another one). As an
exception, both signals run the ``finally`` blocks: the transaction is rolled back, the lock
released, and the exit code is 128 + the signal (130 for SIGINT, 143 for SIGTERM, 129 for
SIGHUP: the terminal running an apply was closed).

Once the first signal was raised, cleanup is under way: a second signal does not interrupt it
(rolling back and releasing the lock take a moment); a third ends the process at once.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import ClassVar

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A command stopped by a signal; ``outcome`` says what became of its work, when known."""

    def __init__(self, signum: int = signal.SIGINT, outcome: str | None = None) -> None:
        self.signum = signum
        self.outcome = outcome
        self.message = describe(signum) + (f"; {outcome}" if outcome else "")
        super().__init__(self.message)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def describe(signum: int) -> str:
    names: dict[int, str] = {signal.SIGTERM: "terminated (SIGTERM)", signal.SIGHUP: "hung up (SIGHUP)"}
    return names.get(signum, "interrupted")


def signal_of(exc: KeyboardInterrupt) -> int:
    return exc.signum if isinstance(exc, Interrupted) else signal.SIGINT


class _State:
    received: ClassVar[list[int]] = []
    finished: ClassVar[bool] = False


def finished() -> None:
    """The command's work is done (e.g. the apply committed and the store is closed): a signal
    from now on is ignored, the command ends as it would have."""
    _State.finished = True


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.finished:
        return
    _State.received.append(signum)
    if len(_State.received) == 1:
        raise Interrupted(signum)
    if len(_State.received) >= 3:
        os._exit(128 + signum)
    try:
        sys.stderr.write("offerspec: cleaning up (rolling back, releasing the lock); "
                         "interrupt once more to quit at once\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def install() -> None:
    """Route SIGINT, SIGTERM and SIGHUP to ``Interrupted`` (the CLI's process; call from the main thread)."""
    _State.received = []
    _State.finished = False
    for signum in SIGNALS:
        signal.signal(signum, _handler)
