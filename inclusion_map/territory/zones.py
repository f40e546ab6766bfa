"""Assemble the ``communes`` and ``iris`` layers: boundaries, population, fragility and classes.

Pure functions of the parsed inputs (no I/O), so that the figures can be checked by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import Settings
from ..geo.crs import STORED
from .boundaries import Gazetteer
from .classify import Classes, classify
from .fragility import (
    AXES,
    aggregate_to_communes,
    computed_index,
    family_scores,
    normalise,
    rank_agreement,
    reading,
    score_columns,
)
from .inputs import Inputs
from .tables import Problems

SCORES = list(score_columns().values())
COMMUNE_BASIS = "population légale de la commune"


#: below this share of zones with a published score, the computed index is the main one
PUBLISHED_MIN_SHARE = 0.5


def commune_frame(gazetteer: Gazetteer, groups: pd.DataFrame, previous: gpd.GeoDataFrame | None,
                  problems: Problems) -> gpd.GeoDataFrame:  # fmt: skip
    """The territory's communes with name, département, EPT/EPCI, population and contour.

    A commune without a contour takes the one of the previous build when there is one, else it is
    kept without geometry; a population of zero or unknown is left empty. Both are reported.
    """
    territory = gazetteer.territory
    frame = gazetteer.communes
    if territory.codes is not None:
        frame = frame[frame.index.isin(territory.codes)]
    frame = frame.join(groups) if not groups.empty else frame
    frame = gpd.GeoDataFrame(frame.copy(), geometry="geometry", crs=STORED)
    frame.index.name = "code"
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any() and previous is not None and "code" in previous:
        old = previous.set_index("code").geometry
        fill = frame.index[missing].intersection(old.index)
        frame.loc[fill, "geometry"] = old.loc[fill]
        for code in fill:
            problems.add("commune contours", "no contour in the file; the previous build's contour is kept",
                         code=code, field="geometry", action="previous contour")  # fmt: skip
        missing = frame.geometry.isna() | frame.geometry.is_empty
    gone = gazetteer.missing_departements
    for dep, reason in sorted(gone.items()):
        count = int((missing & (frame["departement"].astype(str) == dep)).sum())
        if count:
            problems.add("commune contours", f"no contour file for this département ({reason}); its {count} "
                         "communes are kept without contour and left out of the gap grid", code=dep,
                         field="departement", value=dep, action="kept without geometry")  # fmt: skip
    for code in frame.index[missing]:
        dep = str(frame.at[code, "departement"])
        reason = f"no contour file for département {dep}" if dep in gone else "no contour for this commune"
        problems.add("commune contours", reason, code=code, field="geometry", action="kept without geometry")
    population = pd.to_numeric(frame["population"], errors="coerce")
    bad_pop = ~(population > 0)
    for code in frame.index[bad_pop]:
        problems.add("commune list", "population is zero or unknown", code=code, field="population",
                     value=str(frame.at[code, "population"]), action="population left empty")  # fmt: skip
    frame["population"] = population.where(~bad_pop).astype("Int64")
    subs = {code: [] for code in frame.index}
    for key, (_, codes) in territory.subterritories.items():
        for code in codes & set(frame.index):
            subs[code].append(key)
    frame["subterritories"] = [",".join(subs[c]) or None for c in frame.index]
    # Postcodes let the public pages answer a postcode search offline.
    frame["codes_postaux"] = ["|".join(sorted(gazetteer.postcodes_of(c))) or None for c in frame.index]
    return frame


def _ifn_in_territory(inputs: Inputs, gazetteer: Gazetteer, problems: Problems) -> pd.DataFrame | None:
    """IFN rows of the territory's communes (codes brought to the current geography)."""
    if inputs.ifn is None:
        return None
    ifn = inputs.ifn.copy()
    ifn["insee_com"] = ifn["insee_com"].map(gazetteer.current)
    known = ifn["insee_com"].isin(gazetteer.communes.index)
    problems.add_rows("ifn", ifn[~known].assign(_c=ifn.index[~known]), "unknown commune code",
                      field="Insee Com", value_column="insee_com", code_column="_c")  # fmt: skip
    ifn = ifn[known]
    codes = gazetteer.territory.codes
    if codes is not None:
        outside = ~ifn["insee_com"].isin(codes)
        problems.add_rows("ifn", ifn[outside].assign(_c=ifn.index[outside]), "commune outside the territory",
                          field="Insee Com", value_column="insee_com", code_column="_c", action="skipped")  # fmt: skip
        ifn = ifn[~outside]
    return ifn


def to_current_codes(series: pd.Series, label: str, gazetteer: Gazetteer, problems: Problems) -> tuple[pd.Series, dict]:
    """A commune-level indicator brought to the commune list's geography (its COG year).

    A code that is a current commune keeps its row. A former code (``anciensCodes`` of the list, a
    delegated or associated commune, a municipal arrondissement) gives its value to today's
    commune when that commune has no row of its own; several former communes merged into one
    take the plain mean of their values (the table gives no weights). A commune split since the
    table's year keeps the value of the code it kept, its new parts have none. Codes the list does
    not know are reported and skipped.

    Returns
    -------
    (series indexed by current commune code, counts: ``rows``, ``current``, ``former_codes``
    matched through the list, ``former_superseded`` (former codes whose commune has its own row),
    ``communes_from_former`` they gave a value to, ``unknown``)
    """
    index = series.index.astype(str)
    known = gazetteer.communes.index
    current = index.isin(known)
    mapped = pd.Index([gazetteer.aliases.get(c) for c in index], dtype=object)
    former = ~current & pd.notna(mapped) & mapped.isin(known)
    unknown = ~current & ~former
    own = pd.Series(series.to_numpy()[current], index=index[current])
    former_rows = pd.Series(series.to_numpy()[former], index=mapped[former])
    # A former code whose commune has its own row in the table is superseded by that row.
    used = ~former_rows.index.isin(own.index)
    from_former = former_rows[used].groupby(level=0).mean()
    for code in index[unknown]:
        problems.add(label, "unknown commune code: not in the commune list, nor a former code of a commune",
                     code=code, value=code, action="skipped")  # fmt: skip
    counts = {"rows": int(len(series)), "current": int(current.sum()), "former_codes": int(used.sum()),
              "former_superseded": int((~used).sum()), "communes_from_former": int(len(from_former)),
              "unknown": int(unknown.sum())}  # fmt: skip
    if counts["former_codes"]:
        problems.add(label, f"{counts['former_codes']} codes of another COG year matched through the commune "
                     f"list (former codes), giving a value to {counts['communes_from_former']} current communes",
                     field="code", action="matched")  # fmt: skip
    if counts["former_superseded"]:
        problems.add(label, f"{counts['former_superseded']} former codes ignored: their current commune has its "
                     "own row in the table", field="code", action="skipped")  # fmt: skip
    return pd.concat([own, from_former]).rename(series.name), counts


def _indicator_at(series: pd.Series, level: str, zones: pd.DataFrame, zone_level: str,
                  gazetteer: Gazetteer, iris_types: pd.DataFrame | None, population) -> pd.Series:  # fmt: skip
    """An indicator's values for the zones (commune values broadcast to IRIS, IRIS aggregated)."""
    if level == "commune":
        series = series.groupby(series.index.map(gazetteer.current)).mean()
        if zone_level == "commune":
            return series.reindex(zones.index)
        return zones["insee_com"].map(series)
    if zone_level == "iris":
        return series.reindex(zones.index)
    table = pd.DataFrame({"v": series})
    table["insee_com"] = table.index.str[:5].map(gazetteer.current)
    if iris_types is not None:
        table["type_iris"] = iris_types["type_iris"].reindex(table.index)
    agg = aggregate_to_communes(table, ["v"], population=population)
    return agg["v"].reindex(zones.index)


def add_computed_index(zones: pd.DataFrame, zone_level: str, inputs: Inputs, settings: Settings,
                       gazetteer: Gazetteer, iris_types: pd.DataFrame | None) -> list[str]:  # fmt: skip
    """Add ``ind_<name>``, ``ind_<name>_score`` and ``ifn_calc`` columns; returns the columns added."""
    cfg = settings.fragility
    added: list[str] = []
    normalised = {}
    weights = zones["population"].astype(float) if "population" in zones else None
    for name, series in inputs.indicators.items():
        ind = cfg.indicators[name]
        values = _indicator_at(series, ind.level, zones, zone_level, gazetteer, iris_types, inputs.iris_population)
        zones[f"ind_{name}"] = values
        zones[f"ind_{name}_score"] = normalise(values, series, weights, ind, cfg.method, cfg.reference)
        normalised[name] = zones[f"ind_{name}_score"]
        added += [f"ind_{name}", f"ind_{name}_score"]
    if normalised and cfg.families:
        for family, score in family_scores(normalised, cfg.indicators).items():
            zones[f"ifn_calc_{family}"] = score
            added.append(f"ifn_calc_{family}")
    if normalised:
        zones["ifn_calc"] = computed_index(normalised, cfg.indicators, cfg.families)
        added.append("ifn_calc")
    return added


def add_main_score(zones: pd.DataFrame, settings: Settings) -> tuple[str, str, Classes]:
    """Set ``fragility`` (the main score), its reading, class number and label.

    Returns the name of the column used, a plain description of it, and the classes.
    """
    cfg = settings.fragility
    ref = cfg.published.reference if cfg.published else "region"
    published = f"ifn_global_{ref}"
    has_published = published in zones and zones[published].notna().any()
    has_computed = "ifn_calc" in zones and zones["ifn_calc"].notna().any()
    # The published file covers one région (Île-de-France offline): for a larger territory the
    # computed index, known everywhere, colours the map on one scale rather than leaving most zones
    # blank; the published scores stay in their columns.
    covered = float(zones[published].notna().mean()) if has_published else 0.0
    if has_published and has_computed and cfg.main == "published" and covered < PUBLISHED_MIN_SHARE:
        has_published = False
        partial = f" ; l'IFN publié ne couvre que {covered:.0%} des zones".replace("%", " %")
    else:
        partial = ""
    if has_published and (cfg.main == "published" or not has_computed):
        column = published
        what = f"IFN publié (La MedNum), score global en base 100 par rapport à la moyenne de la {ref}"
        zones["fragility_reading"] = reading(zones[column], ref)
    elif has_computed:
        column = "ifn_calc"
        what = f"indice calculé ({cfg.method}, référence : {cfg.reference}){partial}"
        zones["fragility_reading"] = reading(zones[column], cfg.reference) if cfg.method == "base100" else None
    else:
        column, what = None, "aucun indice de fragilité disponible"
        zones["fragility_reading"] = None
    zones["fragility"] = zones[column].astype(float) if column else np.nan
    zones["fragility_source"] = what
    classes = classify(zones["fragility"], cfg.classes, cfg.k)
    zones["fragility_class"] = classes.number
    zones["fragility_label"] = classes.label
    return column or "", what, classes


def build_zones(gazetteer: Gazetteer, groups: pd.DataFrame, inputs: Inputs, settings: Settings,
                previous: gpd.GeoDataFrame | None, problems: Problems) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, dict]:  # fmt: skip
    """Build the communes layer and, when IRIS contours are known, the IRIS layer.

    Returns
    -------
    (communes, iris or None, info) where ``info`` holds the level, score columns and classes.
    """
    communes = commune_frame(gazetteer, groups, previous, problems)
    communes["level"] = "commune"
    communes["population_basis"] = COMMUNE_BASIS
    ifn = _ifn_in_territory(inputs, gazetteer, problems)
    iris = None
    if inputs.iris_contours is not None:
        iris = inputs.iris_contours.copy()
        if ifn is not None:
            no_contour = ~ifn.index.isin(iris.index)
            # A commune without any IRIS contour is analysed whole (mixed levels): one row says so,
            # rather than one per IRIS; an IRIS missing among its commune's contours is a mismatch.
            whole = ~ifn["insee_com"].isin(set(iris["insee_com"]))
            mismatch = no_contour & ~whole
            problems.add_rows("ifn", ifn[mismatch].assign(_c=ifn.index[mismatch]),
                              "IRIS code matches no contour", field="Code Iris", code_column="_c",
                              action="kept for the commune score, not on the IRIS map")  # fmt: skip
            for code, count in ifn.loc[no_contour & whole, "insee_com"].value_counts().sort_index().items():
                problems.add("iris contours", f"no IRIS contour for this commune ({count} IRIS in the IFN file): "
                             "it is analysed as a whole commune", code=code, field="insee_com", value=code,
                             action="commune level")  # fmt: skip
            iris = iris.join(ifn[SCORES].reindex(iris.index))
            iris["type_iris"] = iris["type_iris"].fillna(ifn["type_iris"].reindex(iris.index))
        iris["population"], iris["population_basis"] = iris_population(
            iris["insee_com"], iris["type_iris"], inputs.iris_population, settings.fragility.iris_population,
            communes["population"])  # fmt: skip
        iris["nom_com"] = iris["insee_com"].map(gazetteer.communes["nom"])
        iris["level"] = "iris"
    if ifn is not None and len(ifn):
        agg = aggregate_to_communes(ifn, SCORES, population=inputs.iris_population)
        communes = communes.join(agg)
        none = communes["n_iris"].isna()
        deps = communes["departement"].astype(str)
        covered = set(deps[~none])
        # A département the published file does not cover at all is one problem, not one per commune.
        for dep, count in deps[none & ~deps.isin(covered)].value_counts().sort_index().items():
            problems.add("ifn", f"the published IFN file does not cover this département ({count} communes)",
                         code=dep, field="departement", value=dep, action="computed index only")  # fmt: skip
        for code in communes.index[none & deps.isin(covered)]:
            problems.add("ifn", "no IFN row for this commune", code=code, action="fragility left empty")
        communes["n_iris"] = communes["n_iris"].astype("Int64")
    iris_types = ifn[["type_iris"]] if ifn is not None else None
    codes_info = {}
    for name, series in list(inputs.indicators.items()):
        if settings.fragility.indicators[name].level == "commune":
            inputs.indicators[name], codes_info[name] = to_current_codes(series, f"indicator {name}", gazetteer,
                                                                         problems)  # fmt: skip
    computed = add_computed_index(communes, "commune", inputs, settings, gazetteer, iris_types)
    agreement = computed_agreement(communes, settings)
    column, what, classes = add_main_score(communes, settings)
    info = {"communes": {"score": column, "score_description": what, "classes": classes.legend(),
                         "computed_columns": computed, "agreement": agreement,
                         "indicator_codes": codes_info}}  # fmt: skip
    if iris is not None:
        computed = add_computed_index(iris, "iris", inputs, settings, gazetteer, iris_types)
        column, what, classes = add_main_score(iris, settings)
        info["iris"] = {"score": column, "score_description": what, "classes": classes.legend(),
                        "computed_columns": computed, "agreement": None, "indicator_codes": codes_info}  # fmt: skip
        iris = gpd.GeoDataFrame(iris, geometry="geometry", crs=STORED)
        iris.index.name = "code_iris"
    # Mixed levels: a commune with IRIS contours is analysed through its IRIS, the others as
    # communes; the communes layer stays complete and says which (``zones_level``).
    with_iris = set(iris["insee_com"]) if iris is not None and len(iris) else set()
    communes["zones_level"] = ["iris" if code in with_iris else "commune" for code in communes.index]
    info["levels"] = {lvl: sorted(communes.index[communes["zones_level"] == lvl]) for lvl in ("iris", "commune")}
    info["level"] = zones_level(len(info["levels"]["iris"]), len(info["levels"]["commune"]))
    return communes, iris, info


def zones_level(n_iris: int, n_commune: int) -> str:
    """The level of an analysis whose zones are IRIS for ``n_iris`` communes and communes for
    ``n_commune``: ``iris``, ``commune`` or ``mixed``."""
    if n_iris and n_commune:
        return "mixed"
    return "iris" if n_iris else "commune"


def iris_population(commune: pd.Series, type_iris: pd.Series, table: pd.Series | None, cfg,
                    legal: pd.Series) -> tuple[pd.Series, pd.Series]:  # fmt: skip
    """The population of each IRIS and the basis it comes from (a French phrase).

    Parameters
    ----------
    commune : Series
        Commune code of each IRIS (indexed by IRIS code).
    type_iris : Series
        IRIS type in words (residential IRIS take the commune's population when the table has none).
    table : Series or None
        The configured IRIS population table (by IRIS code), or ``None``.
    cfg : IrisPopulation or None
        Its settings; ``universe`` says whether it counts everyone or only adults.
    legal : Series
        The legal population of each commune (by commune code).

    Returns
    -------
    (population as ``Int64``, basis): with a total-population table, its figures as they are (an
    IRIS without a row stays unknown); with an adults-only table, the adults are weights within the
    commune and the figures are scaled to its legal population, rounded so that they add up to it
    exactly (an IRIS without a row counts no adult); a commune none of whose IRIS is in that table
    shares its legal population among its residential IRIS. Without a table every IRIS is unknown
    and the basis empty: the gap analysis then makes its own estimate and says so.
    """
    unknown = pd.Series(pd.NA, index=commune.index, dtype="Int64")
    if table is None or cfg is None:
        return unknown, pd.Series(None, index=commune.index, dtype=object)
    raw = table.reindex(commune.index).astype(float).where(lambda v: v > 0)
    vintage = f" ({cfg.vintage})" if cfg.vintage else ""
    if cfg.universe == "total":
        basis = pd.Series(f"population des IRIS{vintage}", index=commune.index, dtype=object)
        return raw.round().astype("Int64"), basis.where(raw.notna(), None)
    from .fragility import residential_weight

    legal = pd.to_numeric(legal, errors="coerce").astype(float)
    weights = raw.fillna(0.0)
    listed = weights.groupby(commune).transform("sum") > 0
    # A commune absent from the table (e.g. a commune not cut into IRIS) keeps its legal population,
    # shared by its residential IRIS.
    share = residential_weight(type_iris.reindex(commune.index))
    share = share.where(share.groupby(commune).transform("sum") > 0, 1.0)
    weights = weights.where(listed, share)
    population = _shares_of(weights, commune, commune.map(legal))
    basis = pd.Series(f"adultes 18+{vintage} ramenés à la population légale de la commune", index=commune.index,
                      dtype=object).where(listed, "population légale de la commune (absente de la table des IRIS)")  # fmt: skip
    return population, basis.where(population.notna(), None)


def _shares_of(weights: pd.Series, group: pd.Series, total: pd.Series) -> pd.Series:
    """``total`` split by ``weights`` within each group, in whole people that add up to the total
    (largest remainders), so that a commune's IRIS sum to its legal population exactly."""
    exact = total * weights / weights.groupby(group).transform("sum")
    floor = np.floor(exact)
    missing = total - floor.groupby(group).transform("sum")
    rank = (exact - floor).groupby(group).rank(method="first", ascending=False)
    return (floor + (rank <= missing)).where(exact.notna()).round().astype("Int64")


def computed_agreement(communes: pd.DataFrame, settings: Settings) -> dict | None:
    """How the computed index ranks the communes against La MedNum's published scores.

    Spearman rank correlation, per département and over all, between ``ifn_calc`` and the
    published global score (aggregated from the IRIS, reference ``fragility.published.reference``)
    over the communes that have both; each family is also compared with the published axis of the
    same name. ``None`` when either score is missing.
    """
    cfg = settings.fragility
    ref = cfg.published.reference if cfg.published else "region"
    published = f"ifn_global_{ref}"
    if "ifn_calc" not in communes or published not in communes:
        return None
    deps = communes["departement"].astype(str)
    out = {"method": "spearman", "computed": "ifn_calc", "published": published,
           **rank_agreement(communes["ifn_calc"], communes[published], deps)}  # fmt: skip
    if out["all"]["n"] == 0:
        return None
    families = {}
    for family in cfg.families:
        column = f"ifn_{family}_{ref}"
        if family in AXES.values() and column in communes and f"ifn_calc_{family}" in communes:
            families[family] = {"published": column,
                                **rank_agreement(communes[f"ifn_calc_{family}"], communes[column], deps)}  # fmt: skip
    out["families"] = families
    return out
