"""The public site in a real browser (Playwright, Debian's Chromium), on the real data.

One store is harvested from the real files (offline mirror mode, read in place) and built once for
the module; one venue of Vitry-sur-Seine is renamed with HTML in its name (``<script>`` …) before the
app is created, to check that it always stays text. The app is served by waitress on a free loopback
port and one Chromium drives it for the whole module; each test opens its own context.

There is no internet: OpenStreetMap tiles are answered with an error by a route on every context,
which is what a visitor sees when the tile server is down (the list and the markers still work).

Screenshots of the main pages (desktop 1280 px, phone 360 px) are written to ``tests/artifacts/``.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():
    pytest.skip(f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium package",
                allow_module_level=True)  # fmt: skip
pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")
pytest.importorskip("axe_playwright_python", reason="the accessibility checks need axe-playwright-python")
waitress = pytest.importorskip("waitress", reason="the browser tests serve the app with waitress")

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from inclusion_map.locations import side_db  # noqa: E402
from inclusion_map.stores import open_store  # noqa: E402
from inclusion_map.web import create_app  # noqa: E402
from inclusion_map.web.reports_store import ReportStore  # noqa: E402
from tests.conftest import harvested_and_built  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]  # fmt: skip
TILES = re.compile(r"^https?://([a-z0-9-]+\.)*tile\.openstreetmap\.org/")
HOSTILE_NAME = 'POLES <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> & "Cie"'
VITRY = "Vitry-sur-Seine"
SERVICE = "Aide aux démarches administratives"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 300 * 1024  # bytes of HTML + CSS + JS
SLOW_3G_BUDGET_MS = 3000
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1024 / 8,
           "uploadThroughput": 400 * 1024 / 8}  # fmt: skip
FIGURES: dict[str, object] = {}  # measured figures, printed at the end of the module (pytest -s)

# Records the first animation frame (frames run just before a paint, and not before the render-blocking
# stylesheets are in) where the first result card has a box: the moment the list becomes visible.
LIST_PROBE = """
(() => {
  const tick = () => {
    const card = document.querySelector("ol.cards > li article.card");
    if (card) {
      const box = card.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && getComputedStyle(card).visibility !== "hidden") {
        window.__listVisibleAt = performance.now();
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


# --- the site ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, testdata):
    """The real store (harvested and built once), one venue renamed with HTML, served on a free port."""
    folder = tmp_path_factory.mktemp("browser")
    # The session's harvested and built store, copied (each module that uses this site has its own).
    settings = harvested_and_built(folder, testdata)
    store = open_store(settings.store_location)
    venues = store.read("venues")
    vitry = venues[venues["code_insee"] == "94081"].sort_values("id")
    assert len(vitry), "the real data holds venues in Vitry-sur-Seine"
    hostile = vitry.index[0]
    venues.loc[hostile, "nom"] = HOSTILE_NAME
    store.write("venues", venues, store.info("venues"))
    app = create_app(settings)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, name="waitress-browser-tests", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    # Warm the server's caches (venue index, communes), so that no browser figure counts their loading.
    with urllib.request.urlopen(f"{base}/?q={quote(VITRY)}", timeout=60) as response:
        assert response.status == 200
    yield {
        "base": base,
        "settings": settings,
        "hostile_id": str(venues.at[hostile, "id"]),
        "hostile_lonlat": (float(venues.at[hostile, "longitude"]), float(venues.at[hostile, "latitude"])),
    }
    server.close()
    thread.join(timeout=5)
    if FIGURES:
        print("\nbrowser figures:", *(f"  {k}: {v}" for k, v in FIGURES.items()), sep="\n")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, site):
    """Open browser contexts on the site (closed at teardown); tiles fail as they would offline."""
    opened = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "fr-FR")
        options.setdefault("timezone_id", "Europe/Paris")
        context = browser.new_context(base_url=site["base"], **options)
        context.set_default_timeout(15_000)
        context.route(TILES, lambda route: route.abort("internetdisconnected"))
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


# --- helpers -------------------------------------------------------------------------------------
def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def card_titles(page) -> list[str]:
    return page.locator("ol.cards > li article.card .card-title a").all_inner_texts()


def results_status(page) -> str:
    return page.locator("section.results p[role=status]").inner_text()


def wait_for_markers(page, timeout: float = 15_000) -> int:
    """Wait until the map shows markers or clusters loaded from the API; return how many."""
    markers = page.locator(".map-frame path.leaflet-interactive, .map-frame .marker-cluster")
    expect(markers.first).to_be_visible(timeout=timeout)
    return markers.count()


@contextmanager
def other_site(html: str):
    """Serve one HTML page from another origin (a second port on the loopback); yield its URL."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/aide"
    finally:
        server.shutdown()
        server.server_close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page, what: str) -> list[str]:
    """Run axe on the page; return 'rule (impact): targets' for each violation, serious ones first."""
    results = Axe().run(page)
    found = []
    for v in results.response["violations"]:
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:5])
        found.append(
            (v["impact"] in ("serious", "critical"), f"{v['id']} ({v['impact']}): {v['help']} → {targets}")
        )
    FIGURES[f"axe {what}"] = [text for _, text in found] or "no violation"
    return [text for serious, text in found if serious]


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


# --- search ---------------------------------------------------------------------------------------
def test_search_by_commune_name(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Aide numérique près de chez vous")
    page.fill("#q", VITRY)
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_url(re.compile(r"/\?q=Vitry-sur-Seine(&|$)"))
    expect(page.locator("#results-title")).to_have_text(f"Lieux près de {VITRY}")
    expect(page.locator("ol.cards > li").first).to_be_visible()
    assert re.fullmatch(r"\d+ lieu(x|\(x\))? à moins de 5 km", results_status(page)), results_status(page)
    cards = page.locator("ol.cards > li article.card")
    assert 1 <= cards.count() <= 20
    first = cards.first
    expect(first.locator(".card-title a")).to_have_attribute("href", re.compile(r"^/lieu/[^/]+$"))
    expect(first.locator(".status")).to_have_text(re.compile(r"\S"))
    # Venues placed only at their commune's centre say so instead of giving a distance.
    expect(first.locator(".distance")).to_have_text(
        re.compile(r"^(\d+(,\d)? k?m · \d+ min à pied|Placé au centre de la ville : distance pas exacte)$"))
    communes = page.locator("ol.cards .where").all_inner_texts()
    assert any(VITRY in c for c in communes), communes
    distances = [d for d in page.locator("ol.cards .distance").all_inner_texts() if "min à pied" in d]
    metres = [float(d.split(" ")[0].replace(",", ".")) * (1000 if " km" in d else 1) for d in distances]
    assert metres == sorted(metres), f"results are not sorted by distance: {distances}"
    expect(page).to_have_title(re.compile(f"^Lieux près de {VITRY}"))


def test_search_by_postcode(page):
    page.goto("/")
    page.fill("#q", "94400")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/\?q=94400(&|$)"))
    expect(page.locator("#results-title")).to_contain_text(VITRY)
    expect(page.locator("ol.cards > li").first).to_be_visible()
    assert any("94400" in w for w in page.locator("ol.cards .where").all_inner_texts())


def test_search_suggestions_come_from_the_api(page):
    page.goto("/")
    with page.expect_response(lambda r: "/api/places?" in r.url) as answer:
        page.locator("#q").press_sequentially("Athis", delay=20)
    assert answer.value.status == 200
    expect(page.locator("#q-suggestions option[value='Athis-Mons']")).to_have_count(1)


def test_unknown_place_says_so(page):
    response = page.goto("/?q=Xqzwv")
    assert response.status == 200
    expect(page.locator(".notice[role=alert]")).to_contain_text("Nous n'avons pas trouvé « Xqzwv »")
    expect(page.locator("ol.cards")).to_have_count(0)


def test_near_me_uses_the_browser_position(new_context):
    context = new_context(geolocation={"longitude": 2.392, "latitude": 48.787}, permissions=["geolocation"])
    page = context.new_page()
    page.goto("/")
    near = page.locator("#near-me")
    expect(near).to_be_visible()
    expect(near).to_have_text("Autour de moi")
    near.click()
    page.wait_for_url(re.compile(r"lon=2\.39200&lat=48\.78700"))
    expect(page.locator("#results-title")).to_have_text("Lieux près de Votre position")
    expect(page.locator("ol.cards > li").first).to_be_visible()
    assert "q" not in query(page.url)
    first = page.locator("ol.cards .distance").first.inner_text()
    assert re.match(r"^\d+ m · ", first), f"the nearest venue should be a few hundred metres away: {first}"


def test_near_me_refused_explains_what_to_do(new_context):
    page = new_context().new_page()  # no geolocation permission: the browser refuses the position
    page.goto("/")
    page.locator("#near-me").click()
    expect(page.locator("#near-me-status")).to_have_text(
        "Nous ne trouvons pas votre position. Écrivez une adresse ou le nom d'une ville."
    )
    assert urlsplit(page.url).query == ""


def test_filter_updates_the_url_and_back_restores_the_results(page):
    page.goto(f"/?q={VITRY}")
    before_titles, before_status = card_titles(page), results_status(page)
    before_url = page.url
    filters = page.locator("details.filters")
    expect(filters).not_to_have_attribute("open", "")
    filters.locator("summary").click()
    page.get_by_label(SERVICE, exact=True).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"service="))
    params = query(page.url)
    assert params["service"] == [SERVICE] and params["q"] == [VITRY] and params["rayon"] == ["5"]
    after_status = results_status(page)
    n_before, n_after = (int(s.split(" ")[0]) for s in (before_status, after_status))
    assert 0 < n_after < n_before, (before_status, after_status)
    # Applied, the filters fold away (the results come first) and stay chosen in the form.
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    expect(page.locator("details.filters summary")).to_have_text("Filtres (1)")
    expect(page.get_by_label(SERVICE, exact=True)).to_be_checked()
    filtered_titles = card_titles(page)
    assert filtered_titles != before_titles

    page.go_back()
    page.wait_for_url(before_url)
    assert card_titles(page) == before_titles
    assert results_status(page) == before_status
    expect(page.locator("details.filters summary")).to_have_text("Filtres")
    # Chromium restores the form as the visitor left it (box ticked) over the unfiltered list: noted, not tested
    FIGURES["back: service box ticked over the unfiltered list"] = page.get_by_label(
        SERVICE, exact=True
    ).is_checked()
    page.go_forward()
    page.wait_for_url(re.compile(r"service="))
    assert card_titles(page) == filtered_titles


def test_map_markers_come_from_the_api(page):
    calls = []
    page.on("response", lambda r: calls.append(r) if "/api/venues?" in r.url else None)
    page.goto(f"/?q={VITRY}")
    count = wait_for_markers(page)
    assert count >= 1
    assert calls and all(r.status == 200 for r in calls)
    params = query(calls[0].url)
    bbox = [float(x) for x in params["bbox"][0].split(",")]
    assert bbox[0] < 2.40 < bbox[2] and bbox[1] < 48.79 < bbox[3]
    # a click on a single marker (or a cluster, then a marker) opens a popup with a link to the venue
    circle = page.locator(".map-frame path.leaflet-interactive")
    if circle.count() == 0:
        page.locator(".map-frame .marker-cluster").first.click()
        expect(circle.first).to_be_visible()
    circle.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator("a")).to_have_attribute("href", re.compile(r"^/lieu/"))


# --- a venue -----------------------------------------------------------------------------------
def test_open_a_venue_from_the_results(page):
    page.goto(f"/?q={VITRY}")
    link = page.locator("ol.cards .card-title a").nth(1)
    name = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r"/lieu/[^/?]+$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main > p.status")).to_have_text(re.compile(r"\S"))
    for heading in ("Adresse", "Horaires", "Ce que le lieu propose", "D'où viennent ces informations",
                    "Signaler une erreur"):  # fmt: skip
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("section[aria-labelledby=src-title] li").first).to_be_visible()
    back = page.get_by_role("link", name="← Retour aux résultats")
    expect(back).to_have_attribute("href", re.compile(rf"\?q={VITRY}$"))
    back.click()
    page.wait_for_url(re.compile(rf"/\?q={VITRY}$"))
    expect(page.locator("ol.cards > li").first).to_be_visible()


def test_send_an_error_report_and_find_it_stored(page, site):
    page.goto(f"/?q={VITRY}")
    link = page.locator("ol.cards .card-title a").first
    venue_id = link.get_attribute("href").removeprefix("/lieu/")
    link.click()
    page.wait_for_url(f"**/lieu/{venue_id}")
    message = f"Les horaires du samedi sont faux (test navigateur {time.time_ns()})"
    page.select_option("#kind", "horaires")
    page.fill("#message", message)
    page.fill("#contact", "visiteur@example.org")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"merci=\d+#signaler$"))
    notice = page.locator(".notice.success")
    expect(notice).to_be_visible()
    number = int(re.search(r"numéro (\d+)", notice.inner_text()).group(1))
    assert query(page.url)["merci"] == [str(number)]
    stored = {r["id"]: r for r in ReportStore(side_db(site["settings"].store_location, "reports")).list()}
    assert number in stored, stored
    row = stored[number]
    assert (row["venue_id"], row["kind"], row["message"], row["contact"], row["lang"]) == (
        venue_id,
        "horaires",
        message,
        "visiteur@example.org",
        "fr",
    )


def test_a_report_without_message_is_stopped_by_the_browser(page, site):
    page.goto(f"/lieu/{site['hostile_id']}")
    store = ReportStore(side_db(site["settings"].store_location, "reports"))
    before = len(store.list())
    page.get_by_role("button", name="Envoyer").click()
    assert page.evaluate("document.querySelector('#message').validity.valueMissing")
    assert "merci" not in page.url and len(store.list()) == before


# --- presentation modes -------------------------------------------------------------------------
def test_print_view(page):
    response = page.goto(f"/?q={VITRY}")
    page.locator("#print-link").click()
    page.wait_for_url(re.compile(r"print=1"))
    assert response.status == 200
    expect(page.locator("ol.cards > li").first).to_be_visible()
    for absent in (".site-header", ".site-footer", "form.search", ".map-section", ".pager", "#print-link",
                   "script[src*='leaflet']", "script[src*='app.js']"):  # fmt: skip
        expect(page.locator(absent)).to_have_count(0)
    # the links of the printed list keep the print mode
    expect(page.locator("ol.cards .card-title a").first).to_have_attribute("href", re.compile(r"print=1"))


def test_print_stylesheet_hides_the_interactive_parts(page):
    page.goto(f"/?q={VITRY}")
    page.emulate_media(media="print")
    for hidden in (".site-header", "form.search", ".map-section", ".site-footer"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("ol.cards > li").first).to_be_visible()


def test_embed_view_and_its_headers(page):
    response = page.goto(f"/?q={VITRY}&embed=1")
    headers = response.headers
    assert response.status == 200
    assert "x-frame-options" not in headers
    assert "frame-ancestors *" in headers["content-security-policy"]
    expect(page.locator("body")).to_have_class(re.compile(r"\bembed\b"))
    expect(page.locator("main h1.compact")).to_have_count(1)  # a short title, for the page outline
    for absent in (".site-header", ".site-footer"):
        expect(page.locator(absent)).to_have_count(0)
    expect(page.locator("ol.cards > li").first).to_be_visible()
    expect(page.locator("form.search input[name=embed]")).to_have_value("1")
    expect(page.locator("ol.cards .card-title a").first).to_have_attribute("href", re.compile(r"embed=1"))
    wait_for_markers(page)
    # the normal page refuses frames
    normal = page.request.get(f"/?q={VITRY}")
    assert normal.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in normal.headers["content-security-policy"]


def test_embed_help_snippet_works_in_another_site(page, site):
    page.goto("/integrer")
    expect(page.locator("h1")).to_have_text("Mettre la carte sur votre site")
    page.select_option("#commune", label=VITRY)
    page.get_by_role("button", name="Voir le code").click()
    page.wait_for_url(re.compile(r"commune=94081"))
    snippet = page.locator("#snippet").input_value()
    assert snippet.startswith("<iframe ") and 'title="Aide numérique près de chez vous"' in snippet
    src = re.search(r'src="([^"]+)"', snippet).group(1)
    assert src.startswith(site["base"] + "/?") and query(src)["embed"] == ["1"] and query(src)["q"] == [VITRY]

    # paste the snippet into a page of another site: the framed list shows; the normal page is refused
    normal = f'<iframe id="normal" src="{site["base"]}/?q={quote(VITRY)}" title="normal"></iframe>'
    host = f"<!doctype html><html lang=fr><title>Mairie</title><h1>Mairie</h1>{snippet}{normal}</html>"
    # served by another origin on the loopback (a routed or public page would be stopped by Chromium's
    # local network access checks before it reaches the site)
    with other_site(host) as url:
        page.goto(url)
        framed = page.frame_locator("iframe[src*='embed=1']")
        expect(framed.locator("ol.cards > li").first).to_be_visible()
        expect(framed.locator(".site-header")).to_have_count(0)
        wait_for_markers(framed)
        blocked = page.frame_locator("#normal")
        expect(blocked.locator("ol.cards")).to_have_count(0)


def test_near_me_works_inside_the_embed_snippet(new_context):
    context = new_context(geolocation={"longitude": 2.392, "latitude": 48.787}, permissions=["geolocation"])
    page = context.new_page()
    page.goto("/integrer?commune=94081")
    snippet = page.locator("#snippet").input_value()
    with other_site(f"<!doctype html><html lang=fr><title>Mairie</title>{snippet}</html>") as url:
        page.goto(url)
        framed = page.frame_locator("iframe")
        framed.locator("#near-me").click()
        expect(framed.locator("#results-title")).to_have_text("Lieux près de Votre position", timeout=5000)


def test_language_switch_to_english_and_back(page):
    page.goto(f"/?q={VITRY}")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    switch = page.locator("header nav a[hreflang=en]")
    expect(switch).to_have_text("English")
    switch.click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert query(page.url)["q"] == [VITRY]
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#results-title")).to_have_text(f"Places near {VITRY}")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    expect(page.locator("ol.cards .distance").filter(has_text="min walk").first).to_be_visible()
    expect(page.locator("ol.cards .card-title a").first).to_have_attribute("href", re.compile(r"lang=en"))
    expect(page.locator("form.search input[name=lang]")).to_have_value("en")
    # a new search from the English page stays in English
    page.fill("#q", "94400")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"q=94400"))
    assert query(page.url)["lang"] == ["en"]
    expect(page.locator("#results-title")).to_contain_text("Places near")
    back = page.locator("header nav a[hreflang=fr]")
    expect(back).to_have_text("Français")
    back.click()
    page.wait_for_url(lambda url: "lang=" not in url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Chercher")).to_be_visible()
    expect(page.locator("#results-title")).to_contain_text("Lieux près de")


def test_list_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    expect(page.locator("#near-me")).to_be_hidden()
    page.fill("#q", VITRY)
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_url(re.compile(r"/\?q=Vitry-sur-Seine(&|$)"))
    expect(page.locator("ol.cards > li").first).to_be_visible()
    expect(page.locator("#near-me")).to_be_hidden()
    expect(page.locator(".map-frame path.leaflet-interactive")).to_have_count(0)
    # filters (native <details>) and the pager work too
    page.locator("details.filters summary").click()
    page.get_by_label(SERVICE, exact=True).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"service="))
    expect(page.locator("ol.cards > li").first).to_be_visible()
    page.goto(f"/?q={VITRY}&rayon=20")
    more = page.get_by_role("link", name="Voir plus de lieux")
    expect(more).to_be_visible()
    more.click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(page.locator("ol.cards")).to_have_attribute("start", "21")
    page.locator("ol.cards .card-title a").first.click()
    page.wait_for_url(re.compile(r"/lieu/"))
    expect(page.get_by_role("heading", name="Horaires")).to_be_visible()


@pytest.mark.parametrize(
    "path", ["/", f"/?q={VITRY}", f"/?q={VITRY}&service={SERVICE}", "/integrer?commune=94081"]
)
def test_phone_screen_has_no_horizontal_scrolling(new_context, path):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(path)
    expect(page.locator("#q" if path != "/integrer?commune=94081" else "#snippet")).to_be_visible()
    if "q=" in path:
        expect(page.locator("ol.cards > li").first).to_be_visible()
        wait_for_markers(page)
        frame = page.locator(".map-frame")
        expect(frame).to_be_visible()
        box = frame.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 200, box
        # the list comes first, the map after it
        assert page.locator("ol.cards").bounding_box()["y"] < box["y"]
    scroll_width, inner = no_horizontal_scroll(page)
    assert scroll_width <= PHONE["width"], f"{path}: page is {scroll_width} px wide on a {inner} px screen"


def test_phone_detail_page_has_no_horizontal_scrolling(new_context, site):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/?q={VITRY}")
    page.locator("ol.cards .card-title a").nth(2).click()
    page.wait_for_url(re.compile(r"/lieu/"))
    scroll_width, _ = no_horizontal_scroll(page)
    assert scroll_width <= PHONE["width"], f"the detail page is {scroll_width} px wide"


# --- security -----------------------------------------------------------------------------------
def test_a_venue_name_with_html_stays_text(page, site):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    lon, lat = site["hostile_lonlat"]
    page.goto(f"/?lon={lon}&lat={lat}&rayon=1")
    card = page.locator("ol.cards .card-title a", has_text="<script>")
    expect(card).to_have_count(1)
    assert card.inner_text() == HOSTILE_NAME
    assert page.locator("ol.cards script, ol.cards img").count() == 0
    # the map popup is built from the API with textContent
    wait_for_markers(page)
    popup_text = page.evaluate(
        """(name) => {
          const map = window.inclusionMap;
          let found = null;
          map.eachLayer(layer => {
            if (!layer.getLayers) return;
            layer.getLayers().forEach(m => {
              const content = m.getPopup && m.getPopup() && m.getPopup().getContent();
              if (content && content.textContent.includes(name)) found = content;
            });
          });
          return found && [found.querySelector('strong a').textContent, found.querySelectorAll('script, img').length];
        }""",
        HOSTILE_NAME,
    )
    assert popup_text == [HOSTILE_NAME, 0]
    page.goto(f"/lieu/{site['hostile_id']}")
    expect(page.locator("h1")).to_have_text(HOSTILE_NAME)
    assert page.title().startswith(HOSTILE_NAME)
    assert page.locator("main script, main img").count() == 0
    assert page.evaluate("window.__xss") is None and not dialogs


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/?lon=200&lat=1", 400, "La position donnée dans l'adresse de la page n'est pas valable."),
        ("/?rayon=99", 400, "La distance « 99 » n'est pas proposée. Choisissez 1, 2, 5, 10 ou 20 km."),
        ("/?service=Nope", 400, "Le choix « Nope » n'est pas dans la liste « Ce que vous voulez faire »."),
        ("/?page=99999", 400, "La page « 99999 » n'existe pas."),
        ("/lieu/nexiste-pas", 404, "Cette page n'existe pas"),
    ],
)
def test_bad_queries_show_a_message(page, path, status, text):
    response = page.goto(path)
    assert response.status == status
    expect(page.locator("main")).to_contain_text(text)
    expect(page.get_by_role("link", name="Accueil")).to_be_visible()


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/api/venues?bbox=1,2", "bbox"),
        ("/api/venues?radius=10000000&lon=2.39&lat=48.79", "radius"),
    ],
)
def test_bad_api_queries_answer_400_json(page, path, text):
    response = page.request.get(path)
    assert response.status == 400
    body = response.json()
    assert body["status"] == 400 and text in body["error"]


# --- accessibility -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/"),
        ("results", f"/?q={VITRY}"),
        ("results-filtered", f"/?q={VITRY}&service={SERVICE}&ouvert=maintenant"),
        ("detail", None),
        ("embed-help", "/integrer?commune=94081"),
        ("results-en", f"/?q={VITRY}&lang=en"),
        ("embed", f"/?q={VITRY}&embed=1"),
        ("error-400", "/?rayon=99"),
        ("error-404", "/lieu/nexiste-pas"),
    ],
)
def test_axe_finds_no_serious_violation(page, site, name, path):
    if path is None:
        page.goto(f"/?q={VITRY}")
        page.locator("ol.cards .card-title a").nth(1).click()
        page.wait_for_url(re.compile(r"/lieu/"))
    else:
        page.goto(path)
    if page.locator(".map-frame").count():
        wait_for_markers(page)
    serious = serious_violations(page, name)
    assert not serious, f"axe on {name} ({page.url}):\n" + "\n".join(serious)


# --- weight and speed ---------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "path"), [("home", "/"), ("results", f"/?q={VITRY}")])
def test_page_weight(page, name, path):
    sizes: dict[str, int] = {}

    def count(response):
        if response.request.resource_type in ("document", "stylesheet", "script") and not TILES.match(
            response.url
        ):
            sizes[response.url] = len(response.body())

    page.on("response", count)
    page.goto(path, wait_until="networkidle")
    total = sum(sizes.values())
    detail = ", ".join(f"{urlsplit(u).path.rsplit('/', 1)[-1] or '/'}={s}" for u, s in sizes.items())
    FIGURES[f"weight {name}"] = f"{total} bytes ({total / 1024:.1f} KB): {detail}"
    assert any(urlsplit(u).path.endswith("site.css") for u in sizes)
    assert total < PAGE_BUDGET, f"{name} weighs {total / 1024:.1f} KB (HTML+CSS+JS): {detail}"


def test_results_visible_within_3_s_on_slow_3g(new_context):
    context = new_context()
    page = context.new_page()
    page.add_init_script(LIST_PROBE)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    started = time.perf_counter()
    page.goto(f"/?q={VITRY}", wait_until="commit", timeout=60_000)
    page.wait_for_function("() => window.__listVisibleAt !== undefined", timeout=60_000, polling=50)
    wall_ms = (time.perf_counter() - started) * 1000  # an upper bound: adds the test's own round trips
    page.wait_for_load_state("load", timeout=60_000)
    figures = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {list: window.__listVisibleAt, fcp: fcp ? fcp.startTime : null, html: nav.responseEnd,
                  size: nav.transferSize, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
        }"""
    )
    summary = (f"list visible {figures['list']:.0f} ms after navigation start (wall clock ≤ {wall_ms:.0f} ms; "
               f"first contentful paint {figures['fcp'] or float('nan'):.0f} ms, HTML received at "
               f"{figures['html']:.0f} ms [{figures['size']} B], DOMContentLoaded {figures['dcl']:.0f} ms, "
               f"load {figures['load']:.0f} ms)")  # fmt: skip
    FIGURES["slow 3G"] = summary
    assert figures["list"] <= SLOW_3G_BUDGET_MS, f"slow 3G: {summary}"


# --- screenshots ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("device", "options"), [
    ("desktop", {"viewport": DESKTOP}),
    ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}),
])  # fmt: skip
def test_screenshots_of_the_main_pages(new_context, site, device, options):
    page = new_context(**options).new_page()
    shots = {
        "home": "/",
        "results": f"/?q={VITRY}",
        "results-filters": f"/?q={VITRY}&service={SERVICE}&rayon=10",
        "results-en": f"/?q={VITRY}&lang=en",
        "print": f"/?q={VITRY}&print=1",
        "embed": f"/?q={VITRY}&embed=1",
        "embed-help": "/integrer?commune=94081",
        "error": "/?rayon=99",
        "detail-html-name": f"/lieu/{site['hostile_id']}?merci=1",
    }
    for name, path in shots.items():
        page.goto(path)
        if page.locator(".map-frame").count():
            wait_for_markers(page)
        screenshot(page, f"{name}-{device}")
    page.goto(f"/?q={VITRY}")
    page.locator("ol.cards .card-title a").first.click()
    page.wait_for_url(re.compile(r"/lieu/"))
    screenshot(page, f"detail-{device}")
    assert len(list(ARTIFACTS.glob(f"*-{device}.png"))) >= len(shots) + 1


# --- zoom and keyboard ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", f"/?q={VITRY}", "/couverture", "/qualite"])
def test_200_percent_zoom_reflows(new_context, path):
    """A 1280-px window at 200 % zoom is a 640-px CSS viewport: nothing may scroll sideways."""
    page = new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2).new_page()
    page.goto(path)
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{path} scrolls sideways at 200 % zoom ({width} px)"


def test_keyboard_skip_link_and_focus(page):
    page.goto(f"/?q={VITRY}")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0  # shown when focused
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused control has no visible outline"


# --- results first on a phone, forgiving search, paper ----------------------------------------------
def first_card_in_first_screen(page) -> tuple[float, float, float]:
    """(top, bottom) of the first result card and the viewport's height, as the person sees them."""
    return page.evaluate("""() => {
        const box = document.querySelector("ol.cards > li article.card").getBoundingClientRect();
        return [box.top, box.bottom, window.innerHeight];
    }""")


def test_after_a_search_on_a_phone_the_first_result_is_on_the_first_screen(new_context):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/")
    page.fill("#q", VITRY)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#resultats$"))
    top, bottom, height = first_card_in_first_screen(page)
    assert top >= 0 and bottom <= height, (top, bottom, height)
    # The keyboard and screen-reader focus are on the result count.
    assert page.evaluate("document.activeElement.className") == "results-count"
    assert page.locator("#results-title").bounding_box()["y"] >= 0  # the title stays in view
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finder-phone-after-search.png"))  # the first screen only


def test_after_applying_a_filter_on_a_phone_the_filters_fold_and_the_result_shows(new_context):
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"/?q={VITRY}")
    page.locator("details.filters > summary").click()
    page.get_by_label("Gratuit seulement").check()
    page.locator("#rayon").select_option("2")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"gratuit=1.*#resultats$"))
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    expect(page.locator(".active-filters")).to_contain_text("gratuit, à moins de 2 km")
    top, bottom, height = first_card_in_first_screen(page)
    assert top >= 0 and bottom <= height, (top, bottom, height)
    page.screenshot(path=str(ARTIFACTS / "finder-phone-after-filters.png"))  # the first screen only
    # « modifier » opens the filters again, where they were.
    page.get_by_role("link", name="modifier").click()
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    expect(page.get_by_label("Gratuit seulement")).to_be_checked()


def test_on_a_phone_the_map_comes_after_the_list_and_day_names_stay_whole(new_context):
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"/?q={VITRY}")
    list_top = page.locator("ol.cards").bounding_box()["y"]
    assert page.locator(".map-section").bounding_box()["y"] > list_top
    page.locator("ol.cards .card-title a").first.click()
    rows = page.locator("table.week th")
    if rows.count():
        heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('table.week th')).lineHeight)")
        assert max(heights) < 2 * line + 10, heights  # one line each: « Dimanche » never breaks


def test_a_typo_and_a_place_outside_get_their_answers(page):
    page.goto("/")
    page.fill("#q", "Atis-Mons")
    page.keyboard.press("Enter")
    expect(page.locator("#results-title")).to_have_text("Lieux près de Athis-Mons")
    expect(page.locator(".notice[role=status]")).to_contain_text("Vous avez écrit « Atis-Mons »")
    page.fill("#q", "Paris")
    page.keyboard.press("Enter")
    alert = page.locator(".notice[role=alert]")
    expect(alert).to_contain_text("Paris n'est pas dans le territoire couvert (Grand-Orly Seine Bièvre).")
    alert.get_by_role("link").first.click()
    expect(page.locator("#results-title")).to_contain_text("Lieux près de")
    assert not serious_violations(page, "results after an outside place")


@pytest.mark.parametrize(("count", "pages"), [(5, 1), (10, 2)])
def test_the_printed_list_fits_a4_with_phones_and_hours(page, tmp_path, count, pages):
    from pypdf import PdfReader

    page.goto(f"/?q={VITRY}&rayon=10")
    page.locator("#print-link" if count == 5 else "p.actions a >> nth=1").click()
    page.wait_for_url(re.compile(rf"nombre={count}"))
    expect(page.locator("ol.cards > li")).to_have_count(count)
    pdf = tmp_path / "list.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    reader = PdfReader(str(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    FIGURES[f"printed list of {count}"] = f"{len(reader.pages)} A4 page(s)"
    assert len(reader.pages) == pages, len(reader.pages)
    assert "Liste imprimée le" in text and "demain" not in text
    phones = len(re.findall(r"Appeler\s: 0\d( \d\d){4}", text)) + text.count("Pas de téléphone connu.")
    assert phones == count, text
    assert re.search(r"(Lundi|Mardi)( – \w+)? ?\n?.*\d+h", text)  # the week's hours
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"printed-list-{count}.pdf").write_bytes(pdf.read_bytes())
