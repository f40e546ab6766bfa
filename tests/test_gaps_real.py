"""The gap analysis on the real data: the EPT's venues harvested from the real files (offline
mirror mode, read in place from the test data folder) and its communes built from the real
boundaries and IFN file, then analysed, with every bad option refused without writing anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from click.testing import CliRunner

from inclusion_map.catalogue import load_catalogue
from inclusion_map.errors import BadRequest, NotFound
from inclusion_map.gaps.analysis import GapOptions, analyse
from inclusion_map.gaps.demand import SERVICE_SLUGS
from inclusion_map.gaps.output import run_gaps
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from tests.conftest import ROOT, harvested_and_built, mirror_settings


def settings_in(folder, testdata, store_name="store.gpkg"):
    return mirror_settings(folder, testdata, store_name)


@pytest.fixture(scope="module")
def built_store(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("gaps")
    settings = harvested_and_built(folder, testdata)
    return folder, settings


@pytest.fixture
def settings(built_store, tmp_path, testdata):
    """A private copy of the built store, so that each test may write to it."""
    folder, built = built_store
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return settings_in(tmp_path, testdata)


@pytest.fixture(scope="module")
def baseline(built_store):
    _, settings = built_store
    return analyse(settings, GapOptions(suggest=3, slot="Sa 09:00-12:00"))


def test_every_commune_has_a_finite_distance_and_a_rank(baseline):
    zones = baseline.zones
    assert len(zones) == 24 and baseline.meta["level"] == "commune"
    assert np.isfinite(zones["dist_mean_m"]).all() and (zones["dist_mean_m"] >= 0).all()
    assert sorted(zones["rank"]) == list(range(1, 25))
    assert zones["reason"].str.contains("lieu le plus proche").all()
    assert (zones["access"] >= 0).all() and zones["access_label"].notna().all()
    assert "estimation" in baseline.meta["population_basis"]
    assert (zones["pop_beyond"] <= zones["population"] + 1).all()
    for slug in SERVICE_SLUGS.values():
        assert f"dist_{slug}_m" in zones
    assert np.isfinite(zones["dist_demarches_m"]).all()  # several venues help with online paperwork


def test_grid_carries_distance_not_people_at_commune_level(baseline):
    grid = baseline.grid
    assert 1500 < len(grid) < 4000  # ~250 m hexagons over ~100 km²
    assert grid["population_est"].isna().all()
    assert (grid.loc[grid["within"], "walk_min"] <= 15.05).all()  # walk_min is rounded to 0.1 min
    assert (grid.loc[~grid["within"], "walk_min"] >= 14.95).all()
    assert grid.crs.to_epsg() == 4326 and np.isfinite(grid["slot_dist_m"]).any()


def test_accessibility_redistributes_the_supply(baseline, built_store):
    """Σ (access × demand) over demand points = Σ supply of venues that reach any demand (×1000)."""
    from inclusion_map.gaps.demand import add_supply, demand_points, load_venues, load_zones
    from inclusion_map.gaps.measures import measure

    _, settings = built_store
    store = open_store(settings.store_location)
    zones, _ = load_zones(store)
    venues = load_venues(store, settings)
    add_supply(venues, settings)
    _, pts = demand_points(zones, settings)
    m = measure(pts, venues, settings, 15)
    inside = np.isfinite(m["dist"]) & (m["minutes"] <= 15)
    assert (m["access"][~inside] == 0).all()
    reached = venues["supply"].sum()
    assert (m["access"] * pts["demand"]).sum() / 1000 == pytest.approx(reached, rel=0.05)


def test_closing_a_venue_never_improves_anyone(baseline, built_store):
    _, settings = built_store
    first = baseline.zones.sort_values("rank").iloc[-1]["nearest_id"]
    venues = open_store(settings.store_location).read("venues").to_crs(2154).set_index("id")
    # Close that venue and any other at the same place (venues placed at their commune's centre).
    closed = tuple(venues.index[venues.distance(venues.geometry[first]) < 1])
    result = analyse(settings, GapOptions(close=closed))
    zones = result.zones
    assert (zones["scen_dist_mean_m"] >= zones["dist_mean_m"] - 1e-6).all()
    assert (zones["delta_pop_beyond"] >= 0).all()
    assert result.scenario["pop_beyond_after"] >= result.scenario["pop_beyond_before"]
    assert (zones["scen_dist_mean_m"] > zones["dist_mean_m"] + 1e-6).any()


def test_adding_a_site_where_suggested_helps(baseline, built_store):
    _, settings = built_store
    top = baseline.suggestions.iloc[0]
    result = analyse(settings, GapOptions(add=((top["lon"], top["lat"]),)))
    gained = result.scenario["pop_beyond_before"] - result.scenario["pop_beyond_after"]
    assert gained == pytest.approx(top["gain_population"], rel=0.01)
    assert (result.zones["delta_pop_beyond"] <= 0).all()


def test_suggestions_are_greedy_and_inside(baseline):
    s = baseline.suggestions
    assert len(s) == 3 and s["gain_weighted"].is_monotonic_decreasing and (s["gain_population"] > 0).all()
    assert s["zone"].notna().all() and s["cumulative_population"].iloc[-1] == s["gain_population"].sum()


def test_slot_finds_zones_with_nothing_open(baseline):
    zones = baseline.zones
    none_open = zones[zones["slot_none_open"]]
    assert baseline.meta["slot_zones_none_open"] == none_open["nom"].tolist()
    assert (none_open["slot_pop_beyond"] >= none_open["pop_beyond"]).all()
    assert (zones["slot_dist_m"] >= zones["dist_mean_m"] - 1e-6).all()


def test_service_filter(built_store):
    _, settings = built_store
    result = analyse(settings, GapOptions(service="aide aux demarches administratives"))
    assert result.meta["service"] == "Aide aux démarches administratives"
    assert result.meta["venues"] < 51


def test_run_gaps_writes_layers_and_summary(settings):
    result, files = run_gaps(settings, GapOptions(suggest=2))
    store = open_store(settings.store_location)
    assert {"gaps", "gap_grid"} <= set(store.layers()) & set(load_catalogue())
    assert store.info("gaps")["zones_level"] == "commune" and len(store.info("gaps")["suggestions"]) == 2
    assert pyogrio.read_info(settings.store_path, layer="gap_grid")["features"] == len(result.grid)
    text = Path(files["markdown"]).read_text(encoding="utf-8")
    assert "Suggested sites" in text and "| 1 |" in text


@pytest.mark.parametrize("options, message", [
    (GapOptions(service="cours de cuisine"), "unknown service 'cours de cuisine'"),
    (GapOptions(slot="Sa 9h-12h"), "does not parse"),
    (GapOptions(add=((2.0, 45.0),)), "outside the territory"),
    (GapOptions(candidates=((7.0, 48.0),), suggest=1), "outside the territory"),
    (GapOptions(close=("no-such-id",)), "unknown venue id"),
    (GapOptions(threshold_min=500), "between 1 and 120"),
])  # fmt: skip
def test_bad_options_are_refused_and_nothing_is_written(settings, options, message):
    run_gaps(settings)
    before = open_store(settings.store_location).info("gaps")["built_at"]
    mtime = settings.store_path.stat().st_mtime_ns
    with pytest.raises(BadRequest, match=message):
        run_gaps(settings, options)
    assert open_store(settings.store_location).info("gaps")["built_at"] == before
    assert settings.store_path.stat().st_mtime_ns == mtime


def test_empty_venue_layer_and_missing_layers(settings, tmp_path, testdata):
    store = open_store(settings.store_location)
    venues = store.read("venues")
    store.write("venues", venues.iloc[0:0], store.info("venues"))
    with pytest.raises(BadRequest, match="venue layer is empty"):
        analyse(settings)
    empty = settings_in(tmp_path, testdata, "nothing.gpkg")
    with pytest.raises(NotFound, match="run `python run.py build`"):
        analyse(empty)


def test_zone_with_zero_population_is_shown_not_ranked(settings):
    store = open_store(settings.store_location)
    communes = store.read("communes")
    communes.loc[communes["code"] == "94065", "population"] = 0
    store.write("communes", communes, store.info("communes"))
    result = analyse(settings)
    rungis = result.zones.set_index("code").loc["94065"]
    assert rungis["rank"] is pd_na() and "non classée" in rungis["reason"]
    assert any("94065" in w for w in result.warnings)
    assert sorted(result.zones["rank"].dropna()) == list(range(1, 24))


def pd_na():
    import pandas as pd

    return pd.NA


def test_cli_gaps(settings, tmp_path):
    import yaml

    from inclusion_map.cli import main

    path = tmp_path / "config.yaml"
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data.update(root=str(ROOT), mirror=str(settings.mirror), store=settings.store.model_dump(),
                coverage={"reference_week": "2026-11-30"}, geocoding={"enabled": False})  # fmt: skip
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["gaps", "--config", str(path), "--suggest", "2", "--slot", "soir", "--top", "5"])
    assert result.exit_code == 0, result.output
    assert "Top 5 priorities" in result.output and "Suggested sites" in result.output
    assert "Slot lundi, mardi, mercredi, jeudi, vendredi de 18:00 à 21:00" in result.output
    result = runner.invoke(main, ["gaps", "--config", str(path), "--slot", "tomorrow"])
    assert result.exit_code == 1 and "does not parse" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["gaps", "--config", str(path), "--add", "abc"])
    assert result.exit_code == 2 and "not LON,LAT" in result.output


def test_subterritory_keeps_its_zones_with_the_whole_territory_figures(baseline, built_store):
    _, settings = built_store
    result = analyse(settings, GapOptions(subterritory="cispd-sud", suggest=2))
    south = {"91027", "91326", "91432", "91479", "91589", "91687"}
    zones = result.zones.set_index("code")
    assert set(zones.index) == south and sorted(zones["rank"]) == list(range(1, 7))
    whole = baseline.zones.set_index("code")
    for col in ("dist_mean_m", "pop_beyond", "access"):
        assert zones[col].to_numpy() == pytest.approx(whole.loc[zones.index, col].to_numpy())
    assert set(result.grid["zone_code"]) == south and set(result.suggestions["zone"]) <= south
    with pytest.raises(BadRequest, match="unknown sub-territory"):
        analyse(settings, GapOptions(subterritory="nord"))


def test_iris_level_analysis(settings, tmp_path, testdata):
    """With (SYNTHETIC) IRIS contours for Athis-Mons only, its zones are IRIS and the other communes
    stay communes; each zone says its level and how its population was estimated."""
    import json

    from tests.test_territory_layers import synthetic_iris

    file = tmp_path / "iris.geojson"
    file.write_text(json.dumps(synthetic_iris(testdata)), encoding="utf-8")
    reference = settings.reference.model_dump()
    reference["iris_contours"] = {"url": "https://example.invalid/iris.geojson", "mirror": str(file)}
    with_iris = settings.with_overrides(reference=reference)
    report = run_build(with_iris)
    assert report.level == "mixed"
    result = analyse(with_iris)
    zones = result.zones.set_index("code")
    assert result.meta["level"] == "mixed" and len(zones) == 6 + 23
    iris = zones[zones["level"] == "iris"]
    assert len(iris) == 6 and (iris["commune"] == "91027").all()
    assert result.meta["levels"]["iris"] == ["91027"] and len(result.meta["levels"]["commune"]) == 23
    assert "IRIS résidentiels (estimation)" in result.meta["population_basis"]
    assert (iris["population_basis"] == "population de la commune partagée entre ses IRIS résidentiels "
            "(estimation)").all()  # fmt: skip
    athis = open_store(with_iris.store_location).read("communes").set_index("code").at["91027", "population"]
    assert iris["population"].sum() == pytest.approx(athis)  # shared by the 5 residential IRIS
    assert zones.at["910279999", "population"] == 0 and zones.at["910279999", "reason"].startswith("Population nulle")
    assert result.grid["population_est"].isna().all()
