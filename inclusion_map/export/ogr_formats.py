"""Binary GIS formats written by GDAL through pyogrio: GeoPackage, FlatGeobuf and zipped Shapefile.

Each is written to a temporary folder, then copied to the output file object. Shapefile has
limits of its own: field names of 10 characters at most (names are shortened and the zip holds
``fields.csv``, the table of full and short names), text values of 254 characters at most, and a
``.cpg`` file declares UTF-8 so that accents survive.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio


def _prepare(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.to_crs("EPSG:4326") if frame.crs else frame.set_crs("EPSG:4326")
    # Booleans and nullable integers are written as plain numbers, which every reader accepts.
    for col in frame.columns:
        if col != frame.geometry.name and str(frame[col].dtype) in ("boolean", "bool"):
            frame[col] = frame[col].astype("Int64")
    return frame


class _OgrExporter:
    extension = ""
    media_type = "application/octet-stream"
    driver = ""

    def write(self, frame: gpd.GeoDataFrame, fileobj, meta: dict | None = None) -> None:
        frame = _prepare(gpd.GeoDataFrame(frame).copy())
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{(meta or {}).get('layer', 'layer')}.{self.extension}"
            pyogrio.write_dataframe(frame, path, driver=self.driver, promote_to_multi=True,
                                    layer=(meta or {}).get("layer", "layer"))  # fmt: skip
            with path.open("rb") as data:
                shutil.copyfileobj(data, fileobj)


class GeoPackageExporter(_OgrExporter):
    extension = "gpkg"
    media_type = "application/geopackage+sqlite3"
    driver = "GPKG"


class FlatGeobufExporter(_OgrExporter):
    extension = "fgb"
    media_type = "application/flatgeobuf"
    driver = "FlatGeobuf"


def short_names(columns: list[str]) -> dict[str, str]:
    """Unique field names of at most 10 characters (Shapefile's limit)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = col[:10]
        n = 1
        while name.lower() in used:
            suffix = str(n)
            name = col[: 10 - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        out[col] = name
    return out


class ShapefileZipExporter:
    extension = "shp.zip"
    media_type = "application/zip"

    def write(self, frame: gpd.GeoDataFrame, fileobj, meta: dict | None = None) -> None:
        frame = _prepare(gpd.GeoDataFrame(frame).copy())
        layer = (meta or {}).get("layer", "layer")
        names = short_names([c for c in frame.columns if c != frame.geometry.name])
        frame = frame.rename(columns=names)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{layer}.shp"
            with warnings.catch_warnings():  # texts over 254 characters are cut: a documented Shapefile limit
                warnings.simplefilter("ignore", RuntimeWarning)
                pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["field", "shapefile_field"])
            writer.writerows(names.items())
            with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(Path(tmp).iterdir()):
                    archive.write(part, part.name)
                archive.writestr("fields.csv", buffer.getvalue())
