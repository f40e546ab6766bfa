"""Addresses of venues that merged, disappeared or closed: where to send a visitor.

Read from the store's venue registry (:mod:`inclusion_map.venue_ids`), once per store version.
A merged venue's address answers ``301`` to the venue it is now part of; a venue that no source
lists any more, or that the territory's team closed, answers ``410`` with its last known name and
the nearest venues, instead of a bare ``404``.
"""

from __future__ import annotations

from pathlib import Path

from .. import venue_ids
from ..stores import open_store
from .store_cache import per_store
from .venue_index import get_index

NEAREST = 5
NEAREST_RADIUS_M = 5000


def _entries(store_path: Path) -> dict[str, dict]:
    return venue_ids.by_id(venue_ids.load(open_store(store_path)))


def resolve(store_path: Path, venue_id: str) -> venue_ids.Resolution:
    """What ``venue_id`` is today, according to the store's registry."""
    return venue_ids.resolve(per_store("venue_registry", store_path, _entries), venue_id)


def nearest(store_path: Path, entry: dict | None, limit: int = NEAREST) -> list[dict]:
    """The venues nearest to where a gone venue was (none when its position is unknown)."""
    if not entry or entry.get("lon") is None or entry.get("lat") is None:
        return []
    result = get_index(store_path).query(lon=float(entry["lon"]), lat=float(entry["lat"]),
                                         radius_m=NEAREST_RADIUS_M, limit=limit)  # fmt: skip
    return list(result.items)
