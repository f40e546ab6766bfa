"""How old the venues' data is, read once per store file from the venues layer's metadata."""

from __future__ import annotations

from pathlib import Path

from ..freshness import summary
from ..store import GeoPackageStore
from .store_cache import per_store


def _load(store_path: Path) -> dict:
    store = GeoPackageStore(store_path)
    return summary(store.meta().get("venues", {}) if store.exists() else {})


def data_info(store_path: Path) -> dict:
    """:func:`inclusion_map.freshness.summary` of the store's venues (reloaded when the store changes)."""
    return per_store("data_info", store_path, _load)
