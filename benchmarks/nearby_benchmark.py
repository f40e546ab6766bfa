"""Speed of the web layer's "nearby" queries on the real national venue files of ``shared/data``.

Reads every real file through its harvester (mirror mode, no network) as
``benchmarks/dedupe_benchmark.py`` does, keeps the rows with coordinates, builds
:class:`inclusion_map.web.venue_index.VenueIndex` and times 1,000 nearby queries (radius 2 km,
limit 20) at random points of Île-de-France, then the same with one service filter and with
``open_at``; prints p50/p95 in ms and queries per second. Then it measures real HTTP GETs served by
waitress: a bare Flask app with one trivial JSON endpoint as the baseline, and
``/api/venues?lon=..&lat=..&radius=2000`` of the real app when ``inclusion_map.web.create_app``
exists (served from a temporary GeoPackage holding the same venues).

With ``--postgres ADMIN_URL`` (a server where it may create a database), the same venues are
also written to a PostGIS store and the same queries are timed with their candidates picked by the
database's GiST index (:func:`inclusion_map.web.venue_index.get_index` on a ``postgresql://`` URL),
side by side with the in-memory k-d tree, and ``/api/venues`` is served from PostGIS too.

Usage::

    python benchmarks/nearby_benchmark.py [--data ../shared/data] [--n 1000] [--http-n 1000] [--postgres URL]

Goals: a nearby query well under 20 ms on the national set; the API's nearby search on PostGIS
within 2× of the same search on the memory index.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

import geopandas as gpd  # noqa: E402
from dedupe_benchmark import load_placed  # noqa: E402

from inclusion_map.web.venue_index import VenueIndex  # noqa: E402

# Île-de-France (WGS84 degrees), and its dense core (Paris and the inner suburbs).
IDF = (1.45, 48.12, 3.56, 49.24)
CORE = (2.22, 48.76, 2.52, 48.94)
OPEN_AT = datetime(2024, 3, 12, 10, 30)  # a Tuesday morning
SERVICE = "Aide aux démarches administratives"


def random_points(box: tuple[float, float, float, float], n: int, seed: int = 42) -> np.ndarray:
    """``n`` points drawn uniformly in ``box`` (lon/lat degrees), shape (n, 2)."""
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(box[0], box[2], n), rng.uniform(box[1], box[3], n)])


def summary(seconds: list[float]) -> dict[str, float]:
    """p50/p95 in milliseconds and the rate (per second) of sequential calls timed in seconds."""
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "per_s": len(ms) / float(np.sum(seconds))}  # fmt: skip


def time_queries(index: VenueIndex, points: np.ndarray, **filters) -> tuple[dict[str, float], float]:
    """Time one nearby query (radius 2 km, limit 20) per point; also the mean number of matches."""
    for lon, lat in points[:50]:  # warm-up: caches of the projection and of the parsed hours
        index.query(lon=lon, lat=lat, radius_m=2000, limit=20, **filters)
    seconds, totals = [], []
    for lon, lat in points:
        started = time.perf_counter()
        result = index.query(lon=lon, lat=lat, radius_m=2000, limit=20, **filters)
        seconds.append(time.perf_counter() - started)
        totals.append(result.total)
    return summary(seconds), float(np.mean(totals))


def _waitress():
    if importlib.util.find_spec("waitress") is None:
        print(f"  waitress is missing: installing it with {sys.executable} -m pip install waitress")
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "waitress"])
    import waitress

    return waitress


def http_benchmark(app, path_template: str, n: int, seed: int = 7) -> dict[str, float]:
    """Serve the WSGI ``app`` with waitress on a free loopback port and time ``n`` HTTP GETs.

    Parameters
    ----------
    app : WSGI application
    path_template : str
        Path and query, formatted with ``lon`` and ``lat`` (WGS84 degrees) of random points of
        Île-de-France, e.g. ``"/api/venues?lon={lon:.5f}&lat={lat:.5f}&radius=2000"``.
    n : int
        Timed requests, sent one after the other through one keep-alive ``requests.Session``
        after 20 untimed ones (which also build the app's caches).

    Returns
    -------
    dict with ``p50_ms``, ``p95_ms`` and ``per_s`` (requests per second, sequential).
    """
    import requests

    server = _waitress().create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-benchmark", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    points = random_points(IDF, n + 20, seed)
    seconds = []
    try:
        with requests.Session() as session:
            for i, (lon, lat) in enumerate(points):
                started = time.perf_counter()
                response = session.get(base + path_template.format(lon=lon, lat=lat), timeout=30)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    problem = f"{path_template} answered {response.status_code}: {response.text[:300]}"
                    raise RuntimeError(problem)
                if i >= 20:
                    seconds.append(elapsed)
    finally:
        for channel in list(server._map.values()):  # the listening socket and waitress's trigger
            channel.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
    return summary(seconds)


def baseline_app():
    """A bare Flask app with one trivial JSON endpoint, ``/ping``."""
    from flask import Flask, jsonify, request

    app = Flask("baseline")

    @app.get("/ping")
    def ping():
        return jsonify({"ok": True, "lon": request.args.get("lon"), "lat": request.args.get("lat")})

    return app


def real_app(venues: gpd.GeoDataFrame, folder: Path, url: str | None = None):
    """The real app (``create_app``) reading a temporary store that holds ``venues`` (a GeoPackage
    in ``folder``, or the PostGIS database ``url``), or ``None``."""
    try:
        from inclusion_map.web import create_app
    except ImportError:
        return None
    from inclusion_map.config import load_settings
    from inclusion_map.stores import open_store

    store = folder / "store.gpkg"
    open_store(url or store).write("venues", venues)
    settings = load_settings(ROOT / "config.yaml",
                             store={"path": str(store), "reports_dir": str(folder / "reports"), "url": url})  # fmt: skip
    return create_app(settings)


def line(label: str, figures: dict[str, float], extra: str = "") -> None:
    print(f"  {label:<44} p50 {figures['p50_ms']:7.3f} ms   p95 {figures['p95_ms']:7.3f} ms"
          f"   {figures['per_s']:9,.0f} /s{extra}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--n", type=int, default=1000, help="queries per in-memory measure")
    parser.add_argument("--http-n", type=int, default=1000, help="requests per HTTP measure")
    parser.add_argument("--postgres", default=None, metavar="ADMIN_URL",
                        help="also time the queries with PostGIS (a server where a database may be created)")
    args = parser.parse_args()
    print(f"Reading the real venue files of {args.data}")
    records = load_placed(Path(args.data))[0]  # placed and checked as a national harvest does
    records = records.dropna(subset=["latitude", "longitude"]).reset_index(drop=True)
    venues = gpd.GeoDataFrame(records, geometry=gpd.points_from_xy(records["longitude"], records["latitude"]),
                              crs="EPSG:4326")  # fmt: skip
    started = time.perf_counter()
    index = VenueIndex.from_frame(venues)
    print(f"\nIndex of {len(index):,} venues with coordinates built in {time.perf_counter() - started:.2f} s")

    print(f"\nIn memory: {args.n:,} nearby queries, radius 2 km, limit 20 (sequential, one thread)")
    variants = (("", {}), (", 1 service", {"services": [SERVICE]}), (", open_at", {"open_at": OPEN_AT}))
    p95s = []
    for area, box in (("Île-de-France", IDF), ("Paris + inner suburbs", CORE)):
        points = random_points(box, args.n)
        for label, filters in variants:
            figures, mean = time_queries(index, points, **filters)
            p95s.append(figures["p95_ms"])
            line(f"{area}{label}", figures, f"   {mean:6.1f} matches on average")
    verdict = "met" if max(p95s) < 20 else "NOT met"
    print(f"  goal, well under 20 ms per query: {verdict} (worst p95 {max(p95s):.3f} ms)")
    database_http = postgis_queries(venues, index, args) if args.postgres else None

    print(f"\nHTTP through waitress (loopback, {args.http_n:,} sequential GETs, keep-alive)")
    ping = http_benchmark(baseline_app(), "/ping?lon={lon:.5f}&lat={lat:.5f}", args.http_n)
    line("bare Flask, trivial JSON (/ping)", ping)
    with tempfile.TemporaryDirectory(prefix="nearby-benchmark-") as folder:
        try:
            app = real_app(venues, Path(folder))
            if app is None:
                print("  /api/venues: not measured; it is measured once inclusion_map.web.create_app exists")
            else:
                path = "/api/venues?lon={lon:.5f}&lat={lat:.5f}&radius=2000"
                memory_http = http_benchmark(app, path, args.http_n)
                line("/api/venues?lon=..&lat=..&radius=2000", memory_http)
                if database_http:
                    ratio = database_http["p50_ms"] / memory_http["p50_ms"]
                    verdict = "met" if ratio <= 2 else "NOT met"
                    print(f"  goal, the API's nearby search on PostGIS within 2× of the memory index: {verdict} "
                          f"({ratio:.2f}× at p50)")  # fmt: skip
        except Exception as exc:  # the app is young: say what failed, keep the figures above
            print(f"  /api/venues: could not be measured: {type(exc).__name__}: {exc}")


def postgis_queries(venues: gpd.GeoDataFrame, index: VenueIndex, args) -> dict[str, float]:
    """The same nearby queries with PostGIS picking the candidates, beside the in-memory tree."""
    from workers_benchmark import postgis_database  # the same scratch database, made and dropped

    from inclusion_map.stores import open_store
    from inclusion_map.web.venue_index import get_index

    with postgis_database(args.postgres) as url, tempfile.TemporaryDirectory(prefix="nearby-pg-") as folder:
        started = time.perf_counter()
        open_store(url).write("venues", venues)
        print(f"\nPostGIS: {len(venues):,} venues written in {time.perf_counter() - started:.2f} s; "
              f"{args.n:,} nearby queries, radius 2 km, limit 20, candidates from the GiST index")  # fmt: skip
        database = get_index(url)
        ratios = []
        for area, box in (("Île-de-France", IDF), ("Paris + inner suburbs", CORE)):
            points = random_points(box, args.n)
            memory, _ = time_queries(index, points)
            figures, mean = time_queries(database, points)
            ratios.append(figures["p50_ms"] / memory["p50_ms"])
            line(f"{area} (PostGIS)", figures, f"   {mean:6.1f} matches; {ratios[-1]:.1f}× the memory p50")
        print(f"  per query, the database's round trip (about 0.1 ms on a Unix socket) is most of it: "
              f"{max(ratios):.1f}× the k-d tree at worst")  # fmt: skip
        app = real_app(venues, Path(folder), url)
        path = "/api/venues?lon={lon:.5f}&lat={lat:.5f}&radius=2000"
        figures = http_benchmark(app, path, args.http_n)
        line("/api/venues?…&radius=2000 (PostGIS)", figures)
        return figures


if __name__ == "__main__":
    main()
