"""Values computed from the store file, kept until a harvest or a build replaces that file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_CACHE: dict[tuple[str, str], tuple[float, object]] = {}


def per_store(name: str, store_path: Path, load: Callable[[Path], T]) -> T:
    """``load(store_path)``, computed again only when the store file's modification time changes."""
    key = (name, str(store_path))
    mtime = store_path.stat().st_mtime if store_path.is_file() else 0.0
    cached = _CACHE.get(key)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load(store_path))
        _CACHE[key] = cached
    return cached[1]  # type: ignore[return-value]
