"""Normalisation to the national standard v1.0.2: vocabularies, contacts, hours, coordinates."""

from __future__ import annotations

from datetime import date

import pytest

from inclusion_map import schema, vocab
from inclusion_map.geo.crs import fix_coordinates, in_france
from inclusion_map.hours import day_ranges, validate_opening_hours, weekly_table_to_osm
from inclusion_map.phones import normalise_phone


def norm(**raw):
    raw.setdefault("source_id", "x1")
    raw.setdefault("date_maj", "2024-03-01")
    record, issues = schema.normalise(raw, published=date(2024, 1, 2))
    return record, issues


def test_fifteen_old_services_map_to_the_nine_new_ones():
    old = [
        "Devenir autonome dans les démarches administratives",
        "Réaliser des démarches administratives avec un accompagnement",
        "Prendre en main un smartphone ou une tablette", "Prendre en main un ordinateur",
        "Utiliser le numérique au quotidien", "Approfondir ma culture numérique",
        "Favoriser mon insertion professionnelle", "Accéder à une connexion internet",
        "Accéder à du matériel", "S’équiper en matériel informatique", "Créer et développer mon entreprise",
        "Créer avec le numérique", "Accompagner les démarches de santé", "Promouvoir la citoyenneté numérique",
        "Soutenir la parentalité et l’éducation avec le numérique",
    ]  # fmt: skip
    record, issues = norm(services=";".join(old))
    assert not issues
    assert set(record["services"].split("|")) == set(vocab.SERVICES) - {"Utilisation sécurisée du numérique"}


def test_v1_values_are_kept_and_unknown_values_reported():
    record, issues = norm(services="Aide aux démarches administratives|Cuisine moléculaire")
    assert record["services"] == "Aide aux démarches administratives"
    assert [(i.field, i.value) for i in issues] == [("services", "Cuisine moléculaire")]


def test_old_publics_split_into_publics_and_specific_support():
    record, _ = norm(publics_accueillis="Adultes;Seniors (+ 65 ans);Jeunes (16-26 ans);Surdité;"
                     "Personnes en situation d'illettrisme;Public langues étrangères")  # fmt: skip
    assert record["publics_specifiquement_adresses"] == "Jeunes|Seniors"
    assert record["prise_en_charge_specifique"] == "Surdité|Illettrisme|Langues étrangères (autres)"


def test_old_access_conditions_labels_and_modalities():
    record, issues = norm(
        conditions_acces="Gratuit : Je peux accéder gratuitement au lieu et à ses services;"
        "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer",
        labels_nationaux="CNFS;France Services;APTIC",
        modalites_accompagnement="Seul : j'ai accès à du matériel et une connexion;"
        "Dans un atelier : j'apprends collectivement à utiliser le numérique",
    )
    assert record["frais_a_charge"] == "Gratuit|Payant"
    assert record["dispositif_programmes_nationaux"] == "Conseillers numériques|France Services"
    assert record["autres_formations_labels"] == "APTIC"
    assert record["modalites_accompagnement"] == "En autonomie|Dans un atelier collectif"
    assert not issues


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01 45 15 00 00", "+33145150000"), ("+33 6 12 34 56 78", "+33612345678"), ("0590 12 34 56", "+590590123456"),
     ("0262 21 00 00", "+262262210000"), ("12", None), ("pas de téléphone", None)],
)  # fmt: skip
def test_phone_numbers_in_international_form(raw, expected):
    assert normalise_phone(raw) == expected


def test_contacts_are_cleaned():
    record, issues = norm(courriel="Contact@Example.org ; autre@example.fr", site_web="www.example.org|notaurl",
                          prise_rdv="https://rdv.example.org/x", accessibilite="acceslibre.beta.gouv.fr/app/a")  # fmt: skip
    assert record["courriels"] == "contact@example.org|autre@example.fr"
    assert record["site_web"] == "https://www.example.org"
    assert record["fiche_acces_libre"] == "https://acceslibre.beta.gouv.fr/app/a"
    assert [(i.field, i.value) for i in issues] == [("site_web", "https://notaurl")]


def test_codes_and_pivot():
    record, _ = norm(code_postal=1000, code_insee="2a004", pivot="434 933 123 00029")
    assert record["code_postal"] == "01000"
    assert record["code_insee"] == "2A004"
    assert record["pivot"] == "43493312300029"
    record, issues = norm(code_postal="ABCDE", pivot="n/a")
    assert record["code_postal"] is None and record["pivot"] == schema.PIVOT_PLACEHOLDER
    assert issues[0].field == "code_postal"


def test_dates_and_missing_date_falls_back_to_publication():
    assert norm(date_maj="15/03/2021")[0]["date_maj"] == "2021-03-15"
    assert norm(date_maj="2022-05-09T10:00:00Z")[0]["date_maj"] == "2022-05-09"
    assert norm(date_maj=1652090400000)[0]["date_maj"] == "2022-05-09"
    record, issues = norm(date_maj=None)
    assert record["date_maj"] == "2024-01-02"
    assert issues[0].action == "fixed"


def test_long_summary_is_shortened_and_kept_in_detail():
    text = "mot " * 100
    record, issues = norm(presentation_resume=text)
    assert len(record["presentation_resume"]) <= schema.RESUME_MAX
    assert record["presentation_detail"] == text.strip()
    assert issues[0].action == "fixed"


def test_invalid_opening_hours_are_dropped_and_reported():
    record, issues = norm(horaires="lundi de 9h à 12h")
    assert record["horaires"] is None
    assert issues[0].field == "horaires" and issues[0].action == "dropped"
    assert norm(horaires="Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00")[0]["horaires"]


def test_validate_lists_missing_required_values():
    record, _ = norm(nom="Lieu", adresse="1 rue", date_maj="2024-01-01")
    fields = {i.field for i in schema.validate(record)}
    assert {"commune", "code_postal", "latitude/longitude"} <= fields
    assert "nom" not in fields


@pytest.mark.parametrize(
    ("lat", "lon", "expected", "problem"),
    [
        (48.70, 2.36, (48.70, 2.36), None),
        (2.36, 48.70, (48.70, 2.36), "swapped"),
        ("48,70", "2,36", (48.70, 2.36), None),
        (6_844_619, 652_900, (48.70, 2.36), "Lambert-93"),
        (40.71, -74.0, (None, None), "outside France"),
        (0, 0, (None, None), "outside France"),
        ("abc", "2.3", (None, None), "unreadable"),
        (None, None, (None, None), None),
        (-21.1, 55.5, (-21.1, 55.5), None),
    ],
)
def test_coordinates_fixed_or_dropped(lat, lon, expected, problem):
    got_lat, got_lon, issue = fix_coordinates(lat, lon)
    if expected[0] is None:
        assert got_lat is None and got_lon is None
    else:
        assert got_lat == pytest.approx(expected[0], abs=0.01) and got_lon == pytest.approx(
            expected[1], abs=0.01
        )
    assert (issue is None) if problem is None else (problem in issue[0])


def test_in_france_boxes():
    assert in_france(2.35, 48.85) and in_france(-61.5, 16.2) and not in_france(-74.0, 40.7)


def test_weekly_table_to_osm_groups_days():
    days = {"Mo": "09:00 - 12:00 / 13:30 - 17:00", "Tu": "09:00 - 12:00 / 13:30 - 17:00",
            "We": "09:00-12:00", "Th": "09:00 - 12:00 / 13:30 - 17:00", "Fr": "09:00 - 12:00 / 13:30 - 16:00",
            "Sa": "", "Su": None}  # fmt: skip
    osm, unreadable = weekly_table_to_osm(days)
    assert (
        osm
        == "Mo-Tu 09:00-12:00,13:30-17:00; We 09:00-12:00; Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00"
    )
    assert unreadable == []
    assert validate_opening_hours(osm) == osm


def test_day_ranges_read_messy_cells():
    assert day_ranges("09 :00-12:00/13:30-17h00") == ["09:00-12:00", "13:30-17:00"]
    assert day_ranges("-") == []
    assert day_ranges("09:00-") is None
    assert day_ranges("17:00 - 09:00") is None
    osm, unreadable = weekly_table_to_osm({"Mo": "9h", "Tu": "10:00-11:00"})
    assert osm == "Tu 10:00-11:00" and unreadable == ["Mo"]
