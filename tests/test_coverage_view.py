"""/couverture on the real data (offline mirror): options in the URL, priority table sorted,
suggestions and scenario shown, layers served simplified by URL, bad options a clear 400; analyses
run once per options and store version, at most ``server.analysis_workers`` at a time, « en
préparation » when one takes too long."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from html import unescape

import pytest

from inclusion_map.web import coverage_view, create_app
from tests.conftest import at_once, harvested_and_built, mirror_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("coverage"), testdata)
    return settings


def make_client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(scope="module")
def client(settings):
    return make_client(settings)


def ranks(html: str) -> list[str]:
    return re.findall(r'<tr data-zone="(\d{5})"><td>(\d+|—)</td>', html)


def test_priority_table_and_level(client):
    html = unescape(client.get("/couverture").get_data(as_text=True))
    assert "Niveau d'analyse : <strong>commune</strong>" in html and "estimation" in html
    rows = ranks(html)
    assert [r for _, r in rows] == [str(i) for i in range(1, 25)]
    by_population = unescape(client.get("/couverture?tri=population&ordre=desc").get_data(as_text=True))
    assert ranks(by_population)[0][0] == "94081"  # Vitry-sur-Seine, the most populated commune
    assert 'aria-sort="descending"' in by_population


def test_suggestions_scenario_and_slot(client):
    html = unescape(client.get("/couverture?sites=3&creneau=samedi-matin&ajouter=2.35,48.70").get_data(as_text=True))
    assert "Où ouvrir de nouveaux lieux" in html and html.count("<tr><td>") >= 3
    assert "Scénario" in html and "Habitants au-delà du seuil" in html
    assert "Créneau samedi de 09:00 à 12:00" in html
    sites = re.search(r'data-sites="([^"]+)"', html).group(1)
    assert sites.startswith("[[1,")


def test_layers_by_url_simplified(client):
    zones = client.get("/couverture/zones.geojson?seuil=20").get_json()
    assert len(zones["features"]) == 24 and {"fragility_class", "rank", "reason"} <= set(zones["features"][0]["properties"])
    grid = client.get("/couverture/grille.geojson").get_json()
    assert grid["features"] and not any(f["properties"]["within"] for f in grid["features"])
    assert "Vitry" not in client.get("/couverture").get_data(as_text=True).split("data-zones")[0][-200:]


@pytest.mark.parametrize("query", ["seuil=99", "creneau=zz", "ajouter=2,45", "tri=x", "sites=50", "service=Nope",
                                   "zone=nord", "fermer=no-such-id", "ajouter=abc"])  # fmt: skip
def test_bad_options_are_400(client, query):
    assert client.get(f"/couverture?{query}").status_code == 400
    assert client.get(f"/couverture/zones.geojson?{query}").status_code in (200, 400)  # tri is for the page only


class CountingAnalyses:
    """Wraps the real analysis: counts the runs and the most at the same time, each made slower."""

    def __init__(self, seconds: float = 0.3):
        self.real, self.seconds, self.runs, self.running, self.most = coverage_view.analyse, seconds, 0, 0, 0
        self.lock = threading.Lock()

    def __call__(self, settings, options):
        with self.lock:
            self.runs += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.seconds)
            return self.real(settings, options)
        finally:
            with self.lock:
                self.running -= 1


def test_same_options_at_once_run_one_analysis(settings, monkeypatch):
    analyses = CountingAnalyses()
    monkeypatch.setattr(coverage_view, "analyse", analyses)
    client = make_client(settings)
    answers = at_once(client, ["/couverture?seuil=20&sites=2"] * 10)
    assert [a.status_code for a in answers] == [200] * 10 and analyses.runs == 1
    assert len({re.sub(r'nonce="[^"]+"', "", a.get_data(as_text=True)) for a in answers}) == 1
    # Then from the cache: the page, another order of its table, and its layers.
    for url in ("/couverture?seuil=20&sites=2", "/couverture?seuil=20&sites=2&tri=population",
                "/couverture/zones.geojson?seuil=20&sites=2", "/couverture/grille.geojson?seuil=20&sites=2"):
        assert client.get(url).status_code == 200
    assert analyses.runs == 1


def test_analyses_run_at_most_analysis_workers_at_a_time(settings, monkeypatch):
    analyses = CountingAnalyses(seconds=0.5)
    monkeypatch.setattr(coverage_view, "analyse", analyses)
    client = make_client(settings)
    answers = at_once(client, [f"/couverture?seuil={s}" for s in (10, 15, 20, 30)] * 2)
    assert [a.status_code for a in answers] == [200] * 8
    assert analyses.runs == 4 and analyses.most == settings.server.analysis_workers == 2


def test_new_store_version_analyses_again(settings, testdata, tmp_path, monkeypatch):
    shutil.copy(settings.store_path, tmp_path / "store.gpkg")
    own = mirror_settings(tmp_path, testdata)
    analyses = CountingAnalyses(seconds=0)
    monkeypatch.setattr(coverage_view, "analyse", analyses)
    client = make_client(own)
    assert client.get("/couverture").status_code == 200 and client.get("/couverture").status_code == 200
    assert analyses.runs == 1
    stat = own.store_path.stat()
    os.utime(own.store_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new harvest
    assert client.get("/couverture").status_code == 200 and analyses.runs == 2


@pytest.mark.parametrize("lang, title", [("fr", "L'analyse est en préparation"),
                                         ("en", "The analysis is being prepared")])  # fmt: skip
def test_long_analysis_is_being_prepared_in_the_page_language(settings, monkeypatch, lang, title):
    monkeypatch.setattr(coverage_view, "analyse", CountingAnalyses(seconds=1.5))
    monkeypatch.setattr(coverage_view, "WAIT_S", 0.1)
    client = make_client(settings)
    query = "?sites=1" + ("&lang=en" if lang == "en" else "")
    response = client.get(f"/couverture{query}")
    html = unescape(response.get_data(as_text=True))
    wait = response.headers["Retry-After"]
    assert response.status_code == 503 and wait.isdigit() and 1 <= int(wait) <= 60
    assert f'<html lang="{lang}">' in html and f"<h1>{title}</h1>" in html
    assert f'<meta http-equiv="refresh" content="{wait}">' in html and f'href="/couverture{query}"' in html
    layer = client.get(f"/couverture/zones.geojson{query}")
    assert layer.status_code == 503 and layer.headers["Retry-After"].isdigit()
    assert layer.get_json()["retry_after"] == int(layer.headers["Retry-After"])
    time.sleep(2)
    assert client.get(f"/couverture{query}").status_code == 200
    assert client.get(f"/couverture/zones.geojson{query}").status_code == 200
