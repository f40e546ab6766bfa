"""Figures of the territory report (``/rapport``): key figures, tables, charts and static maps.

Everything is computed from the store's ``venues``, ``communes`` and ``gaps`` layers. Charts and
maps are matplotlib figures (Agg, no display) that :mod:`.report` inlines as SVG: no files, no web
tiles. Maps are drawn in Lambert-93 (EPSG:2154) so that distances and shapes are true.

Each figure is drawn twice: :data:`WIDE` for screens from a tablet up and for print (7 inches, the
page's text column), and :data:`NARROW` for phones (4 inches with larger type, the maps' legends
under the map): an SVG scales with its box, and the wide figure shrunk to a 360-pixel phone would
write its labels about 5 pixels tall. Data marks are at least 3:1 against the white background
(WCAG 1.4.11): the grey of the zones not highlighted is #6b7280 (4.8:1), opaque.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # server side: never look for a display

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..errors import LayerMissing  # noqa: E402

LAMBERT93 = 2154
_LOCK = threading.Lock()
PER = 10_000  # venues are counted per 10,000 inhabitants
CLASS_COLOURS = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]  # ColorBrewer OrRd, 5 classes
SHARE_BINS = [0, 0.2, 0.4, 0.6, 0.8, 1.0001]
SHARE_COLOURS = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"]  # ColorBrewer PuBu, 5 classes
ACCENT, MUTED, NO_DATA = "#000091", "#6b7280", "#d9d9d9"
EDGE = "#595959"  # zones' outlines: 7:1 on white, so that the lightest class still has a visible edge
STYLE = {"font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none", "hatch.linewidth": 0.4,
         "axes.spines.top": False, "axes.spines.right": False}  # fmt: skip
#: beyond this many zones (or points), a map's shapes (or a chart's dots) are drawn as one image
#: inside the SVG: the communes of France as 35,000 vector paths made 56 MB a map, and are under a
#: point wide each at that scale anyway
VECTOR_MAX = 2000
RASTER_DPI = 150  # enough for the page and for print at that scale
HINTS = {"venues": "python run.py harvest", "communes": "python run.py build", "gaps": "python run.py gaps"}
WORDS = {
    "frag_axis": ("Fragilité numérique (indice, base 100)", "Digital fragility (index, base 100)"),
    "access_axis": ("Accessibilité (h d'aide par semaine pour 1 000 hab.)",
                    "Accessibility (hours of help a week per 1,000 inhabitants)"),
    "corner": ("plus fragile,\nmoins d'aide", "more fragile,\nless help"),
    "per10k_axis": ("Lieux pour 10 000 habitants", "Venues per 10,000 inhabitants"),
    "mean": ("moyenne du territoire", "territory average"), "venue": ("Lieu d'aide", "Venue"),
    "no_data": ("Pas de donnée", "No data"), "beyond_area": ("À plus de {t} min à pied d'un lieu",
                                                             "More than {t} min walk from a venue"),
    "share_legend": ("Part des habitants à plus de {t} min", "Share of people beyond {t} min"),
}  # fmt: skip


def word(key: str, lang: str, **values) -> str:
    """A chart label in ``lang`` (French unless ``en``)."""
    fr, en = WORDS[key]
    return (en if lang == "en" else fr).format(**values)


def num(value, lang: str, digits: int = 0) -> str:
    """A number written the French way (``730 551,5``) or the English way (``730,551.5``)."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang != "en" else text


def pct(share, lang: str) -> str:
    """A share in [0, 1] as a whole percentage (``58 %`` in French, ``58%`` in English)."""
    return (
        "—"
        if share is None or pd.isna(share)
        else num(100 * share, lang) + ("%" if lang == "en" else "\u202f%")
    )


# --- data ------------------------------------------------------------------------------------
def load_layers(store) -> dict:
    """The three layers and their metadata, or :class:`LayerMissing` naming the command to run."""
    layers = {}
    for name, command in HINTS.items():
        if not store.has(name):
            raise LayerMissing(name, command)
        layers[name] = store.read(name)
        layers[f"{name}_meta"] = store.info(name)
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    known = venues["code_insee"].where(venues["code_insee"].isin(communes["code"]))
    if known.isna().any():  # no or foreign INSEE code: take the commune the point falls in
        found = gpd.sjoin(venues.loc[known.isna(), ["geometry"]], communes[["code", "geometry"]], how="left",
                          predicate="within")  # fmt: skip
        known = known.fillna(found["code"][~found.index.duplicated()])
    venues["zone_commune"] = known
    gaps["zone_commune"] = gaps["commune"] if "commune" in gaps else gaps["code"]
    return layers


def key_figures(communes, venues, gaps) -> dict:
    """Counts (people, venues), venues per 10,000 inhabitants, people beyond the walking threshold
    and the population-weighted fragility (index, base 100) of a set of communes and their zones."""
    people = float(communes["population"].sum())
    rated = communes["fragility"].notna() & (communes["population"] > 0)
    weights = communes.loc[rated, "population"]
    zone_people = float(gaps["population"].sum())
    return {
        "communes": len(communes), "population": people, "venues": len(venues),
        "per10k": PER * len(venues) / people if people else None,
        "beyond": float(gaps["pop_beyond"].sum()),
        "beyond_share": float(gaps["pop_beyond"].sum()) / zone_people if zone_people else None,
        "fragility": float(np.average(communes.loc[rated, "fragility"], weights=weights)) if weights.sum() else None,
    }  # fmt: skip


def commune_table(communes, venues, gaps) -> pd.DataFrame:
    """One row per commune: people, venues, venues per 10,000 inhabitants, fragility, people beyond."""
    table = communes[["code", "nom", "population", "fragility", "fragility_label", "fragility_class"]].copy()
    table["venues"] = table["code"].map(venues["zone_commune"].value_counts()).fillna(0).astype(int)
    table["per10k"] = PER * table["venues"] / table["population"].where(table["population"] > 0)
    by_commune = gaps.groupby("zone_commune")[["pop_beyond", "population"]].sum()
    table["beyond"] = table["code"].map(by_commune["pop_beyond"])
    table["beyond_share"] = table["beyond"] / table["code"].map(by_commune["population"]).replace(0, np.nan)
    return table.sort_values(["per10k", "nom"], ascending=[False, True], na_position="last")


# --- drawing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """The size of a figure and of its type, in inches and points (1 pt = 1/72 inch)."""

    width: float  # inches
    text: float  # axes' labels, ticks and legends
    label: float  # names and values written on the data
    narrow: bool


#: screens from a tablet up, and print: the wide figure at 768 px or more writes 7.5 pt as 11 px
WIDE = Layout(width=7.0, text=8.5, label=7.5, narrow=False)
#: phones: at 360 px the figure is 328 px wide, 1.14 px a point, so that 10 pt is 11.4 px
NARROW = Layout(width=4.0, text=10.0, label=10.0, narrow=True)


@contextmanager
def drawing():
    """matplotlib's settings are global: draw (and save) one report at a time, in the report's style."""
    with _LOCK, matplotlib.rc_context(STYLE):
        yield


def _figure(width_in: float, height_in: float) -> Figure:
    """A figure of that size in inches (the page's text column is about 7 inches wide)."""
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _type(ax, layout: Layout) -> None:
    """The axes' ticks in the layout's size (they are drawn late, so rcParams cannot be relied on)."""
    ax.tick_params(labelsize=layout.text)


STEPS = [(0.0, 0.0, 0)] + [
    (dx, dy, k)
    for k in (1, 2, 3.5)
    for dx, dy in ((1, 0), (-1, 0), (0.7, 0.7), (0.7, -0.7), (-0.7, 0.7), (-0.7, -0.7), (0, 1), (0, -1))
]


def place_labels(fig, ax, xy, texts, radii, size: float, avoid=(), centre: bool = False) -> None:
    """Name points without overlaps: each label takes the first free spot around its point
    (centred first when ``centre``), farther and with a leader line when the neighbourhood is full.

    ``xy`` are data coordinates, ``radii`` the markers' radii in points, ``avoid`` other markers
    as (x, y, radius in points). Text sizes are estimated (DejaVu Sans: ~0.6 em per character).
    """
    fig.draw_without_rendering()  # fixes the layout, hence the data → display transform
    scale = fig.dpi / 72
    frame = ax.bbox
    taken = [
        (x - r * scale, y - r * scale, x + r * scale, y + r * scale)
        for x, y, r in [
            (*ax.transData.transform(p), r)
            for p, r in [*zip(xy, radii, strict=True), *((a[:2], a[2]) for a in avoid)]
        ]
    ]
    box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.75, "edgecolor": "none"}
    for (px, py), r, text in zip(xy, radii, texts, strict=True):
        x, y = ax.transData.transform((px, py))
        w, h = (0.56 * size * len(text) + 3) * scale, 1.35 * size * scale
        best = None
        for dx, dy, k in STEPS if centre else STEPS[1:]:
            gap = (r + 1.5) * scale * k + (k > 1) * 4 * scale
            cx, cy = x + dx * (gap + w / 2), y + dy * (gap + h / 2)
            rect = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            outside = rect[0] < frame.x0 or rect[2] > frame.x1 or rect[1] < frame.y0 or rect[3] > frame.y1
            hits = sum(rect[0] < t[2] and t[0] < rect[2] and rect[1] < t[3] and t[1] < rect[3] for t in taken)
            score = hits + 100 * outside + 0.1 * k
            if best is None or score < best[0]:
                best = (score, cx, cy, rect, k)
            if hits == 0 and not outside:
                break
        _, cx, cy, rect, k = best
        taken.append(rect)
        ax.annotate(text, (px, py), xytext=((cx - x) / scale, (cy - y) / scale), textcoords="offset points",
                    ha="center", va="center", fontsize=size, bbox=box, in_layout=False, zorder=4,
                    arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#555", "shrinkA": 0, "shrinkB": r}
                    if k > 1 else None)  # fmt: skip


# --- charts ----------------------------------------------------------------------------------
def scatter(gaps, focus: set[str], territory: dict, lang: str, layout: Layout = WIDE) -> Figure:
    """Fragility (x, base 100) against accessibility (y, hours a week per 1,000 inhabitants), one
    point per zone, area proportional to its population; ``focus`` zones are coloured and named.
    The quadrant beyond both territory averages (more fragile, less help) is shaded."""
    fig = _figure(layout.width, 6.4 if not layout.narrow else 5.6)
    ax = fig.add_subplot()
    _type(ax, layout)
    shown = gaps[gaps["fragility"].notna() & gaps["access"].notna()]
    size = (
        15 + 220 * shown["population"].fillna(0) / max(float(shown["population"].max() or 1), 1)
    ).to_numpy()
    if layout.narrow:
        size = 0.6 * size  # the same dots on a smaller plot would hide each other
    on = shown["code"].isin(focus).to_numpy()
    x, y = shown["fragility"].to_numpy(float), shown["access"].to_numpy(float)
    # Opaque marks with a white edge: overlapping dots stay apart, and each is 3:1 or more on white.
    ax.scatter(x[~on], y[~on], s=size[~on], color=MUTED, edgecolors="white", linewidths=0.6,
               rasterized=len(x) > VECTOR_MAX)  # fmt: skip
    ax.scatter(x[on], y[on], s=size[on], color=ACCENT, edgecolors="white", linewidths=0.6)
    span = max(float(y.max() - min(y.min(), 0)), 1e-6)
    ax.set_ylim(min(0.0, float(y.min())) - 0.04 * span, float(y.max()) + 0.06 * span)
    ax.set_xlim(float(x.min()) - 1.5, float(x.max()) + 1.5)
    weights = shown["population"].fillna(0)
    if weights.sum() > 0 and territory.get("fragility"):  # the territory's averages split the plane in four
        mean_access, mean_frag = float(np.average(y, weights=weights)), territory["fragility"]
        ax.axhline(mean_access, color="#555", lw=0.7, ls="--")
        ax.axvline(mean_frag, color="#555", lw=0.7, ls="--")
        ax.axhspan(ax.get_ylim()[0], mean_access, xmin=ax.transLimits.transform((mean_frag, 0))[0], color="#fee2e2",
                   zorder=0, lw=0)  # fmt: skip
        ax.text(ax.get_xlim()[1], mean_access, word("corner", lang) + " ", ha="right", va="top", color="#7f1d1d",
                fontsize=layout.text)  # fmt: skip
    ax.set_xlabel(_wrap(word("frag_axis", lang), layout), fontsize=layout.text)
    ax.set_ylabel(_wrap(word("access_axis", lang), layout), fontsize=layout.text)
    radii = np.sqrt(size) / 2
    place_labels(fig, ax, list(zip(x[on], y[on], strict=True)), list(shown["nom"][on]), radii[on], layout.label,
                 avoid=list(zip(x[~on], y[~on], radii[~on], strict=True)))  # fmt: skip
    return fig


def _wrap(text: str, layout: Layout, width: int = 34) -> str:
    """An axis title on two lines on a phone's figure (one line would be wider than the plot)."""
    if not layout.narrow or len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[:cut] + "\n" + text[cut + 1 :] if cut > 0 else text


def bars(table, focus: str | None, territory: dict, lang: str, layout: Layout = WIDE) -> Figure:
    """Venues per 10,000 inhabitants by commune, highest first, with the territory's average."""
    rows = table.dropna(subset=["per10k"]).iloc[::-1]
    step = 0.19 if not layout.narrow else 0.24  # inches a bar: one line of the names' type and a gap
    fig = _figure(layout.width, max(2.4, step * len(rows) + 1.1))
    ax = fig.add_subplot()
    _type(ax, layout)
    colours = [ACCENT if code == focus or focus is None else MUTED for code in rows["code"]]
    ax.barh(rows["nom"], rows["per10k"], color=colours, height=0.7)
    for y, value in enumerate(rows["per10k"]):
        ax.text(value, y, " " + num(value, lang, 1), va="center", fontsize=layout.label)
    if territory.get("per10k") is not None:
        ax.axvline(territory["per10k"], color="#b45309", lw=1, ls="--",
                   label=f"{word('mean', lang)} ({num(territory['per10k'], lang, 1)})")  # fmt: skip
        if layout.narrow:  # no free corner on a narrow plot: the legend goes under it
            fig.legend(loc="outside lower left", frameon=False, fontsize=layout.text)
        else:
            ax.legend(loc="lower right", frameon=False, fontsize=layout.text)
    ax.set_xlabel(word("per10k_axis", lang), fontsize=layout.text)
    ax.margins(x=0.08, y=0.01)
    return fig


# --- maps ------------------------------------------------------------------------------------
def _map_axes(context, shown, lang: str, layout: Layout = WIDE, legend_lines: int = 0):
    """A map figure showing ``shown`` (a GeoDataFrame in Lambert-93), the rest of ``context`` in
    light grey around it, with a scale bar. The figure's height follows the map's shape (the map
    takes about 4.6 of the 7 inches of width, the legend the rest), between 3.5 and 8.5 inches; on
    the narrow layout the map takes the whole width and its legend (``legend_lines``) goes under it."""
    minx, miny, maxx, maxy = _mainland(shown).total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ratio = (maxy - miny + 2 * pad) / max(maxx - minx + 2 * pad, 1)
    if layout.narrow:
        height = (
            min(7.0, max(2.5, (layout.width - 0.2) * ratio)) + legend_lines * layout.text * 1.45 / 72 + 0.3
        )
        fig = _figure(layout.width, height)
    else:
        fig = _figure(7, min(8.5, max(3.5, 4.6 * ratio + 0.3)))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")
    rest = context[~context.index.isin(shown.index)]
    if len(rest):
        rest.plot(
            ax=ax, color="#f2f2f2", edgecolor="#c9c9c9", linewidth=0.4, rasterized=len(rest) > VECTOR_MAX
        )
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    span = (maxx - minx) / 5  # a scale bar about a fifth of the map, in a round number of km
    length = max(k for k in (250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000)
                 if k <= max(span, 250))  # fmt: skip
    x0, y0 = minx, miny - pad / 2
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=2, solid_capstyle="butt")
    km = num(length / 1000, lang) if length >= 1000 else num(length / 1000, lang, 2).rstrip("0")
    ax.text(x0 + length / 2, y0 + pad / 5, f"{km} km", ha="center", va="bottom", fontsize=layout.text)
    return fig, ax


@lru_cache(maxsize=1)
def _lambert93_area() -> tuple[float, float, float, float]:
    """Where Lambert-93 is meant to be used (metropolitan France), in its own coordinates."""
    from pyproj import CRS, Transformer

    west, south, east, north = CRS.from_epsg(LAMBERT93).area_of_use.bounds
    return Transformer.from_crs(4326, LAMBERT93, always_xy=True).transform_bounds(west, south, east, north)


def _mainland(zones):
    """The zones (in Lambert-93) the map is framed on: those of metropolitan France when there are
    some, since framing France with its overseas départements (7,000 to 10,000 km away) would
    shrink the mainland to a dot; otherwise (an overseas territory) all of them."""
    minx, miny, maxx, maxy = _lambert93_area()
    points = zones.geometry.representative_point()
    inside = (points.x >= minx) & (points.x <= maxx) & (points.y >= miny) & (points.y <= maxy)
    return zones[inside] if inside.any() else zones


def _simplified(zones):
    """Zones in Lambert-93, simplified to 10 m: invisible at these scales (1 pt ≈ 30 m), lighter SVG."""
    zones = zones.to_crs(LAMBERT93)
    return zones.set_geometry(zones.simplify(10, preserve_topology=True))


def _venues_and_names(fig, ax, zones, venues, colour: str, focus: str | None, lang: str, handles,
                      layout: Layout = WIDE, **legend):  # fmt: skip
    """Venues on top of the map, the legend at its right (under it on a phone), then the zones'
    names where they hide neither the venues nor each other (the legend first: it changes the
    map's scale)."""
    points = venues.to_crs(LAMBERT93)
    ax.scatter(points.geometry.x, points.geometry.y, s=14 if not layout.narrow else 18, color=colour,
               edgecolors="white", linewidths=0.6, zorder=3, rasterized=len(points) > VECTOR_MAX)  # fmt: skip
    marker = Line2D(
        [], [], marker="o", ls="", color=colour, markeredgecolor="white", label=word("venue", lang)
    )
    place = ({"loc": "upper left", "bbox_to_anchor": (0.0, 0.0)} if layout.narrow else
             {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0)})  # fmt: skip
    ax.legend(handles=[*handles, marker], frameon=False, fontsize=layout.text, alignment="left",
              title_fontsize=layout.text, **place, **legend)  # fmt: skip
    if len(zones) <= 40:  # beyond that, names would cover the map
        anchors = [(p.x, p.y) for p in zones.geometry.representative_point()]
        size = layout.label if layout.narrow else (7 if focus is None else 9)
        place_labels(fig, ax, anchors, list(zones["nom"]), [0] * len(anchors), size,
                     avoid=[(p.x, p.y, 2.5) for p in points.geometry], centre=True)  # fmt: skip


def _outline(zones) -> dict:
    """How the zones are drawn: outlined vector shapes, or for many zones one image with hairline
    outlines (half a point around communes a point wide would paint the map grey)."""
    if len(zones) > VECTOR_MAX:
        return {"edgecolor": EDGE, "linewidth": 0.05, "rasterized": True}
    return {"edgecolor": EDGE, "linewidth": 0.5}


def fragility_map(communes, venues, classes: list[dict], focus: str | None, lang: str,
                  layout: Layout = WIDE) -> Figure:  # fmt: skip
    """Communes coloured by fragility class (relative to the territory), venues on top."""
    context = _simplified(communes)
    shown = context[context["code"] == focus] if focus else context
    fig, ax = _map_axes(context, shown, lang, layout, legend_lines=len(classes) + 2)
    cls = shown["fragility_class"].astype("float")
    colours = [CLASS_COLOURS[int(c) - 1] if pd.notna(c) and 1 <= c <= 5 else NO_DATA for c in cls]
    shown.plot(ax=ax, color=colours, **_outline(shown))
    handles = []
    for c in classes:
        low, high = c.get("min"), c.get("max")
        span = f"< {num(high, lang)}" if low is None else f"{num(low, lang)} – {num(high, lang)}"
        handles.append(
            Patch(color=CLASS_COLOURS[int(c["class"]) - 1], label=f"{c[f'label_{lang}']} ({span})")
        )
    if cls.isna().any():
        handles.append(Patch(color=NO_DATA, label=word("no_data", lang)))
    _venues_and_names(fig, ax, shown, venues, ACCENT, focus, lang, handles, layout)
    return fig


def beyond_map(gaps, venues, grid, threshold: float, focus: str | None, lang: str,
               layout: Layout = WIDE) -> Figure:  # fmt: skip
    """Zones coloured by the share of their people beyond the walking threshold; grid cells beyond
    it (when the ``gap_grid`` layer is there) hatched, venues on top."""
    context = _simplified(gaps)
    shown = context[context["zone_commune"] == focus] if focus else context
    fig, ax = _map_axes(context, shown, lang, layout, legend_lines=len(SHARE_COLOURS) + 3)
    bins = np.digitize(shown["share_beyond"].fillna(-1), SHARE_BINS) - 1
    shown.plot(ax=ax, color=[SHARE_COLOURS[b] if 0 <= b < 5 else NO_DATA for b in bins], **_outline(shown))
    t = f"{threshold:g}"
    handles = [Patch(color=c, label=f"{int(100 * lo)} – {min(100, int(round(100 * hi)))} %")
               for c, lo, hi in zip(SHARE_COLOURS, SHARE_BINS, SHARE_BINS[1:], strict=False)]  # fmt: skip
    if grid is not None and len(grid):
        cells = grid[~grid["within"].astype(bool)].to_crs(LAMBERT93)
        if focus:
            cells = cells[cells["zone_code"].isin(shown["code"])]
        if len(cells):  # one dissolved shape: a light SVG whatever the number of cells
            gpd.GeoSeries([cells.union_all()], crs=LAMBERT93).plot(ax=ax, facecolor="none", edgecolor="#555",
                                                                   hatch="///", linewidth=0,
                                                                   rasterized=len(shown) > VECTOR_MAX)  # fmt: skip
            handles.append(
                Patch(facecolor="white", edgecolor="#555", hatch="///", label=word("beyond_area", lang, t=t))
            )
    _venues_and_names(
        fig, ax, shown, venues, "#b45309", focus, lang, handles, layout, title=word("share_legend", lang, t=t)
    )
    return fig
