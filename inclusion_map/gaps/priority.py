"""Priority ranking of zones: a gap score combining fragility and poor accessibility, with the
nearest venue and a reason in plain French.

``gap_score = 100 × (w × P(fragility) + (1 − w) × (1 − P(accessibility)))`` where ``P`` is the
zone's percentile rank among the populated zones of the territory (0 = lowest, 1 = highest) and
``w`` is ``coverage.fragility_weight`` (0.5). Rank 1 is the zone where fragile people have the
least help within reach. A zone without a fragility score counts as the median.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Settings
from ..territory.classify import classify
from .distances import Walk, nearest


def _km(metres: float) -> str:
    if not np.isfinite(metres):
        return "aucun lieu"
    return f"{metres / 1000:.1f} km".replace(".", ",") if metres >= 1000 else f"{metres:.0f} m"


def reason(row, threshold: float) -> str:
    """Why this zone ranks where it does, in short plain French."""
    parts = []
    if isinstance(row.fragility_label, str):
        parts.append(f"{row.fragility_label.lower()} ({row.fragility:.0f})")
    if isinstance(row.access_label, str):
        parts.append(f"{row.access_label.lower()} ({row.access:.1f} h d'aide par semaine pour 1 000 habitants)"
                     .replace(".", ","))  # fmt: skip
    if np.isfinite(row.nearest_m):
        parts.append(f"lieu le plus proche à {_km(row.nearest_m)} ({row.nearest_min:.0f} min à pied)")
    else:
        parts.append("aucun lieu d'aide")
    if row.share_beyond > 0:
        parts.append(f"{row.share_beyond:.0%} des habitants à plus de {threshold:.0f} min à pied"
                     .replace("%", " %"))  # fmt: skip
    text = " ; ".join(parts)
    return text[:1].upper() + text[1:]


def rank_zones(out: pd.DataFrame, venues: pd.DataFrame, settings: Settings, threshold: float) -> None:
    """Add the accessibility class, nearest venue, ``gap_score``, ``rank`` and ``reason`` columns."""
    cov = settings.coverage
    populated = out["population"] > 0
    classes = classify(out["access"].where(populated), "quantiles", 5, noun="Accessibilité", noun_en="access")
    out["access_class"] = classes.number
    out["access_label"] = classes.label
    # The zone's centroid (its representative point when the centroid falls outside the zone).
    centroids = out.geometry.centroid
    reps = centroids.where(centroids.within(out.geometry), out.geometry.representative_point())
    vxy = np.column_stack([venues.geometry.x, venues.geometry.y]) if len(venues) else np.empty((0, 2))
    dist, idx = nearest(np.column_stack([reps.x, reps.y]), vxy)
    out["nearest_m"] = dist.round(1)
    out["nearest_min"] = Walk.from_settings(cov).minutes(dist).round(1)
    ok = idx >= 0
    out["nearest_id"] = np.where(ok, venues["id"].to_numpy()[np.where(ok, idx, 0)], None) if len(venues) else None
    out["nearest_nom"] = np.where(ok, venues["nom"].to_numpy()[np.where(ok, idx, 0)], None) if len(venues) else None
    frag = out["fragility"].where(populated).rank(pct=True).fillna(0.5)
    access = out["access"].where(populated).rank(pct=True).fillna(0.0)
    score = 100 * (cov.fragility_weight * frag + (1 - cov.fragility_weight) * (1 - access))
    out["gap_score"] = score.where(populated).round(1)
    # Ties go to the zone with more people beyond the threshold.
    order = out.sort_values(["gap_score", "pop_beyond"], ascending=False, na_position="last").index
    rank = pd.Series(np.arange(1, len(out) + 1), index=order).reindex(out.index)
    out["rank"] = rank.where(populated).astype("Int64")
    out["reason"] = [reason(r, threshold) if p else "Population nulle ou inconnue : zone non classée"
                     for r, p in zip(out.itertuples(), populated, strict=True)]  # fmt: skip
