"""The coverage-gap analysis: zones and grid against the venues (see README, "Coverage gaps").

:func:`analyse` reads the store and returns a :class:`GapResult` without writing anything; the
CLI's ``gaps`` command and the web views both call it. Demand points are the centres of a regular
grid over the territory; each carries an even share of its zone's population (the finest
population known: IRIS when an IRIS population table was built, else commune), so a zone's
figures are population-weighted means over its points.

Before anything is computed, :func:`.capacity.check_memory` estimates the cells and the memory
from the zones' area and refuses a territory that would not fit (a coarser grid is suggested).
``meta["timings"]`` gives the seconds of each step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Settings
from ..errors import BadRequest
from ..stores import AnyStore, open_store
from .capacity import check_memory
from .demand import (
    add_supply,
    demand_points,
    load_actors,
    load_venues,
    load_zones,
    resolve_service,
    select_subterritory,
)
from .measures import measure, zone_figures
from .parts import cell_values, per_service, scenario, scenario_summary, slot_figures, suggestions, to_outputs
from .priority import rank_zones
from .slots import parse_slot


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
    #: an actor kind (``acces_droit``, ``langue``…): measure the distance to its actors instead of
    #: the digital-help venues; ``service`` is then one of the kind's services
    kind: str | None = None


@dataclass
class GapResult:
    zones: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    suggestions: pd.DataFrame
    scenario: dict | None
    meta: dict
    warnings: list[str] = field(default_factory=list)
    #: the grid cells' centres, metres in EPSG:2154, in the order of ``grid`` (for map tiles)
    cell_xy: np.ndarray | None = None


class _Clock:
    """Seconds spent in each step, for the benchmarks and the layers' metadata."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def analyse(settings: Settings, options: GapOptions | None = None, store: AnyStore | None = None) -> GapResult:
    """Run the analysis on the store's layers; nothing is written (see :mod:`.gaps_output`).

    With a sub-territory, everything is measured on the whole territory (venues share their
    supply with all the people they reach) and then only its zones are kept and ranked.
    """

    options = options or GapOptions()
    store = store or open_store(settings.store_location)
    threshold = options.threshold_min or settings.coverage.threshold_min
    if not 0 < threshold <= 120:
        raise BadRequest(f"threshold of {threshold} minutes: give a number of minutes between 1 and 120")
    service = resolve_service(options.service) if not options.kind else (options.service or None)
    slot = parse_slot(options.slot) if options.slot else None
    zones, level = load_zones(store)
    estimate = check_memory(zones.geometry.values, settings.coverage)
    clock = _Clock()
    keep = select_subterritory(zones, settings, options.subterritory) if options.subterritory else \
        np.ones(len(zones), dtype=bool)  # fmt: skip
    venues = load_actors(store, settings, options.kind, service) if options.kind else load_venues(store, settings)
    add_supply(venues, settings)
    if service and not options.kind:
        venues = venues[venues["services"].fillna("").str.split("|").map(lambda s: service in s)].reset_index(drop=True)
        if venues.empty:
            raise BadRequest(f"no venue of the territory offers « {service} »")
    clock.lap("zones and venues")
    grid, pts = demand_points(zones, settings)
    clock.lap("grid")
    base = measure(pts, venues, settings, threshold)
    out = pd.concat([zones, zone_figures(pts, base, len(zones))], axis=1)
    clock.lap("distances and E2SFCA")
    # The standard's services are the digital venues'; an actor kind's analysis has its own.
    services = per_service(pts, venues, len(zones), out, grid) if not (service or options.kind) else {}
    clock.lap("per service")
    if slot:
        slot_figures(pts, venues, slot, settings, threshold, out, grid)
        clock.lap("slot")
    if options.close or options.add:
        scenario(options, zones, venues, pts, settings, threshold, out)
        clock.lap("scenario")
    cell_values(grid, pts, base, out, level)
    # Keep the sub-territory's zones, cells and demand points.
    out, grid = out[keep], grid[keep[grid["zone"].to_numpy()]]
    in_sub = keep[pts["zone"].to_numpy()]
    warnings = [f"{z.code} {z.nom}: population is zero or unknown; shown, not ranked"
                for z in out[~(out["population"] > 0)].itertuples()]  # fmt: skip
    left_out = {k: len(zones.attrs.get(k, [])) for k in ("overseas", "without_contour")}
    if left_out["overseas"]:
        warnings.append(f"{left_out['overseas']} overseas zones left out: Lambert-93 (EPSG:2154) measures "
                        "metropolitan France only")  # fmt: skip
    if left_out["without_contour"]:
        warnings.append(f"{left_out['without_contour']} zones without contour left out (no grid cell)")
    rank_zones(out, venues, settings, threshold)
    clock.lap("priorities")
    scen = scenario_summary(options, out) if (options.close or options.add) else None
    picks = suggestions(options, zones[keep].reset_index(drop=True), grid, pts[in_sub],
                        base["within"][in_sub], settings, threshold) if options.suggest else pd.DataFrame()  # fmt: skip
    if options.suggest:
        clock.lap("suggestions")
    meta = {
        "level": level, "threshold_min": threshold, "service": service, "slot": slot.text if slot else None,
        "kind": options.kind,
        "subterritory": options.subterritory,
        "venues": len(venues), "venues_hours_known": int(venues["hours_known"].sum()),
        "venues_commune_level": int((venues["geocode_precision"] == "commune").sum()),
        "per_service": services,
        "slot_description": slot.describe_fr() if slot else None,
        "slot_zones_none_open": out.loc[out["slot_none_open"], "nom"].tolist() if slot else None,
        "cells_estimated": estimate.cells,
        "zones_left_out": left_out,
        "grid": {"size_m": settings.coverage.grid_size_m, "shape": settings.coverage.grid_shape},
    }  # fmt: skip
    cell_xy = grid[["x", "y"]].to_numpy()
    zones_out, grid_out = to_outputs(out, grid, level, meta, settings.coverage)
    clock.lap("output layers")
    meta["timings"] = clock.laps
    return GapResult(zones_out, grid_out, picks, scen, meta, warnings, cell_xy)


