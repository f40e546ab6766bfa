"""Where the actors live: ``actors.sqlite`` beside a GeoPackage store, or the schema
``side_actors`` of a PostGIS store.

The file is owner-only (mode 0600, it holds organisers' contacts), in WAL mode, and every change
is one ``BEGIN IMMEDIATE`` transaction, or its PostgreSQL equivalent
(:mod:`inclusion_map.embedded_db`). No harvest opens it.
Tables:

- ``actors``: one row per actor (id, kind, the record as JSON, ``active`` or ``removed``, who
  created and last changed it, when, the reason of a removal);
- ``actor_history``: every change (actor, ``add`` / ``update`` / ``remove``, who, when, the
  record before and after, a note): nothing is ever lost;
- ``staged_imports``: import previews waiting for the organiser's confirmation (a random token,
  who, when, expiry after :data:`STAGE_TTL_S` seconds).

The public layer is written by :mod:`inclusion_map.actors.publish`: a store opened with
:func:`inclusion_map.actors.publish.open_actor_store` calls it after every change.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..embedded_db import Target, connect, exists, immediate
from ..errors import BadRequest, NotFound
from ..locations import SideDatabase, StoreLocation, side_db
from .preview import Preview
from .records import ACTOR_COLUMNS, EDITABLE_COLUMNS, actor_id, changes, duplicate_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS actors (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, record TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active',
    created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_by TEXT NOT NULL, updated_at TEXT NOT NULL,
    removed_reason TEXT);
CREATE INDEX IF NOT EXISTS actors_kind ON actors (kind, status);
CREATE TABLE IF NOT EXISTS actor_history (
    n INTEGER PRIMARY KEY AUTOINCREMENT, actor_id TEXT NOT NULL, action TEXT NOT NULL, who TEXT NOT NULL,
    at TEXT NOT NULL, before TEXT, after TEXT, note TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS actor_history_actor ON actor_history (actor_id, n);
CREATE TABLE IF NOT EXISTS staged_imports (
    token TEXT PRIMARY KEY, who TEXT NOT NULL, at TEXT NOT NULL, expires_at TEXT NOT NULL,
    preview TEXT NOT NULL);
"""
FILE_NAME = "actors.sqlite"
#: an import preview waits this long (seconds) for its confirmation
STAGE_TTL_S = 3600
TYPED_IN = "saisie"


def actors_path(where: StoreLocation) -> Path | SideDatabase:
    """The actors' side database: ``actors.sqlite`` beside a GeoPackage store, or the schema
    ``side_actors`` of a PostGIS store (``where`` is its URL)."""
    return side_db(where, Path(FILE_NAME).stem)


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class StaleImport(BadRequest):
    """An actor changed between an import's preview and its confirmation: nothing was written."""


def _load(row) -> dict:
    record = {c: None for c in ACTOR_COLUMNS} | json.loads(row["record"])
    record["status"] = row["status"]
    return record


def _dump(record: dict) -> str:
    return json.dumps({c: record.get(c) for c in ACTOR_COLUMNS}, ensure_ascii=False)


class ActorStore:
    """Read and write the actors' file (created on the first write).

    Parameters
    ----------
    path : path-like or SideDatabase
        The SQLite file or the PostgreSQL schema: :func:`actors_path` of the store.
    on_change : callable, optional
        Called without argument after every committed change (add, update, remove, apply):
        :func:`~inclusion_map.actors.publish.open_actor_store` passes the publication of the layer.

    Notes
    -----
    Records come back with every column of
    :data:`~inclusion_map.actors.records.ACTOR_COLUMNS` plus ``status`` (``active`` or
    ``removed``). Records given to :meth:`add` and :meth:`update` must be checked by
    :func:`~inclusion_map.actors.records.validate` and placed by
    :func:`~inclusion_map.actors.placing.place` first: the store does not check them again.
    """

    def __init__(self, path: str | Path | SideDatabase, on_change: Callable[[], object] | None = None):
        self.path: Target = path if isinstance(path, SideDatabase) else Path(path)
        self.on_change = on_change
        #: why the last publication after a change failed (``None`` when it worked), set by
        #: :func:`~inclusion_map.actors.publish.open_actor_store`'s callback
        self.publish_error: str | None = None

    def _rows(self, sql: str, args: tuple = ()) -> list:
        if not exists(self.path):
            return []
        con = connect(self.path, SCHEMA)
        try:
            return list(con.execute(sql, args))
        finally:
            con.close()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # --- reading -------------------------------------------------------------------------------
    def all(self, include_removed: bool = False) -> list[dict]:
        """Every actor, by kind then name.

        Parameters
        ----------
        include_removed : bool
            Also the removed ones (``status`` says which).

        Returns
        -------
        list of dict
        """
        where = "" if include_removed else "WHERE status = 'active'"
        records = [_load(r) for r in self._rows(f"SELECT * FROM actors {where}")]
        return sorted(records, key=lambda r: (r["kind"] or "", duplicate_key(r)[1], r["id"]))

    def get(self, actor_id: str) -> dict | None:
        """One actor by id (a removed one too: ``status`` says so), or ``None``."""
        rows = self._rows("SELECT * FROM actors WHERE id = ?", (actor_id,))
        return _load(rows[0]) if rows else None

    def duplicate_of(self, record: dict, exclude: str | None = None) -> dict | None:
        """The active actor the record repeats (same kind, folded name and folded commune), or
        ``None``; ``exclude`` is the id of the actor being edited."""
        key = duplicate_key(record)
        return next((a for a in self.all() if duplicate_key(a) == key and a["id"] != exclude), None)

    def history(self, actor_id: str | None = None, limit: int = 200) -> list[dict]:
        """Changes, newest first, of one actor or all.

        Returns
        -------
        list of dict
            ``n``, ``actor_id``, ``action`` (``add``, ``update``, ``remove``), ``who``, ``at``
            (UTC, ISO 8601), ``before`` and ``after`` (records, or ``None``), ``note``.
        """
        if actor_id is None:
            rows = self._rows("SELECT * FROM actor_history ORDER BY n DESC LIMIT ?", (limit,))
        else:
            rows = self._rows("SELECT * FROM actor_history WHERE actor_id = ? ORDER BY n DESC LIMIT ?",
                              (actor_id, limit))  # fmt: skip
        out = []
        for r in rows:
            item = dict(r)
            item["before"] = json.loads(r["before"]) if r["before"] else None
            item["after"] = json.loads(r["after"]) if r["after"] else None
            out.append(item)
        return out

    def last_change(self) -> str | None:
        """When the latest change was made (UTC, ISO 8601), or ``None``."""
        rows = self._rows("SELECT MAX(at) AS at FROM actor_history")
        return rows[0]["at"] if rows else None

    # --- writing (inside one transaction) --------------------------------------------------------
    @staticmethod
    def _insert(con, record: dict, who: str, at: str, note: str = "") -> str:
        taken = {r[0] for r in con.execute("SELECT id FROM actors")}  # removed ids too: never given twice
        new_id = actor_id(record["kind"], record["nom"], record.get("commune"), taken)
        stored = {**record, "id": new_id, "updated_by": who, "updated_at": at,
                  "source": record.get("source") or TYPED_IN}  # fmt: skip
        con.execute(
            "INSERT INTO actors (id, kind, record, created_by, created_at, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (new_id, stored["kind"], _dump(stored), who, at, who, at),
        )
        con.execute("INSERT INTO actor_history (actor_id, action, who, at, after, note) VALUES (?, 'add', ?, ?, ?, ?)",
                    (new_id, who, at, _dump(stored), note))  # fmt: skip
        return new_id

    @staticmethod
    def _current(con, actor_id: str) -> dict:
        row = con.execute("SELECT * FROM actors WHERE id = ? AND status = 'active'", (actor_id,)).fetchone()
        if row is None:
            raise NotFound(f"no actor '{actor_id[:80]}'", hint="python run.py actors list")
        return _load(row)

    @staticmethod
    def _update(con, before: dict, record: dict, who: str, at: str, note: str = "") -> dict:
        after = {**before, **{c: record[c] for c in EDITABLE_COLUMNS if c in record}}
        diff = changes(before, after)
        if not diff:
            return {}
        after.update(updated_by=who, updated_at=at, source=record.get("source") or before.get("source"))
        con.execute("UPDATE actors SET kind = ?, record = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                    (after["kind"], _dump(after), who, at, before["id"]))  # fmt: skip
        con.execute(
            "INSERT INTO actor_history (actor_id, action, who, at, before, after, note) "
            "VALUES (?, 'update', ?, ?, ?, ?, ?)",
            (before["id"], who, at, _dump(before), _dump(after), note),
        )
        return diff

    # --- writing ---------------------------------------------------------------------------------
    def add(self, record: dict, who: str) -> str:
        """Store a new actor.

        Parameters
        ----------
        record : dict
            Checked and placed (see the class notes); its ``id`` is ignored.
        who : str
            The organiser's account name.

        Returns
        -------
        str
            Its new id, ``acteur:<kind>:<slug of name and commune>`` (``-2``… when taken).
        """
        with immediate(self.path, SCHEMA) as con:
            new_id = self._insert(con, record, who, now())
        self._changed()
        return new_id

    def update(self, actor_id: str, record: dict, who: str) -> dict:
        """Change an active actor with the editable columns ``record`` holds.

        Returns
        -------
        dict
            ``{column: (old value, new value)}``; empty when nothing changed (nothing is written).

        Raises
        ------
        NotFound
            When there is no active actor of that id.
        """
        with immediate(self.path, SCHEMA) as con:
            diff = self._update(con, self._current(con, actor_id), record, who, now())
        if diff:
            self._changed()
        return diff

    def remove(self, actor_id: str, who: str, reason: str) -> bool:
        """Remove an actor (its row and history stay; it is no longer listed nor published).

        Returns
        -------
        bool
            ``False`` when there was no active actor of that id.
        """
        at = now()
        with immediate(self.path, SCHEMA) as con:
            row = con.execute(
                "SELECT * FROM actors WHERE id = ? AND status = 'active'", (actor_id,)
            ).fetchone()
            if row is None:
                return False
            con.execute("UPDATE actors SET status = 'removed', removed_reason = ?, updated_by = ?, updated_at = ? "
                        "WHERE id = ?", (reason, who, at, actor_id))  # fmt: skip
            con.execute(
                "INSERT INTO actor_history (actor_id, action, who, at, before, note) "
                "VALUES (?, 'remove', ?, ?, ?, ?)",
                (actor_id, who, at, row["record"], reason or ""),
            )
        self._changed()
        return True

    # --- imports ---------------------------------------------------------------------------------
    def stage(self, preview: Preview, who: str) -> str:
        """Keep an import preview until its confirmation (at most :data:`STAGE_TTL_S` seconds).

        Returns
        -------
        str
            A random token (URL-safe) that :meth:`staged` takes back, for ``who`` only.
        """
        token = secrets.token_urlsafe(24)
        at = datetime.now(UTC)
        expires = (at + timedelta(seconds=STAGE_TTL_S)).isoformat(timespec="seconds")
        with immediate(self.path, SCHEMA) as con:
            con.execute(
                "DELETE FROM staged_imports WHERE expires_at < ?", (at.isoformat(timespec="seconds"),)
            )
            con.execute("INSERT INTO staged_imports (token, who, at, expires_at, preview) VALUES (?, ?, ?, ?, ?)",
                        (token, who, at.isoformat(timespec="seconds"), expires,
                         json.dumps(preview.to_dict(), ensure_ascii=False, default=str)))  # fmt: skip
        return token

    def staged(self, token: str, who: str) -> Preview | None:
        """The preview kept under ``token`` by ``who``; ``None`` when unknown, another organiser's,
        applied already, or expired."""
        rows = self._rows("SELECT * FROM staged_imports WHERE token = ? AND who = ? AND expires_at >= ?",
                          (str(token), who, now()))  # fmt: skip
        return Preview.from_dict(json.loads(rows[0]["preview"]), token=str(token)) if rows else None

    def apply(self, preview: Preview, who: str) -> dict:
        """Write every ``add`` and ``change`` row of a preview in ONE transaction.

        A failure on any row (or an actor changed since the preview) leaves the file as it was.

        Returns
        -------
        dict
            ``added``, ``changed``, ``unchanged``, ``rejected`` (counts), ``added_ids`` and
            ``changed_ids`` (lists).

        Raises
        ------
        StaleImport
            When an actor a ``change`` row updates was changed or removed since the preview, or an
            ``add`` row's actor was added meanwhile (same kind, name and commune).
        """
        at = now()
        added, changed = [], []
        note = f"import {preview.filename}".strip()
        with immediate(self.path, SCHEMA) as con:
            active = {
                duplicate_key(_load(r)): r["id"]
                for r in con.execute("SELECT * FROM actors WHERE status = 'active'")
            }
            for row in preview.rows:
                if row.action == "add" and row.record:
                    if (twin := active.get(duplicate_key(row.record))) is not None:
                        raise StaleImport(f"line {row.line}: {row.record.get('nom')} was added since the preview "
                                          f"({twin})", hint="upload the file again")  # fmt: skip
                    added.append(self._insert(con, row.record, who, at, note))
                elif row.action == "change" and row.record and row.existing_id:
                    try:
                        before = self._current(con, row.existing_id)
                    except NotFound:
                        raise StaleImport(f"line {row.line}: actor {row.existing_id} was removed since the preview",
                                          hint="upload the file again") from None  # fmt: skip
                    if any(not _same_value(before.get(c), old) for c, (old, _) in row.changes.items()):
                        raise StaleImport(f"line {row.line}: actor {row.existing_id} was changed since the preview",
                                          hint="upload the file again")  # fmt: skip
                    if self._update(con, before, row.record, who, at, note):
                        changed.append(row.existing_id)
            if preview.token:  # applied once only
                con.execute("DELETE FROM staged_imports WHERE token = ?", (preview.token,))
        counts = preview.counts
        if added or changed:
            self._changed()
        return {"added": len(added), "changed": len(changed), "unchanged": counts["unchanged"],
                "rejected": counts["reject"], "added_ids": added, "changed_ids": changed}  # fmt: skip


def _same_value(a, b) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return round(float(a), 7) == round(float(b), 7)
    return a == b
