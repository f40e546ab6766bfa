"""GeoJSON (RFC 7946: WGS84, lon/lat order), with the layer's metadata as a foreign member."""

from __future__ import annotations

import json

import geopandas as gpd


class GeoJsonExporter:
    extension = "geojson"
    media_type = "application/geo+json"

    def write(self, frame: gpd.GeoDataFrame, fileobj, meta: dict | None = None) -> None:
        data = json.loads(frame.to_crs("EPSG:4326").to_json(na="null", drop_id=True))
        if meta:
            data["metadata"] = meta
        fileobj.write(json.dumps(data, ensure_ascii=False).encode("utf-8"))
