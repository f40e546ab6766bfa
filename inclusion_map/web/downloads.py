"""``/exports``: every catalogue layer in every format, filtered, with its metadata sidecar.

Permalinks are stable: ``/exports/<layer>.<format>`` (plus ``?commune=``, ``?service=``,
``?bbox=``) always gives the current data; ``…/<layer>.<format>.meta.json`` its metadata.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from ..errors import BadRequest
from ..export import EXPORTERS, exporter_for
from ..export.bundle import export_layer
from ..vocab import SERVICES
from .layer_access import available, catalogue
from .places import COMMUNE_LIST_MAX, gazette

bp = Blueprint("downloads", __name__)
FORMATS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV", "shp.zip": "Shapefile (zip)",
           "fgb": "FlatGeobuf"}  # fmt: skip


def _split(filename: str) -> tuple[str, str]:
    for ext in sorted(EXPORTERS, key=len, reverse=True):
        if filename.endswith("." + ext):
            return filename[: -len(ext) - 1], ext
    raise BadRequest(f"unknown export format in '{filename[:80]}'", hint=f"formats: {', '.join(FORMATS)}")


def _filters() -> dict:
    args = request.args
    unknown = set(args) - {"commune", "service", "bbox", "lang"}
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(sorted(unknown))}", hint="commune, service, bbox")
    return {k: args.get(k) or None for k in ("commune", "service", "bbox")}


@bp.get("/exports")
def index():
    settings = current_app.config["SETTINGS"]
    layers = available(settings.store_location)
    places = gazette(settings.store_location)
    communes = places.table.sort_values("nom")
    filters = {k: request.args.get(k, "").strip() for k in ("commune", "service", "bbox")}
    # A name typed in the commune field of a large territory: the links carry its INSEE code.
    filters["commune"] = places.code_for(filters["commune"]) or filters["commune"]
    return render_template("exports.html", layers=layers, all_layers=catalogue(), formats=FORMATS,
                           communes=communes, services=SERVICES, filters=filters,
                           commune_list_max=COMMUNE_LIST_MAX)  # fmt: skip


@bp.get("/exports/<path:filename>")
def download(filename: str):
    settings = current_app.config["SETTINGS"]
    want_meta = filename.endswith(".meta.json")
    layer, ext = _split(filename.removesuffix(".meta.json"))
    filters = _filters()
    exporter = exporter_for(ext, layer)
    permalink = url_for("downloads.download", filename=f"{layer}.{ext}", _external=True,
                        **{k: v for k, v in filters.items() if v})  # fmt: skip
    buffer = io.BytesIO()
    info = export_layer(settings, layer, ext, buffer, permalink=permalink, **filters)
    if want_meta:
        return jsonify(info)
    response = Response(buffer.getvalue(), mimetype=exporter.media_type.split(";")[0])
    if "charset" in exporter.media_type:
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{layer}.{ext}"'
    response.headers["Link"] = f'<{permalink.replace(f"{layer}.{ext}", f"{layer}.{ext}.meta.json", 1)}>; rel="describedby"'
    return response
