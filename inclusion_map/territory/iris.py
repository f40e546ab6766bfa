"""IRIS contours (IGN CONTOURS-IRIS) as GeoJSON: the Géoplateforme WFS or an open-data export.

The property names differ between publishers, so each field is looked up under its known
spellings (:data:`FIELD_NAMES`): IGN's Géoplateforme (``code_iris``, ``code_insee``, ``nom_iris``,
``type_iris``), the older IGN shapefiles (``CODE_IRIS``, ``INSEE_COM``, ``TYP_IRIS``…) and the
Opendatasoft ``georef-france-iris`` export (``iris_code``, ``com_code``…, values as lists).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geo.crs import STORED
from .fragility import IRIS_CODE
from .tables import Problems, pad_codes

FIELD_NAMES = {
    "code_iris": ("code_iris", "CODE_IRIS", "iris_code", "DCOMIRIS", "dcomiris"),
    "insee_com": ("code_insee", "INSEE_COM", "insee_com", "com_code", "depcom", "DEPCOM"),
    "nom_iris": ("nom_iris", "NOM_IRIS", "iris_name", "libiris", "LIBIRIS"),
    "type_iris": ("type_iris", "TYP_IRIS", "typ_iris", "iris_type", "TYPE_IRIS"),
    "nom_com": ("nom_commune", "NOM_COM", "nom_com", "com_name"),
}
# One-letter IRIS types of IGN → the words used by INSEE (and by the IFN file).
TYPE_WORDS = {"H": "Iris d'habitat", "A": "Iris d'activité", "D": "Iris divers",
              "Z": "Commune non découpée en IRIS"}  # fmt: skip
LABEL = "iris contours"


def _first(value):
    """Opendatasoft exports hold some values as one-element lists."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _pick(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    for name in names:
        if name in frame:
            return frame[name].map(_first)
    return pd.Series(None, index=frame.index, dtype=object)


def _lon_lat(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Swap axes when the file is in latitude/longitude order (WFS 2.0 with EPSG:4326 does that)."""
    if geoms.empty:
        return geoms
    minx, miny, maxx, maxy = geoms.total_bounds
    looks_swapped = minx >= 40 and maxx <= 52 and miny >= -6 and maxy <= 10
    if looks_swapped:
        return gpd.GeoSeries(shapely.transform(geoms.values, lambda xy: xy[:, ::-1]), index=geoms.index, crs=STORED)
    return geoms


def parse_iris_contours(features: list[dict], problems: Problems, territory_codes: frozenset[str] | None,
                        current=lambda code: code) -> gpd.GeoDataFrame:  # fmt: skip
    """Turn GeoJSON features into a GeoDataFrame of IRIS indexed by code (EPSG:4326).

    Parameters
    ----------
    features : list of dict
        GeoJSON features in WGS84.
    territory_codes : frozenset of str or None
        INSEE codes of the territory's communes; IRIS of other communes are skipped and reported.
    current : callable
        Maps a commune code to the current one (communes merged since the IRIS edition).

    Returns
    -------
    GeoDataFrame with ``nom_iris``, ``type_iris``, ``insee_com``, ``nom_com`` and ``geometry``.
    Features without a valid code or geometry are rejected and reported with their position
    (``line`` is the feature's number in the file, from 1).
    """
    empty = gpd.GeoDataFrame({k: pd.Series(dtype=object) for k in FIELD_NAMES}, geometry=gpd.GeoSeries(crs=STORED))
    if not features:
        return empty.set_index("code_iris")
    props = pd.DataFrame([f.get("properties") or {} for f in features])
    geoms = gpd.GeoSeries(shapely.from_geojson([_geometry_json(f) for f in features], on_invalid="ignore"),
                          crs=STORED)  # fmt: skip
    frame = gpd.GeoDataFrame({key: _pick(props, names) for key, names in FIELD_NAMES.items()}, geometry=geoms)
    frame["_line"] = np.arange(1, len(frame) + 1)
    frame["code_iris"] = pad_codes(frame["code_iris"].astype(str), 9)
    frame["insee_com"] = frame["insee_com"].where(frame["insee_com"].notna(), frame["code_iris"].str[:5])
    frame["insee_com"] = pad_codes(frame["insee_com"].astype(str), 5).map(current)
    types = frame["type_iris"].astype(str).str.strip()
    frame["type_iris"] = types.map(TYPE_WORDS).fillna(frame["type_iris"])

    bad_code = ~frame["code_iris"].str.match(IRIS_CODE)
    problems.add_rows(LABEL, frame[bad_code], "not a 9-character IRIS code", field="code_iris",
                      value_column="code_iris", code_column="code_iris")  # fmt: skip
    no_geom = ~bad_code & (frame.geometry.isna() | frame.geometry.is_empty)
    problems.add_rows(LABEL, frame[no_geom], "no usable geometry", field="geometry", code_column="code_iris")
    dup = ~bad_code & ~no_geom & frame["code_iris"].duplicated()
    problems.add_rows(LABEL, frame[dup], "the same IRIS code appears twice; the first is kept",
                      field="code_iris", code_column="code_iris")  # fmt: skip
    keep = ~(bad_code | no_geom | dup)
    if territory_codes is not None:
        outside = keep & ~frame["insee_com"].isin(territory_codes)
        problems.add_rows(LABEL, frame[outside], "commune outside the territory", field="insee_com",
                          value_column="insee_com", code_column="code_iris", action="skipped")  # fmt: skip
        keep &= ~outside
    frame = frame[keep].copy()
    frame["geometry"] = _lon_lat(frame.geometry.make_valid())
    return frame.drop(columns="_line").set_index("code_iris")


def _geometry_json(feature: dict) -> str | None:
    import json

    geometry = feature.get("geometry")
    return json.dumps(geometry) if isinstance(geometry, dict) else None
