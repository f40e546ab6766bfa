"""CSV of any layer: every attribute, then the geometry as WKT (WGS84), UTF-8, comma-separated.

Points also get ``longitude`` and ``latitude`` columns, which spreadsheets map directly. Text
cells that a spreadsheet would run as a formula are neutralised (:mod:`inclusion_map.report_files`).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..report_files import safe_frame


class PlainCsvExporter:
    extension = "csv"
    media_type = "text/csv; charset=utf-8"

    def write(self, frame: pd.DataFrame, fileobj, meta: dict | None = None) -> None:
        table = pd.DataFrame(frame).copy()
        if isinstance(frame, gpd.GeoDataFrame):
            geo = frame.to_crs("EPSG:4326") if frame.crs else frame
            table = table.drop(columns=frame.geometry.name)
            if len(geo) and (geo.geom_type == "Point").all():
                table["longitude"], table["latitude"] = geo.geometry.x.round(7), geo.geometry.y.round(7)
            table["geometry_wkt"] = geo.geometry.to_wkt(rounding_precision=7)
        fileobj.write(safe_frame(table).to_csv(index=False).encode("utf-8"))
