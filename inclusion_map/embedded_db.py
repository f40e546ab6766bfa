"""The side databases of the store (error reports, organiser accounts, their sessions and log,
organisers' corrections, actors): SQLite files beside a GeoPackage store, or schemas of a PostGIS
store.

They are separate from the store's layers so that a harvest, which replaces the GeoPackage, never
touches them; WAL journaling lets pages read while a report is written. This module is outside the
web package because the harvest reads the corrections too (no Flask needed for that).

The stores write one SQL for both backends: ``?`` placeholders, ``CREATE … IF NOT EXISTS`` schemas
in SQLite's types (translated here for PostgreSQL), ``INSERT … ON CONFLICT`` and ``RETURNING``
rather than ``INSERT OR REPLACE`` and ``lastrowid``. Rows read by index, by name and with
``dict(row)`` on both.

On PostgreSQL (:class:`~inclusion_map.locations.SideDatabase`), each side database is the schema
``side_<name>``; ``TEXT`` columns use the ``"C"`` collation so that text compares and sorts byte by
byte as in SQLite (ISO timestamps, ids); ``INTEGER`` is ``BIGINT`` and ``REAL`` ``DOUBLE
PRECISION``, SQLite's sizes. Connections come from a small pool of this process.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import postgres
from .files import owner_only
from .locations import SideDatabase

Target = Path | SideDatabase

#: how long a writer waits for the others (SQLite's busy timeout, PostgreSQL's lock_timeout)
WAIT_S = 10


def exists(target: Target) -> bool:
    """Whether the side database was created: its file, or its PostgreSQL schema.

    Reading a side database that does not exist yet gives nothing rather than creating it.
    """
    if isinstance(target, SideDatabase):
        if (target.url, target.schema) in _MADE:
            return True  # made by this process (a schema is never removed while the site runs)
        con = postgres.take(target.url, target.schema, _row_factory)
        try:
            row = con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (target.schema,)).fetchone()
            con.rollback()
        except BaseException:
            con.close()
            raise
        postgres.give_back(con, target.url, target.schema)
        return row is not None
    return Path(target).is_file()


def connect(target: Target, schema: str):
    """Open (creating the folder, the file or schema, and the tables when needed) with rows readable
    by name.

    Parameters
    ----------
    target : Path or SideDatabase
        The SQLite file, or the PostgreSQL schema.
    schema : str
        ``CREATE … IF NOT EXISTS`` statements (SQLite's dialect) run on each opening.

    Returns
    -------
    sqlite3.Connection or PgConnection
        In Python's default transaction handling (a transaction opens at the first change, or at
        the first statement on PostgreSQL); the caller commits and closes it.
    """
    if isinstance(target, SideDatabase):
        return _pg_connect(target, schema)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Reports hold reporters' contacts, accounts hold password hashes: the file is created here,
    # owner-only from its first instant, before SQLite opens it (SQLite would create it with the
    # umask's mode, often world-readable). SQLite gives its -wal and -shm files the database
    # file's mode, so they are private too.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=WAIT_S)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(schema)
    # Files made before this rule (or restored from a backup) are made private again.
    owner_only(path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    con.row_factory = sqlite3.Row
    return con


@contextlib.contextmanager
def transaction(target: Target, schema: str) -> Iterator[Any]:
    """A connection for the block: committed at the end, rolled back if the block raises, closed.

    Unlike :func:`immediate`, other writers are not held off while the block reads.

    Parameters
    ----------
    target : Path or SideDatabase
        The SQLite file, or the PostgreSQL schema.
    schema : str
        Its tables, created when needed.
    """
    con = connect(target, schema)
    try:
        with con:  # commits, or rolls back on an exception
            yield con
    finally:
        con.close()


@contextlib.contextmanager
def immediate(target: Target, schema: str) -> Iterator[Any]:
    """One write transaction taken at its start (``BEGIN IMMEDIATE``), committed at the end.

    What is read inside cannot be changed by another request before this one writes: a rate limit
    counts and inserts in one step, so parallel requests queue instead of all seeing the same count.
    On PostgreSQL the writers of one side database queue on a transaction-level advisory lock of
    that schema, taken first; each statement then sees what the writers before committed.

    Parameters
    ----------
    target : Path or SideDatabase
        The SQLite file, or the PostgreSQL schema.
    schema : str
        Its tables, created when needed.

    Yields
    ------
    sqlite3.Connection or PgConnection
        Rolled back if the block raises; closed at the end.
    """
    if isinstance(target, SideDatabase):
        con = _pg_connect(target, schema)
        try:
            # waits (up to WAIT_S, as SQLite's busy timeout) for the other writers
            con.raw.execute(f"SET LOCAL lock_timeout = '{WAIT_S}s'")
            con.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key("write", target),))
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()
        finally:
            con.close()
        return
    con = connect(target, schema)
    con.isolation_level = None  # the transaction is ours: no implicit BEGIN from the sqlite3 module
    try:
        con.execute("BEGIN IMMEDIATE")  # waits (up to the 10 s timeout) for the other writers
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


def is_sqlite(con) -> bool:
    """Whether ``con`` (from :func:`connect`) is an SQLite connection (for SQLite-only pragmas)."""
    return isinstance(con, sqlite3.Connection)


def _lock_key(kind: str, target: SideDatabase) -> int:
    return postgres.lock_key(kind, target.schema)


# --- PostgreSQL --------------------------------------------------------------------------------------


class Row(tuple):
    """A row read by index, by column name, and turned into a dict with ``dict(row)``, as
    :class:`sqlite3.Row`."""

    __slots__ = ()
    _names: tuple[str, ...] = ()

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                key = self._names.index(key)
            except ValueError:
                raise IndexError(f"no such column: {key}") from None
        return super().__getitem__(key)


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    # one class per column list: the names are not copied into every row
    return type("Row", (Row,), {"__slots__": (), "_names": names})


def _row_factory(cursor):
    if cursor.description is None:
        return tuple
    return _row_class(tuple(c.name for c in cursor.description))


class PgConnection:
    """A pooled PostgreSQL connection with the part of :class:`sqlite3.Connection`'s interface the
    stores use: ``execute`` with ``?`` placeholders (returning a cursor with ``fetchone``,
    ``fetchall``, ``rowcount`` and iteration), ``executescript``, ``commit``, ``rollback``,
    ``close`` (back to the pool) and ``with con:`` (commit, or roll back on an exception).
    """

    def __init__(self, raw, url: str, schema: str):
        self.raw = raw  # the psycopg connection
        self._url, self._schema = url, schema

    def execute(self, sql: str, params=()):
        return self.raw.execute(_pg_sql(sql), tuple(params))

    def executescript(self, script: str) -> None:
        for statement in _pg_ddl(script):
            self.raw.execute(statement)

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def close(self) -> None:
        if self.raw is None:
            return
        raw, self.raw = self.raw, None
        postgres.give_back(raw, self._url, self._schema)

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, kind, value, tb) -> bool:
        if kind is None:
            self.commit()
        else:
            self.rollback()
        return False


_READY: set[tuple[str, str, str]] = set()  # (url, schema, DDL) made in this process
_MADE: set[tuple[str, str]] = set()  # (url, schema) made in this process
_READY_LOCK = threading.Lock()


def _pg_connect(target: SideDatabase, schema: str) -> PgConnection:
    raw = postgres.take(target.url, target.schema, _row_factory)
    raw.autocommit = False  # transactions as sqlite3's: opened by the first statement
    con = PgConnection(raw, target.url, target.schema)
    try:
        key = (target.url, target.schema, schema)
        if key not in _READY:
            _create(con, target, schema)
            with _READY_LOCK:
                _READY.add(key)
                _MADE.add((target.url, target.schema))
    except BaseException:
        con.close()
        raise
    return con


def _create(con: PgConnection, target: SideDatabase, schema: str) -> None:
    """Create the schema and its tables, once per process: processes starting together queue on an
    advisory lock, since ``CREATE … IF NOT EXISTS`` run at the same instant can still collide."""
    from psycopg import sql

    con.raw.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key("create", target),))
    con.raw.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target.schema)))
    con.executescript(schema)
    con.commit()


_LITERAL = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")


@lru_cache(maxsize=512)
def _pg_sql(query: str) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (``%`` doubled, it is psycopg's escape);
    quoted literals and identifiers keep their ``?``."""
    parts = _LITERAL.split(query)
    for i, part in enumerate(parts):
        part = part.replace("%", "%%")
        parts[i] = part if i % 2 else part.replace("?", "%s")
    return "".join(parts)


_DDL_TYPES = [
    (re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", re.I), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bTEXT\b", re.I), 'TEXT COLLATE "C"'),
]  # fmt: skip


@lru_cache(maxsize=32)
def _pg_ddl(script: str) -> tuple[str, ...]:
    """SQLite ``CREATE … IF NOT EXISTS`` statements in PostgreSQL's types, PRAGMAs left out.

    SQLite's types become PostgreSQL's of the same range (SQLite's INTEGER holds 64 bits, its REAL
    is a double), and TEXT sorts by bytes as SQLite's default collation does.
    """
    out = []
    for statement in script.split(";"):
        statement = statement.strip()
        if not statement or statement.upper().startswith("PRAGMA"):
            continue
        parts = _LITERAL.split(statement)
        for i in range(0, len(parts), 2):  # outside quoted literals and identifiers
            for pattern, replacement in _DDL_TYPES:
                parts[i] = pattern.sub(replacement, parts[i])
        out.append("".join(parts))
    return tuple(out)
