"""Guards of a harvest run: one run at a time per store, and no silent shrinkage of a source.

- :func:`harvest_lock`: a second harvest of the same store (another terminal, the /qualite
  button, a scheduled run) waits up to ``harvest.lock_wait_s`` then refuses with a clear message,
  instead of racing the first one and losing its update. A GeoPackage store's lock is a file lock
  beside it; a PostGIS store's is a session-level advisory lock of its database, which harvests
  started on other machines see too.
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
from ..locations import StoreLocation, is_postgis
from ..postgres import connect, connection, lock_key

#: a PostGIS store's harvest lock sessions are named so, with their process and start time
#: (PostgreSQL keeps at most 63 bytes of an application name)
APPLICATION = "inclusion_map harvest"
_BUSY = "wait for it to finish (or set harvest.lock_wait_s to wait for it)"


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".harvest-lock")


@contextmanager
def harvest_lock(where: StoreLocation, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the store's harvest lock for the block.

    Parameters
    ----------
    where : Path or str
        The GeoPackage (the lock is an advisory lock on a file beside it), or the PostGIS URL (a
        session-level advisory lock of the database, held by a connection of its own).
    wait_s : float
        How long to wait for another harvest to finish.

    Raises
    ------
    StoreError
        When another harvest holds it for longer than ``wait_s`` seconds.
    """
    if is_postgis(where):
        with _pg_harvest_lock(str(where), wait_s):
            yield
        return
    path = lock_path(Path(where))
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
                                     hint=_BUSY) from None  # fmt: skip
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")})
                 .encode())  # fmt: skip
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def harvest_running(where: StoreLocation) -> str | None:
    """Who holds the store's harvest lock (``None`` when nobody does).

    Parameters
    ----------
    where : Path or str
        The GeoPackage, or the PostGIS URL (the lock's holder is read from ``pg_locks``: asking
        never takes the lock, so it never makes a harvest starting at that instant fail).
    """
    if is_postgis(where):
        return _pg_holder(str(where))
    path = lock_path(Path(where))
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


def _pg_key() -> int:
    return lock_key("harvest", "store")  # advisory locks belong to one database: one store


@contextmanager
def _pg_harvest_lock(url: str, wait_s: float) -> Iterator[None]:
    """A session-level advisory lock, held by a connection of its own for the block.

    PostgreSQL releases it when that session ends, so a harvest that dies never leaves the store
    locked (as closing the lock file does).
    """
    since = datetime.now(UTC).isoformat(timespec="seconds")
    # a connection of its own (not pooled): the lock lives and dies with its session
    con = connect(url, autocommit=True, application_name=f"{APPLICATION} {os.getpid()} {since}")
    key = _pg_key()
    deadline = time.monotonic() + wait_s
    try:
        while not con.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise StoreError(f"another harvest is running on this store ({_pg_holder(url) or 'just ended'})",
                                 hint=_BUSY)  # fmt: skip
            time.sleep(0.2)
        yield
        con.execute("SELECT pg_advisory_unlock(%s)", (key,))  # at once: closing is seen a moment later
    finally:
        con.close()  # ending the session releases the lock in any case


def _pg_holder(url: str) -> str | None:
    """Who holds a PostGIS store's harvest lock, from ``pg_locks``; ``None`` when nobody does."""
    # A bigint advisory key shows in pg_locks as classid (its high 32 bits) and objid (its low
    # 32 bits), with objsubid 1.
    unsigned = _pg_key() & 0xFFFF_FFFF_FFFF_FFFF
    with connection(url) as con:
        row = con.execute(
            "SELECT a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::bigint = %s AND l.objid::bigint = %s LIMIT 1",
            (unsigned >> 32, unsigned & 0xFFFF_FFFF),
        ).fetchone()
    if row is None:
        return None
    words = (row[0] or "").removeprefix(APPLICATION).split()
    if len(words) == 2:
        return f"process {words[0]}, started {words[1]}"
    return "process ?, started at an unknown time"


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
