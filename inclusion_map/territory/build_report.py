"""Build reports: the tables printed at the end of ``build`` and the Markdown/CSV files beside the store."""

from __future__ import annotations

from rich.table import Table

from ..config import Settings
from ..report_files import prune_runs, safe_frame

STATUS_TEXT = {"ok": "[green]ok[/]", "failed": "[red]failed[/]", "previous": "[yellow]previous copy[/]",
               "absent": "[dim]not configured[/]"}  # fmt: skip


def inputs_table(report) -> Table:
    """One line per input: status, rows, problems and note."""
    table = Table(title=f"Build {report.run_id} — {report.territory} (level: {report.level})", title_justify="left")
    for col in ("input", "status", "rows", "problems", "note"):
        table.add_column(col, justify="right" if col in ("rows", "problems") else "left",
                         overflow="fold", max_width=70 if col == "note" else None)  # fmt: skip
    counts = report.problems[report.problems["action"] != "skipped"].groupby("source").size() \
        if len(report.problems) else {}  # fmt: skip
    for s in report.inputs:
        key = {"ifn": "ifn", "iris_contours": "iris contours", "iris_population": "iris population"}.get(
            s.name, s.name.replace("indicator_", "indicator "))  # fmt: skip
        table.add_row(s.title, STATUS_TEXT.get(s.status, s.status), str(s.rows), str(counts.get(key, 0)), s.message)
    return table


def summary_table(report) -> Table:
    """Communes, population and fragility of the territory and of each sub-territory."""
    table = Table(title="Territory", title_justify="left")
    for col in ("zone", "communes", "population", "fragility (pop.-weighted)"):
        table.add_column(col, justify="left" if col == "zone" else "right")
    for row in report.summary.itertuples():
        table.add_row(row.zone, str(row.communes), f"{row.population:,}".replace(",", " "),
                      "—" if row.fragility is None else f"{row.fragility:.1f}")  # fmt: skip
    return table


def agreement_lines(report) -> list[str]:
    """Plain lines on the computed index: its agreement with the published IFN and the codes matched."""
    lines = []
    agreement = getattr(report, "agreement", None)
    if agreement:
        overall = agreement["all"]
        per = ", ".join(f"{g}: {v['rho']:.2f} (n={v['n']})" for g, v in agreement["by_group"].items()
                        if v["rho"] is not None)  # fmt: skip
        lines.append(f"Computed index vs published IFN ({agreement['published']}), Spearman rank correlation: "
                     f"{overall['rho']} over {overall['n']} communes; by département: {per or 'none'}")  # fmt: skip
        for family, v in (agreement.get("families") or {}).items():
            lines.append(f"  family {family} vs {v['published']}: {v['all']['rho']} (n={v['all']['n']})")
    for name, c in (getattr(report, "indicator_codes", None) or {}).items():
        if c.get("former_codes") or c.get("unknown"):
            lines.append(f"Indicator {name}: {c['former_codes']} codes of another COG year matched through the "
                         f"commune list ({c['communes_from_former']} communes), {c['unknown']} unknown codes skipped")  # fmt: skip
    missing = getattr(report, "missing_departements", None)
    if missing:
        lines.append(f"No commune contour file for département(s) {', '.join(sorted(missing))}: their communes "
                     "are kept without contour (not on the map, not in the gap grid)")  # fmt: skip
    return lines


def print_agreement(report) -> None:
    """Print :func:`agreement_lines` (the build's figures on the computed index)."""
    from ..progress import console

    for line in agreement_lines(report):
        console.print(line, highlight=False)


def _markdown(report) -> str:
    lines = [f"# Build {report.run_id}", "", f"- Territory: {report.territory}",
             f"- Level: {report.level}", *_levels_lines(report), f"- Started: {report.started_at} — finished: {report.finished_at}",
             f"- Layers written: {', '.join(f'{k} ({v} rows)' for k, v in report.layers.items()) or 'none'}",
             f"- Previous layers kept: {', '.join(report.kept_previous) or 'none'}", "",
             "| input | status | rows | note |", "|---|---|---:|---|"]  # fmt: skip
    for s in report.inputs:
        lines.append(f"| {s.title} | {s.status} | {s.rows} | {s.message.replace('|', '/')} |")
    extra = agreement_lines(report)
    if extra:
        lines += ["", *[f"- {line.strip()}" for line in extra]]
    lines += ["", "| zone | communes | population | fragility |", "|---|---:|---:|---:|"]
    for row in report.summary.itertuples():
        lines.append(f"| {row.zone} | {row.communes} | {row.population} | {row.fragility} |")
    problems = report.problems
    real = problems[problems["action"] != "skipped"] if len(problems) else problems
    lines += ["", f"## Problems ({len(real)}, plus {len(problems) - len(real)} rows outside the territory)", ""]
    if len(real):
        lines += ["| source | line | code | field | reason | value | action |", "|---|---:|---|---|---|---|---|"]
        for r in real.head(200).itertuples():
            value = "" if r.value is None else str(r.value)[:60].replace("|", "/")
            lines.append(f"| {r.source} | {'' if r.line is None else r.line} | {r.code or ''} | {r.field or ''} | "
                         f"{r.reason} | {value} | {r.action} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_build_files(settings: Settings, report) -> dict[str, str]:
    """Write ``build-<time>-<id>.md`` and ``…-problems.csv`` (every problem row, with its reason)."""
    folder = settings.path(settings.store.reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"build-{report.started_at.replace(':', '').replace('+0000', 'Z')}-{report.run_id}"
    files = {"markdown": folder / f"{stem}.md", "problems": folder / f"{stem}-problems.csv"}
    files["markdown"].write_text(_markdown(report), encoding="utf-8")
    safe_frame(report.problems).to_csv(files["problems"], index=False)
    prune_runs(folder, "build-", settings.store.keep_runs)
    return {k: str(v) for k, v in files.items()}


def _levels_lines(report) -> list[str]:
    """Which communes the gap analysis reads through their IRIS and which as whole communes."""
    if report.level != "mixed":
        return []
    return [f"- Communes analysed at IRIS level ({len(report.levels['iris'])}): {', '.join(report.levels['iris'])}",
            f"- Communes analysed as communes ({len(report.levels['commune'])}): "
            f"{', '.join(report.levels['commune'])}"]  # fmt: skip
