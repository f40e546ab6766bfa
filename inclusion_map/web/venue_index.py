"""An in-memory query engine over the ``venues`` layer for the public pages and the JSON API.

:meth:`VenueIndex.from_frame` keeps the public fields of each venue as plain dicts, projects the
points once to Lambert-93 (EPSG:2154, metres) into a scipy ``cKDTree`` and precomputes one numpy
boolean mask per vocabulary value of the filterable fields, so that :meth:`VenueIndex.query` costs
one tree look-up, a few mask operations and a sort of the matches.

Units and CRS
    Query points and boxes are WGS84 longitude/latitude degrees (EPSG:4326); radii and
    ``distance_m`` are metres on the ground: Lambert-93 distances divided by the projection's scale
    factor at the query point (same order, so same tree), which keeps them within about 0.3 % of the
    geodesic distance up to 50 km away, in metropolitan France and overseas alike (raw Lambert-93
    distances are 1.9× too long in La Réunion).
    ``walk_min`` is minutes of walking, with the project's model (:class:`~inclusion_map.gaps.distances.Walk`:
    straight-line metres × detour factor / walking speed, 1.3 and 4 km/h by default).
"""

from __future__ import annotations

import functools
import math
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Proj, Transformer
from scipy.spatial import cKDTree

from .. import vocab
from ..config import Coverage
from ..errors import BadRequest
from ..gaps.distances import Walk
from ..geo.bbox import finite_number as _number
from ..geo.bbox import parse_bbox
from ..geo.crs import METRIC, STORED
from ..hours import parse_hours
from ..locations import StoreLocation, as_location, is_postgis
from ..schema import FIELDS

# Query parameter → (column, vocabulary). Within one parameter values are OR'ed, across them AND'ed.
FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "services": ("services", vocab.SERVICES),
    "modalites": ("modalites_accompagnement", vocab.MODALITES_ACCOMPAGNEMENT),
    "publics": ("publics_specifiquement_adresses", vocab.PUBLICS),
    "frais": ("frais_a_charge", vocab.FRAIS),
    "labels": ("dispositif_programmes_nationaux", vocab.DISPOSITIFS),
}
# The standard's fields plus the provenance worth showing (each source with its id and update
# date, as JSON) and the territory team's corrections (JSON); internal columns (harvester,
# source_id(s), harvested_at, geocode_score) stay out.
PUBLIC_FIELDS = (*FIELDS, "sources", "provenance", "geocode_precision", "nb_aidants", "corrections")
MAX_RADIUS_M = 50_000
MAX_BBOX_DEG = 2.0
MAX_LIMIT = 100
MAX_OFFSET = 10_000
_INSEE = re.compile(r"(?:[013-9]\d|2[AB1-9])\d{3}")
_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class QueryResult:
    """One page of matches: ``total`` counts every match before paging; ``items`` are dicts."""

    total: int
    items: list[dict]
    limit: int
    offset: int


@lru_cache(maxsize=len(FILTERS))
def _folded_values(param: str) -> dict[str, str]:
    """A filter's vocabulary by folded value, folded once: folding its values again at every query
    took about 0.2 ms, more than the rest of a nearby query."""
    return {vocab.fold(v): v for v in FILTERS[param][1]}


@lru_cache(maxsize=1)
def _to_metric() -> tuple[Transformer, Proj]:
    return Transformer.from_crs(STORED, METRIC, always_xy=True), Proj(METRIC)


def _is_open(expr: str, when: datetime) -> bool:
    try:  # an invalid expression, or one that cannot be evaluated, counts as closed
        return bool((parsed := parse_hours(expr)) is not None and parsed.is_open(when))
    except Exception:
        return False


def _jsonable(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values (``None`` for missing, dates as ISO strings)."""
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].map(lambda t: None if pd.isna(t) else t.isoformat())
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _point(lon, lat, radius_m) -> tuple[float, float, float | None] | None:
    """The validated ``(lon, lat, radius_m)``, or ``None`` without a point."""
    if radius_m is not None:
        radius_m = _number("radius", radius_m, hint := f"give metres, more than 0 and at most {MAX_RADIUS_M}")
        if not 0 < radius_m <= MAX_RADIUS_M:
            raise BadRequest(f"radius {radius_m:g} m is out of range", hint=hint)
    if lon is None and lat is None:
        if radius_m is not None:
            raise BadRequest("radius needs a point", hint="give lon and lat too")
        return None
    if lon is None or lat is None:
        raise BadRequest("give both lon and lat, or neither", hint="e.g. lon=2.392&lat=48.787 (WGS84)")
    hint = "lon and lat are WGS84 degrees, longitude first: e.g. lon=2.392&lat=48.787"
    lon, lat = _number("lon", lon, hint), _number("lat", lat, hint)
    if not -180 <= lon <= 180:
        raise BadRequest(f"lon {lon:g} is outside -180..180 degrees", hint=hint)
    if not -90 <= lat <= 90:
        raise BadRequest(f"lat {lat:g} is outside -90..90 degrees", hint=hint)
    return lon, lat, radius_m


def _integer(name: str, value, low: int, high: int) -> int:
    number = _number(name, value, hint := f"give a whole number between {low} and {high}")
    if number != int(number) or not low <= number <= high:
        raise BadRequest(f"{name} {value} is out of range", hint=hint)
    return int(number)


def _values(value) -> list[str]:
    """A filter argument as a list of non-empty strings (one string counts as one value)."""
    items = [] if value is None else [value] if isinstance(value, str) else list(value)
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def _parse_when(value) -> datetime:
    try:
        when = datetime.fromisoformat(value.strip()) if isinstance(value, str) else value
        if not isinstance(when, datetime):
            raise ValueError
    except ValueError:
        raise BadRequest(f"open_at '{value}' is not a date and time",
                         hint="give a local date and time such as 2024-03-12T10:30") from None  # fmt: skip
    # an aware moment is read as metropolitan French wall time
    return when if when.tzinfo is None else when.astimezone(_PARIS).replace(tzinfo=None)


class VenueIndex:
    """Venues held in memory with a Lambert-93 k-d tree and vocabulary masks: build it with
    :meth:`from_frame` (or :func:`get_index`), then call :meth:`query`. Read-only, thread-safe."""

    @classmethod
    def from_frame(cls, gdf: gpd.GeoDataFrame, walk: Walk | None = None) -> VenueIndex:
        """Build the index from a venues GeoDataFrame of points (EPSG:4326, or any CRS it has).

        Parameters
        ----------
        gdf : GeoDataFrame
            One row per venue with the standard's columns, multi-valued fields joined with ``|``;
            no CRS means EPSG:4326. Rows without a geometry are only found by queries that have
            neither a point nor a bbox; ``longitude``/``latitude`` of the items come from the geometry.
        walk : Walk, optional
            Walking model for ``walk_min``; default: the project's coverage settings (4 km/h, ×1.3).
        """
        self = cls()
        gdf = gdf.set_crs(STORED) if gdf.crs is None else gdf.to_crs(STORED)
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self.lon, self.lat = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
        centres = shapely.centroid(geoms[ok])
        self.lon[ok], self.lat[ok] = shapely.get_x(centres), shapely.get_y(centres)
        self._xy = np.column_stack(_to_metric()[0].transform(self.lon, self.lat))
        self.located = np.isfinite(self._xy).all(axis=1) & np.isfinite(self.lon) & np.isfinite(self.lat)
        self._tree_rows = np.flatnonzero(self.located)
        self._tree = cKDTree(self._xy[self._tree_rows]) if len(self._tree_rows) else None
        frame["longitude"], frame["latitude"] = np.round(self.lon, 7), np.round(self.lat, 7)
        frame = frame.reindex(columns=list(dict.fromkeys([*frame.columns, *PUBLIC_FIELDS])))
        text = lambda col: frame[col].where(frame[col].notna(), "").astype(str).str.strip()  # noqa: E731
        self.masks = {}
        for column, values in FILTERS.values():
            folded = text(column).str.split("|").explode().map(vocab.fold)
            rows, self.masks[column] = folded.index.to_numpy(), {}
            for value in values:
                self.masks[column][value] = mask = np.zeros(len(frame), dtype=bool)
                mask[rows[(folded == vocab.fold(value)).to_numpy()]] = True
        self.codes_insee = text("code_insee").str.upper().to_numpy()
        hours = text("horaires")
        codes, self._hours_exprs = pd.factorize(hours.where(hours != ""))  # code -1: no hours
        self._hours_codes = np.asarray(codes)
        names = pd.DataFrame({"key": frame["nom"].map(vocab.fold), "id": frame["id"].astype(str)})
        self.name_rank = np.empty(len(frame), dtype=np.int64)
        order = names.sort_values(["key", "id"], kind="stable").index.to_numpy()
        self.name_rank[order] = np.arange(len(frame))
        self.records = _jsonable(frame[list(PUBLIC_FIELDS)])
        self._by_id = {}  # the first record of an id wins
        for position, venue_id in enumerate(frame["id"].astype(str)):
            self._by_id.setdefault(venue_id, position)
        self.walk = walk or Walk.from_settings(Coverage())
        self.search = None
        return self

    def __len__(self) -> int:
        return len(self.records)

    def get(self, venue_id: str) -> dict | None:
        """A copy of the public fields of the venue ``venue_id``, or ``None`` if there is none."""
        position = self._by_id.get(str(venue_id))
        return None if position is None else dict(self.records[position])

    def _filter_mask(self, fields: dict[str, object], codes_insee) -> np.ndarray:
        """AND across parameters of the OR of each parameter's values (validated here)."""
        keep = np.ones(len(self.records), dtype=bool)
        for param, raw in fields.items():
            column, values = FILTERS[param]
            known = _folded_values(param)
            if unknown := [v for v in _values(raw) if vocab.fold(v) not in known]:
                accepted = "accepted values (accents and case ignored): " + "; ".join(values)
                raise BadRequest(f"unknown {param} value '{unknown[0]}'", hint=accepted)
            if wanted := [known[vocab.fold(v)] for v in _values(raw)]:
                keep &= np.logical_or.reduce([self.masks[column][v] for v in wanted])
        codes = [c.upper() for c in _values(codes_insee)]
        if bad := [c for c in codes if not _INSEE.fullmatch(c)]:
            raise BadRequest(f"codes_insee '{bad[0]}' is not an INSEE commune code",
                             hint="five characters, such as 94081 or 2A004")  # fmt: skip
        return keep & np.isin(self.codes_insee, codes) if codes else keep

    def query(self, *, lon=None, lat=None, radius_m=None, bbox=None, services=(), modalites=(),
              publics=(), frais=(), labels=(), codes_insee=(), open_at=None, limit=20,
              offset=0) -> QueryResult:  # fmt: skip
        """Venues matching every given criterion, one page of them.

        Parameters
        ----------
        lon, lat : float, optional
            Point in WGS84 degrees (EPSG:4326); both or neither. With a point, items get
            ``distance_m`` (metres on the ground) and ``walk_min`` (minutes) and are sorted by
            distance, then name; without one they are sorted by name (accents and case ignored).
        radius_m : float, optional
            Only venues at most this many metres from the point; in (0, 50 000]; needs a point.
        bbox : str or sequence of 4 floats, optional
            ``min_lon,min_lat,max_lon,max_lat`` in WGS84 degrees, at most 2 degrees each way.
        services, modalites, publics, frais, labels : str or sequence of str
            Vocabulary values (see :data:`FILTERS`; accents and case ignored): a venue matches one
            parameter if it has any of its values, and must match every parameter given.
        codes_insee : str or sequence of str
            INSEE commune codes; the venue's ``code_insee`` must be one of them.
        open_at : datetime or ISO str, optional
            Naive local date and time (an aware one is converted to Europe/Paris wall time):
            keeps venues whose OSM ``horaires`` say open then; unknown or invalid hours count as closed.
        limit : int
            Page size, 1..100.
        offset : int
            Matches to skip, 0..10 000.

        Raises
        ------
        BadRequest
            For any invalid value, with a message that names it and a hint.
        """
        point = _point(lon, lat, radius_m)
        box = parse_bbox(bbox, MAX_BBOX_DEG)
        limit, offset = _integer("limit", limit, 1, MAX_LIMIT), _integer("offset", offset, 0, MAX_OFFSET)
        when = _parse_when(open_at) if open_at is not None and open_at != "" else None
        keep = self._filter_mask({"services": services, "modalites": modalites, "publics": publics,
                                  "frais": frais, "labels": labels}, codes_insee)  # fmt: skip
        rows, dist = np.flatnonzero(keep & self.located) if point or box else np.flatnonzero(keep), None
        if point:
            lon, lat, radius_m = point
            x, y = _to_metric()[0].transform(lon, lat)
            scale = _to_metric()[1].get_factors(lon, lat).meridional_scale  # conformal: one factor
            if not all(map(math.isfinite, (x, y, scale))):  # a pole: nothing is measurable there
                rows = rows[:0]
            elif radius_m is not None and self.search is not None:
                rows = self.search(_degree_box(lon, lat, radius_m))  # the database's spatial index
                rows = rows[keep[rows] & self.located[rows]]
            elif radius_m is not None and self._tree is not None:
                near = self._tree.query_ball_point([x, y], radius_m * scale * 1.000001)
                rows = np.sort(self._tree_rows[np.asarray(near, dtype=np.int64)])
                rows = rows[keep[rows]]
            dist = np.hypot(self._xy[rows, 0] - x, self._xy[rows, 1] - y) / scale
            if radius_m is not None:
                rows, dist = rows[dist <= radius_m], dist[dist <= radius_m]
        if box and self.search is not None and dist is None:
            rows = np.intersect1d(rows, self.search(box), assume_unique=True)
        if box:
            lons, lats = self.lon[rows], self.lat[rows]
            inside = (lons >= box[0]) & (lons <= box[2]) & (lats >= box[1]) & (lats <= box[3])
            rows, dist = rows[inside], None if dist is None else dist[inside]
        if when is not None and len(rows):
            codes = self._hours_codes[rows]
            by_code = np.zeros(len(self._hours_exprs) + 1, dtype=bool)  # last slot: no hours (-1)
            for code in np.unique(codes[codes >= 0]):  # once per distinct expression, not per venue
                by_code[code] = _is_open(self._hours_exprs[code], when)
            rows, dist = rows[by_code[codes]], None if dist is None else dist[by_code[codes]]
        order = np.argsort(self.name_rank[rows], kind="stable") if dist is None else np.lexsort(
            (self.name_rank[rows], dist))  # fmt: skip
        items = [dict(self.records[rows[i]]) for i in order[offset : offset + limit]]
        if dist is not None:
            page = dist[order[offset : offset + limit]]
            for item, metres, minutes in zip(items, page, self.walk.minutes(page), strict=True):
                item.update(distance_m=round(float(metres), 1), walk_min=round(float(minutes), 1))
        return QueryResult(total=len(rows), items=items, limit=limit, offset=offset)


def _degree_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A WGS84 box (degrees) holding every point within ``radius_m`` metres of (lon, lat).

    Generous by 2 %: it only picks the candidates from the database's index; the exact distance is
    measured afterwards, as with the k-d tree.
    """
    dlat = radius_m / 110_574 * 1.02  # the shortest degree of latitude, at the equator
    edge = min(abs(lat) + dlat, 89.9)
    dlon = min(radius_m / (111_320 * math.cos(math.radians(edge))) * 1.02, 180.0)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


_CACHE: dict[str, tuple[tuple, VenueIndex]] = {}
_LOCK = threading.Lock()


def get_index(store_path: StoreLocation | os.PathLike[str]) -> VenueIndex:
    """The index of the store's ``venues`` layer, rebuilt only when the store changes.

    Cached per store and keyed by its version; an empty index is returned when the store or its
    ``venues`` layer does not exist. With PostGIS, the radius and box searches pick their
    candidates with the database's GiST index (:meth:`PostGISStore.fids_in_box`); filters, hours and
    ranking stay in memory, identical for both backends.
    """
    from ..stores import open_store

    where = as_location(store_path)
    if not is_postgis(where):
        where = Path(where).resolve()
    store = open_store(where)
    stamp = store.version()
    with _LOCK:
        if (cached := _CACHE.get(str(where))) and cached[0] == stamp:
            return cached[1]
        frame = (store.read("venues") if stamp is not None and store.has("venues")
                 else gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs=STORED)))  # fmt: skip
        index = VenueIndex.from_frame(frame)
        if is_postgis(where) and stamp is not None and store.has("venues"):
            index.search = functools.partial(store.fids_in_box, store.table_of("venues"))
        _CACHE[str(where)] = (stamp, index)
        return index
