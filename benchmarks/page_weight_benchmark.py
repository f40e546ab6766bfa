"""Weight and largest contentful paint of the main pages, without and with compression, side by side.

Two servers run the same app on the same store (harvested, built and analysed offline from the
mirror in a temporary folder, or ``--store``), each in its own process as ``python run.py`` serves
it (waitress): one with ``INCLUSION_MAP_COMPRESS=0``, one with compression (the default). For each
page (``/``, ``/?q=Vitry-sur-Seine``, ``/couverture``, ``/rapport``), Debian's Chromium (driven by
Playwright) opens it in a fresh context, cache empty, as Lighthouse's mobile preset sees a phone:
a 412 × 823 screen, the processor slowed 4 times (CDP ``Emulation.setCPUThrottlingRate``) and the
network at 150 ms of round trip, 1.6 Mbit/s down and 750 kbit/s up
(``Network.emulateNetworkConditions``). It records:

- the bytes transferred (headers included: CDP's ``encodedDataLength``), the page's own and all
  of its files (scripts, styles, the gap map's GeoJSON…), OpenStreetMap tiles left out (there is
  no network here: they fail at once, and they are a third party's);
- the largest contentful paint (a ``PerformanceObserver`` of ``largest-contentful-paint``), the
  median of ``--runs`` loads;
- on a second visit with the browser's cache kept, how many requests still reach the server
  (versioned static files are then taken from the cache without asking).

With ``--lighthouse``, Lighthouse (``npx lighthouse``, installed with npm beside this script or on
the PATH; ``CHROME_PATH=/usr/bin/chromium``) also runs its mobile preset (simulated throttling) on
each page of each server and its performance score and LCP are printed.

Usage::

    python benchmarks/page_weight_benchmark.py [--data ../shared/data] [--store FILE] [--runs 3]
                                               [--lighthouse]

Needs Chromium (Debian: ``apt-get install chromium``) and playwright. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# The same offline store as the load benchmark: the territory harvested, built and analysed.
from load_benchmark import build_store, settings_for  # noqa: E402

os.environ.setdefault("INCLUSION_MAP_QUIET", "1")

CHROMIUM = "/usr/bin/chromium"
PAGES = {"/": "/", "/?q=Vitry-sur-Seine": "/?q=Vitry-sur-Seine", "/couverture": "/couverture",
         "/rapport": "/rapport"}  # fmt: skip
# Lighthouse's mobile preset: a Moto G Power screen, 150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up, CPU × 4.
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True,
         "has_touch": True}  # fmt: skip
NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8,
           "uploadThroughput": 750 * 1024 / 8}  # fmt: skip
CPU_SLOWDOWN = 4
LCP_PROBE = """
window.__lcp = null;
new PerformanceObserver((list) => {
  const entries = list.getEntries();
  const last = entries[entries.length - 1];
  window.__lcp = {time: last.startTime, element: last.element ? last.element.tagName + (last.element.id ?
    "#" + last.element.id : "") + (last.element.className && typeof last.element.className === "string" ?
    "." + last.element.className.split(" ")[0] : "") : "?"};
}).observe({type: "largest-contentful-paint", buffered: true});
"""
TILES = "tile.openstreetmap.org"


def serve(folder: str, data: str, store: str) -> None:
    """The server process: the app with waitress on a free loopback port, announced on stdout."""
    import waitress

    from inclusion_map.web import create_app

    app = create_app(settings_for(Path(folder), Path(data), Path(store)))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8, ident="inclusion_map")
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


def start_server(folder: Path, data: Path, store: Path, compress: bool) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "INCLUSION_MAP_COMPRESS": "1" if compress else "0"}
    process = subprocess.Popen([sys.executable, __file__, "--serve", str(folder), str(data), str(store)],
                               stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
    line = process.stdout.readline()
    if not line.startswith("PORT "):
        process.kill()
        raise SystemExit(f"the server did not start (it printed {line!r})")
    base = f"http://127.0.0.1:{int(line.split()[1])}"
    # Warm the server's caches: the figures are the browser's, not the first render's.
    for path in PAGES.values():
        with urllib.request.urlopen(base + path, timeout=120) as response:
            response.read()
    return process, base


def load(browser, url: str, cached_context=None) -> dict:
    """One load of ``url`` as a throttled phone: bytes by kind, requests, LCP."""
    context = cached_context or browser.new_context(**PHONE, locale="fr-FR")
    page = context.new_page()
    page.add_init_script(LCP_PROBE)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    # Tiles fail at once, as offline. (Blocked by CDP: Playwright's routing would turn the cache off.)
    cdp.send("Network.setBlockedURLs", {"urls": [f"*{TILES}*"]})
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": cached_context is None})
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    urls, sizes, cached = {}, {}, set()
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived",
           lambda e: cached.add(e["requestId"]) if e["response"].get("fromDiskCache") else None)  # fmt: skip
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="load", timeout=120_000)
    page.wait_for_load_state("networkidle", timeout=120_000)
    page.wait_for_timeout(500)
    lcp = page.evaluate("window.__lcp")
    page.close()
    ours = {rid: size for rid, size in sizes.items() if TILES not in urls.get(rid, "")}
    network = [rid for rid, size in ours.items() if rid not in cached and size > 0]
    if cached_context is None:
        context.close()
    return {"bytes": sum(ours.values()), "requests": len(network), "lcp_ms": lcp["time"] if lcp else float("nan"),
            "lcp_element": lcp["element"] if lcp else "?"}  # fmt: skip


def measure(browser, base: str, path: str, runs: int) -> dict:
    loads = [load(browser, base + path) for _ in range(runs)]
    context = browser.new_context(**PHONE, locale="fr-FR")  # a first visit, then the same page again
    load(browser, base + path, cached_context=context)
    again = load(browser, base + path, cached_context=context)
    context.close()
    return {"bytes": loads[0]["bytes"], "lcp_ms": statistics.median(x["lcp_ms"] for x in loads),
            "lcp_element": loads[0]["lcp_element"], "requests": loads[0]["requests"],
            "repeat_requests": again["requests"], "repeat_bytes": again["bytes"]}  # fmt: skip


def lighthouse(url: str) -> dict | None:
    """Lighthouse's mobile preset on ``url``: performance score, LCP (ms) and total bytes; None if
    Lighthouse cannot be run here."""
    local = Path(__file__).parent / "node_modules" / ".bin" / "lighthouse"
    command = [str(local)] if local.exists() else (["lighthouse"] if shutil.which("lighthouse") else None)
    if command is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        subprocess.run([*command, url, "--only-categories=performance", "--output=json", f"--output-path={out}",
                        "--quiet", "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
                       env={**os.environ, "CHROME_PATH": CHROMIUM}, check=False, timeout=300,
                       capture_output=True)  # fmt: skip
        if not out.is_file():
            return None
        report = json.loads(out.read_text())
    audits = report["audits"]
    return {"score": round(100 * (report["categories"]["performance"]["score"] or 0)),
            "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
            "bytes": audits["total-byte-weight"]["numericValue"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--store", help="a store built before (else one is built from the mirror)")
    parser.add_argument("--runs", type=int, default=3, help="loads per page and server (LCP: the median)")
    parser.add_argument("--lighthouse", action="store_true", help="also run Lighthouse's mobile preset")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    from playwright.sync_api import sync_playwright

    data = Path(args.data).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Path(args.store).resolve() if args.store else build_store(folder, data)
        servers = {name: start_server(folder, data, store, compress) for name, compress in
                   (("plain", False), ("compressed", True))}  # fmt: skip
        results: dict[str, dict[str, dict]] = {}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
                for path in PAGES.values():
                    for name, (_, base) in servers.items():
                        results.setdefault(path, {})[name] = measure(browser, base, path, args.runs)
                browser.close()
            if args.lighthouse:
                for path in PAGES.values():
                    for name, (_, base) in servers.items():
                        results[path][name]["lighthouse"] = lighthouse(base + path)
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=10)
    print(f"\nPhone as Lighthouse's mobile preset (CPU ×{CPU_SLOWDOWN}, {NETWORK['latency']} ms RTT, 1.6 Mbit/s), "
          f"cold cache; LCP median of {args.runs}; tiles left out.")  # fmt: skip
    head = (f"{'page':<22} {'bytes plain':>12} {'compressed':>11} {'LCP plain':>10} {'compressed':>11} "
            f"{'LCP element':<18} {'2nd visit requests':>19}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for path, row in results.items():
        plain, small = row["plain"], row["compressed"]
        print(f"{path:<22} {plain['bytes'] / 1024:>9.1f} KB {small['bytes'] / 1024:>8.1f} KB "
              f"{plain['lcp_ms']:>7.0f} ms {small['lcp_ms']:>8.0f} ms {small['lcp_element']:<18} "
              f"{plain['requests']} → {small['repeat_requests']:>2} ({small['repeat_bytes'] / 1024:.1f} KB)")  # fmt: skip
    if args.lighthouse:
        print("\nLighthouse, mobile preset (simulated throttling): score, LCP, bytes")
        for path, row in results.items():
            cells = []
            for name in ("plain", "compressed"):
                lh = row[name].get("lighthouse")
                cells.append(f"{name}: " + (f"{lh['score']}, {lh['lcp_ms'] / 1000:.1f} s, {lh['bytes'] / 1024:.0f} KB"
                                            if lh else "not run"))  # fmt: skip
            print(f"{path:<22} " + " | ".join(cells))


if __name__ == "__main__":
    main()
