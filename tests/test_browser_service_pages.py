"""The pages a public service owes in a real browser (Playwright, Debian's Chromium): axe finds no
serious violation on the legal notice, the accessibility statement and the personal data page, in
French and in English, on a phone (360 px) and a computer (1,280 px); nothing scrolls sideways;
the footer leads to them; the help line shows on every page when configured.

The site, the browser and the helpers are those of ``tests/test_browser.py`` (one store per
module). A second server on the same store has a deployer's ``site:`` settings filled in with
SYNTHETIC values (``Éditeur d'essai``, 01 99 00 00 00…). Screenshots go to ``tests/artifacts/``.
"""

# ruff: noqa: F811  (the fixtures imported from tests/test_browser.py are used by name as parameters)
from __future__ import annotations

import re
import threading

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    DESKTOP,
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

PAGES = {"legal": "/mentions-legales", "accessibility": "/accessibilite", "privacy": "/donnees-personnelles"}
DEVICES = {
    "phone": {"viewport": PHONE, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": DESKTOP},
}
FILLED_SITE = {
    "publisher": {"name": "Éditeur d'essai", "address": "1 place d'Essai, 94000 Essai-Ville",
                  "director": "Directrice d'essai"},
    "host": {"name": "Hébergeur d'essai", "address": "2 rue d'Essai, 75000 Paris", "phone": "01 99 00 00 01"},
    "contact": {"email": "aide@example.org", "address": "1 place d'Essai, 94000 Essai-Ville"},
    "help_line": {"phone": "01 99 00 00 00", "hours": {"fr": "du lundi au vendredi, de 9 h à 12 h",
                                                       "en": "Monday to Friday, 9 am to 12 pm"}},
}  # fmt: skip


@pytest.fixture(scope="module")
def filled_base(site):
    """The same store served with a deployer's settings filled in (a second server)."""
    import waitress

    from inclusion_map.web import create_app

    app = create_app(site["settings"].with_overrides(site=FILLED_SITE))
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="waitress-service-pages", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_service_pages_pass_axe_and_reflow(new_context, name, lang, device):
    page = new_context(**DEVICES[device]).new_page()
    response = page.goto(PAGES[name] + ("?lang=en" if lang == "en" else ""))
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main .to-fill").first).to_be_visible()  # « à compléter par l'éditeur »
    serious = serious_violations(page, f"{name} ({lang}, {device})")
    assert not serious, f"axe on {page.url} ({device}):\n" + "\n".join(serious)
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{page.url} scrolls sideways on {device} ({width} px)"
    screenshot(page, f"service-{name}-{lang}-{device}")


@pytest.mark.parametrize("device", list(DEVICES))
def test_filled_pages_and_help_line(new_context, filled_base, device):
    context = new_context(**DEVICES[device])
    page = context.new_page()
    page.goto(f"{filled_base}/?q=Vitry-sur-Seine")
    line = page.locator("header .help-line")
    expect(line).to_have_text("Besoin d'aide pour utiliser ce site ? Appelez le 01 99 00 00 00 "
                              "(du lundi au vendredi, de 9 h à 12 h).")  # fmt: skip
    expect(line.get_by_role("link", name="01 99 00 00 00")).to_have_attribute("href", "tel:+33199000000")
    assert not serious_violations(page, f"results with the help line ({device})")
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"the help line makes the page scroll sideways on {device} ({width} px)"
    screenshot(page, f"service-help-line-{device}")
    for name, path in PAGES.items():
        for lang in ("fr", "en"):
            page.goto(f"{filled_base}{path}" + ("?lang=en" if lang == "en" else ""))
            if name == "legal":  # every fact of the legal notice given: nothing left to fill in
                expect(page.locator("main .to-fill")).to_have_count(0)
            assert not serious_violations(page, f"{name} filled ({lang}, {device})"), page.url
            if lang == "en":
                expect(page.locator("header .help-line")).to_contain_text("(Monday to Friday, 9 am to 12 pm)")
            screenshot(page, f"service-{name}-filled-{lang}-{device}")


def test_footer_leads_to_the_pages_by_keyboard(page):
    page.goto("/?lang=en")
    link = page.get_by_role("link", name="Accessibility: not compliant")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/accessibilite\?lang=en$"))
    expect(page.locator("h1")).to_have_text("Accessibility statement")
    page.get_by_role("link", name="Personal data").click()
    page.wait_for_url(re.compile(r"/donnees-personnelles\?lang=en$"))
    page.get_by_role("link", name="Legal notice").click()
    page.wait_for_url(re.compile(r"/mentions-legales\?lang=en$"))
    page.locator("header nav a[hreflang=fr]").click()
    page.wait_for_url(re.compile(r"/mentions-legales\?$"))
    expect(page.locator("h1")).to_have_text("Mentions légales")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refused_request_page_in_plain_words(new_context, lang):
    page = new_context(**DEVICES["phone"]).new_page()
    response = page.goto("/?rayon=99" + ("&lang=en" if lang == "en" else ""))
    assert response.status == 400
    said = {"fr": "La distance « 99 » n'est pas proposée. Choisissez 1, 2, 5, 10 ou 20 km.",
            "en": "The distance “99” is not offered. Choose 1, 2, 5, 10 or 20 km."}[lang]  # fmt: skip
    expect(page.locator("main")).to_contain_text(said)
    detail = page.locator("main details.detail")
    expect(detail.locator("p")).to_be_hidden()  # the technical message stays folded
    detail.locator("summary").click()
    expect(detail.locator("p")).to_have_text("rayon « 99 » must be one of 1, 2, 5, 10, 20 (km)")
    assert not serious_violations(page, f"error-400 ({lang}, phone)")
    screenshot(page, f"service-error-400-{lang}-phone")
