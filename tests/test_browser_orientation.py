"""The guided orientation in a real browser (Playwright, Debian's Chromium) on the real data: the
three steps at 360 px with and without JavaScript up to the matching places and the printed sheet
(rendered to an A4 PDF, its pages counted and its text read), the browser's position, the Back
button, axe in French and English, phone and desktop screenshots in ``tests/artifacts/``.

The site, the browser and the helpers are those of ``tests/test_browser.py`` (one store per module).
"""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from inclusion_map.web import orientation
from inclusion_map.web.venue_index import get_index
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    DESKTOP,
    HOSTILE_NAME,
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

pypdf = pytest.importorskip("pypdf", reason="the printed sheet is checked as a PDF with pypdf")

PHONE_OPTIONS = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
DEMARCHE = "Faire une démarche en ligne"


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def pdf_pages(page) -> tuple[int, str]:
    """The page printed to an A4 PDF, as Chromium prints it: its number of pages and its text."""
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4")))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def fits(page) -> None:
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{page.url} is {width} px wide on a {viewport} px screen"


def walk_the_steps(page, *, need: str = DEMARCHE, place: str = VITRY, slot: str = "mardi matin") -> None:
    """Answer the three steps as a person would, from the first one."""
    expect(page.locator("h1")).to_have_text("De quoi avez-vous besoin ?")
    fits(page)
    page.get_by_label(need).check()
    page.get_by_role("button", name="Suivant").click()
    page.wait_for_url(re.compile(r"/orientation/ou\?"))
    expect(page.locator("h1")).to_have_text("Où voulez-vous trouver de l'aide ?")
    fits(page)
    page.get_by_label("Votre ville ou votre code postal").fill(place)
    page.get_by_role("button", name="Suivant").click()
    page.wait_for_url(re.compile(r"/orientation/quand\?"))
    expect(page.locator("h1")).to_have_text("Quand pouvez-vous y aller ?")
    fits(page)
    if slot:
        page.get_by_label(slot, exact=True).check()
    page.get_by_label("J'entends mal ou je suis sourd").check()
    page.get_by_role("button", name="Voir les lieux").click()
    page.wait_for_url(re.compile(r"/orientation/lieux\?"))


def keep_two_places(page) -> list[dict]:
    """Tick the first two places open on Tuesday morning that have a phone; return what they show."""
    cards = (
        page.locator("article.or-card")
        .filter(has_text="Ouvert le mardi matin")
        .filter(has=page.locator("a[href^='tel:']"))
    )
    assert cards.count() >= 2, "the real data has places open on Tuesday mornings near Vitry"
    kept = []
    for i in range(2):
        card = cards.nth(i)
        kept.append({"name": card.locator(".card-title").inner_text(),
                     "phone": card.locator("a[href^='tel:']").first.inner_text()})  # fmt: skip
        card.get_by_label("Garder ce lieu pour la fiche").check()
    return kept


def check_results(page) -> None:
    expect(page.locator("h1")).to_have_text("Les lieux qui peuvent vous aider")
    expect(page.locator(".or-count")).to_have_text(
        re.compile(r"^\d+ lieux? à moins de \d+ km de Vitry-sur-Seine")
    )
    first = page.locator("article.or-card").first
    expect(first).to_be_visible()
    expect(first.locator(".or-reason-ok").first).to_contain_text("Propose : aide pour les démarches en ligne")
    # every card says whether it opens on Tuesday morning or that its hours are unknown
    for card in page.locator("article.or-card").all():
        expect(card.locator(".or-reasons")).to_contain_text(
            re.compile(r"Ouvert le mardi matin|Horaires inconnus")
        )
        expect(card.locator(".or-reasons")).to_contain_text(re.compile(r"personnes sourdes"))
    fits(page)


def check_sheet_pdf(page, kept: list[dict]) -> None:
    pages, text = pdf_pages(page)
    assert pages == 1, f"the sheet prints on {pages} pages"
    flat = " ".join(text.split())
    for place in kept:
        assert place["name"] in flat, (place["name"], flat[:500])
        assert digits(place["phone"]) in digits(text), (place["phone"], flat[:800])
    assert re.search(r"\d{1,2}h(\d\d)? – \d{1,2}h", flat), f"no hours in the sheet: {flat[:800]}"
    assert flat.count("Rendez-vous le") == len(kept)
    assert "demain" not in flat.lower()
    assert "Fiche préparée le" in flat and "Où trouver de l'aide" in flat


# --- the flow -----------------------------------------------------------------------------------
def test_orientation_with_javascript_on_a_phone(new_context):
    page = new_context(**PHONE_OPTIONS).new_page()
    page.goto("/")
    page.get_by_role("link", name=re.compile("Répondez à 3 questions")).click()
    page.wait_for_url(re.compile(r"/orientation$"))
    walk_the_steps(page)
    check_results(page)
    screenshot(page, "orientation-results-js-phone")
    kept = keep_two_places(page)
    page.get_by_role("button", name="Imprimer pour la personne").click()
    page.wait_for_url(re.compile(r"/orientation/fiche\?"))
    query = params(page.url)
    assert query["print"] == ["1"] and len(query["garder"]) == 2 and query["quand"] == ["mardi-matin"]
    expect(page.locator(".or-sheet-place")).to_have_count(2)
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()  # JavaScript's print button
    expect(page.locator("#or-print-manual")).to_be_hidden()
    expect(page.locator(".site-header")).to_have_count(0)
    fits(page)
    screenshot(page, "orientation-sheet-js-phone")
    check_sheet_pdf(page, kept)
    # back to the places: the two ticks are still there
    page.get_by_role("link", name="Revenir aux lieux").click()
    page.wait_for_url(re.compile(r"/orientation/lieux\?"))
    expect(page.locator(".or-keep input:checked")).to_have_count(2)


def test_orientation_without_javascript_on_a_phone(new_context):
    page = new_context(java_script_enabled=False, **PHONE_OPTIONS).new_page()
    page.goto("/orientation")
    walk_the_steps(page)
    expect(page.locator("#or-position")).to_have_count(0)  # not on this page; and hidden on step 2 (below)
    check_results(page)
    kept = keep_two_places(page)
    page.get_by_role("button", name="Imprimer pour la personne").click()
    page.wait_for_url(re.compile(r"/orientation/fiche\?"))
    expect(page.locator(".or-sheet-place")).to_have_count(2)
    expect(page.locator("#or-print")).to_be_hidden()
    expect(page.locator("#or-print-manual")).to_be_visible()
    fits(page)
    screenshot(page, "orientation-sheet-nojs-phone")
    check_sheet_pdf(page, kept)
    page.goto("/orientation/ou?besoin=demarche")
    expect(page.locator("#or-position")).to_be_hidden()


def test_back_button_returns_to_the_answers(page):
    page.goto("/orientation")
    walk_the_steps(page, need="Apprendre à utiliser un ordinateur", slot="jeudi après-midi")
    results = page.url
    page.go_back()
    page.wait_for_url(re.compile(r"/orientation/quand\?"))
    expect(page.get_by_label("jeudi après-midi", exact=True)).to_be_checked()
    page.go_back()
    page.wait_for_url(re.compile(r"/orientation/ou\?"))
    expect(page.get_by_label("Votre ville ou votre code postal")).to_have_value(VITRY)
    page.go_forward()
    page.go_forward()
    page.wait_for_url(results)
    expect(page.locator("article.or-card").first).to_be_visible()
    # « Modifier » goes to the step with its answer, and on to the same results
    page.get_by_role("link", name="Modifier : Quand").click()
    expect(page.get_by_label("jeudi après-midi", exact=True)).to_be_checked()
    page.get_by_role("button", name="Voir les lieux").click()
    page.wait_for_url(lambda url: params(url) == params(results))


def test_the_browser_position(new_context):
    context = new_context(geolocation={"longitude": 2.392, "latitude": 48.787}, permissions=["geolocation"],
                          **PHONE_OPTIONS)  # fmt: skip
    page = context.new_page()
    page.goto("/orientation/ou?besoin=apprendre")
    position = page.get_by_role("button", name="Utiliser ma position")
    expect(position).to_be_visible()
    position.click()
    page.wait_for_url(re.compile(r"/orientation/quand\?"))
    assert params(page.url)["lon"] == ["2.39200"] and params(page.url)["lat"] == ["48.78700"]
    page.get_by_role("button", name="Voir les lieux").click()
    page.wait_for_url(re.compile(r"/orientation/lieux\?"))
    expect(page.locator(".or-count")).to_contain_text("de Votre position")
    expect(page.locator("article.or-card .distance").first).to_have_text(
        re.compile(r"min à pied|approximative")
    )


def test_a_refused_position_says_what_to_do(new_context):
    page = new_context().new_page()  # no permission: the browser refuses
    page.goto("/orientation/ou?besoin=apprendre")
    page.get_by_role("button", name="Utiliser ma position").click()
    expect(page.locator("#or-position-status")).to_have_text(
        "Votre position n'est pas disponible. Tapez une ville ou un code postal."
    )


def test_five_places_print_on_one_a4_page(new_context, site):
    """The most places the sheet holds, chosen with the longest weeks of hours: still one page."""
    index = get_index(site["settings"].store_location)
    url = "/orientation/lieux?" + urlencode({"besoin": "autre", "q": VITRY, "rayon": "20"})
    page = new_context().new_page()
    page.goto(url)
    ids = page.locator(".or-keep input").evaluate_all("boxes => boxes.map(b => b.value)")
    longest = sorted(
        ids, key=lambda i: -len(orientation.coming_week(index.get(i).get("horaires"), date.today(), "fr"))
    )
    chosen = longest[: orientation.SHEET_MAX]
    for lang in ("fr", "en"):
        query = [("besoin", "autre"), ("q", VITRY), ("rayon", "20"), ("print", "1"), ("lang", lang)]
        page.goto("/orientation/fiche?" + urlencode(query + [("garder", i) for i in chosen]))
        expect(page.locator(".or-sheet-place")).to_have_count(5)
        pages, text = pdf_pages(page)
        assert pages == 1, f"five places print on {pages} pages ({lang})"
        flat = " ".join(text.split())
        assert flat.count("Rendez-vous le" if lang == "fr" else "Appointment on") == 5
        for venue_id in chosen:
            record = index.get(venue_id)
            if record.get("telephone"):
                assert digits(record["telephone"])[2:] in digits(text), record["nom"]
        screenshot(page, f"orientation-sheet-five-{lang}")
    with open(ARTIFACTS / "orientation-sheet-five.pdf", "wb") as out:
        page.goto("/orientation/fiche?" + urlencode([("besoin", "autre"), ("q", VITRY), ("rayon", "20"),
                                                     ("print", "1")] + [("garder", i) for i in chosen]))  # fmt: skip
        out.write(page.pdf(format="A4"))


def test_the_print_stylesheet_leaves_the_sheet_alone(page):
    page.goto(f"/orientation/fiche?besoin=demarche&q={VITRY}")  # the screen view, with the site around
    expect(page.locator(".site-header")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".or-sheet-tools"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".or-sheet-place").first).to_be_visible()
    pages, _ = pdf_pages(page)
    assert pages == 1


def test_a_venue_name_with_html_stays_text(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"/orientation/lieux?besoin=apprendre&q={VITRY}")
    title = page.locator("article.or-card .card-title", has_text="<script>")
    expect(title).to_have_count(1)
    assert title.inner_text() == HOSTILE_NAME
    assert page.locator("article.or-card script, article.or-card img").count() == 0
    assert page.evaluate("window.__xss") is None and not dialogs


# --- accessibility, phone screens, screenshots ---------------------------------------------------
PAGES = {
    "need": "/orientation",
    "need-missing": "/orientation/ou",
    "where": "/orientation/ou?besoin=demarche&besoin=pour-moi",
    "where-choose": "/orientation/quand?besoin=demarche&q=Villeneuve",
    "when": f"/orientation/quand?besoin=demarche&q={VITRY}&quand=mardi-matin",
    "results": f"/orientation/lieux?besoin=demarche&besoin=pour-moi&q={VITRY}&quand=mardi-matin"
    "&particulier=audition&particulier=mobilite",
    "results-none": "/orientation/lieux?besoin=acheter&q=Orly&rayon=1",
    "sheet": f"/orientation/fiche?besoin=demarche&q={VITRY}&quand=mardi-matin",
    "sheet-print": f"/orientation/fiche?besoin=demarche&q={VITRY}&quand=mardi-matin&print=1",
}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violation_on_a_phone(new_context, name, lang):
    page = new_context(**PHONE_OPTIONS).new_page()
    path = PAGES[name]
    if lang == "en":
        path += ("&" if "?" in path else "?") + "lang=en"
    response = page.goto(path)
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    fits(page)
    serious = serious_violations(page, f"orientation {name} {lang}")
    assert not serious, f"axe on {name} ({page.url}):\n" + "\n".join(serious)


@pytest.mark.parametrize(
    ("device", "options"), [("desktop", {"viewport": DESKTOP}), ("phone", PHONE_OPTIONS)]
)
def test_screenshots_and_axe_of_every_page(new_context, device, options):
    page = new_context(**options).new_page()
    for name, path in PAGES.items():
        page.goto(path)
        fits(page)
        if device == "desktop":
            serious = serious_violations(page, f"orientation {name} desktop")
            assert not serious, f"axe on {name} ({page.url}):\n" + "\n".join(serious)
        screenshot(page, f"orientation-{name}-{device}")
    page.goto(PAGES["results"] + "&lang=en")
    screenshot(page, f"orientation-results-en-{device}")
    assert len(list(ARTIFACTS.glob(f"orientation-*-{device}.png"))) >= len(PAGES) + 1
