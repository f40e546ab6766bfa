"""Throughput of the public site under load: the API against the pages, and the API while the PDF
report is asked for.

The site is served as ``python run.py`` serves it (waitress, 8 threads, 127.0.0.1) in a separate
process, on a store harvested, built and analysed offline from the mirror (in a temporary folder,
or ``--store`` when one was built before). The load comes from ``wrk`` (another process, so the
load generator never competes with the server for Python's GIL), bounded in time.

1. For the API (``/api/venues?lon=2.39&lat=48.79&radius=2000``), the home page with a search
   (``/?q=Vitry-sur-Seine``), a venue page and ``/couverture``: requests per second and the
   p50/p99 latency at ``--connections`` connections, side by side, with each page's ratio to the API.
   Then the home page searching around a new position at every request (never rendered before,
   so never served from the page cache): the cost of a page rendered in full.
2. The API again while ``--pdf-clients`` other connections ask for ``/rapport.pdf`` at the same
   time, first with the PDF cache cold (a fresh store folder), then once the PDF is cached.

Usage::

    python benchmarks/load_benchmark.py [--data ../shared/data] [--store FILE] [--duration 10]
                                        [--connections 50] [--wrk-threads 2]

Needs ``wrk`` (Debian/Ubuntu: ``sudo apt-get install -y wrk``). Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

SERVER_THREADS = 8  # as `python run.py` (inclusion_map/cli.py, waitress.serve(..., threads=8))
API = "/api/venues?lon=2.39&lat=48.79&radius=2000"
HOME = "/?q=Vitry-sur-Seine"
COVERAGE = "/couverture"
PDF = "/rapport.pdf"
INSTALL = ("wrk is missing: install it with `sudo apt-get install -y wrk` (Debian, Ubuntu) "
           "or `brew install wrk` (macOS), then run this benchmark again")

# wrk's Lua hooks: count the answers by status in every thread, then print one JSON line at the end
# (latencies in microseconds) so that nothing has to be read from wrk's human-oriented report.
LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; pending = 0; other = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 503 then pending = pending + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local ok, pending, other = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("ok"); pending = pending + t:get("pending"); other = other + t:get("other")
  end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"ok": %d, "pending": %d, "other": %d, "socket_errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), ok, pending, other,
    e.connect + e.read + e.write, e.timeout))
end
"""
# Every request a search around a new point of the territory: pages never seen, rendered each time.
NEW_POSITIONS = """
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
request = function()
  local lon, lat = 2.30 + math.random() * 0.15, 48.70 + math.random() * 0.12
  return wrk.format(nil, string.format("/?lon=%.6f&lat=%.6f", lon, lat))
end
"""


def settings_for(folder: Path, data: Path, store: Path | None = None):
    """Offline settings: the mirror, no geocoder, every file of the run in ``folder``."""
    from inclusion_map.config import load_settings

    settings = load_settings(ROOT / "config.yaml", mirror=str(data))
    store = store or folder / "store.gpkg"
    return settings.with_overrides(
        store={"path": str(store), "reports_dir": str(folder / "reports")}, geocoding={"enabled": False},
        http={"cache_dir": str(folder / "http")},
        dedupe={"decisions_file": str(folder / "d.csv"), "review_file": str(folder / "r.csv")},
        coverage={"reference_week": "2026-11-30"},
    )  # fmt: skip


def build_store(folder: Path, data: Path) -> Path:
    """Harvest, build and analyse the territory from the mirror into ``folder/store.gpkg``."""
    from inclusion_map.gaps.output import run_gaps
    from inclusion_map.harvest.pipeline import run_harvest
    from inclusion_map.territory.build import run_build

    settings = settings_for(folder, data)
    started = time.perf_counter()
    run_harvest(settings)
    run_build(settings)
    run_gaps(settings)
    print(f"Store built from the mirror in {time.perf_counter() - started:.1f} s: {settings.store_path}")
    return settings.store_path


def serve(folder: str, data: str, store: str) -> None:
    """The server process: the app with waitress on a free loopback port, announced on stdout."""
    import logging

    import waitress

    from inclusion_map.web import create_app

    # Under load waitress warns at every queued request ("Task queue depth is 37"): that is the test.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    app = create_app(settings_for(Path(folder), Path(data), Path(store)))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=SERVER_THREADS,
                                    ident="inclusion_map")  # fmt: skip
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


def start_server(folder: Path, data: Path, store: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(folder), str(data), str(store)],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise SystemExit(f"the server did not start (it printed {line!r})")
    return process, f"http://127.0.0.1:{int(line.split()[1])}"


def get(url: str, timeout: float = 120) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wrk(url: str, duration: float, connections: int, threads: int, script: Path) -> dict:
    """Run wrk on one URL and return its figures (requests/s, p50/p99 in ms, answers by status)."""
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration:g}s",
               "--timeout", "60s", "-s", str(script), url]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((x for x in run.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result for {url}:\n{run.stdout}\n{run.stderr}")
    figures = json.loads(line[len("RESULT "):])
    figures["per_s"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["p50_ms"], figures["p99_ms"] = figures["p50_us"] / 1000, figures["p99_us"] / 1000
    return figures


def row(label: str, f: dict, api: dict | None = None) -> str:
    ratio = f"{f['per_s'] / api['per_s']:6.2f}" if api else "     —"
    answers = [f"{f['ok']} ok"]
    answers += [f"{f['pending']} « en préparation » (503)"] if f["pending"] else []
    answers += [f"{f['other']} other"] if f["other"] else []
    answers += [f"{f['socket_errors']} socket errors"] if f["socket_errors"] else []
    answers += [f"{f['timeouts']} timeouts"] if f["timeouts"] else []
    figures = f"{f['per_s']:9.1f} {f['p50_ms']:10.1f} {f['p99_ms']:10.1f}"
    return f"  {label:<34} {figures}   {ratio}   {', '.join(answers)}"


HEADER = f"  {'':<34} {'req/s':>9} {'p50 (ms)':>10} {'p99 (ms)':>10}   {'× API':>6}   answers"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--store", help="a store built before (harvest, build, gaps); default: built now")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per measure")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--pdf-clients", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(INSTALL, file=sys.stderr)
        sys.exit(2)
    data = Path(args.data).resolve()
    with tempfile.TemporaryDirectory(prefix="load-benchmark-") as tmp:
        folder = Path(tmp)
        if args.store:
            store = Path(args.store).resolve()
            # The PDF cache lives beside the store: start cold, as after a harvest.
            shutil.rmtree(store.parent / "cache" / "reports", ignore_errors=True)
        else:
            store = build_store(folder, data)
        script, positions = folder / "count.lua", folder / "positions.lua"
        script.write_text(LUA)
        positions.write_text(NEW_POSITIONS + LUA)
        server, base = start_server(folder, data, store)
        load = lambda path, c=args.connections, t=args.wrk_threads, d=args.duration: wrk(  # noqa: E731
            base + path, d, c, t, script)
        try:
            status, body = get(base + API)
            if status != 200:
                raise SystemExit(f"{API} answered {status}: {body[:300]!r}")
            first = json.loads(body)["features"][0]
            venue = f"/lieu/{first.get('id') or first['properties']['id']}"
            for path in (HOME, venue, COVERAGE):  # warm: the venue index, the communes, the analysis
                status, _ = get(base + path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
            urls = {"API": API, "home page with a search": HOME, "venue page": venue, "gap map": COVERAGE}
            print(f"\nwaitress ({SERVER_THREADS} threads) at {base}; "
                  f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s per URL")
            for label, path in urls.items():
                print(f"  {label:<24} {path}")
            print(f"  {'home, new position':<24} /?lon=…&lat=… (a random point of the territory each time)")
            load(API, d=2)  # wrk's warm-up: the server's first seconds under load are slower
            print("\n" + HEADER)
            api = load(API)
            print(row("API", api))
            for label, path in list(urls.items())[1:]:
                print(row(label, load(path), api))
            fresh = wrk(base + "/", args.duration, args.connections, args.wrk_threads, positions)
            print(row("home, a new position each time", fresh, api))

            print(f"\nThe API while {args.pdf_clients} other connections ask for {PDF} "
                  f"(a second wrk, -t1 -c{args.pdf_clients})\n\n{HEADER}")
            for state in ("cold", "warm"):
                if state == "warm":
                    deadline = time.monotonic() + 300
                    while get(base + PDF)[0] != 200 and time.monotonic() < deadline:  # until it is cached
                        time.sleep(0.5)
                pdf: dict = {}
                clients = threading.Thread(target=lambda out=pdf: out.update(
                    load(PDF, args.pdf_clients, 1, args.duration + 2)))  # fmt: skip
                clients.start()
                time.sleep(1)  # the PDF clients first: the API is measured while they are at work
                busy = load(API)
                clients.join()
                print(row(f"API, PDF cache {state}", busy, api))
                print(row(f"  {PDF} meanwhile", pdf))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(*sys.argv[2:])
    else:
        main()
