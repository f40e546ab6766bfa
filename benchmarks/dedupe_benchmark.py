"""Deduplication speed on the real national venue files of ``shared/data/venues``.

Reads every real file through its harvester (mirror mode, no network), then times
:func:`inclusion_map.dedupe.deduplicate` on random samples of 1k, 2k, 4k, 8k rows and on the full
set, prints the median time of 3 runs, the candidate pairs compared (against all n·(n−1)/2
pairs), the merges, the peak memory of the merge, and the growth exponent fitted on log-log.

Usage::

    python benchmarks/dedupe_benchmark.py [--data ../shared/data] [--runs 3]

Goal (issue #2): the full set (about 15,000 rows) in under 2 s, growing close to linearly. The
reference tool (ANCT mednum-cli) takes 34.5 s for 11,251 rows on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

from inclusion_map._http import make_session  # noqa: E402
from inclusion_map.config import load_settings  # noqa: E402
from inclusion_map.dedupe import candidate_pairs, deduplicate, prepare  # noqa: E402
from inclusion_map.harvest import build  # noqa: E402
from inclusion_map.harvest.pipeline import COLUMNS  # noqa: E402

SOURCES = ("conseillers_numeriques", "data_inclusion", "france_services", "aidants_connect", "standard")


def load_records(data: Path) -> pd.DataFrame:
    settings = load_settings(ROOT / "config.yaml", mirror=str(data))
    session = make_session(settings.http)
    frames = []
    for name in SOURCES:
        started = time.perf_counter()
        parsed = build(name, settings).harvest(session)
        print(f"  read {name:<24} {len(parsed.records):>6} rows in {time.perf_counter() - started:5.2f} s")
        frames.append(pd.DataFrame(parsed.records))
    records = pd.concat(frames, ignore_index=True)
    for col in COLUMNS:
        if col not in records.columns:
            records[col] = None
    return records[list(COLUMNS)]


def time_run(records: pd.DataFrame, config, runs: int) -> tuple[float, int, int, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = deduplicate(records, config)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    deduplicate(records, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pairs = len(candidate_pairs(prepare(records), config.distance_m))
    return statistics.median(times), pairs, result.merged_records, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"Reading the real venue files of {args.data}")
    records = load_records(Path(args.data))
    config = load_settings(ROOT / "config.yaml").dedupe
    sizes = [n for n in (1000, 2000, 4000, 8000) if n < len(records)] + [len(records)]
    rng = np.random.default_rng(42)
    print(f"\n{'rows':>7} {'median s':>9} {'rows/s':>9} {'pairs compared':>15} {'all pairs':>13} "
          f"{'merged':>7} {'peak MiB':>9}")  # fmt: skip
    measured = []
    for n in sizes:
        sample = records if n == len(records) else records.iloc[rng.choice(len(records), n, replace=False)]
        seconds, pairs, merged, peak = time_run(sample, config, args.runs)
        measured.append((n, seconds))
        print(
            f"{n:>7} {seconds:>9.3f} {n / seconds:>9.0f} {pairs:>15,} {n * (n - 1) // 2:>13,} {merged:>7} {peak:>9.1f}"
        )
    x, y = np.log([m[0] for m in measured]), np.log([m[1] for m in measured])
    exponent = np.polyfit(x, y, 1)[0]
    full = measured[-1][1]
    print(f"\nGrowth exponent (time ∝ rows^k, fitted on log-log): k = {exponent:.2f}")
    print(f"Full set: {len(records)} rows in {full:.2f} s (goal < 2 s: {'met' if full < 2 else 'NOT met'}); "
          f"reference mednum-cli: 34.5 s for 11,251 rows → {34.5 / full:.0f}× faster on {len(records) / 11251:.2f}× "
          "the rows")  # fmt: skip


if __name__ == "__main__":
    main()
