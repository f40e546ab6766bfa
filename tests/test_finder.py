"""The finder for people who struggle with digital tools, through Flask's test client on a store
harvested and built from the real files (offline mirror mode): forgiving search (typos, places
outside the territory), the territory named on the home page, filters folded once applied, and the
printed list (dates, phones and the week's hours)."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest

from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web.places import PLACE_NAMES

TERRITORY = "Grand-Orly Seine Bièvre"


# The store harvested and built offline from the real files, a copy per test, and a test client.
from tests.test_web import built, client, settings  # noqa: E402, F401  (fixtures)


def page(client, url: str) -> str:
    url = "/" + url if url.startswith("?") else url  # links of the page are relative to "/"
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def cards(html: str) -> list[str]:
    return re.findall(r'<a href="/lieu/([^"?]+)[^"]*">', html)


def test_the_build_keeps_the_names_of_the_communes_around_the_territory(built):
    names = open_store(built.store_location).read(PLACE_NAMES)
    assert len(names) > 34_000  # every current commune of the national list
    inside = names[names["in_territory"].astype(bool)]
    assert len(inside) == 24 and "Athis-Mons" in set(inside["nom"])
    paris = names[names["nom"] == "Paris"].iloc[0]
    assert not paris["in_territory"] and "75011" in paris["codes_postaux"]
    assert 2.2 < paris["lon"] < 2.5 and 48.8 < paris["lat"] < 48.9  # a point inside Paris' contour


@pytest.mark.parametrize(("typed", "meant"), [("Atis-Mons", "Athis-Mons"), ("atis mons", "Athis-Mons"),
                                              ("Vitri sur Seine", "Vitry-sur-Seine"), ("Juvisy sur orge", "Juvisy-sur-Orge"),
                                              ("Choisy le Roy", "Choisy-le-Roi"), ("paray vieille poste", "Paray-Vieille-Poste")])  # fmt: skip
def test_a_typo_or_missing_hyphens_and_accents_find_the_commune(client, typed, meant):
    html = page(client, f"/?q={typed}")
    assert f"Lieux près de {meant}" in html and cards(html)
    if typed.replace("-", " ").lower() != meant.replace("-", " ").lower():
        assert f"Résultats pour {meant}. Vous avez écrit « {typed} »." in html
    assert html.count(f"Lieux près de {meant}") >= 1 and cards(html) == cards(page(client, f"/?q={meant}"))


def test_a_vague_name_gets_suggestions(client):
    html = page(client, "/?q=Orli")  # « Orleix », « Orliac » (elsewhere) score higher: only covered communes are offered
    assert "Nous n'avons pas trouvé « Orli ». Vouliez-vous dire :" in html and "Lieux près de" not in html
    suggested = re.findall(r'<li><a href="(\?[^"]+)#resultats">([^<]+)</a></li>', html.split('id="resultats"')[1])
    assert [name for _, name in suggested] == ["Orly"]
    assert "Lieux près de Orly" in page(client, "/" + suggested[0][0].replace("&amp;", "&"))
    # A commune of the territory whose name is close to one elsewhere: offered, not imposed.
    html = page(client, "/?q=Chevily")
    assert "Vouliez-vous dire" in html and "Chevilly-Larue" in html and "Lieux près de" not in html


@pytest.mark.parametrize(("typed", "name"), [("Paris", "Paris"), ("paris", "Paris"), ("75011", "Paris"),
                                             ("Evry-Courcouronnes", "Évry-Courcouronnes"), ("Pariss", "Paris")])  # fmt: skip
def test_a_place_outside_the_territory_is_named_with_the_nearest_covered_commune(client, typed, name):
    html = page(client, f"/?q={typed}")
    assert f"{name} n'est pas dans le territoire couvert ({TERRITORY})." in html
    nearest = re.search(r"La commune couverte la plus proche est : <a href=\"([^\"]+)\">([^<]+)</a>", html)
    assert nearest, html[html.find("notice"):][:600]
    assert "Lieux près de" not in html
    # The suggested commune's link leads to its results.
    assert f"Lieux près de {nearest.group(2)}" in page(client, nearest.group(1).split("#")[0])


def test_paris_leads_to_a_commune_at_its_border(client):
    html = page(client, "/?q=Paris")
    nearest = re.search(r"La commune couverte la plus proche est : <a [^>]+>([^<]+)</a>", html).group(1)
    assert nearest in {"Ivry-sur-Seine", "Gentilly", "Le Kremlin-Bicêtre", "Arcueil"}


def test_an_unknown_word_names_the_territory(client):
    html = page(client, "/?q=Xqzwv")
    assert f"Nous n'avons pas trouvé « Xqzwv » dans le territoire {TERRITORY}." in html
    english = page(client, "/?q=Xqzwv&lang=en")
    assert f"We did not find \u201cXqzwv\u201d in the area {TERRITORY}." in english


def test_a_commune_far_away_is_outside_even_without_its_position(client):
    # The offline contours cover Île-de-France only: Marseille is known by name, not placed.
    html = page(client, "/?q=Marseille")
    assert f"Marseille n'est pas dans le territoire couvert ({TERRITORY})." in html
    assert "Tapez le nom d'une commune du territoire ou son code postal." in html


def test_a_typo_in_english_is_answered_in_english(client):
    html = page(client, "/?q=Atis-Mons&lang=en")
    assert "Results for Athis-Mons. You typed \u201cAtis-Mons\u201d." in html
    html = page(client, "/?q=Paris&lang=en")
    assert f"Paris is not in the area this site covers ({TERRITORY})." in html and "The nearest town covered" in html


def test_the_home_page_names_the_territory_and_its_communes(client):
    html = page(client, "/")
    assert f"Ce site couvre le territoire {TERRITORY} : 24 communes." in html
    listed = re.findall(r'<li><a href="/\?q=([^"&]+)[^"]*#resultats">([^<]+)</a></li>', html)
    assert len(listed) == 24 and "Athis-Mons" in {name for _, name in listed}
    assert page(client, "/?lang=en").count(f"This site covers the area {TERRITORY}: 24 towns.") == 1


def test_search_form_and_links_lead_to_the_results(client):
    html = page(client, "/")
    assert re.search(r'<form class="search" method="get" action="/#resultats"', html)
    results = page(client, "/?q=Orly")
    assert '<div class="answer" >' in results and 'id="resultats" class="results-count" tabindex="-1"' in results
    # The results section comes before the map in the page (the map follows the list on phones).
    assert results.index('id="results-title"') < results.index('id="map-title"')


def test_filters_fold_away_once_applied_with_a_summary(client):
    html = page(client, "/?q=Vitry-sur-Seine&gratuit=1&ouvert=maintenant&rayon=2")
    details = re.search(r'<details class="filters" id="filtres"[^>]*>', html).group(0)
    assert "open" not in details.replace('class="filters"', "")
    summary = re.search(r'<p class="active-filters">(.*?)</p>', html, re.S).group(1)
    assert "Filtres choisis : gratuit, ouvert maintenant, à moins de 2 km" in summary
    change = re.search(r'<a href="([^"]+)">modifier</a>', summary).group(1)
    assert "filtres=1" in change and change.endswith("#filtres")
    reopened = page(client, change.replace("&amp;", "&").split("#")[0])
    assert re.search(r'<details class="filters" id="filtres" open>', reopened)
    service = "Aide aux démarches administratives"
    english = page(client, f"/?q=Vitry-sur-Seine&service={service}&ouvert=jour&jour=1&heure=10:00&lang=en")
    assert "Filters chosen: Help with online paperwork, open on Tuesday 10:00, within 5 km" in english
    assert 'class="active-filters"' not in page(client, "/?q=Vitry-sur-Seine")


def test_the_printed_list_has_dates_phones_and_the_weeks_hours(client, monkeypatch):
    import inclusion_map.web.public as public

    # A Monday evening: the screen says « demain mardi », paper must say « le mardi 1 décembre ».
    monkeypatch.setattr(public, "now_local", lambda: datetime(2026, 11, 30, 19, 0))
    screen = page(client, "/?q=Vitry-sur-Seine")
    paper = page(client, "/?q=Vitry-sur-Seine&print=1")
    assert "ouvre demain mardi à" in screen
    assert "demain" not in paper and "ouvre le mardi 1er décembre à" in paper
    assert "Liste imprimée le lundi 30 novembre 2026 à 19h." in paper
    assert paper.count('class="card print-card"') == 20
    assert paper.count('<dl class="week-lines"') >= 5 and "Du lundi au vendredi" in paper
    phones = paper.count('href="tel:') + paper.count("Pas de téléphone connu.")
    assert phones == 20
    assert cards(paper)[:20] == cards(screen)[:20]


def _token(client, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_report_form_with_mistakes_comes_back_with_the_text_kept(client, settings, lang):
    from inclusion_map.web.reports_store import ReportStore

    venue = cards(page(client, "/?q=Orly"))[0]
    suffix = "?lang=en" if lang == "en" else ""
    token = _token(client, f"/lieu/{venue}{suffix}")
    sent = client.post(f"/lieu/{venue}/signaler{suffix}",
                       data={"csrf": token, "kind": "horaires", "message": "   ", "contact": "marie@example.org"})  # fmt: skip
    html = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400 and f'<html lang="{lang}">' in html
    assert '<option value="horaires" selected>' in html and 'value="marie@example.org"' in html
    assert re.search(r'<textarea id="message"[^>]*aria-invalid="true" aria-describedby="message-error"', html)
    expected = "Write at least 3 letters or numbers" if lang == "en" else "Écrivez au moins 3 lettres ou chiffres"
    assert f'<p class="field-error" id="message-error">{expected}' in html
    assert "must hold" not in html and "#signaler" in html
    # A page left open too long: the same form back with a fresh token, the text kept; it then goes.
    late = client.post(f"/lieu/{venue}/signaler{suffix}",
                       data={"csrf": "expired", "kind": "autre", "message": "Le lieu a déménagé rue Voltaire"})  # fmt: skip
    html = unescape(late.get_data(as_text=True))
    assert late.status_code == 400 and "Le lieu a déménagé rue Voltaire</textarea>" in html
    fresh = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    again = client.post(f"/lieu/{venue}/signaler{suffix}",
                        data={"csrf": fresh, "kind": "autre", "message": "Le lieu a déménagé rue Voltaire"})  # fmt: skip
    assert again.status_code == 302
    stored = ReportStore(side_db(settings.store_location, "reports")).list()
    assert [r["message"] for r in stored] == ["Le lieu a déménagé rue Voltaire"]


def test_a_report_message_too_long_keeps_the_choice(client):
    venue = cards(page(client, "/?q=Orly"))[0]
    sent = client.post(f"/lieu/{venue}/signaler",
                       data={"csrf": _token(client, f"/lieu/{venue}"), "kind": "nope", "message": "x" * 2001})  # fmt: skip
    html = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400 and "Choisissez ce qui ne va pas dans la liste." in html
    assert 'id="kind-error"' in html and 'id="message-error"' in html


def test_the_printed_list_says_where_to_find_it_again(client):
    paper = page(client, "/?q=Vitry-sur-Seine&gratuit=1&print=1&nombre=5")
    found = re.search(r"Retrouvez cette liste sur internet : (\S+)</p>", paper).group(1)
    assert found == "http://localhost/?q=Vitry-sur-Seine&gratuit=1" and paper.count('class="card print-card"') <= 5
    assert client.get("/?q=Orly&print=1&nombre=7").status_code == 400
