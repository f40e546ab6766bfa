"""The gap map's layers, served by area and zoom so that a national analysis never travels whole.

- ``/couverture/tuiles/grille/{z}/{x}/{y}.png`` and ``/couverture/tuiles/fragilite/{z}/{x}/{y}.png``:
  raster tiles of the grid cells beyond the walking threshold and of the zones' fragility classes,
  drawn from the analysis' lattice (:class:`inclusion_map.gaps.raster.CellRaster`); at low zoom a
  pixel shows the share of the cells it covers that are beyond the threshold, and their most
  frequent fragility class.
- ``/couverture/zones.geojson``: the zones with their figures and reasons, whole when the analysis
  has at most :data:`~inclusion_map.web.coverage_view.WHOLE_MAX_ZONES` zones (a territory), otherwise only those in ``bbox``,
  simplified to about half a pixel at ``zoom`` and never more than :data:`MAX_FEATURES` at once.
- ``/couverture/priorites.csv``: every zone of the analysis, ranked, without geometry (the page's
  table shows them a page at a time).
- ``/couverture/grille.geojson``: the cells beyond the threshold as GeoJSON, for readers of the
  data; whole up to :data:`WHOLE_MAX_CELLS` cells, otherwise by ``bbox``.

Every URL takes the page's own options (service, slot, threshold…); the analysis is the page's
(:func:`inclusion_map.web.coverage_view.analysis`). Each zone's GeoJSON is written once per
analysis, language and zoom band, so that a pan over places already seen only joins strings.
"""

from __future__ import annotations

import json

import numpy as np
import shapely
from flask import Blueprint, Response, g, request

from ..errors import BadRequest, NotFound
from ..geo.bbox import parse_bbox
from ..geo.tiles import valid_tile
from ..report_files import safe_frame
from . import render_cache
from .coverage_view import (
    GRID_COLUMNS,
    VECTOR_MIN_ZOOM,
    _preparing,
    _zones_in,
    analysis,
    is_large,
    parse_options,
)
from .zone_features import PRECISION_DEG, tolerance_at

bp = Blueprint("coverage_map", __name__)
WHOLE_MAX_CELLS = 50_000
MAX_FEATURES = 5000  # zones or cells in one answer by area
TILE_MAX_AGE_S = 86_400  # tile URLs carry the store's version (``v``): a new store, new URLs
_KINDS = {"grille": "grid", "fragilite": "fragility"}


def _zoom(raw) -> int:
    if raw in (None, ""):
        raise BadRequest("zoom is needed with bbox", hint="a whole number from 0 to 22")
    if not raw.isdigit() or not 0 <= int(raw) <= 22:
        raise BadRequest(f"zoom « {raw[:10]} » must be a whole number from 0 to 22")
    return int(raw)


def _in_bbox(tree: shapely.STRtree, bbox) -> np.ndarray:
    return np.sort(tree.query(shapely.box(*bbox), predicate="intersects"))


def _analysis_or_pending():
    options = parse_options(request.args)
    try:
        return options, analysis(options)
    except render_cache.Pending as pending:
        raise _Waiting(_preparing(pending, as_json=True)) from None


class _Waiting(Exception):
    """The analysis is still running: the 503 answer to send."""

    def __init__(self, answer):
        self.answer = answer


@bp.errorhandler(_Waiting)
def _waiting(error: _Waiting):
    return error.answer


@bp.get("/couverture/zones.geojson")
def zones():
    """The zones: whole for a territory, by ``bbox`` and ``zoom`` for a large analysis."""
    options, found = _analysis_or_pending()
    features = found.zone_features(g.lang, options.threshold_min)
    bbox = parse_bbox(request.args.get("bbox"))
    if bbox is None:
        if is_large(found):
            raise BadRequest(f"{len(found.result.zones):,} zones: too many at once; ask by area",
                             hint=f"add bbox=min_lon,min_lat,max_lon,max_lat and zoom (from {VECTOR_MIN_ZOOM})")  # fmt: skip
        indexes, tolerance = np.arange(len(features.frame)), tolerance_at(None)
    else:
        zoom = _zoom(request.args.get("zoom"))
        indexes = _in_bbox(features.tree, bbox)
        if len(indexes) > MAX_FEATURES:
            raise BadRequest(f"{len(indexes):,} zones in this area: more than {MAX_FEATURES:,} at once",
                             hint="ask a smaller area (zoom in)")  # fmt: skip
        tolerance = tolerance_at(zoom)
    return Response(features.collection(indexes, tolerance), mimetype="application/geo+json")


def _grid_json(frame) -> str:
    frame = frame[[c for c in GRID_COLUMNS if c in frame] + ["geometry"]].copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.values, PRECISION_DEG)
    return json.dumps(
        json.loads(frame.to_json(na="null", drop_id=True)), ensure_ascii=False, separators=(",", ":")
    )


@bp.get("/couverture/grille.geojson")
def grid():
    """The grid cells beyond the walking threshold: whole up to :data:`WHOLE_MAX_CELLS`, else by ``bbox``."""
    _, found = _analysis_or_pending()
    cells = found.result.grid
    beyond = found.derived("grid-beyond", lambda: cells[~cells["within"].astype(bool)].reset_index(drop=True))
    bbox = parse_bbox(request.args.get("bbox"))
    if bbox is None:
        if len(beyond) > WHOLE_MAX_CELLS:
            raise BadRequest(f"{len(beyond):,} cells beyond the threshold: too many at once; ask by area",
                             hint="add bbox=min_lon,min_lat,max_lon,max_lat, or use the map's tiles")  # fmt: skip
        body = found.derived("grille.geojson", lambda: _grid_json(beyond))
        return Response(body, mimetype="application/geo+json")
    tree = found.derived("grid-tree", lambda: shapely.STRtree(beyond.geometry.values))
    indexes = _in_bbox(tree, bbox)
    if len(indexes) > MAX_FEATURES:
        raise BadRequest(f"{len(indexes):,} cells in this area: more than {MAX_FEATURES:,} at once",
                         hint="ask a smaller area")  # fmt: skip
    return Response(_grid_json(beyond.iloc[indexes]), mimetype="application/geo+json")


@bp.get("/couverture/tuiles/<kind>/<int:z>/<int:x>/<int:y>.png")
def tile(kind: str, z: int, x: int, y: int):
    """A 256-pixel PNG tile of the grid beyond the threshold (``grille``) or of the fragility classes
    (``fragilite``), in Web Mercator."""
    if kind not in _KINDS:
        raise NotFound(f"no tile layer « {kind[:20]} »", hint="grille or fragilite")
    if not valid_tile(z, x, y):
        raise BadRequest(f"tile {z}/{x}/{y} does not exist", hint="0 ≤ x, y < 2^z, z from 0 to 22")
    _, found = _analysis_or_pending()
    body = found.raster().tile_png(_KINDS[kind], z, x, y)
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = f"public, max-age={TILE_MAX_AGE_S}"
    return response


#: the columns of the priority CSV, in the table's order
CSV_COLUMNS = ["rank", "code", "nom", "commune", "level", "population", "population_basis", "fragility",
               "fragility_label", "dist_mean_m", "walk_mean_min", "share_beyond", "pop_beyond", "access",
               "access_label", "reason"]  # fmt: skip


@bp.get("/couverture/priorites.csv")
def priorities_csv():
    """Every zone of the page's analysis, by rank, as CSV (UTF-8 with BOM, for spreadsheets)."""
    options, found = _analysis_or_pending()
    lang = g.lang

    def make() -> bytes:
        zones = _zones_in(found.result.zones, lang, options.threshold_min)
        table = zones[[c for c in CSV_COLUMNS if c in zones]].sort_values("rank", na_position="last")
        return safe_frame(table).to_csv(index=False).encode("utf-8-sig")

    body = found.derived(("priorites.csv", lang), make)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="priorites.csv"'
    return response
