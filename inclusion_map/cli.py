"""Command line: ``python run.py COMMAND`` and ``python -m inclusion_map COMMAND`` land here.

Every error a user can cause is printed as a plain message with what to do next (exit code 1),
never as a traceback.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
from rich.table import Table

from .config import load_settings
from .errors import InclusionMapError
from .progress import console

OFFLINE_HINT = ("Nothing could be reached: to run offline, read the files of a mirror folder with "
                "`python run.py --mirror ../shared/data` (or set INCLUSION_MAP_MIRROR).")


def _unreachable(exc: Exception) -> bool:
    """Whether an error says the network could not be reached (rather than a bad answer)."""
    from .errors import SourceUnavailable

    text = str(exc)
    return isinstance(exc, SourceUnavailable) and ("cannot connect" in text or "did not answer in time" in text)


def _friendly(func):
    """Turn product errors into a short message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InclusionMapError as exc:
            console.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False)
            if _unreachable(exc):
                console.print(OFFLINE_HINT, highlight=False)
            sys.exit(1)
        except KeyboardInterrupt:
            console.print("[yellow]Interrupted; the store was left as it was.[/]")
            sys.exit(130)
        except Exception as exc:  # a bug: say so plainly, keep the details in a log file
            import traceback

            log = _error_log(func, args, kwargs, traceback.format_exc())
            console.print(f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
                          f"  → the store was left as it was; details in {log}. Please report it.")  # fmt: skip
            sys.exit(2)

    return wrapper


def _error_log(func, args: tuple, kwargs: dict, details: str) -> Path:
    """Write the details of an unexpected error where only the store's owner reads them.

    A traceback shows paths, settings and sometimes data: it goes to
    ``<store folder>/logs/error-<time>.log`` (folder 0700, file 0600), never to a fixed name in the
    machine's shared temporary folder (which anyone may read, or plant as a link beforehand).
    Only when the settings cannot be loaded does it go to a new private file in the temporary
    folder (``tempfile.mkstemp``: a fresh name, mode 0600).
    """
    import inspect
    import os
    import tempfile
    from datetime import datetime

    from .files import owner_only, private_write

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs).arguments
        folder = load_settings(bound.get("config_path")).store_path.parent / "logs"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        owner_only(folder)
        log = folder / f"error-{stamp}.log"
        private_write(log, details.encode("utf-8"))
        return log
    except Exception:  # the settings (or the store's folder) are what failed: a private temp file
        fd, name = tempfile.mkstemp(prefix=f"inclusion_map-error-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(details)
        return Path(name)


config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Configuration file (default: $INCLUSION_MAP_CONFIG, then ./config.yaml).",
)  # fmt: skip


def _settings(config_path, mirror=None):
    if mirror is not None:
        folder = Path(mirror).expanduser().resolve()
        if not folder.is_dir():
            raise InclusionMapError(f"mirror folder not found: {mirror}")
        mirror = str(folder)
    return load_settings(config_path, mirror=mirror)


serve_options = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
    click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True, help="Port."),
    click.option("--mirror", type=click.Path(file_okay=False), default=None,
                 help="When the store is empty, harvest from this folder instead of the live URLs."),
    click.option("--no-harvest", is_flag=True, help="Serve at once, even when the store is empty."),
    click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
                 help="Worker processes. 1: waitress in this process; 2 or more: gunicorn, the workers "
                      "sharing one listening socket (a dead worker is replaced)."),
    click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
                 help="Requests answered at once by each worker process."),
    click.option("--gunicorn", "use_gunicorn", is_flag=True, help="Serve with gunicorn even with one worker."),
    click.option("--access-log", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                 help="With gunicorn: one line per request to this file ('-': standard output). Off by default."),
]  # fmt: skip


def _with(options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_with(serve_options)
@config_option
@click.pass_context
def main(ctx: click.Context, host, port, mirror, no_harvest, workers, threads, use_gunicorn, access_log,
         config_path) -> None:  # fmt: skip
    """inclusion_map: who helps people with digital tools in a territory, and where help is missing.

    Without a command, serve the public site (harvesting first when the store is empty).
    """
    if ctx.invoked_subcommand is None:
        _friendly(_serve)(config_path, mirror, host, port, not no_harvest, workers=workers, threads=threads,
                          use_gunicorn=use_gunicorn, access_log=access_log)  # fmt: skip


@main.command()
@_with(serve_options)
@config_option
@_friendly
def serve(host, port, mirror, no_harvest, workers, threads, use_gunicorn, access_log, config_path):
    """Serve the public site (harvest and build first when the store is empty).

    With one worker, waitress in this process; with --workers N (or --gunicorn), gunicorn: N worker
    processes on one listening socket. Its parent stops gracefully on SIGTERM or Ctrl+C, reads the
    configuration again and replaces the workers one by one on SIGHUP, and replaces a worker that dies.
    """
    _serve(config_path, mirror, host, port, not no_harvest, workers=workers, threads=threads,
           use_gunicorn=use_gunicorn, access_log=access_log)  # fmt: skip


def _serve(config_path, mirror, host, port, harvest_if_empty: bool, workers: int = 1, threads: int = 8,
           use_gunicorn: bool = False, access_log: str | None = None) -> None:  # fmt: skip
    from .stores import open_store

    settings = _settings(config_path, mirror)
    store = open_store(settings.store_location)
    if harvest_if_empty and not (store.exists() and store.has("venues")):
        console.print("[bold]The store is empty:[/] harvesting the sources and building the layers first.")
        try:
            from .harvest.report import summary_table
            from .refresh import refresh

            done = refresh(settings)  # the report and the gap exports need the gap layers too
            console.print(summary_table(done.harvest))
            _print_build(done.build)
            console.print(f"Gap analysis written: {len(done.gaps.zones)} zones, {len(done.gaps.grid)} grid cells.")
        except InclusionMapError as exc:
            console.print(f"[yellow]Nothing could be harvested ({exc}).[/] The site is served anyway and says "
                          "what is missing.")  # fmt: skip
            if _unreachable(exc) and not settings.mirror:
                console.print(OFFLINE_HINT, highlight=False)
    elif harvest_if_empty and not store.has("communes"):
        try:
            _build_and_print(settings)
        except InclusionMapError as exc:
            console.print(f"[yellow]The territory layers could not be built ({exc}).[/]")
    if workers > 1 or use_gunicorn:
        from . import wsgi

        # Nothing of the site is loaded here: each worker builds its app (and opens the store) after
        # the fork, from the configuration read again, so a SIGHUP also applies a changed config.yaml.
        wsgi.shared_secret()
        proxies = settings.server.trusted_proxies
        options = wsgi.gunicorn_options(host, port, workers, threads, access_log, proxies)
        console.print(f"Serving on [bold]http://{host}:{port}/[/] with gunicorn, {workers} worker"
                      f"{'s' if workers > 1 else ''} × {threads} threads (Ctrl+C to stop).")  # fmt: skip
        wsgi.Server(options, lambda: _settings(config_path, mirror)).run()
        return
    if access_log:
        console.print("[yellow]--access-log is written by gunicorn only:[/] add --gunicorn or --workers 2.")
    import waitress

    from .web import create_app

    app = create_app(settings)
    console.print(f"Serving on [bold]http://{host}:{port}/[/] with waitress (Ctrl+C to stop).")
    waitress.serve(app, host=host, port=port, threads=threads, ident="inclusion_map")


@main.command()
@click.option("--now", "now", is_flag=True, help="Run once now and exit (for a systemd timer or a cron line).")
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="Read every source file from this folder instead of the live URLs.")  # fmt: skip
@config_option
@_friendly
def schedule(now, mirror, config_path):
    """Harvest, build and analyse at the times of `schedule:` in config.yaml (or once, --now)."""
    from .schedule import run_forever, run_once, status_path

    settings = _settings(config_path, mirror)
    cfg = settings.schedule
    if now:
        status = run_once(settings)
        console.print(f"Refresh {status['outcome']}" + (f": {status['error']}" if status.get("error") else "")
                      + f" (written to {status_path(settings)}).")  # fmt: skip
        if status["outcome"] == "failed":
            raise SystemExit(1)
        return
    console.print(f"Refreshing at {', '.join(cfg.at)} on {' '.join(cfg.days)} ({cfg.timezone}); Ctrl+C to stop.")
    run_forever(settings, on_wait=lambda planned: console.print(f"Next refresh: {planned:%Y-%m-%d %H:%M %Z}."))


@main.command()
@click.option("--source", "sources", multiple=True, metavar="NAME",
              help="Harvest only this source (repeat, or separate names with commas).")  # fmt: skip
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="Read every source file from this folder instead of the live URLs.")  # fmt: skip
@click.option("--build/--no-build", "then_build", default=True, show_default=True,
              help="Then build the territory layers and run the gap analysis, so every page is up to date.")
@click.option("--accept-shrink", "accept", multiple=True, metavar="SOURCE",
              help="Accept that this source lost more rows than harvest.shrink_max_share allows (repeat).")
@config_option
@_friendly
def harvest(sources, mirror, then_build, accept, config_path):
    """Harvest the venue sources into the store and merge duplicates, then refresh the layers the
    pages read: the territory layers (communes, IRIS, fragility) and the gap analysis."""
    from .harvest.pipeline import run_harvest
    from .harvest.report import summary_table

    settings = _settings(config_path, mirror)
    only = [s.strip() for item in sources for s in item.split(",") if s.strip()] or None
    accepted = [s.strip() for item in accept for s in item.split(",") if s.strip()]
    report = run_harvest(settings, only, accept_shrink=accepted)
    console.print(summary_table(report))
    for warning in report.warnings:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    for src in report.sources:
        if src.status == "suspect":
            console.print(f"[bold red]{src.name} is suspect:[/] {src.message}", highlight=False)
    console.print(
        f"[bold]{report.venues}[/] venues in the territory after merging "
        f"({report.merged_records} duplicate records merged, {report.review_pairs} pairs to review)."
    )
    console.print(f"Report: {report.files.get('markdown')}\nRejected rows: {report.files.get('rejections')}"
                  f"\nDuplicate review: {report.files.get('review')}")  # fmt: skip
    if then_build:
        _build_and_print(settings)
        _gaps_and_print(settings)


def _gaps_and_print(settings) -> None:
    """The gap analysis with its default options (the report and the gap exports read it)."""
    from .gaps.output import run_gaps

    result, files = run_gaps(settings)
    console.print(f"Gap analysis written: {len(result.zones)} zones, {len(result.grid)} grid cells "
                  f"(summary: {files['markdown']}).")  # fmt: skip


def _build_and_print(settings) -> None:
    from .territory.build import run_build

    _print_build(run_build(settings))


def _print_build(report) -> None:
    from .territory.build_report import inputs_table, summary_table

    console.print(inputs_table(report))
    console.print(summary_table(report))
    real = report.problems[report.problems["action"] != "skipped"] if len(report.problems) else report.problems
    written = ", ".join(f"{k} ({v} rows)" for k, v in report.layers.items()) or "none"
    console.print(f"Layers written: {written}; level of analysis: [bold]{report.level}[/]."
                  + (f" Kept the previous: {', '.join(report.kept_previous)}." if report.kept_previous else ""))
    if report.level == "mixed":
        console.print(f"Communes analysed by IRIS: {len(report.levels['iris'])}; as whole communes (no IRIS "
                      f"contours): {len(report.levels['commune'])} ({', '.join(report.levels['commune'])}).")  # fmt: skip
    console.print(f"{len(real)} problems, {len(report.problems) - len(real)} rows outside the territory skipped."
                  f"\nReport: {report.files['markdown']}\nProblems: {report.files['problems']}")  # fmt: skip


@main.command()
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="Read every input file from this folder instead of the live URLs.")  # fmt: skip
@config_option
@_friendly
def build(mirror, config_path):
    """Build the territory layers: communes (and IRIS) with population and digital fragility."""
    _build_and_print(_settings(config_path, mirror))


@main.command()
@click.option("--check", is_flag=True,
              help="Try each source's live endpoint now and say in one line what it answers (writes nothing).")
@click.option("--source", "only", multiple=True, metavar="NAME", help="Only this source (repeat).")
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="With --check: read the files of this folder instead of the live endpoints.")
@config_option
@_friendly
def sources(check, only, mirror, config_path):
    """List the sources: live endpoint or archive, last harvest, counts, how old their data is.

    With --check, try every live endpoint now (exit code 1 when one fails).
    """
    settings = _settings(config_path, mirror)
    names = [s.strip() for item in only for s in item.split(",") if s.strip()] or None
    if check:
        from .harvest.check import check_sources

        results = check_sources(settings, names)
        for r in results:
            colour = "green" if r.ok and r.kind == "live" else ("yellow" if r.ok else "red")
            console.print(f"[{colour}]{'✓' if r.ok else '✗'}[/] {r.line()}", highlight=False, soft_wrap=True)
        if not all(r.ok and r.kind == "live" for r in results):
            sys.exit(1)
        return
    _sources_table(settings)


def _sources_table(settings) -> None:
    from .stores import open_store

    store = open_store(settings.store_location)
    last = {}
    for run in reversed(store.history(limit=50)):
        for row in run["sources"]:
            last[row["source"]] = {**row, "when": run["started_at"]}
    meta = store.meta() if store.exists() else {}
    table = Table(title=f"Sources ({settings.store_path})", title_justify="left")
    for col in ("source", "live endpoint (documentation)", "archive", "last harvest", "status", "kept",
                "data in the store"):  # fmt: skip
        table.add_column(col, overflow="fold")
    from .harvest.check import _channel

    for name, cfg in settings.sources.items():
        info = last.get(name, {})
        layer = meta.get(f"source_{name}")
        where = _channel(settings.with_overrides(mirror=None), name) if cfg.has_live else "none"
        if cfg.api:
            where += f" (token ${cfg.api.token_env})"
        if cfg.docs:
            where += f"\n[dim]{cfg.docs}[/]"
        archive = f"{cfg.archive.vintage}: {cfg.archive.title or ''}" if cfg.archive else "—"
        if layer:
            dates = f"{layer.get('date_from') or '?'} … {layer.get('date_to') or '?'}"
            held = f"{layer.get('rows')} rows, {'ARCHIVE of ' + str(layer.get('vintage')) if layer.get('source_kind') == 'archive' else 'live'}, records {dates}"  # noqa: E501
        else:
            held = "—"
        table.add_row(name + ("" if cfg.enabled else " (disabled)"), where, archive, info.get("when", "never"),
                      info.get("status", "—"), str(info.get("kept", "—")), held)  # fmt: skip
    console.print(table)


def _lonlat(values: tuple[str, ...], option: str) -> tuple[tuple[float, float], ...]:
    points = []
    for value in values:
        try:
            lon, lat = (float(v) for v in value.split(","))
        except ValueError:
            raise click.BadParameter(f"'{value}' is not LON,LAT (e.g. 2.40,48.71)", param_hint=option) from None
        points.append((lon, lat))
    return tuple(points)


@main.command()
@click.option("--service", default=None, help="Only venues offering this standard service (name or short name); "
              "with --kind, one of the kind's services.")  # fmt: skip
@click.option("--kind", default=None, metavar="KIND",
              help="Measure the distance to the actors of this kind (e.g. acces_droit, langue) instead of the venues.")  # fmt: skip
@click.option("--subterritory", default=None, metavar="KEY",
              help="Only the zones of this named sub-territory (e.g. cispd-sud).")  # fmt: skip
@click.option("--threshold-min", type=click.FloatRange(1, 120), default=None,
              help="Walking time threshold in minutes (default: coverage.threshold_min, 15).")  # fmt: skip
@click.option("--slot", default=None, help="A time slot, e.g. 'Sa 09:00-12:00', 'Mo-Fr 18:00-21:00', 'soir'.")
@click.option("--suggest", type=click.IntRange(0, 50), default=0, help="Suggest this many new sites.")
@click.option("--candidate", "candidates", multiple=True, metavar="LON,LAT",
              help="A candidate place for --suggest (repeat); default: every grid cell.")  # fmt: skip
@click.option("--close", "close", multiple=True, metavar="ID", help="Scenario: close this venue (repeat).")
@click.option("--add", "add", multiple=True, metavar="LON,LAT", help="Scenario: add a venue here (repeat).")
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True, help="Priorities printed.")
@config_option
@_friendly
def gaps(service, kind, subterritory, threshold_min, slot, suggest, candidates, close, add, top, config_path):
    """Coverage gaps: distance and walking time to help, accessibility, priorities, where to act."""
    from .gaps.analysis import GapOptions
    from .gaps.output import priority_table, run_gaps

    settings = _settings(config_path)
    options = GapOptions(service=service, kind=kind, subterritory=subterritory, threshold_min=threshold_min, slot=slot, suggest=suggest,
                         close=tuple(close), add=_lonlat(add, "--add"),
                         candidates=_lonlat(candidates, "--candidate"))  # fmt: skip
    result, files = run_gaps(settings, options)
    console.print(priority_table(result, top))
    m = result.meta
    places = f"actors of the kind {m['kind']}" if m.get("kind") else "venues"
    console.print(f"Level: [bold]{m['level']}[/] — {m['population_basis']}. {m['venues']} {places} "
                  f"({m['venues_hours_known']} with known hours; {m['venues_commune_level']} placed only at their commune).")
    if len(result.suggestions):
        from .geocode import Geocoder

        console.print("Suggested sites:")
        # Named by their nearest address when the geocoder answers (short timeout; one failure stops it).
        geocoder = Geocoder(settings, interactive=True) if settings.geocoding.enabled else None
        for s in result.suggestions.itertuples():
            label = geocoder.reverse(s.lon, s.lat) if geocoder else None
            where = f"near {label} ({s.lon},{s.lat})" if label else f"{s.lon},{s.lat} ({s.nom})"
            gain = f"{s.gain_population:,} more people within reach (weighted {s.gain_weighted:,})"
            console.print(f"  {s.rank}. {where}: {gain.replace(',', ' ')}", markup=False)
    if m["slot"]:
        none = m["slot_zones_none_open"]
        console.print(f"Slot {m['slot_description']}: {len(none)} zone(s) with no venue known to be open within "
                      f"{m['threshold_min']:g} min" + (f": {', '.join(none)}" if none else "") + ".")
    if result.scenario:
        s = result.scenario
        console.print(f"Scenario: people beyond the threshold {s['pop_beyond_before']:,.0f} → "
                      f"{s['pop_beyond_after']:,.0f}; zones worse {s['zones_worse']}, better {s['zones_better']}.")
    for w in result.warnings:
        console.print(f"[yellow]{w}[/]")
    console.print(f"Layers written: gaps ({len(result.zones)} zones), gap_grid ({len(result.grid)} cells)."
                  f"\nSummary: {files['markdown']}\nTable: {files['csv']}")  # fmt: skip


@main.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@config_option
@_friendly
def reports(limit, config_path):
    """List the error reports left by the public on venue pages (newest first)."""
    from .web.public import reports_path
    from .web.reports_store import ReportStore

    settings = _settings(config_path)
    rows = ReportStore(reports_path(settings)).list(limit)
    table = Table(title=f"Error reports ({reports_path(settings)})", title_justify="left")
    for col in ("#", "when", "venue", "what", "message", "contact", "status"):
        table.add_column(col, overflow="fold", max_width=60 if col == "message" else None)
    for r in rows:
        table.add_row(str(r["id"]), r["created_at"], f"{r['venue_name']} ({r['venue_id']})", r["kind"], r["message"],
                      r["contact"] or "", r["status"])  # fmt: skip
    console.print(table if rows else "No error report yet.")


@main.group()
def organiser():
    """Organiser accounts (for the write actions of /qualite and /couverture)."""


@organiser.command("add")
@click.argument("name")
@click.password_option(help="The password (asked twice when not given; at least 10 characters).")
@config_option
@_friendly
def organiser_add(name, password, config_path):
    """Create or reset an organiser account (its password is stored hashed); a new password ends the
    account's open sessions."""
    from .locations import side_db
    from .web.auth import OrganiserStore

    settings = _settings(config_path)
    OrganiserStore(side_db(settings.store_location, "organisers")).add_account(name, password)
    console.print(f"Organiser account '{name}' saved.")


@organiser.command("remove")
@click.argument("name")
@config_option
@_friendly
def organiser_remove(name, config_path):
    """Remove an organiser account; its open sessions end at once."""
    from .locations import side_db
    from .web.auth import ENV_ACCOUNT, ENV_HASH, OrganiserStore

    settings = _settings(config_path)
    if not OrganiserStore(side_db(settings.store_location, "organisers")).remove_account(name):
        hint = (f"the account '{ENV_ACCOUNT}' of {ENV_HASH} ends when that variable is unset"
                if name == ENV_ACCOUNT else "python run.py organiser list")  # fmt: skip
        raise InclusionMapError(f"no organiser account '{name}'", hint=hint)
    console.print(f"Organiser account '{name}' removed; its sessions are ended.")


@organiser.command("list")
@config_option
@_friendly
def organiser_list(config_path):
    """List the organiser accounts."""
    from .locations import side_db
    from .web.auth import OrganiserStore

    settings = _settings(config_path)
    names = OrganiserStore(side_db(settings.store_location, "organisers")).accounts()
    console.print("\n".join(names) if names else "No organiser account yet: python run.py organiser add NAME")


@organiser.command("hash")
@click.password_option()
def organiser_hash(password):
    """Print a password hash for INCLUSION_MAP_ORGANISER_PASSWORD_HASH (account 'organisateur')."""
    from werkzeug.security import generate_password_hash

    click.echo(generate_password_hash(password))


@main.group()
def actors():
    """Other actors of the territory (access to rights, French workshops, partners): template,
    import, list."""


@actors.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the template to this file (default: standard output).")  # fmt: skip
@config_option
@_friendly
def actors_template(output, config_path):
    """Print the CSV template of an actors import (UTF-8 with BOM, ';', header only)."""
    from .actors.importing import template_csv

    data = template_csv(_settings(config_path))
    if output:
        Path(output).write_bytes(data)
        console.print(f"Template written to {output}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@actors.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--confirm", is_flag=True, help="Write the rows accepted (one transaction); without it, only preview.")  # fmt: skip
@click.option("--who", default=None, metavar="NAME", help="Who imports (recorded in the history; default: the user).")  # fmt: skip
@config_option
@_friendly
def actors_import(file, confirm, who, config_path):
    """Preview the import of a CSV or GeoJSON file of actors; write it with --confirm."""
    import getpass

    from .actors.importing import preview, read_upload
    from .actors.publish import open_actor_store

    settings = _settings(config_path)
    store = open_actor_store(settings)
    path = Path(file)
    result = preview(read_upload(path.name, path.read_bytes()), settings, store, filename=path.name)
    for row in result.rows:
        name = (row.record or {}).get("nom") or ""
        target = f" → {row.existing_id}" if row.existing_id else ""
        click.echo(f"line {row.line}: {row.action} {name}{target}".rstrip())
        for problem in row.problems:
            click.echo(f"    ✗ {problem.fr}")
        for column, (old, new) in row.changes.items():
            click.echo(f"    {column}: {old!r} → {new!r}")
        for note in row.notes:
            click.echo(f"    ! {note.fr}")
    counts = result.counts
    click.echo(f"{counts['add']} to add, {counts['change']} to change, {counts['unchanged']} unchanged, "
               f"{counts['reject']} rejected.")  # fmt: skip
    if not confirm:
        click.echo("Nothing written: run again with --confirm to write the rows accepted.")
        return
    done = store.apply(result, who or getpass.getuser())
    click.echo(f"Written: {done['added']} added, {done['changed']} changed (one transaction).")
    if store.publish_error:
        console.print(f"[yellow]The public layer could not be written ({store.publish_error}).[/] "
                      "Run `python run.py actors publish` later.")  # fmt: skip


@actors.command("list")
@click.option("--kind", default=None, metavar="KIND", help="Only this kind (acces_droit, langue, partenaire…).")  # fmt: skip
@config_option
@_friendly
def actors_list(kind, config_path):
    """List the actors (id, kind, name, commune, how placed, last change)."""
    from .actors.kinds import kinds
    from .actors.store import ActorStore, actors_path

    settings = _settings(config_path)
    known = kinds(settings)
    if kind is not None and kind not in known:
        raise InclusionMapError(f"unknown kind '{kind}'", hint=f"one of {', '.join(known)}")
    rows = [a for a in ActorStore(actors_path(settings.store_location)).all() if kind is None or a["kind"] == kind]  # fmt: skip
    for a in rows:
        public = "" if a["kind"] in known and known[a["kind"]].public else " (organisers only)"
        click.echo(f"{a['id']}\t{a['kind']}{public}\t{a['nom']}\t{a.get('commune') or ''}\t"
                   f"{a.get('geocode_precision') or ''}\t{a.get('updated_at') or ''}")  # fmt: skip
    console.print(f"{len(rows)} actor(s).")


@actors.command("publish")
@config_option
@_friendly
def actors_publish(config_path):
    """Write the public 'actors' layer of the store again from actors.sqlite."""
    from .actors.publish import publish

    console.print(f"Published {publish(_settings(config_path))} actor(s) in the layer 'actors'.")


@main.group()
def store():
    """The store: where it is, and copying it between the GeoPackage and PostGIS."""


@store.command("info")
@config_option
@_friendly
def store_info(config_path):
    """Say which store is used (GeoPackage or PostGIS, without the password) and what it holds."""
    from .locations import is_postgis
    from .stores import open_store

    location = _settings(config_path).store_location
    where = open_store(location)
    kind = "PostGIS" if is_postgis(location) else "GeoPackage"
    version = where.version()
    console.print(f"{kind} store: {where.path}")
    if version is None:
        console.print("It holds nothing yet: run `python run.py harvest`.")
        return
    console.print(f"{len(where.layers())} layer(s), {len(where.tables())} table(s) with history; version {version}.")


def side_schemas() -> dict[str, str]:
    """The side databases and their tables: organiser accounts, reports, corrections, actors."""
    from .actors.store import SCHEMA as ACTORS
    from .corrections_store import SCHEMA as CORRECTIONS
    from .web.auth import SCHEMA as ORGANISERS
    from .web.reports_store import SCHEMA as REPORTS

    return {"organisers": ORGANISERS, "reports": REPORTS, "corrections": CORRECTIONS, "actors": ACTORS}


@store.command("copy")
@click.option("--to", "target", required=True, metavar="URL_OR_PATH",
              help="postgresql://user:password@host/database, or the path of a .gpkg file.")  # fmt: skip
@click.option("--from", "source", default=None, metavar="URL_OR_PATH",
              help="The store to copy (default: the one config.yaml and INCLUSION_MAP_STORE_URL name).")  # fmt: skip
@config_option
@_friendly
def store_copy(target, source, config_path):
    """Copy every layer, table and the metadata of the store into another one, checked by counts.

    The GeoPackage into PostGIS: --to postgresql://…; back: --from postgresql://… --to file.gpkg.
    Organisers' accounts, reports, corrections and actors are copied with it.
    """
    from .locations import as_location, redact
    from .store_copy import copy_side_databases, copy_store

    settings = _settings(config_path)
    src = as_location(source) if source else settings.store_location
    dst = as_location(target)
    if not isinstance(src, str):
        src = settings.path(src)
    if not isinstance(dst, str):
        dst = settings.path(dst)
    console.print(f"Copying {redact(str(src))} → {redact(str(dst))}")
    copied = copy_store(src, dst, progress=lambda line: console.print("  " + line, highlight=False))
    copied += copy_side_databases(src, dst, side_schemas())
    rows = sum(c.target_rows for c in copied)
    console.print(f"[green]Copied {len(copied)} table(s), {rows:,} rows; every count matches.[/]")


@main.command()
@config_option
@_friendly
def layers(config_path):
    """List the catalogue's layers: title, level, rows in the store, last written."""
    from .catalogue import load_catalogue
    from .stores import open_store

    settings = _settings(config_path)
    store = open_store(settings.store_location)
    meta = store.meta() if store.exists() else {}
    table = Table(title=f"Layers ({store.path})", title_justify="left")
    for col in ("layer", "title", "level", "rows", "written", "built by"):
        table.add_column(col, overflow="fold")
    for name, spec in load_catalogue().items():
        info = meta.get(name, {})
        table.add_row(name, spec.title, info.get("level", spec.level), str(info.get("rows", "—")),
                      info.get("written_at", "not built yet"), spec.built_by)  # fmt: skip
    console.print(table)


@main.command()
@click.argument("layer")
@click.argument("fmt", metavar="FORMAT")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Output file (default: layers/build/exports/LAYER.FORMAT).")  # fmt: skip
@click.option("--commune", default=None, metavar="INSEE", help="Only this commune (INSEE code).")
@click.option("--service", default=None, help="Only venues offering this service (venues layer).")
@click.option("--bbox", default=None, metavar="MINLON,MINLAT,MAXLON,MAXLAT", help="Only features in this box.")
@config_option
@_friendly
def export(layer, fmt, output, commune, service, bbox, config_path):
    """Export a layer: csv, geojson, gpkg, fgb or shp.zip, with a metadata sidecar (FILE.meta.json)."""
    import json
    import os

    from .export import exporter_for
    from .export.bundle import export_layer

    settings = _settings(config_path)
    exporter = exporter_for(fmt, layer)
    path = Path(output) if output else settings.path(f"layers/build/exports/{layer}.{exporter.extension}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as out:
            info = export_layer(settings, layer, fmt, out, commune=commune, service=service, bbox=bbox)
        os.replace(partial, path)  # never leave a half-written file under the final name
    finally:
        partial.unlink(missing_ok=True)
    sidecar = path.with_name(path.name + ".meta.json")
    sidecar.write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    console.print(f"Wrote {info['rows']} rows of '{layer}' to {path}\nMetadata: {sidecar}")


if __name__ == "__main__":  # pragma: no cover
    main()
