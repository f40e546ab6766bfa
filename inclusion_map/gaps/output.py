"""``python run.py gaps``: run the analysis, write the ``gaps`` and ``gap_grid`` layers and a summary.

The analysis runs completely before anything is written, so a bad option (unknown service, a
slot that does not parse, a site outside the territory) leaves the previous results untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from rich.table import Table

from .. import __version__
from ..config import Settings
from ..report_files import prune_runs, safe_frame
from ..stores import open_store
from .analysis import GapOptions, GapResult, analyse

SUMMARY_COLUMNS = ["rank", "code", "nom", "commune", "population", "fragility", "fragility_label", "dist_mean_m",
                   "walk_mean_min", "pop_beyond", "share_beyond", "access", "access_label", "nearest_nom",
                   "nearest_m", "gap_score", "reason", "level", "population_basis"]  # fmt: skip


def _meta(settings: Settings, result: GapResult, kind: str) -> dict:
    cov = settings.coverage
    return {
        "title": "Manques de couverture par zone" if kind == "gaps" else "Grille de distance à l'aide",
        "level": result.meta["level"] if kind == "gaps" else f"grille {cov.grid_shape} {cov.grid_size_m:.0f} m",
        "zones_level": result.meta["level"],
        # "point" when the grid is too large for cell polygons (coverage.grid_polygon_max_cells).
        "grid_geometry": result.meta.get("grid_geometry"),
        "population_basis": result.meta["population_basis"],
        # Which communes are read through their IRIS and which as whole communes (mixed levels).
        "levels": result.meta.get("levels"),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": __version__,
        "licence": "Licence Ouverte 2.0",
        "options": result.meta,
        "method": {
            "walk_speed_kmh": cov.walk_speed_kmh, "detour_factor": cov.detour_factor,
            "threshold_min": result.meta["threshold_min"], "bands_min": list(cov.bands_min),
            "band_weights": list(cov.band_weights), "default_weekly_hours": cov.default_weekly_hours,
            "access_unit": "heures d'aide par semaine pour 1 000 habitants pondérés par la fragilité",
            "doc": "README.md, section « Coverage gaps »",
        },
        "scenario": result.scenario,
        "suggestions": result.suggestions.to_dict("records"),
        "warnings": result.warnings,
    }  # fmt: skip


def priorities(result: GapResult, top: int | None = None) -> pd.DataFrame:
    """The zones sorted by rank (unranked last), with the columns of the summary."""
    cols = [c for c in SUMMARY_COLUMNS if c in result.zones]
    table = pd.DataFrame(result.zones[cols]).sort_values(["rank", "code"], na_position="last")
    return table.head(top) if top else table


def _markdown(result: GapResult, table: pd.DataFrame) -> str:
    m = result.meta
    levels = m.get("levels") or {}
    lines = ["# Coverage gaps", "", f"- Level: {m['level']} ({m['population_basis']})",
             *[f"- Communes analysed at {lvl} level ({len(codes)}): {', '.join(codes)}"
               for lvl, codes in levels.items() if codes and m["level"] == "mixed"],
             f"- Threshold: {m['threshold_min']:g} min on foot; service: {m['service'] or 'all'}; "
             f"slot: {m['slot'] or 'none'}",
             f"- Venues: {m['venues']} ({m['venues_hours_known']} with known hours, "
             f"{m['venues_commune_level']} placed only at their commune)", "",
             "| rank | zone | population | fragility | mean walk (min) | beyond threshold | access | reason |",
             "|---:|---|---:|---:|---:|---:|---:|---|"]  # fmt: skip
    for r in table.itertuples():
        lines.append(f"| {r.rank if pd.notna(r.rank) else '—'} | {r.nom} ({r.code}) | {r.population or 0:.0f} | "
                     f"{r.fragility:.1f} | {r.walk_mean_min:.1f} | {r.pop_beyond:.0f} | {r.access:.2f} | {r.reason} |")  # fmt: skip
    if len(result.suggestions):
        lines += ["", "## Suggested sites", "", "| # | lon | lat | zone | people newly within reach |",
                  "|---:|---:|---:|---|---:|"]  # fmt: skip
        lines += [f"| {s.rank} | {s.lon} | {s.lat} | {s.nom} | {s.gain_population} |"
                  for s in result.suggestions.itertuples()]  # fmt: skip
    if result.scenario:
        s = result.scenario
        lines += ["", "## Scenario", "", f"- Closed: {', '.join(s['closed']) or 'none'}; added: {s['added'] or 'none'}",
                  f"- People beyond the threshold: {s['pop_beyond_before']:.0f} → {s['pop_beyond_after']:.0f}",
                  f"- Zones worse: {s['zones_worse']}, better: {s['zones_better']}"]  # fmt: skip
    if result.warnings:
        lines += ["", "## Warnings", "", *[f"- {w}" for w in result.warnings]]
    return "\n".join(lines) + "\n"


def run_gaps(settings: Settings, options: GapOptions | None = None) -> tuple[GapResult, dict[str, str]]:
    """Analyse, then write the layers and the summary files. Returns the result and the file paths."""
    store = open_store(settings.store_location)
    result = analyse(settings, options or GapOptions(), store)
    with store.transaction() as tx:
        tx.write("gaps", result.zones, _meta(settings, result, "gaps"))
        tx.write("gap_grid", result.grid, _meta(settings, result, "gap_grid"))
    folder = settings.path(settings.store.reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"gaps-{datetime.now(UTC).strftime('%Y-%m-%dT%H%M%SZ')}"
    table = priorities(result)
    files = {"csv": folder / f"{stem}.csv", "markdown": folder / f"{stem}.md"}
    safe_frame(table).to_csv(files["csv"], index=False)
    files["markdown"].write_text(_markdown(result, table), encoding="utf-8")
    if len(result.suggestions):
        files["suggestions"] = folder / f"{stem}-sites.csv"
        safe_frame(result.suggestions).to_csv(files["suggestions"], index=False)
    prune_runs(folder, "gaps-", settings.store.keep_runs)
    return result, {k: str(v) for k, v in files.items()}


def priority_table(result: GapResult, top: int = 10) -> Table:
    """The top priorities as a rich table for the terminal."""
    m = result.meta
    table = Table(title=f"Top {top} priorities — level {m['level']}, threshold {m['threshold_min']:g} min, "
                        f"service {m['service'] or 'all'}" + (f", slot {m['slot']}" if m["slot"] else ""),
                  title_justify="left")  # fmt: skip
    for col in ("rank", "zone", "pop.", "fragility", "walk (min)", "beyond", "access", "reason"):
        table.add_column(col, justify="left" if col in ("zone", "reason") else "right", overflow="fold",
                         max_width=70 if col == "reason" else None)  # fmt: skip
    for r in priorities(result, top).itertuples():
        table.add_row(str(r.rank), f"{r.nom} ({r.code})", f"{(r.population or 0):,.0f}".replace(",", " "),
                      f"{r.fragility:.0f}", f"{r.walk_mean_min:.1f}", f"{r.pop_beyond:,.0f}".replace(",", " "),
                      f"{r.access:.2f}", r.reason)  # fmt: skip
    return table
