"""`python run.py` on a fresh machine: with an empty store it harvests (here from the mirror folder
of real files) and builds the layers, then serves the site with waitress."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests
import yaml

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path, **changes):
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data.update(root=str(ROOT), store={"path": str(tmp_path / "store.gpkg"), "reports_dir": str(tmp_path / "r")},
                geocoding={"enabled": False}, http={"cache_dir": str(tmp_path / "http")},
                dedupe={"decisions_file": str(tmp_path / "d.csv"), "review_file": str(tmp_path / "rv.csv")},
                **changes)  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def serve(args: list[str], port: int, timeout_s: float = 120):
    process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args, "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return process, requests.get(f"http://127.0.0.1:{port}/?q=Orly", timeout=5)
        except requests.ConnectionError:
            if process.poll() is not None:
                break
            time.sleep(0.5)
    process.kill()
    raise AssertionError(f"the site did not start:\n{process.communicate()[0]}")


def test_run_py_harvests_an_empty_store_then_serves(tmp_path, testdata):
    config = write_config(tmp_path)
    process, page = serve(["--config", str(config), "--mirror", str(testdata)], free_port())
    try:
        assert page.status_code == 200 and "Lieux près de Orly" in page.text and 'class="card"' in page.text
        assert page.headers["Server"] == "inclusion_map"  # waitress, not the development server
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "The store is empty" in output and "Serving on http://127.0.0.1:" in output
    assert "Gap analysis written: 24 zones" in output


def test_run_py_serves_even_when_nothing_can_be_harvested(tmp_path, testdata):
    empty_mirror = tmp_path / "empty-mirror"
    empty_mirror.mkdir()
    config = write_config(tmp_path)
    process, page = serve(["--config", str(config), "--mirror", str(empty_mirror)], free_port())
    try:
        assert page.status_code == 200 and "python run.py harvest" in page.text
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "Nothing could be harvested" in output or "failed" in output
