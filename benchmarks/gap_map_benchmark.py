"""The gap map at national scale: what ``/couverture`` weighs before tiles, and how fast a pan answers.

A store made by the product's national build (``territory: {kind: france}``, offline: the 2018
contours of every département dissolved into today's communes, legal population, the computed
fragility index) with every real venue of the national files is served by waitress in this
process; the overseas zones are left out of the analysis (Lambert-93). The analysis is run once (the first
``/couverture`` request; at the default 250 m grid, about ten million cells); then:

1. **the page before tiles**: the HTML and every script, stylesheet and data file it asks for
   before the map's tiles (compressed, as a browser asks for them);
2. **pans**: ``--views`` random views of a 1280 × 800 map (zoom 5 to 14, centred on a random venue,
   so on land). A view asks what the map's script asks: the grid tiles, the fragility tiles below
   the zones' zoom or the zones in view from it, the venues in view from zoom 9. The requests of a
   view run six at a time, as a browser's connections to one host; the time of a pan is the time
   until all have answered. Tiles of the OpenStreetMap base map are not counted (another server).
3. **side by side**, the way the map loaded its layers before (every zone and every cell beyond the
   threshold as GeoJSON, whole): the zones' body is written for real; the grid's is extrapolated
   from 100,000 cells (writing ten million takes minutes and gigabytes, which is the point).

Usage::

    python benchmarks/gap_map_benchmark.py [--data ../shared/data] [--grid 250] [--views 200]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from urllib.request import Request, urlopen

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

WIDTH, HEIGHT = 1280, 800
CONNECTIONS = 6  # a browser's connections to one host


def fetch(url: str) -> tuple[int, int, float]:
    """GET ``url`` as a browser would (compressed); status, bytes received, seconds."""
    started = time.perf_counter()
    request = Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urlopen(request, timeout=600) as answer:
            body = answer.read()
            return answer.status, len(body), time.perf_counter() - started
    except Exception as error:  # noqa: BLE001 (an error answer is a measured outcome)
        return getattr(error, "code", 0), 0, time.perf_counter() - started


def view_requests(base: str, layers: dict, lon: float, lat: float, z: int) -> list[tuple[str, str]]:
    """The requests of the map's script for one view: ``(kind, url)``."""
    from inclusion_map.geo.tiles import view_bbox, view_tiles

    tiles = view_tiles(lon, lat, z, WIDTH, HEIGHT)
    asked = [("grid tile", base + layers["grid_tiles"].format(z=t[0], x=t[1], y=t[2])) for t in tiles]
    box = view_bbox(lon, lat, z, int(WIDTH * 1.4), int(HEIGHT * 1.4))  # the script pads the view by 20 %
    bbox = ",".join(f"{v:.4f}" for v in box)
    if layers["zones_min_zoom"] and z < layers["zones_min_zoom"]:
        asked += [
            ("fragility tile", base + layers["fragility_tiles"].format(z=t[0], x=t[1], y=t[2])) for t in tiles
        ]
    elif layers["zones_min_zoom"]:
        asked.append(("zones in view", f"{base}{layers['zones']}&bbox={bbox}&zoom={z}"))
    if layers["venues_min_zoom"] and z >= layers["venues_min_zoom"]:
        asked.append(("venues in view", f"{base}{layers['venues']}&bbox={bbox}"))
    return asked


def pan(pool: ThreadPoolExecutor, requests: list[tuple[str, str]]) -> tuple[float, list, int]:
    started = time.perf_counter()
    answers = list(pool.map(lambda r: (r[0], *fetch(r[1])), requests))
    return time.perf_counter() - started, answers, sum(a[2] for a in answers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--grid", type=float, default=250.0, help="grid size, metres (250: the default)")
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from gaps_benchmark import national_venues, settings_for
    from waitress.server import create_server

    from inclusion_map.store import GeoPackageStore
    from inclusion_map.territory.build import run_build
    from inclusion_map.web import create_app
    from inclusion_map.web.coverage_view import ZONE_COLUMNS, Analysis, _zones_in, analysis, parse_options
    from inclusion_map.web.zone_features import ZoneFeatures

    data = Path(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(tmp, data).with_overrides(
            territory={"kind": "france", "name": "France"},
            coverage={"reference_week": "2026-11-30", "grid_size_m": args.grid})  # fmt: skip
        reference = settings.reference.model_dump()
        reference["commune_contours"]["mirror"] = "geo/communes-2018/communes-{dep}.geojson"
        settings = settings.with_overrides(reference=reference)
        started = time.perf_counter()
        run_build(settings)  # the product's national build: communes, population, computed index
        print(f"national build {time.perf_counter() - started:.0f} s")
        store = GeoPackageStore(settings.store_path)
        venues = national_venues(settings)
        store.write("venues", venues, {"title": "benchmark: national venues"})
        app = create_app(settings)
        server = create_server(app, host="127.0.0.1", port=0, threads=8)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{server.effective_port}"

        started = time.perf_counter()
        status = 503
        while status == 503:
            status, _, _ = fetch(base + "/couverture")
            if status == 503:
                time.sleep(5)
        print(f"analysis ready (status {status}) after {time.perf_counter() - started:.0f} s, "
              f"peak memory so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")  # fmt: skip

        # 1. The page before tiles.
        with urlopen(Request(base + "/couverture", headers={"Accept-Encoding": "gzip"})) as answer:
            raw = answer.read()
            html = (
                gzip.decompress(raw).decode()
                if answer.headers.get("Content-Encoding") == "gzip"
                else raw.decode()
            )
        layers = json.loads(unescape(re.search(r'data-layers="([^"]+)"', html).group(1)))
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
        assets += re.findall(r'"(/static/[^"]+\.(?:js|css)[^"]*)"', html)
        sizes = {"/couverture": len(raw)}
        for url in dict.fromkeys(unescape(a) for a in assets):
            sizes[url] = fetch(base + url)[1]
        if not layers["zones_min_zoom"]:
            sizes["zones (whole)"] = fetch(base + layers["zones"])[1]
        print(f"\n/couverture before tiles: {sum(sizes.values()) / 1024:,.0f} KB compressed over {len(sizes)} requests "
              f"(HTML {sizes['/couverture'] / 1024:,.0f} KB); goal < 300 KB")  # fmt: skip

        # 2. Pans.
        rng = random.Random(args.seed)
        points = venues.geometry
        views = []
        for _ in range(args.views):
            p = points.iloc[rng.randrange(len(points))]
            views.append((p.x, p.y, rng.randint(5, 14)))
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            times, per_kind, volumes, failed = [], {}, [], 0
            for lon, lat, z in views:
                seconds, answers, volume = pan(pool, view_requests(base, layers, lon, lat, z))
                times.append(seconds)
                volumes.append(volume)
                for kind, status, _, t in answers:
                    per_kind.setdefault(kind, []).append(t)
                    failed += status != 200
        ms = np.array(times) * 1000
        print(f"\n{len(views)} pans of a {WIDTH}×{HEIGHT} map (zoom 5–14), {CONNECTIONS} requests at a time:")
        print(f"  pan: median {np.median(ms):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms "
              f"(goal p95 < 300 ms); {np.mean(volumes) / 1024:,.0f} KB a pan on average; {failed} failed requests")  # fmt: skip
        for kind, values in per_kind.items():
            v = np.array(values) * 1000
            print(
                f"  {kind:15s} {len(v):5d} requests: median {np.median(v):.0f} ms, p95 {np.percentile(v, 95):.0f} ms"
            )

        # 3. The layers sent whole, as before.
        with app.test_request_context("/couverture"):
            found: Analysis = analysis(parse_options({}))  # the page's, kept by the app
        result = found.result
        started = time.perf_counter()
        whole = ZoneFeatures(_zones_in(result.zones, "fr", result.meta["threshold_min"]), ZONE_COLUMNS)
        body = whole.collection(np.arange(len(whole.frame)), 0.0002)
        zones_s = time.perf_counter() - started
        beyond = result.grid[~result.grid["within"].astype(bool)]
        sample = beyond.iloc[:100_000]
        started = time.perf_counter()
        grid_body = sample[["cell", "zone_code", "walk_min", "within", "geometry"]].to_json(drop_id=True)
        grid_s = (time.perf_counter() - started) * len(beyond) / max(len(sample), 1)
        grid_mb = len(grid_body) * len(beyond) / max(len(sample), 1) / 1e6
        print(f"\nSent whole, as the map did before: zones {len(result.zones):,} features, "
              f"{len(body) / 1e6:,.1f} MB ({len(gzip.compress(body.encode())) / 1e6:,.1f} MB gzip) in {zones_s:.1f} s; "
              f"grid {len(beyond):,} cells beyond the threshold, about {grid_mb:,.0f} MB in about {grid_s:.0f} s "
              f"(extrapolated from {len(sample):,})")  # fmt: skip
        print(f"Ratio, page before tiles: {(len(gzip.compress(body.encode())) + sum(sizes.values())) / sum(sizes.values()):,.0f}× lighter "
              f"than with the zones alone sent whole")  # fmt: skip
        print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        server.close()


if __name__ == "__main__":
    main()
