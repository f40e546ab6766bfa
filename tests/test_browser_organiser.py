"""The organiser pages in a real browser (Playwright, Debian's Chromium) on the real data: the gap
map, the data-quality page with an organiser login, the territory report; axe on each, screenshots.

The site, the browser and the helpers are those of ``tests/test_browser.py`` (one store per module).
"""

from __future__ import annotations

import re

import pytest

from inclusion_map.locations import side_db
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    PHONE,
    browser,
    expect,
    new_context,
    no_horizontal_scroll,
    page,
    screenshot,
    serious_violations,
    site,
)

PASSWORD = "organiser password 42"  # a test account in the module's temporary store


@pytest.fixture(scope="module", autouse=True)
def analysed(site):
    """The gap layers for the report, and an organiser account."""
    from inclusion_map.gaps.output import run_gaps
    from inclusion_map.web.auth import OrganiserStore

    settings = site["settings"]
    run_gaps(settings)
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("nadia", PASSWORD)


def test_gap_map_loads_layers_and_sorts(page):
    page.goto("/couverture?sites=2")
    expect(page.locator("h1")).to_have_text("Où l'aide numérique manque")
    zones = page.locator(".map-frame path.leaflet-interactive")
    expect(zones.first).to_be_visible()
    assert zones.count() >= 24
    expect(page.locator(".map-frame .site-mark")).to_have_count(2)
    page.get_by_role("link", name="Population").click()  # smallest first
    expect(page).to_have_url(re.compile(r"tri=population"))
    expect(page.locator("table.sortable tbody tr").first.locator("th")).to_have_text("Rungis")
    page.get_by_role("link", name="Population").click()  # then largest first
    expect(page).to_have_url(re.compile(r"ordre=desc"))
    first = page.locator("table.sortable tbody tr").first
    expect(first.locator("th")).to_have_text("Vitry-sur-Seine")
    expect(page.locator(".map-frame path.leaflet-interactive").first).to_be_visible()  # zones loaded again
    first.click()  # the row zooms the map to its zone and opens its popup
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Vitry-sur-Seine")
    assert not serious_violations(page, "couverture")
    screenshot(page, "organiser-couverture-desktop")


def test_gap_map_options_by_form(page):
    page.goto("/couverture")
    page.select_option("#creneau", "samedi-matin")
    page.select_option("#seuil", "20")
    page.get_by_role("button", name="Analyser").click()
    expect(page).to_have_url(re.compile(r"creneau=samedi-matin.*seuil=20|seuil=20.*creneau=samedi-matin"))
    expect(page.locator("p[role=status]").first).to_contain_text("samedi de 09:00 à 12:00")


def test_quality_page_login_and_decision(page):
    page.goto("/qualite")
    expect(page.locator("h1")).to_have_text("Qualité des données")
    assert not serious_violations(page, "qualite")
    screenshot(page, "organiser-qualite-public")
    buttons = page.get_by_role("button", name="Même lieu")
    pending = buttons.count()
    assert pending > 0
    buttons.first.click()  # without a login: refused, with a way to log in
    expect(page.locator(".notice")).to_contain_text("réservée aux organisateurs")
    page.goto("/connexion?next=/qualite")
    assert not serious_violations(page, "connexion")
    page.fill("#name", "nadia")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/qualite"))
    expect(page.get_by_text("Connecté : nadia")).to_be_visible()
    page.get_by_role("button", name="Lieux différents").first.click()
    expect(page.get_by_role("button", name="Même lieu")).to_have_count(pending - 1)
    expect(page.locator("#journal + ul")).to_contain_text("nadia : duplicate-different")
    screenshot(page, "organiser-qualite-logged-in")


def test_report_page(page):
    page.goto("/rapport")
    if page.locator("h1").inner_text() == "Page introuvable":
        pytest.skip("the territory report is not registered in this app")
    assert page.locator("figure svg").count() >= 4, (page.locator("figure").count(), page.locator("figure").first.inner_html()[:600])
    expect(page.locator("figure svg").first).to_be_visible()
    assert not serious_violations(page, "rapport")
    screenshot(page, "organiser-rapport-desktop")


@pytest.mark.parametrize("path", ["/couverture", "/qualite", "/exports", "/api/docs"])
def test_organiser_pages_on_a_phone(new_context, path):
    page = new_context(viewport=PHONE).new_page()
    page.goto(path)
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{path} scrolls sideways at 360 px ({width} px)"
    assert not serious_violations(page, path)
    screenshot(page, f"organiser-{path.strip('/').replace('/', '-')}-phone")
