"""The embedded SQLite files beside the store (error reports, organiser accounts, their sessions and
log, organisers' corrections).

They are separate from the GeoPackage so that a harvest, which replaces the GeoPackage, never
touches them; WAL journaling lets pages read while a report is written. This module is outside the
web package because the harvest reads the corrections file too (no Flask needed for that).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .files import owner_only


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating the folder, the file and the tables when needed) with rows readable by name.

    Parameters
    ----------
    path : Path
        The SQLite file.
    schema : str
        ``CREATE … IF NOT EXISTS`` statements run on each opening.

    Returns
    -------
    sqlite3.Connection
        In Python's default transaction handling; the caller closes it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Reports hold reporters' contacts, accounts hold password hashes: the file is created here,
    # owner-only from its first instant, before SQLite opens it (SQLite would create it with the
    # umask's mode, often world-readable). SQLite gives its -wal and -shm files the database
    # file's mode, so they are private too.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=10)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(schema)
    # Files made before this rule (or restored from a backup) are made private again.
    owner_only(path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    con.row_factory = sqlite3.Row
    return con


@contextlib.contextmanager
def immediate(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """One write transaction taken at its start (``BEGIN IMMEDIATE``), committed at the end.

    What is read inside cannot be changed by another request before this one writes: a rate limit
    counts and inserts in one step, so parallel requests queue instead of all seeing the same count.

    Parameters
    ----------
    path : Path
        The SQLite file.
    schema : str
        Its tables, created when needed.

    Yields
    ------
    sqlite3.Connection
        Rolled back if the block raises; closed at the end.
    """
    con = connect(path, schema)
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
