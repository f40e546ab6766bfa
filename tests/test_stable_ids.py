"""Stable venue ids: a venue keeps its id across harvests and merges; a merged venue's old address
redirects (301), a gone one answers 410 with its last name and the nearest venues; error reports
follow merges. Synthetic registries for the rules, a real harvest for the pages."""

from __future__ import annotations

import shutil
from html import unescape

import pandas as pd
import pytest

from inclusion_map import venue_ids
from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from inclusion_map.web.reports_store import ReportStore
from tests.conftest import harvested_and_built, mirror_settings

T1, T2, T3 = "2026-11-01T00:00:00+00:00", "2026-11-08T00:00:00+00:00", "2026-11-15T00:00:00+00:00"


def venues(*clusters: tuple[str, str, list[str]]) -> pd.DataFrame:
    """SYNTHETIC merged venues: (representative id, name, member record ids)."""
    return pd.DataFrame([{"id": rep, "nom": name, "commune": "Orly", "longitude": 2.39 + i / 100, "latitude": 48.74,
                          "source_ids": "|".join(members)} for i, (rep, name, members) in enumerate(clusters)])


def harvest(registry, *clusters, now=T1):
    frame, registry = venue_ids.assign(venues(*clusters), registry, now)
    return dict(zip(frame["nom"], frame["id"], strict=True)), registry


def test_first_harvest_takes_the_strongest_members_id():
    ids, registry = harvest(venue_ids.empty(), ("france_services:534", "FS Athis", ["france_services:534"]),
                            ("cnfs:1", "Médiathèque", ["cnfs:1", "di:9"]))
    assert ids == {"FS Athis": "france_services:534", "Médiathèque": "cnfs:1"}
    assert set(registry["status"]) == {"active"}


def test_a_new_stronger_member_does_not_change_the_id():
    _, registry = harvest(venue_ids.empty(), ("cnfs:1", "Médiathèque", ["cnfs:1"]))
    # A France services record (stronger, so the merge names the cluster after it) joins the place.
    ids, registry = harvest(registry, ("france_services:7", "Médiathèque", ["france_services:7", "cnfs:1"]), now=T2)
    assert ids == {"Médiathèque": "cnfs:1"}
    entry = venue_ids.by_id(registry)["cnfs:1"]
    assert entry["members"] == "cnfs:1|france_services:7" and entry["first_seen"] == T1 and entry["last_seen"] == T2


def test_two_venues_merging_keep_one_id_and_redirect_the_other():
    _, registry = harvest(venue_ids.empty(), ("fs:1", "France services", ["fs:1"]), ("ac:5", "Mairie annexe", ["ac:5"]))
    ids, registry = harvest(registry, ("fs:1", "France services", ["fs:1", "ac:5"]), now=T2)
    entries = venue_ids.by_id(registry)
    assert ids == {"France services": "fs:1"}
    assert (entries["ac:5"]["status"], entries["ac:5"]["merged_into"]) == ("merged", "fs:1")
    found = venue_ids.resolve(entries, "ac:5")
    assert (found.current, found.status) == ("fs:1", "active")


def test_a_venue_no_source_lists_is_gone_with_its_last_name_and_place():
    _, registry = harvest(venue_ids.empty(), ("fs:1", "France services", ["fs:1"]), ("ac:5", "Mairie annexe", ["ac:5"]))
    _, registry = harvest(registry, ("fs:1", "France services", ["fs:1"]), now=T2)
    found = venue_ids.resolve(venue_ids.by_id(registry), "ac:5")
    assert (found.current, found.status) == (None, "gone")
    assert (found.entry["name"], found.entry["ended_at"], found.entry["lat"]) == ("Mairie annexe", T2, 48.74)
    # It comes back later: the same id again, active.
    ids, registry = harvest(registry, ("fs:1", "France services", ["fs:1"]), ("ac:5", "Mairie annexe", ["ac:5"]), now=T3)
    assert ids["Mairie annexe"] == "ac:5" and venue_ids.by_id(registry)["ac:5"]["status"] == "active"


def test_a_split_keeps_the_id_where_most_members_went():
    _, registry = harvest(venue_ids.empty(), ("fs:1", "Centre", ["fs:1", "cnfs:2", "di:3"]))
    ids, registry = harvest(registry, ("fs:1", "Centre", ["fs:1", "cnfs:2"]), ("di:3", "Autre lieu", ["di:3"]), now=T2)
    assert ids == {"Centre": "fs:1", "Autre lieu": "di:3"}


def test_merged_chains_and_cycles_resolve_without_hanging():
    entries = {"a": {"id": "a", "status": "merged", "merged_into": "b"},
               "b": {"id": "b", "status": "merged", "merged_into": "c"},
               "c": {"id": "c", "status": "active"},
               "x": {"id": "x", "status": "merged", "merged_into": "y"},
               "y": {"id": "y", "status": "merged", "merged_into": "x"}}  # fmt: skip
    assert venue_ids.resolve(entries, "a").current == "c"
    assert venue_ids.resolve(entries, "x").current is None
    assert venue_ids.resolve(entries, "nope").status == "unknown"


# --- the pages and the API ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("stable-ids"), testdata)


@pytest.fixture
def store_with_history(built, tmp_path, testdata):
    """A real store whose registry says: one old id merged into a real venue, one venue gone."""
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    settings = mirror_settings(tmp_path, testdata)
    store = open_store(settings.store_location)
    registry = venue_ids.load(store)
    live = store.read("venues")
    target = live[live["commune"] == "Orly"].iloc[0]
    extra = pd.DataFrame([
        {"id": "aidants_connect:ancien", "status": "merged", "merged_into": target["id"], "members": "x",
         "name": "Ancienne fiche", "ended_at": T2},
        {"id": "aidants_connect:disparu", "status": "gone", "members": "y", "name": "Point numérique disparu",
         "commune": "Orly", "lon": target.geometry.x, "lat": target.geometry.y, "ended_at": T2},
    ])  # fmt: skip
    store.write(venue_ids.TABLE, pd.concat([registry, extra], ignore_index=True), {})
    app = create_app(settings)
    app.config["TESTING"] = True
    return settings, app.test_client(), target


def test_every_venue_of_a_real_harvest_has_a_registry_entry(built):
    store = open_store(built.store_location)
    entries = venue_ids.by_id(venue_ids.load(store))
    assert all(entries[i]["status"] == "active" for i in store.read("venues")["id"])


def test_an_old_address_redirects_to_the_venue_it_merged_into(store_with_history):
    _, client, target = store_with_history
    response = client.get("/lieu/aidants_connect:ancien?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/lieu/{target['id']}?lang=en")
    api = client.get("/api/venues/aidants_connect:ancien")
    assert api.status_code == 301 and api.headers["Location"].endswith(f"/api/venues/{target['id']}")


def test_a_gone_venue_answers_410_with_its_name_and_neighbours(store_with_history):
    _, client, target = store_with_history
    response = client.get("/lieu/aidants_connect:disparu")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 410
    assert "Point numérique disparu" in html and "Ce lieu n'est plus dans nos listes." in html
    assert f"/lieu/{target['id']}" in html  # the nearest venues
    api = client.get("/api/venues/aidants_connect:disparu")
    body = api.get_json()
    assert api.status_code == 410 and body["venue_status"] == "gone" and body["name"] == "Point numérique disparu"
    assert body["nearest"] and body["nearest"][0]["id"] == target["id"]
    assert client.get("/lieu/jamais-vu").status_code == 404


def test_a_report_sent_from_an_old_address_follows_the_merge(store_with_history):
    import re

    settings, client, target = store_with_history
    page = client.get(f"/lieu/{target['id']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    response = client.post("/lieu/aidants_connect:ancien/signaler",
                           data={"csrf": csrf, "kind": "horaires", "message": "Fermé le lundi", "contact": ""})
    assert response.status_code == 302
    reports = ReportStore(side_db(settings.store_location, "reports")).list(10)
    assert reports[0]["venue_id"] == target["id"]
