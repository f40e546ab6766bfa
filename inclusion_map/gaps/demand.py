"""What the gap analysis measures from: the zones and their population, the venues and their
supply, the demand points of the grid (EPSG:2154 metres throughout)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Settings
from ..errors import BadRequest, NotFound
from ..geo.crs import METRIC, METROPOLITAN_BOX
from ..stores import AnyStore
from ..vocab import SERVICES, fold
from .grid import zone_cells
from .slots import reference_monday, weekly_hours

SERVICE_SLUGS = dict(zip(SERVICES, ("demarches", "outils_quotidien", "insertion_pro", "securite", "parentalite",
                                    "loisirs", "comprendre", "acces_internet", "materiel_solidaire"), strict=True))  # fmt: skip
VENUE_COLUMNS = ["id", "nom", "commune", "services", "horaires", "nb_aidants", "geocode_precision"]


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


BASIS_IRIS = "population des IRIS, supposée répartie également sur leur surface"
BASIS_IRIS_SHARED = "population de la commune partagée entre ses IRIS résidentiels (estimation)"
BASIS_COMMUNE = "population de la commune, supposée répartie également sur sa surface (estimation)"


def load_zones(store: AnyStore) -> tuple[gpd.GeoDataFrame, str]:
    """The zones of the analysis, in EPSG:2154, and their level (``iris``, ``commune`` or ``mixed``).

    With an ``iris`` layer, the communes that have IRIS contours are read through their IRIS and
    the others as whole communes, in one set of zones; without it, every zone is a commune. Each
    zone has its ``level`` and its ``population_basis`` (which table its population comes from);
    ``population_estimated`` marks the zones whose people are not known below the commune, whose
    grid cells then carry distance, not people.
    """
    has = store.exists()
    if has and store.has("iris"):
        iris = store.read("iris").rename(columns={"code_iris": "code", "insee_com": "commune", "nom_iris": "nom"})
        iris["level"] = "iris"
        parts = [iris]
        if store.has("communes"):
            communes = store.read("communes")
            rest = communes[~communes["code"].astype(str).isin(set(iris["commune"].astype(str)))].copy()
            if len(rest):
                rest["commune"] = rest["code"]
                rest["level"] = "commune"
                keep = [c for c in rest.columns if c in iris.columns or c in ("code", "nom", "commune")]
                parts.append(rest[keep])
        zones = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=iris.crs)
    elif has and store.has("communes"):
        zones = store.read("communes")
        zones["commune"] = zones["code"]
        zones["level"] = "commune"
    else:
        raise NotFound("no territory layer in the store", hint="run `python run.py build` first")
    shaped = zones.geometry.notna() & ~zones.geometry.is_empty
    if not shaped.all():
        # Zones without contour (e.g. a département whose contour file was missing at build time) hold
        # no grid cell: say which ones are left out instead of dropping them silently.
        codes = zones.loc[~shaped, "code"].astype(str).tolist()
        warnings.warn(f"{len(codes)} zones without contour are left out of the gap analysis: "
                      f"{', '.join(codes[:20])}{' …' if len(codes) > 20 else ''}", stacklevel=2)  # fmt: skip
    # Lambert-93 measures metropolitan France; far from it (Réunion lies 10,000 km away) its
    # distances are stretched several times over. Overseas zones are left out, and said so, rather
    # than given walking times that are wrong.
    west, south, east, north = METROPOLITAN_BOX
    centres = zones.geometry.representative_point()
    metropolitan = ~shaped | (centres.x.between(west, east) & centres.y.between(south, north))
    overseas = zones.loc[~metropolitan, "code"].astype(str).tolist()
    if overseas:
        warnings.warn(f"{len(overseas)} overseas zones are left out of the gap analysis (Lambert-93 measures "
                      f"metropolitan France only): {', '.join(overseas[:20])}{' …' if len(overseas) > 20 else ''}",
                      stacklevel=2)  # fmt: skip
    zones = zones[shaped & metropolitan].to_crs(METRIC).reset_index(drop=True)
    zones.attrs["without_contour"] = codes if not shaped.all() else []
    zones.attrs["overseas"] = overseas
    zones["population"] = pd.to_numeric(zones["population"], errors="coerce")
    is_iris = zones["level"] == "iris"
    basis = zones["population_basis"] if "population_basis" in zones else pd.Series(None, index=zones.index)
    # A build older than the population bases gives IRIS figures without one.
    basis = basis.where(basis.notna() | ~is_iris | zones["population"].isna(), BASIS_IRIS)
    zones["population_estimated"] = ~is_iris
    zones["population_basis"] = basis.where(is_iris, BASIS_COMMUNE)
    # A commune none of whose IRIS has a population: its population is shared equally by its
    # residential IRIS.
    unknown = is_iris & zones["population"].isna().groupby(zones["commune"]).transform("all")
    if unknown.any() and store.has("communes"):
        from ..territory.fragility import residential_weight

        communes = store.read("communes", columns=["code", "population"]).set_index("code")["population"]
        sub = zones[unknown]
        share = residential_weight(sub["type_iris"])
        share = share.where(share.groupby(sub["commune"]).transform("sum") > 0, 1.0)
        zones.loc[unknown, "population"] = (sub["commune"].map(communes).astype(float) * share
                                            / share.groupby(sub["commune"]).transform("sum"))  # fmt: skip
        zones.loc[unknown, "population_estimated"] = True
        zones.loc[unknown, "population_basis"] = BASIS_IRIS_SHARED
    for col in ("fragility", "fragility_label"):
        if col not in zones:
            zones[col] = np.nan if col == "fragility" else None
    levels = set(zones["level"])
    level = "mixed" if len(levels) > 1 else (levels.pop() if levels else "commune")
    return zones, level


def select_subterritory(zones: gpd.GeoDataFrame, settings: Settings, key: str) -> np.ndarray:
    """Which zones belong to a named sub-territory (``territory.subterritories`` in the config)."""
    subs = settings.territory.subterritories
    if key not in subs:
        known = ", ".join(subs) or "none is configured"
        raise BadRequest(f"unknown sub-territory '{key}'", hint=f"sub-territories: {known}")
    return zones["commune"].isin(subs[key].communes).to_numpy()


def load_venues(store: AnyStore, settings: Settings) -> gpd.GeoDataFrame:
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


def load_actors(store: AnyStore, settings: Settings, kind: str, service: str | None = None) -> gpd.GeoDataFrame:
    """The published actors of ``kind`` (and offering ``service``, one of the kind's), with a point,
    in EPSG:2154, in the columns of the venues: the analysis measures the distance to them as it
    does to the digital-help venues (« Accès au droit », a French workshop on Saturday…).

    Only the published layer is read (``actors``: the kinds with ``public: true``), so that an
    organisers-only kind is never analysed on the public gap map.
    """
    kinds = settings.actors.kinds
    public = [k for k, cfg in kinds.items() if cfg.public]
    if kind not in public:
        raise BadRequest(f"unknown kind of actor '{kind}'", hint="kinds that can be analysed: " + ", ".join(public))
    offered = kinds[kind].services
    if service is not None and service not in offered:
        raise BadRequest(f"unknown service '{service}' of the kind '{kind}'", hint="services: " + ", ".join(offered))
    if not (store.exists() and store.has("actors")):
        raise NotFound("no actor layer in the store", hint="add actors: python run.py actors import FILE --confirm")
    actors = store.read("actors")
    actors = actors[(actors["kind"] == kind) & actors.geometry.notna() & ~actors.geometry.is_empty]
    if service is not None:
        actors = actors[actors["services"].fillna("").str.split("|").map(lambda s: service in s)]
    if not settings.coverage.include_commune_level_venues:
        actors = actors[actors["geocode_precision"] != "commune"]
    if actors.empty:
        what = f"« {kinds[kind].title_fr} »" + (f" offering '{service}'" if service else "")
        raise BadRequest(f"no actor of the kind {what} is placed in the store",
                         hint="organisers add them at /organisateurs/acteurs")  # fmt: skip
    actors = actors.assign(nb_aidants=None)
    return actors[[c for c in VENUE_COLUMNS if c in actors] + ["geometry"]].to_crs(METRIC).reset_index(drop=True)


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


def demand_points(zones: gpd.GeoDataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The grid cells over the zones, and the demand points (cell centres plus one point per zone
    too small to hold a cell centre) with their zone and even share of its population.

    Returns
    -------
    (grid, points): ``grid`` has the cell centres ``x``, ``y`` (metres, EPSG:2154) and ``zone``
    (row of ``zones``), without cell polygons (see :func:`.grid.cell_polygons`); ``points`` has
    ``x``, ``y``, ``zone``, ``population`` and ``demand``, the grid cells first, in the same order.
    """
    cov = settings.coverage
    x, y, zone = zone_cells(zones.geometry.values, cov.grid_size_m, cov.grid_shape)
    grid = pd.DataFrame({"x": x, "y": y, "zone": zone.astype(np.int64)})
    missing = np.setdiff1d(np.arange(len(zones)), zone)
    extra = zones.geometry.iloc[missing].representative_point()
    pts = pd.DataFrame({"x": np.r_[x, extra.x], "y": np.r_[y, extra.y],
                        "zone": np.r_[zone, missing].astype(np.int64)})  # fmt: skip
    counts = np.bincount(pts["zone"].to_numpy(), minlength=len(zones))
    pop = zones["population"].fillna(0).to_numpy(dtype=float)
    z = pts["zone"].to_numpy()
    pts["population"] = pop[z] / counts[z]
    pts["demand"] = pts["population"] * fragility_weights(zones)[z]
    return grid, pts
