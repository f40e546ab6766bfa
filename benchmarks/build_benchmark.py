"""Speed and memory of ``build`` (territory layers) from the mirror folder: the EPT, all of
Île-de-France and the whole country, side by side.

Each case runs the whole build (commune list, contours — the Île-de-France file, or for France one
2018 file per département —, EPT and
EPCI lists, the IFN file with its 5,243 IRIS, the seven national commune indicator tables,
aggregation, computed index and its agreement with the published IFN, classes, GeoPackage write
and report files) into a fresh temporary store. Every run is a fresh Python process, so that its
peak resident memory (``ru_maxrss``) is the build's own; the wall time is that of ``run_build``
alone (imports excluded). The median of ``--runs`` runs is printed, with the largest peak.

Usage::

    python benchmarks/build_benchmark.py [--data ../shared/data] [--runs 3] [--classes quantiles]

Goals: all of Île-de-France (1,266 communes) in under 15 s (issue #3); the whole country
(34,969 communes) in under a minute (issue #14).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

CASES = {
    "ept": ("EPT 12 Grand-Orly Seine Bièvre", {"kind": "ept", "code": "200058014", "name": "Grand-Orly Seine Bièvre"},
            15.0),
    "idf": ("Île-de-France (region 11)", {"kind": "region", "code": "11", "name": "Île-de-France"}, 15.0),
    "france": ("France (every commune)", {"kind": "france", "name": "France"}, 60.0),
}  # fmt: skip
NATIONAL_CONTOURS = "geo/communes-2018/communes-{dep}.geojson"


def one_run(case: str, data: Path, classes: str) -> dict:
    """Build ``case`` once in this process; wall time in s, peak RSS in MiB, what was built."""
    import io
    from contextlib import redirect_stdout

    from inclusion_map.config import load_settings
    from inclusion_map.store import GeoPackageStore
    from inclusion_map.territory.build import run_build

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(ROOT / "config.yaml", mirror=str(data))
        settings = settings.with_overrides(
            territory=CASES[case][1],
            store={"path": f"{tmp}/store.gpkg", "reports_dir": f"{tmp}/reports"},
            http={"cache_dir": f"{tmp}/http"},
            fragility={**settings.fragility.model_dump(), "classes": classes},
        )
        if case == "france":  # the configured mirror file covers Île-de-France: the national files instead
            reference = settings.reference.model_dump()
            reference["commune_contours"]["mirror"] = NATIONAL_CONTOURS
            settings = settings.with_overrides(reference=reference)
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()):  # the build prints its agreement lines: kept for the last line
            report = run_build(settings)
        wall = time.perf_counter() - started
        communes = GeoPackageStore(settings.store_path).read("communes", columns=["code", "population"])
    # ru_maxrss is in KiB on Linux
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rho = (report.agreement or {}).get("all", {}).get("rho")
    return {"wall_s": wall, "peak_mib": peak, "communes": len(communes), "problems": len(report.problems),
            "population": int(communes["population"].sum()), "rho": rho,
            "missing": sorted(report.missing_departements)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--classes", default="quantiles", choices=["quantiles", "natural_breaks"])
    parser.add_argument("--cases", default="ept,idf,france")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run of one case, JSON on stdout
    args = parser.parse_args()
    data = Path(args.data).resolve()
    if args.one:
        print(json.dumps(one_run(args.one, data, args.classes)))
        return
    print(f"{'territory':<32} {'communes':>8} {'population':>12} {'wall s (median)':>16} {'min–max':>12} "
          f"{'peak MiB':>9} {'goal':>6}  rho vs IFN   problems")  # fmt: skip
    for case in args.cases.split(","):
        runs = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--data", str(data), "--classes", args.classes,
                                  "--one", case], check=True, capture_output=True, text=True)  # fmt: skip
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        walls = [r["wall_s"] for r in runs]
        last = runs[-1]
        name, _, goal = CASES[case]
        print(f"{name:<32} {last['communes']:>8,} {last['population']:>12,} {statistics.median(walls):>16.2f} "
              f"{min(walls):>5.2f}–{max(walls):<6.2f} {max(r['peak_mib'] for r in runs):>9.0f} {goal:>5.0f}s  "
              f"{last['rho']!s:>10}   {last['problems']}"
              + (f" (no contour file: {', '.join(last['missing'])})" if last["missing"] else ""))  # fmt: skip


if __name__ == "__main__":
    main()
