"""The error reports left by the public, in a side database of the store (an SQLite file beside a
GeoPackage, or a schema of the PostGIS database: :mod:`inclusion_map.embedded_db`).

Reports are appended in one transaction each (WAL journal), so none is lost when the GeoPackage
is replaced by a harvest; the public form's rate limit is checked in that same transaction
(:meth:`ReportStore.add_within_limit`). Organisers list them with ``python run.py reports`` and on
``/qualite`` (the public sees their statuses only).

Reports hold what a person wrote and, if they gave one, how to reach them: they are deleted once
older than ``site.personal_data.report_retention_days`` (the personal data page says how long).
The site's store applies that retention each time it opens the file, and records it in the file,
so that a later opening without the settings (``python run.py reports``) applies it too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..embedded_db import Target, exists, immediate, is_sqlite, transaction
from ..locations import SideDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    venue_id TEXT NOT NULL,
    venue_name TEXT,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    contact TEXT,
    lang TEXT,
    client TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'nouveau'
);
CREATE INDEX IF NOT EXISTS reports_client ON reports (client, created_at);
CREATE INDEX IF NOT EXISTS reports_created ON reports (created_at);
CREATE TABLE IF NOT EXISTS retention (id INTEGER PRIMARY KEY CHECK (id = 1), days INTEGER NOT NULL);
"""


def configured_retention() -> int | None:
    """The running site's ``site.personal_data.report_retention_days``; None outside the site."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    settings = current_app.config.get("SETTINGS")
    return settings.site.personal_data.report_retention_days if settings is not None else None


class ReportStore:
    """Append and list error reports (one side database), deleting those past their retention.

    Parameters
    ----------
    path : str, Path or SideDatabase
        The SQLite file, or the PostgreSQL schema (:func:`~inclusion_map.locations.side_db`).
    retention_days : int, optional
        Reports older than this are deleted whenever the file is opened. Default: the running
        site's setting (:func:`configured_retention`), else the one last recorded in the file,
        else none.
    """

    def __init__(self, path: str | Path | SideDatabase, retention_days: int | None = None):
        self.path: Target = path if isinstance(path, SideDatabase) else Path(path)
        self.retention_days = retention_days if retention_days is not None else configured_retention()

    @contextlib.contextmanager
    def _connect(self) -> Iterator:
        """A connection for the block, the reports past their retention deleted first (committed)."""
        with transaction(self.path, SCHEMA) as con:
            self._purge(con, datetime.now(UTC))
            con.commit()
            yield con

    def _purge(self, con, now: datetime) -> int:
        """Delete the reports past the retention; record the retention given. Returns how many."""
        if is_sqlite(con):
            # Deleted messages and contacts are overwritten in the file, not only unlinked
            # (PostgreSQL leaves that to its VACUUM).
            con.execute("PRAGMA secure_delete = ON")
        days = self.retention_days
        if days is not None:
            con.execute("INSERT INTO retention (id, days) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET days = ?",
                        (days, days))  # fmt: skip
        else:
            row = con.execute("SELECT days FROM retention WHERE id = 1").fetchone()
            days = row[0] if row else None
        if days is None:
            return 0
        cutoff = (now - timedelta(days=days)).isoformat(timespec="seconds")
        return con.execute("DELETE FROM reports WHERE created_at < ?", (cutoff,)).rowcount

    def purge(self, now: datetime | None = None) -> int:
        """Delete now the reports older than the retention; returns how many were deleted.

        Parameters
        ----------
        now : datetime, optional
            Aware UTC time the ages are counted from (default: the clock).
        """
        if not exists(self.path):
            return 0
        with transaction(self.path, SCHEMA) as con:
            return self._purge(con, now or datetime.now(UTC))

    def add(self, venue_id: str, venue_name: str, kind: str, message: str, contact: str, lang: str,
            client: str) -> int:  # fmt: skip
        """Store one report; returns its number."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO reports (venue_id, venue_name, kind, message, contact, lang, client, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (venue_id, venue_name, kind, message, contact, lang, client, now),
            )
            return int(cur.fetchone()[0])

    def add_within_limit(self, venue_id: str, venue_name: str, kind: str, message: str, contact: str,
                         lang: str, client: str, limit: int, within: timedelta) -> int | None:  # fmt: skip
        """Store one report unless ``client`` already sent ``limit`` during the last ``within``.

        The count and the insertion are one transaction (``BEGIN IMMEDIATE``): requests sent at the
        same instant are counted one after the other, never all against the same count.

        Returns
        -------
        int or None
            The report's number, or None when the limit is reached (nothing stored).
        """
        now = datetime.now(UTC)
        since, at = (now - within).isoformat(timespec="seconds"), now.isoformat(timespec="seconds")
        with immediate(self.path, SCHEMA) as con:
            self._purge(con, now)
            sent = con.execute("SELECT COUNT(*) FROM reports WHERE client = ? AND created_at >= ?",
                               (client, since)).fetchone()[0]  # fmt: skip
            if sent >= limit:
                return None
            cur = con.execute(
                "INSERT INTO reports (venue_id, venue_name, kind, message, contact, lang, client, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (venue_id, venue_name, kind, message, contact, lang, client, at),
            )
            return int(cur.fetchone()[0])

    def recent_count(self, client: str, within: timedelta) -> int:
        """Reports sent by ``client`` during the last ``within`` (to read; the form's limit is
        :meth:`add_within_limit`)."""
        since = (datetime.now(UTC) - within).isoformat(timespec="seconds")
        if not exists(self.path):
            return 0
        with self._connect() as con:
            row = con.execute(
                "SELECT COUNT(*) FROM reports WHERE client = ? AND created_at >= ?", (client, since)
            )
            return int(row.fetchone()[0])

    def list(self, limit: int = 200) -> list[dict]:
        """The latest reports, newest first."""
        if not exists(self.path):
            return []
        with self._connect() as con:
            rows = con.execute("SELECT * FROM reports ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def get(self, report_id: int) -> dict | None:
        """One report, or None when there is no such report."""
        if not exists(self.path):
            return None
        with self._connect() as con:
            row = con.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        return dict(row) if row else None

    def set_status(self, report_id: int, status: str) -> bool:
        """Change a report's status; False when there is no such report."""
        if not exists(self.path):
            return False
        with self._connect() as con:
            return (
                con.execute("UPDATE reports SET status = ? WHERE id = ?", (status, report_id)).rowcount == 1
            )
