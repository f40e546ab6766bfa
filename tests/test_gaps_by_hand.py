"""Coverage measures on hand-computable cases: a few points on a line whose distances, walking times,
E2SFCA values and greedy picks can be worked out on paper (all coordinates in metres)."""

from __future__ import annotations

import numpy as np
import pytest

from inclusion_map.errors import BadRequest
from inclusion_map.gaps.distances import Walk, band_weights, e2sfca, nearest, weighted_mean
from inclusion_map.gaps.grid import cell_area, make_grid
from inclusion_map.gaps.sites import greedy_sites
from inclusion_map.gaps.slots import open_during, parse_slot, reference_monday, weekly_hours


def test_walking_time():
    walk = Walk(speed_kmh=4.0, detour=1.3)  # 66.67 m per minute
    assert walk.minutes([1000.0])[0] == pytest.approx(1000 * 1.3 / (4000 / 60))  # 19.5 min
    assert walk.straight_metres(15.0) == pytest.approx(15 * 4000 / 60 / 1.3)  # 769.2 m
    assert np.isinf(walk.minutes([np.inf])[0])


def test_nearest_and_no_venue():
    dist, idx = nearest(np.array([[0, 0], [900, 0]]), np.array([[100, 0], [1000, 0]]))
    assert dist.tolist() == [100, 100] and idx.tolist() == [0, 1]
    dist, idx = nearest(np.array([[0, 0]]), np.empty((0, 2)))
    assert np.isinf(dist[0]) and idx[0] == -1


def test_band_weights_edges():
    w = band_weights(np.array([0, 600, 601, 1200, 1201]), np.array([600.0, 1200.0]), [1.0, 0.5])
    assert w.tolist() == [1.0, 1.0, 0.5, 0.5, 0.0]


def test_e2sfca_worked_by_hand():
    venues = np.array([[0.0, 0.0], [2000.0, 0.0]])
    supply = np.array([10.0, 20.0])
    points = np.array([[500.0, 0.0], [1500.0, 0.0], [5000.0, 0.0], [1000.0, 0.0]])
    demand = np.array([100.0, 50.0, 10.0, 20.0])
    ratio, access = e2sfca(points, demand, venues, supply, [600.0, 1200.0], [1.0, 0.5])
    # Venue 0 reaches p0 (500 m, weight 1) and p3 (1000 m, weight 0.5): 10 / (100 + 0.5 × 20).
    # Venue 1 reaches p1 (500 m, weight 1) and p3 (1000 m, weight 0.5): 20 / (50 + 0.5 × 20).
    r0, r1 = 10 / 110, 20 / 60
    assert ratio.tolist() == pytest.approx([r0, r1])
    assert access.tolist() == pytest.approx([r0, r1, 0.0, 0.5 * r0 + 0.5 * r1])
    # The supply is shared out completely among the demand it reaches.
    reached = access * demand
    assert reached.sum() == pytest.approx(supply.sum())


def test_e2sfca_venue_without_demand():
    ratio, access = e2sfca(np.array([[0.0, 0.0]]), np.array([0.0]), np.array([[0.0, 0.0]]), np.array([5.0]),
                           [100.0], [1.0])  # fmt: skip
    assert ratio.tolist() == [0.0] and access.tolist() == [0.0]


def test_weighted_mean_per_group():
    out = weighted_mean(np.array([1.0, 3.0, np.inf, 5.0]), np.array([1.0, 3.0, 1.0, 0.0]), np.array([0, 0, 1, 2]), 4)
    assert out[0] == pytest.approx((1 + 9) / 4) and np.isnan(out[1]) and np.isnan(out[2]) and np.isnan(out[3])


def test_greedy_maximal_coverage_by_hand():
    # Demand on a line: 100 people at 0 and 100 m, 300 at 1000 m, 50 at 2000 m; sites cover 150 m.
    demand_xy = np.array([[0.0, 0.0], [100.0, 0.0], [1000.0, 0.0], [2000.0, 0.0]])
    population = np.array([100.0, 100.0, 300.0, 50.0])
    candidates = np.array([[50.0, 0.0], [1000.0, 0.0], [2000.0, 0.0], [5000.0, 0.0]])
    picks = greedy_sites(candidates, demand_xy, population * 2, population, np.zeros(4, bool), 150.0, 5)
    assert [p.candidate for p in picks] == [1, 0, 2]  # 300, then 200, then 50; nothing left for a 4th
    assert [p.gain_population for p in picks] == [300, 200, 50]
    assert [p.gain_demand for p in picks] == [600, 400, 100]
    # People already within reach of a venue are not counted again.
    picks = greedy_sites(candidates, demand_xy, population, population, np.array([False, False, True, False]), 150.0, 1)
    assert picks[0].candidate == 0 and picks[0].gain_population == 200


@pytest.mark.parametrize("shape", ["hexagon", "square"])
def test_grid_covers_the_area(shape):
    import shapely

    area = shapely.box(0, 0, 2000, 1000)
    grid = make_grid(area, 250.0, shape)
    assert shapely.contains_xy(area, grid["x"], grid["y"]).all()
    assert grid.geometry.area.to_numpy() == pytest.approx(cell_area(250.0, shape))
    assert len(grid) * cell_area(250.0, shape) == pytest.approx(area.area, rel=0.1)
    d, _ = nearest(grid[["x", "y"]].to_numpy()[:1], grid[["x", "y"]].to_numpy()[1:])
    assert d[0] == pytest.approx(250.0)


def test_slots_parse_and_hours():
    assert parse_slot("Sa 09:00-12:00").days == (5,)
    assert parse_slot("Mo-Fr 18:00-21:00").days == (0, 1, 2, 3, 4)
    assert parse_slot("Fr-Mo 10:00-11:00").days == (4, 5, 6, 0)
    assert parse_slot("samedi-matin") == parse_slot("Sa 09:00-12:00")
    for bad in ("Xx 09:00-12:00", "Sa 12:00-09:00", "Sa 25:00-26:00", "samedi", "whenever", ""):
        if bad == "samedi":
            continue  # a preset
        with pytest.raises(BadRequest):
            parse_slot(bad)
    monday = reference_monday("2026-11-30")
    assert weekly_hours("Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00", monday) == pytest.approx(5 * 6.5 + 3)
    assert weekly_hours("not hours", monday) is None and weekly_hours(None, monday) is None
    assert open_during("Mo-Fr 09:00-12:00; Sa 10:00-11:00", parse_slot("Sa 09:00-12:00"), monday) is True
    assert open_during("Mo-Fr 09:00-17:00", parse_slot("Mo-Fr 18:00-21:00"), monday) is False
    assert open_during("Mo-Fr 09:00-18:30", parse_slot("Mo-Fr 18:00-21:00"), monday) is True
    assert open_during(None, parse_slot("soir"), monday) is None
