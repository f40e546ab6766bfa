"""Speed of ``build`` (territory layers) from the mirror folder, for the EPT and for all Île-de-France.

Each case runs the whole build (commune list, contours, EPT list, the IFN file with its 5,243
IRIS, the national ARCEP table, aggregation, computed index, classes, GeoPackage write and report
files) into a fresh temporary store, and prints the median wall time of ``--runs`` runs.

Usage::

    python benchmarks/build_benchmark.py [--data ../shared/data] [--runs 3]

Goal (issue #3): all of Île-de-France (1,266 communes) in under 15 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

from inclusion_map.config import load_settings  # noqa: E402
from inclusion_map.store import GeoPackageStore  # noqa: E402
from inclusion_map.territory.build import run_build  # noqa: E402

GOAL_S = 15.0


def run_case(name: str, territory: dict, data: Path, runs: int, classes: str) -> None:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(ROOT / "config.yaml", mirror=str(data))
            settings = settings.with_overrides(
                territory=territory,
                store={"path": f"{tmp}/store.gpkg", "reports_dir": f"{tmp}/reports"},
                fragility={**settings.fragility.model_dump(), "classes": classes},
            )
            started = time.perf_counter()
            report = run_build(settings)
            times.append(time.perf_counter() - started)
            communes = GeoPackageStore(settings.store_path).read("communes")
    median = statistics.median(times)
    print(f"{name:<34} {classes:<15} {len(communes):>5} communes, {int(communes['n_iris'].sum()):>5} IFN IRIS, "
          f"population {int(communes['population'].sum()):>10,}: median {median:5.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}); {len(report.problems)} problem rows; "
          f"goal {GOAL_S:.0f} s → {GOAL_S / median:4.1f}× under")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = Path(args.data).resolve()
    ept = {"kind": "ept", "code": "200058014", "name": "Grand-Orly Seine Bièvre"}
    idf = {"kind": "region", "code": "11", "name": "Île-de-France"}
    for classes in ("quantiles", "natural_breaks"):
        run_case("EPT 12 Grand-Orly Seine Bièvre", ept, data, args.runs, classes)
        run_case("Île-de-France (all communes)", idf, data, args.runs, classes)


if __name__ == "__main__":
    main()
