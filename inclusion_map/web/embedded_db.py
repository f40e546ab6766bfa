"""The embedded SQLite files beside the store (error reports, organiser accounts and their log).

They are separate from the GeoPackage so that a harvest, which replaces the GeoPackage, never
touches them; WAL journaling lets pages read while a report is written.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..files import owner_only


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating the folder and the tables when needed) with rows readable by column name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(schema)
    # Reports hold reporters' contacts, accounts hold password hashes: owner only.
    owner_only(path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    con.row_factory = sqlite3.Row
    return con
