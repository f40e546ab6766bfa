"""How old the venues' data is, read once per store file from the venues layer's metadata."""

from __future__ import annotations

from ..errors import StoreUnavailable
from ..freshness import summary
from ..locations import StoreLocation
from ..stores import open_store
from .store_cache import per_store


def _load(store_path: StoreLocation) -> dict:
    store = open_store(store_path)
    return summary(store.meta().get("venues", {}) if store.exists() else {})


def data_info(store_path: StoreLocation) -> dict:
    """:func:`inclusion_map.freshness.summary` of the store's venues (reloaded when the store changes);
    that of no data while the PostGIS server does not answer (every page's footer, error pages too)."""
    try:
        return per_store("data_info", store_path, _load)
    except StoreUnavailable:
        return summary({})
