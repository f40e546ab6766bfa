"""Speed of exporting the national venue set (every real venue of the national files of
``shared/data`` that has coordinates) in each format, through the same function as
``python run.py export`` and ``/exports``. Goal (issue #6): GeoPackage in under 5 s.

Usage::

    python benchmarks/export_benchmark.py [--data ../shared/data] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gaps_benchmark import national_venues, settings_for  # noqa: E402

from inclusion_map.export.bundle import export_layer  # noqa: E402
from inclusion_map.store import GeoPackageStore  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(tmp, Path(args.data).resolve())
        venues = national_venues(settings)
        GeoPackageStore(settings.store_path).write("venues", venues, {"title": "benchmark: national venues"})
        print(f"{len(venues):,} venues (all of France, with coordinates)")
        for fmt in ("gpkg", "geojson", "csv", "fgb", "shp.zip"):
            times, size = [], 0
            for _ in range(args.runs):
                out = io.BytesIO()
                started = time.perf_counter()
                export_layer(settings, "venues", fmt, out)
                times.append(time.perf_counter() - started)
                size = out.tell()
            median = statistics.median(times)
            goal = f" (goal 5 s → {5 / median:.1f}× under)" if fmt == "gpkg" else ""
            print(f"  {fmt:<8} median {median:5.2f} s, {size / 2**20:6.1f} MiB{goal}")


if __name__ == "__main__":
    main()
