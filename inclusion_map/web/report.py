"""The territory report for hub organisers: ``/rapport`` (HTML) and ``/rapport.pdf`` (WeasyPrint).

Query: ``commune=<INSEE code>`` (optional: the whole territory by default) and ``lang=fr|en``.
The PDF is printed from the very HTML of the page; its stylesheets are read from the static
folder, so making it never touches the network.
"""

from __future__ import annotations

import mimetypes
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
from flask import Blueprint, Response, current_app, g, render_template, request

from ..errors import BadRequest
from ..store import GeoPackageStore
from . import report_figures as rf

bp = Blueprint("report", __name__)
TOP = 10  # priority zones listed


def _tr(lang: str):
    return lambda fr, en: en if lang == "en" else fr


def _records(frame, columns) -> list[dict]:
    """Rows for the template, missing values as ``None`` (pandas' NA has no truth value)."""
    frame = pd.DataFrame(frame[[c for c in columns if c in frame]]).astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def _sources(layers: dict) -> list[dict]:
    """Every source with its publisher, licence and vintage (the harvest date for venues)."""
    harvested = str(layers["venues_meta"].get("harvested_at") or "")[:10]
    rows = [{**s, "vintage": s.get("vintage") or harvested} for s in layers["venues_meta"].get("sources", [])]
    rows += [s for s in layers["communes_meta"].get("sources", []) if s.get("status") != "failed"]
    return [{k: s.get(k) for k in ("title", "publisher", "licence", "vintage")} for s in rows]


def _alt(key: str, lang: str, **v) -> str:
    """Text alternatives of the figures (the values themselves are in the tables of the page)."""
    fr, en = {
        "scatter": ("Nuage de points : fragilité numérique (axe horizontal) et accessibilité (axe vertical) de {n} "
                    "zones, surface proportionnelle à la population. Zones mises en avant : {names}. Valeurs dans "
                    "le tableau « Données des zones ».",
                    "Scatter plot: digital fragility (horizontal axis) and accessibility (vertical axis) of {n} zones, "
                    "area proportional to population. Zones highlighted: {names}. Values in the table \u201cZone "
                    "data\u201d."),
        "bars": ("Diagramme en barres : lieux pour 10 000 habitants par commune, de {top} à {low} ; moyenne du "
                 "territoire {mean}. Valeurs dans le tableau qui suit.",
                 "Bar chart: venues per 10,000 inhabitants by commune, from {top} to {low}; territory average {mean}. "
                 "Values in the following table."),
        "frag_map": ("Carte des communes colorées selon leur classe de fragilité numérique, avec {n} lieux d'aide. "
                     "Classe la plus fragile : {names}.",
                     "Map of the communes coloured by digital fragility class, with {n} venues. Most fragile class: "
                     "{names}."),
        "beyond_map": ("Carte de la part des habitants à plus de {t} min à pied d'un lieu, par zone ; zones hachurées "
                       "au-delà. Plus de 80 % : {names}.",
                       "Map of the share of people more than {t} min walk from a venue, by zone; hatched beyond. "
                       "Over 80%: {names}."),
    }[key]  # fmt: skip
    return (en if lang == "en" else fr).format(**v)


ACCESS_EN = {"très faible": "Very low", "faible": "Low", "moyenne": "Medium", "élevée": "High",
             "très élevée": "Very high"}  # fmt: skip


def _english(zones, classes: list[dict]):
    """The zones' class labels in English (the layers hold them in French)."""
    zones = zones.copy()
    names = {c["label_fr"]: c["label_en"] for c in classes}
    zones["fragility_label"] = zones["fragility_label"].map(names).fillna(zones["fragility_label"])
    if "access_label" in zones:
        level = zones["access_label"].str.replace("Accessibilité ", "", regex=False).map(ACCESS_EN)
        zones["access_label"] = (level + " accessibility").fillna(zones["access_label"])
    return zones


def _charts(layers, table, whole, commune, focus, ranked, zones, threshold, lang) -> dict:
    """The four figures as inline SVG, each with its text alternative."""
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    classes = layers["communes_meta"].get("fragility", {}).get("classes") or []
    top_class = communes[communes["fragility_class"] == max((c["class"] for c in classes), default=5)]
    store = GeoPackageStore(layers["path"])
    grid = store.read("gap_grid") if store.has("gap_grid") else None
    per10k = table.dropna(subset=["per10k"])
    ends = [f"{per10k['nom'].iloc[i]} ({rf.num(per10k['per10k'].iloc[i], lang, 1)})" for i in (0, -1)] if len(
        per10k) else ["—", "—"]  # fmt: skip
    shown = venues[venues["zone_commune"] == commune] if commune else venues
    none = "none" if lang == "en" else "aucune"
    with rf.drawing():
        figures = {
            "scatter": (rf.scatter(gaps, focus, whole, lang), _alt(
                "scatter", lang, n=len(gaps), names=", ".join(ranked[ranked["code"].isin(focus)]["nom"]) or none)),
            "bars": (rf.bars(table, commune, whole, lang), _alt(
                "bars", lang, mean=rf.num(whole["per10k"], lang, 1), top=ends[0], low=ends[1])),
            "frag_map": (rf.fragility_map(communes, shown, classes, commune, lang), _alt(
                "frag_map", lang, n=len(shown), names=", ".join(top_class["nom"]) or none)),
            "beyond_map": (rf.beyond_map(gaps, shown, grid, threshold, commune, lang), _alt(
                "beyond_map", lang, t=f"{threshold:g}",
                names=", ".join(zones[zones["share_beyond"] > 0.8]["nom"].head(30)) or none)),
        }  # fmt: skip
        # A map's caption repeats the second sentence of its text alternative (the zones it names).
        return {key: {"svg": rf.inline_svg(fig, key, alt), "alt": alt, "note": alt.split(". ", 1)[-1]}
                for key, (fig, alt) in figures.items()}  # fmt: skip


@lru_cache(maxsize=16)
def _build(path: str, stamp: int, commune: str | None, lang: str) -> dict:
    """Everything the template shows, cached per store version (``stamp``), commune and language."""
    layers = {**rf.load_layers(GeoPackageStore(path)), "path": path}
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    codes = dict(zip(communes["code"], communes["nom"], strict=False))
    if commune is not None and commune not in codes:
        raise BadRequest(f"unknown commune code « {commune[:10]} »",
                         hint="choose a commune of the territory in the list of /rapport")  # fmt: skip
    whole = rf.key_figures(communes, venues, gaps)
    part = None
    if commune:
        part = rf.key_figures(communes[communes["code"] == commune], venues[venues["zone_commune"] == commune],
                              gaps[gaps["zone_commune"] == commune])  # fmt: skip
    table = rf.commune_table(communes, venues, gaps)
    meta, frag = layers["gaps_meta"], layers["communes_meta"].get("fragility", {})
    ranked = gaps.sort_values(["rank", "code"], na_position="last")
    if lang == "en":
        ranked = _english(ranked, frag.get("classes") or [])
        table = _english(table, frag.get("classes") or [])
    zones = ranked[ranked["zone_commune"] == commune] if commune else ranked
    focus = set(zones["code"]) if commune else set(ranked.dropna(subset=["rank"])["code"].head(TOP))
    threshold = float(meta.get("method", {}).get("threshold_min") or 15)
    return {
        "territory": layers["communes_meta"].get("territory") or "",
        "commune": {"code": commune, "nom": codes[commune]} if commune else None,
        "communes": sorted(codes.items(), key=lambda item: item[1]),
        "whole": whole, "part": part, "table": _records(table, table.columns),
        "priorities": _records(zones.head(TOP), ["rank", "code", "nom", "population", "fragility", "fragility_label",
                                                 "access", "access_label", "share_beyond", "reason"]),
        "zones": _records(zones, ["rank", "code", "nom", "population", "fragility", "access", "walk_mean_min",
                                  "pop_beyond", "share_beyond"]),
        "ranked": int(gaps["rank"].notna().sum()), "threshold": threshold,
        "charts": _charts(layers, table, whole, commune, focus, ranked, zones, threshold, lang),
        "method": meta.get("method", {}), "options": meta.get("options", {}), "level": meta.get("level"),
        "population_basis": meta.get("population_basis"), "gaps_built": str(meta.get("built_at") or "")[:10],
        "harvested": str(layers["venues_meta"].get("harvested_at") or "")[:10], "fragility": frag,
        "sources": _sources(layers),
    }  # fmt: skip


def _report_html(for_pdf: bool) -> str:
    settings = current_app.config["SETTINGS"]
    path = Path(settings.store_path)
    commune = request.args.get("commune", "").strip() or None
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    data = _build(str(path), stamp, commune, g.lang)
    query = {k: v for k, v in (("commune", commune), ("lang", "en" if g.lang == "en" else None)) if v}
    return render_template("report.html", r=data, tr=_tr(g.lang), num=rf.num, pct=rf.pct, query=query,
                           pdf=for_pdf, printing=for_pdf or request.args.get("print") == "1",
                           today=date.today().isoformat())  # fmt: skip


@bp.get("/rapport")
def report_page():
    return _report_html(for_pdf=False)


@bp.get("/rapport.pdf")
def report_pdf():
    import weasyprint  # imported here: the rest of the site works without Pango

    html = _report_html(for_pdf=True)
    fetcher = static_fetcher(request.url_root, current_app.static_url_path or "/static", current_app.static_folder)
    pdf = weasyprint.HTML(string=html, base_url=request.url_root, url_fetcher=fetcher).write_pdf()
    name = f"rapport-{request.args.get('commune') or 'territoire'}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


def static_fetcher(root_url: str, static_path: str, folder: str | None):
    """A WeasyPrint URL fetcher that serves ``<root>/static/...`` from the app's static folder and
    refuses every other URL, so that printing never waits on the network (WeasyPrint then skips
    the resource with a warning)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    prefix = root_url.rstrip("/") + "/" + static_path.strip("/") + "/"
    base = Path(folder or ".").resolve()

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(prefix):
                file = (base / unquote(url[len(prefix):].split("?")[0])).resolve()
                if base in file.parents and file.is_file():
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})
            raise ValueError(f"not fetched: the PDF report reads only the app's static files ({url})")

    return StaticFetcher(timeout=1, allowed_protocols=())
