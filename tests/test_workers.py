"""`python run.py serve --workers 2`: gunicorn's worker processes answer on one socket, and when one
dies the other keeps answering while gunicorn starts a new one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.conftest import ROOT, harvested_and_built
from tests.test_serve import free_port

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the workers are found in /proc")


def write_config(folder: Path, testdata: Path, url: str | None = None) -> Path:
    """A config.yaml that reads the store of ``harvested_and_built`` (as ``mirror_settings`` makes it;
    ``url``: its PostGIS database, when the suite runs on PostGIS)."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config.update(root=str(ROOT), mirror=str(testdata),
                  store={"path": str(folder / "store.gpkg"), "reports_dir": str(folder / "reports"), "url": url},
                  geocoding={"enabled": False}, http={"cache_dir": str(folder / "http")},
                  dedupe={"decisions_file": str(folder / "decisions.csv"), "review_file": str(folder / "review.csv")},
                  coverage={"reference_week": "2026-11-30"})  # fmt: skip
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def workers(pid: int) -> set[int]:
    """The child processes of ``pid``: gunicorn's workers."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s:g} s: {what}")


def answering_pid(base: str) -> int:
    """The worker that answered ``/healthz`` (a new connection each time: any worker may take it)."""
    answer = requests.get(f"{base}/healthz", timeout=10)
    assert answer.status_code == 200
    return answer.json()["pid"]


def test_two_workers_share_the_socket_and_survive_a_killed_worker(tmp_path, testdata):
    folder = tmp_path / "site"
    settings = harvested_and_built(folder, testdata)
    config = write_config(folder, testdata, settings.store.url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--config", str(config),
                                "--port", str(port), "--workers", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        wait_for(lambda: len(workers(process.pid)) == 2 and _up(base), 120, "two workers answering")
        first = workers(process.pid)
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200  # the store is read

        seen = set()
        for _ in range(400):  # the kernel hands each new connection to whichever worker takes it first
            seen.add(answering_pid(base))
            if len(seen) == 2:
                break
        assert seen == first  # both workers answer, and only they do (not the parent)

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        nearby = f"{base}/api/venues?lon=2.39&lat=48.79&radius=2000"
        for _ in range(20):  # the other worker answers at once: no request is lost
            assert answering_pid(base) != victim
            answer = requests.get(nearby, timeout=30)
            assert answer.status_code == 200 and answer.json()["features"]
        wait_for(lambda: len(workers(process.pid)) == 2 and victim not in workers(process.pid), 30,
                 "a new worker in place of the killed one")  # fmt: skip
        assert requests.get(nearby, timeout=30).status_code == 200
    finally:
        process.terminate()  # gunicorn's parent: a graceful stop of every worker
        output = process.communicate(timeout=60)[0]
    assert "with gunicorn, 2 workers" in output
    assert "The store is empty" not in output  # built before: nothing harvested, in no process
    assert process.returncode == 0, output


def _up(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still starting
        return False
