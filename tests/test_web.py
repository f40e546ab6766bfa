"""The public site through Flask's test client, on a store harvested and built from the real files
(offline mirror mode): search, filters in the URL, detail, error reports, security, bad queries."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from inclusion_map.web.reports_store import ReportStore
from tests.conftest import harvested_and_built, mirror_settings

DEMARCHES = "Aide aux démarches administratives"


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("web"), testdata)


@pytest.fixture
def settings(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


@pytest.fixture
def client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def cards(html: str) -> list[str]:
    return re.findall(r'<a href="/lieu/([^"?]+)[^"]*">', html)


def test_search_by_commune_name_and_postcode(client):
    by_name = client.get("/?q=vitry-sur-seine")
    by_code = client.get("/?q=94400")
    assert by_name.status_code == by_code.status_code == 200
    html = by_name.get_data(as_text=True)
    assert "Lieux près de Vitry-sur-Seine" in html and len(cards(html)) == 20
    assert cards(html) == cards(by_code.get_data(as_text=True))
    assert re.search(r"\d+ min à pied", html) and "lieux à moins de 5 km" in html


def test_results_are_sorted_by_distance_and_paged(client):
    html = client.get("/?lon=2.392&lat=48.787&rayon=10").get_data(as_text=True)
    distances = [float(d.replace(",", ".")) * (1000 if unit == "km" else 1)
                 for d, unit in re.findall(r'class="distance">([\d,]+) (k?m)', html)]  # fmt: skip
    # Venues placed only at their commune's centre show no distance ("Placé au centre de la ville").
    assert distances == sorted(distances) and len(distances) + html.count("Placé au centre de la ville") == 20
    page2 = client.get("/?lon=2.392&lat=48.787&rayon=10&page=2").get_data(as_text=True)
    assert not set(cards(html)) & set(cards(page2)) and 'start="21"' in page2


def test_filters_live_in_the_url(client):
    html = client.get(f"/?q=Vitry-sur-Seine&service={DEMARCHES}&label=France+Services").get_data(as_text=True)
    assert "France Services" in html and 'value="France Services" checked' in html
    assert f'value="{DEMARCHES}" checked' in html
    for venue in cards(html):
        record = client.get(f"/api/venues/{venue}").get_json()["record"]
        assert DEMARCHES in record["services"] and "France Services" in record["dispositif_programmes_nationaux"]


def test_detail_page(client):
    venue = cards(client.get("/?q=Vitry-sur-Seine&label=France+Services").get_data(as_text=True))[0]
    html = unescape(client.get(f"/lieu/{venue}").get_data(as_text=True))
    for text in ("Adresse", "Itinéraire", "Horaires", "Lundi", "Ce que le lieu propose", "D'où viennent ces informations",
                 "Liste des France services", "Signaler une erreur", 'href="tel:+33'):
        assert text in html, text
    assert client.get("/lieu/no-such-place").status_code == 404


def test_english_pages(client):
    html = client.get("/?q=Vitry-sur-Seine&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Places near Vitry-sur-Seine" in html and "min walk" in html
    assert 'href="/?q=Vitry-sur-Seine"' in html  # the switch back to French keeps the search
    assert "lang=en" in re.search(r'<a href="(/lieu/[^"]+)"', html).group(1)


def test_unknown_place_and_choices(client):
    html = unescape(client.get("/?q=Marseille").get_data(as_text=True))
    assert "Marseille n'est pas dans le territoire couvert (Grand-Orly Seine Bièvre)." in html
    html = client.get("/?q=Villeneuve").get_data(as_text=True)
    assert "Plusieurs villes ont ce nom" in html and "Villeneuve-Saint-Georges" in html


@pytest.mark.parametrize("query", ["/?lon=200&lat=1", "/?lon=2.3", "/?rayon=99", "/?service=Nope", "/?page=99999",
                                   "/?ouvert=demain", "/?jour=9", "/?heure=25:00", "/?label=%3Cscript%3E"])  # fmt: skip
def test_bad_queries_get_a_clear_400(client, query):
    response = client.get(query)
    assert response.status_code == 400
    assert "Nous ne comprenons pas cette demande" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["bbox=1,2", "lon=2.39&lat=48.79&radius=10000000", "lon=999&lat=0", "limit=100000",
                                   "offset=-1", "service=Nope", "open_at=mardi", "bogus=1", "lon=2.3"])  # fmt: skip
def test_api_bad_queries_are_400_json(client, query):
    response = client.get(f"/api/venues?{query}")
    assert response.status_code == 400 and response.get_json()["error"]


def test_api_bbox_geojson_and_paging(client):
    body = client.get("/api/venues?bbox=2.30,48.70,2.50,48.85&limit=5").get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 5 and body["total"] > 5
    feature = body["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    assert 2.30 <= lon <= 2.50 and 48.70 <= lat <= 48.85
    assert feature["properties"]["url"].startswith("/lieu/") and feature["properties"]["status"]
    nxt = client.get(body["next"]).get_json()
    assert nxt["offset"] == 5 and not {f["id"] for f in nxt["features"]} & {f["id"] for f in body["features"]}
    assert client.get("/api/venues?bbox=2.30,48.70,2.50,48.85").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/places?q=944").get_json()[0]["kind"] == "postcode"


def test_security_headers_and_embed(client):
    page = client.get("/?q=Orly")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff" and "script-src 'self' 'nonce-" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)  # every inline script is allowed by nonce
    embed = client.get("/?q=Orly&embed=1")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"] and "X-Frame-Options" not in embed.headers
    html = embed.get_data(as_text=True)
    assert "site-header" not in html and "embed=1" in re.search(r'<a href="(/lieu/[^"]+)"', html).group(1)
    snippet = client.get("/integrer?commune=94054").get_data(as_text=True)
    assert "&lt;iframe src=&#34;http://localhost/?q=Orly&amp;embed=1" in snippet


def test_print_views(client):
    html = client.get("/?q=Orly&print=1").get_data(as_text=True)
    assert 'class=" printing"' in html or "printing" in html
    assert "<form" not in html and "map-section" not in html and len(cards(html)) > 0


def test_names_from_open_data_stay_text(settings, client):
    store = open_store(settings.store_location)
    venues = store.read("venues")
    venues.loc[0, "nom"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    store.write("venues", venues, store.info("venues"))
    html = client.get(f"/lieu/{venues.loc[0, 'id']}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def _form(client, venue):
    html = client.get(f"/lieu/{venue}").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_error_report_is_stored_and_protected(settings, client):
    venue = cards(client.get("/?q=Orly").get_data(as_text=True))[0]
    token = _form(client, venue)
    sent = client.post(f"/lieu/{venue}/signaler", data={"csrf": token, "kind": "horaires",
                                                         "message": "Fermé le samedi <b>depuis</b> mars", "contact": ""})  # fmt: skip
    assert sent.status_code == 302 and "merci=1" in sent.headers["Location"]
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Votre signalement est enregistré (numéro 1)" in thanks
    stored = ReportStore(side_db(settings.store_location, "reports")).list()
    assert stored[0]["venue_id"] == venue and stored[0]["message"] == "Fermé le samedi <b>depuis</b> mars"
    # No token, a wrong token, a bad kind, a too long message: refused, nothing stored.
    for data in ({"kind": "horaires", "message": "abc"}, {"csrf": "x", "kind": "horaires", "message": "abc"},
                 {"csrf": token, "kind": "nope", "message": "abc"}, {"csrf": token, "kind": "autre", "message": "x" * 2001}):
        assert client.post(f"/lieu/{venue}/signaler", data=data).status_code == 400
    # The spam trap: accepted silently, not stored.
    trap = client.post(f"/lieu/{venue}/signaler", data={"csrf": token, "kind": "autre", "message": "buy now",
                                                        "site": "http://spam"})  # fmt: skip
    assert trap.status_code == 302 and len(ReportStore(side_db(settings.store_location, "reports")).list()) == 1
    # The rate limit: 5 reports an hour from one address.
    for _ in range(4):
        client.post(f"/lieu/{venue}/signaler", data={"csrf": token, "kind": "autre", "message": "encore"})
    assert client.post(f"/lieu/{venue}/signaler", data={"csrf": token, "kind": "autre", "message": "de trop"}
                       ).status_code == 429  # fmt: skip
    assert len(ReportStore(side_db(settings.store_location, "reports")).list()) == 5


def test_reports_survive_a_new_harvest(settings, client):
    venue = cards(client.get("/?q=Orly").get_data(as_text=True))[0]
    token = _form(client, venue)
    client.post(f"/lieu/{venue}/signaler", data={"csrf": token, "kind": "autre", "message": "à vérifier"})
    run_harvest(settings)  # replaces the GeoPackage
    assert ReportStore(side_db(settings.store_location, "reports")).list()[0]["message"] == "à vérifier"


def test_empty_store_says_what_to_do(tmp_path, testdata):
    app = create_app(mirror_settings(tmp_path, testdata, "empty.gpkg"))
    html = unescape(app.test_client().get("/?q=Orly").get_data(as_text=True))
    assert "Le site n'a pas encore la liste des lieux" in html and "python run.py harvest" in html


def test_address_search_through_the_geocoder(settings, geocoder_server):
    """The SYNTHETIC Géoplateforme stand-in (tests/conftest.py) answers {base}/search for an address
    in Vitry-sur-Seine: the home page searches around it, /api/places suggests it."""
    from inclusion_map.web import places

    places._DOWN_UNTIL[0] = 0.0
    base = geocoder_server.url_for("/geocodage")
    client = create_app(settings.with_overrides(geocoding={"enabled": True, "url": base})).test_client()
    html = client.get("/?q=12 rue Germain Pinson 94400 Vitry").get_data(as_text=True)
    assert "Lieux près de 12 rue Germain Pinson 94400 Vitry-sur-Seine" in html and len(cards(html)) == 20
    searches = geocoder_server.geocoder.searches
    assert searches[0] == {"q": "12 rue Germain Pinson 94400 Vitry", "index": "address", "limit": "1",
                           "autocomplete": "0"}  # fmt: skip
    suggestions = client.get("/api/places?q=12 rue Germain 94400").get_json()
    assert suggestions[0]["kind"] == "address" and suggestions[0]["code_insee"] == "94081"
    assert (searches[1]["limit"], searches[1]["autocomplete"]) == ("5", "1")


def test_address_search_outside_the_territory_is_not_used(settings, geocoder_server):
    """An address the stand-in places outside the territory (Paris, SYNTHETIC) is not searched around."""
    from inclusion_map.web import places

    places._DOWN_UNTIL[0] = 0.0
    base = geocoder_server.url_for("/geocodage")
    client = create_app(settings.with_overrides(geocoding={"enabled": True, "url": base})).test_client()
    html = unescape(client.get("/?q=10 rue Nationale 75013 Paris").get_data(as_text=True))
    assert geocoder_server.geocoder.searches and "Lieux près de" not in html
    assert client.get("/api/places?q=10 rue Nationale 75013").get_json() == []


def test_address_search_when_the_geocoder_is_down(settings):
    from inclusion_map.web import places

    places._DOWN_UNTIL[0] = 0.0
    down = settings.with_overrides(geocoding={"enabled": True, "url": "http://127.0.0.1:9/geocodage"})
    html = unescape(create_app(down).test_client().get("/?q=12 rue de la Paix").get_data(as_text=True))
    assert "La recherche d'une adresse ne marche pas pour le moment." in html
    assert places._DOWN_UNTIL[0] > 0  # the next minute's pages do not ask again
    places._DOWN_UNTIL[0] = 0.0
