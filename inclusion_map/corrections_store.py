"""Where the organisers' corrections live, and how they reach the store's venues at once.

``corrections.sqlite`` beside a GeoPackage store (owner-only, WAL), or the schema
``side_corrections`` of a PostGIS store, with one ``BEGIN IMMEDIATE`` transaction (or its
PostgreSQL equivalent) per change, see :mod:`inclusion_map.embedded_db`, holds three tables no
harvest touches:

- ``corrections``: one row per correction (venue id, field, new value, the harvested value it
  replaced then, who, when, note, status ``active`` / ``superseded`` / ``withdrawn``, the error
  report it answers);
- ``closures``: venues the team marked closed (venue id, who, when, reason, status);
- ``additions``: venues no source knows (id ``equipe:<slug>``, the record as JSON, who, when).

A new correction of a field supersedes the earlier active one of that venue and field, so that
the history stays and one value applies. :func:`reapply` lays them over the last harvest's merged
layer (:data:`~inclusion_map.corrections.HARVESTED_LAYER` when the store has it, else ``venues``)
and writes ``venues`` and the conflicts through :meth:`GeoPackageStore.transaction`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import corrections as corr
from .embedded_db import Target, connect, exists, immediate
from .locations import SideDatabase, StoreLocation, side_db
from .stores import AnyStore, open_store
from .vocab import fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT, venue_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT,
    harvested TEXT, who TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active', report_id INTEGER, ended_by TEXT, ended_at TEXT);
CREATE INDEX IF NOT EXISTS corrections_venue ON corrections (venue_id, field, status);
CREATE TABLE IF NOT EXISTS closures (
    id INTEGER PRIMARY KEY AUTOINCREMENT, venue_id TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL,
    reason TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'active', report_id INTEGER, ended_by TEXT,
    ended_at TEXT);
CREATE TABLE IF NOT EXISTS additions (
    id TEXT PRIMARY KEY, record TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'active');
"""
#: the ``venues`` layer's metadata says which layer it was corrected from (see :func:`harvested_layer`)
MARK = "corrections_applied"


def corrections_path(where: StoreLocation) -> Path | SideDatabase:
    """The corrections' side database: ``corrections.sqlite`` beside a GeoPackage store, or the
    schema ``side_corrections`` of a PostGIS store (``where`` is its URL)."""
    return side_db(where, "corrections")


class CorrectionStore:
    """Read and write the corrections (one side database, created on the first write).

    Parameters
    ----------
    path : str, Path or SideDatabase
        The SQLite file, or the PostgreSQL schema (:func:`corrections_path`).
    """

    def __init__(self, path: str | Path | SideDatabase):
        self.path: Target = path if isinstance(path, SideDatabase) else Path(path)

    def _rows(self, sql: str, args: tuple = ()) -> list[dict]:
        if not exists(self.path):
            return []
        con = connect(self.path, SCHEMA)
        try:
            return [dict(r) for r in con.execute(sql, args)]
        finally:
            con.close()

    # --- writing -------------------------------------------------------------------------------
    def add_correction(self, venue_id: str, name: str, value: str | None, harvested: str | None, who: str,
                       note: str = "", report_id: int | None = None,
                       at: str | None = None) -> int:  # fmt: skip
        """Record a correction (its value already checked); earlier active ones of the same venue and
        field are superseded. Returns its number."""
        at = at or corr.now()
        with immediate(self.path, SCHEMA) as con:
            con.execute("UPDATE corrections SET status = 'superseded', ended_by = ?, ended_at = ? "
                        "WHERE venue_id = ? AND field = ? AND status = 'active'", (who, at, venue_id, name))
            cur = con.execute("INSERT INTO corrections (venue_id, field, value, harvested, who, at, note, "
                              "report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              (venue_id, name, value, harvested, who, at, note or "", report_id))  # fmt: skip
            return int(cur.fetchone()[0])

    def withdraw(self, correction_id: int, who: str) -> dict | None:
        """Stop applying a correction (the source's value shows again); its row stays. Returns the
        correction, or None when there is no active one of that number."""
        with immediate(self.path, SCHEMA) as con:
            row = con.execute("SELECT * FROM corrections WHERE id = ? AND status = 'active'",
                              (correction_id,)).fetchone()  # fmt: skip
            if row is None:
                return None
            con.execute("UPDATE corrections SET status = 'withdrawn', ended_by = ?, ended_at = ? "
                        "WHERE id = ?", (who, corr.now(), correction_id))  # fmt: skip
            return dict(row)

    def keep(self, correction_id: int, harvested: str | None, who: str) -> int | None:
        """Keep a correction against the source's new value: a new row with the same value, made
        against that harvested value (no conflict any more), supersedes it. Returns its number."""
        rows = self._rows("SELECT * FROM corrections WHERE id = ? AND status = 'active'", (correction_id,))
        if not rows:
            return None
        old = rows[0]
        note = f"conflit n° {correction_id} : correction gardée contre la nouvelle valeur de la source"
        return self.add_correction(old["venue_id"], old["field"], old["value"], harvested, who, note)

    def add_closure(self, venue_id: str, reason: str, who: str, report_id: int | None = None) -> int:
        with immediate(self.path, SCHEMA) as con:
            cur = con.execute("INSERT INTO closures (venue_id, who, at, reason, report_id) "
                              "VALUES (?, ?, ?, ?, ?) RETURNING id", (venue_id, who, corr.now(), reason, report_id))  # fmt: skip
            return int(cur.fetchone()[0])

    def reopen(self, closure_id: int, who: str) -> dict | None:
        """Withdraw a closure (the venue shows again); None when there is no active one."""
        with immediate(self.path, SCHEMA) as con:
            row = con.execute("SELECT * FROM closures WHERE id = ? AND status = 'active'",
                              (closure_id,)).fetchone()  # fmt: skip
            if row is None:
                return None
            con.execute("UPDATE closures SET status = 'withdrawn', ended_by = ?, ended_at = ? WHERE id = ?",
                        (who, corr.now(), closure_id))  # fmt: skip
            return dict(row)

    def add_addition(self, record: dict, who: str, note: str = "") -> str:
        """Store a venue added by the team; returns its id, ``equipe:<slug of name and commune>``
        (with a number when that is taken)."""
        words = fold(f"{record.get('nom') or ''} {record.get('commune') or ''}")
        base = re.sub(r"[^a-z0-9]+", "-", words).strip("-")
        base = base[:60].strip("-") or uuid.uuid4().hex[:8]
        with immediate(self.path, SCHEMA) as con:
            taken = {r[0] for r in con.execute("SELECT id FROM additions WHERE id LIKE ?",
                                               (f"{corr.ADDED_PREFIX}{base}%",))}  # fmt: skip
            venue_id, n = f"{corr.ADDED_PREFIX}{base}", 2
            while venue_id in taken:
                venue_id, n = f"{corr.ADDED_PREFIX}{base}-{n}", n + 1
            con.execute("INSERT INTO additions (id, record, who, at, note) VALUES (?, ?, ?, ?, ?)",
                        (venue_id, json.dumps({**record, "id": venue_id}, ensure_ascii=False), who,
                         corr.now(), note or ""))  # fmt: skip
        return venue_id

    # --- reading -------------------------------------------------------------------------------
    def load(self) -> corr.Corrections:
        """Every active correction, closure and addition."""
        active = "WHERE status = 'active' ORDER BY"
        fields = [corr.Correction(id=r["id"], venue_id=r["venue_id"], field=r["field"], value=r["value"],
                                  harvested=r["harvested"], who=r["who"], at=r["at"], note=r["note"] or "",
                                  status=r["status"], report_id=r["report_id"])
                  for r in self._rows(f"SELECT * FROM corrections {active} id")]  # fmt: skip
        closures = [corr.Closure(id=r["id"], venue_id=r["venue_id"], who=r["who"], at=r["at"],
                                 reason=r["reason"], status=r["status"])
                    for r in self._rows(f"SELECT * FROM closures {active} id")]  # fmt: skip
        additions = [corr.Addition(id=r["id"], record=json.loads(r["record"]), who=r["who"], at=r["at"],
                                   note=r["note"] or "", status=r["status"])
                     for r in self._rows(f"SELECT * FROM additions {active} at")]  # fmt: skip
        return corr.Corrections(fields, closures, additions)

    def history(self, venue_id: str | None = None, limit: int = 200) -> list[dict]:
        """Corrections, newest first (of one venue, or all), every status."""
        if venue_id is None:
            return self._rows("SELECT * FROM corrections ORDER BY id DESC LIMIT ?", (limit,))
        return self._rows("SELECT * FROM corrections WHERE venue_id = ? ORDER BY id DESC LIMIT ?",
                          (venue_id, limit))  # fmt: skip

    def active_for(self, venue_id: str) -> list[dict]:
        return self._rows("SELECT * FROM corrections WHERE venue_id = ? AND status = 'active' ORDER BY field",
                          (venue_id,))  # fmt: skip

    def closures(self, limit: int = 200) -> list[dict]:
        return self._rows("SELECT * FROM closures ORDER BY id DESC LIMIT ?", (limit,))

    def additions(self, limit: int = 200) -> list[dict]:
        return self._rows("SELECT id, who, at, note, status, record FROM additions ORDER BY at DESC LIMIT ?",
                          (limit,))  # fmt: skip

    def addition(self, venue_id: str) -> dict | None:
        rows = self._rows("SELECT * FROM additions WHERE id = ? AND status = 'active'", (venue_id,))
        return json.loads(rows[0]["record"]) if rows else None


def load_corrections(where: StoreLocation) -> corr.Corrections:
    """The active corrections of the store at ``where`` (none when its side database does not exist):
    what the harvest passes to :func:`~inclusion_map.corrections.apply_corrections`."""
    return CorrectionStore(corrections_path(where)).load()


def harvested_layer(store: AnyStore) -> tuple[gpd.GeoDataFrame, dict, str]:
    """The last harvest's merged venues before any correction, their metadata, and the layer read.

    :data:`~inclusion_map.corrections.HARVESTED_LAYER` is that layer when ``venues`` was made from
    it: ``venues`` says so (:data:`MARK`, written by :func:`reapply`), or has the ``corrections``
    column (a harvest that applied them), or both come from one harvest (same ``harvested_at``).
    Otherwise ``venues`` is newer (a harvest that does not write the harvested layer) and is read,
    without what earlier corrections added to it.
    """
    meta = store.meta()
    venues_meta = dict(meta.get("venues", {}))
    if store.has(corr.HARVESTED_LAYER):
        harvested_meta = meta.get(corr.HARVESTED_LAYER, {})
        same_run = harvested_meta.get("harvested_at") == venues_meta.get("harvested_at")
        corrected = corr.COLUMN in store.fields("venues")
        if venues_meta.get(MARK) or corrected or (harvested_meta.get("harvested_at") and same_run):
            meta = {k: v for k, v in harvested_meta.items() if k != MARK}
            return store.read(corr.HARVESTED_LAYER), meta, corr.HARVESTED_LAYER
    venues_meta.pop(MARK, None)
    return corr.strip_corrections(store.read("venues")), venues_meta, "venues"


def store_resolver(store: AnyStore):
    """``old id → current id`` from the store's stable-id registry (identity without one)."""
    from . import venue_ids

    registry = venue_ids.load(store)
    if not len(registry):
        return None
    entries = venue_ids.by_id(registry)
    return lambda venue_id: venue_ids.resolve(entries, venue_id).current


@dataclass
class Reapplied:
    """What :func:`reapply` did: the :class:`~inclusion_map.corrections.Applied` result."""

    applied: corr.Applied
    base: str  # the layer the corrections were laid over (``venues_harvested``, or ``venues``)


def reapply(store_path: str | Path) -> Reapplied:
    """Lay every active correction over the last harvest's merged venues and write ``venues`` (and
    the conflicts table) now, in one store transaction: what an organiser saves shows at once.

    The harvested layer is kept as :data:`~inclusion_map.corrections.HARVESTED_LAYER` (written
    here when the store does not have it yet), so that applying again never starts from corrected
    values. Closed venues are recorded as closed in the stable-id registry when the store has one
    (their page then says so), and venues opened again are active there again.

    Raises
    ------
    StoreError
        When another process is writing the store (a harvest): nothing is written; the corrections
        stay saved and the next harvest applies them.
    """
    from . import venue_ids

    store = open_store(store_path)
    base, meta, layer = harvested_layer(store)
    applied = corr.apply_corrections(base, load_corrections(store_path), store_resolver(store))
    fields = sum(len(corr.entries(r)) for r in applied.venues[[corr.COLUMN]].to_dict("records"))
    venues_meta = {**meta, MARK: {"at": corr.now(), "from": corr.HARVESTED_LAYER, "fields": fields,
                                  "closed": len(applied.closed),
                                  "conflicts": len(applied.conflicts)}}  # fmt: skip
    registry = venue_ids.load(store) if store.has(venue_ids.TABLE) else None
    with store.transaction() as tx:
        if layer != corr.HARVESTED_LAYER:  # kept, so that the next time starts from harvested values
            tx.write(corr.HARVESTED_LAYER, base, {**meta, "title": "Lieux fusionnés, avant les corrections"})
        tx.write("venues", applied.venues, venues_meta)
        tx.write(corr.CONFLICTS_TABLE, corr.conflicts_frame(applied.conflicts),
                 {"title": "Corrections que la source a changées depuis", "kind": "table"})
        if registry is not None and len(registry):
            tx.write(venue_ids.TABLE, _registry_status(registry, applied), store.meta().get(venue_ids.TABLE))
    return Reapplied(applied, layer)


def _registry_status(registry: pd.DataFrame, applied: corr.Applied) -> pd.DataFrame:
    """The registry with the team's closures recorded, and venues opened again active again."""
    from . import venue_ids

    closed = [{"id": str(r["id"]), "reason": r["closed_reason"], "at": r["closed_at"]}
              for r in applied.closed.to_dict("records")]  # fmt: skip
    table = venue_ids.close(registry, closed, corr.now())
    present = set(applied.venues["id"].astype(str))
    reopened = (table["status"] == "closed") & table["id"].astype(str).isin(present)
    table.loc[reopened, ["status", "ended_at", "reason"]] = ["active", None, None]
    return table
