"""The zones of an analysis as GeoJSON features, written once each and kept, per zoom band.

A national analysis has 35,000 zones: writing them all for each view of the map would take
seconds. Here each zone's properties are written once, and its geometry once per simplification
tolerance, when a view first shows it; a pan over places already seen only joins strings.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import shapely

from ..geo.tiles import pixel_degrees

SIMPLIFY_DEG = 0.0002  # about 20 m: the finest simplification, close up
PRECISION_DEG = 0.00001  # coordinates to about 1 m


def tolerance_at(zoom: int | None) -> float:
    """The simplification tolerance (degrees) for a map at ``zoom``: half a pixel, never finer than
    :data:`SIMPLIFY_DEG` (``None``: the finest, for a territory sent whole)."""
    return SIMPLIFY_DEG if zoom is None else max(SIMPLIFY_DEG, round(pixel_degrees(zoom) / 2, 6))


class ZoneFeatures:
    """The zones' GeoJSON features, each written on first use and kept (per zoom band)."""

    def __init__(self, frame, columns: list[str]):
        self.frame = frame.reset_index(drop=True)
        self.tree = shapely.STRtree(self.frame.geometry.values)
        columns = [c for c in columns if c in self.frame]
        records = json.loads(self.frame[columns].to_json(orient="records", force_ascii=False))
        self.properties = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
        self.written: dict[float, np.ndarray] = {}
        self._lock = threading.Lock()

    def warm(self, tolerances, chunk: int = 2000) -> None:
        """Write every zone at each of ``tolerances`` now, a chunk at a time (requests go on between)."""
        for tolerance in tolerances:
            for start in range(0, len(self.frame), chunk):
                self.collection(np.arange(start, min(start + chunk, len(self.frame))), tolerance)

    def collection(self, indexes: np.ndarray, tolerance: float) -> str:
        """A FeatureCollection of the zones at ``indexes``, simplified to ``tolerance`` degrees."""
        with self._lock:
            done = self.written.setdefault(tolerance, np.full(len(self.frame), None, dtype=object))
            missing = indexes[done[indexes] == None]  # noqa: E711 (elementwise on an object array)
            if len(missing):
                geoms = shapely.simplify(
                    self.frame.geometry.values[missing], tolerance, preserve_topology=True
                )
                geoms = shapely.set_precision(geoms, PRECISION_DEG)
                done[missing] = [
                    f'{{"type":"Feature","properties":{self.properties[i]},"geometry":{geom}}}'
                    for i, geom in zip(missing, shapely.to_geojson(geoms), strict=True)
                ]
            parts = done[indexes].tolist()
        return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
