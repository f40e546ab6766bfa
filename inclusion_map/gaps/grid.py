"""A regular grid of hexagons or squares over an area, in Lambert-93 (EPSG:2154, metres)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..geo.crs import METRIC


def _centres(bounds: tuple[float, float, float, float], size: float, shape: str) -> np.ndarray:
    minx, miny, maxx, maxy = bounds
    if shape == "square":
        xs = np.arange(minx + size / 2, maxx + size, size)
        ys = np.arange(miny + size / 2, maxy + size, size)
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])
    # Pointy-top hexagons, ``size`` apart side to side: rows are size·√3/2 apart, odd rows shifted.
    dy = size * np.sqrt(3) / 2
    ys = np.arange(miny + dy / 2, maxy + dy, dy)
    xs = np.arange(minx + size / 2, maxx + size, size)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + (np.arange(len(ys)) % 2)[:, None] * size / 2
    return np.column_stack([gx.ravel(), gy.ravel()])


def _polygons(centres: np.ndarray, size: float, shape: str) -> np.ndarray:
    if shape == "square":
        h = size / 2
        offsets = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])
    else:
        radius = size / np.sqrt(3)  # circumradius of a hexagon whose width is ``size``
        angles = np.deg2rad(np.arange(30, 391, 60))
        offsets = np.column_stack([np.cos(angles), np.sin(angles)]) * radius
    rings = centres[:, None, :] + offsets[None, :, :]
    return shapely.polygons(rings)


def cell_area(size: float, shape: str) -> float:
    """Area of one cell in m²."""
    return size * size if shape == "square" else np.sqrt(3) / 2 * size * size


def make_grid(area, size: float, shape: str = "hexagon") -> gpd.GeoDataFrame:
    """Cells whose centre lies in ``area``.

    Parameters
    ----------
    area : shapely geometry
        In EPSG:2154.
    size : float
        Distance between neighbouring cell centres, metres (the width of a cell).
    shape : {"hexagon", "square"}

    Returns
    -------
    GeoDataFrame in EPSG:2154 with ``x``, ``y`` (cell centre) and the cell polygon.
    """
    centres = _centres(area.bounds, size, shape)
    shapely.prepare(area)
    inside = shapely.contains_xy(area, centres[:, 0], centres[:, 1])
    centres = centres[inside]
    return gpd.GeoDataFrame({"x": centres[:, 0], "y": centres[:, 1]},
                            geometry=_polygons(centres, size, shape), crs=METRIC)  # fmt: skip
