"""Bounds on what one source may cost a harvest: total time, bytes downloaded, bytes unpacked.

A public service cannot let one publisher's server hold a run for hours (a slow drip of bytes
never trips a read timeout, since each byte comes in time) or fill the memory (a small gzip file
may unpack to gigabytes). The pipeline sets limits on the session for the time of one source
(:func:`bounded`); every download of :mod:`inclusion_map._http` reads its body through
:func:`read_body`, which stops at the first limit crossed and says which setting to raise.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import requests

from .errors import SourceUnavailable

CHUNK = 1 << 14  # small reads, so that the limits are checked often


@dataclass(frozen=True)
class Limits:
    """The bounds of the downloads made through one session (``None``: unbounded)."""

    deadline: float | None = None  # time.monotonic() after which no download may go on
    seconds: float | None = None  # the time limit itself, for messages
    max_bytes: int | None = None  # bytes received from the server
    max_unpacked: int | None = None  # bytes after decompression (gzip, deflate)

    def remaining(self, url: str) -> float | None:
        """Seconds left before the deadline; raises when none are left."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise self.too_long(url)
        return left

    def too_long(self, url: str) -> SourceUnavailable:
        return SourceUnavailable(f"{url}: the source took longer than {self.seconds:g} s",
                                 hint="raise harvest.source_time_limit_s if the publisher is only slow")  # fmt: skip


def limits_of(session: requests.Session) -> Limits:
    return getattr(session, "inclusion_limits", None) or Limits()


@contextmanager
def bounded(session: requests.Session, time_s: float, max_mb: float, max_unpacked_mb: float) -> Iterator[None]:
    """Bound every download made through ``session`` inside the block (time in seconds, sizes in MB)."""
    before = getattr(session, "inclusion_limits", None)
    session.inclusion_limits = Limits(time.monotonic() + time_s, time_s, int(max_mb * 1e6),
                                      int(max_unpacked_mb * 1e6))  # fmt: skip
    try:
        yield
    finally:
        session.inclusion_limits = before


def request_timeout(session: requests.Session, url: str, default: float | None) -> float | None:
    """The timeout of one request: the session's, but never beyond the source's deadline."""
    left = limits_of(session).remaining(url)
    if left is None:
        return default
    return min(default, left) if default else left


def read_body(response: requests.Response, url: str, limits: Limits, progress=None) -> bytes:
    """The whole body of a streamed response, within ``limits``.

    Raises
    ------
    SourceUnavailable
        When the body is larger than allowed (announced or received), unpacks to more than
        allowed, or is still coming at the deadline.
    """
    announced = int(response.headers.get("Content-Length") or 0)
    if limits.max_bytes and announced > limits.max_bytes:
        raise _too_big(url, limits.max_bytes)
    expired = threading.Event()
    watchdog = None
    if limits.deadline is not None:
        # A blocked read cannot check the clock: at the deadline, close the connection under it.
        watchdog = threading.Timer(max(0.0, limits.deadline - time.monotonic()), _cut, (response, expired))
        watchdog.daemon = True
        watchdog.start()
    chunks, unpacked = [], 0
    try:
        for chunk in response.iter_content(chunk_size=CHUNK):
            unpacked += len(chunk)
            chunks.append(chunk)
            if progress is not None:
                progress(len(chunk))
            if limits.max_bytes and _received(response) > limits.max_bytes:
                raise _too_big(url, limits.max_bytes)
            if limits.max_unpacked and unpacked > limits.max_unpacked:
                raise SourceUnavailable(f"{url}: the file unpacks to more than {limits.max_unpacked / 1e6:g} MB",
                                        hint="raise harvest.max_decompressed_mb if the file is really that big")
            if expired.is_set():
                raise limits.too_long(url)
    except (requests.exceptions.RequestException, OSError, ValueError) as exc:
        if expired.is_set():
            raise limits.too_long(url) from None
        from ._http import describe_failure

        raise SourceUnavailable(describe_failure(url, exc)) from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if expired.is_set():
        raise limits.too_long(url)
    return b"".join(chunks)


def _too_big(url: str, limit: int) -> SourceUnavailable:
    return SourceUnavailable(f"{url}: the server sends more than {limit / 1e6:g} MB",
                             hint="raise harvest.max_download_mb if the file is really that big")  # fmt: skip


def _received(response: requests.Response) -> int:
    """Bytes read from the connection so far (before decompression)."""
    try:
        return int(response.raw.tell())
    except (AttributeError, TypeError, ValueError):
        return 0


def _cut(response: requests.Response, expired: threading.Event) -> None:
    """Shut the response's socket down, so that a read blocked on a slow server returns at once."""
    expired.set()
    raw = response.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:  # the connection already handed back: reach the socket through the reader
        reader = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
        sock = getattr(reader, "_sock", None)
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
