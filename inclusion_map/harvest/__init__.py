"""Venue harvesters, one module per source, registered by name.

To add a source: write ``harvest/<name>.py`` with a :class:`~.base.Harvester` subclass whose
``name`` is the source's key in ``config.yaml``, implement ``map_rows`` (and ``fetch`` if the
source is an API), add its module to :data:`MODULES`, and add its entry under ``sources:``.
"""

from __future__ import annotations

from importlib import import_module

from .base import Harvester, Parsed, Raw, Rejection, Scope

MODULES = (
    "standard",
    "francilin",
    "france_services",
    "conseillers_numeriques",
    "data_inclusion",
    "aidants_connect",
)


def registry() -> dict[str, type[Harvester]]:
    """Map each source name to its harvester class."""
    classes = {}
    for module in MODULES:
        cls = import_module(f"{__name__}.{module}").HARVESTER
        classes[cls.name] = cls
    return classes


def build(name: str, settings, scope: Scope | None = None) -> Harvester:
    """Build the harvester of source ``name`` from its config entry (and the territory's scope)."""
    return registry()[name](settings.sources[name], settings, scope)


__all__ = ["Harvester", "Parsed", "Raw", "Rejection", "Scope", "build", "registry", "MODULES"]
