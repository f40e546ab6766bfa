"""The WCAG 2.1 AA fixes of the maps, the gap map, the report and the static files, in a real browser
(Playwright, Debian's Chromium) on the real data, at 360 and 1280 px: Leaflet's controls in the
page's language with a metric scale, Space on the map's buttons, clusters readable and named, the
gap map's rows operable from the keyboard, legends that keep their colours in forced-colours
mode, no empty map box without JavaScript, the report's charts readable on a phone, and a repeat
visit that takes the static files from the browser's cache. Screenshots go to ``tests/artifacts/``.
"""

from __future__ import annotations

import re

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP,
    PHONE,
    TILES,
    VITRY,
    browser,
    expect,
    new_context,
    page,
    screenshot,
    serious_violations,
    site,
    wait_for_markers,
)

# The luminance of a CSS colour and the contrast of two (WCAG 2.1), computed in the page.
CONTRAST = """
([fg, bg]) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


@pytest.fixture(scope="module", autouse=True)
def analysed(site):
    """The gap layers, which the report needs."""
    from inclusion_map.gaps.output import run_gaps

    run_gaps(site["settings"])


def phone(new_context, **options):
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options).new_page()


def wait_for_zones(page) -> None:
    expect(page.locator(".map-frame path.leaflet-interactive").first).to_be_visible()


# --- language of parts (3.1.2) ---------------------------------------------------------------------
@pytest.mark.parametrize(("lang", "zoom_in", "zoom_out", "leaflet", "close"), [
    ("fr", "Zoom avant", "Zoom arrière", "Leaflet, une bibliothèque JavaScript de cartes interactives", "Fermer la bulle"),
    ("en", "Zoom in", "Zoom out", "Leaflet, a JavaScript library for interactive maps", "Close the pop-up"),
])  # fmt: skip
def test_map_controls_speak_the_page_language_in_metres(page, lang, zoom_in, zoom_out, leaflet, close):
    page.goto(f"/?q={VITRY}" + ("&lang=en" if lang == "en" else ""))
    wait_for_markers(page)
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("aria-label", zoom_in)
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", zoom_in)
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("aria-label", zoom_out)
    expect(page.locator(".leaflet-control-attribution a[href='https://leafletjs.com']")).to_have_attribute(
        "title", leaflet)  # fmt: skip
    scale = page.locator(".leaflet-control-scale-line")
    expect(scale).to_have_count(1)  # metres only: no second line in feet or miles
    assert re.fullmatch(r"\d+ k?m", scale.inner_text()), scale.inner_text()
    assert "A JavaScript library" not in page.locator(".map-frame").inner_html() or lang == "en"
    # The pop-ups' close button too.
    page.evaluate("""() => { const map = window.inclusionMap;
      L.popup().setLatLng(map.getCenter()).setContent("x").openOn(map); }""")
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", close)


def test_gap_map_layer_switch_is_named_in_french(new_context):
    page = phone(new_context)
    page.goto("/couverture")
    wait_for_zones(page)
    toggle = page.locator(".leaflet-control-layers-toggle")
    expect(toggle).to_have_attribute("aria-label", "Couches de la carte")


# --- keyboard (2.1.1) -------------------------------------------------------------------------------
def test_space_presses_the_zoom_buttons_without_scrolling(new_context):
    page = phone(new_context)
    page.goto(f"/?q={VITRY}")
    wait_for_markers(page)
    button = page.locator(".leaflet-control-zoom-in")
    button.focus()
    before = page.evaluate("[window.inclusionMap.getZoom(), window.scrollY]")
    page.keyboard.press(" ")
    page.wait_for_function("(z) => window.inclusionMap.getZoom() === z", arg=before[0] + 1)
    assert page.evaluate("window.scrollY") == before[1], "Space scrolled the page"
    page.wait_for_timeout(500)  # Leaflet drops a zoom asked during the zoom's animation
    page.locator(".leaflet-control-zoom-out").focus()
    page.keyboard.press(" ")
    page.wait_for_function("(z) => window.inclusionMap.getZoom() === z", arg=before[0])


def test_gap_map_rows_zoom_the_map_from_the_keyboard(new_context):
    page = new_context().new_page()
    page.goto("/couverture")
    wait_for_zones(page)
    buttons = page.locator("button.zone-zoom")
    expect(buttons).to_have_count(24)
    first = buttons.first
    expect(first).to_be_visible()
    name = " ".join(first.text_content().split())  # the zone's name is visually hidden, not silent
    assert re.fullmatch(r"Voir \S.* sur la carte", name), name
    page.wait_for_timeout(800)  # the map's first fit to the territory is animated: let it end
    start = page.evaluate("window.inclusionMap.getZoom()")
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(z) => window.inclusionMap.getZoom() > z", arg=start)
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('leaflet-container')")
    # Space on another row's button (a real <button>) does the same.
    page.evaluate("() => { window.inclusionMap.setZoom(10, {animate: false}); }")
    buttons.nth(5).focus()
    page.keyboard.press(" ")
    page.wait_for_function("() => window.inclusionMap.getZoom() > 10")


# --- clusters: contrast (1.4.3) and name (4.1.2) ----------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "pattern"), [("fr", r"\d+ lieux — agrandir"), ("en", r"\d+ places — zoom in")]
)
def test_clusters_are_readable_and_named(page, lang, pattern):
    page.goto(f"/?q={VITRY}&rayon=20" + ("&lang=en" if lang == "en" else ""))
    wait_for_markers(page)
    page.evaluate("() => { window.inclusionMap.setZoom(11, {animate: false}); }")
    cluster = page.locator(".map-frame .marker-cluster").first
    expect(cluster).to_be_visible()
    expect(cluster).to_have_attribute("aria-label", re.compile(f"^{pattern}$"))
    expect(cluster).to_have_attribute("role", "button")
    count = page.locator(".map-frame .marker-cluster div").first
    colours = count.evaluate("(el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    ratio = page.evaluate(CONTRAST, colours)
    assert ratio >= 4.5, (colours, ratio)
    assert float(count.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")) >= 12
    # The keyboard opens a cluster too.
    zoom = page.evaluate("window.inclusionMap.getZoom()")
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(z) => window.inclusionMap.getZoom() > z", arg=zoom)


# --- forced colours --------------------------------------------------------------------------------
def test_legends_keep_their_colours_in_forced_colours_mode(new_context):
    page = new_context(forced_colors="active").new_page()
    page.goto("/couverture")
    wait_for_zones(page)
    backgrounds = page.evaluate("""() => ['.swatch-1', '.swatch-3', '.swatch-5'].map(
        (s) => getComputedStyle(document.querySelector(s)).backgroundColor)""")
    assert len(set(backgrounds)) == 3, backgrounds
    border = page.locator(".swatch-1").evaluate("(el) => getComputedStyle(el).borderTopStyle")
    assert border == "solid"
    page.goto(f"/?q={VITRY}")
    wait_for_markers(page)
    dots = page.evaluate("""() => ['.dot-fs', '.dot-cn', '.dot-other'].map(
        (s) => getComputedStyle(document.querySelector(s)).backgroundColor)""")
    assert len(set(dots)) == 3, dots
    screenshot(page, "wcag-forced-colours-results-desktop")


# --- without JavaScript ------------------------------------------------------------------------------
def test_no_empty_map_box_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"/?q={VITRY}")
    expect(page.locator("ol.cards > li").first).to_be_visible()
    expect(page.locator(".map-section")).to_be_hidden()
    expect(page.locator(".map-frame")).to_be_hidden()
    expect(page.locator(".legend")).to_be_hidden()
    page.goto("/couverture")
    expect(page.locator("tr[data-zone]").first).to_be_visible()
    expect(page.locator(".map-section")).to_be_hidden()
    expect(page.locator("button.zone-zoom").first).to_be_hidden()
    screenshot(page, "wcag-couverture-no-js-desktop")
    with_js = new_context().new_page()
    with_js.goto(f"/?q={VITRY}")
    expect(with_js.locator(".map-frame")).to_be_visible()
    expect(with_js.locator(".legend")).to_be_visible()


# --- the report's charts on a phone (1.4.4, 1.4.11) -------------------------------------------------
CHART_TEXT = """() => Array.from(document.querySelectorAll('svg.report-chart'))
  .filter((svg) => svg.getBoundingClientRect().width > 0)
  .map((svg) => { const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = Array.from(svg.querySelectorAll('text')).map((t) => parseFloat(t.getAttribute('font-size')) * k);
    return {cls: svg.getAttribute('class'), min: Math.min(...sizes), n: sizes.length}; })"""


@pytest.mark.parametrize(("device", "options", "variant"), [
    ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}, "narrow"),
    ("desktop", {"viewport": DESKTOP}, "wide"),
])  # fmt: skip
def test_report_charts_are_readable(new_context, device, options, variant):
    page = new_context(**options).new_page()
    page.goto("/rapport")
    charts = page.evaluate(CHART_TEXT)
    assert len(charts) == 4 and all(f"report-chart-{variant}" in c["cls"] for c in charts), charts
    for chart in charts:
        assert chart["n"] > 5 and chart["min"] >= 11, chart
    screenshot(page, f"wcag-rapport-{device}")
    figure = page.locator("#fragilite-accessibilite figure")
    figure.screenshot(path=str(screenshot_path(f"wcag-rapport-scatter-{device}")))


def screenshot_path(name: str):
    from tests.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


# --- accessibility checks and screenshots ------------------------------------------------------------
@pytest.mark.parametrize(("name", "path"), [
    ("couverture", "/couverture"),
    ("couverture-en", "/couverture?lang=en&creneau=samedi-matin&sites=2"),
    ("qualite", "/qualite"),
    ("rapport", "/rapport"),
])  # fmt: skip
@pytest.mark.parametrize(("device", "options"), [
    ("desktop", {"viewport": DESKTOP}),
    ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}),
])  # fmt: skip
def test_organiser_pages_axe_and_screenshots(new_context, name, path, device, options):
    page = new_context(**options).new_page()
    page.goto(path)
    if page.locator(".map-frame").count():
        wait_for_zones(page)
    screenshot(page, f"wcag-{name}-{device}")
    if device == "desktop":
        serious = serious_violations(page, f"wcag {name}")
        assert not serious, f"axe on {name}:\n" + "\n".join(serious)


def test_results_map_screenshots_with_clusters(new_context):
    for device, options in (("desktop", {"viewport": DESKTOP}),
                            ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True})):  # fmt: skip
        page = new_context(**options).new_page()
        page.goto(f"/?q={VITRY}&rayon=20")
        wait_for_markers(page)
        page.evaluate("() => { window.inclusionMap.setZoom(11, {animate: false}); }")
        expect(page.locator(".map-frame .marker-cluster").first).to_be_visible()
        page.locator(".map-frame").scroll_into_view_if_needed()
        page.locator(".map-section").screenshot(path=str(screenshot_path(f"wcag-clusters-{device}")))


# --- caching ----------------------------------------------------------------------------------------
def test_a_second_visit_takes_static_files_from_the_cache(browser, site):
    # Not the `new_context` fixture: Playwright's routing (which it uses for tiles) turns the cache off.
    context = browser.new_context(base_url=site["base"], viewport=DESKTOP, locale="fr-FR")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setBlockedURLs", {"urls": ["*tile.openstreetmap.org*"]})
        asked: list[str] = []
        # Memory-cache hits are announced by requestServedFromCache, disk-cache ones by their response.
        served: set[str] = set()
        cdp.on("Network.requestServedFromCache", lambda e: served.add(e["requestId"]))
        cdp.on("Network.responseReceived", lambda e: asked.append(e["response"]["url"]) if not (
            e["requestId"] in served or e["response"].get("fromDiskCache")) else None)  # fmt: skip
        page.goto(f"/?q={VITRY}")
        wait_for_markers(page)
        first = [u for u in asked if "/static/" in u]
        assert len(first) >= 5, first
        asked.clear()
        page.goto("/")  # elsewhere first: the same address twice would be a reload
        page.goto(f"/?q={VITRY}")
        wait_for_markers(page)
        again = [u for u in asked if "/static/" in u and not TILES.match(u)]
        assert again == [], f"static files asked again on a second visit: {again}"
    finally:
        context.close()
