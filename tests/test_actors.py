"""The territory's other actors (inclusion_map.actors): checks, placing, import preview, one-transaction
apply, history, the published layer, the CLI, and harvests that leave them alone.

Every actor here comes from the SYNTHETIC fixtures of ``tests/fixtures/actors/`` (see its README):
made-up names and contacts in real communes of the territory. The territory layers are built offline
from the real files of the mirror (``mirror_settings``, geocoding off): rows with coordinates or a
known commune are placed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pyogrio
import pytest
import yaml
from click.testing import CliRunner
from conftest import mirror_settings

from inclusion_map.actors import store as actor_store_module
from inclusion_map.actors.importing import UploadError, preview, read_upload, template_csv
from inclusion_map.actors.kinds import kinds
from inclusion_map.actors.placing import COMMUNE, GIVEN, place
from inclusion_map.actors.publish import LAYER, NOT_PUBLISHED, open_actor_store, publish
from inclusion_map.actors.records import ACTOR_COLUMNS, PRIVATE_COLUMNS, Problem, actor_id, validate
from inclusion_map.actors.store import ActorStore, StaleImport, actors_path
from inclusion_map.cli import main
from inclusion_map.config import Settings
from inclusion_map.errors import ConfigError
from inclusion_map.stores import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "actors"
GOOD = FIXTURES / "acteurs_synthetic.csv"
BAD = FIXTURES / "acteurs_bad_synthetic.csv"
GEOJSON = FIXTURES / "acteurs_synthetic.geojson"


@pytest.fixture(scope="module")
def built_store(tmp_path_factory, testdata) -> Path:
    """A store with the territory layers built offline once for the module (communes of EPT 12)."""
    from inclusion_map.territory.build import run_build

    folder = tmp_path_factory.mktemp("actors-built")
    run_build(mirror_settings(folder, testdata))
    return folder / "store.gpkg"


@pytest.fixture
def settings(built_store, tmp_path, testdata) -> Settings:
    """Offline settings whose store is a fresh copy of the built one (no actor yet)."""
    shutil.copyfile(built_store, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


def _upload(path: Path):
    return read_upload(path.name, path.read_bytes())


def _imported(settings: Settings, path: Path = GOOD, who: str = "alice") -> ActorStore:
    store = open_actor_store(settings)
    result = preview(_upload(path), settings, store, filename=path.name)
    store.apply(result, who)
    return store


def _messages(problems: list[Problem]) -> list[str]:
    return [p.fr for p in problems]


# --- configuration -------------------------------------------------------------------------------


def test_default_kinds_and_checked_colours(settings):
    known = kinds(settings)
    assert list(known) == ["acces_droit", "langue", "partenaire"]
    assert known["acces_droit"].public and known["langue"].public and not known["partenaire"].public
    assert known["langue"].field("niveau").choices == ("A1", "A2", "B1", "B2", "alphabétisation")
    assert known["langue"].field("niveau").multiple
    assert "hub_francilin" in settings.actors.networks and settings.actors.licence == "Données du territoire"
    pale = settings.model_dump()
    pale["actors"]["kinds"]["langue"]["colour"] = "#fde047"  # yellow on white: about 1.3:1
    with pytest.raises(ValueError, match="contrast of 1.[0-9]:1 on white"):
        Settings.model_validate(pale)


def test_config_yaml_states_the_defaults(settings):
    from inclusion_map.config import Actors

    assert settings.actors == Actors()


def test_a_bad_kind_in_the_config_file_is_reported(tmp_path):
    from inclusion_map.config import load_settings

    config = yaml.safe_load((Path(__file__).parents[1] / "config.yaml").read_text(encoding="utf-8"))
    config["actors"]["kinds"]["langue"]["icon"] = "Not An Icon!"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="actors.kinds.langue.icon"):
        load_settings(path)


# --- checks of one row ---------------------------------------------------------------------------


def test_validation_messages_say_what_is_wrong_in_both_languages(settings):
    record, problems = validate({"kind": "mairie", "nom": "X"}, settings)
    assert record is None
    assert _messages(problems) == ["type « mairie » inconnu : acces_droit, langue, partenaire"]
    assert problems[0].en == "unknown kind “mairie”: acces_droit, langue, partenaire"

    _, problems = validate({"kind": "langue", "nom": " "}, settings)
    assert _messages(problems) == ["nom manquant"]

    _, problems = validate({"kind": "langue", "nom": "X", "horaires": "lundi matin"}, settings)
    assert _messages(problems) == [
        "horaires « lundi matin » illisibles (format OpenStreetMap, ex. Mo-Fr 09:00-12:00)"
    ]

    raw = {"kind": "langue", "nom": "X", "telephone": "12", "courriel": "pas-un-courriel", "site_web": "http://",
           "services": "cuisine", "extra_niveau": "C1", "contact_courriel": "a@b"}  # fmt: skip
    _, problems = validate(raw, settings)
    by_field = {p.field: p.fr for p in problems}
    assert by_field["telephone"] == "téléphone « 12 » invalide (ex. 01 23 45 67 89)"
    assert by_field["courriel"].startswith("courriel « pas-un-courriel » invalide")
    assert by_field["site_web"].startswith("adresse web « http:// » invalide")
    assert by_field["services"].startswith("service « cuisine » inconnu pour « Apprendre le français » :")
    assert by_field["extra_niveau"] == "niveau « C1 » inconnu : A1, A2, B1, B2, alphabétisation"
    assert by_field["contact_courriel"].startswith("courriel « a@b » invalide")

    _, problems = validate({"kind": "acces_droit", "nom": "X", "extra_niveau": "A1"}, settings)
    assert _messages(problems) == [
        "le champ « niveau » ne s'applique pas au type « Accès au droit » (champs : aucun)"
    ]


def test_a_good_row_is_tidied(settings):
    raw = {"kind": "Apprendre le français", "nom": "  Atelier   fictif ", "telephone": "01 99 00 12 34",
           "horaires": "Tu,Th 14:00-16:00", "services": "Atelier sociolinguistique (ASL)|conversation",
           "reseaux": "Hub Francil'in|Association fictive", "extra_niveau": "a2|A1",
           "extra_public_vise": "Adultes", "site_web": "www.exemple.invalid", "latitude": "48,79",
           "longitude": "2,39"}  # fmt: skip
    record, problems = validate(raw, settings)
    assert problems == []
    assert list(record) == ACTOR_COLUMNS
    assert record["kind"] == "langue" and record["nom"] == "Atelier fictif"
    assert record["telephone"] == "+33199001234"
    assert record["services"] == "atelier_sociolinguistique|conversation"
    assert record["reseaux"] == "hub_francilin|Association fictive"  # a network not configured is kept
    assert json.loads(record["extra"]) == {"niveau": ["A1", "A2"], "public_vise": "Adultes"}
    assert record["site_web"] == "https://www.exemple.invalid"
    assert (record["latitude"], record["longitude"]) == (48.79, 2.39)


def test_ids_are_stable_and_unique():
    assert (
        actor_id("langue", "Atelier fictif", "Vitry-sur-Seine", set())
        == "acteur:langue:atelier-fictif-vitry-sur-seine"
    )
    taken = {"acteur:langue:atelier-fictif-vitry-sur-seine", "acteur:langue:atelier-fictif-vitry-sur-seine-2"}
    assert actor_id("langue", "Atelier fictif", "Vitry-sur-Seine", taken).endswith("-3")


# --- placing -------------------------------------------------------------------------------------


def test_placing_uses_coordinates_then_the_commune(settings):
    assert not settings.geocoding.enabled
    given, _ = validate(
        {"kind": "langue", "nom": "A", "latitude": "48.8156", "longitude": "2.3859"}, settings
    )
    assert place(given, settings) == (48.8156, 2.3859, GIVEN)
    by_commune, _ = validate({"kind": "langue", "nom": "B", "adresse": "1 rue", "commune": "vitry sur seine"},
                             settings)  # fmt: skip
    lat, lon, precision = place(by_commune, settings)
    assert precision == COMMUNE and 48.7 < lat < 48.85 and 2.3 < lon < 2.45
    by_postcode, _ = validate({"kind": "langue", "nom": "C", "code_postal": "94310"}, settings)
    assert place(by_postcode, settings)[2] == COMMUNE
    nowhere, _ = validate({"kind": "langue", "nom": "D", "commune": "Commune Inconnue"}, settings)
    problem = place(nowhere, settings)
    assert isinstance(problem, Problem) and problem.fr.startswith("adresse impossible à placer")


def test_placing_by_address_with_the_geocoder(make_settings, data_server):
    """With geocoding on (the SYNTHETIC Géoplateforme stand-in of conftest), an address is placed as
    precisely as the geocoder answers; a poor answer is not used."""
    online = make_settings()
    assert online.geocoding.enabled
    record, _ = validate({"kind": "acces_droit", "nom": "A", "adresse": "12 rue de l'Exemple",
                          "code_postal": "94200", "commune": "Ivry-sur-Seine"}, online)  # fmt: skip
    lat, lon, precision = place(record, online)
    assert precision == "adresse" and 48.7 < lat < 48.9 and 2.3 < lon < 2.5
    assert data_server.geocoder.calls  # the batch endpoint, whose answers are cached on disk
    poor, _ = validate({"kind": "acces_droit", "nom": "B", "adresse": "INTROUVABLE", "code_postal": "94200",
                        "commune": "Ivry-sur-Seine"}, online)  # fmt: skip
    assert isinstance(place(poor, online), Problem)  # score 0.2, and no communes layer in this store


# --- reading files -------------------------------------------------------------------------------


def test_reading_csv_and_geojson_keeps_line_numbers():
    rows = _upload(GOOD)
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].values["nom"] == "Point-justice fictif d'Ivry"  # the BOM is not part of the first column
    bad = _upload(BAD)  # ',' delimiter
    assert [r.line for r in bad] == list(range(2, 10)) and bad[0].values["kind"] == "mairie"
    features = _upload(GEOJSON)
    assert [r.line for r in features] == [1, 2, 3]
    assert (features[0].values["longitude"], features[0].values["latitude"]) == (2.4145, 48.7445)
    assert features[2].problems and "un point est attendu" in features[2].problems[0].fr


def test_windows_1252_and_bad_files(tmp_path):
    text = "kind;nom;commune\nlangue;Atelier fictif à Orly;Orly\n"
    rows = read_upload("export.csv", text.encode("cp1252"))
    assert rows[0].values["nom"] == "Atelier fictif à Orly"
    with pytest.raises(UploadError, match="neither a CSV"):
        read_upload("notes.txt", b"just some words\nand more")
    with pytest.raises(UploadError, match="not a GeoJSON FeatureCollection"):
        read_upload("x.geojson", b'{"type": "Feature"}')
    with pytest.raises(UploadError, match="at most 5 MB"):
        read_upload("big.csv", b"kind;nom\n" + b"x" * (5 * 1024 * 1024))
    many = "kind;nom\n" + "".join(f"langue;Atelier fictif {i}\n" for i in range(5001))
    with pytest.raises(UploadError, match="more than 5,000 rows"):
        read_upload("many.csv", many.encode())
    assert isinstance(UploadError("x"), ValueError)


# --- preview and apply ---------------------------------------------------------------------------


def test_preview_adds_and_writes_nothing(settings):
    store = open_actor_store(settings)
    before = settings.store_path.read_bytes()
    result = preview(_upload(GOOD), settings, store, filename=GOOD.name)
    assert [r.action for r in result.rows] == ["add", "add", "add"]
    assert result.counts == {"add": 3, "change": 0, "unchanged": 0, "reject": 0}
    workshop = result.rows[1]
    assert workshop.record["geocode_precision"] == COMMUNE  # no coordinates, geocoding off
    assert _messages(workshop.notes) == ["placé au centre de la commune (adresse non localisée)"]
    assert workshop.record["code_insee"] == "94081"
    assert result.rows[0].record["geocode_precision"] == GIVEN
    assert store.all() == [] and store.history() == []
    assert settings.store_path.read_bytes() == before and not open_store(settings.store_location).has(LAYER)


def test_every_bad_row_is_rejected_with_its_reason(settings):
    store = _imported(settings)
    existing = store.all()
    count = len(store.history())
    result = preview(_upload(BAD), settings, store, filename=BAD.name)
    by_line = {r.line: (r.action, _messages(r.problems)) for r in result.rows}
    assert by_line[2] == ("reject", ["type « mairie » inconnu : acces_droit, langue, partenaire"])
    assert by_line[3] == ("reject", ["nom manquant"])
    assert by_line[4][0] == "reject" and by_line[4][1][0].startswith("adresse impossible à placer")
    assert by_line[5] == (
        "reject",
        ["horaires « lundi matin » illisibles (format OpenStreetMap, ex. Mo-Fr 09:00-12:00)"],
    )
    twin = next(a for a in existing if a["kind"] == "acces_droit")
    assert by_line[6] == ("reject", [f"doublon de « Point-justice fictif d'Ivry » ({twin['id']})"])
    assert by_line[7][0] == "add"
    assert by_line[8] == ("reject", ["doublon de la ligne 7 du fichier"])
    assert by_line[9][0] == "reject" and len(by_line[9][1]) == 4  # phone, e-mail, service, level
    assert result.counts == {"add": 1, "change": 0, "unchanged": 0, "reject": 7}
    assert store.all() == existing and len(store.history()) == count  # a preview writes nothing


def test_apply_writes_history_private_file_and_the_public_layer(settings):
    store = _imported(settings)
    actors = store.all()
    assert len(actors) == 3 and {a["status"] for a in actors} == {"active"}
    ivry = next(a for a in actors if a["kind"] == "acces_droit")
    assert ivry["id"] == "acteur:acces_droit:point-justice-fictif-d-ivry-ivry-sur-seine"
    assert ivry["updated_by"] == "alice" and ivry["source"] == f"import {GOOD.name}"
    assert ivry["contact_nom"] == "Personne Fictive"
    history = store.history()
    assert [h["action"] for h in history] == ["add"] * 3
    assert history[0]["who"] == "alice" and history[0]["after"]["nom"] and history[0]["before"] is None
    path = actors_path(settings.store_location)
    assert path == settings.store_path.with_name("actors.sqlite")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    layer = pyogrio.read_dataframe(settings.store_path, layer=LAYER)
    assert sorted(layer["kind"]) == ["acces_droit", "langue"]  # partenaire is organisers-only
    assert not set(NOT_PUBLISHED) & set(layer.columns) and not set(PRIVATE_COLUMNS) & set(layer.columns)
    assert "Fictive" not in layer.drop(columns="geometry").to_json()
    assert layer.crs.to_epsg() == 4326 and (layer.geometry.geom_type == "Point").all()
    meta = open_store(settings.store_location).info(LAYER)
    assert meta["licence"] == "Données du territoire" and meta["counts"] == {"acces_droit": 1, "langue": 1}
    assert meta["provenance"] == "saisi ou importé par l'équipe du territoire"
    assert meta["updated_at"] == history[0]["at"] and meta["rows"] == 2


def test_change_by_id_shows_the_diff_and_keeps_the_point(settings, tmp_path):
    store = _imported(settings)
    ivry = next(a for a in store.all() if a["kind"] == "acces_droit")
    workshop = next(a for a in store.all() if a["kind"] == "langue")
    header = "id;kind;nom;adresse;code_postal;commune;latitude;longitude;telephone;horaires;services"
    lines = [header,
             f"{ivry['id']};acces_droit;{ivry['nom']};{ivry['adresse']};94200;Ivry-sur-Seine;48.8156;2.3859;"
             "01 99 00 43 21;Mo-Fr 09:00-12:30;information_juridique|aide_victimes",
             "acteur:langue:inconnu;langue;Atelier fictif;;;Orly;;;;;"]  # fmt: skip
    result = preview(read_upload("edit.csv", "\n".join(lines).encode()), settings, store)
    change, unknown = result.rows
    assert change.action == "change" and change.existing_id == ivry["id"]
    assert change.changes["telephone"] == ("+33199001234", "+33199004321")
    assert change.changes["horaires"] == ("Mo-Fr 09:00-12:00", "Mo-Fr 09:00-12:30")
    assert "contact_nom" in change.changes  # an empty cell clears a column
    assert unknown.action == "reject" and unknown.problems[0].fr.startswith(
        "id « acteur:langue:inconnu » inconnu"
    )
    done = store.apply(result, "bob")
    assert done["changed"] == 1 and done["changed_ids"] == [ivry["id"]] and done["added"] == 0
    entry = store.history(ivry["id"])[0]
    assert entry["action"] == "update" and entry["who"] == "bob"
    assert entry["before"]["telephone"] == "+33199001234" and entry["after"]["telephone"] == "+33199004321"

    same = [header.replace(";latitude;longitude", ""),
            f"{workshop['id']};langue;{workshop['nom']};{workshop['adresse']};94400;Vitry-sur-Seine;;"
            f"{workshop['horaires']};{workshop['services']}"]  # fmt: skip
    again = preview(read_upload("same.csv", "\n".join(same).encode()), settings, store).rows[0]
    assert again.action == "change" and set(again.changes) == {"langues", "reseaux", "description", "extra"}
    assert "latitude" not in again.changes  # same address, no coordinates: the point is kept


def test_an_unchanged_row_says_so(settings):
    store = _imported(settings)
    ivry = next(a for a in store.all() if a["kind"] == "acces_droit")
    raw = {c: ivry[c] for c in ACTOR_COLUMNS if c not in ("updated_by", "updated_at", "geocode_precision")}
    header = list(raw)
    text = ";".join(header) + "\n" + ";".join("" if raw[c] is None else str(raw[c]) for c in header)
    row = preview(read_upload("same.csv", text.encode()), settings, store).rows[0]
    assert (row.action, row.changes) == ("unchanged", {})


def test_apply_is_one_transaction(settings, monkeypatch):
    store = open_actor_store(settings)
    result = preview(_upload(GOOD), settings, store)
    calls = []
    real = actor_store_module.actor_id

    def failing(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full (simulated)")
        return real(*args)

    monkeypatch.setattr(actor_store_module, "actor_id", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        store.apply(result, "alice")
    assert len(calls) == 2  # the first row was inserted, then rolled back
    assert store.all() == [] and store.history() == []
    assert not open_store(settings.store_location).has(LAYER)


def test_apply_refuses_a_preview_overtaken_by_a_change(settings):
    store = _imported(settings)
    ivry = next(a for a in store.all() if a["kind"] == "acces_droit")
    text = f"id;kind;nom;commune;latitude;longitude;telephone\n{ivry['id']};acces_droit;{ivry['nom']};Ivry-sur-Seine;48.8156;2.3859;01 99 00 43 21"  # noqa: E501
    result = preview(read_upload("edit.csv", text.encode()), settings, store)
    store.update(ivry["id"], {"telephone": "+33199007777"}, "carol")
    with pytest.raises(StaleImport, match="changed since the preview"):
        store.apply(result, "alice")
    assert store.get(ivry["id"])["telephone"] == "+33199007777"


def test_update_remove_and_history(settings):
    store = _imported(settings)
    workshop = next(a for a in store.all() if a["kind"] == "langue")
    assert store.update(workshop["id"], {"horaires": "Sa 10:00-12:00"}, "bob") == {
        "horaires": ("Tu,Th 14:00-16:00", "Sa 10:00-12:00")
    }
    assert store.update(workshop["id"], {"horaires": "Sa 10:00-12:00"}, "bob") == {}  # nothing written
    assert store.remove(workshop["id"], "carol", "atelier arrêté (exemple)") is True
    assert store.remove(workshop["id"], "carol", "again") is False
    actions = [(h["action"], h["who"]) for h in store.history(workshop["id"])]
    assert actions == [("remove", "carol"), ("update", "bob"), ("add", "alice")]
    assert store.history(workshop["id"])[0]["note"] == "atelier arrêté (exemple)"
    assert workshop["id"] not in {a["id"] for a in store.all()}
    assert store.get(workshop["id"])["status"] == "removed"
    assert workshop["id"] in {a["id"] for a in store.all(include_removed=True)}
    layer = pyogrio.read_dataframe(settings.store_path, layer=LAYER)
    assert list(layer["kind"]) == ["acces_droit"]  # republished after the removal
    # a removed actor's id is never given again
    record, _ = validate({"kind": "langue", "nom": workshop["nom"], "commune": workshop["commune"]}, settings)
    record["latitude"], record["longitude"], record["geocode_precision"] = place(record, settings)
    assert store.add(record, "dave") == workshop["id"] + "-2"


def test_stage_keeps_a_preview_for_its_organiser_for_an_hour(settings, monkeypatch):
    store = open_actor_store(settings)
    result = preview(_upload(GOOD), settings, store, filename=GOOD.name)
    token = store.stage(result, "alice")
    assert len(token) >= 32
    assert store.staged(token, "mallory") is None and store.staged("guess", "alice") is None
    kept = store.staged(token, "alice")
    assert kept.counts == result.counts and kept.filename == GOOD.name and kept.token == token
    assert kept.rows[1].notes[0].fr.startswith("placé au centre")
    assert store.apply(kept, "alice")["added"] == 3
    assert store.staged(token, "alice") is None  # applied once only
    monkeypatch.setattr(actor_store_module, "STAGE_TTL_S", -1)
    assert store.staged(store.stage(result, "alice"), "alice") is None  # expired


def test_geojson_import(settings):
    store = open_actor_store(settings)
    result = preview(_upload(GEOJSON), settings, store)
    assert [r.action for r in result.rows] == ["add", "add", "reject"]
    assert result.rows[0].record["geocode_precision"] == GIVEN
    assert json.loads(result.rows[1].record["extra"]) == {"niveau": ["B1", "B2"]}


def test_template_header_round_trips_through_import(settings):
    data = template_csv(settings)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").strip().split(";")
    assert header[:3] == ["id", "kind", "nom"] and {"extra_niveau", "extra_public_vise"} <= set(header)
    assert not {"updated_by", "updated_at", "geocode_precision"} & set(header)
    values = {"kind": "langue", "nom": "Atelier fictif du modèle", "commune": "Orly", "code_postal": "94310",
              "horaires": "Mo 10:00-12:00", "services": "cours_fle", "extra_niveau": "alphabétisation",
              "extra_public_vise": "Adultes", "contact_nom": "Personne Fictive"}  # fmt: skip
    row = ";".join(values.get(c, "") for c in header)
    rows = read_upload("modele.csv", data + (row + "\r\n").encode("utf-8"))
    assert set(rows[0].values) == set(header)
    result = preview(rows, settings, open_actor_store(settings))
    assert [r.action for r in result.rows] == ["add"], result.rows[0].problems
    assert json.loads(result.rows[0].record["extra"]) == {
        "niveau": ["alphabétisation"],
        "public_vise": "Adultes",
    }


# --- command line --------------------------------------------------------------------------------


def _config_file(settings: Settings, folder: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    return path


def test_cli_import_previews_then_writes_with_confirm(settings, tmp_path):
    config = _config_file(settings, tmp_path)
    runner = CliRunner()
    template = runner.invoke(main, ["actors", "template", "--config", str(config)])
    assert template.exit_code == 0 and template.stdout_bytes.startswith(b"\xef\xbb\xbf" + b"id;kind;nom")

    dry = runner.invoke(main, ["actors", "import", str(BAD), "--config", str(config)])
    assert dry.exit_code == 0, dry.output
    assert "line 2: reject" in dry.output and "type « mairie » inconnu" in dry.output
    assert "2 to add, 0 to change, 0 unchanged, 6 rejected." in dry.output
    assert "Nothing written" in dry.output
    assert not actors_path(settings.store_location).exists()

    done = runner.invoke(
        main, ["actors", "import", str(GOOD), "--confirm", "--who", "alice", "--config", str(config)]
    )
    assert done.exit_code == 0, done.output
    assert "Written: 3 added, 0 changed" in done.output
    assert len(ActorStore(actors_path(settings.store_location)).all()) == 3
    assert pyogrio.read_info(settings.store_path, layer=LAYER)["features"] == 2

    listed = runner.invoke(main, ["actors", "list", "--kind", "partenaire", "--config", str(config)])
    assert (
        listed.exit_code == 0
        and "CCAS fictif de Villejuif" in listed.output
        and "organisers only" in listed.output
    )
    assert "Point-justice" not in listed.output
    wrong = runner.invoke(main, ["actors", "list", "--kind", "mairie", "--config", str(config)])
    assert wrong.exit_code == 1 and "unknown kind 'mairie'" in wrong.output


def test_the_layer_is_listed_by_the_api(settings):
    from inclusion_map.web.layer_access import ID_COLUMNS, available, layer_page

    _imported(settings)
    assert ID_COLUMNS["actors"] == "id" and "actors" in available(settings.store_location)
    page = layer_page(settings.store_location, "actors", {})
    assert page.matched == 2 and all(f["id"].startswith("acteur:") for f in page.features)
    assert not set(PRIVATE_COLUMNS) & set(page.features[0]["properties"])


# --- harvests leave actors alone -----------------------------------------------------------------


def test_harvest_and_build_keep_the_actors(settings):
    from inclusion_map.harvest.pipeline import run_harvest
    from inclusion_map.territory.build import run_build

    _imported(settings)
    path = actors_path(settings.store_location)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    layer = pyogrio.read_dataframe(settings.store_path, layer=LAYER)
    run_harvest(settings)
    run_build(settings)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    store = open_store(settings.store_location)
    assert store.has("venues") and store.has(LAYER)
    after = pyogrio.read_dataframe(settings.store_path, layer=LAYER)
    assert sorted(after["id"]) == sorted(layer["id"])
    assert store.info(LAYER)["licence"] == "Données du territoire"
    assert publish(settings) == 2  # and publishing again after the harvest gives the same layer


def test_the_layer_goes_everywhere_a_layer_goes(settings):
    """OGC API collection and items, and every export format with its metadata: the public actors
    only (the synthetic fixtures' two), never a contact column, under the territory's licence."""
    import io
    import zipfile

    import pyogrio

    from inclusion_map.web import create_app

    _imported(settings)
    client = create_app(settings).test_client()
    collections = client.get("/ogc/collections").get_json()["collections"]
    actors = next(c for c in collections if c["id"] == "actors")
    assert actors["license"] == "Données du territoire"
    items = client.get("/ogc/collections/actors/items").get_json()
    assert items["numberMatched"] == 2 and not set(PRIVATE_COLUMNS) & set(items["features"][0]["properties"])
    one = items["features"][0]["id"]
    assert client.get(f"/ogc/collections/actors/items/{one}").get_json()["id"] == one
    for fmt in ("geojson", "csv", "gpkg", "fgb", "shp.zip"):
        answer = client.get(f"/exports/actors.{fmt}")
        assert answer.status_code == 200, fmt
        data = answer.get_data()
        if fmt == "csv":
            header = data.decode("utf-8-sig").splitlines()[0]
            assert "nom" in header and "contact_" not in header
            continue
        path = settings.store_path.parent / f"export.{fmt}"
        if fmt == "shp.zip":
            zipfile.ZipFile(io.BytesIO(data)).extractall(settings.store_path.parent / "shp")
            path = next((settings.store_path.parent / "shp").glob("*.shp"))
        else:
            path.write_bytes(data)
        frame = pyogrio.read_dataframe(path)
        assert len(frame) == 2 and not any(c.startswith("contact_") for c in frame.columns), fmt
    meta = client.get("/exports/actors.gpkg.meta.json").get_json()
    assert meta["rows"] == 2 and "Données du territoire" in json.dumps(meta, ensure_ascii=False)
