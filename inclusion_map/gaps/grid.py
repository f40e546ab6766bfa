"""A regular grid of hexagons or squares over an area, in Lambert-93 (EPSG:2154, metres).

The grid is a lattice fixed by the bounds of the whole territory: column ``c`` and row ``r`` have
their centre at ``(xs[c] (+ size/2 on odd rows of hexagons), ys[r])``. :func:`zone_cells` finds the
centres zone by zone, within each zone's own bounds, so that a national grid (about ten million
cells at 250 m) is made without a union of every zone, without testing the empty sea of the
bounding box, and without a polygon per cell: the cell polygons are drawn only for the output,
when it keeps them (:func:`cell_polygons`).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ..geo.crs import METRIC


@dataclass(frozen=True)
class Lattice:
    """Cell centres of a grid: ``xs`` (columns) and ``ys`` (rows), metres in EPSG:2154."""

    xs: np.ndarray
    ys: np.ndarray
    size: float
    shape: str

    @classmethod
    def over(cls, bounds: tuple[float, float, float, float], size: float, shape: str) -> Lattice:
        minx, miny, maxx, maxy = bounds
        # np.arange is kept (not start + i·step) so that the centres are the same floats as before.
        xs = np.arange(minx + size / 2, maxx + size, size)
        if shape == "square":
            ys = np.arange(miny + size / 2, maxy + size, size)
        else:
            # Pointy-top hexagons, ``size`` apart side to side: rows are size·√3/2 apart, odd rows shifted.
            dy = size * np.sqrt(3) / 2
            ys = np.arange(miny + dy / 2, maxy + dy, dy)
        return cls(xs, ys, float(size), shape)

    def centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates (metres) of the cells at ``rows``, ``cols`` (broadcast)."""
        x = self.xs[cols]
        if self.shape != "square":
            x = x + (rows % 2) * (self.size / 2)
        return x, self.ys[rows] + np.zeros_like(x)

    def window(self, bounds) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of every cell whose centre may fall within ``bounds`` (a margin of one cell)."""
        minx, miny, maxx, maxy = bounds
        c0, c1 = np.searchsorted(self.xs, [minx - self.size, maxx + self.size])
        r0, r1 = np.searchsorted(self.ys, [miny - self.size, maxy + self.size])
        return np.arange(r0, min(r1, len(self.ys))), np.arange(c0, min(c1, len(self.xs)))


def cell_area(size: float, shape: str) -> float:
    """Area of one cell in m²."""
    return size * size if shape == "square" else np.sqrt(3) / 2 * size * size


def cell_rings(x: np.ndarray, y: np.ndarray, size: float, shape: str) -> np.ndarray:
    """The closed rings of the cells around centres ``x``, ``y``: shape (n, 5 or 7, 2), metres, EPSG:2154."""
    centres = np.column_stack([x, y])
    if shape == "square":
        h = size / 2
        offsets = np.array([[-h, -h], [h, -h], [h, h], [-h, h], [-h, -h]])
    else:
        radius = size / np.sqrt(3)  # circumradius of a hexagon whose width is ``size``
        angles = np.deg2rad(np.arange(30, 391, 60))
        offsets = np.column_stack([np.cos(angles), np.sin(angles)]) * radius
    return centres[:, None, :] + offsets[None, :, :]


def cell_polygons(x: np.ndarray, y: np.ndarray, size: float, shape: str) -> np.ndarray:
    """The cell polygons around centres ``x``, ``y`` (metres, EPSG:2154)."""
    return shapely.polygons(cell_rings(x, y, size, shape))


def zone_cells(geometries: np.ndarray, size: float, shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells whose centre lies inside a zone, and that zone.

    Parameters
    ----------
    geometries : ndarray of shapely geometries
        The zones, EPSG:2154.
    size : float
        Distance between neighbouring cell centres, metres (the width of a cell).
    shape : {"hexagon", "square"}

    Returns
    -------
    (x, y, zone): centres in metres (EPSG:2154) in row-major order of the lattice over the zones'
    total bounds, and the index of the zone holding each. A centre on a zone's boundary belongs to
    none (as with ``within``); a centre inside two overlapping zones goes to the first of them.
    """
    geometries = np.asarray(geometries)
    if len(geometries) == 0:
        return np.empty(0), np.empty(0), np.empty(0, np.int32)
    lattice = Lattice.over(tuple(shapely.total_bounds(geometries)), size, shape)
    ncols = len(lattice.xs)
    keys, zones = [], []
    bounds = shapely.bounds(geometries)
    for z, geom in enumerate(geometries):
        if geom is None or shapely.is_empty(geom):
            continue
        rows, cols = lattice.window(bounds[z])
        if len(rows) == 0 or len(cols) == 0:
            continue
        r, c = np.repeat(rows, len(cols)), np.tile(cols, len(rows))
        x, y = lattice.centres(r, c)
        shapely.prepare(geom)
        inside = shapely.contains_xy(geom, x, y)
        shapely.destroy_prepared(geom)
        if inside.any():
            keys.append(r[inside].astype(np.int64) * ncols + c[inside])
            zones.append(np.full(int(inside.sum()), z, dtype=np.int32))
    if not keys:
        return np.empty(0), np.empty(0), np.empty(0, np.int32)
    keys, zones = np.concatenate(keys), np.concatenate(zones)
    # np.unique sorts by lattice position and keeps the first zone listed for a shared centre.
    keys, first = np.unique(keys, return_index=True)
    x, y = lattice.centres(keys // ncols, keys % ncols)
    return x, y, zones[first]


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
    x, y, _ = zone_cells(np.array([area], dtype=object), size, shape)
    return gpd.GeoDataFrame({"x": x, "y": y}, geometry=cell_polygons(x, y, size, shape), crs=METRIC)
