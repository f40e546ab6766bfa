# ruff: noqa: F811  (fixtures imported from tests/test_browser.py are used by name as test parameters)
"""The territory's other actors on the public site in a real browser (Playwright, Debian's Chromium):
the public finds an actor from the home page's filter, its page and its print sheet (an A4 PDF of
one page) at 360 px, the map's layers, the French workshop choice without JavaScript, axe in French
and English, phone (360 px) and desktop (1280 px) screenshots in ``tests/artifacts/``.

The actors are the SYNTHETIC ones of ``tests/fixtures/actors_public/`` (made-up names and contacts),
published into a copy of the store harvested and built offline from the real files.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
import urllib.request
from urllib.parse import quote

import pytest

from tests.conftest import harvested_and_built
from tests.test_actors_public import publish_fixture
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP,
    PHONE,
    VITRY,
    browser,
    expect,
    new_context,
    no_horizontal_scroll,
    screenshot,
    serious_violations,
    waitress,
)

pypdf = pytest.importorskip("pypdf", reason="the print sheet is checked as a PDF with pypdf")

PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
POINT_JUSTICE = "Point-justice fictif de Vitry"
ASL = "Atelier sociolinguistique fictif de Vitry"


@pytest.fixture(scope="module")
def site(tmp_path_factory, testdata):
    """The real store with the synthetic actors published, served on a free port."""
    from inclusion_map.web import create_app

    settings = harvested_and_built(tmp_path_factory.mktemp("browser-actors"), testdata)
    publish_fixture(settings)
    server = waitress.create_server(create_app(settings), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-actors-public", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    with urllib.request.urlopen(f"{base}/acteurs?type=langue&q={quote(VITRY)}", timeout=60) as response:
        assert response.status == 200
    yield {"base": base, "settings": settings}
    server.close()
    thread.join(timeout=5)


def fits(page) -> None:
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{page.url} is {width} px wide on a {viewport} px screen"


def pdf_pages(page) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return len(reader.pages), unicodedata.normalize("NFKC", text)  # « ﬁ » ligatures as two letters


def actor_url(page, name: str) -> str:
    return page.get_by_role("link", name=name, exact=True).first.get_attribute("href")


def test_the_public_finds_an_actor_by_filter_on_a_phone(new_context):
    page = new_context(**PHONE_OPTIONS).new_page()
    page.goto("/")
    page.locator("#filtres summary").click()
    page.get_by_role("radio", name="Accès au droit").check()
    page.fill("#q", VITRY)
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.wait_for_url(re.compile(r"/acteurs\?.*type=acces_droit"))
    expect(page.locator("h1")).to_have_text("Accès au droit")
    titles = page.locator("ol.cards .card-title a").all_inner_texts()
    assert titles[0] == POINT_JUSTICE and len(titles) == 3
    expect(page.locator("ol.cards .card").first).to_contain_text("01 99 00 10 01")
    fits(page)
    screenshot(page, "actors-list-phone")
    page.get_by_role("link", name=POINT_JUSTICE).click()
    page.wait_for_url(re.compile(r"/acteur/acteur:acces_droit:"))
    expect(page.locator("h1")).to_have_text(POINT_JUSTICE)
    expect(page.get_by_role("link", name="Itinéraire jusqu'à l'adresse")).to_have_attribute(
        "href", re.compile(r"openstreetmap\.org/directions\?to=1%20rue")
    )
    expect(page.get_by_text("Saisi par l'équipe du territoire")).to_be_visible()
    fits(page)
    serious = serious_violations(page, "actor page phone")
    assert not serious, "\n".join(serious)
    screenshot(page, "actor-page-phone")
    page.get_by_role("link", name="Imprimer").click()
    page.wait_for_url(re.compile(r"print=1"))
    expect(page.locator(".site-header")).to_have_count(0)
    fits(page)
    serious = serious_violations(page, "actor print phone")
    assert not serious, "\n".join(serious)
    screenshot(page, "actor-print-phone")
    pages, text = pdf_pages(page)
    assert pages == 1, f"the print sheet takes {pages} A4 pages"
    assert POINT_JUSTICE in text and "01 99 00 10 01" in text and "9h" in text


def test_the_map_has_one_layer_per_public_kind_and_the_venues(new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/acteurs?type=langue&q={quote(VITRY)}")
    control = page.locator(".leaflet-control-layers-overlays label")
    expect(control).to_have_count(3)
    assert control.all_inner_texts() == [
        " Lieux d'aide numérique",
        " Accès au droit",
        " Apprendre le français",
    ] or [t.strip() for t in control.all_inner_texts()] == [
        "Lieux d'aide numérique",
        "Accès au droit",
        "Apprendre le français",
    ]
    workshops = page.locator('.map-frame path.leaflet-interactive[fill="#be185d"][stroke="#1b1b1b"]')
    expect(workshops.first).to_be_attached(timeout=15_000)
    shown = workshops.count()
    assert shown >= 1
    rights = page.locator('.map-frame path.leaflet-interactive[fill="#6d28d9"]')
    expect(rights).to_have_count(0)  # off until ticked
    page.get_by_role("checkbox", name="Accès au droit").check()
    expect(rights.first).to_be_attached(timeout=15_000)
    page.get_by_role("checkbox", name="Apprendre le français").uncheck()
    expect(workshops).to_have_count(0)
    screenshot(page, "actors-map-desktop")


def test_the_workshop_choice_works_without_javascript_on_a_phone(new_context):
    page = new_context(java_script_enabled=False, **PHONE_OPTIONS).new_page()
    page.goto("/")
    page.get_by_role("link", name="Trouver un atelier de français à mon niveau, pas à pas").click()
    expect(page.locator("h1")).to_have_text("Quel est votre niveau de français ?")
    page.get_by_text("Débutant (A1)").click()
    page.get_by_role("button", name="Suivant").click()
    expect(page.locator("h1")).to_have_text("Quels jours êtes-vous libre ?")
    page.get_by_role("checkbox", name="Mardi").check()
    page.get_by_role("button", name="Suivant").click()
    page.fill("#q", VITRY)
    page.get_by_role("button", name="Voir les ateliers").click()
    page.wait_for_url(re.compile(r"/apprendre-le-francais/ateliers\?niveau=a1&jour=mardi&q="))
    titles = page.locator("ol.cards .card-title a").all_inner_texts()
    assert titles == [ASL]
    expect(page.locator(".or-reasons").first).to_contain_text("Ouvert le mardi")
    fits(page)
    screenshot(page, "actors-learn-results-nojs-phone")
    page.get_by_role("link", name="Imprimer une fiche avec ces ateliers").click()
    page.wait_for_url(re.compile(r"/apprendre-le-francais/fiche\?.*print=1"))
    expect(page.locator(".or-sheet-place")).to_have_count(1)
    expect(page.locator("#or-print-manual")).to_be_visible()
    fits(page)
    screenshot(page, "actors-learn-sheet-nojs-phone")
    pages, text = pdf_pages(page)
    assert pages == 1 and ASL in text


PAGES = {
    "list": f"/acteurs?type=acces_droit&q={VITRY}",
    "list-langue": f"/acteurs?type=langue&q={VITRY}",
    "actor": "/acteur/acteur:langue:atelier-sociolinguistique-fictif-de-vitry-vitry-sur-seine",
    "actor-print": "/acteur/acteur:langue:atelier-sociolinguistique-fictif-de-vitry-vitry-sur-seine?print=1",
    "learn-level": "/apprendre-le-francais",
    "learn-days": "/apprendre-le-francais/jours?niveau=je-ne-sais-pas",
    "learn-where": "/apprendre-le-francais/ou?niveau=je-ne-sais-pas&jour=samedi",
    "learn-results": f"/apprendre-le-francais/ateliers?niveau=je-ne-sais-pas&q={VITRY}",
    "learn-none": f"/apprendre-le-francais/ateliers?niveau=b2&jour=dimanche&q={VITRY}",
    "learn-sheet": f"/apprendre-le-francais/fiche?niveau=a1&q={VITRY}&print=1",
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_finds_no_serious_violation_on_a_phone(new_context, lang):
    page = new_context(**PHONE_OPTIONS).new_page()
    for name, path in PAGES.items():
        if lang == "en":
            path += ("&" if "?" in path else "?") + "lang=en"
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", lang)
        fits(page)
        serious = serious_violations(page, f"actors {name} {lang}")
        assert not serious, f"axe on {name} ({page.url}):\n" + "\n".join(serious)
        if lang == "en":
            screenshot(page, f"actors-{name}-en-phone")


def test_a_bad_value_says_so_in_the_page_language(new_context):
    page = new_context(**PHONE_OPTIONS).new_page()
    response = page.goto(f"/acteurs?type=cuisine&q={VITRY}&lang=en")
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("The kind of help \u201ccuisine\u201d does not exist")
    expect(page.locator("#q")).to_have_value(VITRY)
    serious = serious_violations(page, "actors 400 en")
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize(
    ("device", "options"), [("desktop", {"viewport": DESKTOP}), ("phone", PHONE_OPTIONS)]
)
def test_screenshots_of_every_page(new_context, device, options):
    page = new_context(**options).new_page()
    for name, path in PAGES.items():
        page.goto(path)
        fits(page)
        if device == "desktop":
            serious = serious_violations(page, f"actors {name} desktop")
            assert not serious, f"axe on {name} ({page.url}):\n" + "\n".join(serious)
        screenshot(page, f"actors-{name}-{device}")
