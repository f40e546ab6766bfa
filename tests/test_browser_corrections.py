"""The organisers' correction pages in a real browser (Playwright, Debian's Chromium) on the real
data: the « Corriger cette fiche » part of a venue's page, the correction form (week editor by
keyboard, marker dragged on the map, a refused value), the page that adds a venue, and the
completeness table of ``/qualite``; axe on each, at 1280 and 360 px. Corrections made here are
SYNTHETIC values on real venues.

The site, the browser and the helpers are those of ``tests/test_browser.py`` (one store per module).
"""

from __future__ import annotations

import re

import pytest

from inclusion_map.locations import side_db
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    PHONE,
    VITRY,
    browser,
    expect,
    new_context,
    no_horizontal_scroll,
    page,
    screenshot,
    serious_violations,
    site,
)

PASSWORD = "organiser password 43"  # a test account in the module's temporary store


@pytest.fixture(scope="module", autouse=True)
def account(site):
    from inclusion_map.web.auth import OrganiserStore

    OrganiserStore(side_db(site["settings"].store_location, "organisers")).add_account("lea", PASSWORD)


def log_in(page) -> None:
    page.goto("/connexion?next=/qualite")
    page.fill("#name", "lea")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/qualite"))


def type_time(page, selector: str, value: str) -> None:
    """Type a time of day in a time field with the keyboard, as its locale shows it (24 h, or 12 h
    with AM/PM: headless Chromium's depends on its build, not on the page)."""
    hour, minute = (int(x) for x in value.split(":"))
    page.focus(selector)
    page.keyboard.type(f"{hour:02d}{minute:02d}")
    if page.input_value(selector) != value:  # a 12-hour field: the hour as on a 12-hour clock, then AM/PM
        page.focus(selector)
        page.keyboard.type(f"{hour % 12 or 12:02d}{minute:02d}{'P' if hour >= 12 else 'A'}")
    expect(page.locator(selector)).to_have_value(value)


def venue_ids(site, count: int) -> list[str]:
    """Real venues of the territory, those with hours first (not the one whose name holds HTML)."""
    from inclusion_map.web.venue_index import get_index

    records = get_index(site["settings"].store_location).records
    found = sorted((not r.get("horaires"), r["id"]) for r in records if r["id"] != site["hostile_id"])
    assert len(found) >= count, found
    return [venue_id for _, venue_id in found[:count]]


def test_correct_a_record_by_keyboard_with_the_week_editor(page, site):
    venue_id = venue_ids(site, 1)[0]
    log_in(page)
    page.goto(f"/lieu/{venue_id}")
    section = page.locator("section.organiser-box")
    expect(section.get_by_role("heading", name="Corriger cette fiche")).to_be_visible()
    assert not serious_violations(page, "lieu (organisateur)")
    section.get_by_role("link", name="Corriger les informations de ce lieu").click()
    expect(page.locator("h1")).to_contain_text("Corriger cette fiche")
    assert not serious_violations(page, "corriger")
    screenshot(page, "organiser-corriger-desktop")
    # By keyboard only: from the phone field, Tab goes on to the next fields in reading order.
    page.focus("#telephone")
    page.keyboard.press("Control+A")
    page.keyboard.type("01 45 67 89 10")
    page.keyboard.press("Tab")
    expect(page.locator("#courriels")).to_be_focused()
    for name in ("debut", "fin"):
        for n in (1, 2):
            for day in ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"):
                page.fill(f"#h-{day}-{n}-{name}", "")
    type_time(page, "#h-Mo-1-debut", "09:30")
    for _ in range(3):  # Tab goes through the field's parts (hours, minutes, maybe AM/PM), then on
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") != "h-Mo-1-debut":
            break
    expect(page.locator("#h-Mo-1-fin")).to_be_focused()
    type_time(page, "#h-Mo-1-fin", "12:00")
    type_time(page, "#h-Th-1-debut", "14:00")
    type_time(page, "#h-Th-1-fin", "17:30")
    page.focus("#note")
    page.keyboard.type("Vérifié par téléphone (SYNTHETIC)")
    page.get_by_role("button", name="Enregistrer les corrections").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"fait=correction"))
    expect(page.locator("section.organiser-box [role=status]")).to_contain_text("Correction enregistrée")
    expect(page.get_by_text("Horaires : corrigé par l'équipe du territoire le")).to_be_visible()
    expect(page.get_by_role("link", name="01 45 67 89 10")).to_be_visible()
    expect(page.locator("table.week")).to_contain_text("9h30")
    assert not serious_violations(page, "lieu corrigé")


def test_drag_the_marker_to_correct_the_position(page, site):
    venue_id = venue_ids(site, 2)[1]
    log_in(page)
    page.goto(f"/qualite/lieu/{venue_id}/corriger")
    marker = page.locator(".map-frame .leaflet-marker-icon")
    expect(marker).to_be_visible()
    before = page.input_value("#latitude"), page.input_value("#longitude")
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 30, steps=8)
    page.mouse.up()
    expect(page.locator("#position-statut")).to_contain_text("Nouvelle position")
    after = page.input_value("#latitude"), page.input_value("#longitude")
    assert after != before and float(after[0]) < float(before[0]) and float(after[1]) > float(before[1])
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page).to_have_url(re.compile(r"fait=correction"))
    record = page.request.get(f"/api/venues/{venue_id}").json()["record"]
    assert (record["latitude"], record["longitude"]) == (float(after[0]), float(after[1]))
    assert record["geocode_precision"] == "équipe"


def test_a_refused_value_keeps_the_form_and_says_why(page, site):
    venue_id = venue_ids(site, 3)[2]
    log_in(page)
    page.goto(f"/qualite/lieu/{venue_id}/corriger?lang=en")
    page.fill("#horaires", "mondays and tuesdays")
    page.fill("#telephone", "12")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if "/corriger" in r.url else None)
    page.get_by_role("button", name="Save the corrections").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert 400 in response_status
    expect(page.locator(".error-summary")).to_contain_text("Not a valid phone number")
    expect(page.locator("#horaires")).to_have_value("mondays and tuesdays")
    expect(page.locator("#telephone")).to_have_attribute("aria-invalid", "true")
    page.locator(".error-summary a").first.click()  # each problem links to its field
    assert not serious_violations(page, "corriger (erreurs)")


def test_add_a_venue_on_a_phone(new_context, site):
    page = new_context(viewport=PHONE).new_page()
    log_in(page)
    page.goto("/qualite")
    page.get_by_role("link", name="Ajouter un lieu qu'aucune source ne connaît").click()
    expect(page.locator("h1")).to_have_text("Ajouter un lieu")
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"the add page scrolls sideways at 360 px ({width} px)"
    assert not serious_violations(page, "ajouter-un-lieu")
    screenshot(page, "organiser-ajouter-un-lieu-phone")
    page.fill("#nom", "Permanence numérique de la mairie (SYNTHETIC)")
    page.fill("#adresse", "2 place de la mairie")
    page.fill("#code_postal", "94400")
    page.fill("#commune", VITRY)
    page.fill("#latitude", "48.7875")
    page.fill("#longitude", "2.3928")
    page.get_by_label("Aide aux démarches administratives").check()
    page.fill("#h-Tu-1-debut", "09:00")
    page.fill("#h-Tu-1-fin", "12:00")
    page.get_by_role("button", name="Ajouter ce lieu").click()
    expect(page).to_have_url(re.compile(r"/lieu/equipe:"))
    expect(page.locator("h1")).to_have_text("Permanence numérique de la mairie (SYNTHETIC)")
    expect(page.get_by_text("Équipe du territoire")).to_be_visible()
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport


@pytest.mark.parametrize("path", ["/qualite", "/qualite/lieu/{id}/corriger"])
def test_organiser_correction_pages_on_a_phone(new_context, site, path):
    page = new_context(viewport=PHONE).new_page()
    log_in(page)
    page.goto(path.format(id=venue_ids(site, 1)[0]))
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{path} scrolls sideways at 360 px ({width} px)"
    assert not serious_violations(page, f"{path} (organisateur, 360 px)")


def test_completeness_table_sorts_by_links(page, site):
    log_in(page)
    page.goto("/qualite#fiches")
    expect(page.get_by_role("heading", name="Fiches à compléter")).to_be_visible()
    table = page.locator("table.completeness")
    table.get_by_role("link", name="Horaires").click()
    expect(page).to_have_url(re.compile(r"tri=horaires&ordre=asc"))
    expect(page.locator("table.completeness th[aria-sort=ascending]")).to_have_text("Horaires")
    first = page.locator("table.completeness tbody tr").first.locator("td").nth(1)
    expect(first).to_contain_text("non")
    assert not serious_violations(page, "qualite (complétude)")
    screenshot(page, "organiser-qualite-completude")

