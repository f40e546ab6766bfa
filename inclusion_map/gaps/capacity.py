"""Will the analysis fit in memory? An estimate made before it starts, from the zones' area.

The number of cells is the zones' total area over the area of one cell; the memory is that number
times :data:`BYTES_PER_CELL`, the peak resident memory per cell measured on metropolitan France
(``benchmarks/gaps_national_benchmark.py``: 250 m and 1 km hexagons, with a slot and 3 suggested
sites), plus :data:`BASE_BYTES` for the interpreter, the libraries, the zones and the venues. A
territory that would not fit is refused with the figures and a coarser grid that would, instead
of the system killing the process half-way.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import shapely

from ..config import Coverage
from ..errors import BadRequest
from .grid import cell_area

# Measured peak resident memory of the analysis per grid cell, bytes (see the module docstring).
BYTES_PER_CELL = 700
BASE_BYTES = 1.0e9
GB = 1024**3


@dataclass(frozen=True)
class Estimate:
    """Cells and memory (bytes) the analysis of some zones would take, and the memory allowed."""

    cells: int
    bytes: float
    limit: float

    @property
    def fits(self) -> bool:
        return self.bytes <= self.limit


def available_bytes() -> float:
    """Memory the system can give now without swapping: psutil's, else ``MemAvailable`` of /proc/meminfo."""
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        return float(psutil.virtual_memory().available)
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def estimate(geometries: np.ndarray, cov: Coverage, size: float | None = None) -> Estimate:
    """Cells and memory for zones ``geometries`` (EPSG:2154) at ``size`` metres (default: the setting)."""
    size = size or cov.grid_size_m
    area = float(shapely.area(np.asarray(geometries)).sum())  # m²; zones do not overlap
    cells = math.ceil(area / cell_area(size, cov.grid_shape))
    limit = cov.max_memory_gb * GB if cov.max_memory_gb else available_bytes()
    return Estimate(cells, BASE_BYTES + cells * BYTES_PER_CELL, limit)


def coarser_size(est: Estimate, size: float) -> float | None:
    """The smallest grid size (metres, a multiple of 50) whose estimate fits, or None if none does."""
    room = est.limit - BASE_BYTES
    if room <= 0:
        return None
    needed = size * math.sqrt(est.cells * BYTES_PER_CELL / room)
    return float(max(math.ceil(needed / 50.0) * 50.0, size + 50.0))


def check_memory(geometries: np.ndarray, cov: Coverage) -> Estimate:
    """Refuse, before anything is computed, an analysis that would not fit in memory.

    Raises
    ------
    BadRequest
        With the estimated cells and memory, the memory allowed, and a coarser ``grid_size_m``.
    """
    est = estimate(geometries, cov)
    if est.fits:
        return est
    size = cov.grid_size_m
    better = coarser_size(est, size)
    where = "coverage.max_memory_gb" if cov.max_memory_gb else "memory available"
    hint = (f"use a coarser grid: coverage.grid_size_m: {better:.0f} (about "
            f"{est.cells * (size / better) ** 2:,.0f} cells), or analyse a smaller territory"
            if better and better <= 20000 else "analyse a smaller territory")  # fmt: skip
    raise BadRequest(f"the territory is too large for the memory available: a {size:.0f} m grid makes about "
                     f"{est.cells:,} cells, which needs about {est.bytes / GB:.1f} GB; {where}: "
                     f"{est.limit / GB:.1f} GB", hint=hint)  # fmt: skip
