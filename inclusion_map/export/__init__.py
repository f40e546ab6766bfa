"""Exporters, one per format, chosen by extension. Each has ``extension``, ``media_type`` and
``write(frame, fileobj, meta)``; :func:`exporter_for` picks one by name or file extension."""

from __future__ import annotations

from .csv_standard import StandardCsvExporter
from .geojson import GeoJsonExporter

EXPORTERS = {e.extension: e for e in (StandardCsvExporter(), GeoJsonExporter())}


def exporter_for(fmt: str):
    """The exporter of a format name or extension (``csv``, ``geojson``)."""
    from ..errors import BadRequest

    key = fmt.lower().lstrip(".")
    if key not in EXPORTERS:
        raise BadRequest(f"unknown export format '{fmt}'", hint=f"choose among: {', '.join(EXPORTERS)}")
    return EXPORTERS[key]
