"""How old the venues' data is, read once per store file from the venues layer's metadata."""

from __future__ import annotations

from pathlib import Path

from ..freshness import summary
from ..store import GeoPackageStore

_CACHE: dict[str, tuple[float, dict]] = {}


def data_info(store_path: Path) -> dict:
    """:func:`inclusion_map.freshness.summary` of the store's venues (reloaded when the store changes)."""
    key = str(store_path)
    mtime = store_path.stat().st_mtime if store_path.is_file() else 0.0
    cached = _CACHE.get(key)
    if cached is None or cached[0] != mtime:
        store = GeoPackageStore(store_path)
        meta = store.meta().get("venues", {}) if store.exists() else {}
        cached = (mtime, summary(meta))
        _CACHE[key] = cached
    return cached[1]
