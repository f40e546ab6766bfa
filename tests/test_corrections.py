"""Corrections and additions by organisers, on a store harvested and built offline from the real
files: the pure function that lays them over the merged venues (on the real ``venues`` layer), their
survival across harvests, conflicts with the sources, and the organiser pages that write them
(login, CSRF, the action log, the week editor, positions, closures, additions, error reports →
corrections, 400 answers that keep what was typed), with what the venue page, the API and the exports
then show. Corrections, closures and additions made here are SYNTHETIC (invented values on real
venues); the venues and the store are real."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from inclusion_map import corrections as corr
from inclusion_map.corrections_store import CorrectionStore, corrections_path, harvested_layer, reapply
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.hours import osm_to_week, week_to_osm
from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from inclusion_map.web.auth import OrganiserStore
from inclusion_map.web.corrections_view import week_from_form
from inclusion_map.web.reports_store import ReportStore
from tests.conftest import harvested_and_built, mirror_settings

PASSWORD = "correct horse battery"  # a test account's password, created in a temporary folder
VITRY = "94081"


# --- fixtures and helpers -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("corrections"), testdata)


@pytest.fixture
def settings(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


@pytest.fixture
def venues(settings):
    return open_store(settings.store_location).read("venues")


@pytest.fixture
def app(settings):
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("claire", PASSWORD)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def organiser(client):
    """A client logged in as the organiser « claire »."""
    response = client.post("/connexion", data={"csrf": token(client, "/connexion"), "name": "claire",
                                               "password": PASSWORD, "next": "/qualite"})  # fmt: skip
    assert response.status_code == 302
    return client


def token(client, path="/qualite") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


class _Form(HTMLParser):
    """The fields a browser would send for the form whose action contains ``action``."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.textarea, self.data = action, False, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action in (a.get("action") or "")
        if not self.inside or not a.get("name"):
            return
        if tag == "input" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.data.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data.append((a["name"], ""))

    def handle_data(self, text):
        if self.textarea:
            self.data[-1] = (self.textarea, self.data[-1][1] + text)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def form_of(client, path: str, action: str) -> MultiDict:
    """The form of the page ``path`` posting to ``action``, as the page fills it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    parser = _Form(action)
    parser.feed(page.get_data(as_text=True))
    assert parser.data, f"no form posting to {action} on {path}"
    return MultiDict(parser.data)


def fill(form: MultiDict, values: dict) -> None:
    """Type ``values`` in the form's fields (``MultiDict.update`` would add values, not replace them)."""
    for name, value in values.items():
        form.setlist(name, [value])


def vitry_venue(client_or_settings) -> dict:
    from inclusion_map.web.venue_index import get_index

    settings = client_or_settings
    records = get_index(settings.store_location).records
    found = [r for r in records if r["code_insee"] == VITRY and r.get("horaires")]
    return sorted(found, key=lambda r: r["id"])[0]


def notes(html: str) -> list[str]:
    return [re.sub(r"&#39;", "'", n) for n in re.findall(r'<p class="corrected">([^<]+)</p>', html)]


def actions(settings) -> list[dict]:
    return OrganiserStore(side_db(settings.store_location, "organisers")).actions(100)


# --- the pure function on the real layer ----------------------------------------------------------

def synthetic(venues) -> tuple[corr.Corrections, dict]:
    """SYNTHETIC corrections of three real venues, one closure and one addition."""
    rows = venues.sort_values("id").reset_index(drop=True)
    a, b, c = (rows.iloc[i] for i in (0, 1, 2))
    at = "2026-12-02T09:30:00+00:00"
    fields = [
        corr.Correction(1, a["id"], "telephone", "+33145678910", corr.field_text(a, "telephone"), "claire",
                        at),
        corr.Correction(2, a["id"], "horaires", "Mo-Fr 09:00-12:00", corr.field_text(a, "horaires"), "claire",
                        at),
        corr.Correction(3, b["id"], corr.POSITION, "48.7900000,2.3900000", corr.field_text(b, corr.POSITION),
                        "claire", at),
        corr.Correction(4, "an-id-merged-since", "services", "Aide aux démarches administratives",
                        corr.field_text(c, "services"), "claire", at),
    ]  # fmt: skip
    closures = [corr.Closure(1, rows.iloc[3]["id"], "claire", at, "Fermé depuis juin (SYNTHETIC)")]
    record = {"nom": "Permanence numérique de la mairie (SYNTHETIC)", "adresse": "2 place de la mairie",
              "code_postal": "94400", "commune": "Vitry-sur-Seine", "code_insee": VITRY, "latitude": 48.7875,
              "longitude": 2.3928, "services": "Aide aux démarches administratives", "date_maj": "2026-12-02",
              "pivot": "00000000000000"}  # fmt: skip
    additions = [corr.Addition("equipe:permanence-mairie-vitry", record, "claire", at)]
    return corr.Corrections(fields, closures, additions), {"a": a, "b": b, "c": c, "closed": rows.iloc[3]}


def test_apply_corrections_on_the_real_layer(venues):
    corrections, picked = synthetic(venues)
    resolve = {"an-id-merged-since": picked["c"]["id"]}.get  # what the stable-id registry answers
    venues_before = venues.copy()
    out, conflicts, closed, unmatched = corr.apply_corrections(venues, corrections, resolve)
    assert venues.equals(venues_before)  # pure: the input is left as it was
    assert conflicts == [] and unmatched == []
    by_id = out.set_index("id")
    a, b, c = (by_id.loc[picked[k]["id"]] for k in "abc")
    assert a["telephone"] == "+33145678910" and a["horaires"] == "Mo-Fr 09:00-12:00"
    assert (b["latitude"], b["longitude"], b["geocode_precision"]) == (48.79, 2.39, "équipe")
    assert (b.geometry.x, b.geometry.y) == (2.39, 48.79)
    assert c["services"] == "Aide aux démarches administratives"  # followed the merge
    shown = json.loads(a["corrections"])
    assert [(e["field"], e["value"], e["by"]) for e in shown] == [
        ("telephone", "+33145678910", corr.TEAM), ("horaires", "Mo-Fr 09:00-12:00", corr.TEAM)]
    team = json.loads(a["provenance"])[-1]
    assert team == {"harvester": "corrections", "source_id": "1|2", "source": "Équipe du territoire",
                    "upstream": None, "source_kind": "correction", "source_vintage": None,
                    "date_maj": "2026-12-02", "harvested_at": "2026-12-02T09:30:00+00:00"}  # fmt: skip
    assert len(json.loads(a["provenance"])) == len(json.loads(picked["a"]["provenance"])) + 1
    assert list(closed["id"]) == [picked["closed"]["id"]] and closed["closed_reason"][0].startswith("Fermé")
    assert picked["closed"]["id"] not in by_id.index
    added = by_id.loc["equipe:permanence-mairie-vitry"]
    assert added["nom"].startswith("Permanence") and added["geocode_precision"] == "équipe"
    assert out["latitude"].dtype.kind == "f" and added.geometry.x == 2.3928
    assert json.loads(added["provenance"])[0]["source_kind"] == "addition"
    assert len(out) == len(venues) - 1 + 1
    untouched = by_id.drop(index=[picked[k]["id"] for k in "abc"] + ["equipe:permanence-mairie-vitry"])
    assert untouched["corrections"].isna().all()


def test_a_correction_of_a_venue_gone_from_every_source_is_reported(venues):
    fields = [corr.Correction(9, "gone-since", "telephone", "+33145678910", None, "claire", "2026-12-02")]
    result = corr.apply_corrections(venues, corr.Corrections(fields))
    assert result.unmatched == [("correction", "9", "gone-since")] and result.venues.equals(
        corr.apply_corrections(venues, corr.Corrections()).venues)


def test_conflict_when_the_source_changes_the_corrected_field(venues):
    row = venues.sort_values("id").iloc[0]
    old = corr.field_text(row, "telephone")
    at = "2026-12-02T09:30:00"
    fields = [corr.Correction(5, row["id"], "telephone", "+33145678910", old, "claire", at)]
    changed = venues.copy()
    changed.loc[changed["id"] == row["id"], "telephone"] = "+33149000000"  # the source's new value
    out, conflicts, _, _ = corr.apply_corrections(changed, corr.Corrections(fields))
    assert conflicts == [corr.Conflict(row["id"], "telephone", "+33145678910", old, "+33149000000", 5, at)]
    assert out.set_index("id").loc[row["id"], "telephone"] == "+33145678910"  # the correction still applies
    agreeing = venues.copy()
    agreeing.loc[agreeing["id"] == row["id"], "telephone"] = "+33145678910"  # the source now says the same
    assert corr.apply_corrections(agreeing, corr.Corrections(fields)).conflicts == []
    assert corr.apply_corrections(venues, corr.Corrections(fields)).conflicts == []  # unchanged source
    frame = corr.conflicts_frame(conflicts)
    assert list(frame.columns) == ["venue_id", "field", "corrected", "recorded", "harvested", "correction_id",
                                   "at"]  # fmt: skip


def test_corrections_survive_a_new_harvest(settings, venues):
    """The correction is saved apart from harvested data; a new harvest rewrites ``venues`` from the
    sources, and the corrections are laid over that freshly harvested layer again."""
    row = venues.sort_values("id").iloc[0]
    store = CorrectionStore(corrections_path(settings.store_location))
    store.add_correction(row["id"], "telephone", "+33145678910", corr.field_text(row, "telephone"), "claire")
    store.add_closure(venues.sort_values("id").iloc[1]["id"], "Fermé (SYNTHETIC)", "claire")
    assert reapply(settings.store_location).base == corr.HARVESTED_LAYER  # the harvest kept its merged layer
    layers = open_store(settings.store_location)
    assert layers.has(corr.HARVESTED_LAYER) and len(layers.read("venues")) == len(venues) - 1
    report = run_harvest(settings)  # the sources again: the pipeline lays the corrections over them
    assert report.corrections == {"conflicts": 0, "closed": 1, "unmatched": 0}
    layers = open_store(settings.store_location)
    fresh, harvested = layers.read("venues").set_index("id"), layers.read(corr.HARVESTED_LAYER).set_index("id")
    assert harvested.loc[row["id"], "telephone"] != "+33145678910"  # the source's value, kept apart
    assert fresh.loc[row["id"], "telephone"] == "+33145678910" and len(fresh) == len(harvested) - 1
    # The web's re-application after that harvest starts from the harvested layer, not from `venues`.
    base, _, layer = harvested_layer(layers)
    assert layer == corr.HARVESTED_LAYER and len(base) == len(harvested)
    reapply(settings.store_location)
    again = open_store(settings.store_location).read("venues").set_index("id")
    assert again.loc[row["id"], "telephone"] == "+33145678910" and len(again) == len(harvested) - 1
    reapply(settings.store_location)  # applying twice changes nothing: it starts from harvested values
    twice = open_store(settings.store_location).read("venues").set_index("id")
    entries = [json.loads(frame.loc[row["id"], "provenance"]) for frame in (again, twice)]
    assert len(entries[0]) == len(entries[1])
    assert twice.loc[row["id"], "corrections"] == again.loc[row["id"], "corrections"]
    # The closed venue's address answers 410 (the registry says closed).
    closed_id = venues.sort_values("id").iloc[1]["id"]
    from inclusion_map import venue_ids

    assert venue_ids.by_id(venue_ids.load(open_store(settings.store_location)))[closed_id]["status"] == "closed"


def test_reapplying_after_a_harvest_that_applied_them_starts_from_its_harvested_layer(settings, venues):
    """The harvest pipeline writes the merged layer as ``venues_harvested`` and the corrected one as
    ``venues`` (what the lead wires): the web's re-application then starts from the former."""
    row = venues.sort_values("id").iloc[0]
    store = CorrectionStore(corrections_path(settings.store_location))
    store.add_correction(row["id"], "telephone", "+33145678910", corr.field_text(row, "telephone"), "claire")
    gpkg = open_store(settings.store_location)
    meta = gpkg.info("venues")
    with gpkg.transaction() as tx:  # as the pipeline does, in the harvest's one transaction
        tx.write(corr.HARVESTED_LAYER, venues, meta)
        tx.write("venues", corr.apply_corrections(venues, store.load()).venues, meta)
    base, _, layer = harvested_layer(open_store(settings.store_location))
    assert layer == corr.HARVESTED_LAYER
    harvested = base.set_index("id").loc[row["id"]]
    assert corr.field_text(harvested, "telephone") == corr.field_text(row, "telephone")
    store.withdraw(store.active_for(row["id"])[0]["id"], "claire")
    reapply(settings.store_location)  # the source's value comes back: it was kept apart
    again = open_store(settings.store_location).read("venues").set_index("id")
    assert corr.field_text(again.loc[row["id"]], "telephone") == corr.field_text(row, "telephone")


def test_values_are_checked_by_the_standards_rules():
    assert corr.normalise_value("telephone", "01 45 67 89 10") == "+33145678910"
    assert corr.normalise_value("services", "aide aux demarches administratives") == \
        "Aide aux démarches administratives"  # fmt: skip
    assert corr.normalise_value("site_web", "www.example.org") == "https://www.example.org"
    assert corr.normalise_value(corr.POSITION, "48.79, 2.39") == "48.7900000,2.3900000"
    assert corr.normalise_value("pivot", "") == "00000000000000"  # required by the standard: « unknown »
    assert corr.normalise_value("courriels", "") is None
    for name, value, kind in (("telephone", "12", "phone"), ("telephone", "0145678910|0145678911", "phone"),
                              ("horaires", "lundi matin", "hours"), ("services", "Cuisine", "vocab"),
                              ("site_web", "javascript:alert(1)", "urls"), ("code_postal", "944", "postcode"),
                              (corr.POSITION, "0,0", "position"), ("nom", " ", "required"),
                              ("courriels", "nobody", "emails"),
                              ("presentation_resume", "x" * 281, "resume")):  # fmt: skip
        with pytest.raises(corr.InvalidValue) as caught:
            corr.normalise_value(name, value)
        assert caught.value.kind == kind, (name, value)
        assert caught.value.message("fr") != caught.value.message("en")


def test_week_editor_writes_valid_osm_hours():
    week = osm_to_week("Mo-Fr 09:00-12:00,13:30-17:00; Sa 10:00-12:00")
    assert week["Mo"] == [("09:00", "12:00"), ("13:30", "17:00")] and week["Su"] == []
    assert week_to_osm(week) == "Mo-Fr 09:00-12:00,13:30-17:00; Sa 10:00-12:00"
    assert osm_to_week("Tu,Th 14:00-18:00")["Th"] == [("14:00", "18:00")]
    # What a week cannot say stays in the OSM text: holidays, comments, three ranges, 24/7.
    for expr in ("Mo-Fr 09:00-12:00; PH off", 'Mo 09:00-12:00 "sur rendez-vous"',
                 "Mo 08:00-09:00,10:00-11:00,12:00-13:00", "24/7", "pas des horaires"):
        assert osm_to_week(expr) is None, expr
    form = MultiDict({"h-Mo-1-debut": "9h30", "h-Mo-1-fin": "12:00", "h-Mo-2-debut": "14:00",
                      "h-Mo-2-fin": "17:00", "h-Sa-1-debut": "10:00", "h-Sa-1-fin": "12:00"})  # fmt: skip
    week, errors = week_from_form(form, "fr")
    assert errors == {} and week_to_osm(week) == "Mo 09:30-12:00,14:00-17:00; Sa 10:00-12:00"
    for bad, message in (({"h-Tu-1-debut": "14:00", "h-Tu-1-fin": "12:00"}, "Mardi : la fin"),
                         ({"h-We-1-debut": "09:00"}, "Mercredi : donnez le début et la fin"),
                         ({"h-Th-1-debut": "09:00", "h-Th-1-fin": "12:00", "h-Th-2-debut": "11:00",
                           "h-Th-2-fin": "13:00"}, "Jeudi : le second créneau")):  # fmt: skip
        assert next(iter(week_from_form(MultiDict(bad), "fr")[1].values())).startswith(message)
    english = week_from_form(MultiDict({"h-Tu-1-debut": "14:00", "h-Tu-1-fin": "12:00"}), "en")[1]
    assert english["h-Tu"].startswith("Tuesday: a range must end")


# --- the organiser pages --------------------------------------------------------------------------

def write_routes(venue_id: str) -> dict[str, dict]:
    return {f"/qualite/lieu/{venue_id}/corriger": {"telephone": "01 45 67 89 10"},
            f"/qualite/lieu/{venue_id}/fermer": {"reason": "Fermé (SYNTHETIC)"},
            "/qualite/ajouter-un-lieu": {"nom": "X", "adresse": "1 rue X", "code_postal": "94400",
                                         "commune": "Vitry-sur-Seine", "latitude": "48.79",
                                         "longitude": "2.39"},
            "/qualite/conflits/1": {"decision": "garder"}, "/qualite/corrections/1/retirer": {},
            "/qualite/fermetures/1/rouvrir": {}}  # fmt: skip


def test_every_write_is_refused_without_login_or_csrf(client, settings):
    venue = vitry_venue(settings)
    csrf = token(client)
    for path, data in write_routes(venue["id"]).items():
        response = client.post(path, data={"csrf": csrf, **data})
        assert response.status_code == 401, path
        assert "réservée aux organisateurs" in response.get_data(as_text=True), path
    for path in (f"/qualite/lieu/{venue['id']}/corriger", "/qualite/ajouter-un-lieu"):
        assert client.get(path).status_code == 401, path  # the forms too
    login = client.post("/connexion", data={"csrf": token(client, "/connexion"), "name": "claire",
                                            "password": PASSWORD, "next": "/qualite"})  # fmt: skip
    assert login.status_code == 302
    for path, data in write_routes(venue["id"]).items():
        assert client.post(path, data={"csrf": "forged", **data}).status_code == 400, path
        assert client.post(path, data=data).status_code == 400, path  # no token at all
    assert not corrections_path(settings.store_location).exists() or not CorrectionStore(
        corrections_path(settings.store_location)).load()


def test_correct_phone_and_hours_with_the_week_editor(organiser, settings):
    venue = vitry_venue(settings)
    path = f"/qualite/lieu/{venue['id']}/corriger"
    form = form_of(organiser, path, "/corriger")
    assert form["telephone"] and form["horaires"] == venue["horaires"]
    form["telephone"] = "01 45 67 89 10"
    for name in [k for k in form if k.startswith("h-")]:
        form[name] = ""
    fill(form, {"h-Mo-1-debut": "09:00", "h-Mo-1-fin": "12:00", "h-Mo-2-debut": "13:30",
                "h-Mo-2-fin": "17:00", "h-We-1-debut": "14:00", "h-We-1-fin": "18:00"})  # fmt: skip
    response = organiser.post(path, data=form)
    assert response.status_code == 302 and "fait=correction" in response.headers["Location"]
    # The venue page shows the corrected values at once, each with who corrected it and when.
    html = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "01 45 67 89 10" in html and "Correction enregistrée et appliquée." in html
    assert "Téléphone : corrigé par l'équipe du territoire le " in notes(html)[0]
    assert any(n.startswith("Horaires : corrigé par l'équipe du territoire le ") for n in notes(html))
    public = create_app(settings).test_client().get(f"/lieu/{venue['id']}?lang=en").get_data(as_text=True)
    assert any(n.startswith("Phone: corrected by the territory team on ") for n in notes(public))
    assert "Corriger cette fiche" not in public  # the organisers' part is for organisers only
    # The API: the record, and the GeoJSON properties, carry the corrections and the team's provenance.
    body = organiser.get(f"/api/venues/{venue['id']}").get_json()
    assert body["record"]["telephone"] == "+33145678910"
    assert body["record"]["horaires"] == "Mo 09:00-12:00,13:30-17:00; We 14:00-18:00"
    assert {e["field"] for e in body["properties"]["corrections"]} == {"telephone", "horaires"}
    assert json.loads(body["record"]["provenance"])[-1]["source"] == "Équipe du territoire"
    # Every export: the column in GeoJSON, and the standard's CSV (32 columns) through its sidecar.
    data = organiser.get("/exports/venues.geojson").get_json()
    feature = next(f for f in data["features"] if f["properties"]["id"] == venue["id"])
    assert {e["field"] for e in json.loads(feature["properties"]["corrections"])} == {"telephone", "horaires"}
    assert any(e["field"] == "telephone" for e in data["metadata"]["corrections"]["fields"])
    rows = list(csv.DictReader(io.StringIO(organiser.get("/exports/venues.csv").get_data(as_text=True))))
    assert next(r for r in rows if r["id"] == venue["id"])["telephone"] == "+33145678910"
    sidecar = organiser.get("/exports/venues.csv.meta.json").get_json()
    assert sidecar["corrections"]["venues_corrected"] == 1
    # Stored apart, logged, and the same venue can be corrected again from what it now shows.
    stored = CorrectionStore(corrections_path(settings.store_location)).history(venue["id"])
    assert {r["field"] for r in stored} == {"telephone", "horaires"}
    assert all(r["who"] == "claire" for r in stored)
    assert next(r for r in stored if r["field"] == "telephone")["harvested"] == venue["telephone"]
    assert any(a["action"] == "correction" and a["target"] == venue["id"] for a in actions(settings))
    again = organiser.post(path, data=form_of(organiser, path, "/corriger"))
    assert "fait=rien" in again.headers["Location"]  # nothing typed differently: nothing saved


def test_correct_hours_with_the_osm_text_and_refuse_both_at_once(organiser, settings):
    venue = vitry_venue(settings)
    path = f"/qualite/lieu/{venue['id']}/corriger"
    form = form_of(organiser, path, "/corriger")
    form["horaires"] = "Mo-Fr 10:00-12:00; PH off"
    assert organiser.post(path, data=form).status_code == 302
    stored = open_store(settings.store_location).read("venues").set_index("id")
    assert stored.loc[venue["id"], "horaires"] == "Mo-Fr 10:00-12:00; PH off"
    form = form_of(organiser, path, "/corriger")
    assert 'ne tiennent pas dans la grille' in organiser.get(path).get_data(as_text=True)
    fill(form, {"horaires": "Mo 08:00-09:00", "h-Tu-1-debut": "10:00", "h-Tu-1-fin": "11:00"})
    response = organiser.post(path, data=form)
    assert response.status_code == 400 and "gardez l&#39;un des deux" in response.get_data(as_text=True)


def test_invalid_input_is_a_400_that_keeps_what_was_typed(organiser, settings):
    venue = vitry_venue(settings)
    for lang, phone_text, hours_text in (("fr", "Numéro de téléphone non valable", "Horaires non valables"),
                                         ("en", "Not a valid phone number", "Not valid OSM opening_hours")):
        path = f"/qualite/lieu/{venue['id']}/corriger" + ("?lang=en" if lang == "en" else "")
        form = form_of(organiser, path, "/corriger")
        fill(form, {"telephone": "12 34", "horaires": "lundi matin", "site_web": "www.exemple-typed.fr",
                    "h-Fr-1-debut": "17:00", "h-Fr-1-fin": "09:00"})  # fmt: skip
        response = organiser.post(path, data=form)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert phone_text in html and hours_text in html
        assert ("Vendredi : la fin" if lang == "fr" else "Friday: a range must end") in html
        assert 'value="12 34"' in html and "lundi matin</textarea>" in html
        assert 'value="www.exemple-typed.fr"' in html
        assert 'value="17:00"' in html and 'aria-invalid="true"' in html and 'role="alert"' in html
        assert f'<html lang="{lang}">' in html
    assert not CorrectionStore(corrections_path(settings.store_location)).load()  # nothing saved


def test_correct_the_position_by_coordinates(organiser, settings):
    venue = vitry_venue(settings)
    path = f"/qualite/lieu/{venue['id']}/corriger"
    form = form_of(organiser, path, "/corriger")
    fill(form, {"latitude": "48,7901", "longitude": "2,3920"})  # a French keyboard's decimal comma
    assert organiser.post(path, data=form).status_code == 302
    body = organiser.get(f"/api/venues/{venue['id']}").get_json()
    assert body["geometry"]["coordinates"] == [2.392, 48.7901]
    assert body["record"]["geocode_precision"] == "équipe"
    html = organiser.get(f"/lieu/{venue['id']}").get_data(as_text=True)
    assert any(n.startswith("Position : corrigé par l'équipe du territoire") for n in notes(html))
    form = form_of(organiser, path, "/corriger")
    fill(form, {"latitude": "45.0", "longitude": "5.0"})  # in France, but not in the territory
    response = organiser.post(path, data=form)
    assert response.status_code == 400 and "hors du territoire" in response.get_data(as_text=True)


def test_correct_the_position_by_address_with_the_geocoder(settings, geocoder_server, testdata):
    settings = settings.with_overrides(geocoding={
        "enabled": True, "url": geocoder_server.url_for("/geocodage"),
        "cache": str(settings.store_path.with_name("geo.jsonl"))})  # fmt: skip
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account("claire", PASSWORD)
    app = create_app(settings)
    client = app.test_client()
    client.post("/connexion", data={"csrf": token(client, "/connexion"), "name": "claire",
                                    "password": PASSWORD})  # fmt: skip
    venue = vitry_venue(settings)
    path = f"/qualite/lieu/{venue['id']}/corriger"
    form = form_of(client, path, "/corriger")
    fill(form, {"adresse": "12 avenue Youri Gagarine", "code_postal": "94400", "placer": "1"})
    assert client.post(path, data=form).status_code == 302
    assert geocoder_server.geocoder.searches[-1]["q"].startswith("12 avenue Youri Gagarine 94400")
    point = geocoder_server.geocoder.points["94400"]
    record = client.get(f"/api/venues/{venue['id']}").get_json()["record"]
    assert (record["longitude"], record["latitude"]) == (round(point[0], 7), round(point[1] + 12e-5, 7))
    assert record["adresse"] == "12 avenue Youri Gagarine" and record["geocode_precision"] == "équipe"


def test_geocoder_off_is_a_400_that_says_what_to_do(organiser, settings):
    venue = vitry_venue(settings)
    path = f"/qualite/lieu/{venue['id']}/corriger"
    form = form_of(organiser, path, "/corriger")
    fill(form, {"placer": "1", "adresse": "3 rue tapée à la main"})
    response = organiser.post(path, data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "donnez la latitude et la longitude" in html
    assert 'value="3 rue tapée à la main"' in html


def test_close_a_venue_and_open_it_again(organiser, settings):
    venue = vitry_venue(settings)
    path = f"/lieu/{venue['id']}"
    form = form_of(organiser, path, "/fermer")
    form["reason"] = "La permanence a cessé en novembre (SYNTHETIC)"
    response = organiser.post(f"/qualite/lieu/{venue['id']}/fermer", data=form)
    assert response.status_code == 302 and "fait=fermeture" in response.headers["Location"]
    assert organiser.get(path).status_code == 410  # the stable-id registry says closed
    assert organiser.get(f"/api/venues/{venue['id']}").get_json()["venue_status"] == "closed"
    exported = organiser.get("/exports/venues.geojson").get_json()["features"]
    assert venue["id"] not in {f["properties"]["id"] for f in exported}
    html = organiser.get("/qualite").get_data(as_text=True)
    assert "La permanence a cessé en novembre" in html and "Lieu marqué comme fermé" not in html
    assert any(a["action"] == "closure" for a in actions(settings))
    closure = CorrectionStore(corrections_path(settings.store_location)).closures()[0]
    reopened = organiser.post(f"/qualite/fermetures/{closure['id']}/rouvrir", data={"csrf": token(organiser)})
    assert reopened.status_code == 302 and organiser.get(path).status_code == 200


def test_add_a_venue_no_source_knows(organiser, settings):
    form = form_of(organiser, "/qualite/ajouter-un-lieu", "/ajouter-un-lieu")
    fill(form, {"nom": "Permanence numérique de la mairie (SYNTHETIC)", "adresse": "2 place de la mairie",
                "code_postal": "94400", "commune": "Vitry-sur-Seine", "telephone": "01 46 82 80 00",
                "latitude": "48.7875", "longitude": "2.3928", "h-Tu-1-debut": "09:00",
                "h-Tu-1-fin": "12:00"})  # fmt: skip
    form.setlist("services", ["Aide aux démarches administratives",
                              "Accès internet et matériel informatique"])  # fmt: skip
    response = organiser.post("/qualite/ajouter-un-lieu", data=form)
    assert response.status_code == 302
    venue_id = re.search(r"/lieu/([^?]+)", response.headers["Location"]).group(1)
    assert venue_id == "equipe:permanence-numerique-de-la-mairie-synthetic-vitry-sur-seine"
    html = organiser.get(f"/lieu/{venue_id}").get_data(as_text=True)
    assert "Permanence numérique de la mairie" in html and "Équipe du territoire" in html
    record = organiser.get(f"/api/venues/{venue_id}").get_json()["record"]
    assert record["code_insee"] == VITRY and record["horaires"] == "Tu 09:00-12:00"
    assert record["telephone"] == "+33146828000" and record["geocode_precision"] == "équipe"
    rows = list(csv.DictReader(io.StringIO(organiser.get("/exports/venues.csv").get_data(as_text=True))))
    added = next(r for r in rows if r["id"] == venue_id)
    assert added["source"] == "Équipe du territoire" and added["pivot"] == "00000000000000"
    assert organiser.get("/exports/venues.csv.meta.json").get_json()["corrections"]["venues_added"] == 1
    assert any(a["action"] == "venue-added" and a["target"] == venue_id for a in actions(settings))
    # A second venue of the same name and commune gets its own id.
    second = organiser.post("/qualite/ajouter-un-lieu", data=form)
    assert second.headers["Location"].split("?")[0].endswith("-2")
    # What the standard requires is required here too, in the page's language, typed values kept.
    form = form_of(organiser, "/qualite/ajouter-un-lieu?lang=en", "/ajouter-un-lieu")
    fill(form, {"nom": "Sans adresse", "commune": "Vitry-sur-Seine"})
    response = organiser.post("/qualite/ajouter-un-lieu?lang=en", data=form)
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert 'value="Sans adresse"' in response.get_data(as_text=True)


def test_an_error_report_becomes_a_correction_in_one_step(organiser, settings):
    venue = vitry_venue(settings)
    reports = ReportStore(side_db(settings.store_location, "reports"))
    message = "Le numéro a changé : 01 45 67 89 10 (SYNTHETIC)"
    number = reports.add(venue["id"], venue["nom"], "contact", message, "", "fr", "k")
    html = organiser.get("/qualite").get_data(as_text=True)
    link = f"/qualite/lieu/{venue['id']}/corriger?signalement={number}"
    assert link in html.replace("&amp;", "&")
    page = organiser.get(link).get_data(as_text=True)
    assert "Le numéro a changé" in page and f'name="signalement" value="{number}"' in page
    form = form_of(organiser, link, "/corriger")
    assert form["note"] == f"Signalement n° {number}"
    form["telephone"] = "01 45 67 89 10"
    assert organiser.post(f"/qualite/lieu/{venue['id']}/corriger", data=form).status_code == 302
    assert reports.get(number)["status"] == "corrigé"
    stored = CorrectionStore(corrections_path(settings.store_location)).history(venue["id"])[0]
    assert stored["report_id"] == number and stored["note"] == f"Signalement n° {number}"
    logged = actions(settings)
    assert any(a["action"] == "report-status" and a["target"] == str(number) and a["detail"] == "corrigé"
               for a in logged)  # fmt: skip


def test_conflicts_are_listed_and_decided(organiser, settings):
    venue = vitry_venue(settings)
    store = CorrectionStore(corrections_path(settings.store_location))
    # SYNTHETIC: the harvested value recorded then differs from the store's: the source changed since.
    first = store.add_correction(venue["id"], "telephone", "+33145678910", "+33100000000", "claire")
    second = store.add_correction(venue["id"], "courriels", "accueil@example.org", "old@example.org",
                                  "claire")  # fmt: skip
    reapply(settings.store_location)
    html = organiser.get("/qualite").get_data(as_text=True)
    assert "Conflits à trancher (2)" in html and "+33100000000" in html
    keep = organiser.post(f"/qualite/conflits/{first}", data={"csrf": token(organiser), "decision": "garder"})
    source = organiser.post(f"/qualite/conflits/{second}",
                            data={"csrf": token(organiser), "decision": "source"})  # fmt: skip
    assert keep.status_code == source.status_code == 302
    html = organiser.get("/qualite").get_data(as_text=True)
    assert "Conflits à trancher (0)" in html
    record = organiser.get(f"/api/venues/{venue['id']}").get_json()["record"]
    assert record["telephone"] == "+33145678910" and record["courriels"] == venue["courriels"]
    logged = {a["action"] for a in actions(settings)}
    assert {"conflict-keep", "conflict-source"} <= logged
    assert organiser.post(f"/qualite/conflits/{first}", data={"csrf": token(organiser), "decision": "garder"}
                          ).status_code == 400  # fmt: skip


def test_completeness_indicator_sorted_and_per_commune(client, organiser, settings):
    html = client.get("/qualite").get_data(as_text=True)
    assert "Fiches à compléter" in html and "Par commune" in html and "Lieux à compléter" in html
    assert re.search(r"\d+ fiches complètes sur \d+ \(\d+ %\)", html)
    assert 'href="?tri=horaires&amp;ordre=asc#a-completer"' in html
    sorted_page = client.get("/qualite?tri=horaires&ordre=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in sorted_page
    table = sorted_page.split('class="data sortable completeness"')[1].split("</table>")[0]
    cells = re.findall(r"<td class=\"(yes|no)\">", table)
    hours = cells[0::5]
    assert hours == sorted(hours, key=lambda c: c == "yes", reverse=True)
    assert client.get("/qualite?tri=nope").status_code == 400
    only = client.get(f"/qualite?commune={VITRY}").get_data(as_text=True)
    listed = only.split('class="data sortable completeness"')[1].split("</table>")[0]
    assert "Vitry-sur-Seine" in listed and "Gentilly" not in listed
    assert "/corriger" in organiser.get("/qualite").get_data(as_text=True)  # a link per venue, for organisers


def test_corrections_file_is_private(settings):
    old = os.umask(0o022)
    try:
        CorrectionStore(corrections_path(settings.store_location)).add_closure("x", "Fermé (SYNTHETIC)", "claire")
    finally:
        os.umask(old)
    path = corrections_path(settings.store_location)
    assert path.name == "corrections.sqlite" and path.parent == settings.store_path.parent
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
