"""/couverture on the real data (offline mirror): options in the URL, priority table sorted,
suggestions and scenario shown, layers served simplified by URL, bad options a clear 400."""

from __future__ import annotations

import re
from html import unescape

import pytest

from inclusion_map.geo.build import run_build
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.web import create_app
from tests.conftest import mirror_settings


@pytest.fixture(scope="module")
def client(tmp_path_factory, testdata):
    settings = mirror_settings(tmp_path_factory.mktemp("coverage"), testdata)
    run_harvest(settings)
    run_build(settings)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


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
