"""The gap analysis over the whole of metropolitan France, on a coarse grid (10 km hexagons): the
real 2018 commune contours of every département dissolved into today's communes with their legal
population, against every real venue of the national files (offline, read in place from the test
data folder). Also the memory guard: a territory too large for the memory allowed is refused
before the analysis starts, with the figures and a coarser grid that fits."""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pyogrio
import pytest
import shapely

from inclusion_map.errors import BadRequest
from inclusion_map.gaps import capacity
from inclusion_map.gaps.analysis import GapOptions, analyse
from inclusion_map.gaps.demand import demand_points, load_zones
from inclusion_map.gaps.grid import cell_area
from inclusion_map.gaps.output import run_gaps
from inclusion_map.stores import open_store
from tests.conftest import ROOT, mirror_settings

SIZE = 10_000.0  # metres


def _benchmark(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def national(tmp_path_factory, testdata):
    """A store holding the communes of metropolitan France and the national venues."""
    folder = tmp_path_factory.mktemp("national")
    settings = mirror_settings(folder, testdata).with_overrides(
        coverage={"reference_week": "2026-11-30", "grid_size_m": SIZE})
    store = open_store(settings.store_location)
    store.write("communes", _benchmark("gaps_national_benchmark").national_communes(testdata), {"title": "France"})
    store.write("venues", _benchmark("gaps_benchmark").national_venues(settings), {"title": "national venues"})
    return settings


@pytest.fixture(scope="module")
def result(national):
    return analyse(national, GapOptions(suggest=3, slot="samedi-matin"))


def test_every_populated_commune_is_measured_and_ranked(result):
    zones = result.zones
    populated = zones["population"] > 0
    assert len(zones) > 34_000 and result.meta["level"] == "commune"
    assert populated.sum() > 34_000 and result.meta["venues"] > 10_000
    assert np.isfinite(zones.loc[populated, "dist_mean_m"]).all() and (zones.loc[populated, "dist_mean_m"] >= 0).all()
    assert sorted(zones.loc[populated, "rank"]) == list(range(1, populated.sum() + 1))
    assert (zones["pop_beyond"] <= zones["population"].fillna(0) + 1).all()
    assert (zones.loc[populated, "access"] >= 0).all()
    # With 10 km cells most people of a rural commune are far from help; Paris is not.
    paris = zones.set_index("code").loc["75056"] if "75056" in set(zones["code"]) else None
    if paris is not None:
        assert paris["share_beyond"] < 0.5
    assert 0.2 < zones["pop_beyond"].sum() / zones["population"].sum() < 1.0
    assert len(result.suggestions) == 3 and (result.suggestions["gain_population"] > 0).all()


def test_population_is_conserved_and_the_grid_covers_france(national, result):
    store = open_store(national.store_location)
    zones, _ = load_zones(store)
    grid, pts = demand_points(zones, national)
    total = zones["population"].fillna(0).sum()
    assert 60e6 < total < 70e6
    assert pts["population"].sum() == pytest.approx(total, rel=1e-9)
    assert set(pts["zone"]) == set(range(len(zones)))  # every zone has at least one demand point
    assert result.zones["population"].sum() == pytest.approx(total, rel=1e-9)
    # About 544,000 km² of metropolitan France over the area of a 10 km hexagon.
    expected = zones.area.sum() / cell_area(SIZE, "hexagon")
    assert len(grid) == len(result.grid) == pytest.approx(expected, rel=0.05)
    assert result.meta["cells_estimated"] == pytest.approx(len(grid), rel=0.05)
    assert result.grid.crs.to_epsg() == 4326 and (result.grid.geom_type == "Polygon").all()
    assert result.meta["grid_geometry"] == "polygon"


def test_large_grids_are_written_as_cell_centres(national, result):
    settings = national.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": SIZE,
                                                 "grid_polygon_max_cells": 1000})  # fmt: skip
    points, _ = run_gaps(settings, GapOptions())
    assert points.meta["grid_geometry"] == "point" and (points.grid.geom_type == "Point").all()
    assert points.grid["dist_m"].to_numpy() == pytest.approx(result.grid["dist_m"].to_numpy())
    centres = result.grid.to_crs(2154).centroid.to_crs(4326)
    assert np.abs(points.grid.geometry.x.to_numpy() - centres.x.to_numpy()).max() < 1e-6
    info = pyogrio.read_info(settings.store_path, layer="gap_grid")
    assert info["geometry_type"] == "Point" and info["features"] == len(points.grid)


def test_too_large_for_the_memory_is_refused_before_it_starts(national):
    fine = national.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": 250.0,
                                             "max_memory_gb": 2.0})  # fmt: skip
    started = time.perf_counter()
    with pytest.raises(BadRequest) as caught:
        analyse(fine)
    assert time.perf_counter() - started < 20  # refused from the zones' area, no grid is made
    text = str(caught.value)
    assert "too large for the memory" in text and "cells" in text and "GB" in text
    assert "coverage.max_memory_gb: 2.0 GB" in text
    suggested = float(text.split("coverage.grid_size_m: ")[1].split()[0])
    assert suggested > 250
    # The suggested grid fits the same limit, and runs.
    zones, _ = load_zones(open_store(national.store_location))
    coarse = fine.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": suggested,
                                           "max_memory_gb": 2.0})  # fmt: skip
    assert capacity.estimate(zones.geometry.values, coarse.coverage).fits
    assert not capacity.estimate(zones.geometry.values, fine.coverage).fits


def test_memory_guard_uses_the_available_memory_by_default(national, monkeypatch):
    monkeypatch.setattr(capacity, "available_bytes", lambda: 1.5 * capacity.GB)
    fine = national.with_overrides(coverage={"reference_week": "2026-11-30", "grid_size_m": 250.0})
    with pytest.raises(BadRequest, match="memory available: 1.5 GB"):
        analyse(fine)


def test_the_national_gap_map_is_drawn_by_tiles_and_zones_by_area(result):
    """The map's layers at national scale: tiles of the whole country from the lattice (no cell
    sent), and the zones of one area only."""
    from inclusion_map.geo.tiles import ground_pixel_m, lonlat_to_tile, view_tiles
    from inclusion_map.web.coverage_view import Analysis, is_large
    from inclusion_map.web.zone_features import tolerance_at

    found = Analysis(result)
    assert is_large(found)
    raster = found.raster()
    assert raster.nbytes < 50e6
    shares, classes = [], []
    for z, tx, ty in view_tiles(2.5, 46.5, 5, 1280, 800):
        sampled = raster.sample(z, tx, ty)
        if sampled is not None:
            shares.append(sampled[0].ravel())
            classes.append(sampled[1].ravel())
    shares, classes = np.concatenate(shares), np.concatenate(classes)
    drawn = shares != 255
    # About 544,000 km² at some 11.5 km² a pixel (zoom 5 at 46.5° N), most of them partly beyond
    # 15 minutes' walk with 10 km cells. This store has no fragility index (communes and population
    # only): the fragility tiles draw nothing rather than a guess.
    expected = 544_000e6 / ground_pixel_m(5, 46.5) ** 2
    assert drawn.sum() == pytest.approx(expected, rel=0.15) and (shares[drawn] > 0).mean() > 0.5
    assert (classes == 0).all()
    # Central Paris: its cell is within reach.
    fx, fy = lonlat_to_tile(2.35, 48.86, 9)
    share, _ = raster.sample(9, int(fx), int(fy))
    assert share[int(fy % 1 * 256), int(fx % 1 * 256)] == 0
    features = found.zone_features("fr", 15.0)
    hits = features.tree.query(shapely.box(2.25, 48.81, 2.42, 48.91), predicate="intersects")
    body = features.collection(np.sort(hits), tolerance_at(12))
    assert 20 < body.count('"type":"Feature"') < 200 and len(body) < 2_000_000
