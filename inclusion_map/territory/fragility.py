"""Digital fragility: the published IFN scores and an IFN-like index computed from indicators.

Published scores
    La MedNum's *indice de fragilité numérique* (IFN) file has one row per IRIS and, for the
    global score and each axis, three scores in base 100 relative to the IRIS's département, EPCI
    and région (100 = the reference's average; higher = more fragile). Every score is kept, as
    ``ifn_<axis>_<reference>``; ``settings.fragility.published.reference`` picks the main one.

Aggregation IRIS → commune (:func:`aggregate_to_communes`)
    The mean of the commune's IRIS scores, each IRIS weighted by its population when an IRIS
    population table is configured. Without one, the residential IRIS (types "habitat" and
    "commune non découpée") weigh 1 and the activity and miscellaneous IRIS weigh 0: INSEE draws
    residential IRIS to hold 1,800–5,000 inhabitants, so their plain mean is close to a
    population-weighted mean, while activity and park IRIS hold few people. A commune with only
    non-residential IRIS takes the plain mean of all of them.

Computed index (:func:`computed_index`)
    Each configured indicator is normalised by ``settings.fragility.method``:

    - ``base100``: ``100 × value / reference mean`` (the reference is the territory, weighted by
      population, or the whole table); for an indicator where lower is more fragile, ``200 − that``;
    - ``decile_points``: the value's decile among all rows of the table (national deciles when the
      table covers France), mapped linearly from decile 1 → −10 points to decile 10 → +10 points;
    - ``scale_1_10``: ``1 + 9 × (value − min) / (max − min)`` over the reference (mirrored to
      ``11 − that`` when lower is more fragile).

    The index is the weighted mean of the normalised indicators a zone has (weights renormalised
    over the indicators known for that zone). With ``settings.fragility.families`` (La MedNum's
    four axes: access to networks and interfaces, access to information, administrative skills,
    digital and school skills), indicators are first averaged within their family, then the
    families are averaged with their own weights (:func:`family_scores`). Commune-level
    indicators give every IRIS of the commune the same value; IRIS-level ones are aggregated to
    communes as above.

Agreement (:func:`rank_agreement`)
    Spearman's rank correlation between the computed index and the published score where both
    exist, per département: only the ranks count, so the base-100 and point scales compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._http import Payload
from ..config import Family, Indicator, PublishedIndex
from .tables import Problems, numeric_column, pad_codes, read_table, squash

# Axis of the published file (spelling of the source) → short column stem.
AXES = {
    "SCORE GLOBAL": "global",
    "ACCES A L'INFORMATION": "acces_information",
    "ACCÈS AUX INTERFACES NUMERIQUES": "acces_interfaces",
    "COMPETENCES ADMINISTATIVES": "competences_administratives",
    "COMPÉTENCES NUMÉRIQUES / SCOLAIRES": "competences_numeriques",
    "GLOBAL ACCES": "global_acces",
    "GLOBAL COMPETENCES": "global_competences",
}
AXIS_TITLES = {
    "global": "Score global",
    "acces_information": "Accès à l'information",
    "acces_interfaces": "Accès aux interfaces numériques",
    "competences_administratives": "Compétences administratives",
    "competences_numeriques": "Compétences numériques et scolaires",
    "global_acces": "Global accès",
    "global_competences": "Global compétences",
}
REFERENCES = ("departement", "epci", "region")
REFERENCE_TITLES = {"departement": "du département", "epci": "de l'EPCI", "region": "de la région"}
RESIDENTIAL_TYPES = ("habitat", "non découpée", "non decoupee")
IRIS_CODE = r"^(?:\d{2}|2[AB])\d{7}$"
MAX_EMPTY_LISTED = 500  # more blank values than this are reported as one problem row


def score_columns() -> dict[str, str]:
    """Source column (spaces collapsed) → stored column, e.g. ``ifn_global_region``."""
    return {f"{axis} {ref} 1": f"ifn_{stem}_{ref}" for axis, stem in AXES.items() for ref in REFERENCES}


def parse_published(payload: Payload, config: PublishedIndex, problems: Problems,
                    header: str | None = None, label: str = "ifn") -> pd.DataFrame:  # fmt: skip
    """Read the published IFN file into one row per IRIS.

    Returns
    -------
    DataFrame indexed by the 9-character IRIS code, with ``insee_com`` (the commune code as
    published), ``nom_iris``, ``type_iris``, ``nom_com`` and the ``ifn_*`` scores (base 100).

    A missing score column is reported once and left empty; the main score's column, the IRIS
    code and the commune code are required. Rows with a bad code or without a main score are
    rejected with their line number.
    """
    main = f"SCORE GLOBAL {config.reference} 1"
    table = read_table(payload, label, ["Code Iris", "Insee Com", main], header=header)
    out = pd.DataFrame(index=table.index)
    out["code_iris"] = pad_codes(table["Code Iris"], 9)
    out["insee_com"] = pad_codes(table["Insee Com"], 5)
    for source, target in (("Nom Iris", "nom_iris"), ("Libiris", "nom_iris"), ("Type Iris", "type_iris"),
                           ("Nom Com", "nom_com"), ("Libcom", "nom_com")):  # fmt: skip
        if source in table and target not in out:
            out[target] = table[source].str.strip()
    for target in ("nom_iris", "type_iris", "nom_com"):
        out[target] = out.get(target, pd.Series(None, index=out.index, dtype=object))
    for source, target in score_columns().items():
        if source not in table:
            problems.add(label, "column missing from the file; this score is left empty", field=source,
                         action="column ignored")  # fmt: skip
            out[target] = np.nan
            continue
        out[target] = numeric_column(table, source, label, problems, "Code Iris")
    out["_line"] = table["_line"]

    bad_code = ~out["code_iris"].str.match(IRIS_CODE)
    problems.add_rows(label, out[bad_code], "not a 9-character IRIS code", field="Code Iris",
                      value_column="code_iris", code_column="code_iris")  # fmt: skip
    mismatch = ~bad_code & (out["code_iris"].str[:5] != out["insee_com"])
    problems.add_rows(label, out[mismatch], "the IRIS code does not start with the commune code",
                      field="Insee Com", value_column="insee_com", code_column="code_iris")  # fmt: skip
    no_score = ~bad_code & ~mismatch & out[f"ifn_global_{config.reference}"].isna()
    problems.add_rows(label, out[no_score], "no main score (SCORE GLOBAL)", field=main,
                      code_column="code_iris")  # fmt: skip
    dup = ~bad_code & ~mismatch & ~no_score & out["code_iris"].duplicated()
    problems.add_rows(label, out[dup], "the same IRIS code appears twice; the first row is kept",
                      field="Code Iris", code_column="code_iris")  # fmt: skip
    keep = ~(bad_code | mismatch | no_score | dup)
    return out[keep].set_index("code_iris")


def residential_weight(type_iris: pd.Series) -> pd.Series:
    """1 for residential IRIS (habitat, commune not split), 0 for activity and miscellaneous ones."""
    text = type_iris.fillna("").str.lower()
    return text.str.contains("|".join(RESIDENTIAL_TYPES), regex=True).astype(float)


def aggregate_to_communes(iris: pd.DataFrame, columns: list[str], commune: str = "insee_com",
                          population: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """Weighted mean of IRIS values per commune (see the module docstring for the weights).

    Parameters
    ----------
    iris : DataFrame
        One row per IRIS with ``commune``, ``type_iris`` and the ``columns`` to aggregate.
    population : Series, optional
        IRIS population by IRIS code; when given, the IRIS of a commune with any known IRIS
        population are weighted by it (unknown counts as 0); other communes keep the default.

    Returns
    -------
    DataFrame indexed by commune code with the aggregated ``columns``, ``n_iris`` (IRIS with a
    value) and ``weighting`` (which weights were used, in French).
    """
    groups = iris[commune]
    weights = residential_weight(iris.get("type_iris", pd.Series("", index=iris.index)))
    label = pd.Series("IRIS résidentiels à poids égal", index=iris.index)
    if population is not None:
        pop = population.reindex(iris.index).fillna(0.0).astype(float).clip(lower=0)
        # Communes with no known IRIS population keep the residential weights.
        known = pop.groupby(groups).transform("sum") > 0
        weights = weights.where(~known, pop)
        label = label.where(~known, "population des IRIS")
    total = weights.groupby(groups).transform("sum")
    # A commune whose weights are all zero: every IRIS counts the same.
    weights = weights.where(total > 0, 1.0)
    result = {}
    for col in columns:
        values = iris[col].astype(float)
        w = weights.where(values.notna(), 0.0)
        num = (values.fillna(0.0) * w).groupby(groups).sum()
        den = w.groupby(groups).sum()
        result[col] = (num / den).where(den > 0)
    out = pd.DataFrame(result)
    out["n_iris"] = iris.groupby(commune).size()
    out["weighting"] = label.groupby(groups).first()
    return out


def normalise(values: pd.Series, table_values: pd.Series, weights: pd.Series | None, indicator: Indicator,
              method: str, reference: str) -> pd.Series:  # fmt: skip
    """Normalise one indicator for the zones of the territory (see the module docstring).

    Parameters
    ----------
    values : Series
        The indicator for the zones of the territory.
    table_values : Series
        The indicator for every row of its table (the reference for ``reference="table"`` and the
        deciles).
    weights : Series, optional
        Population of the zones, for the territory's weighted mean in ``base100``.
    """
    lower = indicator.direction == "lower_is_more_fragile"
    ref_values = table_values.dropna() if reference == "table" else values.dropna()
    if method == "base100":
        if reference == "territory" and weights is not None:
            w = weights.reindex(ref_values.index).fillna(0.0)
            mean = float((ref_values * w).sum() / w.sum()) if w.sum() > 0 else float(ref_values.mean())
        else:
            mean = float(ref_values.mean()) if len(ref_values) else np.nan
        if not mean or np.isnan(mean):
            return pd.Series(np.nan, index=values.index)
        score = 100.0 * values / mean
        return 200.0 - score if lower else score
    if method == "decile_points":
        base = table_values.dropna()
        signed = -base if lower else base
        edges = np.quantile(signed.to_numpy(), np.linspace(0.1, 0.9, 9)) if len(base) else np.array([])
        x = (-values if lower else values).to_numpy(dtype=float)
        decile = np.searchsorted(edges, x, side="right") + 1
        points = (decile - 5.5) * 20.0 / 9.0
        return pd.Series(np.where(np.isnan(x), np.nan, points), index=values.index)
    lo, hi = (float(ref_values.min()), float(ref_values.max())) if len(ref_values) else (np.nan, np.nan)
    if not hi > lo:
        return pd.Series(np.where(values.isna(), np.nan, 5.5), index=values.index)
    score = 1.0 + 9.0 * (values.clip(lo, hi) - lo) / (hi - lo)
    return 11.0 - score if lower else score


def _weighted_mean(frame: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Row-wise mean of ``frame`` weighted by ``weights`` (one per column), over the known values."""
    known = frame.notna().astype(float).mul(weights, axis=1)
    num = frame.fillna(0.0).mul(weights, axis=1).sum(axis=1)
    den = known.sum(axis=1)
    return (num / den).where(den > 0)


def computed_index(normalised: dict[str, pd.Series], indicators: dict[str, Indicator],
                   families: dict[str, Family] | None = None) -> pd.Series:  # fmt: skip
    """Weighted mean of the normalised indicators, over those known for each zone.

    With ``families``, the indicators are first averaged within their family (indicator weights),
    then the families are averaged (family weights), each over what is known for the zone: a zone
    missing a whole family is scored on the others, as La MedNum's index does for its axes.
    """
    if not normalised:
        return pd.Series(dtype=float)
    if families:
        scores = family_scores(normalised, indicators)
        weights = pd.Series({name: families[name].weight for name in scores.columns}, dtype=float)
        return _weighted_mean(scores, weights)
    frame = pd.DataFrame(normalised)
    weights = pd.Series({name: indicators[name].weight for name in frame.columns})
    return _weighted_mean(frame, weights)


def family_scores(normalised: dict[str, pd.Series], indicators: dict[str, Indicator]) -> pd.DataFrame:
    """One column per family: the weighted mean of its normalised indicators (same scale as them)."""
    frame = pd.DataFrame(normalised)
    out = {}
    for family in dict.fromkeys(indicators[n].family for n in frame.columns):
        cols = [n for n in frame.columns if indicators[n].family == family]
        weights = pd.Series({n: indicators[n].weight for n in cols})
        out[family] = _weighted_mean(frame[cols], weights)
    return pd.DataFrame(out, index=frame.index)


def rank_agreement(computed: pd.Series, published: pd.Series, groups: pd.Series,
                   min_zones: int = 5) -> dict:  # fmt: skip
    """Spearman rank correlation of two scores of the same zones, per group and over all.

    Parameters
    ----------
    computed, published : Series
        Scores indexed by zone (any scale: only the ranks count).
    groups : Series
        The group of each zone (e.g. its département).
    min_zones : int
        Groups with fewer zones holding both scores get no coefficient.

    Returns
    -------
    dict with ``all`` and ``by_group`` (group → ``{"rho", "n"}``), ``rho`` rounded to 3 decimals
    (``None`` when undefined, e.g. a constant score).
    """
    both = pd.DataFrame({"c": computed, "p": published, "g": groups}).dropna()

    def rho(frame: pd.DataFrame) -> dict:
        n = len(frame)
        if n < min_zones or frame["c"].nunique() < 2 or frame["p"].nunique() < 2:
            return {"rho": None, "n": n}
        value = _spearman(frame["c"].to_numpy(float), frame["p"].to_numpy(float))
        return {"rho": None if np.isnan(value) else round(float(value), 3), "n": n}

    by_group = {str(g): rho(f) for g, f in both.groupby("g", sort=True)}
    return {"all": rho(both), "by_group": by_group}


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho (scipy when installed; else the Pearson correlation of average ranks, the same value)."""
    try:
        from scipy.stats import spearmanr
    except ImportError:  # scipy is optional: pandas ranks give the same coefficient with ties averaged
        return float(pd.Series(a).rank().corr(pd.Series(b).rank()))
    return float(spearmanr(a, b).statistic)


def parse_values(payload: Payload, label: str, code_column: str, value_column: str, level: str,
                 problems: Problems) -> pd.Series:  # fmt: skip
    """Read a two-column use of a table: a Series of floats indexed by commune or IRIS code.

    ``level`` is ``"commune"`` (5-character INSEE codes) or ``"iris"`` (9 characters); rows with a
    bad code or a value that is not a number are rejected and reported.
    """
    code_col, value_col = squash(code_column), squash(value_column)
    table = read_table(payload, label, [code_col, value_col])
    width = 9 if level == "iris" else 5
    table["_code"] = pad_codes(table[code_col], width)
    values = numeric_column(table, value_col, label, problems, "_code", action="rejected")
    empty = table[value_col].astype(str).str.strip().eq("")
    if empty.sum() > MAX_EMPTY_LISTED:
        # National tables leave most small communes blank (statistical secrecy): one row says it.
        problems.add(label, f"{int(empty.sum())} rows have no value (blank in the source, e.g. statistical "
                     "secrecy); those zones have no value for this indicator", field=value_col,
                     action="left empty")  # fmt: skip
    else:
        problems.add_rows(label, table[empty], "no value", field=value_col, code_column="_code")
    pattern = IRIS_CODE if level == "iris" else r"^(?:\d{2}|2[AB])\d{3}$"
    bad = ~table["_code"].str.match(pattern)
    problems.add_rows(label, table[bad], f"not a valid {level} code", field=code_col,
                      value_column="_code", code_column="_code")  # fmt: skip
    keep = ~bad & values.notna()
    series = pd.Series(values[keep].to_numpy(), index=table.loc[keep, "_code"].to_numpy(), name=value_col)
    dup = series.index.duplicated()
    if dup.any():
        problems.add_rows(label, table[keep][dup], "the same code appears twice; the first row is kept",
                          field=code_col, code_column="_code")  # fmt: skip
    return series[~dup]


def reading(score: pd.Series, reference: str) -> pd.Series:
    """A plain-French reading of base-100 scores, e.g. "12 % au-dessus de la moyenne de la région"."""
    where = REFERENCE_TITLES.get(reference, reference)
    diff = (score - 100.0).round()
    text = np.where(diff > 0, diff.abs().astype("Int64").astype(str) + " % au-dessus de la moyenne " + where,
                    np.where(diff < 0, diff.abs().astype("Int64").astype(str) + " % en dessous de la moyenne "
                             + where, "dans la moyenne " + where))  # fmt: skip
    return pd.Series(np.where(score.isna(), None, text), index=score.index, dtype=object)
