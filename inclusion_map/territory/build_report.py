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


def _markdown(report) -> str:
    lines = [f"# Build {report.run_id}", "", f"- Territory: {report.territory}",
             f"- Level: {report.level}", f"- Started: {report.started_at} — finished: {report.finished_at}",
             f"- Layers written: {', '.join(f'{k} ({v} rows)' for k, v in report.layers.items()) or 'none'}",
             f"- Previous layers kept: {', '.join(report.kept_previous) or 'none'}", "",
             "| input | status | rows | note |", "|---|---|---:|---|"]  # fmt: skip
    for s in report.inputs:
        lines.append(f"| {s.title} | {s.status} | {s.rows} | {s.message.replace('|', '/')} |")
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
