"""WCAG 2.1 AA and page-weight defects found by a manual review, each reproduced here without a
browser (the browser checks are in ``tests/test_browser_wcag.py``), on a store harvested, built and
analysed offline from the real files:

- language of parts (3.1.2): Leaflet's controls in the page's language and a metric scale only;
  ``/qualite`` in French (statuses, rejected rows' problems, messages) and without any path of
  the server's disk; ``/couverture`` in English (reasons, slots, population basis) with the
  sub-territories' names marked as French;
- keyboard (2.1.1): each row of the ``/couverture`` table has a real button;
- non-text contrast (1.4.11) and size of the report's charts on a phone;
- weight and caching: compressed answers (brotli, gzip) that leave downloads and security headers
  intact, versioned static addresses kept a year, ``/couverture`` under 300 KB compressed.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import urlsplit

import brotli
import pytest

from inclusion_map.gaps.output import run_gaps
from inclusion_map.web import create_app, quality, security
from inclusion_map.web.mapview import results_map
from tests.conftest import harvested_and_built

ENCODINGS = {"br": brotli.decompress, "gzip": gzip.decompress}
SVG = "{http://www.w3.org/2000/svg}"
PHONE_CHART_PX = 360 - 32  # a 360-px screen less the page's margins (1 rem each side)


@pytest.fixture(scope="module")
def settings(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("wcag"), testdata)
    run_gaps(settings)  # the report needs the gap layers
    return settings


@pytest.fixture(scope="module")
def client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html) + re.findall(r'"(/static/[^"]+)"', html)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- language of parts (3.1.2) -------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "zoom_in", "zoom_out", "title"), [
    ("fr", "Zoom avant", "Zoom arrière", "une bibliothèque JavaScript de cartes interactives"),
    ("en", "Zoom in", "Zoom out", "a JavaScript library for interactive maps"),
])  # fmt: skip
def test_leaflet_controls_speak_the_page_language_and_metric(lang, zoom_in, zoom_out, title):
    script = str(results_map(2.39, 48.79, 13, lang=lang).script)
    # Leaflet's own zoom control (English titles) and its scale (feet and miles) are not added…
    assert '"zoomControl": false' in script and "L.control.scale()" not in script
    # … but ours, in the page's language, with metres only.
    assert f'"map_zoom_in": "{zoom_in}"' in script and f'"map_zoom_out": "{zoom_out}"' in script
    assert "zoomInTitle: texts.map_zoom_in" in script and "L.control.scale({ imperial: false" in script
    assert "setPrefix(" in script and title in script
    assert "A JavaScript library" not in script if lang == "fr" else True


def test_every_page_map_is_in_the_page_language(client):
    html = html_of(client, "/?q=Vitry-sur-Seine")
    assert '"map_zoom_in": "Zoom avant"' in html and "imperial: false" in html
    english = html_of(client, "/couverture?lang=en")
    assert '"map_zoom_in": "Zoom in"' in english and '"map_cluster_many": "{n} places — zoom in"' in english


def test_quality_page_in_french_without_server_paths(client, settings, testdata):
    html = html_of(client, "/qualite")
    sources = html.split('id="sources"', 1)[1].split("</section>", 1)[0]
    rejections = html.split('id="rejets"', 1)[1].split("</section>", 1)[0]
    # statuses, problems and messages in French; none of the harvest's English left unmarked
    assert "<td>réussie</td>" in sources and "<td>échec</td>" in sources
    assert not re.search(r"<td>(ok|failed|skipped)</td>", sources)
    assert "valeur obligatoire manquante" in rejections and "required value missing" not in rejections
    assert "identifiant en double dans la source (vu d'abord à la ligne" in rejections
    assert "aucun fichier de cette source dans le dossier miroir" in sources
    # no path of the server's disk: neither the mirror folder nor the store's
    for path in (str(testdata), str(settings.store_path.parent)):
        assert path not in html
    english = html_of(client, "/qualite?lang=en")
    assert "<td>succeeded</td>" in english and "required value missing" in english
    assert str(testdata) not in english and "no file of this source in the mirror folder" in english


@pytest.mark.parametrize(("text", "expected"), [
    ("read /srv/inclusion/data/venues/fs.csv: bad header", "read fs.csv: bad header"),
    ("no mirror file in /srv/inclusion/data (see docs)", "no mirror file in dossier du serveur (see docs)"),
    ("C:\\data\\mirror\\fs.csv is empty", "fs.csv is empty"),
    ("https://example.org/api/v1/lieux answered 404", "https://example.org/api/v1/lieux answered 404"),
    ("rows 12/40 rejected", "rows 12/40 rejected"),
])  # fmt: skip
def test_public_text_removes_server_paths_only(text, expected):
    assert quality.public_text(text, "fr") == expected


def test_unknown_english_message_is_marked_as_english():
    assert quality.problem_text("something new", "fr") == ("something new", "en")
    assert quality.problem_text("something new", "en") == ("something new", None)
    assert quality.message_text("the source returned no rows", "fr") == (
        "la source n'a renvoyé aucune ligne",
        None,
    )


def test_coverage_in_english_with_french_proper_names(client):
    html = html_of(client, "/couverture?lang=en&creneau=samedi-matin")
    table = html.split('id="priorites-title"', 1)[1].split("</table>", 1)[0]
    visible = text_of(table)
    for french in (
        "Fragilité",
        "accessibilité",
        "h d'aide",
        "lieu le plus proche",
        "des habitants à plus de",
    ):
        assert french not in visible, french
    assert re.search(
        r"Very high fragility \(\d+\); very low access \([\d.]+ h of help a week per 1,000", visible
    )
    assert "nearest venue" in visible and "min walk" in visible
    form = html.split("<form", 1)[1].split("</form>", 1)[0]
    assert '<option value="cispd-sud"  lang="fr">Six communes du sud' in form or re.search(
        r'<option value="cispd-sud"[^>]* lang="fr">', form)  # fmt: skip
    assert "Saturday morning (Saturday, 09:00 to 12:00)" in form and "samedi-matin (" not in form
    intro = text_of(html.split("<form", 1)[0])
    assert "population de la commune" not in intro and "assumed spread evenly" in intro
    assert "Slot: Saturday, 09:00 to 12:00," in text_of(html)
    layer = client.get("/couverture/zones.geojson?lang=en&creneau=samedi-matin").get_json()
    reasons = [f["properties"]["reason"] for f in layer["features"]]
    assert reasons and not any("Fragilité" in r or " des habitants" in r for r in reasons)
    # The French page keeps the analysis' own words.
    french = text_of(html_of(client, "/couverture?creneau=samedi-matin"))
    assert "Fragilité" in french and "Créneau samedi de 09:00 à 12:00 :" in french


# --- keyboard (2.1.1) ------------------------------------------------------------------------------
def test_each_priority_row_has_a_real_button(client):
    html = client.get("/couverture").get_data(as_text=True)
    rows = re.findall(r'<tr data-zone="(\d{5})">(.*?)</tr>', html, flags=re.S)
    assert len(rows) == 24
    for code, row in rows:
        assert re.search(rf'<button type="button" class="secondary zone-zoom" data-zone="{code}" data-bounds="[-0-9.,]+">Voir<span '
                         r'class="visually-hidden"> [^<]+</span> sur la carte</button>', row), code  # fmt: skip
    # shown only when scripts run (without them the map is not there to zoom)
    assert html.count("data-needs-js hidden") == 25


# --- the report's charts on a phone and their marks (1.4.3, 1.4.11) ----------------------------------
def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def over_white(colour: str, opacity: float) -> str:
    """The colour seen when ``colour`` at ``opacity`` is drawn over white."""
    channels = [round(opacity * int(colour[i : i + 2], 16) + (1 - opacity) * 255) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in channels)


def svgs(html: str, variant: str) -> list[ET.Element]:
    found = re.findall(rf"<svg\b[^>]*report-chart-{variant}[^>]*>.*?</svg>", html, flags=re.S)
    return [ET.fromstring(svg) for svg in found]


def test_phone_charts_write_labels_at_least_11_px(client):
    html = client.get("/rapport").get_data(as_text=True)
    narrow, wide = svgs(html, "narrow"), svgs(html, "wide")
    assert len(narrow) == len(wide) == 4
    for svg in narrow:
        scale = PHONE_CHART_PX / float(svg.get("viewBox").split()[2])
        sizes = [float(t.get("font-size", "0").rstrip("px")) * scale for t in svg.iter(f"{SVG}text")]
        assert sizes and min(sizes) >= 11, (svg.get("aria-label")[:40], min(sizes))
    # The wide figure, shrunk to a phone, would not do (what the phone got before).
    scale = PHONE_CHART_PX / float(wide[0].get("viewBox").split()[2])
    assert min(float(t.get("font-size").rstrip("px")) for t in wide[0].iter(f"{SVG}text")) * scale < 8
    css = client.get("/static/css/report.css").get_data(as_text=True)
    assert ".report-chart-narrow { display: none; }" in css and "max-width: 47.99rem" in css


def test_scatter_marks_contrast_3_to_1_with_the_background(client):
    html = client.get("/rapport").get_data(as_text=True)
    charts = re.findall(r'<svg\b[^>]*class="report-chart[^"]*"[^>]*>.*?</svg>', html, flags=re.S)
    scatters = [ET.fromstring(svg) for svg in charts if 'aria-label="Nuage de points' in svg]
    assert scatters  # the wide one, and the phone's
    for svg in scatters:
        # the dots: curved paths (circles) clipped to the plot, with a fill
        marks = [p for p in svg.iter(f"{SVG}path") if p.get("clip-path") and " C " in p.get("d", "")
                 and p.get("fill", "none").startswith("#")]  # fmt: skip
        assert len(marks) >= 20
        for mark in marks:
            seen = over_white(mark.get("fill"), float(mark.get("fill-opacity", "1")))
            assert contrast(seen, "#ffffff") >= 3, (mark.get("fill"), mark.get("fill-opacity"))


# --- compression and caching ------------------------------------------------------------------------
def test_static_urls_are_versioned_and_kept_a_year(client):
    html = client.get("/?q=Vitry-sur-Seine").get_data(as_text=True)
    urls = [unescape(u) for u in static_urls(html)]
    assert len(urls) >= 6 and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        # the security headers stay
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    plain = client.get(urlsplit(urls[0]).path)
    assert plain.headers["Cache-Control"] == "public, max-age=300"
    stale = client.get(urlsplit(urls[0]).path + "?v=000000000000")
    assert stale.headers["Cache-Control"] == "public, max-age=300"
    # A changed file gets a new version.
    assert security.static_version(client.application.static_folder, "js/app.js") == re.search(
        r"js/app\.js\?v=(\w+)", html).group(1)  # fmt: skip


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_compressed_answers_decompress_to_the_same_bytes(client, encoding):
    decompress = ENCODINGS[encoding]
    headers = {"Accept-Encoding": encoding}
    for url in ("/static/vendor/leaflet.js", "/couverture/grille.geojson", "/api/venues?lon=2.39&lat=48.79&radius=5000",
                "/api/layers/communes?limit=30"):  # fmt: skip
        plain = client.get(url)
        packed = client.get(url, headers=headers)
        assert packed.headers["Content-Encoding"] == encoding, url
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert decompress(packed.get_data()) == plain.get_data(), url
        assert len(packed.get_data()) < len(plain.get_data()) / 3, url
    # A GeoJSON download (dated: its bytes change by the second) stays a download, compressed.
    export = client.get("/exports/venues.geojson", headers=headers)
    assert export.headers["Content-Encoding"] == encoding and export.headers[
        "Content-Disposition"
    ].startswith("attachment")
    assert b'"FeatureCollection"' in decompress(export.get_data())
    page = client.get("/couverture", headers=headers)
    assert page.headers["Content-Encoding"] == encoding
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        assert header in page.headers, header
    assert "nonce-" in page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in decompress(page.get_data()).decode()


def test_downloads_head_and_revalidation_are_unchanged(client):
    headers = {"Accept-Encoding": "br, gzip"}
    for url, kind in (
        ("/exports/venues.gpkg", "application/geopackage+sqlite3"),
        ("/exports/venues.shp.zip", None),
    ):
        packed = client.get(url, headers=headers)
        # sent as they are (a GeoPackage is written anew at each request: its bytes vary, so its size is checked)
        assert packed.status_code == 200 and "Content-Encoding" not in packed.headers, url
        assert int(packed.headers["Content-Length"]) == len(packed.get_data()) > 1000
        assert packed.headers["Content-Disposition"].startswith("attachment")
        assert kind is None or packed.mimetype == kind
    head = client.head("/static/vendor/leaflet.js", headers=headers)
    assert head.status_code == 200 and head.headers["Content-Encoding"] == "br" and head.get_data() == b""
    first = client.get("/static/vendor/leaflet.js", headers=headers)
    again = client.get(
        "/static/vendor/leaflet.js", headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_compression_can_be_switched_off(settings, monkeypatch):
    monkeypatch.setenv("INCLUSION_MAP_COMPRESS", "0")
    app = create_app(settings)
    response = app.test_client().get("/static/vendor/leaflet.js", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers and len(response.get_data()) > 140_000


def test_gap_map_weighs_under_300_kb_compressed(client):
    """Everything /couverture loads from the site (tiles aside), as a browser asks for it."""
    headers = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    page = client.get("/couverture", headers=headers)
    html = brotli.decompress(page.get_data()).decode()
    layers = json.loads(unescape(re.search(r'data-layers="([^"]+)"', html).group(1)))
    # The grid comes as tiles; the zones and the venues of a territory come whole.
    assert layers["zones_min_zoom"] == 0 and layers["venues_min_zoom"] == 0 and "{z}/{x}/{y}.png" in layers["grid_tiles"]
    urls = [unescape(u) for u in static_urls(html)] + [layers["zones"], layers["venues"]]
    sizes = {"/couverture": len(page.get_data())}
    raw = {"/couverture": len(html.encode())}
    for url in dict.fromkeys(urls):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        sizes[url] = len(response.get_data())
        raw[url] = len(client.get(url).get_data())
    total, before = sum(sizes.values()), sum(raw.values())
    assert before > 2 * total  # compressed
    assert total < 300 * 1024, {u: s for u, s in sizes.items()}


def test_print_mode_and_pdf_still_read_the_versioned_stylesheets(client):
    html = client.get("/rapport?print=1").get_data(as_text=True)
    assert re.search(r'href="/static/css/report\.css\?v=[0-9a-f]{12}"', html)
    # WeasyPrint reads /static/… from the folder: the version is a query it ignores.
    from inclusion_map.web.report import static_fetcher

    fetch = static_fetcher("http://localhost/", "/static", client.application.static_folder)
    assert b"report-chart-narrow" in fetch.fetch("http://localhost/static/css/report.css?v=abc").read()
