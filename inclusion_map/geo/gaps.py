"""The coverage-gap analysis: zones and grid against the venues (see README, "Coverage gaps").

:func:`analyse` reads the store and returns a :class:`GapResult` without writing anything; the
CLI's ``gaps`` command and the web views both call it. Demand points are the centres of a regular
grid over the territory; each carries an even share of its zone's population (the finest
population known: IRIS when an IRIS population table was built, else commune), so a zone's
figures are population-weighted means over its points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Settings
from ..errors import BadRequest, NotFound
from ..store import GeoPackageStore
from ..vocab import SERVICES, fold
from .coverage import Walk, e2sfca, nearest, weighted_mean
from .crs import METRIC, STORED
from .grid import make_grid
from .priority import rank_zones
from .slots import open_during, parse_slot, reference_monday, weekly_hours

SERVICE_SLUGS = dict(zip(SERVICES, ("demarches", "outils_quotidien", "insertion_pro", "securite", "parentalite",
                                    "loisirs", "comprendre", "acces_internet", "materiel_solidaire"), strict=True))  # fmt: skip
VENUE_COLUMNS = ["id", "nom", "commune", "services", "horaires", "nb_aidants", "geocode_precision"]


@dataclass(frozen=True)
class GapOptions:
    """What to analyse: a service, a threshold, a time slot, site suggestions and a scenario."""

    service: str | None = None
    subterritory: str | None = None
    threshold_min: float | None = None
    slot: str | None = None
    suggest: int = 0
    close: tuple[str, ...] = ()
    add: tuple[tuple[float, float], ...] = ()
    candidates: tuple[tuple[float, float], ...] = ()


@dataclass
class GapResult:
    zones: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    suggestions: pd.DataFrame
    scenario: dict | None
    meta: dict
    warnings: list[str] = field(default_factory=list)


def resolve_service(name: str | None) -> str | None:
    """The standard's service named ``name`` (accents and case ignored, or its slug)."""
    if not name:
        return None
    wanted = fold(name)
    for service, slug in SERVICE_SLUGS.items():
        if wanted in (fold(service), fold(slug)):
            return service
    raise BadRequest(f"unknown service '{name}'",
                     hint="use one of: " + "; ".join(f"{s} ({slug})" for s, slug in SERVICE_SLUGS.items()))  # fmt: skip


def load_zones(store: GeoPackageStore) -> tuple[gpd.GeoDataFrame, str]:
    """The finest zones built (IRIS if the ``iris`` layer exists, else communes), in EPSG:2154."""
    if store.exists() and store.has("iris"):
        zones = store.read("iris").rename(columns={"code_iris": "code", "insee_com": "commune", "nom_iris": "nom"})
        level = "iris"
    elif store.exists() and store.has("communes"):
        zones = store.read("communes")
        zones["commune"] = zones["code"]
        level = "commune"
    else:
        raise NotFound("no territory layer in the store", hint="run `python run.py build` first")
    zones = zones[zones.geometry.notna() & ~zones.geometry.is_empty].to_crs(METRIC).reset_index(drop=True)
    zones["population"] = pd.to_numeric(zones["population"], errors="coerce")
    zones["population_estimated"] = False
    if level == "iris" and zones["population"].isna().all() and store.has("communes"):
        # No IRIS population: the commune's population is shared equally by its residential IRIS.
        from .fragility import residential_weight

        communes = store.read("communes", columns=["code", "population"]).set_index("code")["population"]
        share = residential_weight(zones["type_iris"])
        share = share.where(share.groupby(zones["commune"]).transform("sum") > 0, 1.0)
        zones["population"] = zones["commune"].map(communes) * share / share.groupby(zones["commune"]).transform("sum")
        zones["population_estimated"] = True
    for col in ("fragility", "fragility_label"):
        if col not in zones:
            zones[col] = np.nan if col == "fragility" else None
    return zones, level


def select_subterritory(zones: gpd.GeoDataFrame, settings: Settings, key: str) -> np.ndarray:
    """Which zones belong to a named sub-territory (``territory.subterritories`` in the config)."""
    subs = settings.territory.subterritories
    if key not in subs:
        known = ", ".join(subs) or "none is configured"
        raise BadRequest(f"unknown sub-territory '{key}'", hint=f"sub-territories: {known}")
    return zones["commune"].isin(subs[key].communes).to_numpy()


def load_venues(store: GeoPackageStore, settings: Settings) -> gpd.GeoDataFrame:
    """The venues with a usable point, in EPSG:2154, with weekly hours and supply."""
    if not (store.exists() and store.has("venues")):
        raise NotFound("no venue layer in the store", hint="run `python run.py harvest` first")
    venues = store.read("venues", columns=VENUE_COLUMNS)
    venues = venues[venues.geometry.notna() & ~venues.geometry.is_empty]
    if not settings.coverage.include_commune_level_venues:
        venues = venues[venues["geocode_precision"] != "commune"]
    if venues.empty:
        raise BadRequest("the venue layer is empty: there is no venue to measure distances to",
                         hint="run `python run.py harvest` (see its report for why sources gave nothing)")  # fmt: skip
    return venues.to_crs(METRIC).reset_index(drop=True)


def add_supply(venues: pd.DataFrame, settings: Settings) -> None:
    """``weekly_hours`` from the OSM hours (default when unknown) × advisers = ``supply``."""
    monday = reference_monday(settings.coverage.reference_week)
    hours = venues["horaires"].map(lambda e: weekly_hours(e, monday)).astype(float)
    venues["hours_known"] = hours.notna()
    venues["weekly_hours"] = hours.fillna(settings.coverage.default_weekly_hours)
    advisers = pd.to_numeric(venues.get("nb_aidants"), errors="coerce").fillna(1).clip(lower=1)
    venues["supply"] = venues["weekly_hours"] * advisers


def fragility_weights(zones: pd.DataFrame) -> np.ndarray:
    """Demand weight of each zone: fragility over its population-weighted mean (1 when unknown)."""
    f = zones["fragility"].astype(float).to_numpy()
    if np.isnan(f).all():
        return np.ones(len(zones))
    low = np.nanmin(f)
    positive = f if low > 0 else f - low + 1.0  # scales with negative points (deciles) are shifted
    pop = zones["population"].fillna(0).to_numpy(dtype=float)
    ok = ~np.isnan(positive) & (pop > 0)
    mean = np.average(positive[ok], weights=pop[ok]) if ok.any() else np.nanmean(positive)
    return np.where(np.isnan(positive), 1.0, positive / mean)


def demand_points(zones: gpd.GeoDataFrame, settings: Settings) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The grid cells over the zones, and the demand points (cell centres plus one point per zone
    too small to hold a cell centre) with their zone and even share of its population."""
    cov = settings.coverage
    area = shapely.union_all(zones.geometry.values)
    grid = make_grid(area, cov.grid_size_m, cov.grid_shape)
    points = gpd.GeoSeries(shapely.points(grid["x"], grid["y"]), crs=METRIC)
    p_idx, z_idx = zones.sindex.query(points, predicate="within")
    first = ~pd.Series(p_idx).duplicated().to_numpy()
    grid["zone"] = -1
    grid.loc[grid.index[p_idx[first]], "zone"] = z_idx[first]
    grid = grid[grid["zone"] >= 0].reset_index(drop=True)
    missing = np.setdiff1d(np.arange(len(zones)), grid["zone"].unique())
    extra = zones.geometry.iloc[missing].representative_point()
    pts = pd.DataFrame({"x": np.r_[grid["x"], extra.x], "y": np.r_[grid["y"], extra.y],
                        "zone": np.r_[grid["zone"], missing].astype(int)})  # fmt: skip
    counts = pts.groupby("zone").size()
    pop = zones["population"].fillna(0).to_numpy(dtype=float)
    pts["population"] = pop[pts["zone"]] / counts.reindex(pts["zone"]).to_numpy()
    pts["demand"] = pts["population"] * fragility_weights(zones)[pts["zone"]]
    return grid, pts


def measure(pts: pd.DataFrame, venues: pd.DataFrame, settings: Settings, threshold_min: float) -> dict:
    """Distances, walking times and E2SFCA accessibility of every demand point."""
    cov = settings.coverage
    walk = Walk.from_settings(cov)
    xy = pts[["x", "y"]].to_numpy()
    vxy = np.column_stack([venues.geometry.x, venues.geometry.y]) if len(venues) else np.empty((0, 2))
    dist, idx = nearest(xy, vxy)
    _, access = e2sfca(xy, pts["demand"].to_numpy(), vxy, venues["supply"].to_numpy(),
                       walk.straight_metres(cov.bands_min), cov.band_weights)  # fmt: skip
    minutes = walk.minutes(dist)
    return {"dist": dist, "idx": idx, "minutes": minutes, "within": minutes <= threshold_min,
            "access": access * 1000.0}  # fmt: skip


def zone_figures(pts: pd.DataFrame, m: dict, n_zones: int, prefix: str = "") -> pd.DataFrame:
    """Population-weighted means per zone, and population beyond the threshold."""
    z, pop = pts["zone"].to_numpy(), pts["population"].to_numpy()
    beyond = np.bincount(z, weights=np.where(m["within"], 0.0, pop), minlength=n_zones)
    total = np.bincount(z, weights=pop, minlength=n_zones)
    return pd.DataFrame({
        f"{prefix}dist_mean_m": weighted_mean(m["dist"], pop, z, n_zones),
        f"{prefix}walk_mean_min": weighted_mean(m["minutes"], pop, z, n_zones),
        f"{prefix}pop_beyond": beyond.round(),
        f"{prefix}share_beyond": np.divide(beyond, total, out=np.full(n_zones, np.nan), where=total > 0),
        f"{prefix}access": weighted_mean(m["access"], pop, z, n_zones),
    })  # fmt: skip


def analyse(settings: Settings, options: GapOptions | None = None, store: GeoPackageStore | None = None) -> GapResult:
    """Run the analysis on the store's layers; nothing is written (see :mod:`.gaps_output`).

    With a sub-territory, everything is measured on the whole territory (venues share their
    supply with all the people they reach) and then only its zones are kept and ranked.
    """
    from .gaps_parts import (
        cell_values,
        per_service,
        scenario,
        scenario_summary,
        slot_figures,
        suggestions,
        to_outputs,
    )

    options = options or GapOptions()
    store = store or GeoPackageStore(settings.store_path)
    threshold = options.threshold_min or settings.coverage.threshold_min
    if not 0 < threshold <= 120:
        raise BadRequest(f"threshold of {threshold} minutes: give a number of minutes between 1 and 120")
    service = resolve_service(options.service)
    slot = parse_slot(options.slot) if options.slot else None
    zones, level = load_zones(store)
    keep = select_subterritory(zones, settings, options.subterritory) if options.subterritory else \
        np.ones(len(zones), dtype=bool)  # fmt: skip
    venues = load_venues(store, settings)
    add_supply(venues, settings)
    if service:
        venues = venues[venues["services"].fillna("").str.split("|").map(lambda s: service in s)].reset_index(drop=True)
        if venues.empty:
            raise BadRequest(f"no venue of the territory offers « {service} »")
    grid, pts = demand_points(zones, settings)
    base = measure(pts, venues, settings, threshold)
    out = pd.concat([zones, zone_figures(pts, base, len(zones))], axis=1)
    services = per_service(pts, venues, len(zones), out, grid) if not service else {}
    if slot:
        slot_figures(pts, venues, slot, settings, threshold, out, grid)
    if options.close or options.add:
        scenario(options, zones, venues, pts, settings, threshold, out)
    cell_values(grid, pts, base, out, level)
    # Keep the sub-territory's zones, cells and demand points.
    out, grid = out[keep], grid[keep[grid["zone"].to_numpy()]]
    in_sub = keep[pts["zone"].to_numpy()]
    warnings = [f"{z.code} {z.nom}: population is zero or unknown; shown, not ranked"
                for z in out[~(out["population"] > 0)].itertuples()]  # fmt: skip
    rank_zones(out, venues, settings, threshold)
    scen = scenario_summary(options, out) if (options.close or options.add) else None
    picks = suggestions(options, zones[keep].reset_index(drop=True), grid, pts[in_sub],
                        base["within"][in_sub], settings, threshold) if options.suggest else pd.DataFrame()  # fmt: skip
    meta = {
        "level": level, "threshold_min": threshold, "service": service, "slot": slot.text if slot else None,
        "subterritory": options.subterritory,
        "venues": len(venues), "venues_hours_known": int(venues["hours_known"].sum()),
        "venues_commune_level": int((venues["geocode_precision"] == "commune").sum()),
        "per_service": services,
        "slot_description": slot.describe_fr() if slot else None,
        "slot_zones_none_open": out.loc[out["slot_none_open"], "nom"].tolist() if slot else None,
    }  # fmt: skip
    zones_out, grid_out = to_outputs(out, grid, level, meta)
    return GapResult(zones_out, grid_out, picks, scen, meta, warnings)


def open_flags(venues: pd.DataFrame, slot, settings: Settings) -> pd.Series:
    """Whether each venue opens during ``slot`` (``None`` when its hours are unknown)."""
    monday = reference_monday(settings.coverage.reference_week)
    return venues["horaires"].map(lambda e: open_during(e, slot, monday))


def to_wgs84(xy: np.ndarray) -> np.ndarray:
    pts = gpd.GeoSeries(shapely.points(xy[:, 0], xy[:, 1]), crs=METRIC).to_crs(STORED)
    return np.column_stack([pts.x, pts.y])
