"""The layer catalogue (``layers/catalogue.yaml``): one declarative entry per public layer.

Pages, API, OGC API and exports list layers from here, so a new layer appears everywhere at once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "layers" / "catalogue.yaml"


class LayerSpec(BaseModel):
    """One layer: what it is, how it is built, how it is shown, its licence and sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    title_en: str
    description: str
    built_by: str
    geometry: str
    level: str
    licence: str = "Licence Ouverte 2.0"
    sources: tuple[str, ...] = ()
    popup: tuple[str, ...] = ()
    style: dict = Field(default_factory=dict)


def load_catalogue(path: str | Path | None = None) -> dict[str, LayerSpec]:
    """Read the catalogue; raises :class:`ConfigError` with the entry and reason if it is invalid.

    Read once per file and modification time: pages and API calls ask for it on every request.
    """
    file = Path(path) if path else CATALOGUE_FILE
    return dict(_load(str(file), file.stat().st_mtime_ns if file.is_file() else 0))


@lru_cache(maxsize=8)
def _load(filename: str, mtime_ns: int) -> dict[str, LayerSpec]:
    file = Path(filename)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the layer catalogue {file}: {exc}") from None
    layers = {}
    for name, entry in data.items():
        try:
            layers[name] = LayerSpec(name=name, **(entry or {}))
        except (ValidationError, TypeError) as exc:
            raise ConfigError(f"layer catalogue {file}, entry '{name}': {exc}") from None
    return layers
