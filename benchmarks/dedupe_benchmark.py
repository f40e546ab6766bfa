"""Deduplication speed on the real national venue files of ``shared/data/venues``, placed first.

Reads every real file through its harvester (mirror mode, no network), then places the records as
a harvest of the whole country does (:func:`inclusion_map.locate.place` with the gazetteer of
:func:`inclusion_map.territory.boundaries.load_gazetteer`: the national commune list and the 2018
commune contours of every département, ``geo/communes-2018/``; geocoding off, so a record
without coordinates takes another source's point of its address, else its commune's centre) and
keeps the records a harvest keeps (schema-valid). Commune codes and ``geocode_precision`` are then
filled as in a harvest, so that the commune-based blocking keys are measured.

It then times :func:`inclusion_map.dedupe.deduplicate` on random samples of 1k, 2k, 4k, 8k rows and
on the full set, and the *baseline* (the module as it was before the house-number, hosted and
point-conflict signals, read with ``git show``) on the same samples, and prints both side by side:
the median time of 5 runs (the two modules alternating), the candidate pairs compared (against all
n·(n−1)/2 pairs), the merges, the peak memory of the merge, and the growth exponents (log-log fit).

Usage::

    python benchmarks/dedupe_benchmark.py [--data ../shared/data] [--runs 5]
                                          [--baseline REV | --no-baseline]

Goals: the full set in under 2 s, growing close to linearly, and within 1.5× of the baseline.
The reference tool (ANCT mednum-cli) takes 34.5 s for 11,251 rows on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

from inclusion_map import dedupe, schema  # noqa: E402
from inclusion_map._http import make_session  # noqa: E402
from inclusion_map.config import load_settings  # noqa: E402
from inclusion_map.harvest import build  # noqa: E402
from inclusion_map.harvest.pipeline import COLUMNS  # noqa: E402
from inclusion_map.locate import address_key, place  # noqa: E402
from inclusion_map.territory.boundaries import load_gazetteer  # noqa: E402

SOURCES = ("conseillers_numeriques", "data_inclusion", "france_services", "aidants_connect", "standard")
#: the last commit of inclusion_map/dedupe.py before the new signals
BASELINE = "c35f2bffaa36f1cdc3512b19e8d0bd0987c81471"


def _france_mirror(data: Path, folder: Path) -> str:
    """A mirror folder with the data's ``venues`` and ``geo`` and one contour file of the country.

    The config's contour file covers Île-de-France only; a harvest of the whole country reads
    each département's file, which here are merged into one (communes merged since 2018 are
    dissolved by the gazetteer, as for the live files).
    """
    for name in ("venues", "geo"):
        (folder / name).symlink_to(data / name)
    features = []
    for file in sorted((data / "geo" / "communes-2018").glob("communes-*.geojson")):
        features.extend(json.loads(file.read_text(encoding="utf-8"))["features"])
    name = "communes-france-2018.geojson"
    (folder / name).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return name


def load_placed(data: Path) -> tuple[pd.DataFrame, int]:
    """The national records, placed and checked as a harvest of the whole country does them.

    Returns the records and how many were read before placing.
    """
    with tempfile.TemporaryDirectory() as tmp:
        contours = _france_mirror(data, Path(tmp))
        settings = load_settings(ROOT / "config.yaml", mirror=tmp)
        reference = settings.reference.model_dump()
        reference["commune_contours"]["mirror"] = contours
        settings = settings.with_overrides(
            territory={"kind": "france", "name": "France"}, reference=reference,
            geocoding={**settings.geocoding.model_dump(), "enabled": False},
        )  # fmt: skip
        session = make_session(settings.http)
        started = time.perf_counter()
        gazetteer = load_gazetteer(settings, session)
        contours = int(gazetteer.communes.geometry.notna().sum())
        print(f"  gazetteer: {len(gazetteer.communes)} communes, {contours} contours, "
              f"in {time.perf_counter() - started:5.2f} s")  # fmt: skip
        parsed = {}
        for name in SOURCES:
            started = time.perf_counter()
            parsed[name] = build(name, settings).harvest(session)
            rows, seconds = len(parsed[name].records), time.perf_counter() - started
            print(f"  read {name:<24} {rows:>6} rows in {seconds:5.2f} s")
    # As the pipeline does: the points other sources give to an address place the records without one.
    known = {address_key(r): (r["longitude"], r["latitude"]) for p in parsed.values() for r in p.records
             if r.get("latitude") is not None and address_key(r)}  # fmt: skip
    frames, read = [], 0
    started = time.perf_counter()
    for p in parsed.values():
        read += len(p.records)
        placement = place(p.records, gazetteer, None, known)
        kept = [r for r in placement.inside if not schema.validate(r)]
        frames.append(pd.DataFrame(kept))
    records = pd.concat(frames, ignore_index=True).reindex(columns=list(COLUMNS))
    precision = records["geocode_precision"].value_counts().to_dict()
    print(f"  placed and checked in {time.perf_counter() - started:5.2f} s: {len(records)} of {read} rows "
          f"kept; precision {precision}")  # fmt: skip
    return records, read


def load_baseline(revision: str) -> types.ModuleType | None:
    """``inclusion_map/dedupe.py`` of ``revision``, imported as a module beside the current one."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:inclusion_map/dedupe.py"],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"  no baseline ({exc}); timing the current module only")
        return None
    module = types.ModuleType("inclusion_map._dedupe_baseline")
    module.__package__ = "inclusion_map"  # its relative imports (.config, .vocab) resolve as in the package
    sys.modules[module.__name__] = module
    exec(compile(source, f"{revision[:7]}:inclusion_map/dedupe.py", "exec"), module.__dict__)
    return module


def time_runs(modules: list[tuple[str, types.ModuleType]], records: pd.DataFrame, config, runs: int) -> dict:
    """Median time, pairs compared, merges and peak memory of each module on ``records``.

    The modules' runs alternate, so that a busy moment of the machine weighs on both alike.
    """
    times: dict[str, list[float]] = {name: [] for name, _ in modules}
    merged = {}
    for _ in range(runs):
        for name, module in modules:
            started = time.perf_counter()
            merged[name] = module.deduplicate(records, config).merged_records
            times[name].append(time.perf_counter() - started)
    out = {}
    for name, module in modules:
        tracemalloc.start()
        module.deduplicate(records, config)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        pairs = len(module.candidate_pairs(module.prepare(records), config.distance_m))
        out[name] = (statistics.median(times[name]), pairs, merged[name], peak / 2**20)
    return out


def exponent(measured: list[tuple[int, float]]) -> float:
    x, y = np.log([m[0] for m in measured]), np.log([m[1] for m in measured])
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline dedupe.py")
    parser.add_argument("--no-baseline", action="store_true", help="time the current module only")
    args = parser.parse_args()
    print(f"Reading and placing the real venue files of {args.data}")
    records, _ = load_placed(Path(args.data))
    baseline = None if args.no_baseline else load_baseline(args.baseline)
    config = load_settings(ROOT / "config.yaml").dedupe
    sizes = [n for n in (1000, 2000, 4000, 8000) if n < len(records)] + [len(records)]
    rng = np.random.default_rng(42)
    modules = [("current", dedupe)] + ([("baseline", baseline)] if baseline else [])
    header = "".join(f" | {name:>8} s {'pairs':>7} {'merged':>6} {'MiB':>5}" for name, _ in modules)
    print(f"\n{'rows':>6} {'all pairs':>12}{header}" + (f" | {'ratio':>5}" if baseline else ""))
    measured: dict[str, list[tuple[int, float]]] = {name: [] for name, _ in modules}
    for n in sizes:
        sample = records if n == len(records) else records.iloc[rng.choice(len(records), n, replace=False)]
        line = f"{n:>6} {n * (n - 1) // 2:>12,}"
        results = time_runs(modules, sample, config, args.runs)
        for name, _ in modules:
            seconds, pairs, merged, peak = results[name]
            measured[name].append((n, seconds))
            line += f" | {seconds:>10.3f} {pairs:>7,} {merged:>6} {peak:>5.1f}"
        if baseline:
            line += f" | {measured['current'][-1][1] / measured['baseline'][-1][1]:>5.2f}"
        print(line)
    full = measured["current"][-1][1]
    print("\nGrowth exponent (time ∝ rows^k, fitted on log-log): "
          + ", ".join(f"{name} k = {exponent(m):.2f}" for name, m in measured.items()))  # fmt: skip
    verdict = "met" if full < 2 else "NOT met"
    line = f"Full set: {len(records)} placed rows in {full:.2f} s (goal < 2 s: {verdict})"
    if baseline:
        before = measured["baseline"][-1][1]
        line += f"; {full / before:.2f}× the baseline's {before:.2f} s (goal ≤ 1.5×)"
    print(line)
    print(f"Reference mednum-cli: 34.5 s for 11,251 rows → {34.5 / full:.0f}× faster on "
          f"{len(records) / 11251:.2f}× the rows")  # fmt: skip


if __name__ == "__main__":
    main()
