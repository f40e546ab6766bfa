"""The territory report for hub organisers: ``/rapport`` (HTML) and ``/rapport.pdf`` (WeasyPrint).

Query: ``commune=<INSEE code>`` (optional: the whole territory by default) and ``lang=fr|en``.
The PDF is printed from the very HTML of the page; its stylesheets are read from the static
folder, so making it never touches the network. It is rendered once per store version, commune and
language, in the background (at most ``server.pdf_renders`` at a time), and kept in
``<store folder>/cache/reports/``; until it is ready, ``/rapport.pdf`` answers a short page « Le
rapport PDF est en préparation » (HTTP 503, ``Retry-After``) that reloads itself.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import re
import secrets
import xml.etree.ElementTree as ET
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import matplotlib
import pandas as pd
from flask import Blueprint, current_app, g, render_template, request, send_file, url_for
from markupsafe import Markup

from ..errors import BadRequest, LayerMissing
from ..freshness import summary
from ..stores import open_store, store_version
from . import render_cache
from . import report_figures as rf
from .places import COMMUNE_LIST_MAX, gazette

bp = Blueprint("report", __name__)
TOP = 10  # priority zones listed
#: the tables of communes and of zones are written in full up to this many rows; beyond (a
#: département, a région, France), the first rows in their order, the downloads holding them all
#: (35,000 rows made a 290 MB page for France)
ROWS_MAX = 150
BARS_MAX = 40  # communes in the bar chart (the highest rates, and the chosen commune)
NAMES_MAX = 20  # communes named in one sentence of the highlights
GRID_MAX_ROWS = 300_000  # grid cells read for the report's hatched area (Île-de-France at 250 m: 222,888)
SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)  # serialise as plain <svg>, not <ns0:svg>
ET.register_namespace("xlink", XLINK_NS)


def inline_svg(fig, key: str, label: str, variant: str = "wide") -> Markup:
    """The figure as an ``<svg role="img">`` element ready to inline in HTML.

    ``variant`` (``wide`` or ``narrow``) becomes a class, ``report-chart-<variant>``: the page
    shows the narrow figure on phones and the wide one elsewhere and in print.

    The page's content security policy forbids inline styles, so matplotlib's ``style``
    attributes become SVG presentation attributes (which CSP does not govern). Ids are kept only
    when referenced (clip paths, markers) and prefixed with ``key``, so that several figures can
    share a page without clashing ids.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": key}):  # the same figure gives the same ids
        fig.savefig(buf, format="svg", metadata={"Date": None}, dpi=rf.RASTER_DPI)  # dpi: rasterized parts
    text = buf.getvalue()
    root = ET.fromstring(text)
    used = set(re.findall(r"url\(#([^)]+)\)", text)) | set(re.findall(r'href="#([^"]+)"', text))
    ref = re.compile(r"url\(#([^)]+)\)")
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
                parent.remove(child)
    for el in root.iter():
        for decl in (el.attrib.pop("style", "") or "").split(";"):
            prop, _, value = decl.partition(":")
            if prop.strip():
                el.set(prop.strip(), value.strip().strip("'\""))
        if "id" in el.attrib:
            ident = el.attrib.pop("id")
            if ident in used:
                el.set("id", f"{key}-{ident}")
        for name, value in list(el.attrib.items()):
            if "url(#" in value:
                el.set(name, ref.sub(lambda m: f"url(#{key}-{m.group(1)})", value))
        href = el.get(f"{{{XLINK_NS}}}href")
        if href and href.startswith("#"):
            el.set(f"{{{XLINK_NS}}}href", f"#{key}-{href[1:]}")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.attrib.update({"role": "img", "aria-label": label, "class": f"report-chart report-chart-{variant}",
                        "stroke-linejoin": "round", "stroke-linecap": "butt"})  # fmt: skip
    # Other libraries may re-map namespace prefixes process-wide (ET.register_namespace is global):
    # map them again right before serialising, so the output is always a plain <svg>.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return Markup(ET.tostring(root, encoding="unicode"))


def _tr(lang: str):
    return lambda fr, en: en if lang == "en" else fr


def _records(frame, columns) -> list[dict]:
    """Rows for the template, missing values as ``None`` (pandas' NA has no truth value)."""
    frame = pd.DataFrame(frame[[c for c in columns if c in frame]]).astype(object)
    return frame.where(frame.notna(), None).to_dict("records")


def _sources(layers: dict, lang: str) -> list[dict]:
    """The sources that gave data, with publisher, licence and how old their data is.

    Venue sources are dated by their records (and named as archives when they are), never by the
    harvest; a venue source that gave nothing is not among them (see :func:`_failed_sources`).
    """
    from ..freshness import month_text, period_text

    rows = []
    for s in layers["venues_meta"].get("sources", []):
        period = period_text(s.get("date_from"), s.get("date_to"), lang)
        dates = (f"fiches {period}" if lang == "fr" else f"records {period}") if period else ""
        if s.get("kind") == "archive":
            head = ("archive de " if lang == "fr" else "archive of ") + (
                month_text(s.get("vintage"), lang) or "?"
            )
        else:
            head = "en direct" if lang == "fr" else "live"
        rows.append({**s, "vintage": " · ".join(x for x in (head, dates) if x)})
    rows += [s for s in layers["communes_meta"].get("sources", []) if s.get("status") != "failed"]
    return [{k: s.get(k) for k in ("title", "publisher", "licence", "vintage")} for s in rows]


def _failed_sources(layers: dict) -> list[dict]:
    return [s for s in layers["venues_meta"].get("failed_sources", []) if isinstance(s, dict)]


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
        "frag_map_commune": ("Carte de la commune et de ses {n} lieux d'aide, les communes voisines en gris. Classe "
                             "de fragilité : {names}.", "Map of the commune and its {n} venues, neighbouring communes "
                             "in grey. Fragility class: {names}."),
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
    """The four figures as inline SVG, each with its text alternative, drawn for wide screens and
    print (``svg``) and for phones (``narrow``)."""
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    classes = layers["communes_meta"].get("fragility", {}).get("classes") or []
    top_class = communes[communes["fragility_class"] == max((c["class"] for c in classes), default=5)]
    store = open_store(layers["path"])
    # The cells beyond the threshold are dissolved into one hatched shape; a national grid (ten
    # million cells) is not read for it: the zones' colours then say the share beyond alone.
    rows = int(store.meta().get("gap_grid", {}).get("rows") or 0) if store.has("gap_grid") else 0
    grid = store.read("gap_grid") if 0 < rows <= GRID_MAX_ROWS else None
    per10k = table.dropna(subset=["per10k"])
    drawn = per10k.head(BARS_MAX)  # one bar per commune of France would make a chart 6,000 inches tall
    ends = [f"{drawn['nom'].iloc[i]} ({rf.num(drawn['per10k'].iloc[i], lang, 1)})" for i in (0, -1)] if len(
        drawn) else ["—", "—"]  # fmt: skip
    drawn = _with_row(drawn, per10k, commune)
    shown = venues[venues["zone_commune"] == commune] if commune else venues
    none = "none" if lang == "en" else "aucune"
    own = table[table["code"] == commune]
    own_class = (
        f"{own['fragility_label'].iloc[0]} ({rf.num(own['fragility'].iloc[0], lang)})" if len(own) else none
    )
    draw = {
        "scatter": (lambda layout: rf.scatter(gaps, focus, whole, lang, layout), _alt(
            "scatter", lang, n=len(gaps), names=", ".join(ranked[ranked["code"].isin(focus)]["nom"]) or none)),
        "bars": (lambda layout: rf.bars(drawn, commune, whole, lang, layout), _alt(
            "bars", lang, mean=rf.num(whole["per10k"], lang, 1), top=ends[0], low=ends[1])),
        "frag_map": (lambda layout: rf.fragility_map(communes, shown, classes, commune, lang, layout), _alt(
            "frag_map_commune" if commune else "frag_map", lang, n=len(shown),
            names=own_class if commune else _names(top_class["nom"], lang) or none)),
        "beyond_map": (lambda layout: rf.beyond_map(gaps, shown, grid, threshold, commune, lang, layout), _alt(
            "beyond_map", lang, t=f"{threshold:g}",
            names=", ".join(zones[zones["share_beyond"] > 0.8]["nom"].head(30)) or none)),
    }  # fmt: skip
    with rf.drawing():
        # A map's caption repeats the second sentence of its text alternative (the zones it names).
        return {key: {"svg": inline_svg(make(rf.WIDE), key, alt),
                      "narrow": inline_svg(make(rf.NARROW), f"{key}-narrow", alt, "narrow"),
                      "alt": alt, "note": alt.split(". ", 1)[-1]}
                for key, (make, alt) in draw.items()}  # fmt: skip


def _highlights(r: dict, table, zones, commune: str | None, lang: str) -> list[str]:
    """A few plain sentences for the first page."""
    tr, num, pct, th = _tr(lang), rf.num, rf.pct, f"{r['threshold']:g}"
    w, p = r["whole"], r["part"] or r["whole"]
    rated = table.dropna(subset=["per10k"])
    out = [tr(f"{pct(p['beyond_share'], lang)} des habitants ({num(p['beyond'], lang)}) vivent à plus de {th} min à pied "
              "d'un lieu d'aide numérique", f"{pct(p['beyond_share'], lang)} of the people ({num(p['beyond'], lang)}) "
              f"live more than {th} min walk from a digital help venue")]  # fmt: skip
    if commune:
        out[0] += tr(
            f" (territoire : {pct(w['beyond_share'], lang)}).",
            f" (territory: {pct(w['beyond_share'], lang)}).",
        )
        place = list(rated["code"]).index(commune) + 1 if commune in set(rated["code"]) else None
        out.append(
            tr(
                f"{num(p['per10k'], lang, 1)} lieux pour 10 000 habitants (territoire : {num(w['per10k'], lang, 1)})"
                f" : {place}ᵉ commune sur {len(rated)}.",
                f"{num(p['per10k'], lang, 1)} venues per 10,000 "
                f"inhabitants (territory: {num(w['per10k'], lang, 1)}): number {place} of {len(rated)} communes.",
            )
        )
        best = zones["rank"].dropna()
        if len(best):
            out.append(
                tr(
                    f"Meilleur rang de priorité de ses zones : {int(best.min())} sur {r['ranked']}.",
                    f"Highest priority rank of its zones: {int(best.min())} of {r['ranked']}.",
                )
            )
        return out
    out[0] += "."
    first = ", ".join(zones.dropna(subset=["rank"])["nom"].head(3))
    out.insert(0, tr(f"Zones à traiter d'abord : {first}.", f"Zones to address first: {first}."))
    if len(rated):
        top, low = rated.iloc[0], rated.iloc[-1]
        out.append(tr(f"Le plus de lieux pour 10 000 habitants : {top['nom']} ({num(top['per10k'], lang, 1)}) ; le moins : "
                      f"{low['nom']} ({num(low['per10k'], lang, 1)}).", f"Most venues per 10,000 inhabitants: {top['nom']} "
                      f"({num(top['per10k'], lang, 1)}); fewest: {low['nom']} ({num(low['per10k'], lang, 1)})."))  # fmt: skip
    empty = list(table.loc[table["venues"] == 0, "nom"])
    if len(empty) > NAMES_MAX:  # thousands of names for a département or France: the count
        out.append(tr(f"{num(len(empty), lang)} communes sur {num(len(table), lang)} sans aucun lieu recensé.",
                      f"{num(len(empty), lang)} of {num(len(table), lang)} communes have no venue known."))  # fmt: skip
    elif empty:
        out.append(
            tr(f"Sans aucun lieu recensé : {', '.join(empty)}.", f"No venue known in: {', '.join(empty)}.")
        )
    return out


def _names(names, lang: str) -> str:
    """Names joined by commas, the first :data:`NAMES_MAX` and how many more (a class of the
    communes of France holds 7,000 names)."""
    names = list(names)
    more = len(names) - NAMES_MAX
    if more <= 0:
        return ", ".join(names)
    return ", ".join(names[:NAMES_MAX]) + (f" et {rf.num(more, lang)} autres" if lang != "en" else
                                           f" and {rf.num(more, lang)} more")  # fmt: skip


def _with_row(head, frame, code: str | None):
    """``head`` (the first rows of ``frame``) with the row of the commune ``code`` added when it is
    not among them, so that the chosen commune is always shown."""
    if code is None or code in set(head["code"]):
        return head
    return pd.concat([head, frame[frame["code"] == code]])


@lru_cache(maxsize=16)
def _build(path: str, stamp: int, commune: str | None, lang: str) -> dict:
    """Everything the template shows, cached per store version (``stamp``), commune and language."""
    layers = {**rf.load_layers(open_store(path)), "path": path}
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    codes = dict(zip(communes["code"], communes["nom"], strict=False))
    if commune is not None and commune not in codes:
        raise _unknown_commune(commune)
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
    out = {
        "territory": layers["communes_meta"].get("territory") or "",
        "commune": {"code": commune, "nom": codes[commune]} if commune else None,
        # the drop-down list of communes, when short enough (else a field, see COMMUNE_LIST_MAX)
        "communes": sorted(codes.items(), key=lambda item: item[1]) if len(codes) <= COMMUNE_LIST_MAX else [],
        "whole": whole, "part": part,
        "table": _records(_with_row(table.head(ROWS_MAX), table, commune), table.columns),
        "table_total": len(table), "zones_total": len(zones), "bars_max": BARS_MAX,
        "priorities": _records(zones.head(TOP), ["rank", "code", "nom", "population", "fragility", "fragility_label",
                                                 "access", "access_label", "share_beyond", "reason"]),
        "zones": _records(zones.head(ROWS_MAX), ["rank", "code", "nom", "population", "fragility", "access", "walk_mean_min",
                                  "pop_beyond", "share_beyond"]),
        "ranked": int(gaps["rank"].notna().sum()), "threshold": threshold,
        "charts": _charts(layers, table, whole, commune, focus, ranked, zones, threshold, lang),
        "method": meta.get("method", {}), "options": meta.get("options", {}), "level": meta.get("level"),
        "population_basis": meta.get("population_basis"),
        # Mixed levels: the communes read through their IRIS and those read as whole communes, by name.
        "levels": {lvl: [codes.get(c, c) for c in found] for lvl, found in (meta.get("levels") or {}).items()}
        if meta.get("level") == "mixed" else {},
        "gaps_built": str(meta.get("built_at") or "")[:10],
        "harvested": str(layers["venues_meta"].get("harvested_at") or "")[:10], "fragility": frag,
        "sources": _sources(layers, lang), "failed_sources": _failed_sources(layers),
        "data": summary(layers["venues_meta"]),
        "actors": _actors(path, commune, codes, lang),
    }  # fmt: skip
    out["highlights"] = _highlights(out, table, zones, commune, lang)
    return out


def _actors(path: str, commune: str | None, codes: dict, lang: str) -> list[dict]:
    """One entry per public kind of actor: how many the team has entered, per commune, and their
    names when few (the published ``actors`` layer only: organisers-only kinds never appear)."""
    kinds = {k: cfg for k, cfg in current_app.config["SETTINGS"].actors.kinds.items() if cfg.public}
    store = open_store(path)
    layer = store.read("actors") if store.has("actors") else None
    meta = store.meta().get("actors", {}) if layer is not None else {}
    out = []
    for key, cfg in kinds.items():
        rows = layer[layer["kind"] == key] if layer is not None else None
        if rows is not None and commune:
            rows = rows[rows["code_insee"] == commune]
        count = 0 if rows is None else len(rows)
        per = (rows.groupby("code_insee").size().sort_values(ascending=False) if count else None)
        out.append({
            "key": key, "title": cfg.title_en if lang == "en" else cfg.title_fr, "count": count,
            "communes": [(codes.get(c, c), int(n)) for c, n in per.head(ROWS_MAX).items()] if per is not None else [],
            "names": sorted(rows["nom"].astype(str))[:NAMES_MAX] if count else [],
            "updated": str(meta.get("updated_at") or "")[:10],
        })  # fmt: skip
    return out


def _unknown_commune(commune: str) -> BadRequest:
    return BadRequest(f"unknown commune code « {commune[:10]} »",
                      hint="choose a commune of the territory in the list of /rapport")  # fmt: skip


def _report_html(commune: str | None, for_pdf: bool) -> str:
    """The report page for ``commune`` (``None``: the whole territory) in the request's language."""
    settings = current_app.config["SETTINGS"]
    where = settings.store_location
    data = _build(str(where), store_version(where), commune, g.lang)
    query = {k: v for k, v in (("commune", commune), ("lang", "en" if g.lang == "en" else None)) if v}
    return render_template("report.html", r=data, tr=_tr(g.lang), num=rf.num, pct=rf.pct, query=query,
                           pdf=for_pdf, printing=for_pdf or request.args.get("print") == "1",
                           today=date.today().isoformat())  # fmt: skip


def _commune_asked() -> str | None:
    """The commune of ``?commune=``: an INSEE code, or a name typed in the field that replaces the
    list for large territories (:meth:`~.places.Gazette.code_for`); what names no commune is
    passed on as it is, to be refused with the usual message."""
    asked = request.args.get("commune", "").strip()
    if not asked:
        return None
    return gazette(current_app.config["SETTINGS"].store_location).code_for(asked) or asked


@bp.get("/rapport")
def report_page():
    return _report_html(_commune_asked(), for_pdf=False)


# The PDF takes WeasyPrint 2-3 s of CPU: rendered on every request, a few anonymous clients would
# hold every server thread. It is rendered once per store version, commune and language, in the
# background (``server.pdf_renders`` at a time), kept as a file beside the store and served from it;
# until it is there, the request is answered at once with a short « en préparation » page.
PDF_TYPICAL_S = 3.0
# rapport-<store version: its numbers joined by dashes>-<commune, territoire or a hash>-<lang>.pdf
PDF_FILE = re.compile(r"rapport-(\d+(?:-\d+)*)-[0-9A-Za-z]+-(fr|en)\.pdf(\.[\w-]+\.tmp)?")


def pdf_folder(settings) -> Path:
    """Where the rendered PDFs are kept: ``cache/reports`` in the store's folder."""
    return Path(settings.store_path).parent / "cache" / "reports"


def _pdf_file(settings, stamp: tuple | None, commune: str | None, lang: str) -> Path:
    # Commune codes come from the store; anything unusual in one is hashed, never put in a path.
    name = commune or "territoire"
    if not re.fullmatch(r"[0-9A-Za-z]{1,10}", name):
        name = hashlib.sha256(name.encode()).hexdigest()[:16]
    version = "-".join(str(part) for part in stamp or (0,))
    return pdf_folder(settings) / f"rapport-{version}-{name}-{lang}.pdf"


@lru_cache(maxsize=8)
def _commune_codes(path: str, stamp: tuple[int, int] | None) -> frozenset[str]:
    """The communes of the store, once its three layers are there (else :class:`LayerMissing`).

    A cheap check made before any render is queued, so that a bad request is answered at once.
    """
    store = open_store(path)
    for name, command in rf.HINTS.items():
        if stamp is None or not store.has(name):
            raise LayerMissing(name, command)
    return frozenset(store.read("communes", columns=["code"])["code"].astype(str))


def write_pdf(html: str, base_url: str, fetcher) -> bytes:
    """The PDF of ``html`` (WeasyPrint, imported here: the rest of the site works without Pango)."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def _render_pdf(app, commune: str | None, lang: str, file: Path) -> Path:
    """Render the report to ``file`` (in a worker thread), then drop the other store versions' PDFs.

    The page is rendered as a request of the site's own address would see it, whoever asked first:
    the file is shared by every later request.
    """
    settings = app.config["SETTINGS"]
    base = str(settings.server.public_base_url or "http://localhost/").rstrip("/") + "/"
    query = {k: v for k, v in (("commune", commune), ("lang", "en" if lang == "en" else None)) if v}
    with app.test_request_context("/rapport.pdf", base_url=base, query_string=query):
        g.lang = lang
        html = _report_html(commune, for_pdf=True)
        fetcher = static_fetcher(request.url_root, app.static_url_path or "/static", app.static_folder)
        pdf = write_pdf(html, request.url_root, fetcher)
    folder = file.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = file.with_name(f"{file.name}.{secrets.token_hex(4)}.tmp")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(pdf)
    os.replace(partial, file)  # readers see the whole file or none
    # Files of older store versions are dropped; a render of an older version that ends later
    # (it was queued before a harvest) must not drop the newer ones.
    version = PDF_FILE.fullmatch(file.name).group(1)
    for old in folder.iterdir():
        found = PDF_FILE.fullmatch(old.name)
        if found and found.group(1) != version and _mtime(found.group(1)) <= _mtime(version):
            old.unlink(missing_ok=True)
    return file


def _mtime(version: str) -> int:
    """The first number of a store version: the GeoPackage's modification time, PostGIS's generation
    (both grow with every write)."""
    return int(version.split("-")[0])


def _preparing(retry_after: int):
    """The short answer while the PDF is rendered: 503 with ``Retry-After``, and a page that reloads
    itself (a meta refresh: no JavaScript needed) with a link to try again and one to the HTML."""
    tr = _tr(g.lang)
    query = {k: request.args[k] for k in ("commune", "lang") if request.args.get(k)}
    html = render_template(
        "preparing.html", retry_after=retry_after,
        title=tr("Le rapport PDF est en préparation", "The PDF report is being prepared"),
        text=tr("Il sera prêt dans quelques secondes ; cette page se recharge toute seule.",
                "It will be ready in a few seconds; this page reloads by itself."),
        retry_text=tr("Réessayer maintenant", "Try again now"),
        retry_url=url_for("report.report_pdf", **query),
        also_text=tr("Lire le rapport en ligne", "Read the report online"),
        also_url=url_for("report.report_page", **query),
    )  # fmt: skip
    return html, 503, {"Retry-After": str(retry_after), "Cache-Control": "no-store"}


@bp.get("/rapport.pdf")
def report_pdf():
    settings = current_app.config["SETTINGS"]
    commune = _commune_asked()
    stamp = store_version(settings.store_location)
    codes = _commune_codes(str(settings.store_location), stamp)
    if commune is not None and commune not in codes:
        raise _unknown_commune(commune)
    file = _pdf_file(settings, stamp, commune, g.lang)
    if not file.is_file():
        app, lang = current_app._get_current_object(), g.lang  # the worker has no request of its own
        renders = render_cache.jobs("pdf", settings.server.pdf_renders, PDF_TYPICAL_S, keep=64, queue=64)
        try:
            renders.result(file, lambda: _render_pdf(app, commune, lang, file), wait_s=0)
        except render_cache.Pending as pending:
            return _preparing(pending.retry_after)
        if not file.is_file():  # rendered, then removed (a newer version's clean-up): render again
            renders.forget(file)
            return _preparing(renders.retry_after())
    response = send_file(file, mimetype="application/pdf", max_age=0)
    response.headers["Content-Disposition"] = f'inline; filename="rapport-{commune or "territoire"}.pdf"'
    return response


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
                file = (base / unquote(url[len(prefix) :].split("?")[0])).resolve()
                if base in file.parents and file.is_file():
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})
            raise ValueError(f"not fetched: the PDF report reads only the app's static files ({url})")

    return StaticFetcher(timeout=1, allowed_protocols=())
