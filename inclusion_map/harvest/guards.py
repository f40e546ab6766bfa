"""Guards of a harvest run: one run at a time per store, and no silent shrinkage of a source.

- :func:`harvest_lock`: a second harvest of the same store (another terminal, the /qualite
  button, a scheduled run) waits up to ``harvest.lock_wait_s`` then refuses with a clear message,
  instead of racing the first one and losing its update.
- :func:`shrink_problem`: a readable but wrong file (garbage rows, a file cut to a few unrelated
  rows, renamed columns) gives a source far fewer rows than its last good harvest. Such a source
  is ``suspect``: its previous layer stays until someone accepts the change
  (``python run.py harvest --accept-shrink SOURCE``).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StoreError


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".harvest-lock")


@contextmanager
def harvest_lock(store_path: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the store's harvest lock for the block (an advisory lock on a file beside the store).

    Raises
    ------
    StoreError
        When another harvest holds it for longer than ``wait_s`` seconds.
    """
    path = lock_path(Path(store_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_s
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(f"another harvest is running on this store ({_holder(path)})",
                                     hint="wait for it to finish (or set harvest.lock_wait_s to wait for it)") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")})
                 .encode())  # fmt: skip
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def harvest_running(store_path: Path) -> str | None:
    """Who holds the store's harvest lock (``None`` when nobody does)."""
    path = lock_path(Path(store_path))
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return _holder(path)
    finally:
        os.close(fd)
    return None


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    return f"process {info.get('pid', '?')}, started {info.get('since', 'at an unknown time')}"


def shrink_problem(name: str, kept: int, previous: int | None, max_share: float) -> str | None:
    """Why a source's new rows look wrong, or ``None``.

    Parameters
    ----------
    kept : int
        Rows of this harvest kept in the territory.
    previous : int or None
        Rows of the last good harvest of the same kind (live, or archive) in the store.
    max_share : float
        The largest accepted fall, as a share of ``previous`` (0.5: half the rows may go).
    """
    if not previous or kept >= previous * (1 - max_share):
        return None
    fall = 1 - kept / previous
    return (f"{kept} rows kept in the territory against {previous} at the last good harvest (-{fall:.0%}, more "
            f"than the {max_share:.0%} allowed by harvest.shrink_max_share): the previous layer stays. If the "
            f"change is real, accept it with: python run.py harvest --accept-shrink {name}")
