"""The shared store: the same interface as :class:`~inclusion_map.store.GeoPackageStore`, in
PostgreSQL with PostGIS (EPSG:4326 geometries, GiST indexes).

Layout (schema ``im_store``, created and upgraded by :mod:`inclusion_map.postgis_migrations`):

- ``catalog``: one row per layer: the table holding it now, its columns and their types;
- ``layer_meta``: one JSON document per layer, as in the GeoPackage;
- ``state``: the store's generation, raised by every write (pages key their caches on it);
- ``g<generation>_<layer>``: the data of one layer as written by one transaction, with ``fid``
  (0, 1, … in the written order) and, for spatial layers, ``geometry`` with a GiST index;
- ``h_<table>``: the history tables (harvest runs, sources, rejections…), appended to.

Atomic for readers: a transaction writes its layers into new tables and appends history rows,
then points the catalogue at the new tables and raises the generation, all in one PostgreSQL
transaction. Readers see either every change or none; a failed run rolls everything back. The
tables of the previous generation are kept (a reader may have looked the catalogue up just
before the swap) and older ones are dropped after the commit.

Data moves with ``COPY`` in CSV (geometries as hexadecimal EWKB), read back into pandas with
each column's type taken from the catalogue, so a layer reads back with the dtypes a GeoPackage
gives (integers with gaps as floats, as pyogrio does).
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import NotFound, StoreError
from .geo.crs import STORED
from .locations import redact
from .postgis_migrations import SCHEMA, migrate
from .postgres import connect, connection, lock_key
from .store import HISTORY_TABLES, LayerDocs, written_entry

NULL = r"\N"  # COPY's NULL marker: empty strings stay empty strings
#: a writer's transaction lock: one writer at a time per database
WRITE_LOCK = lock_key("write", "store")
_MIGRATED: set[str] = set()  # URLs whose tables this process has checked
#: how long a worker trusts the generation it read (seconds): a write by another process is seen
#: within this time, a write by this process at once (its commit forgets the value)
VERSION_TTL_S = 0.5
_VERSIONS: dict[str, tuple[float, tuple[int] | None]] = {}


def _ident(name: str) -> str:
    """A safe SQL identifier (layer and column names come from the product, quoted all the same)."""
    return '"' + name.replace('"', '""') + '"'


def _history_name(table: str) -> str:
    return "h_" + re.sub(r"[^a-z0-9_]", "_", table.lower())


def _table_name(generation: int, layer: str) -> str:
    return f"g{generation}_" + re.sub(r"[^a-z0-9_]", "_", layer.lower())[:40]


# --- types: pandas ⇄ PostgreSQL --------------------------------------------------------------
def _column_type(series: pd.Series) -> str:
    """The PostgreSQL type of a column (the catalogue records it to read the column back)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamptz"
    if pd.api.types.is_object_dtype(dtype):
        values = series.dropna()
        if len(values) and values.map(lambda v: isinstance(v, bool | np.bool_)).all():
            return "boolean"
    return "text"


def _text_value(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv_frame(frame: pd.DataFrame, types: dict[str, str], geometry: str | None, first_fid: int = 0) -> io.StringIO:
    """The frame as CSV for ``COPY``: ``fid`` first (from ``first_fid``), NULLs as ``\\N``, geometries
    as hexadecimal EWKB."""
    out = pd.DataFrame(index=range(len(frame)))
    out["fid"] = np.arange(first_fid, first_fid + len(frame), dtype=np.int64)
    for column, kind in types.items():
        values = frame[column].reset_index(drop=True)
        if kind == "boolean":
            out[column] = values.map(lambda v: NULL if v is None or (isinstance(v, float) and np.isnan(v))
                                     else ("t" if v else "f"))  # fmt: skip
        elif kind == "timestamptz":
            stamps = pd.to_datetime(values, utc=True)
            out[column] = stamps.map(lambda v: NULL if pd.isna(v) else v.isoformat())
        elif kind == "text":
            out[column] = values.map(lambda v: NULL if v is None or (isinstance(v, float) and np.isnan(v))
                                     or v is pd.NA else _text_value(v))  # fmt: skip
        else:
            out[column] = values
    if geometry is not None:
        geoms = frame.geometry.reset_index(drop=True).array
        hexes = shapely.to_wkb(np.asarray(geoms), hex=True, include_srid=False)
        out["geometry"] = pd.Series(hexes).where(pd.Series(hexes).notna(), NULL)
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, header=False, na_rep=NULL)
    buffer.seek(0)
    return buffer


def _typed(frame: pd.DataFrame, types: dict[str, str]) -> pd.DataFrame:
    """Give the columns read from CSV the dtypes a GeoPackage read gives."""
    for column, kind in types.items():
        if column not in frame:
            continue
        values = frame[column]
        if kind == "text":
            if values.isna().all():  # pyogrio gives a column with no value (or no row) as objects: None
                frame[column] = pd.Series([None] * len(values), index=values.index, dtype=object)
            continue  # else pandas' string dtype, missing values as NaN: as pyogrio gives them
        elif kind == "boolean":
            mapped = values.map({"t": True, "f": False})
            frame[column] = mapped.astype(bool) if mapped.notna().all() else mapped.astype(object).where(
                mapped.notna(), None)  # fmt: skip
        elif kind == "bigint":
            numbers = pd.to_numeric(values)
            frame[column] = numbers.astype(np.int64) if numbers.notna().all() else numbers.astype(float)
        elif kind == "double precision":
            frame[column] = pd.to_numeric(values).astype(float)
        elif kind == "timestamptz":
            frame[column] = pd.to_datetime(values, utc=True, format="ISO8601")
    return frame


class _Writer:
    """Writes new tables and history rows inside the store's open transaction."""

    def __init__(self, con, generation: int, meta: dict[str, dict]):
        self.con = con
        self.generation = generation
        self.meta = meta
        self.written: dict[str, dict] = {}

    def write(self, layer: str, frame: pd.DataFrame, meta: dict | None = None) -> None:
        """Replace ``layer`` with ``frame`` (a GeoDataFrame in EPSG:4326, or a plain table)."""
        spatial = isinstance(frame, gpd.GeoDataFrame) and frame.geometry is not None
        if spatial:
            frame = frame.to_crs(STORED) if frame.crs and frame.crs != STORED else frame.set_crs(
                STORED, allow_override=True)  # fmt: skip
            geometry_name = frame.geometry.name
            attributes = [c for c in frame.columns if c != geometry_name]
        else:
            frame, attributes = pd.DataFrame(frame), list(frame.columns)
        if "fid" in attributes:  # the store's own row number: a column of that name is renamed
            frame = frame.rename(columns={"fid": "fid_"})
            attributes = [("fid_" if c == "fid" else c) for c in attributes]
        types = {str(c): _column_type(frame[c]) for c in attributes}
        frame.columns = [str(c) for c in frame.columns]
        # History tables keep their fixed name (appended to later); layers get a new table each time.
        table = _history_name(layer) if layer in HISTORY_TABLES else _table_name(self.generation, layer)
        columns = ["fid bigint PRIMARY KEY", *(f"{_ident(c)} {t}" for c, t in types.items())]
        if spatial:
            columns.append("geometry geometry(Geometry, 4326)")
        self.con.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{_ident(table)}")
        self.con.execute(f"CREATE TABLE {SCHEMA}.{_ident(table)} ({', '.join(columns)})")
        names = ["fid", *types, *(["geometry"] if spatial else [])]
        sql = (f"COPY {SCHEMA}.{_ident(table)} ({', '.join(map(_ident, names))}) "
               f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')")  # fmt: skip
        with self.con.cursor().copy(sql) as copy:
            buffer = _csv_frame(frame, types, "geometry" if spatial else None)
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        if spatial:
            self.con.execute(f"CREATE INDEX ON {SCHEMA}.{_ident(table)} USING gist (geometry)")
        self.con.execute(f"ANALYZE {SCHEMA}.{_ident(table)}")
        self.written[layer] = {"table_name": table, "columns": types, "spatial": spatial}
        self.meta[layer] = written_entry(layer, len(frame), meta or self.meta.get(layer, {}))

    def append(self, table: str, rows: list[dict]) -> None:
        """Append rows to a history table (created on first use, widened for new columns)."""
        if not rows:
            return
        frame = pd.DataFrame(rows)
        types = {str(c): _column_type(frame[c]) for c in frame.columns}
        name = _history_name(table)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{_ident(name)} (fid bigint PRIMARY KEY)")
        known = self._history_columns(table)
        for column, kind in types.items():
            if column not in known:
                self.con.execute(f"ALTER TABLE {SCHEMA}.{_ident(name)} ADD COLUMN IF NOT EXISTS {_ident(column)} {kind}")
                known[column] = kind
        sql = (f"COPY {SCHEMA}.{_ident(name)} (fid, {', '.join(map(_ident, types))}) "
               f"FROM STDIN WITH (FORMAT csv, NULL '{NULL}')")  # fmt: skip
        # numbered after the rows already there (one writer at a time: the write lock is held)
        first = self.con.execute(f"SELECT coalesce(max(fid) + 1, 0) FROM {SCHEMA}.{_ident(name)}").fetchone()[0]
        buffer = _csv_frame(frame, {c: known[c] for c in types}, None, first_fid=int(first))
        with self.con.cursor().copy(sql) as copy:
            copy.write(buffer.getvalue())
        self.con.execute(
            f"INSERT INTO {SCHEMA}.catalog (layer, table_name, columns, spatial, generation) "
            "VALUES (%s, %s, %s, false, %s) ON CONFLICT (layer) DO UPDATE SET columns = EXCLUDED.columns",
            (table, name, json.dumps(list(known.items())), self.generation))

    def _history_columns(self, table: str) -> dict[str, str]:
        row = self.con.execute(f"SELECT columns FROM {SCHEMA}.catalog WHERE layer = %s", (table,)).fetchone()
        return dict(row[0]) if row else {}


class PostGISStore(LayerDocs):
    """The PostGIS implementation of :class:`~inclusion_map.store.Store`.

    Parameters
    ----------
    url : str
        A libpq URL, ``postgresql://user:password@host:port/database`` (or with ``?host=`` for a
        Unix socket). The database needs the PostGIS extension, or the right to create it.
    """

    def __init__(self, url: str):
        self.url = str(url)

    def __repr__(self) -> str:
        return f"PostGISStore({redact(self.url)!r})"

    @property
    def path(self) -> str:  # messages name the store by this, as they name a GeoPackage's path
        return redact(self.url)

    # --- plumbing ------------------------------------------------------------------------
    @contextmanager
    def _con(self):
        with connection(self.url) as con:
            if self.url not in _MIGRATED:
                migrate(con)
                _MIGRATED.add(self.url)
            yield con

    def _catalog(self, con) -> dict[str, tuple[str, dict[str, str], bool]]:
        rows = con.execute(f"SELECT layer, table_name, columns, spatial FROM {SCHEMA}.catalog").fetchall()
        return {layer: (table, dict(columns), spatial) for layer, table, columns, spatial in rows}  # pairs: ordered

    def _entry(self, con, layer: str) -> tuple[str, dict[str, str], bool]:
        row = con.execute(f"SELECT table_name, columns, spatial FROM {SCHEMA}.catalog WHERE layer = %s",
                          (layer,)).fetchone()  # fmt: skip
        if row is None:
            raise NotFound(f"layer '{layer}' is not in the store {self.path}",
                           hint="run `python run.py harvest` first")  # fmt: skip
        return row[0], dict(row[1]), row[2]  # [name, type] pairs: dict keeps their order

    # --- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the store holds anything (a harvest or a build has written to it)."""
        return self.version() is not None

    def version(self) -> tuple[int] | None:
        """The store's generation, raised by every write; ``None`` before the first one.

        Pages ask for it several times a request to check their caches: the value read is kept
        :data:`VERSION_TTL_S` seconds, so a busy worker asks the database a few times a second.
        """
        now = time.monotonic()
        known = _VERSIONS.get(self.url)
        if known is not None and now - known[0] < VERSION_TTL_S:
            return known[1]
        with self._con() as con:
            row = con.execute(f"SELECT generation FROM {SCHEMA}.state").fetchone()
        version = (int(row[0]),) if row and row[0] else None
        _VERSIONS[self.url] = (now, version)
        return version

    def layers(self) -> list[str]:
        """Names of the data layers (history, metadata and ``ref_*`` input copies excluded)."""
        with self._con() as con:
            names = self._catalog(con)
        return sorted(n for n in names if n not in HISTORY_TABLES and not n.startswith("ref_"))

    def has(self, layer: str) -> bool:
        if layer == "layer_meta":
            return bool(self.meta())
        with self._con() as con:
            return con.execute(f"SELECT 1 FROM {SCHEMA}.catalog WHERE layer = %s", (layer,)).fetchone() is not None

    def tables(self) -> list[str]:
        """Every layer and table, history and input copies included."""
        with self._con() as con:
            return sorted(self._catalog(con))

    def table_of(self, layer: str) -> str:
        """The table holding ``layer`` now (it stays readable one write after being replaced)."""
        with self._con() as con:
            return self._entry(con, layer)[0]

    def fids_in_box(self, table: str, box: tuple[float, float, float, float]) -> np.ndarray:
        """Row numbers (``fid``, the written order) of the features whose bounding box meets ``box``
        (WGS84 degrees), found with the table's GiST index; sorted."""
        with self._con() as con:
            rows = con.execute(f"SELECT fid FROM {SCHEMA}.{_ident(table)} WHERE geometry && "
                               "ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY fid",
                               [float(v) for v in box]).fetchall()  # fmt: skip
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def fields(self, layer: str) -> list[str]:
        """The layer's attribute columns (geometry excluded)."""
        with self._con() as con:
            return list(self._entry(con, layer)[1])

    def bounds(self, layer: str) -> tuple[float, float, float, float] | None:
        """The layer's extent in WGS84 degrees, ``None`` when it has no geometry."""
        with self._con() as con:
            table, _, spatial = self._entry(con, layer)
            if not spatial:
                return None
            row = con.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                              f"(SELECT ST_Extent(geometry) AS e FROM {SCHEMA}.{_ident(table)}) AS x").fetchone()  # fmt: skip
        return None if row is None or row[0] is None else tuple(float(v) for v in row)

    def read(self, layer: str, bbox=None, columns=None, where: dict | None = None,
             max_features: int | None = None) -> pd.DataFrame:  # fmt: skip
        """Read a layer (GeoDataFrame in EPSG:4326, or DataFrame for tables).

        Parameters
        ----------
        bbox : (minx, miny, maxx, maxy), optional
            In WGS84 degrees; only features intersecting it are read (with the GiST index).
        columns : list of str, optional
            Attribute columns to read (geometry is always read).
        where : dict, optional
            ``{column: value}``: only rows where each column equals its value.
        max_features : int, optional
            At most this many rows (in stored order).
        """
        from psycopg import ClientCursor

        with self._con() as con:
            table, types, spatial = self._entry(con, layer)
            wanted = [c for c in types if columns is None or c in columns]
            select = [_ident(c) for c in wanted]
            if spatial:
                select.append("encode(ST_AsEWKB(geometry), 'hex') AS geometry")
            conditions, args = [], []
            if bbox is not None and spatial:
                conditions.append("geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND "
                                  "ST_Intersects(geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))")
                args += [float(v) for v in bbox] * 2
            for column, value in (where or {}).items():
                if column not in types:
                    raise StoreError(f"layer '{layer}' has no column '{column}'")
                conditions.append(f"{_ident(column)} = %s")
                args.append(value)
            sql = f"SELECT {', '.join(select) or 'fid'} FROM {SCHEMA}.{_ident(table)}"
            if conditions:
                sql += " WHERE " + " AND ".join(conditions)
            sql += " ORDER BY fid"
            if max_features is not None:
                sql += f" LIMIT {int(max_features)}"
            query = ClientCursor(con).mogrify(sql, args) if args else sql
            buffer = io.StringIO()
            with con.cursor().copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true, NULL '{NULL}')") as copy:
                for chunk in copy:
                    buffer.write(bytes(chunk).decode("utf-8"))
        buffer.seek(0)
        frame = pd.read_csv(buffer, dtype=str, na_values=[NULL], keep_default_na=False) if buffer.getvalue() \
            else pd.DataFrame(columns=[*wanted, *(["geometry"] if spatial else [])])  # fmt: skip
        if not select:
            frame = pd.DataFrame(index=frame.index)
        frame = _typed(frame, {c: types[c] for c in wanted})
        if not spatial:
            return frame
        hexes = frame.pop("geometry") if "geometry" in frame else pd.Series([], dtype=object)
        raw = hexes.to_numpy(dtype=object)
        raw[pd.isna(raw)] = None
        geoms = shapely.from_wkb(raw)
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=STORED), crs=STORED)

    def meta(self) -> dict[str, dict]:
        with self._con() as con:
            rows = con.execute(f"SELECT layer, meta FROM {SCHEMA}.layer_meta").fetchall()
        return {layer: dict(meta) for layer, meta in rows}

    # --- writing -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_Writer]:
        """Write new tables, then swap them in with the metadata in one commit; nothing changes if
        the block fails."""
        con = connect(self.url, autocommit=False)
        try:
            migrate(con)
            con.commit()
            if not con.execute("SELECT pg_try_advisory_xact_lock(%s)", (WRITE_LOCK,)).fetchone()[0]:
                raise StoreError(f"another process is writing {self.path}",
                                 hint="wait for the other harvest to finish")  # fmt: skip
            current = con.execute(f"SELECT generation FROM {SCHEMA}.state").fetchone()[0] or 0
            meta = {layer: dict(m) for layer, m in con.execute(f"SELECT layer, meta FROM {SCHEMA}.layer_meta")}
            writer = _Writer(con, int(current) + 1, meta)
            yield writer
            kept = {entry["table_name"] for entry in writer.written.values()}  # a history table keeps its name
            replaced = [row[0] for row in con.execute(
                f"SELECT table_name FROM {SCHEMA}.catalog WHERE layer = ANY(%s)", (list(writer.written),))
                if row[0] not in kept]  # fmt: skip
            for table in replaced:  # kept until the next write: readers may still be on them
                con.execute(f"INSERT INTO {SCHEMA}.retired (table_name, generation) VALUES (%s, %s) "
                            "ON CONFLICT DO NOTHING", (table, writer.generation))
            for layer, entry in writer.written.items():
                con.execute(
                    f"INSERT INTO {SCHEMA}.catalog (layer, table_name, columns, spatial, generation) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (layer) DO UPDATE SET table_name = EXCLUDED.table_name, "
                    "columns = EXCLUDED.columns, spatial = EXCLUDED.spatial, generation = EXCLUDED.generation",
                    (layer, entry["table_name"], json.dumps(list(entry["columns"].items())), entry["spatial"],
                     writer.generation))
            con.execute(f"DELETE FROM {SCHEMA}.layer_meta")
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO {SCHEMA}.layer_meta (layer, meta) VALUES (%s, %s)",
                                [(k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in writer.meta.items()])  # fmt: skip
            con.execute(f"UPDATE {SCHEMA}.state SET generation = %s, changed_at = now()", (writer.generation,))
            con.commit()
            _VERSIONS.pop(self.url, None)
        except BaseException:
            con.rollback()
            con.close()
            raise
        try:
            self._drop_unused(con, writer.generation)
        finally:
            con.close()

    def _drop_unused(self, con, generation: int) -> None:
        """Drop the tables replaced by an earlier write than this one (this write's are kept)."""
        from psycopg import Error

        con.autocommit = True
        con.execute("SET lock_timeout = '2s'")  # a reader still on an old table: dropped next time
        old = con.execute(f"SELECT table_name FROM {SCHEMA}.retired WHERE generation < %s", (generation,)).fetchall()
        for (table,) in old:
            try:
                con.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{_ident(table)}")
                con.execute(f"DELETE FROM {SCHEMA}.retired WHERE table_name = %s", (table,))
            except Error:
                pass

    def write(self, layer: str, frame: pd.DataFrame, meta: dict | None = None) -> None:
        """Write one layer atomically."""
        with self.transaction() as tx:
            tx.write(layer, frame, meta)
