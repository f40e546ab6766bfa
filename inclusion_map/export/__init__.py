"""Exporters, one per format. Each has ``extension``, ``media_type`` and
``write(frame, fileobj, meta)``; :func:`exporter_for` picks one by format name and layer.

``csv`` of the ``venues`` layer is the national standard's CSV; of any other layer, every
attribute with the geometry as WKT.
"""

from __future__ import annotations

from .csv_plain import PlainCsvExporter
from .csv_standard import StandardCsvExporter
from .geojson import GeoJsonExporter
from .ogr_formats import FlatGeobufExporter, GeoPackageExporter, ShapefileZipExporter

EXPORTERS = {e.extension: e for e in (StandardCsvExporter(), GeoJsonExporter(), GeoPackageExporter(),
                                      FlatGeobufExporter(), ShapefileZipExporter())}  # fmt: skip
ALIASES = {"shp": "shp.zip", "shapefile": "shp.zip", "zip": "shp.zip", "flatgeobuf": "fgb", "geopackage": "gpkg",
           "json": "geojson"}  # fmt: skip


def exporter_for(fmt: str, layer: str = "venues"):
    """The exporter of a format name or extension (``csv``, ``geojson``, ``gpkg``, ``fgb``, ``shp.zip``)."""
    from ..errors import BadRequest

    key = fmt.lower().lstrip(".")
    key = ALIASES.get(key, key)
    if key not in EXPORTERS:
        raise BadRequest(f"unknown export format '{fmt}'", hint=f"choose among: {', '.join(EXPORTERS)}")
    if key == "csv" and layer != "venues":
        return PlainCsvExporter()
    return EXPORTERS[key]
