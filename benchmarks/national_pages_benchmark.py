"""Every public page and export of the whole country (and of the Rhône), offline: the checks of
``tests/test_national_pages.py`` with ``INCLUSION_MAP_NATIONAL=1``, timed.

The default test suite runs that module for the Rhône only: France's harvest, build, gap analysis
and report take about two minutes more, which belongs with the benchmarks. This script runs the
module for both territories in a temporary folder and prints pytest's result and the slowest steps.

Usage::

    python benchmarks/national_pages_benchmark.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    env = {**os.environ, "INCLUSION_MAP_NATIONAL": "1", "INCLUSION_MAP_TESTDATA": str(Path(args.data).resolve())}
    with tempfile.TemporaryDirectory(prefix="national-pages-") as folder:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--durations=12", f"--basetemp={folder}/t",
                               "-p", "no:cacheprovider", "tests/test_national_pages.py"], cwd=ROOT, env=env)  # fmt: skip
    print(f"\nFrance and the Rhône, every page and export: {time.perf_counter() - started:.0f} s, "
          f"{'passed' if done.returncode == 0 else 'FAILED'}")  # fmt: skip
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
