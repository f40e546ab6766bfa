"""Harvest reports: the summary table printed at the end of a run, and the files written beside
the store (a Markdown report, a JSON report, the rejected rows as CSV, the dedupe review CSV)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from rich.table import Table

from ..config import Settings
from ..report_files import prune_runs, safe_frame, safe_row

STATUS_TEXT = {"ok": "[green]ok[/]", "failed": "[red]failed[/]", "skipped": "[yellow]skipped[/]",
               "suspect": "[bold red]suspect[/]"}  # fmt: skip


def data_text(s) -> str:
    """How old a source's rows are: ``live, 2026-03-01…2026-11-30`` or ``ARCHIVE 2022-12 …``."""
    if s.status != "ok":
        return "—"
    dates = f"{s.date_from}…{s.date_to}" if s.date_from else "no dates"
    if s.kind == "archive":
        return f"ARCHIVE of {s.vintage or '?'} (records {dates})"
    return f"live{' (unchanged)' if s.unchanged else ''}, records {dates}"


def summary_table(report) -> Table:
    """A rich table: one line per source with counts and what happened."""
    table = Table(title=f"Harvest {report.run_id} — {report.territory}", title_justify="left")
    for col in (
        "source",
        "status",
        "fetched",
        "kept",
        "rejected",
        "outside",
        "+added",
        "-removed",
        "~changed",
    ):
        table.add_column(col, justify="left" if col in ("source", "status") else "right")
    table.add_column("data", overflow="fold", max_width=34)
    table.add_column("note", overflow="fold", max_width=60)
    for s in report.sources:
        note = s.message
        if s.status != "ok":
            note += (f" — kept the previous {s.previous_rows} venues" if s.previous_rows is not None
                     else " — no previous data in the store")  # fmt: skip
        note = "; ".join([note, *s.messages]) if note else "; ".join(s.messages)
        table.add_row(s.name, STATUS_TEXT.get(s.status, s.status), str(s.fetched), str(s.kept), str(s.rejected),
                      str(s.outside), str(s.added), str(s.removed), str(s.changed), data_text(s), note)  # fmt: skip
    return table


def _markdown(report, settings: Settings) -> str:
    lines = [
        f"# Harvest {report.run_id}",
        "",
        f"- Territory: {report.territory}",
        f"- Started: {report.started_at} — finished: {report.finished_at}",
        f"- Mirror: {report.mirror or 'no (live sources)'}",
        f"- Venues after merging duplicates: **{report.venues}** ({report.merged_records} records merged "
        f"into others; {report.review_pairs} candidate pairs to review)",
        f"- Changes in the venues layer: {report.venue_changes}; venue ids: {report.id_changes} (merged ids "
        "redirect to the venue they joined; gone ones answer 410)",
        f"- Organisers' corrections: {report.corrections} (conflicts to decide on /qualite)",
        *[f"- **Warning**: {w}" for w in report.warnings],
        "",
        "| source | status | data | fetched | kept | rejected | outside territory | added | removed | changed | note |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in report.sources:
        note = " ".join([s.message, *s.messages]).replace("|", "/").replace("\n", " ")
        if s.status != "ok":
            note += f" (previous data kept: {s.previous_rows if s.previous_rows is not None else 'none'})"
        lines.append(f"| {s.name} | {s.status} | {data_text(s)} | {s.fetched} | {s.kept} | {s.rejected} | {s.outside} | "
                     f"{s.added} | {s.removed} | {s.changed} | {note} |")  # fmt: skip
    suspects = [x for x in report.sources if x.status == "suspect"]
    if suspects:
        lines += ["", "## Suspect sources: their previous layer was kept", ""]
        lines += [f"- **{x.name}**: {x.message}" for x in suspects]
    lines += ["", "## Rejected rows (first 50 per source)", ""]
    for s in report.sources:
        if s.rejections:
            lines += [f"### {s.name}", "", "| row | id | field | problem | value |", "|---:|---|---|---|---|"]
            for r in s.rejections[:50]:
                value = (r.value or "")[:80].replace("|", "/")
                lines.append(f"| {r.row} | {r.source_id or ''} | {r.field} | {r.problem} | {value} |")
            lines.append("")
    ok = [s for s in report.sources if s.status == "ok"]
    lines += ["Sources read this run, and their licences:", ""]
    lines += [f"- {settings.sources[s.name].title} ({settings.sources[s.name].publisher}) — "
              f"{settings.sources[s.name].licence} — {data_text(s)}" for s in ok]  # fmt: skip
    failed = [s for s in report.sources if s.status != "ok"]
    if failed:
        lines += ["", "Sources that gave nothing this run (not contributors of this run):", ""]
        lines += [f"- {s.name}: {s.status} — {s.message.splitlines()[0] if s.message else ''}" for s in failed]
    return "\n".join(lines) + "\n"


def write_report_files(settings: Settings, report, pairs: pd.DataFrame) -> dict[str, str]:
    """Write the run's report files; returns their paths by kind."""
    folder = settings.path(settings.store.reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"harvest-{report.started_at.replace(':', '').replace('+0000', 'Z')}-{report.run_id}"
    files = {
        "markdown": folder / f"{stem}.md",
        "json": folder / f"{stem}.json",
        "rejections": folder / f"{stem}-rejections.csv",
        "review": settings.path(settings.dedupe.review_file),
    }
    files["markdown"].write_text(_markdown(report, settings), encoding="utf-8")
    data = asdict(report)
    data["files"] = {k: str(v) for k, v in files.items()}
    files["json"].write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    with files["rejections"].open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["source", "row", "source_id", "field", "problem", "value", "action"])
        for s in report.sources:
            for r in s.rejections:
                writer.writerow(safe_row([r.source, r.row, r.source_id or "", r.field, r.problem, r.value, "rejected"]))
            for r in s.notes:
                writer.writerow(safe_row([r.source, r.row, r.source_id or "", r.field, r.problem, r.value, "kept"]))
    Path(files["review"]).parent.mkdir(parents=True, exist_ok=True)
    safe_frame(pairs.sort_values("score", ascending=False)).to_csv(files["review"], index=False)
    prune_runs(folder, "harvest-", settings.store.keep_runs)
    return {k: str(v) for k, v in files.items()}
