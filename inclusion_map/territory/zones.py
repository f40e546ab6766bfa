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
from .fragility import aggregate_to_communes, computed_index, normalise, reading, score_columns
from .inputs import Inputs
from .tables import Problems

SCORES = list(score_columns().values())


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
    for code in frame.index[missing]:
        problems.add("commune contours", "no contour for this commune", code=code, field="geometry",
                     action="kept without geometry")  # fmt: skip
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
    if normalised:
        zones["ifn_calc"] = computed_index(normalised, cfg.indicators)
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
    if has_published and (cfg.main == "published" or not has_computed):
        column = published
        what = f"IFN publié (La MedNum), score global en base 100 par rapport à la moyenne de la {ref}"
        zones["fragility_reading"] = reading(zones[column], ref)
    elif has_computed:
        column = "ifn_calc"
        what = f"indice calculé ({cfg.method}, référence : {cfg.reference})"
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
    ifn = _ifn_in_territory(inputs, gazetteer, problems)
    iris = None
    if inputs.iris_contours is not None:
        iris = inputs.iris_contours.copy()
        if ifn is not None:
            no_contour = ~ifn.index.isin(iris.index)
            problems.add_rows("ifn", ifn[no_contour].assign(_c=ifn.index[no_contour]),
                              "IRIS code matches no contour", field="Code Iris", code_column="_c",
                              action="kept for the commune score, not on the IRIS map")  # fmt: skip
            iris = iris.join(ifn[SCORES].reindex(iris.index))
            iris["type_iris"] = iris["type_iris"].fillna(ifn["type_iris"].reindex(iris.index))
        iris["population"] = (inputs.iris_population.reindex(iris.index).where(lambda s: s > 0).round().astype("Int64")
                              if inputs.iris_population is not None else pd.Series(pd.NA, index=iris.index, dtype="Int64"))  # fmt: skip
        iris["nom_com"] = iris["insee_com"].map(gazetteer.communes["nom"])
        iris["level"] = "iris"
    if ifn is not None and len(ifn):
        agg = aggregate_to_communes(ifn, SCORES, population=inputs.iris_population)
        communes = communes.join(agg)
        for code in communes.index[communes["n_iris"].isna()]:
            problems.add("ifn", "no IFN row for this commune", code=code, action="fragility left empty")
        communes["n_iris"] = communes["n_iris"].astype("Int64")
    iris_types = ifn[["type_iris"]] if ifn is not None else None
    computed = add_computed_index(communes, "commune", inputs, settings, gazetteer, iris_types)
    column, what, classes = add_main_score(communes, settings)
    info = {"communes": {"score": column, "score_description": what, "classes": classes.legend(),
                         "computed_columns": computed}}  # fmt: skip
    if iris is not None:
        computed = add_computed_index(iris, "iris", inputs, settings, gazetteer, iris_types)
        column, what, classes = add_main_score(iris, settings)
        info["iris"] = {"score": column, "score_description": what, "classes": classes.legend(),
                        "computed_columns": computed}  # fmt: skip
        iris = gpd.GeoDataFrame(iris, geometry="geometry", crs=STORED)
        iris.index.name = "code_iris"
    info["level"] = "iris" if iris is not None and len(iris) else "commune"
    return communes, iris, info
