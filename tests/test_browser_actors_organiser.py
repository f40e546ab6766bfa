"""The organisers' actor pages and ``/reseau`` in a real browser (Playwright, Debian's Chromium), on
a store harvested and built offline from the real files: an actor added by the form (a refused value
first), an import with a rejected row, the network's counts and export link; axe on each page, at
1280 and 360 px, screenshots in ``tests/artifacts/``.

The actors are SYNTHETIC (typed here, or read from ``tests/fixtures/actors_web/``): made-up names
and contacts in real communes. The browser and the helpers are those of ``tests/test_browser.py``;
the site is this module's own (a copy of the session's harvested and built store).
"""

# Fixtures imported from tests/test_browser.py are used by name as test parameters.
# ruff: noqa: F811
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from inclusion_map.locations import side_db
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    FIGURES,
    PHONE,
    browser,
    expect,
    new_context,
    no_horizontal_scroll,
    page,
    screenshot,
    serious_violations,
    waitress,
)

PASSWORD = "organiser password 44"  # a test account in the module's temporary store
FIXTURE = Path(__file__).parent / "fixtures" / "actors_web" / "reseau_synthetic.csv"


@pytest.fixture(scope="module")
def site(tmp_path_factory, testdata):
    """A copy of the harvested and built store, an organiser account, the app served on a free port."""
    from inclusion_map.web import create_app
    from inclusion_map.web.auth import OrganiserStore
    from tests.conftest import harvested_and_built

    settings = harvested_and_built(tmp_path_factory.mktemp("browser-actors"), testdata)
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("yasmine", PASSWORD)
    server = waitress.create_server(create_app(settings), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-actors-organiser", daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.effective_port}", "settings": settings}
    server.close()
    thread.join(timeout=5)
    if FIGURES:
        print("\naxe:", *(f"  {k}: {v}" for k, v in FIGURES.items()), sep="\n")


def log_in(page, next_path: str = "/organisateurs/acteurs") -> None:
    page.goto(f"/connexion?next={next_path}")
    page.fill("#name", "yasmine")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    # the login page's own address holds next_path too: wait for the page itself
    expect(page).to_have_url(re.compile(r"^https?://[^/]+" + re.escape(next_path) + "$"))


def test_pages_ask_for_a_login(page):
    page.goto("/reseau")
    expect(page.locator(".notice")).to_contain_text("réservée aux organisateurs")
    page.fill("#name", "yasmine")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/reseau$"))  # back to the page asked for
    expect(page.locator("h1")).to_have_text("Le réseau du territoire")


def test_add_an_actor_by_form_with_a_refused_value_first(page):
    log_in(page)
    expect(page.locator("h1")).to_have_text("Acteurs du territoire")
    page.get_by_role("link", name="Ajouter : Apprendre le français").click()
    expect(page.locator("h1")).to_have_text("Ajouter : Apprendre le français")
    assert not serious_violations(page, "acteur (formulaire)")
    screenshot(page, "actors-organiser-form-desktop")
    page.get_by_label("Nom (obligatoire)").fill("Atelier de conversation fictif")
    page.get_by_label("Adresse", exact=True).fill("7 rue de l'Exemple")
    page.get_by_label("Code postal").fill("94400")
    page.get_by_label("Commune", exact=True).fill("Vitry-sur-Seine")
    page.get_by_label("Horaires", exact=True).fill("le mardi")
    page.get_by_label("Atelier de conversation").check()
    page.get_by_label("A2").check()
    page.get_by_label("Réseau des acteurs linguistiques").check()
    page.get_by_label("Nom du contact").fill("Personne Fictive")
    page.get_by_role("button", name="Ajouter cet acteur").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("horaires « le mardi » illisibles")
    hours = page.locator("#horaires")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(hours).to_have_value("le mardi")
    expect(page.locator("#horaires-erreur")).to_contain_text("Mo-Fr 09:00-12:00")
    expect(page.get_by_label("A2")).to_be_checked()
    expect(page.get_by_label("Nom (obligatoire)")).to_have_value("Atelier de conversation fictif")
    assert not serious_violations(page, "acteur (erreur)")
    screenshot(page, "actors-organiser-form-error-desktop")
    summary.get_by_role("link").first.click()  # the summary leads to the field
    expect(hours).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Tu 14:00-16:00")
    page.get_by_role("button", name="Ajouter cet acteur").click()
    expect(page.locator(".notice.success")).to_contain_text("Acteur ajouté")
    expect(page.locator(".notice.warning")).to_contain_text("placé au centre de sa commune")
    expect(page.locator("h1")).to_have_text("Modifier : Atelier de conversation fictif")
    screenshot(page, "actors-organiser-saved-desktop")


def test_import_shows_a_rejected_row_then_confirms(page):
    log_in(page, "/organisateurs/acteurs/import")
    expect(page.locator("h1")).to_have_text("Importer des acteurs")
    assert not serious_violations(page, "import")
    page.get_by_label("Fichier CSV ou GeoJSON").set_input_files(str(FIXTURE))
    page.get_by_role("button", name="Voir ce que l'import ferait").click()
    expect(page.locator("h1")).to_have_text("Aperçu de l'import")
    rejected = page.locator("tr.row-reject")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text("Atelier fictif aux horaires flous")
    expect(rejected).to_contain_text("horaires « lundi matin » illisibles")
    expect(page.locator("tr.row-add")).to_have_count(4)
    assert not serious_violations(page, "import (aperçu)")
    screenshot(page, "actors-organiser-import-preview-desktop")
    page.get_by_role("button", name=re.compile(r"Confirmer l'import \(4 ligne")).click()
    expect(page.locator("h1")).to_have_text("Import terminé")
    expect(page.locator("ul.counts")).to_contain_text("4 ajout(s)")
    expect(page.locator("ul.counts")).to_contain_text("1 rejet(s)")
    screenshot(page, "actors-organiser-import-result-desktop")


def test_network_page_counts_and_export_link(page):
    log_in(page, "/reseau")
    expect(page.get_by_role("heading", name="Structures par réseau")).to_be_visible()
    row = page.locator("table.counts-table").first.locator("tr", has=page.locator("th", has_text="CISPD"))
    expect(row.locator("td").last).to_have_text("2")  # the partner and the point-justice of the fixture
    expect(page.get_by_role("heading", name="Qui n'a pas de partenaire proche")).to_be_visible()
    expect(page.locator("#sans-partenaire + p")).to_contain_text("n'est à 2 km ou moins de son centre. Les distances sont à vol d'oiseau.")
    link = page.get_by_role("link", name=re.compile(r"Télécharger les contacts en CSV \(\d+ acteurs\)"))
    expect(link).to_have_attribute("href", "/reseau/contacts.csv")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "contacts-reseau.csv"
    page.fill("#distance", "5")
    page.get_by_role("button", name="Appliquer").click()
    expect(page).to_have_url(re.compile(r"distance=5"))
    expect(page.locator("#sans-partenaire + p")).to_contain_text("n'est à 5 km ou moins de son centre")
    assert not serious_violations(page, "reseau")
    screenshot(page, "actors-organiser-reseau-desktop")


@pytest.mark.parametrize("path", ["/reseau", "/organisateurs/acteurs", "/organisateurs/acteurs/import",
                                  "/organisateurs/acteurs/nouveau?type=langue"])
def test_pages_on_a_phone(new_context, path):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, path)
    width, viewport = no_horizontal_scroll(page)
    assert width <= viewport, f"{path} scrolls sideways at 360 px ({width} px)"
    assert not serious_violations(page, f"{path} (phone)")
    name = re.sub(r"[^a-z]+", "-", path.split("?")[0].strip("/"))
    screenshot(page, f"actors-organiser-{name}-phone")
