"""Where to act: greedy maximal-coverage choice of new sites (Church & ReVelle's MCLP, greedy).

Each step picks the candidate place that brings the most *uncovered* demand (fragility-weighted
inhabitants beyond the walking threshold of every venue) within the threshold, then marks that
demand covered. The greedy choice is within (1 − 1/e) of the best possible set and is what a hub
can explain: "this site first, because it reaches these people".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

# Candidates whose reach is counted at once: about 7 million pairs, some 100 MB, at 250 m cells.
CHUNK = 200_000


@dataclass
class Pick:
    """One suggested site: its candidate index, the demand and population it newly covers."""

    candidate: int
    gain_demand: float
    gain_population: float


def greedy_sites(candidates: np.ndarray, demand_xy: np.ndarray, demand: np.ndarray, population: np.ndarray,
                 covered: np.ndarray, radius_m: float, n: int) -> list[Pick]:  # fmt: skip
    """Choose up to ``n`` candidates, greedily maximising newly covered demand.

    Parameters
    ----------
    candidates : ndarray (c, 2)
        Candidate places, EPSG:2154.
    demand_xy : ndarray (d, 2)
        Demand points, EPSG:2154.
    demand, population : ndarray (d,)
        Fragility-weighted demand and plain population at each point.
    covered : ndarray of bool (d,)
        Points already within the threshold of a venue.
    radius_m : float
        Straight-line metres within which a site covers a point.
    n : int
        Number of sites wanted; fewer are returned when nothing more can be gained.
    """
    todo = ~np.asarray(covered, dtype=bool) & (np.asarray(demand) > 0)
    if n <= 0 or not todo.any() or len(candidates) == 0:
        return []
    target = np.flatnonzero(todo)
    targets = cKDTree(demand_xy[target])
    left = np.asarray(demand, dtype=float)[target].copy()
    people = np.asarray(population, dtype=float)[target].copy()
    # Every candidate's gain, by chunks of candidates: with ten million candidates the pairs of
    # all of them at once would take gigabytes.
    gains = np.empty(len(candidates))
    for start in range(0, len(candidates), CHUNK):
        gains[start:start + CHUNK] = _gains(candidates[start:start + CHUNK], targets, left, radius_m)
    places = None
    picks: list[Pick] = []
    for _ in range(n):
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        _, row, _ = _pairs(candidates[best:best + 1], targets, radius_m)
        picks.append(Pick(best, float(left[row].sum()), float(people[row].sum())))
        left[row] = 0.0
        people[row] = 0.0
        # Only the candidates that reach one of the people just covered gain less.
        places = places if places is not None else cKDTree(candidates)
        near = np.unique(_pairs(demand_xy[target[row]], places, radius_m)[1]) if len(row) else []
        if len(near):
            gains[near] = _gains(candidates[near], targets, left, radius_m)
    return picks


def _pairs(a: np.ndarray, tree: cKDTree, radius_m: float):
    """Pairs (i in ``a``, j in ``tree``) within ``radius_m`` metres, zero distances kept."""
    found = cKDTree(a).sparse_distance_matrix(tree, radius_m, output_type="ndarray")
    return found["i"].astype(int), found["j"].astype(int), found["v"]


def _gains(places: np.ndarray, targets: cKDTree, left: np.ndarray, radius_m: float) -> np.ndarray:
    """Uncovered demand within ``radius_m`` of each place."""
    i, j, _ = _pairs(places, targets, radius_m)
    return np.bincount(i, weights=left[j], minlength=len(places))
