"""The pages a public service owes: legal notice, accessibility statement, personal data, the help
line of every page, the ``site:`` settings behind them, and the error reports' retention.

Through Flask's test client, on a store harvested and built from the real files (offline mirror
mode). The deployer's values (publisher, phone numbers…) used here are SYNTHETIC, clearly fake
ones (``Éditeur d'essai``, 01 99 00 00 00…); ``config.yaml`` itself holds none.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import yaml

from inclusion_map.config import ConfigError, load_settings
from inclusion_map.web import create_app
from inclusion_map.web.reports_store import SCHEMA, ReportStore
from tests.conftest import ROOT, harvested_and_built, mirror_settings

PAGES = ("/mentions-legales", "/accessibilite", "/donnees-personnelles")
TO_FILL = {"fr": "à compléter par l'éditeur", "en": "to be filled in by the publisher"}

#: SYNTHETIC values of a deployer (fake publisher, fake numbers in a range no one is given).
FILLED_SITE = {
    "publisher": {"name": "Éditeur d'essai", "address": "1 place d'Essai\n94000 Essai-Ville",
                  "director": "Directrice d'essai"},
    "host": {"name": "Hébergeur d'essai", "address": "2 rue d'Essai, 75000 Paris", "phone": "01 99 00 00 01"},
    "contact": {"email": "aide@example.org", "address": "1 place d'Essai, 94000 Essai-Ville"},
    "help_line": {"phone": "01 99 00 00 00", "hours": "du lundi au vendredi, de 9 h à 12 h"},
    "personal_data": {"dpo": "dpo@example.org", "report_retention_days": 90},
    "accessibility": {"compliance": "partiellement", "audit_date": "2026-03-02", "audit_by": "Auditeur d'essai",
                      "rate": 62.5, "statement_date": "2026-03-10",
                      "known_limits": [{"fr": "Limite d'essai en français.", "en": "A test limit in English."},
                                       "Limite d'essai seulement en français."]},
}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("service"), testdata)


@pytest.fixture
def settings(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


def client_for(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    return text_of_html(html[html.index("<main") : html.index("</main>")])


def text_of_html(html: str) -> str:
    """Text of an HTML fragment: inline tags removed as they are, others as a space."""
    html = re.sub(r"</?(a|span|strong|em|code)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def help_line(response) -> str | None:
    found = re.search(r'<p class="help-line">(.*?)</p>', response.get_data(as_text=True), flags=re.S)
    return found.group(1) if found else None


# --- the pages, as this territory's config.yaml gives them (nothing filled in) ------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_each_page_answers_in_both_languages_and_says_what_is_to_fill(settings, path, lang):
    response = client_for(settings).get(path, query_string={"lang": lang} if lang == "en" else {})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert TO_FILL[lang] in main_text(response), "an empty value is said to be filled in, never made up"
    # The language switch keeps the page.
    assert re.search(rf'href="{path}\?(lang=en)?"[^>]*hreflang', html)


def test_the_project_config_fills_in_nothing_it_does_not_know(settings):
    site = load_settings(ROOT / "config.yaml").site
    assert site.publisher.name is None and site.host.name is None and site.contact.email is None
    assert site.help_line.phone is None and site.contact.phone is None, "no phone number is made up"
    assert site.accessibility.compliance == "non" and site.accessibility.audit_date is None
    assert site.personal_data.report_retention_days == 365


def test_without_a_help_line_no_number_is_shown(settings):
    client = client_for(settings)
    for path in ("/", *PAGES, "/lieu/nexiste-pas"):
        response = client.get(path)
        assert help_line(response) is None, path
    legal = main_text(client.get("/mentions-legales"))
    assert (
        "tel:"
        not in client.get("/mentions-legales").get_data(as_text=True).split("<main")[1].split("</main>")[0]
    )
    assert "Nom à compléter par l'éditeur" in legal and "Directeur ou directrice de la publication" in legal


def test_every_page_links_to_the_three_pages_and_names_the_accessibility_state(settings):
    client = client_for(settings)
    for path, lang in (("/", "fr"), ("/?q=Orly", "fr"), ("/integrer", "fr"), ("/lieu/nexiste-pas", "fr"),
                       ("/?lang=en", "en")):  # fmt: skip
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer class="site-footer">') :]
        suffix = "?lang=en" if lang == "en" else ""
        for page in PAGES:
            assert f'href="{page}{suffix}"' in footer, (path, page)
        assert ("Accessibilité : non conforme" if lang == "fr" else "Accessibility: not compliant") in footer


# --- filled in by a deployer -------------------------------------------------------------------
@pytest.fixture
def filled(settings):
    return settings.with_overrides(site=FILLED_SITE)


def test_the_help_line_is_on_every_public_page_when_configured(filled):
    client = client_for(filled)
    venue = re.search(r'href="/lieu/([^"?]+)', client.get("/?q=Orly").get_data(as_text=True)).group(1)
    for path in ("/", "/?q=Orly", f"/lieu/{venue}", "/integrer", "/lieu/nexiste-pas", "/?rayon=99", *PAGES):
        line = help_line(client.get(path))
        assert line is not None, path
        assert 'href="tel:+33199000000"' in line and "01 99 00 00 00" in line, path
        assert text_of_html(line) == ("Besoin d'aide pour utiliser ce site ? Appelez le 01 99 00 00 00 "
                                      "(du lundi au vendredi, de 9 h à 12 h).")  # fmt: skip
    # In English, hours given only in French are said so (language of parts).
    line = help_line(client.get("/?lang=en"))
    assert text_of_html(line).startswith("Need help using this site? Call 01 99 00 00 00")
    assert '<span lang="fr">du lundi au vendredi, de 9 h à 12 h</span>' in line
    # On the printed list too: it may be all a person without internet takes home.
    assert help_line(client.get("/?q=Orly&print=1")) is not None
    # Not inside another site's page: the embed is theirs.
    assert help_line(client.get("/?q=Orly&embed=1")) is None


def test_an_e_mail_is_the_help_line_when_there_is_no_phone(settings):
    only_mail = settings.with_overrides(site={"contact": {"email": "aide@example.org"}})
    line = help_line(client_for(only_mail).get("/"))
    assert text_of_html(line) == "Besoin d'aide pour utiliser ce site ? Écrivez à aide@example.org."
    assert 'href="mailto:aide@example.org"' in line


def test_legal_notice_names_publisher_host_contact_and_sources(filled):
    client = client_for(filled)
    page = main_text(client.get("/mentions-legales"))
    for text in ("Éditeur d'essai", "1 place d'Essai 94000 Essai-Ville", "Directrice d'essai", "Hébergeur d'essai",
                 "01 99 00 00 01", "aide@example.org", "Liste des France services, publié par ANCT (Programme France services)",
                 "Licence Ouverte 2.0", "OpenStreetMap", "ODbL"):  # fmt: skip
        assert text in page, text
    assert TO_FILL["fr"] not in page
    english = client.get("/mentions-legales?lang=en").get_data(as_text=True)
    assert '<span lang="fr">Liste des France services</span>' in english  # a French title, marked so


def test_accessibility_statement_follows_the_rgaa_model(settings):
    client = client_for(settings)
    page = main_text(client.get("/accessibilite"))
    for text in (
        "Ce site est non conforme avec le RGAA 4.1.",
        "Aucun audit n'a encore été fait.",
        "Sans audit, la loi demande d'écrire « non conforme »",
        # the automated checks the project really runs
        "axe-core", "Chromium", "360 pixels", "1 280 pixels", "en français et en anglais", "un zoom à 200 %",
        "ne remplacent pas un audit",
        # the known limits, and the list as the accessible alternative to the map
        "La carte ne peut pas être utilisée sans voir l'écran.", "Utilisez la liste.",
        # contact, and recourse to the Défenseur des droits
        "Dites-le nous", "Défenseur des droits",
        "https://formulaire.defenseurdesdroits.fr/", "https://www.defenseurdesdroits.fr/saisir/delegues",
        "Libre réponse 71120", "75342 Paris CEDEX 07", "ne mettez pas de timbre",
        "Date de la déclaration : à compléter par l'éditeur",
    ):  # fmt: skip
        assert text in page, text
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", client.get("/accessibilite").get_data(as_text=True))
    for part in ("état de conformité", "Résultats des tests", "contenus non accessibles", "retour d'information et "
                 "contact", "voies de recours", "Date de cette déclaration"):  # fmt: skip
        assert any(part in unescape(h) for h in headings), part
    english = main_text(client.get("/accessibilite?lang=en"))
    assert "This site is not compliant with RGAA 4.1." in english and "Défenseur des droits" in english


def test_accessibility_statement_with_an_audit(filled):
    client = client_for(filled)
    page = main_text(client.get("/accessibilite"))
    assert "Éditeur d'essai s'engage à rendre ce site accessible" in page
    assert "Ce site est partiellement conforme avec le RGAA 4.1." in page
    assert "Un audit a été fait le 2 mars 2026. Il a été fait par : Auditeur d'essai." in page
    assert "62,5 % des règles du RGAA sont respectées." in page
    assert "Cette déclaration a été écrite le 10 mars 2026." in page
    assert "Limite d'essai en français." in page and "Aucun audit" not in page
    html = client.get("/accessibilite?lang=en").get_data(as_text=True)
    assert "62.5 % of the RGAA rules are met." in text_of_html(html)
    assert "<li>A test limit in English.</li>" in html
    assert '<li lang="fr">Limite d&#39;essai seulement en français.</li>' in html
    assert "Accessibility: partially compliant" in html


def test_personal_data_page_says_what_reports_keep_and_for_how_long(filled):
    client = client_for(filled)
    page = main_text(client.get("/donnees-personnelles"))
    for text in ("votre message", "votre e-mail ou votre téléphone, seulement si vous les donnez",
                 "la langue de la page et la date d'envoi", "empreinte de votre connexion",
                 "plus de 5 envois en une heure", "Nous ne gardons pas votre adresse IP",
                 "Combien de temps ? 90 jours. Ensuite, le signalement est effacé automatiquement.",
                 "Éditeur d'essai", "dpo@example.org", "un seul cookie", "OpenStreetMap", "CNIL",
                 "https://www.cnil.fr/fr/plaintes"):  # fmt: skip
        assert text in page, text
    english = main_text(client.get("/donnees-personnelles?lang=en"))
    assert "For how long? 90 days. Then the report is deleted automatically." in english


def test_the_personal_data_page_lists_every_column_a_report_keeps(tmp_path):
    """A new column in the reports table must be said on the personal data page: update both."""
    ReportStore(tmp_path / "r.sqlite").add("v", "Lieu", "autre", "abc", "", "fr", "hash")
    with sqlite3.connect(tmp_path / "r.sqlite") as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(reports)")}
    said = {"id": "its number", "venue_id": "the place", "venue_name": "the place", "kind": "the kind of mistake",
            "message": "your message", "contact": "your e-mail or your phone", "lang": "the language of the page",
            "client": "a fingerprint of your connection", "created_at": "the date you sent it",
            "status": "what the team did with it"}  # fmt: skip
    assert columns == set(said), "say on /donnees-personnelles what the new column keeps"


# --- settings --------------------------------------------------------------------------------------
def _load(tmp_path, site: dict):
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["site"] = site
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_settings(path)


@pytest.mark.parametrize(
    ("site", "message"),
    [
        ({"help_line": {"phone": "12 34"}}, "site.help_line.phone: not a French phone number"),
        ({"contact": {"email": "aide at example"}}, "site.contact.email: not an e-mail address"),
        ({"accessibility": {"compliance": "totalement"}}, "needs the audit_date"),
        ({"accessibility": {"compliance": "partiellement", "audit_date": "2026-01-05", "rate": 30}},
         "does not match compliance"),
        ({"accessibility": {"compliance": "conforme"}}, "site.accessibility.compliance"),
        ({"personal_data": {"report_retention_days": 0}}, "site.personal_data.report_retention_days"),
        ({"publisher": {"nom": "x"}}, "site.publisher.nom: unknown setting"),
    ],
)  # fmt: skip
def test_site_settings_are_checked(tmp_path, site, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        _load(tmp_path, site)


def test_placeholders_count_as_not_filled_in(tmp_path):
    site = _load(tmp_path, {"publisher": {"name": "À COMPLÉTER : l'organisme", "director": "  "},
                            "help_line": {"phone": "à compléter", "hours": "TODO"},
                            "host": {"phone": "+33 1 99 00 00 02"}}).site  # fmt: skip
    assert site.publisher.name is None and site.publisher.director is None
    assert site.help_line.phone is None and site.help_line.hours is None
    assert site.host.phone == "+33199000002"  # kept in the international form


# --- the error reports' retention --------------------------------------------------------------------
def _report_at(path, days_ago: float, message: str) -> None:
    """Insert a report written ``days_ago`` days ago (straight into the file, as time would)."""
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    with con:
        con.execute("INSERT INTO reports (venue_id, venue_name, kind, message, contact, lang, client, created_at) "
                    "VALUES ('v', 'Lieu', 'autre', ?, 'me@example.org', 'fr', 'h', ?)", (message, at))  # fmt: skip
    con.close()


def _messages(path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in con.execute("SELECT message FROM reports"))
    finally:
        con.close()


def test_reports_older_than_the_retention_are_deleted(tmp_path):
    path = tmp_path / "reports.sqlite"
    _report_at(path, 400, "ancien")
    _report_at(path, 100, "moyen")
    _report_at(path, 1, "récent")
    store = ReportStore(path, retention_days=365)
    assert [r["message"] for r in store.list()] == ["récent", "moyen"]  # deleted on opening
    assert ReportStore(path, retention_days=90).purge() == 1
    assert _messages(path) == ["récent"]
    # The retention is kept in the file: an opening without settings (the CLI) applies it too.
    _report_at(path, 95, "trop vieux")
    assert ReportStore(path).list()[0]["message"] == "récent" and _messages(path) == ["récent"]
    # Nothing is kept of a deleted message in the file's pages.
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert b"trop vieux" not in path.read_bytes() and b"ancien" not in path.read_bytes()


def test_writing_a_report_deletes_the_expired_ones(tmp_path):
    path = tmp_path / "reports.sqlite"
    _report_at(path, 40, "expiré")
    number = ReportStore(path, retention_days=30).add_within_limit(
        "v", "Lieu", "autre", "nouveau", "", "fr", "h2", limit=5, within=timedelta(hours=1)
    )
    assert number is not None and _messages(path) == ["nouveau"]


def test_the_site_applies_the_configured_retention(settings):
    path = settings.store_path.with_name("reports.sqlite")
    _report_at(path, 200, "vieux de 200 jours")
    _report_at(path, 10, "récent")
    short = settings.with_overrides(site={"personal_data": {"report_retention_days": 180}})
    client_for(short)  # the site starts: the expired report goes at once
    assert _messages(path) == ["récent"]
    _report_at(path, 181, "expiré pendant que le site tourne")
    app = create_app(short)
    with app.test_request_context("/"):
        assert ReportStore(path).retention_days == 180  # the running site's setting, by default
        ReportStore(path).list()
    assert _messages(path) == ["récent"]


# --- error messages in the page's language ---------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "french", "english"),
    [
        ("/integrer?commune=zzz", "Nous ne connaissons pas la ville « zzz ». Choisissez-la dans la liste.",
         "We do not know the town “zzz”. Choose it in the list."),
        ("/?rayon=99", "La distance « 99 » n'est pas proposée. Choisissez 1, 2, 5, 10 ou 20 km.",
         "The distance “99” is not offered. Choose 1, 2, 5, 10 or 20 km."),
        ("/?service=Nope", "Le choix « Nope » n'est pas dans la liste « Ce que vous voulez faire ».",
         "The choice “Nope” is not in the list “What you need”."),
        ("/?jour=9", "Ce jour n'existe pas. Choisissez un jour de lundi à dimanche.",
         "This day does not exist. Choose a day from Monday to Sunday."),
        ("/?lon=200&lat=1", "La position donnée dans l'adresse de la page n'est pas valable.",
         "The position given in the page address is not valid."),
    ],
)  # fmt: skip
def test_refused_requests_are_explained_in_the_page_language(settings, path, french, english):
    client = client_for(settings)
    response = client.get(path)
    assert response.status_code == 400
    page = main_text(response)
    assert french in page and "Nous ne comprenons pas cette demande" in page
    assert "Retournez à l'accueil et refaites votre recherche." in page
    sep = "&" if "?" in path else "?"
    english_page = main_text(client.get(f"{path}{sep}lang=en"))
    assert english in english_page and "We do not understand this request" in english_page
