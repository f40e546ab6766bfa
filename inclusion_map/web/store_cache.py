"""Values computed from the store, kept until a harvest or a build changes it.

The key is the store's version (:func:`~inclusion_map.stores.store_version`: a GeoPackage's file
identity, PostGIS's generation), so every web worker drops its copy as soon as any process writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ..locations import StoreLocation
from ..stores import store_version

T = TypeVar("T")
_CACHE: dict[tuple[str, str], tuple[object, object]] = {}


def per_store(name: str, where: StoreLocation, load: Callable[[StoreLocation], T]) -> T:
    """``load(where)``, computed again only when the store's version changes."""
    key = (name, str(where))
    version = store_version(where)
    cached = _CACHE.get(key)
    if cached is None or cached[0] != version:
        cached = (version, load(where))
        _CACHE[key] = cached
    return cached[1]  # type: ignore[return-value]
