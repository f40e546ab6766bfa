"""Bring every layer up to date in order: harvest the venues, build the territory layers, then
run the gap analysis with its default options (the report and the gap exports read it)."""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings


@dataclass
class Refreshed:
    harvest: object  # HarvestReport
    build: object  # BuildReport
    gaps: object  # GapResult


def refresh(settings: Settings) -> Refreshed:
    """Harvest, build and analyse; a step that fails raises and leaves the later layers as they were."""
    from .gaps.output import run_gaps
    from .harvest.pipeline import run_harvest
    from .territory.build import run_build

    harvest = run_harvest(settings)
    build = run_build(settings)
    gaps, _ = run_gaps(settings)
    return Refreshed(harvest, build, gaps)
