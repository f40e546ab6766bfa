"""Classes for choropleth maps and legends (mapclassify), with a plain-French reading of each.

``quantiles`` puts the same number of zones in each class (good for ranking zones of one
territory); ``natural_breaks`` uses Fisher–Jenks optimal breaks (deterministic, unlike k-means
based natural breaks), which follow gaps in the values.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import jenkspy
import mapclassify
import numpy as np
import pandas as pd

LEVELS_FR = {
    2: ["faible", "élevée"],
    3: ["faible", "moyenne", "élevée"],
    4: ["faible", "plutôt faible", "plutôt élevée", "élevée"],
    5: ["très faible", "faible", "moyenne", "élevée", "très élevée"],
    6: ["très faible", "faible", "plutôt faible", "plutôt élevée", "élevée", "très élevée"],
    7: ["très faible", "faible", "plutôt faible", "moyenne", "plutôt élevée", "élevée", "très élevée"],
}
LEVELS_EN = {
    2: ["low", "high"],
    3: ["low", "medium", "high"],
    4: ["low", "fairly low", "fairly high", "high"],
    5: ["very low", "low", "medium", "high", "very high"],
    6: ["very low", "low", "fairly low", "fairly high", "high", "very high"],
    7: ["very low", "low", "fairly low", "medium", "fairly high", "high", "very high"],
}
METHOD_TITLES = {"quantiles": "quantiles (même nombre de zones par classe)",
                 "natural_breaks": "seuils naturels (Fisher-Jenks)"}  # fmt: skip


@dataclass
class Classes:
    """The classes of one variable: a class number per zone (1 = least fragile) and the legend."""

    number: pd.Series  # Int64, 1..k, <NA> where the value is unknown
    label: pd.Series  # "Fragilité très élevée"…
    breaks: list[float]  # upper bound of each class
    labels_fr: list[str]
    labels_en: list[str]
    method: str

    def legend(self) -> list[dict]:
        """One entry per class: number, labels and value range (for map legends and metadata)."""
        if not self.breaks:
            return []
        lows = [None, *self.breaks[:-1]]
        return [{"class": i + 1, "label_fr": fr, "label_en": en, "min": lo, "max": hi}
                for i, (fr, en, lo, hi) in enumerate(zip(self.labels_fr, self.labels_en, lows, self.breaks, strict=True))]  # fmt: skip


def level_words(k: int) -> tuple[list[str], list[str]]:
    """Words for k ordered classes, in French and English."""
    if k in LEVELS_FR:
        return LEVELS_FR[k], LEVELS_EN[k]
    return ([f"classe {i} sur {k}" for i in range(1, k + 1)], [f"class {i} of {k}" for i in range(1, k + 1)])


def classify(values: pd.Series, method: str = "quantiles", k: int = 5, noun: str = "Fragilité",
             noun_en: str = "fragility") -> Classes:  # fmt: skip
    """Classify ``values`` into ``k`` ordered classes (fewer if there are fewer distinct values).

    Parameters
    ----------
    values : Series
        The scores (NaN allowed: those zones get no class).
    method : {"quantiles", "natural_breaks"}
    k : int
        Wanted number of classes.
    """
    known = values.dropna().astype(float)
    number = pd.Series(pd.NA, index=values.index, dtype="Int64")
    label = pd.Series(None, index=values.index, dtype=object)
    k = min(k, known.nunique())
    if k < 2:
        words = (["unique"], ["single"]) if k == 1 else ([], [])
        if k == 1:
            number[known.index] = 1
            label[known.index] = f"{noun} : une seule valeur"
        return Classes(number, label, [float(known.max())] if k else [], *words, method)
    y = known.to_numpy()
    if method == "natural_breaks":
        # Fisher-Jenks breaks from jenkspy (C, milliseconds for thousands of IRIS; mapclassify's
        # pure-Python FisherJenks takes seconds without numba), binned by mapclassify.
        breaks = jenkspy.jenks_breaks(y, n_classes=k)
        scheme = mapclassify.UserDefined(y, bins=sorted(set(float(b) for b in breaks[1:])))
    else:
        with warnings.catch_warnings():  # ties: mapclassify lowers k itself and says so; the legend shows it
            warnings.simplefilter("ignore", UserWarning)
            scheme = mapclassify.Quantiles(y, k=k)
    bins = [float(b) for b in np.asarray(scheme.bins)]
    k = len(bins)
    fr, en = level_words(k)
    number[known.index] = np.asarray(scheme.yb) + 1
    label[known.index] = [f"{noun} {fr[c]}" for c in scheme.yb]
    return Classes(number, label, bins, [f"{noun} {w}" for w in fr], [f"{w.capitalize()} {noun_en}" for w in en], method)
