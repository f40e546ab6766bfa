"""The embedded store: one GeoPackage file (EPSG:4326), written atomically, read with pyogrio.

Every change goes through :meth:`GeoPackageStore.transaction`: the current file is copied to a
temporary file beside it, all layers and history rows are written there, then the temporary file
replaces the store in one ``os.replace``. A crash or a failed write leaves the previous store
untouched, and a lock file keeps two writers from overlapping.

Besides spatial layers, the store holds attribute tables:

- ``layer_meta``: one JSON document per layer (title, sources, licence, built_at…);
- ``harvest_runs``: one row per harvest;
- ``harvest_sources``: per run and source, status, counts (fetched, kept, rejected, outside the
  territory) and the numbers of ids added, removed and changed since the previous good harvest;
- ``harvest_rejections``: every rejected row (source, row, id, field, problem, value);
- ``harvest_changes``: the ids added, removed or changed, per run and source (``venues`` for the
  merged layer).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import NotFound, StoreError
from .geo.crs import STORED

HISTORY_TABLES = ("harvest_runs", "harvest_sources", "harvest_rejections", "harvest_changes", "build_runs",
                  "build_problems")


class Store(Protocol):
    """What the rest of the product needs from a store (:class:`GeoPackageStore`, or
    :class:`~inclusion_map.postgis_store.PostGISStore`; see :func:`~inclusion_map.stores.open_store`)."""

    def read(self, layer: str, bbox: tuple[float, float, float, float] | None = None,
             columns: list[str] | None = None) -> pd.DataFrame: ...  # fmt: skip
    def write(self, layer: str, frame: pd.DataFrame, meta: dict | None = None) -> None: ...
    def info(self, layer: str) -> dict: ...
    def layers(self) -> list[str]: ...
    def history(self, limit: int = 20) -> list[dict]: ...


class _Writer:
    """Writes into the temporary copy during a transaction."""

    def __init__(self, path: Path, meta: dict[str, dict]):
        self.path = path
        self.meta = meta

    def write(self, layer: str, frame: pd.DataFrame, meta: dict | None = None) -> None:
        """Replace ``layer`` with ``frame`` (a GeoDataFrame in EPSG:4326, or a plain table)."""
        if isinstance(frame, gpd.GeoDataFrame):
            frame = (
                frame.to_crs(STORED)
                if frame.crs and frame.crs != STORED
                else frame.set_crs(STORED, allow_override=True)
            )
            kwargs = {"geometry_type": "Point"} if frame.empty else {}
            pyogrio.write_dataframe(frame, self.path, layer=layer, driver="GPKG", **kwargs)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), self.path, layer=layer, driver="GPKG")
        _forget(self.path)
        self.meta[layer] = written_entry(layer, len(frame), meta or self.meta.get(layer, {}))

    def append(self, table: str, rows: list[dict]) -> None:
        """Append rows to an attribute table (created on first use)."""
        if not rows:
            return
        frame = pd.DataFrame(rows)
        exists = table in _layer_names(self.path)
        if exists:
            known = set(pyogrio.read_info(self.path, layer=table)["fields"])
            if not set(frame.columns) <= known:
                # A newer version records more columns: rewrite the table with them (old rows empty).
                old = pyogrio.read_dataframe(self.path, layer=table)
                frame, exists = pd.concat([old, frame], ignore_index=True), False
        pyogrio.write_dataframe(frame, self.path, layer=table, driver="GPKG", append=exists)
        _forget(self.path)


def _remove_leftovers(folder: Path, prefix: str) -> None:
    """Delete the temporary copies of this store that a killed run left behind (and their journals).

    Called with the store's write lock held: no other writer of this store is busy, so every such
    file is a leftover.
    """
    for leftover in folder.glob(f"{prefix}*.gpkg*"):
        leftover.unlink(missing_ok=True)


def written_entry(layer: str, rows: int, meta: dict) -> dict:
    """The metadata a write records for ``layer``: the given document, its name, rows and time."""
    return {**meta, "layer": layer, "rows": rows, "written_at": _now()}


def _literal(value) -> str:
    """An OGR SQL literal: numbers as they are, text quoted (quotes doubled)."""
    if isinstance(value, bool | int | float):
        return repr(int(value) if isinstance(value, bool) else value)
    return "'" + str(value).replace("'", "''") + "'"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_NAMES: dict[str, tuple[tuple[int, int, int], frozenset[str]]] = {}


def _layer_names(path: Path) -> frozenset[str]:
    """The layers and tables of a GeoPackage, listed again only when the file changed.

    Listing opens the file and reads its catalogue (about 10 ms): pages and analyses ask often. A
    store is replaced by a rename (a new inode) and a temporary copy is written only here, which
    forgets its entry after each write (:func:`_forget`), so the cache never hides a new layer.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return frozenset()
    version = (info.st_ino, info.st_mtime_ns, info.st_size)
    cached = _NAMES.get(str(path))
    if cached is None or cached[0] != version:
        cached = (version, frozenset(name for name, _ in pyogrio.list_layers(path)))
        _NAMES[str(path)] = cached
    return cached[1]


def _forget(path: Path) -> None:
    _NAMES.pop(str(path), None)


class LayerDocs:
    """What both stores derive from ``meta()``, ``has()`` and ``read()``: one layer's metadata and
    the harvest history."""

    def info(self, layer: str) -> dict:
        """Metadata of one layer (title, sources, licence, rows, written_at…)."""
        meta = self.meta()
        if layer not in meta:
            raise NotFound(f"layer '{layer}' is not in the store")
        return meta[layer]

    def history(self, limit: int = 20) -> list[dict]:
        """The latest harvest runs, newest first, each with its per-source rows."""
        if not self.has("harvest_runs"):
            return []
        runs = self.read("harvest_runs").sort_values("started_at", ascending=False).head(limit)
        sources = self.read("harvest_sources") if self.has("harvest_sources") else pd.DataFrame()
        out = []
        for run in runs.to_dict("records"):
            rows = sources[sources["run_id"] == run["run_id"]] if len(sources) else sources
            run["sources"] = rows.to_dict("records") if len(rows) else []
            out.append(run)
        return out


class GeoPackageStore(LayerDocs):
    """The GeoPackage implementation of :class:`Store`."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)

    # --- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def layers(self) -> list[str]:
        """Names of the data layers (history, metadata and ``ref_*`` input copies excluded)."""
        hidden = {*HISTORY_TABLES, "layer_meta"}
        return sorted(n for n in _layer_names(self.path) if n not in hidden and not n.startswith("ref_"))

    def has(self, layer: str) -> bool:
        return layer in _layer_names(self.path)

    def tables(self) -> list[str]:
        """Every layer and table, history and input copies included (``layer_meta`` aside)."""
        return sorted(n for n in _layer_names(self.path) if n != "layer_meta")

    def version(self) -> tuple[int, int, int] | None:
        """Changes with every write (the file is replaced): modification time (ns), size, inode."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def fields(self, layer: str) -> list[str]:
        """The layer's attribute columns (geometry excluded)."""
        if not self.has(layer):
            raise NotFound(f"layer '{layer}' is not in the store {self.path}")
        return list(pyogrio.read_info(self.path, layer=layer)["fields"])

    def bounds(self, layer: str) -> tuple[float, float, float, float] | None:
        """The layer's extent in WGS84 degrees (from the file, no feature read); ``None`` if unknown."""
        if not self.has(layer):
            raise NotFound(f"layer '{layer}' is not in the store {self.path}")
        bounds = pyogrio.read_info(self.path, layer=layer, force_total_bounds=True).get("total_bounds")
        if bounds is None or not all(map(math.isfinite, bounds)):
            return None
        return tuple(float(v) for v in bounds)

    def read(self, layer: str, bbox=None, columns=None, where: dict | None = None,
             max_features: int | None = None) -> pd.DataFrame:  # fmt: skip
        """Read a layer (GeoDataFrame in EPSG:4326, or DataFrame for tables).

        Parameters
        ----------
        bbox : (minx, miny, maxx, maxy), optional
            In WGS84 degrees; only features intersecting it are read.
        columns : list of str, optional
            Attribute columns to read (geometry is always read).
        where : dict, optional
            ``{column: value}``: only rows where each column equals its value.
        max_features : int, optional
            At most this many rows (in stored order).
        """
        if not self.has(layer):
            raise NotFound(f"layer '{layer}' is not in the store {self.path}",
                           hint="run `python run.py harvest` first")  # fmt: skip
        try:
            sql = " AND ".join(f'"{column}" = {_literal(value)}' for column, value in (where or {}).items())
            return pyogrio.read_dataframe(self.path, layer=layer, bbox=bbox, columns=columns, where=sql or None,
                                          max_features=max_features)  # fmt: skip
        except Exception as exc:  # pyogrio raises several error types for a damaged file
            raise StoreError(f"cannot read layer '{layer}' from {self.path}: {exc}") from None

    def meta(self) -> dict[str, dict]:
        if not self.has("layer_meta"):
            return {}
        table = pyogrio.read_dataframe(self.path, layer="layer_meta")
        return {row.layer: json.loads(row.meta) for row in table.itertuples()}

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_Writer]:
        """Copy, write, then atomically replace the store; nothing changes if the block fails."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_suffix(self.path.suffix + ".lock")
        with open(lock_path, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"another process is writing {self.path}",
                                 hint="wait for the other harvest to finish") from None  # fmt: skip
            prefix = f".tmp-{self.path.stem}-"
            _remove_leftovers(self.path.parent, prefix)
            fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".gpkg", dir=self.path.parent)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                if self.path.is_file():
                    shutil.copyfile(self.path, tmp)
                else:
                    tmp.unlink()
                writer = _Writer(tmp, self.meta())
                yield writer
                table = pd.DataFrame([{"layer": k, "meta": json.dumps(v, ensure_ascii=False, default=str)}
                                      for k, v in writer.meta.items()])  # fmt: skip
                if len(table):
                    pyogrio.write_dataframe(table, tmp, layer="layer_meta", driver="GPKG")
                os.chmod(tmp, 0o600)  # the store may hold contacts: readable by its owner only
                os.replace(tmp, self.path)
                _forget(self.path)
            finally:
                tmp.unlink(missing_ok=True)
                _forget(tmp)

    def write(self, layer: str, frame: pd.DataFrame, meta: dict | None = None) -> None:
        """Write one layer atomically."""
        with self.transaction() as tx:
            tx.write(layer, frame, meta)
