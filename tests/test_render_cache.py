"""Pages and slow work kept per store version (``inclusion_map.web.render_cache``): the home page
with a search rendered once per URL, store version and minute, served again with each response's
own nonce, never shared with a visitor who has a session nor when the geocoder answered; the
bounded job pool (once per key, a wait that runs out, failures not kept, bounded queue and
memory); the results map rendered once per zoom and identical to Folium's."""

from __future__ import annotations

import os
import re
import shutil
import threading
from datetime import datetime

import pytest

from inclusion_map.web import create_app, mapview, public, render_cache
from inclusion_map.web.render_cache import NONCE, Jobs, Pending
from tests.conftest import harvested_and_built, mirror_settings

SEARCH = "/?q=Vitry-sur-Seine"


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("render-cache"), testdata)
    return settings


@pytest.fixture
def settings(built, testdata, tmp_path):
    """A copy of the store in its own folder (its version can change without touching the others)."""
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


class Renders:
    """Counts the templates rendered (the real rendering goes on)."""

    def __init__(self):
        self.real, self.names = render_cache.render_template, []

    def __call__(self, name, **context):
        self.names.append(name)
        return self.real(name, **context)


@pytest.fixture
def renders(monkeypatch):
    counter = Renders()
    monkeypatch.setattr(render_cache, "render_template", counter)
    return counter


@pytest.fixture
def clock(monkeypatch):
    now = [datetime(2026, 12, 1, 10, 0, 5)]  # a Tuesday morning
    monkeypatch.setattr(public, "now_local", lambda: now[0])
    return now


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_home_search_is_rendered_once_per_url_store_version_and_minute(settings, renders, clock):
    client = create_app(settings).test_client()
    first, second = client.get(SEARCH), client.get(SEARCH)
    assert first.status_code == second.status_code == 200 and renders.names == ["home.html"]
    # Each response has its own nonce, in its header and its scripts; the placeholder never shows.
    for response in (first, second):
        html = response.get_data(as_text=True)
        assert f'<script nonce="{nonce_of(response)}">' in html and NONCE not in html
    assert nonce_of(first) != nonce_of(second)
    assert first.get_data(as_text=True).replace(nonce_of(first), "") == \
        second.get_data(as_text=True).replace(nonce_of(second), "")  # fmt: skip
    assert "Vitry-sur-Seine" in first.get_data(as_text=True) and 'class="card"' in first.get_data(as_text=True)
    clock[0] = datetime(2026, 12, 1, 10, 0, 55)
    assert client.get(SEARCH).status_code == 200 and len(renders.names) == 1  # the same minute
    clock[0] = datetime(2026, 12, 1, 10, 1, 0)
    assert client.get(SEARCH).status_code == 200 and len(renders.names) == 2  # opening hours may change
    assert client.get(SEARCH + "&rayon=2").status_code == 200 and len(renders.names) == 3  # another URL
    stat = settings.store_path.stat()
    os.utime(settings.store_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new harvest
    assert client.get(SEARCH).status_code == 200 and len(renders.names) == 4


def test_visitors_with_a_session_get_their_own_page(settings, renders, clock):
    client = create_app(settings).test_client()
    assert client.get(SEARCH).status_code == 200 and len(renders.names) == 1
    client.set_cookie("session", "anything")  # an organiser's login, a form's token
    assert client.get(SEARCH).status_code == 200 and client.get(SEARCH).status_code == 200
    assert len(renders.names) == 3
    client.delete_cookie("session")
    assert client.get(SEARCH).status_code == 200 and len(renders.names) == 3


def test_answers_of_the_geocoder_are_not_kept(settings, renders, clock, monkeypatch):
    asked = []
    monkeypatch.setattr(public, "address_search", lambda query, settings: asked.append(query) or [])
    client = create_app(settings.with_overrides(geocoding={"enabled": True})).test_client()
    for _ in range(2):
        html = client.get("/?q=12 rue de la Paix").get_data(as_text=True)
        assert "12 rue de la Paix" in html
    assert len(asked) == 2 and len(renders.names) == 2


def test_jobs_answer_pending_then_ready_and_run_once_per_key():
    jobs, release, runs = Jobs("test", workers=1, typical_s=2), threading.Event(), []

    def compute():
        runs.append(1)
        release.wait(5)
        return "done"

    with pytest.raises(Pending) as pending:
        jobs.result("key", compute, wait_s=0.05)
    assert 2 <= pending.value.retry_after <= 60
    with pytest.raises(Pending):
        jobs.result("key", compute, wait_s=0)
    release.set()
    assert jobs.result("key", compute, wait_s=5) == "done" and jobs.result("key", compute, wait_s=0) == "done"
    assert len(runs) == 1 == jobs.started


def test_jobs_forget_failures_and_bound_queue_and_memory():
    jobs = Jobs("test", workers=1, typical_s=1, keep=2, queue=2)
    fail = [False, True]  # the first run fails, the second works

    def flaky():
        if fail.pop():
            raise ValueError("broken")
        return 42

    with pytest.raises(ValueError):
        jobs.result("a", flaky, wait_s=5)
    assert jobs.result("a", flaky, wait_s=5) == 42 and jobs.started == 2  # asked again after a failure
    for key in ("b", "c"):
        jobs.result(key, lambda k=key: k, wait_s=5)
    assert jobs.result("a", lambda: "again", wait_s=5) == "again"  # only the last 2 answers are kept
    release = threading.Event()
    started = jobs.started
    for key in ("x", "y"):
        jobs.submit(key, lambda: release.wait(5))
    with pytest.raises(Pending):  # 2 waiting or running already: a third key is refused, not queued
        jobs.submit("z", lambda: None)
    assert jobs.started == started + 2
    release.set()
    jobs.wait()


def test_results_map_is_folium_map_with_its_centre():
    ids = re.compile(r"(map|tile_layer)_[0-9a-f]{32}")
    for lon, lat, zoom in ((2.39, 48.79, 14), (2.4012345, 48.7654321, 13), (55.45, -20.88, 12)):
        ours = mapview.results_map(lon, lat, zoom)
        html, script, _ = mapview._folium_map(lon, lat, zoom, "fr")
        assert ids.sub("ID", ours.script) == ids.sub("ID", script) and ids.sub("ID", ours.html) == ids.sub("ID", html)
        assert f"center: [{lat}, {lon}]" in ours.script
    assert mapview.results_map(2.0, 48.0).name == mapview.results_map(2.5, 48.5).name  # built once per zoom
