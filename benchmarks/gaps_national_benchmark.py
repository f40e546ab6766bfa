"""Time and peak memory of the coverage-gap analysis from one territory to the whole of France.

Four runs, each in its own child process; the peak resident memory is measured from the start of
``run_gaps`` (the harvest and build that prepare the store are not counted):

1. EPT 12 (24 communes, venues harvested offline from the mirror, 250 m hexagons);
2. Île-de-France (1,266 communes) against the 11,763 real venues of the national files;
3. metropolitan France at 1 km;
4. metropolitan France at 250 m (the default grid: about ten million cells).

The national zones are assembled here, not by the product's build: the 2018 commune contours of
``geo/communes-2018/communes-<dep>.geojson`` (96 metropolitan départements; overseas ones are left
out because the analysis works in Lambert-93, EPSG:2154, which covers only metropolitan France),
dissolved into the communes of today with the COG of ``geo/decoupage-administratif_communes.json``
(a commune merged since 2018 is a ``commune-deleguee``/``commune-associee`` whose ``chefLieu`` is
the current commune), with its legal population. Every run does what ``python run.py gaps`` does
with a Saturday-morning slot and 3 suggested sites: ``run_gaps``, layers written.

Usage::

    python benchmarks/gaps_national_benchmark.py [--data ../shared/data] [--only ept,idf,fr1km,fr250m]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

OVERSEAS = ("971", "972", "973", "974", "976")


def national_communes(data: Path) -> gpd.GeoDataFrame:
    """The communes of metropolitan France of today (code, nom, population), EPSG:4326.

    Parameters
    ----------
    data : Path
        The ``shared/data`` folder (see its SOURCES.md).

    Returns
    -------
    GeoDataFrame in EPSG:4326, one row per current commune (Paris, Lyon and Marseille as their
    arrondissements when the 2018 contours give them, else as one commune).
    """
    cog = json.loads((data / "geo" / "decoupage-administratif_communes.json").read_text(encoding="utf-8"))
    current = {c["code"]: c for c in cog if c["type"] in ("commune-actuelle", "arrondissement-municipal")}
    # A commune merged since 2018 keeps its code as a delegated or associated commune of the new one.
    parent = {c["code"]: c["chefLieu"] for c in cog
              if c["type"] in ("commune-deleguee", "commune-associee") and c.get("chefLieu")}  # fmt: skip
    frames = []
    for file in sorted((data / "geo" / "communes-2018").glob("communes-*.geojson")):
        if file.stem.split("-", 1)[1] in OVERSEAS:
            continue
        frames.append(pyogrio.read_dataframe(file, columns=["code"]))
    shapes = pd.concat(frames, ignore_index=True)
    shapes["code"] = [code if code in current else parent.get(code, code) for code in shapes["code"]]
    merged = shapes.duplicated("code", keep=False)
    dissolved = shapes[merged].dissolve(by="code").reset_index()
    communes = gpd.GeoDataFrame(pd.concat([shapes[~merged], dissolved], ignore_index=True), crs=4326)
    communes["nom"] = communes["code"].map(lambda c: current.get(c, {}).get("nom"))
    communes["population"] = communes["code"].map(lambda c: current.get(c, {}).get("population"))
    return communes.sort_values("code").reset_index(drop=True)[["code", "nom", "population", "geometry"]]


def _peak_mb() -> float:
    """Peak resident memory of this process (MB): VmHWM, which :func:`_reset_peak` can reset."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _reset_peak() -> None:
    """Start the peak over from the memory in use now (Linux: "5" to /proc/self/clear_refs), so
    that the peak measured is the analysis's, not the harvest's or the build's before it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


def _run(kind: str, data: str, queue) -> None:
    """One run in a child process: prepare the store (not timed), then time ``run_gaps``."""
    from gaps_benchmark import OPTIONS, national_venues, settings_for

    from inclusion_map.gaps.output import run_gaps
    from inclusion_map.harvest.pipeline import run_harvest
    from inclusion_map.store import GeoPackageStore
    from inclusion_map.territory.build import run_build

    with tempfile.TemporaryDirectory() as tmp:
        if kind == "ept":
            settings = settings_for(tmp, Path(data))
            run_harvest(settings)
            run_build(settings)
        elif kind == "idf":
            settings = settings_for(tmp, Path(data), {"kind": "region", "code": "11", "name": "Île-de-France"})
            run_build(settings)
        else:
            settings = settings_for(tmp, Path(data))
            size = 1000.0 if kind == "fr1km" else 250.0
            settings = settings.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": size})
            GeoPackageStore(settings.store_path).write("communes", national_communes(Path(data)),
                                                       {"title": "benchmark: national communes"})  # fmt: skip
        if kind != "ept":
            store = GeoPackageStore(settings.store_path)
            store.write("venues", national_venues(settings), {"title": "benchmark: national venues"})
        _reset_peak()
        before = _peak_mb()
        started = time.perf_counter()
        result, _ = run_gaps(settings, OPTIONS)
        seconds = time.perf_counter() - started
        queue.put({"kind": kind, "seconds": seconds, "peak_mb": _peak_mb(), "peak_before_mb": before,
                   "zones": len(result.zones), "cells": len(result.grid), "venues": result.meta["venues"],
                   "grid_geometry": str(result.grid.geometry.geom_type.iloc[0]) if len(result.grid) else None,
                   "steps": result.meta.get("timings", {})})  # fmt: skip


LABELS = {"ept": "EPT 12", "idf": "Île-de-France", "fr1km": "France 1 km", "fr250m": "France 250 m"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--only", default="ept,idf,fr1km,fr250m")
    args = parser.parse_args()
    data = str(Path(args.data).resolve())
    ctx = mp.get_context("spawn")
    for kind in args.only.split(","):
        queue = ctx.Queue()
        child = ctx.Process(target=_run, args=(kind, data, queue))
        child.start()
        r = queue.get()
        child.join()
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in r["steps"].items())
        print(f"{LABELS[kind]}: {r['zones']:,} zones, {r['cells']:,} cells ({r['grid_geometry']}), "
              f"{r['venues']:,} venues: run_gaps {r['seconds']:.1f} s, peak memory {r['peak_mb'] / 1024:.2f} GB "
              f"(in use before it {r['peak_before_mb'] / 1024:.2f} GB)\n    steps: {steps}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
