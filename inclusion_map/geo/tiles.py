"""Web map tiles: the XYZ scheme of OpenStreetMap and Leaflet, in Web Mercator (EPSG:3857).

Tile ``(z, x, y)`` covers 1/2^z of the world's width and height, ``x`` from the antimeridian
eastwards and ``y`` from the top (85.05° N) southwards; each tile is :data:`TILE_PX` pixels wide.
"""

from __future__ import annotations

import math

import numpy as np

TILE_PX = 256
#: half the width of the Web Mercator world, metres (EPSG:3857)
HALF_WORLD_M = 20037508.342789244
MAX_ZOOM = 22


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The tile's bounds ``(minx, miny, maxx, maxy)``, metres in EPSG:3857."""
    span = 2 * HALF_WORLD_M / 2**z
    minx = -HALF_WORLD_M + x * span
    maxy = HALF_WORLD_M - y * span
    return minx, maxy - span, minx + span, maxy


def valid_tile(z: int, x: int, y: int) -> bool:
    """Whether ``(z, x, y)`` names a tile of the world at a zoom this product serves."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def mercator_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3857 metres to longitude and latitude (degrees, EPSG:4326), exactly (spherical formula)."""
    lon = np.degrees(np.asarray(x, dtype=float) / 6378137.0)
    lat = np.degrees(2 * np.arctan(np.exp(np.asarray(y, dtype=float) / 6378137.0)) - np.pi / 2)
    return lon, lat


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The fractional tile coordinates of a point at zoom ``z`` (for the benchmarks' views)."""
    n = 2**z
    lat_r = math.radians(max(-85.0511, min(85.0511, lat)))
    return (lon + 180.0) / 360.0 * n, (1 - math.asinh(math.tan(lat_r)) / math.pi) / 2 * n


def ground_pixel_m(z: int, lat: float) -> float:
    """The ground size of one pixel at zoom ``z`` and latitude ``lat`` (degrees), metres."""
    return 2 * HALF_WORLD_M / 2**z / TILE_PX * math.cos(math.radians(lat))


def pixel_degrees(z: int) -> float:
    """The width of one pixel at zoom ``z``, degrees of longitude (a simplification tolerance)."""
    return 360.0 / 2**z / TILE_PX


def view_tiles(lon: float, lat: float, z: int, width_px: int, height_px: int) -> list[tuple[int, int, int]]:
    """The tiles a map of ``width_px`` × ``height_px`` centred on ``lon``, ``lat`` shows at zoom ``z``."""
    cx, cy = lonlat_to_tile(lon, lat, z)
    half_w, half_h = width_px / TILE_PX / 2, height_px / TILE_PX / 2
    xs = range(math.floor(cx - half_w), math.floor(cx + half_w) + 1)
    ys = range(max(0, math.floor(cy - half_h)), min(2**z - 1, math.floor(cy + half_h)) + 1)
    return [(z, x % 2**z, y) for x in xs for y in ys]


def view_bbox(
    lon: float, lat: float, z: int, width_px: int, height_px: int
) -> tuple[float, float, float, float]:
    """The ``(minlon, minlat, maxlon, maxlat)`` a map of that size centred on ``lon``, ``lat`` shows."""
    cx, cy = lonlat_to_tile(lon, lat, z)
    span = 2 * HALF_WORLD_M / 2**z
    xs = np.array([cx - width_px / TILE_PX / 2, cx + width_px / TILE_PX / 2]) * span - HALF_WORLD_M
    ys = HALF_WORLD_M - np.array([cy + height_px / TILE_PX / 2, cy - height_px / TILE_PX / 2]) * span
    lons, lats = mercator_to_lonlat(xs, ys)
    return float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1])
