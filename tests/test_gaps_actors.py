"""The gap analysis on a kind of actor (``--kind``, ``/couverture?type=``): the distance to the
territory's French workshops or access-to-rights points instead of the digital-help venues.

The EPT's zones are real (offline mirror); the actors are SYNTHETIC (two French workshops and one
partner, invented for this test, written as the published ``actors`` layer), never real data."""

from __future__ import annotations

from html import unescape

import geopandas as gpd
import numpy as np
import pytest

from inclusion_map.errors import BadRequest, NotFound
from inclusion_map.gaps.analysis import GapOptions, analyse
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from tests.conftest import harvested_and_built

#: SYNTHETIC actors: names, places and hours invented for the test
SYNTHETIC_ACTORS = [
    {"id": "acteur:langue:atelier-synthetique-vitry", "kind": "langue", "nom": "Atelier synthétique (Vitry)",
     "services": "atelier_sociolinguistique", "horaires": "Sa 09:00-12:00", "geocode_precision": "housenumber",
     "code_insee": "94081",
     "lon": 2.392, "lat": 48.787},
    {"id": "acteur:langue:atelier-synthetique-athis", "kind": "langue", "nom": "Atelier synthétique (Athis-Mons)",
     "services": "alphabetisation", "horaires": "We 14:00-16:00", "geocode_precision": "housenumber",
     "code_insee": "91027",
     "lon": 2.389, "lat": 48.709},
    {"id": "acteur:acces_droit:point-synthetique", "kind": "acces_droit", "nom": "Point synthétique",
     "services": "information_juridique", "horaires": "Mo-Fr 09:00-12:00", "geocode_precision": "housenumber",
     "code_insee": "94076",
     "lon": 2.364, "lat": 48.794},
]  # fmt: skip


@pytest.fixture(scope="module")
def settings(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("gaps-actors"), testdata)
    rows = [{k: v for k, v in a.items() if k not in ("lon", "lat")} for a in SYNTHETIC_ACTORS]
    layer = gpd.GeoDataFrame(rows, geometry=gpd.points_from_xy([a["lon"] for a in SYNTHETIC_ACTORS],
                                                                [a["lat"] for a in SYNTHETIC_ACTORS]), crs=4326)  # fmt: skip
    open_store(settings.store_location).write("actors", layer, {"title": "SYNTHETIC actors for a test"})
    return settings


def test_the_distance_to_a_kind_of_actor(settings):
    workshops = analyse(settings, GapOptions(kind="langue"))
    venues = analyse(settings, GapOptions())
    assert workshops.meta["kind"] == "langue" and workshops.meta["venues"] == 2
    assert workshops.meta["per_service"] == {}  # the standard's services are the digital venues'
    zones = workshops.zones.set_index("code")
    # Vitry-sur-Seine holds a workshop; Villejuif none: its people are further from one.
    assert zones.loc["94081", "nearest_m"] < zones.loc["94076", "nearest_m"]
    # Two workshops are far fewer than the digital venues: more people beyond the threshold.
    assert workshops.zones["pop_beyond"].sum() > venues.zones["pop_beyond"].sum()
    # A French workshop on Saturday morning: only the Vitry one is open then.
    saturday = analyse(settings, GapOptions(kind="langue", slot="samedi-matin"))
    assert saturday.meta["venues_hours_known"] == 2
    slot = saturday.zones.set_index("code")["slot_dist_m"]
    assert np.isfinite(slot.loc["94081"]) and slot.loc["91027"] > slot.loc["94081"]
    one = analyse(settings, GapOptions(kind="langue", service="alphabetisation"))
    assert one.meta["venues"] == 1


def test_bad_kinds_and_services_are_clear(settings, tmp_path, testdata):
    for options, said in ((GapOptions(kind="partenaire"), "unknown kind of actor 'partenaire'"),
                          (GapOptions(kind="nope"), "unknown kind of actor 'nope'"),
                          (GapOptions(kind="langue", service="cuisine"), "unknown service 'cuisine'")):  # fmt: skip
        with pytest.raises(BadRequest, match=said):
            analyse(settings, options)
    bare = harvested_and_built(tmp_path / "bare", testdata)  # a store without actors
    with pytest.raises(NotFound, match="no actor layer"):
        analyse(bare, GapOptions(kind="acces_droit"))


def test_the_gap_page_measures_a_kind(settings):
    client = create_app(settings).test_client()
    page = client.get("/couverture?type=langue").get_data(as_text=True)
    assert "2 lieux « Apprendre le français »" in page and 'value="langue" selected' in page
    wrong = client.get("/couverture?type=partenaire")
    assert wrong.status_code == 400 and "partenaire" in wrong.get_data(as_text=True)


def test_the_report_has_a_section_per_public_kind(settings):
    from inclusion_map.gaps.output import run_gaps

    run_gaps(settings)
    client = create_app(settings).test_client()
    page = unescape(client.get("/rapport").get_data(as_text=True))
    assert "Autres acteurs de l'accès aux droits" in page
    assert "Apprendre le français : 2" in page and "Accès au droit : 1" in page
    assert "Atelier synthétique (Vitry)" in page and "Partenaires" not in page
    athis = unescape(client.get("/rapport?commune=91027").get_data(as_text=True))
    assert "Apprendre le français : 1" in athis and "Accès au droit : 0" in athis and "Aucun n'est encore saisi." in athis
