"""The territory's other actors on the public site (``inclusion_map.web.actors_public``) through
Flask's test client: the list by kind in distance order, the map's layers, an actor's page and its
print sheet, 404s, bad values said in the page's language with what was typed kept, the workshop
choice landing on the right workshops, and the organisers-only kind never public.

Every actor comes from the SYNTHETIC fixture ``tests/fixtures/actors_public/`` (see its README):
made-up names and contacts at rough points of real communes of the territory, imported with the
core's importer and published into a store harvested and built offline from the real files.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest

from inclusion_map.actors.importing import preview, read_upload
from inclusion_map.actors.publish import open_actor_store
from inclusion_map.stores import open_store
from inclusion_map.web import actors_public, create_app
from inclusion_map.web.i18n import TEXTS
from inclusion_map.web.texts import actors_public as texts
from tests.conftest import harvested_and_built

FIXTURE = Path(__file__).parent / "fixtures" / "actors_public" / "acteurs_public_synthetic.csv"
VITRY = "Vitry-sur-Seine"
NOW = datetime(2026, 12, 1, 15, 0)  # a Tuesday afternoon
PARTNER = "CCAS fictif de Vitry"
PRIVATE = ("Personne Fictive", "personne.fictive@exemple.invalid", "troisieme.fictive", "01 99 00 99")


def publish_fixture(settings) -> None:
    """Import the synthetic actors with the core's importer (it publishes the layer after)."""
    store = open_actor_store(settings)
    result = preview(read_upload(FIXTURE.name, FIXTURE.read_bytes()), settings, store, filename=FIXTURE.name)
    assert result.counts["add"] == 8, [(r.line, r.problems) for r in result.rows if r.problems]
    store.apply(result, "test")
    assert store.publish_error is None


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("actors-public"), testdata)
    publish_fixture(settings)
    return settings


@pytest.fixture(scope="module")
def client(built):
    app = create_app(built)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(actors_public, "now_local", lambda: NOW)


@pytest.fixture(scope="module")
def ids(built) -> dict[str, str]:
    layer = open_store(built.store_location).read("actors")
    return dict(zip(layer["nom"], layer["id"], strict=True))


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return unescape(response.get_data(as_text=True))


def titles(html: str) -> list[str]:
    return re.findall(r'class="card-title">\s*<a href="[^"]*"[^>]*>([^<]+)</a>', html)


# --- the list --------------------------------------------------------------------------------------
def test_the_filter_lists_the_actors_of_the_kind_nearest_first(client):
    html = page(client, f"/acteurs?type=acces_droit&q={VITRY}")
    found = titles(html)
    assert found[0] == "Point-justice fictif de Vitry"
    assert set(found) == {"Point-justice fictif de Vitry", "Maison de justice fictive d'Ivry",
                          "Permanence juridique fictive de Villejuif"}  # fmt: skip
    distances = [float(d.replace(",", ".")) * (1 if unit == "km" else 0.001)
                 for d, unit in re.findall(r'class="distance">([\d,]+) (km|m) ·', html)]  # fmt: skip
    assert len(distances) == 3 and distances == sorted(distances)
    assert "3 lieux à moins de 5 km" in html
    # the card: phone, next opening from the OSM hours, services of the kind, languages
    assert "01 99 00 10 01" in html and "Fermé · ouvre demain mercredi à 9h" in html
    assert "Ouvert · ferme à 17h" in html and "Horaires inconnus" in html
    assert "Information juridique · Aide aux victimes" in html
    assert "Langues parlées" in html and "français, arabe" in html
    # only this kind
    assert "Atelier sociolinguistique fictif" not in html


def test_workshops_show_their_level_and_the_radius_narrows(client):
    html = page(client, f"/acteurs?type=langue&q={VITRY}&rayon=2")
    assert titles(html) == ["Atelier sociolinguistique fictif de Vitry"]
    assert "Niveau" in html and "Débutant (A1), Élémentaire (A2)" in html
    assert "Chercher jusqu'à" not in html  # there are results
    none = page(client, "/acteurs?type=langue&q=94310&rayon=1")
    assert "Conversation fictive d'Orly" in none  # 94310 is Orly


def test_the_home_page_offers_the_kinds_and_its_form_leads_to_the_list(client):
    html = page(client, "/")
    assert 'name="type" value="acces_droit"' in html and 'name="type" value="langue"' in html
    assert 'value="partenaire"' not in html
    assert "/acteurs?type=acces_droit" in html and "/apprendre-le-francais" in html
    response = client.get(f"/?type=langue&q={VITRY}&rayon=5")
    assert response.status_code == 302
    assert (
        response.headers["Location"].startswith("/acteurs?") and "type=langue" in response.headers["Location"]
    )
    # a venues search (type empty) stays on the finder
    assert client.get(f"/?type=&q={VITRY}").status_code == 200


def test_the_map_layers_one_per_public_kind(client):
    raw = client.get(f"/acteurs?type=langue&q={VITRY}").get_data(as_text=True)
    layers = re.search(r'data-actor-layers="([^"]*)"', raw)
    assert layers, "the layers are an attribute, their JSON escaped"
    spec = json.loads(unescape(layers[1]))
    assert [(s["kind"], s["on"], s["colour"]) for s in spec] == [
        ("acces_droit", False, "#6d28d9"),
        ("langue", True, "#be185d"),
    ]
    data = client.get("/acteurs/carte.geojson?type=langue").get_json()
    assert {f["properties"]["nom"] for f in data["features"]} >= {"Atelier sociolinguistique fictif de Vitry"}
    assert all(f["properties"]["kind"] == "langue" for f in data["features"])
    boxed = client.get("/acteurs/carte.geojson?type=langue&bbox=2.38,48.78,2.40,48.80").get_json()
    assert [f["properties"]["nom"] for f in boxed["features"]] == [
        "Atelier sociolinguistique fictif de Vitry"
    ]
    assert client.get("/acteurs/carte.geojson?type=langue&bbox=oops").status_code == 400
    home = page(client, f"/?q={VITRY}")
    assert "data-actor-layers" in home  # the finder's map has the layers too, the venues' stays


# --- the organisers-only kind ----------------------------------------------------------------------
def test_the_partner_kind_never_appears_on_a_public_page_or_layer(client, ids, built):
    assert PARTNER not in ids  # never published
    assert client.get("/acteurs/carte.geojson?type=partenaire").status_code == 400
    assert page(client, f"/acteurs?type=partenaire&q={VITRY}", 400)
    partner_id = next(a["id"] for a in open_actor_store(built).all() if a["nom"] == PARTNER)
    assert client.get(f"/acteur/{quote(partner_id)}").status_code == 404
    urls = [
        "/",
        f"/?q={VITRY}",
        f"/acteurs?type=acces_droit&q={VITRY}",
        f"/acteurs?type=langue&q={VITRY}&rayon=20",
        f"/acteurs?type=partenaire&q={VITRY}",
        "/acteurs/carte.geojson?type=acces_droit",
        "/acteurs/carte.geojson?type=langue",
        f"/apprendre-le-francais/ateliers?niveau=a1&q={VITRY}",
        f"/apprendre-le-francais/fiche?niveau=je-ne-sais-pas&q={VITRY}&print=1",
        *(f"/acteur/{quote(i)}" for i in ids.values()),
        *(f"/acteur/{quote(i)}?print=1" for i in ids.values()),
    ]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        assert PARTNER not in text and "CCAS fictif" not in text, url
        assert not any(secret in text for secret in PRIVATE), url
        assert "Partenaires du réseau" not in text, url


# --- an actor's page -------------------------------------------------------------------------------
def test_an_actor_page_says_how_to_get_there_and_what_it_offers(client, ids):
    actor_id = ids["Point-justice fictif de Vitry"]
    html = page(client, f"/acteur/{quote(actor_id)}")
    assert "<h1" in html and "Point-justice fictif de Vitry" in html
    assert "1 rue de l'Exemple" in html and "94400" in html and "Vitry-sur-Seine" in html
    # directions by the address
    assert (
        "https://www.openstreetmap.org/directions?to=1%20rue%20de%20l%27Exemple%2C%2094400%20Vitry-sur-Seine"
        in html
    )
    assert 'href="tel:+33199001001"' in html
    assert "Horaires des 7 prochains jours" in html and "9h – 12h" in html
    assert "Information juridique" in html and "Aide aux victimes" in html
    assert "CISPD (prévention de la délinquance)" in html and "Association fictive" in html  # networks
    assert "français, arabe" in html
    assert "Saisi par l'équipe du territoire" in html and "mis à jour le" in html
    assert "Accès au droit" in html


def test_a_workshop_page_gives_its_level_and_audience_and_prints(client, ids):
    actor_id = ids["Atelier sociolinguistique fictif de Vitry"]
    html = page(client, f"/acteur/{quote(actor_id)}?lang=en")
    assert '<html lang="en">' in html
    assert 'lang="fr">Atelier sociolinguistique fictif de Vitry</h1>' in html  # names stay French
    assert "Beginner (A1)" in html and "Elementary (A2)" in html
    assert "Adults (" not in html and "Adultes (exemple synthétique)" in html
    assert "Socio-linguistic workshop (ASL)" in html and "Language learning network" in html
    assert "Typed in by the territory's team" in html
    printed = page(client, f"/acteur/{quote(actor_id)}?print=1")
    assert "Imprimé le" in printed and 'class="site-header"' not in printed
    assert "Tuesday" not in printed and "Mardi" in printed


def test_a_bare_visit_shows_the_form(client):
    html = page(client, "/acteurs")
    assert 'name="type" value="acces_droit" checked' in html and 'role="alert"' not in html


def test_unknown_actor_ids_are_404(client):
    for url in ("/acteur/nope", "/acteur/acteur:langue:nope", "/acteur/acteur:partenaire:x/y"):
        assert client.get(url).status_code == 404, url


# --- bad values ------------------------------------------------------------------------------------
def test_bad_query_values_are_a_clear_400_in_the_page_language_with_what_was_typed_kept(client):
    html = page(client, f"/acteurs?type=cuisine&q={VITRY}", 400)
    assert "Le type d'aide « cuisine » n'existe pas" in html and "Accès au droit (acces_droit)" in html
    assert f'value="{VITRY}"' in html  # the search typed stays in the form
    english = page(client, f"/acteurs?type=cuisine&q={VITRY}&lang=en", 400)
    assert "The kind of help \u201ccuisine\u201d does not exist" in english and f'value="{VITRY}"' in english
    radius = page(client, f"/acteurs?type=langue&q={VITRY}&rayon=3", 400)
    assert "3" in radius and 'role="alert"' in radius and f'value="{VITRY}"' in radius
    assert 'lang="en"' not in radius.split("<main", 1)[1]  # put in plain French
    level = page(client, f"/apprendre-le-francais/ateliers?niveau=C2&q={VITRY}", 400)
    assert "Le niveau « C2 » n'existe pas" in level and 'name="niveau"' in level
    assert f'value="{VITRY}"' in level  # carried along in the form
    day = page(client, "/apprendre-le-francais/ou?niveau=a1&jour=funday&lang=en", 400)
    assert "The day \u201cfunday\u201d does not exist" in day
    where = page(client, "/apprendre-le-francais/ateliers?niveau=a1&lon=500&lat=2", 400)
    assert 'id="q-error"' in where


# --- the workshop choice ---------------------------------------------------------------------------
def test_the_steps_work_as_plain_forms_and_keep_the_answers(client):
    first = page(client, "/apprendre-le-francais")
    assert 'action="/apprendre-le-francais/jours"' in first and 'value="je-ne-sais-pas"' in first
    assert "Je connais quelques mots" in first  # each level in plain words
    missing = page(client, "/apprendre-le-francais/jours")
    assert "Choisissez votre niveau" in missing
    days = page(client, "/apprendre-le-francais/jours?niveau=a1")
    assert 'name="niveau" value="a1"' in days and 'name="jour" value="mardi"' in days
    where = page(client, "/apprendre-le-francais/ou?niveau=a1&jour=mardi")
    assert 'name="jour" value="mardi"' in where and 'action="/apprendre-le-francais/ateliers"' in where
    nowhere = page(client, "/apprendre-le-francais/ateliers?niveau=a1")
    assert "Écrivez votre commune" in nowhere


def test_a_level_lands_on_its_workshops_with_the_reasons(client):
    html = page(client, f"/apprendre-le-francais/ateliers?niveau=a1&q={VITRY}")
    found = titles(html)
    assert found[0] == "Atelier sociolinguistique fictif de Vitry"
    assert "Cours de français fictif d'Ivry" not in found  # B1, B2
    assert "Alphabétisation fictive de Choisy" not in found
    assert "Conversation fictive d'Orly" in found  # its level is not given: said, never hidden
    assert (
        "Pour votre niveau : Débutant (A1)" in html and "Niveau pas précisé : appelez pour demander" in html
    )


def test_days_narrow_the_workshops(client):
    html = page(client, f"/apprendre-le-francais/ateliers?niveau=a1&jour=mardi&q={VITRY}")
    assert titles(html) == ["Atelier sociolinguistique fictif de Vitry"]
    assert "Ouvert le mardi" in html


def test_i_do_not_know_my_level_leads_to_level_tests_or_every_level(client):
    html = page(client, f"/apprendre-le-francais/ateliers?niveau=je-ne-sais-pas&q={VITRY}")
    found = titles(html)
    assert "Alphabétisation fictive de Choisy" in found  # « test de positionnement »
    assert "Atelier sociolinguistique fictif de Vitry" not in found  # A1-A2 only, no test said
    assert "Fait un test de niveau ou accueille tous les niveaux" in html


def test_no_match_offers_the_nearest_workshops_and_who_to_call(client):
    html = page(client, f"/apprendre-le-francais/ateliers?niveau=b2&jour=dimanche&q={VITRY}")
    assert "Aucun atelier ne correspond à toutes vos réponses." in html
    assert "Appelez-les" in html
    assert len(titles(html)) == 3 and titles(html)[0] == "Atelier sociolinguistique fictif de Vitry"
    assert 'href="tel:' in html


def test_the_sheet_prints_the_matching_workshops(client):
    html = page(client, f"/apprendre-le-francais/fiche?niveau=a1&jour=mardi&q={VITRY}&print=1")
    assert (
        "Ateliers de français" in html and "1. <span>Atelier sociolinguistique fictif de Vitry</span>" in html
    )
    text = html.replace("\u00a0", " ")
    assert (
        "Mardi : 14h – 16h" in text
        and "Niveau : Débutant (A1) · Jours : mardi · Près de : Vitry-sur-Seine" in text
    )
    assert "Appelez avant d'y aller" in html and "Ouvert le mardi" in html


def test_every_text_has_both_languages():
    for key, (fr, en) in texts.TEXTS.items():
        assert key.startswith("ap_") and fr.strip() and en.strip() and TEXTS[key] == (fr, en)
