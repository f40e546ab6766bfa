"""Distances, walking times and accessibility of demand points, and their means per zone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Settings
from ..geo.crs import METRIC, STORED
from .distances import Walk, e2sfca, nearest, weighted_mean
from .slots import open_during, reference_monday


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


def open_flags(venues: pd.DataFrame, slot, settings: Settings) -> pd.Series:
    """Whether each venue opens during ``slot`` (``None`` when its hours are unknown)."""
    monday = reference_monday(settings.coverage.reference_week)
    return venues["horaires"].map(lambda e: open_during(e, slot, monday))


def to_wgs84(xy: np.ndarray) -> np.ndarray:
    pts = gpd.GeoSeries(shapely.points(xy[:, 0], xy[:, 1]), crs=METRIC).to_crs(STORED)
    return np.column_stack([pts.x, pts.y])
