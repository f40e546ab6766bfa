"""Every public page and export of a large territory, end to end offline: the whole country
(``kind: france``, 10 km grid) and the Rhône (``kind: departement``, code 69, 3 km grid).

Each store is harvested from the real venue archives of the test data folder (the national files
of ``VENUE_FILES`` in ``tests/conftest.py``, geocoding off), built from the national COG 2026
commune list, the EPCI list, the 2018 commune contours one file per département
(``geo/communes-2018/``) and the national commune indicators (``stats/batch8/``), then analysed
(gaps); all read in place, nothing written into the repository. Pages are asked through Flask's
test client, uncompressed, and must answer with the territory's name, counts that match the
store, and a size that does not grow with the number of communes (35,000 for France).

The whole country takes about two minutes more (its harvest, build and report): it runs with
``INCLUSION_MAP_NATIONAL=1``, which ``python benchmarks/national_pages_benchmark.py`` sets; the
default suite checks the Rhône (1.9 million people, 267 communes).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile

import pyogrio
import pytest

from inclusion_map.gaps.analysis import GapOptions
from inclusion_map.gaps.output import run_gaps
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from inclusion_map.web import create_app
from tests.test_national_build import national_settings

KB = 1024
#: no page of a large territory should weigh more than this (France made a 290 MB report page)
PAGE_MAX = 600 * KB
REPORT_MAX = (
    8 * 1024 * KB
)  # four maps and charts inlined twice (wide and phone), as images beyond 2,000 zones


def _site(folder, testdata, territory: dict, grid_m: float, monkeypatch_env=None):
    settings = national_settings(folder, testdata, territory)
    settings = settings.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": grid_m})
    run_harvest(settings)
    run_build(settings)
    run_gaps(settings, GapOptions())
    return settings


@pytest.fixture(scope="module")
def france(tmp_path_factory, testdata):
    settings = _site(tmp_path_factory.mktemp("france-pages"), testdata, {"kind": "france", "name": "France"},
                     10_000.0)  # fmt: skip
    return settings, _client(settings)


@pytest.fixture(scope="module")
def rhone(tmp_path_factory, testdata):
    settings = _site(tmp_path_factory.mktemp("rhone-pages"), testdata,
                     {"kind": "departement", "code": "69", "name": "Rhône"}, 3_000.0)  # fmt: skip
    return settings, _client(settings)


def _client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(autouse=True)
def _uncompressed(monkeypatch):
    monkeypatch.setenv("INCLUSION_MAP_COMPRESS", "0")


def _get(client, url: str, status: int = 200, limit: int = PAGE_MAX):
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code, answer.get_data(as_text=True)[:300])
    assert len(answer.data) <= limit, (url, len(answer.data))
    return answer


def _store(settings):
    return open_store(settings.store_location)


#: the whole country's pages belong with the benchmarks (see the module's docstring)
SITES = ["france", "rhone"] if os.environ.get("INCLUSION_MAP_NATIONAL") == "1" else ["rhone"]


@pytest.fixture(params=SITES)
def site(request):
    return request.getfixturevalue(request.param)


NAMES = {"France": ("France", "Lyon", "69123"), "Rhône": ("Rhône", "Villeurbanne", "69266")}


def _names(settings):
    return NAMES[settings.territory.name]


def test_the_store_holds_the_territory(site):
    settings, _ = site
    store = _store(settings)
    communes = store.read("communes", columns=["code", "departement"])
    venues = pyogrio.read_info(settings.store_path, layer="venues")["features"]
    if settings.territory.kind == "france":
        assert len(communes) > 34_900 and venues > 9_000
    else:
        assert set(communes["departement"]) == {"69"} and 250 < len(communes) < 300 and 100 < venues < 2_000
    assert store.meta()["communes"]["territory"] == settings.territory.name


def test_finder_names_the_territory_and_finds_a_commune(site):
    settings, client = site
    name, town, code = _names(settings)
    shapes = _store(settings).read("communes", columns=["code"]).geometry
    communes = int(shapes.notna().sum())  # the finder covers the communes that have a contour
    home = _get(client, "/").get_data(as_text=True)
    assert name in home
    assert (
        re.search(r"\b" + f"{communes:,}".replace(",", r"[\s\u202f\u00a0,]?") + r"\b", home)
        or str(communes) in home
    )
    assert "covered-list" not in home  # no list of hundreds of communes on the first page
    found = _get(client, f"/?q={town}").get_data(as_text=True)
    assert town in found and 'href="/lieu/' in found
    assert re.search(
        r"Informations anciennes \((janvier|février|décembre) 202[23]\)", found
    )  # the records' age


def test_venue_page_and_api(site):
    settings, client = site
    _, town, code = _names(settings)
    venues = _get(client, f"/api/venues?insee={code}&limit=100").get_json()
    assert venues["total"] > 0 and all(f["geometry"] for f in venues["features"])
    first = venues["features"][0]
    page = _get(client, first["properties"]["url"]).get_data(as_text=True)
    assert first["properties"]["nom"].split()[0] in page
    assert _get(client, f"/api/venues/{first['id']}").get_json()["id"] == first["id"]
    places = _get(client, f"/api/places?q={town}").get_json()
    assert places[0]["code_insee"] == code
    layers = {layer["name"]: layer for layer in _get(client, "/api/layers").get_json()["layers"]} \
        if isinstance(_get(client, "/api/layers").get_json(), dict) else None  # fmt: skip
    assert layers is None or "communes" in layers
    assert _get(client, "/api/openapi.json").get_json()["openapi"].startswith("3")


def test_orientation(site):
    settings, client = site
    _, town, _ = _names(settings)
    assert "orientation" in _get(client, "/orientation").get_data(as_text=True).lower()
    answer = _get(client, f"/orientation/lieux?q={town}").get_data(as_text=True)
    assert town in answer


def test_coverage_page(site):
    settings, client = site
    answer = client.get("/couverture")
    if answer.status_code == 503:  # the analysis view is prepared in the background at first
        answer = client.get("/couverture")
    for _ in range(60):
        if answer.status_code != 503:
            break
        import time

        time.sleep(1)
        answer = client.get("/couverture")
    assert answer.status_code == 200 and len(answer.data) <= PAGE_MAX
    venues = pyogrio.read_info(settings.store_path, layer="venues")["features"]
    assert str(venues) in answer.get_data(as_text=True).replace("\u202f", "").replace(" ", "")


def test_report_is_bounded_and_names_the_territory(site):
    settings, client = site
    name, town, code = _names(settings)
    page = _get(client, "/rapport", limit=REPORT_MAX).get_data(as_text=True)
    assert f"<h1>{name}</h1>" in page
    communes = len(_store(settings).read("communes", columns=["code"]))
    assert page.count("<option") < 10  # no drop-down of every commune: a field
    assert 'name="commune" type="text"' in page
    assert page.count("<tr") < 2 * 150 + 10 + 40  # two tables cut at 150 rows, the priorities, the sources
    assert "communes.csv" in page and "gaps.csv" in page
    assert "moisson du" in page and "archives" in page  # the venue data's age and origin
    assert "Seules les 40 communes au taux le plus élevé sont dessinées" in page  # the bar chart says it is cut
    if settings.territory.kind == "france":
        return  # a commune's report of France draws the same maps again: checked on the Rhône
    one = _get(client, f"/rapport?commune={town}", limit=REPORT_MAX).get_data(as_text=True)
    assert f"<h1>{town}</h1>" in one and "code INSEE</span>" not in one and code in one
    assert communes > 150


def test_exports_and_embed_pages_stay_small(site):
    settings, client = site
    _, town, code = _names(settings)
    exports = _get(client, "/exports").get_data(as_text=True)
    assert exports.count("<option") < 20 and "communes.gpkg" in exports
    chosen = _get(client, f"/exports?commune={town}").get_data(as_text=True)
    assert f"commune={code}" in chosen
    embed = _get(client, f"/integrer?commune={town}").get_data(as_text=True)
    assert embed.count("<option") < 20 and "&lt;iframe" in embed
    assert _get(client, "/qualite").status_code == 200


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "shp.zip", "fgb"])
def test_every_export_format_of_one_commune(site, fmt):
    settings, client = site
    _, _, code = _names(settings)
    for layer in ("venues", "communes", "gaps"):
        answer = _get(client, f"/exports/{layer}.{fmt}?commune={code}", limit=20 * 1024 * KB)
        body = answer.data
        assert len(body) > 100
        if fmt == "geojson":
            features = json.loads(body)["features"]
            assert features and all(code in json.dumps(f["properties"]) for f in features)
        elif fmt == "shp.zip":
            assert any(n.endswith(".shp") for n in zipfile.ZipFile(io.BytesIO(body)).namelist())
    meta = _get(client, f"/exports/venues.{fmt}.meta.json?commune={code}").get_json()
    assert meta


def test_whole_layers_download(site):
    settings, client = site
    communes = len(_store(settings).read("communes", columns=["code"]))
    answer = _get(client, "/exports/communes.csv", limit=200 * 1024 * KB)
    assert answer.get_data(as_text=True).count("\n") >= communes
    venues = pyogrio.read_info(settings.store_path, layer="venues")["features"]
    geojson = _get(client, "/exports/venues.geojson", limit=200 * 1024 * KB).get_json()
    assert len(geojson["features"]) == venues


def test_ogc_api_features(site):
    settings, client = site
    _, _, code = _names(settings)
    collections = _get(client, "/ogc/collections").get_json()["collections"]
    assert {"venues", "communes"} <= {c["id"] for c in collections}
    items = _get(client, "/ogc/collections/communes/items?limit=10").get_json()
    assert len(items["features"]) == 10
    assert items["numberMatched"] == len(_store(settings).read("communes", columns=["code"]))
    for name in ("venues", "gaps", "gap_grid"):
        assert _get(client, f"/ogc/collections/{name}/items?limit=5").get_json()["features"]


def test_pdf_report_of_one_commune(rhone):
    settings, client = rhone
    for _ in range(120):
        answer = client.get("/rapport.pdf?commune=69266")
        if answer.status_code != 503:
            break
        import time

        time.sleep(0.5)
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
