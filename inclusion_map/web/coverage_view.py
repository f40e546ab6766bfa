"""``/couverture``: the gap map and the priority table for hub organisers.

The page runs :func:`inclusion_map.geo.gaps.analyse` for the options in its URL (service, time
slot, threshold, sub-territory, suggested sites, a scenario) — nothing is written — and shows
the priority table, the suggestions (named by their nearest address when the geocoder answers)
and the scenario. The map loads the zones and the grid by URL (``/couverture/zones.geojson``,
``/couverture/grille.geojson``, simplified), never inlined.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import shapely
from flask import Blueprint, Response, current_app, render_template, request

from ..errors import BadRequest
from ..geo.gaps import SERVICE_SLUGS, GapOptions, GapResult, analyse
from ..geo.slots import PRESETS
from .filters import page_url
from .mapview import results_map
from .places import nearby_labels

bp = Blueprint("coverage", __name__)
THRESHOLDS = (10, 15, 20, 30)
SORTS = {"rank": "rank", "zone": "nom", "population": "population", "fragilite": "fragility",
         "distance": "dist_mean_m", "accessibilite": "access"}  # fmt: skip
SIMPLIFY_DEG = 0.0002  # about 20 m: enough for a map of a territory, far lighter to send
PRECISION_DEG = 0.00001  # coordinates to about 1 m
_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()


def _points(raw: str, what: str) -> tuple[tuple[float, float], ...]:
    points = []
    for part in (p.strip() for p in raw.replace(";", "\n").splitlines()):
        if not part:
            continue
        try:
            lon, lat = (float(v) for v in part.split(","))
        except ValueError:
            raise BadRequest(f"{what} « {part[:40]} » is not LON,LAT (e.g. 2.40,48.79)") from None
        points.append((lon, lat))
    return tuple(points[:10])


def parse_options(args) -> GapOptions:
    """The analysis options of the page's query string (bad values are a clear 400)."""
    threshold = args.get("seuil", "15")
    if not threshold.isdigit() or int(threshold) not in THRESHOLDS:
        raise BadRequest(f"seuil « {threshold[:10]} » must be one of {', '.join(map(str, THRESHOLDS))} minutes")
    suggest = args.get("sites", "0")
    if not suggest.isdigit() or not 0 <= int(suggest) <= 10:
        raise BadRequest("sites must be a number from 0 to 10")
    close = tuple(c.strip() for c in args.get("fermer", "").replace(",", " ").split() if c.strip())[:20]
    return GapOptions(service=args.get("service") or None, subterritory=args.get("zone") or None,
                      threshold_min=float(threshold), slot=args.get("creneau") or None, suggest=int(suggest),
                      close=close, add=_points(args.get("ajouter", ""), "ajouter"))  # fmt: skip


def cached_analysis(options: GapOptions) -> GapResult:
    """The analysis for these options and this store file (a few recent ones kept in memory)."""
    settings = current_app.config["SETTINGS"]
    path = settings.store_path
    key = (str(path), path.stat().st_mtime if path.is_file() else 0, options)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = analyse(settings, options)
    with _LOCK:
        _CACHE[key] = result
        while len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return result


@bp.get("/couverture")
def page():
    options = parse_options(request.args)
    result = cached_analysis(options)
    sort = request.args.get("tri", "rank")
    if sort not in SORTS:
        raise BadRequest(f"tri « {sort[:20]} » must be one of {', '.join(SORTS)}")
    descending = request.args.get("ordre", "asc") == "desc"
    table = result.zones.drop(columns="geometry").sort_values(SORTS[sort], ascending=not descending, na_position="last")
    centre = result.zones.to_crs(2154).geometry.union_all().centroid
    from geopandas import GeoSeries

    lonlat = GeoSeries([centre], crs=2154).to_crs(4326).iloc[0]
    settings = current_app.config["SETTINGS"]
    sites = [(int(s.rank), float(s.lon), float(s.lat)) for s in result.suggestions.itertuples()]
    # The nearest address names a suggested site better than its coordinates, when the geocoder answers.
    near = nearby_labels([(lon, lat) for _, lon, lat in sites], settings) if sites else []
    return render_template(
        "coverage.html", result=result, table=table.to_dict("records"), sort=sort, descending=descending,
        map=results_map(lonlat.x, lonlat.y, zoom=12), services=SERVICE_SLUGS, presets=PRESETS, thresholds=THRESHOLDS,
        subterritories={k: s.name for k, s in settings.territory.subterritories.items()}, options=options,
        page_url=lambda **c: page_url(request.args, **c),
        sites=[list(s) for s in sites], near=near, query=request.query_string.decode("utf-8", "replace"),
    )  # fmt: skip


def _geojson(frame, columns: list[str]) -> Response:
    frame = frame[[c for c in columns if c in frame] + ["geometry"]].copy()
    frame["geometry"] = shapely.set_precision(frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True).values,
                                              PRECISION_DEG)
    body = json.loads(frame.to_json(na="null", drop_id=True))
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype="application/geo+json")
    return response


@bp.get("/couverture/zones.geojson")
def zones():
    result = cached_analysis(parse_options(request.args))
    return _geojson(result.zones, ["code", "nom", "population", "fragility", "fragility_class", "fragility_label",
                                   "access", "access_label", "walk_mean_min", "share_beyond", "rank", "reason"])  # fmt: skip


@bp.get("/couverture/grille.geojson")
def grid():
    """The grid cells beyond the walking threshold (the ones the map shades)."""
    result = cached_analysis(parse_options(request.args))
    beyond = result.grid[~result.grid["within"].astype(bool)]
    return _geojson(beyond, ["cell", "zone_code", "walk_min", "within"])
