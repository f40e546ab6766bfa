"""Keep within a web service's request rate: a client-side rate limiter and ``Retry-After`` parsing.

The Géoplateforme geocoder allows 50 requests a second per IP address and answers 429 beyond.
Spacing our own requests is cheaper than being refused, and a 429's ``Retry-After`` is honoured
but capped, so a long value from the server can never stall a harvest or a page.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class RateLimiter:
    """Space the calls of every thread at least ``1 / per_second`` seconds apart.

    Parameters
    ----------
    clock, sleep : callable
        ``time.monotonic`` and ``time.sleep`` by default; tests pass a fake clock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):  # fmt: skip
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")  # when the next call may start
        self._lock = threading.Lock()

    def wait(self, per_second: float, max_wait_s: float | None = None) -> bool:
        """Wait for this call's turn; ``False`` (without waiting) if it is more than ``max_wait_s`` away."""
        with self._lock:
            now = self.clock()
            turn = max(now, self._next)
            if max_wait_s is not None and turn - now > max_wait_s:
                return False
            self._next = turn + 1.0 / per_second
        if turn > now:  # sleep outside the lock: the next caller already has its own, later, turn
            self.sleep(turn - now)
        return True

    def hold(self, seconds: float) -> None:
        """Let no call start for ``seconds`` (the service said "too many requests")."""
        with self._lock:
            self._next = max(self._next, self.clock() + seconds)


def retry_after_s(value: str | None, cap_s: float, default_s: float = 1.0) -> float:
    """Seconds to wait for a ``Retry-After`` header (delay in seconds or HTTP date), at most ``cap_s``.

    A missing or unreadable value waits ``default_s`` (still capped).
    """
    wait = default_s
    text = (value or "").strip()
    if text.isdigit():
        wait = float(text)
    elif text:
        with contextlib.suppress(TypeError, ValueError):  # not a date, or a date without a time zone
            wait = (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds()
    return min(max(wait, 0.0), cap_s)
