"""Parts of the gap analysis: per-service distances, time slot, scenario, site suggestions, outputs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from ..config import Settings
from ..errors import BadRequest
from ..geo.crs import METRIC, STORED
from .demand import SERVICE_SLUGS, add_supply
from .distances import Walk, nearest, weighted_mean
from .grid import cell_rings
from .measures import measure, open_flags, to_wgs84, zone_figures
from .sites import greedy_sites


def per_service(pts: pd.DataFrame, venues: pd.DataFrame, n_zones: int, out: pd.DataFrame,
                grid: pd.DataFrame) -> dict[str, int]:  # fmt: skip
    """``dist_<slug>_m`` per zone (population-weighted) and per grid cell, for each standard service."""
    xy = pts[["x", "y"]].to_numpy()
    lists = venues["services"].fillna("").str.split("|")
    counts = {}
    for service, slug in SERVICE_SLUGS.items():
        offer = lists.map(lambda s, service=service: service in s).to_numpy(dtype=bool)
        counts[service] = int(offer.sum())
        sub = venues[offer]
        dist, _ = nearest(xy, np.column_stack([sub.geometry.x, sub.geometry.y]) if len(sub) else np.empty((0, 2)))
        out[f"dist_{slug}_m"] = weighted_mean(dist, pts["population"].to_numpy(), pts["zone"].to_numpy(), n_zones)
        grid[f"dist_{slug}_m"] = dist[: len(grid)]
    return counts


def slot_figures(pts, venues, slot, settings: Settings, threshold: float, out: pd.DataFrame, grid) -> None:
    """Distance to the nearest venue open during the slot; zones with none open within the threshold."""
    flags = open_flags(venues, slot, settings)
    is_open = flags.map(lambda v: v is True).to_numpy(dtype=bool)
    unknown = flags.isna().to_numpy()
    xy = pts[["x", "y"]].to_numpy()
    walk = Walk.from_settings(settings.coverage)
    sub = venues[is_open]
    dist, _ = nearest(xy, np.column_stack([sub.geometry.x, sub.geometry.y]) if len(sub) else np.empty((0, 2)))
    unk = venues[unknown]
    dist_unknown, _ = nearest(xy, np.column_stack([unk.geometry.x, unk.geometry.y]) if len(unk) else np.empty((0, 2)))
    within = walk.minutes(dist) <= threshold
    z, pop, n = pts["zone"].to_numpy(), pts["population"].to_numpy(), len(out)
    out["slot_dist_m"] = weighted_mean(dist, pop, z, n)
    out["slot_pop_beyond"] = np.bincount(z, weights=np.where(within, 0.0, pop), minlength=n).round()
    out["slot_none_open"] = np.bincount(z, weights=within.astype(float), minlength=n) == 0
    out["slot_unknown_near"] = np.bincount(z, weights=(walk.minutes(dist_unknown) <= threshold).astype(float),
                                           minlength=n) > 0  # fmt: skip
    grid["slot_dist_m"] = dist[: len(grid)]


def _check_inside(points: tuple[tuple[float, float], ...], zones: gpd.GeoDataFrame, what: str) -> np.ndarray:
    """Project (lon, lat) points to EPSG:2154, refusing any point outside the territory."""
    if not points:
        return np.empty((0, 2))
    for lon, lat in points:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BadRequest(f"{what} {lon},{lat}: not a longitude,latitude pair in degrees (WGS84)")
    geo = gpd.GeoSeries(shapely.points(np.asarray(points)), crs=STORED).to_crs(METRIC)
    area = shapely.union_all(zones.geometry.values).buffer(1.0)
    outside = [points[i] for i in np.flatnonzero(~shapely.contains_xy(area, geo.x, geo.y))]
    if outside:
        where = "; ".join(f"{lon},{lat}" for lon, lat in outside)
        raise BadRequest(f"{what} outside the territory: {where}",
                         hint="give points as LON,LAT in degrees, inside the territory's communes")  # fmt: skip
    return np.column_stack([geo.x, geo.y])


def scenario(options, zones, venues, pts, settings: Settings, threshold: float, out: pd.DataFrame) -> None:
    """Close venues and/or add hypothetical ones; add the ``scen_*`` and ``delta_*`` columns."""
    unknown = sorted(set(options.close) - set(venues["id"]))
    if unknown:
        raise BadRequest(f"unknown venue id(s) to close: {', '.join(unknown)}",
                         hint="ids are in the venues layer (`python run.py export venues csv`)")  # fmt: skip
    added_xy = _check_inside(options.add, zones, "added site")
    kept = venues[~venues["id"].isin(options.close)]
    added = gpd.GeoDataFrame({"id": [f"nouveau-{i + 1}" for i in range(len(added_xy))], "horaires": None,
                              "nb_aidants": None, "services": "|".join(SERVICE_SLUGS)},
                             geometry=shapely.points(added_xy) if len(added_xy) else [], crs=METRIC)  # fmt: skip
    add_supply(added, settings)
    m = measure(pts, pd.concat([kept, added], ignore_index=True), settings, threshold)
    fig = zone_figures(pts, m, len(out), prefix="scen_")
    for col in fig:
        out[col] = fig[col].to_numpy()
    out["delta_pop_beyond"] = out["scen_pop_beyond"] - out["pop_beyond"]
    out["delta_access"] = out["scen_access"] - out["access"]


def scenario_summary(options, out: pd.DataFrame) -> dict:
    """What the scenario changes over the zones kept."""
    return {
        "closed": list(options.close), "added": [list(p) for p in options.add],
        "pop_beyond_before": float(out["pop_beyond"].sum()), "pop_beyond_after": float(out["scen_pop_beyond"].sum()),
        "zones_worse": int((out["delta_pop_beyond"] > 0).sum()), "zones_better": int((out["delta_pop_beyond"] < 0).sum()),
    }  # fmt: skip


def suggestions(options, zones, grid, pts, within: np.ndarray, settings: Settings, threshold: float) -> pd.DataFrame:
    """Greedy maximal-coverage sites: candidate places given, else every grid cell centre."""
    if options.suggest < 0 or options.suggest > 50:
        raise BadRequest("--suggest: give a number of sites between 1 and 50")
    cands = _check_inside(options.candidates, zones, "candidate place") if options.candidates else \
        grid[["x", "y"]].to_numpy()  # fmt: skip
    radius = float(Walk.from_settings(settings.coverage).straight_metres(threshold))
    picks = greedy_sites(cands, pts[["x", "y"]].to_numpy(), pts["demand"].to_numpy(), pts["population"].to_numpy(),
                         within, radius, options.suggest)  # fmt: skip
    if not picks:
        return pd.DataFrame(columns=["rank", "lon", "lat", "zone", "nom", "gain_population", "gain_weighted"])
    xy = cands[[p.candidate for p in picks]]
    lonlat = to_wgs84(xy)
    within = zones.sindex.query(gpd.GeoSeries(shapely.points(xy), crs=METRIC), predicate="within")
    zone_of = dict(zip(within[0], within[1], strict=True))
    table = pd.DataFrame({
        "rank": np.arange(1, len(picks) + 1), "lon": lonlat[:, 0].round(6), "lat": lonlat[:, 1].round(6),
        "zone": [zones["code"].iloc[zone_of[i]] if i in zone_of else None for i in range(len(picks))],
        "nom": [zones["nom"].iloc[zone_of[i]] if i in zone_of else None for i in range(len(picks))],
        "gain_population": [round(p.gain_population) for p in picks],
        "gain_weighted": [round(p.gain_demand) for p in picks],
    })  # fmt: skip
    table["cumulative_population"] = table["gain_population"].cumsum()
    return table


def cell_values(grid, pts, base: dict, out: pd.DataFrame, level: str) -> None:
    """Per-cell figures (the grid cells are the first demand points)."""
    n = len(grid)
    grid["cell"] = np.arange(1, n + 1)
    grid["zone_code"] = out["code"].to_numpy()[grid["zone"].to_numpy()]
    grid["dist_m"] = base["dist"][:n].round(1)
    grid["walk_min"] = base["minutes"][:n].round(1)
    grid["within"] = base["within"][:n]
    grid["access"] = base["access"][:n]
    # Cells carry people only in zones whose population is known below the commune (IRIS with a
    # population table); elsewhere an even share of the commune would pass for a count.
    fine = (out["level"] == "iris").to_numpy() & ~out["population_estimated"].to_numpy(dtype=bool)
    people = pts["population"].to_numpy()[:n].round(1)
    grid["population_est"] = np.where(fine[grid["zone"].to_numpy()], people, np.nan)


def grid_geometry(grid: pd.DataFrame, cov) -> gpd.GeoDataFrame:
    """The grid layer in EPSG:4326: cell polygons, or cell centres above ``coverage.grid_polygon_max_cells``.

    Ten million hexagons (France at 250 m) would take some 5 GB as shapely polygons and as much
    again in their EPSG:4326 copy, and a GeoPackage of several gigabytes that no map can draw; the
    centres carry the same figures, so above the limit the cells are written as points (the
    layer's metadata says which). The centres are projected as arrays, without a shapely point in
    EPSG:2154 first.
    """
    values = grid.drop(columns=["x", "y", "zone"])
    x, y = grid["x"].to_numpy(), grid["y"].to_numpy()
    to_lonlat = Transformer.from_crs(METRIC, STORED, always_xy=True)
    if len(grid) <= cov.grid_polygon_max_cells:
        # The corners are projected as arrays (the same floats as GeoSeries.to_crs gives) and the
        # polygons made once, in EPSG:4326.
        rings = cell_rings(x, y, cov.grid_size_m, cov.grid_shape)
        lon, lat = to_lonlat.transform(rings[..., 0].ravel(), rings[..., 1].ravel())
        rings = np.stack([lon.reshape(rings.shape[:2]), lat.reshape(rings.shape[:2])], axis=-1)
        return gpd.GeoDataFrame(values, geometry=shapely.polygons(rings), crs=STORED)
    lon, lat = to_lonlat.transform(x, y)
    return gpd.GeoDataFrame(values, geometry=gpd.points_from_xy(lon, lat), crs=STORED)


def to_outputs(out, grid, level: str, meta: dict, cov):
    """The zones and grid layers in EPSG:4326, with the level and population basis stated.

    Each zone keeps its own ``level`` and ``population_basis``; the metadata gives the bases in
    use (joined by « ; » when several) and, in ``levels`` when the levels are mixed, which communes
    are analysed at which level.
    """
    bases = [b for b in dict.fromkeys(out["population_basis"]) if isinstance(b, str) and b]
    meta["population_basis"] = " ; ".join(bases)
    meta["population_bases"] = {b: int((out["population_basis"] == b).sum()) for b in bases}
    # Listed only when the levels are mixed: a single-level analysis of the whole country would
    # otherwise carry 35,000 codes in its metadata to say what ``level`` already says.
    meta["levels"] = {lvl: sorted(set(out.loc[out["level"] == lvl, "commune"].astype(str)))
                      for lvl in ("iris", "commune")} if level == "mixed" else {}  # fmt: skip
    meta["grid_geometry"] = "polygon" if len(grid) <= cov.grid_polygon_max_cells else "point"
    grid = grid_geometry(grid, cov)
    zones = gpd.GeoDataFrame(out, geometry="geometry", crs=METRIC).to_crs(STORED)
    return zones, grid
