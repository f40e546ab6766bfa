"""Find the same place seen by several sources and merge it into one venue with its provenance.

Method (close to linear in the number of records, never all pairs):

1. **Blocking.** Candidate pairs are (a) points within ``dedupe.distance_m`` metres of each other,
   found with an STRtree over a local metric plane, plus (b) records sharing a key: the same
   commune and folded name, the same commune and address, the same commune and SIRET, or the same
   long source id (data·inclusion re-publishes conseiller-numérique rows under their original id).
2. **Scoring.** Each pair gets a name score and an address score (rapidfuzz ``token_set_ratio``
   on folded text, 0–100) and a distance score (100 at 0 m, 0 at ``distance_m``), combined as
   0.45·name + 0.35·address + 0.20·distance (0.55/0.45 when a point is only commune-precise).
   The name score averages ``token_set_ratio`` and ``token_sort_ratio`` after removing network
   labels and legal forms ("France services", "commune de"). The same SIRET in the same commune
   adds 10; the same long source id scores 100. Two different communes, different house numbers,
   precise points farther apart than ``distance_m``, or (without a precise point) names scoring
   under 70 cap the score below the merge threshold: such pairs can only go to review.
3. **Decisions.** A manual ``same``/``different`` decision for a pair of ids (``decisions_file``)
   overrides the score. Pairs at or above ``merge_score`` are merged; pairs between
   ``review_score`` and ``merge_score`` are written to ``review_file`` for a human to decide.
4. **Merging.** Connected pairs form one venue: for single values the newest ``date_maj`` wins
   (older records fill its gaps), multi-valued fields are unioned, the most precise point is kept,
   ``nb_aidants`` is the largest count, and every member is listed in ``provenance``.

Two records of the same list (same harvester and upstream ``source``) merge only when they are
exact copies (same folded name and address): one publisher's list does not hold the same place
twice on purpose, so near matches within it go to review instead.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from .config import Dedupe
from .vocab import VOCABULARIES, fold

LIST_FIELDS = (*VOCABULARIES, "typologie", "courriels", "site_web")
# When members disagree on the id to keep, prefer the most official list (a stable choice).
ID_PRIORITY = ("france_services", "conseillers_numeriques", "aidants_connect", "data_inclusion",
               "francilin", "standard")  # fmt: skip
_ABBREVIATIONS = {"av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "r": "rue",
                  "pl": "place", "all": "allee", "imp": "impasse", "ch": "chemin", "che": "chemin",
                  "chem": "chemin", "rte": "route", "sq": "square", "fg": "faubourg", "st": "saint",
                  "ste": "sainte", "qu": "quai", "crs": "cours", "res": "residence"}  # fmt: skip
_STOPWORDS = {"de", "la", "le", "les", "du", "des", "d", "l", "et", "a", "au", "aux", "en"}
_PLACEHOLDER_PIVOT = "00000000000000"


@dataclass
class DedupeResult:
    venues: pd.DataFrame
    pairs: pd.DataFrame  # every scored candidate pair at or above review_score, with its decision
    merged_records: int  # records folded into another one


# Network labels and legal forms say nothing about which place it is: "COMMUNE DE EVRAN" and
# "France services d'Évran" are both "evran".
_GENERIC = re.compile(r"\b(?:(?:maison|espace|bus) )?france services?\b|\b(?:commune|ville) d(?:e)?\b")


def _fold_name(text: str | None) -> str:
    return " ".join(w for w in _GENERIC.sub(" ", fold(text)).split() if w not in _STOPWORDS)


def _fold_address(text: str | None) -> str:
    return " ".join(_ABBREVIATIONS.get(w, w) for w in fold(text or "").split() if w not in _STOPWORDS)


def _house_number(text: str) -> str | None:
    m = re.match(r"(\d+)", text)
    return m.group(1) if m else None


def _metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular metres: accurate to <1 % over a few hundred metres anywhere in France
    (including overseas, where Lambert-93 does not apply)."""
    return lon * np.cos(np.radians(lat)) * 111_320.0, lat * 110_574.0


def _key_pairs(keys: pd.Series, max_group: int = 30) -> np.ndarray:
    """All pairs of row positions sharing a non-null key (groups larger than ``max_group`` skipped)."""
    frame = pd.DataFrame({"key": keys.to_numpy(), "pos": np.arange(len(keys))}).dropna()
    frame = frame[frame.groupby("key")["pos"].transform("size").between(2, max_group)]
    if frame.empty:
        return np.empty((0, 2), dtype=np.int64)
    merged = frame.merge(frame, on="key")
    merged = merged[merged.pos_x < merged.pos_y]
    return merged[["pos_x", "pos_y"]].to_numpy(dtype=np.int64)


def candidate_pairs(df: pd.DataFrame, distance_m: float) -> np.ndarray:
    """Positions ``(i, j)``, ``i < j``, of records worth comparing (see module docstring)."""
    precise = df["geocode_precision"].ne("commune").to_numpy()
    x, y = _metric_xy(df["longitude"].to_numpy(float), df["latitude"].to_numpy(float))
    pos = np.flatnonzero(precise & ~np.isnan(x))
    parts = []
    if len(pos):
        points = shapely.points(x[pos], y[pos])
        tree = shapely.STRtree(points)
        a, b = tree.query(points, predicate="dwithin", distance=distance_m)
        keep = a < b
        parts.append(np.column_stack([pos[a[keep]], pos[b[keep]]]))
    commune = df["code_insee"]  # unknown communes form no block (they would join the whole country)
    pivot = df["pivot"].where(df["pivot"].ne(_PLACEHOLDER_PIVOT))
    sid = df["_sid"].where(df["_sid"].str.len().fillna(0) >= 8)
    for keys in (commune + "|" + df["_name"], commune + "|" + df["_address"], commune + "|" + pivot, sid):
        parts.append(_key_pairs(keys.where(keys.notna() & ~keys.str.endswith("|", na=False))))
    pairs = np.unique(np.vstack(parts), axis=0) if parts else np.empty((0, 2), np.int64)
    return pairs


def score_pairs(df: pd.DataFrame, pairs: np.ndarray, distance_m: float, merge_score: float) -> pd.DataFrame:
    """Sub-scores and combined score (0–100) of each candidate pair."""
    a, b = pairs[:, 0], pairs[:, 1]
    names, addresses = df["_name"].to_numpy(), df["_address"].to_numpy()
    # token_set alone scores a name contained in another at 100 ("vitry" ⊂ "mediatheque vitry");
    # averaging with token_sort keeps that a strong but not a decisive signal.
    name = (process.cpdist(names[a], names[b], scorer=fuzz.token_set_ratio, workers=-1)
            + process.cpdist(names[a], names[b], scorer=fuzz.token_sort_ratio, workers=-1)) / 2  # fmt: skip
    address = process.cpdist(addresses[a], addresses[b], scorer=fuzz.token_set_ratio, workers=-1)
    x, y = _metric_xy(df["longitude"].to_numpy(float), df["latitude"].to_numpy(float))
    dist = np.hypot(x[a] - x[b], y[a] - y[b])
    coarse = df["geocode_precision"].eq("commune").to_numpy()
    dist[coarse[a] | coarse[b]] = np.nan
    dist_score = np.clip(100 * (1 - dist / distance_m), 0, 100)
    score = np.where(
        np.isnan(dist), 0.55 * name + 0.45 * address, 0.45 * name + 0.35 * address + 0.20 * dist_score
    )
    pivot, commune = df["pivot"].to_numpy(), df["code_insee"].to_numpy()
    same_commune = commune[a] == commune[b]
    score = np.where(
        (pivot[a] == pivot[b]) & (pivot[a] != _PLACEHOLDER_PIVOT) & same_commune, score + 10, score
    )
    numbers = df["_number"].to_numpy()
    different_number = pd.notna(numbers[a]) & pd.notna(numbers[b]) & (numbers[a] != numbers[b])
    known = pd.notna(commune[a]) & pd.notna(commune[b])
    far = dist > distance_m  # NaN (no precise point) compares False
    weak_name_without_point = np.isnan(dist) & (name < 70)
    cap = (known & ~same_commune) | different_number | far | weak_name_without_point
    score = np.where(cap, np.minimum(score, merge_score - 1), score)
    sid = df["_sid"].to_numpy()
    same_id = (sid[a] == sid[b]) & (df["_sid"].str.len().to_numpy()[a] >= 8)
    score = np.where(same_id, 100.0, np.minimum(score, 100.0))
    # One publisher's list does not hold the same place twice on purpose: within one list, only
    # exact copies (same folded name and address) may merge.
    lists = _list_keys(df)
    same_list = lists[a] == lists[b]
    exact = (names[a] == names[b]) & (addresses[a] == addresses[b])
    score = np.where(same_list & ~exact, np.minimum(score, merge_score - 1), score)
    ids = df["id"].to_numpy()
    return pd.DataFrame({
        "pos_a": a, "pos_b": b, "id_a": ids[a], "id_b": ids[b],
        "nom_a": df["nom"].to_numpy()[a], "nom_b": df["nom"].to_numpy()[b],
        "adresse_a": df["adresse"].to_numpy()[a], "adresse_b": df["adresse"].to_numpy()[b],
        "name_score": name.round(1), "address_score": address.round(1),
        "distance_m": np.round(dist, 1), "score": np.round(score, 1),
    })  # fmt: skip


def load_decisions(path: Path) -> dict[frozenset[str], str]:
    """Manual decisions: a CSV with columns ``id_a,id_b,decision`` (``same`` or ``different``)."""
    if not path.is_file():
        return {}
    decisions = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            decision = (row.get("decision") or "").strip().lower()
            if decision in ("same", "different") and row.get("id_a") and row.get("id_b"):
                decisions[frozenset((row["id_a"].strip(), row["id_b"].strip()))] = decision
    return decisions


def _clusters(n: int, pairs: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """Label of each record's cluster, joining ``pairs`` best first (union-find).

    Two clusters are not joined if both hold a record of the same list (``lists``): a chain
    A–B–C must not fold two distinct entries of one publisher's list through a third record.
    Exact copies within one list are joined directly beforehand by the caller's pairs order.
    """
    parent = np.arange(n)
    members: dict[int, set] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        left, right = members.get(ri, {lists[ri]}), members.get(rj, {lists[rj]})
        if left & right and lists[i] != lists[j]:
            continue
        keep, drop = min(ri, rj), max(ri, rj)
        parent[drop] = keep
        members[keep] = left | right
        members.pop(drop, None)
    return np.array([root(i) for i in range(n)])


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``records`` with the folded keys the blocking and scoring use (``_`` columns)."""
    df = records.reset_index(drop=True).copy()
    df["_name"] = df["nom"].map(_fold_name)
    df["_address"] = df["adresse"].map(_fold_address)
    df["_number"] = df["_address"].map(_house_number)
    # An id re-published by an aggregator keeps its original after the "<upstream>--" prefix.
    df["_sid"] = df["source_id"].astype(str).str.rsplit("--", n=1).str[-1]
    return df


def deduplicate(records: pd.DataFrame, config: Dedupe, decisions: dict | None = None) -> DedupeResult:
    """Merge duplicates of ``records`` (one row per source record) into venues."""
    df = prepare(records)
    pairs = candidate_pairs(df, config.distance_m)
    scored = score_pairs(df, pairs, config.distance_m, config.merge_score)
    decisions = decisions or {}
    manual = [decisions.get(frozenset(p)) for p in zip(scored["id_a"], scored["id_b"], strict=True)]
    scored["decision"] = np.select(
        [
            pd.Series(manual).eq("same"),
            pd.Series(manual).eq("different"),
            scored["score"] >= config.merge_score,
        ],
        ["same (manual)", "different (manual)", "merged"],
        default="to review",
    )
    merge = scored["decision"].isin(["same (manual)", "merged"]).to_numpy()
    # Manual decisions first, then the best scores: the strongest evidence shapes each cluster.
    chosen = scored[merge]
    order = chosen.assign(_manual=chosen["decision"].eq("same (manual)"))
    order = order.sort_values(["_manual", "score"], ascending=False)
    lists = _list_keys(df)
    labels = _clusters(len(df), order[["pos_a", "pos_b"]].to_numpy(dtype=np.int64), lists)
    df["_cluster"] = labels
    venues = _merge(df)
    review = scored[(scored["score"] >= config.review_score) | scored["decision"].str.contains("manual")]
    return DedupeResult(venues, review.drop(columns=["pos_a", "pos_b"]), len(df) - len(venues))


_PROVENANCE_KEYS = ("harvester", "source_id", "source", "upstream", "source_kind", "source_vintage", "date_maj",
                    "harvested_at")  # fmt: skip


def _list_keys(df: pd.DataFrame) -> np.ndarray:
    """Which publisher's list each record comes from: harvester, upstream dataset, ``source``."""
    upstream = df["upstream"].astype(object).fillna("").astype(str) if "upstream" in df.columns else ""
    return (df["harvester"] + "|" + upstream + "|" + df["source"].map(fold)).to_numpy()


def _provenance(rec: dict) -> dict:
    return {k: rec.get(k) for k in _PROVENANCE_KEYS}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _merge(df: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster. Plain dicts here: per-group pandas calls would dominate the run time."""
    columns = [c for c in df.columns if not c.startswith("_")]
    if df.empty:
        return pd.DataFrame(columns=columns)
    order = df.sort_values(["_cluster", "date_maj"], ascending=[True, False], na_position="last")
    labels = order["_cluster"].to_numpy()
    rows = order[columns].to_dict("records")
    out: list[dict] = []
    start = 0
    for end in [*np.flatnonzero(labels[1:] != labels[:-1]) + 1, len(rows)]:
        group = rows[start:end]
        start = end
        if len(group) == 1:
            rec = group[0]
            rec.update(sources=rec["harvester"], source_ids=rec["id"],
                       provenance=json.dumps([_provenance(rec)], ensure_ascii=False))  # fmt: skip
            out.append(rec)
        else:
            out.append(_merge_group(group, columns))
    return pd.DataFrame(out, columns=columns).sort_values("id", ignore_index=True)


def _merge_group(group: list[dict], columns: list[str]) -> dict:
    """Merge records of one place, ``group`` sorted newest ``date_maj`` first."""
    merged = dict(group[0])
    for col in columns:
        if col in LIST_FIELDS:
            values = [v for rec in group if not _missing(rec.get(col)) for v in str(rec[col]).split("|") if v]
            merged[col] = "|".join(dict.fromkeys(values)) or None
        elif _missing(merged.get(col)):
            merged[col] = next((rec[col] for rec in group if not _missing(rec.get(col))), None)
    precise = [r for r in group if (r.get("geocode_precision") or "source") != "commune"] or group
    for col in ("latitude", "longitude", "geocode_precision", "geocode_score", "code_insee"):
        merged[col] = precise[0].get(col)

    def rank(rec: dict) -> tuple[int, str]:
        h = rec["harvester"]
        return (ID_PRIORITY.index(h) if h in ID_PRIORITY else len(ID_PRIORITY), rec["id"])

    merged["id"] = min(group, key=rank)["id"]
    counts = [r["nb_aidants"] for r in group if not _missing(r.get("nb_aidants"))]
    merged["nb_aidants"] = max(counts) if counts else None
    merged["sources"] = "|".join(sorted({r["harvester"] for r in group}))
    merged["source_ids"] = "|".join(r["id"] for r in group)
    merged["provenance"] = json.dumps([_provenance(r) for r in group], ensure_ascii=False)
    return merged
