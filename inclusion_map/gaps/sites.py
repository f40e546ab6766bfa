"""Where to act: greedy maximal-coverage choice of new sites (Church & ReVelle's MCLP, greedy).

Each step picks the candidate place that brings the most *uncovered* demand (fragility-weighted
inhabitants beyond the walking threshold of every venue) within the threshold, then marks that
demand covered. The greedy choice is within (1 − 1/e) of the best possible set and is what a hub
can explain: "this site first, because it reaches these people".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .distances import pairs_within


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
    i, j, _ = pairs_within(candidates, demand_xy[target], radius_m)
    reach = sparse.csr_matrix((np.ones(len(i)), (i, j)), shape=(len(candidates), len(target)))
    left = np.asarray(demand, dtype=float)[target].copy()
    people = np.asarray(population, dtype=float)[target].copy()
    picks: list[Pick] = []
    for _ in range(n):
        gains = reach @ left
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        row = reach.indices[reach.indptr[best]:reach.indptr[best + 1]]
        picks.append(Pick(best, float(left[row].sum()), float(people[row].sum())))
        left[row] = 0.0
        people[row] = 0.0
    return picks
