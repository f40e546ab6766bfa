"""The organisers' pages of the territory's other actors and the network view ``/reseau``, with
Flask's test client on a store harvested and built offline from the real files.

Every actor here is SYNTHETIC (typed in the tests, or read from ``tests/fixtures/actors_web/``,
see its README): made-up names and contacts in real communes of the territory. Geocoding is off:
rows are placed by their coordinates or at their commune's centre.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from inclusion_map.actors.publish import LAYER
from inclusion_map.actors.store import ActorStore, actors_path
from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from inclusion_map.web.actors_organiser import venue_networks
from inclusion_map.web.auth import OrganiserStore
from inclusion_map.web.venue_index import get_index
from tests.conftest import harvested_and_built, mirror_settings

PASSWORD = "correct horse battery"  # a test account's password, in a temporary folder
FIXTURE = Path(__file__).parent / "fixtures" / "actors_web" / "reseau_synthetic.csv"
NEW_LANGUE = "/organisateurs/acteurs/nouveau?type=langue"


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("actors-web"), testdata)


@pytest.fixture
def settings(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


@pytest.fixture
def client(settings):
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("claire", PASSWORD)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def organiser(client):
    """A client logged in as the organiser « claire »."""
    response = client.post("/connexion", data={"csrf": token(client, "/connexion"), "name": "claire",
                                               "password": PASSWORD, "next": "/organisateurs/acteurs"})  # fmt: skip
    assert response.status_code == 302
    return client


def token(client, path="/organisateurs/acteurs/import") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def actors(settings) -> list[dict]:
    return ActorStore(actors_path(settings.store_location)).all()


def published(settings) -> list[str]:
    store = open_store(settings.store_location)
    return sorted(store.read(LAYER)["nom"]) if store.has(LAYER) else []


def log(settings) -> list[tuple[str, str, str]]:
    rows = OrganiserStore(side_db(settings.store_location, "organisers")).actions(200)
    return [(r["action"], r["target"], r["detail"]) for r in rows]


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def field_error(response, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" id="{name}-erreur">([^<]*)</p>', response.get_data(as_text=True))
    return found.group(1).replace("&#39;", "'") if found else None


def upload(client, path: Path = FIXTURE, name: str | None = None, data: bytes | None = None):
    body = data if data is not None else path.read_bytes()
    return client.post("/organisateurs/acteurs/import", content_type="multipart/form-data",
                       data={"csrf": token(client), "fichier": (io.BytesIO(body), name or path.name)})  # fmt: skip


def staged_token(response) -> str:
    return re.search(r'name="jeton" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def imported(client) -> dict:
    preview = upload(client)
    assert preview.status_code == 200
    result = client.post("/organisateurs/acteurs/import/confirmer",
                         data={"csrf": token(client), "jeton": staged_token(preview)})  # fmt: skip
    assert result.status_code == 200, text_of(result)[:500]
    return result


WORKSHOP = {"nom": "Atelier de conversation fictif", "adresse": "6 rue de l'Exemple", "code_postal": "94400",
            "commune": "Vitry-sur-Seine", "telephone": "01 99 00 30 01", "horaires": "lundi matin",
            "services": ["conversation", "cours_fle"], "extra_niveau": ["A2", "B1"],
            "extra_public_vise": "Adultes (exemple synthétique)", "langues": "français, tamoul",
            "reseaux": ["reseau_linguistique"], "reseaux_autres": "Collectif fictif",
            "contact_nom": "Personne Fictive Trois", "contact_courriel": "trois.fictive@exemple.invalid"}  # fmt: skip


# --- access ----------------------------------------------------------------------------------------

def test_every_page_and_write_needs_a_login_and_csrf(client, settings):
    for path in ("/organisateurs/acteurs", NEW_LANGUE, "/organisateurs/acteurs/import",
                 "/organisateurs/acteurs/modele.csv", "/reseau", "/reseau/contacts.csv"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["Cache-Control"] == "no-store", path  # never kept by a shared cache
        assert "réservée aux organisateurs" in text_of(response)
        assert f'name="next" value="{path}"' in response.get_data(as_text=True)  # back here after the login
    csrf = token(client, "/connexion")
    writes = {NEW_LANGUE: {**WORKSHOP, "horaires": ""}, "/organisateurs/acteurs/import/confirmer": {"jeton": "x"},
              "/organisateurs/acteurs/acteur:langue:x/supprimer": {"raison": "fermé"}}  # fmt: skip
    for path, data in writes.items():
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 401, path
    client.post("/connexion", data={"csrf": csrf, "name": "claire", "password": PASSWORD})
    for path, data in writes.items():
        assert client.post(path, data={"csrf": "forged", **data}).status_code == 400, path
    forged = client.post("/organisateurs/acteurs/import", content_type="multipart/form-data",
                         data={"csrf": "forged", "fichier": (io.BytesIO(FIXTURE.read_bytes()), "f.csv")})  # fmt: skip
    assert forged.status_code == 400
    assert actors(settings) == [] and published(settings) == []
    assert not [a for a in log(settings) if a[0].startswith("actor")]


def test_unknown_kind_is_refused(organiser):
    assert organiser.get("/organisateurs/acteurs/nouveau?type=mairie").status_code == 400
    assert organiser.get("/organisateurs/acteurs?type=mairie").status_code == 400
    assert organiser.get("/organisateurs/acteurs/acteur:langue:inconnu/modifier").status_code == 404


# --- the form --------------------------------------------------------------------------------------

def test_add_by_form_an_error_kept_then_fixed(organiser, settings):
    page = organiser.get(NEW_LANGUE)
    html = page.get_data(as_text=True)
    for name in ("nom", "adresse", "horaires", "contact_nom", "extra_public_vise", "reseaux_autres"):
        assert re.search(rf'<label for="{name}">', html), name  # every field has its label
    assert 'value="A1"' in html and 'value="alphabétisation"' in html  # the kind's level choices
    assert 'value="cours_fle"' in html and "information_juridique" not in html  # the kind's services only
    assert "Mo-Fr 09:00-12:00" in html  # the hours' example

    refused = organiser.post(NEW_LANGUE, data={"csrf": token(organiser, NEW_LANGUE), **WORKSHOP})
    assert refused.status_code == 400
    assert field_error(refused, "horaires") == ("horaires « lundi matin » illisibles (format OpenStreetMap, "
                                                "ex. Mo-Fr 09:00-12:00)")  # fmt: skip
    html = refused.get_data(as_text=True)
    assert re.search(r'id="horaires"[^>]*aria-describedby="horaires-aide horaires-erreur"[^>]*aria-invalid="true"',
                     html)  # fmt: skip
    assert 'value="Atelier de conversation fictif"' in html and 'value="lundi matin"' in html
    assert 'value="A2" checked' in html and 'value="A1">' in html and 'value="conversation" checked' in html
    assert 'value="Collectif fictif"' in html and 'value="français, tamoul"' in html
    assert actors(settings) == []

    english = organiser.post(NEW_LANGUE + "&lang=en", data={"csrf": token(organiser, NEW_LANGUE), **WORKSHOP})
    assert field_error(english, "horaires").startswith("opening hours “lundi matin” cannot be read")

    saved = organiser.post(NEW_LANGUE, data={"csrf": token(organiser, NEW_LANGUE),
                                             **{**WORKSHOP, "horaires": "Mo 09:00-12:00"}})  # fmt: skip
    assert saved.status_code == 302
    assert "fait=ajout" in saved.location and "centre=1" in saved.location  # no coordinates, no geocoder
    notice = text_of(organiser.get(saved.location))
    assert "Acteur ajouté" in notice and "placé au centre de sa commune" in notice
    [actor] = actors(settings)
    assert actor["id"] == "acteur:langue:atelier-de-conversation-fictif-vitry-sur-seine"
    assert actor["horaires"] == "Mo 09:00-12:00" and actor["services"] == "conversation|cours_fle"
    assert actor["langues"] == "français|tamoul" and actor["reseaux"] == "reseau_linguistique|Collectif fictif"
    assert actor["extra"] == '{"niveau": ["A2", "B1"], "public_vise": "Adultes (exemple synthétique)"}'
    assert actor["geocode_precision"] == "commune" and actor["code_insee"] == "94081"
    assert actor["updated_by"] == "claire" and actor["source"] == "saisie"
    assert published(settings) == ["Atelier de conversation fictif"]  # the public layer is rewritten
    assert ("actor-added", actor["id"], "Atelier de conversation fictif") in log(settings)
    listed = text_of(organiser.get("/organisateurs/acteurs"))
    assert "Atelier de conversation fictif" in listed and "claire" in listed

    twin = organiser.post(NEW_LANGUE, data={"csrf": token(organiser, NEW_LANGUE),
                                            **{**WORKSHOP, "horaires": ""}})  # fmt: skip
    assert twin.status_code == 400 and field_error(twin, "nom").startswith("doublon de « Atelier de conversation")


def test_edit_then_remove(organiser, settings):
    data = {**WORKSHOP, "horaires": "", "latitude": "48.7875", "longitude": "2.3928"}
    organiser.post(NEW_LANGUE, data={"csrf": token(organiser, NEW_LANGUE), **data})
    [actor] = actors(settings)
    assert actor["geocode_precision"] == "équipe"
    edit = f"/organisateurs/acteurs/{actor['id']}/modifier"
    form = organiser.get(edit).get_data(as_text=True)
    assert 'value="01 99 00 30 01"' in form and 'value="48.7875"' in form and "trois.fictive@exemple.invalid" in form

    same = organiser.post(edit, data={"csrf": token(organiser, edit), **data})
    assert same.status_code == 302 and "fait=rien" in same.location

    bad = organiser.post(edit, data={"csrf": token(organiser, edit), **data, "telephone": "12"})
    assert bad.status_code == 400 and field_error(bad, "telephone").startswith("téléphone « 12 » invalide")
    assert 'value="12"' in bad.get_data(as_text=True)

    changed = organiser.post(edit, data={"csrf": token(organiser, edit), **data, "telephone": "01 99 00 30 02",
                                         "extra_niveau": ["B2"]})  # fmt: skip
    assert changed.status_code == 302 and "fait=modification" in changed.location
    after = ActorStore(actors_path(settings.store_location)).get(actor["id"])
    assert after["telephone"] == "+33199003002" and after["extra"].startswith('{"niveau": ["B2"]')
    assert after["source"] == "saisie" and after["geocode_precision"] == "équipe"
    assert ("actor-updated", actor["id"], "extra, telephone") in log(settings)
    page = text_of(organiser.get(edit))
    assert "Historique de cet acteur" in page and "claire : modification" in page

    remove = f"/organisateurs/acteurs/{actor['id']}/supprimer"
    no_reason = organiser.post(remove, data={"csrf": token(organiser, edit), "raison": " "})
    assert no_reason.status_code == 400 and field_error(no_reason, "raison") == "Dites pourquoi, en 3 à 500 caractères."
    assert published(settings) == ["Atelier de conversation fictif"]
    removed = organiser.post(remove, data={"csrf": token(organiser, edit), "raison": "L'atelier a fermé (fictif)"})
    assert removed.status_code == 302 and "fait=suppression" in removed.location
    assert actors(settings) == [] and published(settings) == []
    assert ("actor-removed", actor["id"], "L'atelier a fermé (fictif)") in log(settings)
    assert organiser.get(edit).status_code == 404
    listed = text_of(organiser.get("/organisateurs/acteurs"))
    assert "Aucun acteur pour l'instant." in listed  # the history below still says it was removed
    assert "claire : retrait Atelier de conversation fictif (L'atelier a fermé (fictif))" in listed


def test_a_partner_is_never_published(organiser, settings):
    path = "/organisateurs/acteurs/nouveau?type=partenaire"
    form = organiser.get(path).get_data(as_text=True)
    assert "extra_niveau" not in form and 'value="jeunesse"' in form
    response = organiser.post(path, data={"csrf": token(organiser, path), "nom": "Espace fictif", "commune": "Orly",
                                          "services": ["jeunesse"]})  # fmt: skip
    assert response.status_code == 302
    assert [a["nom"] for a in actors(settings)] == ["Espace fictif"] and published(settings) == []
    assert "non (organisateurs)" in text_of(organiser.get("/organisateurs/acteurs?type=partenaire"))


# --- import ----------------------------------------------------------------------------------------

def test_import_preview_writes_nothing_and_confirm_writes_in_one_go(organiser, settings):
    page = text_of(organiser.get("/organisateurs/acteurs/import"))
    assert "Les colonnes du fichier" in page and "extra_niveau" in page and "Télécharger le modèle CSV" in page
    preview = upload(organiser)
    assert preview.status_code == 200
    text = text_of(preview)
    assert "4 ajout(s) 0 modification(s) 0 inchangé(s) 1 rejet(s)" in text
    rejected = re.search(r'<tr class="row-reject">(.*?)</tr>', preview.get_data(as_text=True), re.S).group(1)
    assert "<td>6</td>" in rejected and "Atelier fictif aux horaires flous" in rejected
    assert "horaires « lundi matin » illisibles" in rejected
    assert actors(settings) == [] and published(settings) == []  # nothing written by the preview
    assert any(a[0] == "actors-import-preview" and a[1] == FIXTURE.name for a in log(settings))

    confirm = "/organisateurs/acteurs/import/confirmer"
    jeton = staged_token(preview)
    assert organiser.post(confirm, data={"csrf": "forged", "jeton": jeton}).status_code == 400
    assert actors(settings) == []
    result = organiser.post(confirm, data={"csrf": token(organiser), "jeton": jeton})
    assert result.status_code == 200
    assert "4 ajout(s) 0 modification(s) 0 inchangé(s) 1 rejet(s)" in text_of(result)
    history = ActorStore(actors_path(settings.store_location)).history()
    assert len(history) == 4 and len({h["at"] for h in history}) == 1  # one transaction, one moment
    assert {h["note"] for h in history} == {f"import {FIXTURE.name}"}
    assert published(settings) == ["Atelier de français fictif de Choisy", "Point-justice fictif de Vitry"]
    assert (("actors-imported", FIXTURE.name, "added=4 changed=0 unchanged=0 rejected=1") in log(settings))
    again = organiser.post(confirm, data={"csrf": token(organiser), "jeton": jeton})  # applied once only
    assert again.status_code == 400 and "n'existe plus" in text_of(again)
    assert len(actors(settings)) == 4


def test_import_of_a_change_shows_old_and_new(organiser, settings):
    imported(organiser)
    workshop = next(a for a in actors(settings) if a["kind"] == "langue")
    row = (f"id;kind;nom;commune;code_insee;latitude;longitude;horaires;services;extra_niveau\n"
           f"{workshop['id']};langue;{workshop['nom']};Choisy-le-Roi;94022;48.7640;2.4090;Tu 14:00-16:00;"
           f"cours_fle;A1|A2\n")  # fmt: skip
    preview = upload(organiser, name="change.csv", data=row.encode())
    text = text_of(preview)
    assert "0 ajout(s) 1 modification(s)" in text
    assert "Horaires : Tu,Th 14:00-16:00 → Tu 14:00-16:00" in text
    assert "Langues parlées : français → —" in text  # an empty cell clears the value
    assert ActorStore(actors_path(settings.store_location)).get(workshop["id"])["horaires"] == "Tu,Th 14:00-16:00"


def test_a_file_that_cannot_be_read_is_refused_in_the_pages_language(organiser, settings):
    empty = upload(organiser, name="vide.csv", data=b"")
    assert empty.status_code == 400 and field_error(empty, "fichier") == "Le fichier est vide."
    other = upload(organiser, name="autre.csv", data=b"a;b\n1;2\n")
    assert other.status_code == 400 and "ni un CSV avec les colonnes du modèle" in field_error(other, "fichier")
    english = organiser.post("/organisateurs/acteurs/import?lang=en", content_type="multipart/form-data",
                             data={"csrf": token(organiser), "fichier": (io.BytesIO(b""), "e.csv")})  # fmt: skip
    assert field_error(english, "fichier") == "The file is empty."
    big = upload(organiser, name="gros.csv", data=b"kind;nom\n" + b"x" * (6 * 1024 * 1024))
    assert big.status_code == 413
    assert actors(settings) == []


def test_template_download(organiser):
    response = organiser.get("/organisateurs/acteurs/modele.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbfid;kind;nom;")
    assert b"extra_niveau" in response.data and "attachment" in response.headers["Content-Disposition"]


# --- the network -----------------------------------------------------------------------------------

def test_network_counts_partners_and_contacts(organiser, settings):
    imported(organiser)
    venues = get_index(settings.store_location).records
    france_services = sum("france_services" in venue_networks(v, settings) for v in venues)
    aidants = sum("aidants_connect" in venue_networks(v, settings) for v in venues)
    assert france_services > 0 and aidants > 0

    page = organiser.get("/reseau")
    assert page.status_code == 200
    html, text = page.get_data(as_text=True), text_of(page)
    # per network: venues, access to rights, language, partners, total
    assert f"France services {france_services} 0 0 1 {france_services + 1}" in text
    assert f"Aidants Connect {aidants} 0 0 0 {aidants}" in text
    assert "CISPD (prévention de la délinquance) 0 1 0 1 2" in text
    vitry = sum(v.get("code_insee") == "94081" for v in venues)
    assert f"Vitry-sur-Seine 94081 {vitry} 1 0 1 {vitry + 2}" in text  # communes × kinds
    # the matrix: an accessible table, a row header per structure, a column header per network
    matrix = re.search(r'<table class="data matrix">(.*?)</table>', html, re.S).group(1)
    assert '<th scope="col">France services</th>' in matrix and "CCAS fictif de Vitry</a>" in matrix
    assert '<span class="visually-hidden">oui</span>' in matrix
    # « qui n'a pas de partenaire proche »: the rule is stated, the partners' communes are not listed
    lonely = re.search(r'id="sans-partenaire".*?</section>', html, re.S).group(0)
    assert "n'est à 2 km ou moins de son centre. Les distances sont à vol d'oiseau." in text
    assert ">Vitry-sur-Seine <" not in lonely and ">Orly <" not in lonely
    assert ">Rungis <" in lonely and "non : aucun acteur" in lonely
    assert ">Choisy-le-Roi <" in lonely  # a language workshop is near, but no partner
    far = text_of(organiser.get("/reseau?distance=20"))
    assert "Chaque commune a un partenaire à moins de 20 km." in far
    assert organiser.get("/reseau?distance=abc").status_code == 400
    # the contacts, private columns included, and their export
    assert "une.fictive@exemple.invalid" in html and "/reseau/contacts.csv" in html
    export = organiser.get("/reseau/contacts.csv?type=partenaire")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig")), delimiter=";"))
    assert [r["nom"] for r in rows] == ["CCAS fictif de Vitry", "Mission locale fictive d'Orly"]
    assert rows[0]["contact_courriel"] == "une.fictive@exemple.invalid" and rows[0]["telephone"] == "+33199001001"
    assert rows[1]["contact_nom"] == "'=Personne Fictive Deux"  # a formula stays text in a spreadsheet
    assert ("contacts-exported", "partenaire", "2 rows") in log(settings)
    everyone = organiser.get("/reseau/contacts.csv")
    assert len(list(csv.DictReader(io.StringIO(everyone.data.decode("utf-8-sig")), delimiter=";"))) == 4
