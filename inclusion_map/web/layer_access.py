"""Reading catalogue layers for the API, the OGC API and the downloads: cached per store file,
filtered by bbox, paged, and turned into GeoJSON features with a stable id.

A layer of more than :data:`LARGE_ROWS` features (the grid of a national analysis: ten million
cells) is never held whole: it is read by area from the GeoPackage's spatial index, a ``bbox`` of
at most :data:`MAX_LARGE_BBOX_DEG2` square degrees is required, and its extent comes from the file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..catalogue import LayerSpec, load_catalogue
from ..errors import BadRequest, LayerMissing, NotFound
from ..geo.bbox import parse_bbox
from ..locations import StoreLocation
from ..stores import open_store

ID_COLUMNS = {"venues": "id", "communes": "code", "iris": "code_iris", "gaps": "code", "gap_grid": "cell", "actors": "id"}
MAX_LIMIT = 1000
LARGE_ROWS = 1_000_000
MAX_LARGE_BBOX_DEG2 = 1.0  # about 80 km × 110 km: some 100,000 cells of 250 m
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], tuple[object, gpd.GeoDataFrame, dict]] = {}


def catalogue() -> dict[str, LayerSpec]:
    return load_catalogue()


def available(store_path: StoreLocation) -> dict[str, LayerSpec]:
    """The catalogue layers present in the store."""
    store = open_store(store_path)
    present = set(store.layers()) if store.exists() else set()
    return {name: spec for name, spec in catalogue().items() if name in present}


_ROWS: dict[str, tuple[object, dict]] = {}


def layer_rows(store_path: StoreLocation, layer: str) -> int:
    """The layer's feature count as the store's metadata gives it (0 when unknown); the metadata is
    read again only when the store changes."""
    store = open_store(store_path)
    version = store.version()
    cached = _ROWS.get(str(store_path))
    if cached is None or cached[0] != version:
        cached = (version, store.meta() if version is not None else {})
        _ROWS[str(store_path)] = cached
    try:
        return int(cached[1].get(layer, {}).get("rows") or 0)
    except (TypeError, ValueError):
        return 0


def is_large(store_path: StoreLocation, layer: str) -> bool:
    """Whether the layer is read by area only (more than :data:`LARGE_ROWS` features)."""
    return layer_rows(store_path, layer) > LARGE_ROWS


def layer_extent(store_path: StoreLocation, layer: str) -> tuple[float, float, float, float] | None:
    """The layer's bounds (WGS84) from the store's index or catalogue, without reading its features."""
    return open_store(store_path).bounds(layer)


def find_large(store_path: StoreLocation, layer: str, fid: str) -> gpd.GeoDataFrame:
    """One feature of a large layer by its (whole-number) id, read with an SQL filter."""
    column = ID_COLUMNS.get(layer)
    if column is None or not str(fid).isdigit():
        raise NotFound(f"no feature '{str(fid)[:80]}' in layer '{layer}'")
    hit = open_store(store_path).read(layer, where={column: int(fid)}, max_features=1)
    if hit.empty:
        raise NotFound(f"no feature '{str(fid)[:80]}' in layer '{layer}'")
    return hit


def _large_area(store_path: StoreLocation, layer: str, bbox) -> tuple[gpd.GeoDataFrame, dict]:
    rows = layer_rows(store_path, layer)
    if bbox is None:
        raise BadRequest(f"layer '{layer}' has {rows:,} features: ask for an area",
                         hint=f"bbox=min_lon,min_lat,max_lon,max_lat of at most {MAX_LARGE_BBOX_DEG2:g} square degree")  # fmt: skip
    if (bbox[2] - bbox[0]) * (bbox[3] - bbox[1]) > MAX_LARGE_BBOX_DEG2:
        raise BadRequest(f"bbox too large for layer '{layer}' ({rows:,} features)",
                         hint=f"at most {MAX_LARGE_BBOX_DEG2:g} square degree, e.g. 2.3,48.7,2.5,48.9")  # fmt: skip
    store = open_store(store_path)
    return store.read(layer, bbox=bbox).reset_index(drop=True), store.meta().get(layer, {})


def read_layer(store_path: StoreLocation, layer: str) -> tuple[gpd.GeoDataFrame, dict]:
    """The whole layer (EPSG:4326) and its stored metadata, cached until the store changes."""
    if layer not in catalogue():
        raise NotFound(f"unknown layer '{layer[:60]}'", hint="see /api/layers for the list")
    store = open_store(store_path)
    version = store.version()
    key = (str(store_path), layer)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None or cached[0] != version:
            if layer not in available(store_path):  # checked again only when the store changed
                raise LayerMissing(layer, catalogue()[layer].built_by)
            frame = store.read(layer)
            frame = frame.reset_index(drop=True)
            cached = (version, frame, store.meta().get(layer, {}))
            _CACHE[key] = cached
    return cached[1], cached[2]


def parse_paging(limit, offset, default: int = 100) -> tuple[int, int]:
    try:
        limit = int(limit) if limit not in (None, "") else default
        offset = int(offset) if offset not in (None, "") else 0
    except ValueError:
        raise BadRequest("limit and offset must be whole numbers") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit {limit} is out of range", hint=f"1 to {MAX_LIMIT}")
    if offset < 0:
        raise BadRequest(f"offset {offset} is out of range", hint="0 or more")
    return limit, offset


def select(frame: gpd.GeoDataFrame, bbox) -> gpd.GeoDataFrame:
    """The features intersecting ``bbox`` (all when ``None``)."""
    if bbox is None or frame.empty:
        return frame
    hits = frame.sindex.query(shapely.box(*bbox), predicate="intersects")
    return frame.iloc[np.sort(hits)]


def features(frame: gpd.GeoDataFrame, layer: str) -> list[dict]:
    """GeoJSON features with ``id`` from the layer's id column (RFC 7946, lon/lat)."""
    if frame.empty:
        return []
    data = json.loads(frame.to_json(na="null", drop_id=True))["features"]
    ids = frame[ID_COLUMNS[layer]].tolist() if ID_COLUMNS.get(layer) in frame else list(frame.index)
    for feature, fid in zip(data, ids, strict=True):
        feature["id"] = fid.item() if isinstance(fid, np.generic) else fid
    return data


def find(frame: gpd.GeoDataFrame, layer: str, fid: str) -> gpd.GeoDataFrame:
    column = ID_COLUMNS[layer]
    values = frame[column].astype(str) if column in frame else pd.Series(frame.index.astype(str))
    hit = frame[(values == str(fid)).to_numpy()]
    if hit.empty:
        raise NotFound(f"no feature '{str(fid)[:80]}' in layer '{layer}'")
    return hit.iloc[:1]


@dataclass
class LayerPage:
    """One page of a layer: its features (GeoJSON), how many matched, the paging and the metadata."""

    features: list[dict]
    matched: int
    limit: int
    offset: int
    meta: dict

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.matched


def layer_page(store_path: StoreLocation, layer: str, args, extra: tuple[str, ...] = (), default_limit: int = 100,
               order: str | None = None) -> LayerPage:  # fmt: skip
    """The features of ``layer`` selected by the query ``args`` (``bbox``, ``limit``, ``offset``).

    Any other parameter than those and ``extra`` is a clear 400, as are bad values.
    """
    unknown = set(args) - {"bbox", "limit", "offset", *extra}
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}", hint="bbox, limit, offset")
    # As the OpenAPI document says: « limit= » is a mistake, not the default.
    if empty := sorted(k for k in ("bbox", "limit", "offset") if k in args and not args[k].strip()):
        raise BadRequest(f"parameter(s) without a value: {', '.join(empty)}",
                         hint="leave out the ones not used")  # fmt: skip
    limit, offset = parse_paging(args.get("limit"), args.get("offset"), default_limit)
    bbox = parse_bbox(args.get("bbox"))
    if layer in catalogue() and is_large(store_path, layer):
        frame, meta = _large_area(store_path, layer, bbox)
    else:
        frame, meta = read_layer(store_path, layer)
    matched = select(frame, bbox)
    if order and order in matched:
        matched = matched.sort_values(order, na_position="last")
    return LayerPage(features(matched.iloc[offset:offset + limit], layer), len(matched), limit, offset, meta)
