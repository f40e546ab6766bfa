"""Several worker processes against one, on the GeoPackage and on PostGIS: throughput of the API and
of a venue page, and what the clients see when a worker dies or is restarted under load.

Each site is served by the product's own command, ``python run.py serve --no-harvest`` (waitress
with one worker, gunicorn with ``--workers N``), in its own process on a free loopback port, on a
store harvested, built and analysed offline from the mirror (in a temporary folder, or ``--store``
when one was built before). Every configuration gets a fresh copy of the store's folder, so that no
configuration finds the page or PDF caches of another. The load comes from ``wrk`` (bounded in
time, closed loop: each connection sends its next request when the answer came), with the Lua
hooks of ``load_benchmark.py`` that count the answers by status.

1. ``/api/venues?lon=…&lat=…&radius=2000`` (the nearby search) and a venue page (``/lieu/<id>``):
   requests per second and p50/p99 latency at ``--connections`` connections for

   1. GeoPackage, 1 worker (waitress, as ``python run.py serve``);
   2. PostGIS, 1 worker (gunicorn);
   3. PostGIS, N workers (gunicorn; N = ``--workers``, default the number of CPUs);
   4. GeoPackage, N workers (gunicorn);

   then the ratios N workers / 1 worker and PostGIS / GeoPackage.
2. The API under the same load on PostGIS with N workers while one worker is killed (SIGKILL)
   halfway through, then, in another run, while one is stopped gracefully (SIGTERM: it finishes
   its requests, gunicorn starts another): answers other than 2xx, socket errors, and the time
   until N workers answer again. Without PostGIS this is measured on the GeoPackage.

The PostGIS rows need a server (``--postgres``, an admin URL, or ``$INCLUSION_MAP_TEST_POSTGRES``):
a database ``im_bench_<pid>`` is made with PostGIS, filled with ``copy_store`` (as ``python run.py
store copy`` does) and dropped at the end. Without a server the rows say why.

Usage::

    python benchmarks/workers_benchmark.py [--data ../shared/data] [--store FILE] [--postgres URL]
                                           [--duration 10] [--connections 50] [--workers N] [--quick]

Needs ``wrk`` (Debian/Ubuntu: ``sudo apt-get install -y wrk``) and Linux (``/proc``, to find the
workers and their memory). Prints figures only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import yaml
from load_benchmark import API, INSTALL, LUA, ROOT, build_store, get, wrk

READY_S = 120  # seconds a server has to answer after its start (loading the venue index included)


@dataclass
class Config:
    """One way of serving the site, and what was measured on it."""

    label: str
    backend: str  # "gpkg" or "postgis"
    workers: int
    figures: dict[str, dict] = field(default_factory=dict)  # "api" / "venue" → wrk's figures
    memory_mb: float | None = None
    missing: str | None = None  # why the row could not be measured


# ---------------------------------------------------------------------------------------------------
# Stores and servers


def write_config(folder: Path, data: Path) -> Path:
    """``folder/config.yaml``: the project's configuration offline (mirror, no geocoder), every
    file of the run in ``folder``, as ``load_benchmark.settings_for`` makes it."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config.update(root=str(ROOT), mirror=str(data),
                  store={"path": str(folder / "store.gpkg"), "reports_dir": str(folder / "reports")},
                  geocoding={"enabled": False}, http={"cache_dir": str(folder / "http")},
                  dedupe={"decisions_file": str(folder / "d.csv"), "review_file": str(folder / "r.csv")},
                  coverage={"reference_week": "2026-11-30"})  # fmt: skip
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def fresh_folder(parent: Path, name: str, built: Path | None) -> Path:
    """A new folder for one configuration: a copy of the built store and of its side databases
    (``*.sqlite`` beside it), or nothing (PostGIS: the folder only holds the local files)."""
    folder = parent / name
    folder.mkdir()
    if built is not None:
        shutil.copy2(built, folder / "store.gpkg")
        for side in built.parent.glob("*.sqlite"):
            shutil.copy2(side, folder / side.name)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers), from ``/proc``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # "pid (command) state ppid …": the command may hold spaces and parentheses
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_mb(pid: int) -> float | None:
    """Proportional set size of ``pid`` and its children, in MB (shared pages counted once)."""
    total = 0
    for p in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024 if total else None


class SiteFailed(RuntimeError):
    """The site did not start, or answered a warm-up request with an error."""

    def __init__(self, message: str, tail: str = ""):
        super().__init__(message)
        self.tail = tail


class Site:
    """``python run.py serve`` in a process of its own, on a free port, until :meth:`stop`."""

    def __init__(self, folder: Path, workers: int, gunicorn: bool, store_url: str | None = None):
        self.folder, self.workers = folder, workers
        self.base = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, str(ROOT / "run.py"), "serve", "--config", str(folder / "config.yaml"),
                   "--no-harvest", "--port", self.base.rsplit(":", 1)[1], "--workers", str(workers)]  # fmt: skip
        command += ["--gunicorn"] if gunicorn else []
        env = dict(os.environ, INCLUSION_MAP_QUIET="1")
        env.pop("INCLUSION_MAP_STORE_URL", None)
        if store_url:
            env["INCLUSION_MAP_STORE_URL"] = store_url
        self.log = folder / "server.log"
        with self.log.open("w") as out:  # the server's messages, read when it fails
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError):
                if get(self.base + "/healthz", timeout=5)[0] == 200 and self.all_workers_up():
                    return
            time.sleep(0.3)
        self.stop()
        lines = self.log.read_text(errors="replace").splitlines()
        raise SiteFailed("the site did not start; its last lines:", "\n".join(lines[-20:]))

    def worker_pids(self) -> list[int]:
        """gunicorn's worker processes (none with waitress: it answers in the process itself)."""
        return children(self.process.pid)

    def all_workers_up(self) -> bool:
        return self.workers == 1 and not self.worker_pids() or len(self.worker_pids()) >= self.workers

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful stop of every worker
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def postgis_database(admin_url: str):
    """A new database ``im_bench_<pid>`` with PostGIS on the server of ``admin_url``; its URL.

    Dropped on the way out, whatever happened (``WITH (FORCE)`` closes a server left behind).
    """
    import psycopg

    name = f"im_bench_{os.getpid()}"
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        print(f"Database {name} dropped.")


def postgis_unavailable(admin_url: str | None) -> str | None:
    """Why the PostGIS rows cannot be measured here, or ``None`` when they can."""
    if not admin_url:
        return "no PostgreSQL server: pass --postgres URL (or set INCLUSION_MAP_TEST_POSTGRES)"
    try:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5):
            pass
    except Exception as exc:  # any failure to connect: say it and measure the rest
        return f"the PostgreSQL server does not answer ({str(exc).strip()[:120]})"
    return None


# ---------------------------------------------------------------------------------------------------
# Measures


@dataclass
class Load:
    """The wrk settings of every measure."""

    duration: float
    connections: int
    wrk_threads: int
    script: Path

    def run(self, url: str, duration: float | None = None) -> dict:
        return wrk(url, duration or self.duration, self.connections, self.wrk_threads, self.script)


def measure(config: Config, site: Site, urls: dict[str, str], load: Load) -> None:
    """Warm the site (every worker loads its venue index), then load each URL in turn."""
    for name, path in urls.items():
        status, body = get(site.base + path)
        if status != 200:
            raise SiteFailed(f"{path} answered {status}: {body[:200]!r}")
        print(f"    warming {name}…", flush=True)
        load.run(site.base + path, duration=min(3, load.duration))
    for name, path in urls.items():
        print(f"    measuring {name} for {load.duration:g} s…", flush=True)
        config.figures[name] = load.run(site.base + path)
    config.memory_mb = memory_mb(site.process.pid)


@dataclass
class Incident:
    """The API under load while something happens to one worker, and what the clients saw."""

    label: str
    figures: dict
    back_after_s: float | None  # until N workers answer again (None: not within the run)


def under_incident(site: Site, load: Load, label: str, sig: signal.Signals) -> Incident:
    """Load the API for ``load.duration`` seconds; halfway, send ``sig`` to one worker."""
    before = site.worker_pids()
    out: dict = {}
    clients = threading.Thread(target=lambda: out.update(load.run(site.base + API)))
    clients.start()
    time.sleep(load.duration / 2)
    victim = before[0]
    sent = time.monotonic()
    os.kill(victim, sig)
    print(f"    {sig.name} sent to worker {victim} at {load.duration / 2:g} s", flush=True)
    back = None
    while time.monotonic() - sent < load.duration:
        now = site.worker_pids()
        if victim not in now and len(now) >= site.workers:
            back = time.monotonic() - sent
            break
        time.sleep(0.05)
    clients.join()
    return Incident(label, out, back)


# ---------------------------------------------------------------------------------------------------
# Report


def _cells(f: dict | None) -> str:
    if not f:
        return f"{'':>8} {'':>8} {'':>8}"
    return f"{f['per_s']:8.1f} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f}"


def _bad(f: dict) -> str:
    """Answers other than 2xx and socket errors, when there were any."""
    bad = [f"{f['pending'] + f['other']} not 2xx"] if f["pending"] + f["other"] else []
    bad += [f"{f['socket_errors']} socket errors"] if f["socket_errors"] else []
    bad += [f"{f['timeouts']} timeouts"] if f["timeouts"] else []
    return ", ".join(bad) or "all 2xx"


def print_table(configs: list[Config]) -> None:
    print(f"\n  {'':<36} {'API (nearby search)':^26}   {'venue page':^26}")
    print(f"  {'':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
          f"   {'memory':>8}   answers")  # fmt: skip
    for c in configs:
        if c.missing:
            print(f"  {c.label:<36} {c.missing}")
            continue
        api, venue = c.figures.get("API"), c.figures.get("venue page")
        memory = f"{c.memory_mb:6.0f} MB" if c.memory_mb else f"{'':>9}"
        answers = "; ".join(f"{k}: {_bad(f)}" for k, f in c.figures.items())
        print(f"  {c.label:<36} {_cells(api)}   {_cells(venue)}   {memory}   {answers}")


def print_ratios(configs: list[Config], n: int) -> None:
    gpkg1, pg1, pgn, gpkgn = configs
    pairs = [(f"{n} workers / 1, GeoPackage", gpkgn, gpkg1), (f"{n} workers / 1, PostGIS", pgn, pg1),
             ("PostGIS / GeoPackage, 1 worker", pg1, gpkg1), (f"PostGIS / GeoPackage, {n} workers", pgn, gpkgn)]  # fmt: skip
    print(f"\n  {'Ratios':<36} {'API req/s':>10} {'API p99':>8}   {'page req/s':>10} {'page p99':>8}")
    for label, top, bottom in pairs:
        if top.missing or bottom.missing:
            print(f"  {label:<36} {'—':>10} {'—':>8}   {'—':>10} {'—':>8}")
            continue
        cells = []
        for name in ("API", "venue page"):
            t, b = top.figures[name], bottom.figures[name]
            cells.append(f"{t['per_s'] / b['per_s']:10.2f} {t['p99_ms'] / max(b['p99_ms'], 1e-9):8.2f}")
        print(f"  {label:<36} {cells[0]}   {cells[1]}")


def print_incidents(where: str, calm: dict, incidents: list[Incident]) -> None:
    print(f"\n  The API on {where}, under the same load\n")
    print(
        f"  {'':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}   {'requests':>8}   {'back after':>10}   answers"
    )
    rows = [("no incident (the row above)", calm, None)] + [
        (i.label, i.figures, i.back_after_s) for i in incidents
    ]
    for label, f, back in rows:
        back_text = f"{back:8.2f} s" if back is not None else f"{'—':>10}"
        print(f"  {label:<44} {_cells(f)}   {f['requests']:>8}   {back_text}   {_bad(f)}")


# ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"), help="the mirror folder")
    parser.add_argument(
        "--store", help="a GeoPackage built before (harvest, build, gaps); default: built now"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("INCLUSION_MAP_TEST_POSTGRES"),
        help="admin URL of a PostgreSQL server with PostGIS (default $INCLUSION_MAP_TEST_POSTGRES)",
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per measure")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="N (default: the CPUs)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s per measure, 20 connections")
    args = parser.parse_args()  # fmt: skip
    if args.quick:
        args.duration, args.connections = 3, 20
    if shutil.which("wrk") is None:
        print(INSTALL, file=sys.stderr)
        sys.exit(2)
    n = max(2, args.workers)
    data = Path(args.data).resolve()
    why_not_postgis = postgis_unavailable(args.postgres)
    configs = [Config("1. GeoPackage, 1 worker (waitress)", "gpkg", 1),
               Config("2. PostGIS, 1 worker (gunicorn)", "postgis", 1),
               Config(f"3. PostGIS, {n} workers (gunicorn)", "postgis", n),
               Config(f"4. GeoPackage, {n} workers (gunicorn)", "gpkg", n)]  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="workers-benchmark-") as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        built = Path(args.store).resolve() if args.store else build_store(tmp / "built", data)
        script = tmp / "count.lua"
        script.write_text(LUA)
        load = Load(args.duration, args.connections, args.wrk_threads, script)
        store_url = None
        if why_not_postgis:
            print(f"PostGIS rows: {why_not_postgis}.")
        else:
            from inclusion_map.store_copy import copy_store

            store_url = stack.enter_context(postgis_database(args.postgres))
            started = time.perf_counter()
            copy_store(built, store_url)
            print(f"Store copied to PostGIS in {time.perf_counter() - started:.1f} s.")

        # The venue page: the first venue the API finds, asked of a plain GeoPackage site.
        folder = fresh_folder(tmp, "probe", built)
        write_config(folder, data)
        probe = Site(folder, 1, gunicorn=False)
        try:
            first = json.loads(get(probe.base + API)[1])["features"][0]
        finally:
            probe.stop()
        urls = {"API": API, "venue page": f"/lieu/{quote(first['id'], safe='/')}"}
        print(f"\nwrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s per URL, "
              f"{os.cpu_count()} CPUs, N = {n}")  # fmt: skip
        for name, path in urls.items():
            print(f"  {name:<12} {path}")

        for i, config in enumerate(configs):
            if config.backend == "postgis" and why_not_postgis:
                config.missing = why_not_postgis
                continue
            print(f"\n{config.label}", flush=True)
            folder = fresh_folder(tmp, f"site-{i}", built if config.backend == "gpkg" else None)
            write_config(folder, data)
            url = store_url if config.backend == "postgis" else None
            try:
                site = Site(folder, config.workers, gunicorn=config.workers == 1 and url is not None,
                            store_url=url)  # fmt: skip
            except SiteFailed as exc:
                print(f"    {exc}\n{exc.tail}")
                config.missing = f"failed: {exc.tail.splitlines()[-1][:100] if exc.tail else exc}"
                continue
            try:
                measure(config, site, urls, load)
            except SiteFailed as exc:
                config.missing = f"failed: {exc}"
            finally:
                site.stop()

        # Incidents: PostGIS with N workers when it can be served, else the GeoPackage.
        target = configs[2] if not configs[2].missing else configs[3]
        incidents: list[Incident] = []
        if not target.missing:
            where = target.label.split(". ", 1)[1]
            for label, sig in ((f"one worker killed (SIGKILL) at {args.duration / 2:g} s", signal.SIGKILL),
                               (f"one worker stopped (SIGTERM) at {args.duration / 2:g} s", signal.SIGTERM)):  # fmt: skip
                print(f"\n{where}: {label}", flush=True)
                folder = fresh_folder(
                    tmp, f"incident-{sig.name}", built if target.backend == "gpkg" else None
                )
                write_config(folder, data)
                url = store_url if target.backend == "postgis" else None
                try:
                    site = Site(folder, target.workers, gunicorn=True, store_url=url)
                except SiteFailed as exc:
                    print(f"    {exc}\n{exc.tail}")
                    break
                try:
                    load.run(site.base + API, duration=min(3, args.duration))  # every worker warm
                    incidents.append(under_incident(site, load, label, sig))
                finally:
                    site.stop()

        print_table(configs)
        print_ratios(configs, n)
        if incidents:
            print_incidents(where, target.figures["API"], incidents)
        print("\n  memory: proportional set size of the server's processes after the load (shared pages once);"
              "\n  back after: until gunicorn answers again with N workers, the new one started.")  # fmt: skip


if __name__ == "__main__":
    main()
