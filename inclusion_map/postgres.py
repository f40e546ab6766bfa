"""Connections to PostgreSQL, shared by the PostGIS store, the side databases and the harvest lock.

- :func:`connect` opens a connection of its own (a writer's transaction, a lock held for a harvest)
  and turns "the server does not answer" into :class:`~inclusion_map.errors.StoreUnavailable`
  (a 503 for the pages), with the URL's password left out;
- :func:`take` and :func:`give_back` keep a few idle connections per process, per URL and schema
  (``search_path``), so that a page's short queries do not each open one; :func:`connection` wraps
  them for a block;
- :func:`lock_key` names advisory locks the same way in every process and machine.

The pool belongs to one process: a forked web worker starts with an empty one, and its parent
closes its idle connections before the fork, so no socket is ever shared.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from .errors import StoreError, StoreUnavailable
from .locations import redact

#: idle connections kept per process, URL and schema
POOL_SIZE = 4
#: an idle connection older than this is closed rather than reused (servers and firewalls drop
#: long-idle sessions; a fresh one costs less than a failed request)
POOL_IDLE_S = 300.0
#: seconds to wait for the server to accept a connection
CONNECT_TIMEOUT_S = 10

log = logging.getLogger(__name__)


def _psycopg():
    try:
        import psycopg
    except ImportError as exc:  # declared in pyproject.toml; a trimmed install may lack it
        raise StoreError("the PostGIS store needs psycopg", hint="pip install 'psycopg[binary]'") from exc
    return psycopg


def connect(url: str, **options: Any):
    """A new connection to ``url`` (psycopg ``options`` such as ``autocommit``, ``row_factory``).

    Raises
    ------
    StoreUnavailable
        When the server does not answer, with libpq's first line (its details may name addresses).
    """
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, **options)
    except psycopg.OperationalError as exc:
        line = (str(exc).strip().splitlines() or ["no answer"])[0]
        detail = f"{redact(url)}: {line}"
        log.warning("the PostGIS store does not answer: %s", detail)  # for the site's team
        raise StoreUnavailable("cannot connect to the store's database",
                               hint="check that the database server runs, and store.url or "
                                    "INCLUSION_MAP_STORE_URL", detail=detail) from None  # fmt: skip


def lock_key(kind: str, name: str) -> int:
    """An advisory lock key (a signed 64-bit integer) for ``kind`` and ``name``.

    Stable across processes and machines, unlike Python's ``hash``.
    """
    digest = hashlib.blake2b(f"inclusion_map:{kind}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Pool:
    """The idle connections of one process, per (URL, schema)."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.idle: dict[tuple[str, str | None], list[tuple[float, Any]]] = {}


_POOL = _Pool()
#: pools inherited through ``fork``: kept referenced, never closed nor collected in the child,
#: since closing a connection there would end the parent's session on the shared socket
_INHERITED: list[_Pool] = []


def _pool() -> _Pool:
    global _POOL
    if _POOL.pid != os.getpid():
        _INHERITED.append(_POOL)
        _POOL = _Pool()
    return _POOL


def take(url: str, schema: str | None = None, row_factory=None):
    """An idle connection to ``url`` (``search_path`` set to ``schema``, then ``public``), or a new
    one, in autocommit mode; hand it back with :func:`give_back`."""
    pool = _pool()
    stale, found = [], None
    with pool.lock:
        stack = pool.idle.get((url, schema), [])
        while stack:
            since, con = stack.pop()
            if time.monotonic() - since < POOL_IDLE_S and not con.closed:
                found = con
                break
            stale.append(con)
    for con in stale:
        with contextlib.suppress(Exception):
            con.close()
    if found is not None:
        found.autocommit = True
        return found
    options = {"row_factory": row_factory} if row_factory else {}
    con = connect(url, autocommit=True, **options)
    if schema is not None:
        from psycopg import sql

        try:  # public too: PostGIS's types and functions live there
            con.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(schema)))
        except BaseException:
            con.close()
            raise
    return con


def give_back(con, url: str, schema: str | None = None) -> None:
    """Return a connection to the pool (rolled back first), or close it when broken or in excess."""
    from psycopg.pq import TransactionStatus

    pool = _pool()
    with contextlib.suppress(Exception):
        if not con.closed and not con.broken and con.info.transaction_status != TransactionStatus.IDLE:
            con.rollback()
    if con.closed or con.broken or con.info.transaction_status != TransactionStatus.IDLE:
        with contextlib.suppress(Exception):
            con.close()
        return
    with pool.lock:
        stack = pool.idle.setdefault((url, schema), [])
        if len(stack) < POOL_SIZE:
            stack.append((time.monotonic(), con))
            return
    con.close()


@contextlib.contextmanager
def connection(url: str, schema: str | None = None) -> Iterator:
    """A pooled autocommit connection for the block."""
    con = take(url, schema)
    try:
        yield con
    finally:
        give_back(con, url, schema)


def release(url: str | None = None) -> None:
    """Close this process's idle connections (to ``url``, or all): before a fork, and before a
    database is dropped or copied as a template, which PostgreSQL refuses while anyone is connected."""
    pool = _POOL
    if pool.pid != os.getpid():
        return
    with pool.lock:
        keys = [k for k in pool.idle if url is None or k[0] == url]
        idle = [con for key in keys for _, con in pool.idle.pop(key)]
    for con in idle:
        with contextlib.suppress(Exception):
            con.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=release)
