"""Speed of the coverage-gap analysis, for the EPT and for all Île-de-France, against a naive method.

1. EPT 12: venues harvested offline from the mirror, communes built, then ``run_gaps`` (grid of
   250 m hexagons, distances, 9 per-service distances, E2SFCA, Saturday-morning slot, priorities,
   3 suggested sites, writing the layers) — median of ``--runs`` runs. Goal: under 3 s.
2. Île-de-France: the 1,266 communes built from the mirror, against every real venue of the
   national files of ``shared/data`` that has coordinates (all of France, not only the region),
   same analysis. Goal: under 30 s.
3. The naive method on the same IDF demand points and venues: every point against every venue
   (numpy, chunked, O(points × venues)), and the same in plain Python loops on a sample, timed
   and extrapolated. The nearest distances must match those of the KD-tree.

Usage::

    python benchmarks/gaps_benchmark.py [--data ../shared/data] [--runs 3]

``gaps_national_benchmark.py`` adds the peak memory, and France at 1 km and at 250 m.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

from inclusion_map._http import make_session  # noqa: E402
from inclusion_map.config import load_settings  # noqa: E402
from inclusion_map.gaps.analysis import GapOptions  # noqa: E402
from inclusion_map.gaps.demand import add_supply, demand_points, load_venues, load_zones  # noqa: E402
from inclusion_map.gaps.distances import nearest  # noqa: E402
from inclusion_map.gaps.output import run_gaps  # noqa: E402
from inclusion_map.harvest import build  # noqa: E402
from inclusion_map.harvest.pipeline import run_harvest  # noqa: E402
from inclusion_map.store import GeoPackageStore  # noqa: E402
from inclusion_map.territory.build import run_build  # noqa: E402

SOURCES = ("conseillers_numeriques", "data_inclusion", "france_services", "aidants_connect", "standard")
OPTIONS = GapOptions(slot="Sa 09:00-12:00", suggest=3)


def settings_for(folder: str, data: Path, territory: dict | None = None):
    settings = load_settings(ROOT / "config.yaml", mirror=str(data))
    changes = dict(store={"path": f"{folder}/store.gpkg", "reports_dir": f"{folder}/reports"},
                   geocoding={"enabled": False}, http={"cache_dir": f"{folder}/http"},
                   dedupe={"decisions_file": f"{folder}/d.csv", "review_file": f"{folder}/r.csv"},
                   coverage={"reference_week": "2026-11-30"})  # fmt: skip
    if territory:
        changes["territory"] = territory
    return settings.with_overrides(**changes)


def timed(func, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def national_venues(settings) -> gpd.GeoDataFrame:
    """Every venue of the real national files with coordinates (parsed by the harvesters)."""
    session = make_session(settings.http)
    frames = [pd.DataFrame(build(name, settings).harvest(session).records) for name in SOURCES]
    records = pd.concat(frames, ignore_index=True)
    records = records[records["latitude"].notna() & records["longitude"].notna()].reset_index(drop=True)
    records["id"] = [f"v{i}" for i in range(len(records))]
    keep = ["id", "nom", "commune", "services", "horaires", "nb_aidants", "geocode_precision"]
    for col in keep:
        if col not in records:
            records[col] = None
    return gpd.GeoDataFrame(records[keep], geometry=gpd.points_from_xy(records["longitude"], records["latitude"]),
                            crs=4326)  # fmt: skip


def naive_nearest(points: np.ndarray, venues: np.ndarray, chunk: int = 2000) -> np.ndarray:
    """Every point against every venue, with numpy (chunked to bound memory)."""
    out = np.empty(len(points))
    for start in range(0, len(points), chunk):
        p = points[start:start + chunk]
        d2 = ((p[:, None, :] - venues[None, :, :]) ** 2).sum(axis=2)
        out[start:start + chunk] = np.sqrt(d2.min(axis=1))
    return out


def python_nearest(points, venues) -> list[float]:
    return [min(math.hypot(px - vx, py - vy) for vx, vy in venues) for px, py in points]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = Path(args.data).resolve()

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(tmp, data)
        run_harvest(settings)
        run_build(settings)
        seconds, (result, _) = timed(lambda: run_gaps(settings, OPTIONS), args.runs)
        print(f"EPT 12: {len(result.zones)} communes, {len(result.grid):,} grid cells, {result.meta['venues']} venues: "
              f"run_gaps median {seconds:.2f} s (goal 3 s → {3 / seconds:.1f}× under)")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(tmp, data, {"kind": "region", "code": "11", "name": "Île-de-France"})
        run_build(settings)
        venues = national_venues(settings)
        GeoPackageStore(settings.store_path).write("venues", venues, {"title": "benchmark: national venues"})
        seconds, (result, _) = timed(lambda: run_gaps(settings, OPTIONS), args.runs)
        print(f"Île-de-France: {len(result.zones):,} communes, {len(result.grid):,} grid cells, "
              f"{len(venues):,} venues (all of France): run_gaps median {seconds:.2f} s "
              f"(goal 30 s → {30 / seconds:.1f}× under)")  # fmt: skip

        store = GeoPackageStore(settings.store_path)
        zones, _ = load_zones(store)
        v = load_venues(store, settings)
        add_supply(v, settings)
        _, pts = demand_points(zones, settings)
        xy = pts[["x", "y"]].to_numpy()
        vxy = np.column_stack([v.geometry.x, v.geometry.y])
        fast, (dist, _) = timed(lambda: nearest(xy, vxy), args.runs)
        slow, brute = timed(lambda: naive_nearest(xy, vxy), 1)
        assert np.allclose(dist, brute), "the KD-tree and the brute force disagree"
        sample = xy[:200]
        started = time.perf_counter()
        python_nearest(sample.tolist(), vxy.tolist())
        python_s = (time.perf_counter() - started) * len(xy) / len(sample)
        print(f"Nearest venue for {len(xy):,} demand points among {len(vxy):,} venues: KD-tree {fast:.3f} s; "
              f"naive numpy pairwise {slow:.2f} s ({slow / fast:.0f}× slower, same distances); "
              f"naive Python loops ≈ {python_s:,.0f} s extrapolated from 200 points ({python_s / fast:,.0f}× slower)")  # fmt: skip


if __name__ == "__main__":
    main()
