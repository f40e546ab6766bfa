"""The analysis' grid as rasters on its own lattice, drawn into web map tiles.

Ten million cells (France at 250 m) cannot be sent to a browser. They sit, instead, on the regular
lattice they were made on (:mod:`.grid`): one byte per lattice position says whether the cell there
is beyond the walking threshold, one byte the fragility class of its zone. Coarser levels (each
position standing for 2×2 of the level below) hold the share of cells beyond the threshold and the
most frequent fragility class, so that a tile of the whole country reads a few hundred thousand
bytes, not ten million cells. A tile's pixels are placed on the lattice through 17 × 17 points
projected from Web Mercator (EPSG:3857) to Lambert-93 (EPSG:2154) and interpolated in between; at
the finest level each pixel takes the cell whose centre is nearest, which draws the hexagons (or
squares) exactly.
"""

from __future__ import annotations

import io
import math
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np
from pyproj import Transformer

from ..geo.crs import METRIC
from ..geo.tiles import TILE_PX, ground_pixel_m, mercator_to_lonlat, tile_bounds

NONE = 255  # share byte of a lattice position without a cell
CONTROL = 16  # pixels between two projected control points of a tile
SAMPLES_KEPT = 256  # tiles' pixel samples kept (the grid and the fragility layers ask the same tile)
TILES_KEPT = 4096  # encoded tiles kept per raster (a few hundred bytes to a few KB each)
#: fragility classes 1–5 (the gap map's palette), drawn at 60 % opacity
FRAGILITY_RGBA = [(0, 0, 0, 0)] + [
    (*bytes.fromhex(c), 153) for c in ("fef0d9", "fdcc8a", "fc8d59", "e34a33", "b30000")
]
#: the grid: nothing beyond the threshold, then up to a third, two thirds, all cells beyond
GRID_RGBA = [(0, 0, 0, 0), (27, 27, 27, 38), (27, 27, 27, 77), (27, 27, 27, 115)]
#: share byte (0–254 of the cells beyond, 255 none) → index of GRID_RGBA
_SHARE_INDEX = np.select([np.arange(256) == NONE, np.arange(256) == 0, np.arange(256) <= 85, np.arange(256) <= 170],
                         [0, 0, 1, 2], 3).astype(np.uint8)  # fmt: skip


@lru_cache(maxsize=1)
def _to_metric() -> Transformer:
    return Transformer.from_crs("EPSG:3857", METRIC, always_xy=True)


def _tile_latitude(z: int, ty: int) -> float:
    minx, miny, maxx, maxy = tile_bounds(z, 0, ty)
    return float(mercator_to_lonlat(0.0, (miny + maxy) / 2)[1])


# Where each pixel centre falls between the control points: the lower one and the weight of the next.
_CELL = (np.arange(TILE_PX) + 0.5) // CONTROL
_FRACTION = ((np.arange(TILE_PX) + 0.5) - _CELL * CONTROL) / CONTROL
_CELL = _CELL.astype(np.int64)


def _pixel_centres(z: int, tx: int, ty: int) -> tuple[np.ndarray, np.ndarray]:
    """Lambert-93 coordinates (metres) of the pixel centres of tile ``(z, tx, ty)``, 256 × 256 each.

    17 × 17 control points are projected exactly; the pixels in between are interpolated
    bilinearly (the two projections are smooth: the error over 16 pixels is far below a pixel).
    """
    minx, miny, maxx, maxy = tile_bounds(z, tx, ty)
    steps = np.arange(0, TILE_PX + 1, CONTROL)
    gx = minx + (maxx - minx) * steps / TILE_PX
    gy = maxy - (maxy - miny) * steps / TILE_PX
    cx, cy = _to_metric().transform(*np.meshgrid(gx, gy))
    out = []
    for grid in (cx, cy):
        # Along each row of control points first, then between the rows.
        across = grid[:, _CELL] * (1 - _FRACTION) + grid[:, _CELL + 1] * _FRACTION
        out.append(across[_CELL, :] * (1 - _FRACTION)[:, None] + across[_CELL + 1, :] * _FRACTION[:, None])
    return out[0], out[1]


class _Recent:
    """The last ``size`` values computed, by key (thread-safe)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: two requests for one tile may both compute it
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


def _block_sum(a: np.ndarray) -> np.ndarray:
    """Sums of 2 × 2 blocks (the array padded with zeros to even sides)."""
    h, w = a.shape
    a = np.pad(a, ((0, h % 2), (0, w % 2)))
    return a.reshape(a.shape[0] // 2, 2, a.shape[1] // 2, 2).sum(axis=(1, 3))


class CellRaster:
    """The grid cells of one analysis on their lattice, with a pyramid of coarser levels.

    Parameters
    ----------
    x, y : ndarray
        Cell centres, metres, EPSG:2154 (as made by :func:`.grid.zone_cells`).
    size : float
        Distance between neighbouring centres, metres.
    shape : {"hexagon", "square"}
    beyond : ndarray of bool
        Whether each cell is beyond the walking threshold.
    fragility_class : ndarray of int
        The fragility class (1–5) of each cell's zone, 0 when unknown.
    """

    def __init__(self, x, y, size: float, shape: str, beyond, fragility_class):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.size, self.hexagon = float(size), shape != "square"
        self.dy = self.size * math.sqrt(3) / 2 if self.hexagon else self.size
        self.empty = len(x) == 0
        self._samples, self._tiles = _Recent(SAMPLES_KEPT), _Recent(TILES_KEPT)
        if self.empty:
            self.levels: list[tuple[np.ndarray, np.ndarray]] = []
            return
        # The first cell is the origin; rows and columns are counted from it (rows of hexagons
        # alternate their half-cell shift, so the parity of a row is counted from it too).
        self.x0, self.y0 = float(x[0]), float(y[0])
        r = np.rint((y - self.y0) / self.dy).astype(np.int64)
        k = np.rint((x - self.x0) / self.size - self._shift(r)).astype(np.int64)
        self.r0, self.k0 = int(r.min()), int(k.min())
        rows, cols = r - self.r0, k - self.k0
        shape2d = (int(rows.max()) + 1, int(cols.max()) + 1)
        share = np.full(shape2d, NONE, dtype=np.uint8)
        share[rows, cols] = np.where(np.asarray(beyond, dtype=bool), 254, 0)
        klass = np.zeros(shape2d, dtype=np.uint8)
        klass[rows, cols] = np.clip(np.nan_to_num(np.asarray(fragility_class, dtype=float)), 0, 5).astype(
            np.uint8
        )
        self.bounds = (x.min() - self.size, y.min() - self.size, x.max() + self.size, y.max() + self.size)
        self.levels = [(share, klass)]
        self._build_pyramid(share, klass)

    def _shift(self, r):
        """The half-cell shift of row ``r`` (counted from the origin's row): 0 or 0.5."""
        return np.mod(r, 2) * 0.5 if self.hexagon else 0.0

    def _build_pyramid(self, share: np.ndarray, klass: np.ndarray) -> None:
        cells = (share != NONE).astype(np.int32)
        beyond = (share == 254).astype(np.int32)
        counts = [(klass == c).astype(np.int32) for c in range(1, 6)]
        while max(cells.shape) > 1:
            cells, beyond = _block_sum(cells), _block_sum(beyond)
            counts = [_block_sum(c) for c in counts]
            with np.errstate(invalid="ignore", divide="ignore"):
                level_share = np.where(cells > 0, np.rint(254 * beyond / np.maximum(cells, 1)), NONE).astype(
                    np.uint8
                )
            stacked = np.stack(counts)
            level_class = np.where(stacked.max(axis=0) > 0, stacked.argmax(axis=0) + 1, 0).astype(np.uint8)
            self.levels.append((level_share, level_class))

    @property
    def nbytes(self) -> int:
        """Memory held by the rasters, bytes."""
        return sum(a.nbytes + b.nbytes for a, b in self.levels)

    def _pixels(self, z: int, tx: int, ty: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Lambert-93 coordinates of the tile's pixel centres (256 × 256 each) and its latitude."""
        return (*_pixel_centres(z, tx, ty), _tile_latitude(z, ty))

    def _finest(self, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column (level 0) of the cell whose centre is nearest each point.

        The nearest centre of a hexagonal lattice lies on one of the two rows around the point;
        on each, the nearest column is found by rounding, and the nearer of the two is kept.
        """
        below = np.floor((py - self.y0) / self.dy).astype(np.int64)
        best_r = best_k = best_d = None
        for r in (below, below + 1):
            shift = self._shift(r)
            k = np.rint((px - self.x0) / self.size - shift).astype(np.int64)
            d = (px - self.x0 - (k + shift) * self.size) ** 2 + (py - self.y0 - r * self.dy) ** 2
            if best_d is None:
                best_r, best_k, best_d = r, k, d
            else:
                nearer = d < best_d
                best_r, best_k = np.where(nearer, r, best_r), np.where(nearer, k, best_k)
                best_d = np.minimum(d, best_d)
        return best_r - self.r0, best_k - self.k0

    def sample(self, z: int, tx: int, ty: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The share byte and fragility class of each pixel of tile ``(z, tx, ty)`` (256 × 256 arrays),
        or ``None`` when the tile is outside the grid."""
        if self.empty:
            return None
        return self._samples.get((z, tx, ty), lambda: self._sample(z, tx, ty))

    def _sample(self, z: int, tx: int, ty: int) -> tuple[np.ndarray, np.ndarray] | None:
        px, py, lat = self._pixels(z, tx, ty)
        minx, miny, maxx, maxy = self.bounds
        if px.max() < minx or px.min() > maxx or py.max() < miny or py.min() > maxy:
            return None
        # The level whose positions are about one pixel wide (never finer than the cells).
        level = int(
            np.clip(
                math.floor(math.log2(max(ground_pixel_m(z, lat) / self.size, 1.0))), 0, len(self.levels) - 1
            )
        )
        if level == 0:
            rows, cols = self._finest(px, py)
        else:
            rows = np.rint((py - self.y0) / self.dy).astype(np.int64) - self.r0
            cols = np.rint((px - self.x0) / self.size).astype(np.int64) - self.k0
            rows, cols = rows >> level, cols >> level
        share, klass = self.levels[level]
        inside = (rows >= 0) & (rows < share.shape[0]) & (cols >= 0) & (cols < share.shape[1])
        rows, cols = np.where(inside, rows, 0), np.where(inside, cols, 0)
        return np.where(inside, share[rows, cols], NONE), np.where(inside, klass[rows, cols], 0)

    def grid_tile(self, z: int, tx: int, ty: int) -> np.ndarray | None:
        """Palette indexes of :data:`GRID_RGBA` for the tile (the share of cells beyond the threshold)."""
        sampled = self.sample(z, tx, ty)
        if sampled is None:
            return None
        return _SHARE_INDEX[sampled[0]]

    def fragility_tile(self, z: int, tx: int, ty: int) -> np.ndarray | None:
        """Palette indexes of :data:`FRAGILITY_RGBA` for the tile (the fragility class, 0 for none)."""
        sampled = self.sample(z, tx, ty)
        return None if sampled is None else sampled[1]

    def tile_png(self, kind: str, z: int, tx: int, ty: int) -> bytes:
        """The PNG of tile ``(z, tx, ty)`` of ``kind`` (``grid`` or ``fragility``), kept once made."""

        def make() -> bytes:
            if kind == "grid":
                return png(self.grid_tile(z, tx, ty), GRID_RGBA)
            return png(self.fragility_tile(z, tx, ty), FRAGILITY_RGBA)

        return self._tiles.get((kind, z, tx, ty), make)


def png(index: np.ndarray | None, palette: list[tuple[int, int, int, int]]) -> bytes:
    """A palette PNG of the indexes (a fully transparent tile for ``None``), with per-colour alpha."""
    from PIL import Image

    if index is None:
        return _blank_png()
    index = np.ascontiguousarray(index, dtype=np.uint8)
    image = Image.frombytes("P", (index.shape[1], index.shape[0]), index.tobytes())
    image.putpalette([v for rgba in palette for v in rgba[:3]])
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=bytes(rgba[3] for rgba in palette), optimize=False)
    return out.getvalue()


@lru_cache(maxsize=1)
def _blank_png() -> bytes:
    return png(np.zeros((TILE_PX, TILE_PX), dtype=np.uint8), [(0, 0, 0, 0)])
