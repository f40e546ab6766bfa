"""Find the same place seen by several sources and merge it into one venue with its provenance.

Method (close to linear in the number of records, never all pairs):

1. **Blocking.** Candidate pairs are (a) precise points within ``dedupe.distance_m`` metres of each
   other, found with an STRtree over a local metric plane, plus (b) records sharing a key: the same
   commune and name, commune and address, commune and SIRET, the same long source id
   (data·inclusion re-publishes conseiller-numérique rows under their original id), and the same
   house number and street word in the same commune (INSEE code) or postcode. The last keys let
   records placed only at their commune's centre meet records of the same address, and a record
   whose stray point re-coded its commune meet the others of its address.
2. **Scoring.** Each pair gets a name score, an address score and a distance score (0–100),
   combined as 0.45·name + 0.35·address + 0.20·distance, or 0.55·name + 0.45·address when a point
   is only commune-precise, or geocoded farther than ``distance_m`` on an address both records
   share (the geocoder may have placed the street, not the house). Names are compared on their
   identifying words (:mod:`inclusion_map.names`: acronyms expanded, the commune's own name, filler
   words and legal forms removed, sorted); the « France services » label counts as a shared word
   when both names carry it and is dropped otherwise. The address score is 100 when the house
   number and the street agree (the street's type, a first name or a complement may differ).
   Strong signals then lift the score to 95:

   - *hosted*: precise points less than :data:`SAME_POINT_M` apart, the same number and street,
     and one name contained in the other or one name being only the label (a France services
     centre listed by another source under the name of the building that hosts it);
   - *point conflict*: the same name, the same number and street and the same postcode, with
     points farther apart than ``distance_m``, for fixed places: one of the points is wrong. The
     merged venue keeps the point and commune its postcode points to, and says so
     (``point_conflict``) when the points are more than :data:`CONFLICT_M` apart.

   Caps keep look-alikes apart: two different communes, different house numbers, precise points
   farther apart than ``distance_m`` (except a point conflict), or a name scoring under 70 without
   a usable distance (except hosted) keep the score below the merge threshold. The same SIRET in
   the same commune adds 10; the same long source id scores 100.
3. **Decisions.** A manual ``same``/``different`` decision for a pair of ids (``decisions_file``)
   overrides the score; the pairs it names are compared even if no block brings them. Pairs at or
   above ``merge_score`` are merged; pairs between ``review_score`` and ``merge_score`` are written
   to ``review_file`` for a human to decide, with their signals and ``point_conflict``.
4. **Merging.** Connected pairs form one venue, joined strongest first (manual decisions, exact
   copies within one list and re-published ids, then by score): for single values the newest
   ``date_maj`` wins (older records fill its gaps), multi-valued fields are unioned, the most
   precise point is kept with its commune (never a stray point of a conflict), ``nb_aidants`` is the
   largest count, and every member is listed in ``provenance``.

Two records of the same list (same harvester and upstream ``source``) merge only when they are
exact copies (same name, commune included, and address): one publisher's list does not hold the
same place twice on purpose, so near matches within it go to review instead.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from .config import Dedupe
from .names import LABEL_TOKEN, address_parts, fold_values, name_parts
from .vocab import VOCABULARIES

LIST_FIELDS = (*VOCABULARIES, "typologie", "courriels", "site_web")
# When members disagree on the id to keep, prefer the most official list (a stable choice).
ID_PRIORITY = ("france_services", "conseillers_numeriques", "aidants_connect", "data_inclusion",
               "francilin", "standard")  # fmt: skip
_PLACEHOLDER_PIVOT = "00000000000000"
#: the score of a pair carrying a strong signal (hosted, point conflict): above any usual threshold
STRONG_SCORE = 95.0
#: points of one address farther apart than this are reported as a point conflict
CONFLICT_M = 1000.0
#: points this close are the same point (sources round coordinates to 5 or 6 decimals)
SAME_POINT_M = 3.0
# A point from the geocoder or copied from another source's record of the same address.
_GEOCODED = ("adresse", "adresse d'une autre source")
_POINT_COLUMNS = ("latitude", "longitude", "geocode_precision", "geocode_score", "code_insee", "commune")


@dataclass
class DedupeResult:
    venues: pd.DataFrame
    pairs: pd.DataFrame  # every scored candidate pair at or above review_score, with its decision
    merged_records: int  # records folded into another one


def _metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular metres: accurate to <1 % over a few hundred metres anywhere in France
    (including overseas, where Lambert-93 does not apply)."""
    return lon * np.cos(np.radians(lat)) * 111_320.0, lat * 110_574.0


def _key_pairs(keys: pd.Series, positions: np.ndarray | None = None, max_group: int = 30) -> np.ndarray:
    """All pairs of row positions sharing a non-null key (groups larger than ``max_group`` skipped).

    ``positions`` gives each key's row when a row has several keys (default: ``0…len(keys)-1``).
    """
    pos = np.arange(len(keys)) if positions is None else positions
    frame = pd.DataFrame({"key": keys.to_numpy(), "pos": pos}).dropna().drop_duplicates()
    frame = frame[frame.groupby("key")["pos"].transform("size").between(2, max_group)]
    if frame.empty:
        return np.empty((0, 2), dtype=np.int64)
    merged = frame.merge(frame, on="key")
    merged = merged[merged.pos_x < merged.pos_y]
    return merged[["pos_x", "pos_y"]].to_numpy(dtype=np.int64)


def _street_keys(df: pd.DataFrame, area: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """One key ``area|number|word`` per word of each record's street, with the record's position.

    A key per word, not per street, so that « victor schoelcher » meets « schoelcher » and
    « ferme residence … » meets « ferme »; scoring then checks the whole street.
    """
    ok = (df["_number"].notna() & df["_street"].ne("") & area.notna()).to_numpy()
    words = df["_street"][ok].str.split().explode()
    positions = words.index.to_numpy(dtype=np.int64)
    prefix = (area[ok] + "|" + df["_number"][ok] + "|").reindex(words.index)
    return prefix + words, positions


def candidate_pairs(df: pd.DataFrame, distance_m: float) -> np.ndarray:
    """Positions ``(i, j)``, ``i < j``, of records worth comparing (see module docstring).

    ``df`` comes from :func:`prepare`.
    """
    x, y = _metric_xy(df["longitude"].to_numpy(float), df["latitude"].to_numpy(float))
    pos = np.flatnonzero(~df["_coarse"].to_numpy() & ~np.isnan(x))
    parts = []
    if len(pos):
        points = shapely.points(x[pos], y[pos])
        tree = shapely.STRtree(points)
        a, b = tree.query(points, predicate="dwithin", distance=distance_m)
        keep = a < b
        parts.append(np.column_stack([pos[a[keep]], pos[b[keep]]]))
    # Unknown communes form no block (they would join the whole country); object dtype, so that an
    # all-empty column (a float one) still joins text.
    commune = df["code_insee"].astype(object)
    pivot = df["pivot"].where(df["pivot"].ne(_PLACEHOLDER_PIVOT))
    sid = df["_sid"].where(df["_sid"].str.len().fillna(0) >= 8)
    name_key = df["_name"].where(~df["_generic"], df["_full"])
    for keys in (commune + "|" + name_key, commune + "|" + df["_address"], commune + "|" + pivot, sid):
        parts.append(_key_pairs(keys.where(keys.notna() & ~keys.str.endswith("|", na=False))))
    postcode = df["code_postal"].astype(object).where(df["code_postal"].astype(str).str.len().eq(5))
    for area in (commune, postcode):
        parts.append(_key_pairs(*_street_keys(df, area)))
    parts = [p for p in parts if len(p)]
    return np.unique(np.vstack(parts), axis=0) if parts else np.empty((0, 2), np.int64)


def _similarity(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Name similarity of each pair and its ``token_set`` part (100: one word set holds the other).

    ``token_set`` alone scores a name contained in another at 100 ("vitry" ⊂ "mediatheque vitry");
    averaging with ``token_sort`` keeps that a strong but not a decisive signal.
    """
    if not len(left):
        return np.empty(0), np.empty(0)
    token_set = process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=-1)
    token_sort = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=-1)
    return (token_set + token_sort) / 2, token_set


def _name_scores(df: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name score and ``token_set`` part of each pair, and whether both names carry the label."""
    label, generic = df["_label"].to_numpy(), df["_generic"].to_numpy()
    words, full, labelled = df["_name"].to_numpy(), df["_full"].to_numpy(), df["_labelled"].to_numpy()
    both_label = label[a] & label[b]
    # A name that is only a label and the commune (« Commune de Vitry », « France services
    # Athis-Mons ») is compared with its commune kept: that is all it says.
    fallback = (generic[a] | generic[b]) & ~both_label
    left = np.where(both_label, labelled[a], np.where(fallback, full[a], words[a]))
    right = np.where(both_label, labelled[b], np.where(fallback, full[b], words[b]))
    name, token_set = _similarity(left, right)
    return name, token_set, both_label


def score_pairs(df: pd.DataFrame, pairs: np.ndarray, distance_m: float, merge_score: float) -> pd.DataFrame:
    """Sub-scores, signals and combined score (0–100) of each candidate pair (``df`` from :func:`prepare`)."""
    a, b = pairs[:, 0], pairs[:, 1]
    name, name_set, both_label = _name_scores(df, a, b)
    addresses = df["_address"].to_numpy()
    address = process.cpdist(addresses[a], addresses[b], scorer=fuzz.token_set_ratio, workers=-1)
    commune, postcode = df["code_insee"].to_numpy(), df["code_postal"].to_numpy()
    known = pd.notna(commune[a]) & pd.notna(commune[b])
    same_commune = known & (commune[a] == commune[b])
    same_postcode = pd.notna(postcode[a]) & (postcode[a] == postcode[b])
    # Same house number and street, however written (type, first name, complement may differ).
    numbers, streets = df["_number"].to_numpy(), df["_street"].to_numpy()
    same_number = pd.notna(numbers[a]) & (numbers[a] == numbers[b])
    different_number = pd.notna(numbers[a]) & pd.notna(numbers[b]) & (numbers[a] != numbers[b])
    check = np.flatnonzero(same_number & (streets[a] != "") & (streets[b] != ""))
    street = np.zeros(len(a))
    if len(check):
        street[check] = process.cpdist(streets[a[check]], streets[b[check]], scorer=fuzz.token_set_ratio,
                                       workers=-1)  # fmt: skip
    street_text = street >= 90
    same_street = street_text & (same_commune | (~known & same_postcode))
    address = np.where(same_street, 100.0, address)

    x, y = _metric_xy(df["longitude"].to_numpy(float), df["latitude"].to_numpy(float))
    dist = np.hypot(x[a] - x[b], y[a] - y[b])
    coarse, geocoded = df["_coarse"].to_numpy(), df["_geocoded"].to_numpy()
    dist[coarse[a] | coarse[b]] = np.nan
    dist_score = np.clip(100 * (1 - dist / distance_m), 0, 100)
    # No usable distance: a point only at its commune, or a geocoded point far along the street of
    # an address both records share (the geocoder may place the street, not the house).
    loose = np.isnan(dist) | (same_street & (geocoded[a] | geocoded[b]) & (dist > distance_m))
    score = np.where(loose, 0.55 * name + 0.45 * address, 0.45 * name + 0.35 * address + 0.20 * dist_score)
    pivot = df["pivot"].to_numpy()
    same_siret = (pivot[a] == pivot[b]) & (pivot[a] != _PLACEHOLDER_PIVOT) & pd.notna(pivot[a])
    score = np.where(same_siret & same_commune, score + 10, score)

    label_only = df["_label"].to_numpy() & df["_generic"].to_numpy()
    itinerant = df["_itinerant"].to_numpy()
    same_point = dist <= SAME_POINT_M
    hosted = (same_street & same_point & ((name_set >= 100) | label_only[a] | label_only[b])
              & ~itinerant[a] & ~itinerant[b])  # fmt: skip
    conflict = (same_postcode & street_text & (name >= 95) & (dist > distance_m)
                & ~itinerant[a] & ~itinerant[b])  # fmt: skip
    score = np.where(hosted | conflict, np.maximum(score, STRONG_SCORE), score)

    far = (dist > distance_m) & ~loose & ~conflict  # NaN (no precise point) compares False
    weak_name = loose & (name < 70) & ~hosted
    cap = (known & ~same_commune & ~conflict) | different_number | far | weak_name
    score = np.where(cap, np.minimum(score, merge_score - 1), score)
    sid = df["_sid"].to_numpy()
    same_id = (sid[a] == sid[b]) & (df["_sid"].str.len().to_numpy()[a] >= 8)
    score = np.where(same_id, 100.0, np.minimum(score, 100.0))
    # One publisher's list does not hold the same place twice on purpose: within one list, only
    # exact copies (same name, commune included, and address) may merge.
    lists, full = df["_list"].to_numpy(), df["_full"].to_numpy()
    exact = (full[a] == full[b]) & (addresses[a] == addresses[b])
    same_list = lists[a] == lists[b]
    score = np.where(same_list & ~exact, np.minimum(score, merge_score - 1), score)
    ids = df["id"].to_numpy()
    return pd.DataFrame({
        "pos_a": a, "pos_b": b, "id_a": ids[a], "id_b": ids[b],
        "nom_a": df["nom"].to_numpy()[a], "nom_b": df["nom"].to_numpy()[b],
        "adresse_a": df["adresse"].to_numpy()[a], "adresse_b": df["adresse"].to_numpy()[b],
        "name_score": name.round(1), "address_score": address.round(1),
        "distance_m": np.round(dist, 1), "score": np.round(score, 1),
        "same_street": same_street, "same_point": same_point, "both_label": both_label, "hosted": hosted,
        "conflict": conflict, "certain": (same_list & exact) | same_id,
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


def _by_value(function, *columns: np.ndarray) -> list:
    """``function`` applied once per distinct tuple of values, mapped back to every row."""
    keys = list(zip(*columns, strict=True))
    cache = {k: function(*k) for k in dict.fromkeys(keys)}
    return [cache[k] for k in keys]


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``records`` with the folded keys the blocking and scoring use (``_`` columns)."""
    df = records.reset_index(drop=True).copy()

    def column(values: list) -> pd.Series:  # object dtype, even when there is no record
        return pd.Series(values, index=df.index, dtype=object)

    parts = _by_value(name_parts, fold_values(df["nom"]), fold_values(df["commune"]))
    df["_name"] = column([p.words for p in parts])
    df["_full"] = column([p.full for p in parts])
    df["_label"] = np.array([p.label for p in parts], dtype=bool)
    df["_generic"] = df["_name"].eq("").to_numpy(dtype=bool)
    df["_labelled"] = (df["_name"] + " " + LABEL_TOKEN).str.strip()
    addresses = _by_value(address_parts, fold_values(df["adresse"]))
    df["_address"] = column([p.text for p in addresses])
    df["_number"] = column([p.number for p in addresses])
    df["_street"] = column([p.street for p in addresses])
    precision = df["geocode_precision"]
    df["_coarse"] = precision.eq("commune").to_numpy()
    df["_geocoded"] = precision.isin(_GEOCODED).to_numpy()
    df["_itinerant"] = df["itinerance"].astype(str).str.contains("Itin", na=False).to_numpy()
    # An id re-published by an aggregator keeps its original after the "<upstream>--" prefix.
    df["_sid"] = df["source_id"].astype(str).str.rsplit("--", n=1).str[-1]
    df["_list"] = _list_keys(df)
    return df


def deduplicate(records: pd.DataFrame, config: Dedupe, decisions: dict | None = None) -> DedupeResult:
    """Merge duplicates of ``records`` (one row per source record) into venues.

    Parameters
    ----------
    records : DataFrame
        Placed source records in the pipeline's columns (``code_insee`` and ``geocode_precision``
        filled by :func:`inclusion_map.locate.place`).
    config : Dedupe
        Distances and thresholds.
    decisions : dict, optional
        Manual decisions from :func:`load_decisions`.

    Returns
    -------
    DedupeResult
        The venues (with ``point_conflict`` where the members' points disagree), the pairs at or
        above ``review_score`` or decided by hand (with their signals), and the merged count.
    """
    df = prepare(records)
    decisions = decisions or {}
    pairs = _with_decided(candidate_pairs(df, config.distance_m), df, decisions)
    scored = score_pairs(df, pairs, config.distance_m, config.merge_score)
    keys = zip(scored["id_a"], scored["id_b"], strict=True)
    manual = pd.Series([decisions.get(frozenset(p)) for p in keys], dtype=object)
    scored["decision"] = np.select(
        [manual.eq("same"), manual.eq("different"), scored["score"] >= config.merge_score],
        ["same (manual)", "different (manual)", "merged"],
        default="to review",
    )
    merge = scored["decision"].isin(["same (manual)", "merged"]).to_numpy()
    # Manual decisions first, then copies within one list and ids re-published by an aggregator
    # (so that a third record joins them all, rather than one of them shutting the others out),
    # then the best scores: the strongest evidence shapes each cluster.
    chosen = scored[merge]
    order = chosen.assign(_manual=chosen["decision"].eq("same (manual)"))
    order = order.sort_values(["_manual", "certain", "score"], ascending=False, kind="stable")
    labels = _clusters(len(df), order[["pos_a", "pos_b"]].to_numpy(dtype=np.int64), df["_list"].to_numpy())
    df["_cluster"] = labels
    scored["point_conflict"] = _point_conflicts(df, scored, merge)
    venues = _merge(df)
    review = scored[(scored["score"] >= config.review_score) | scored["decision"].str.contains("manual")]
    review = review.assign(signals=_signals(review))
    review = review.drop(
        columns=["pos_a", "pos_b", "same_street", "same_point", "both_label", "hosted", "conflict", "certain"]
    )
    return DedupeResult(venues, review, len(df) - len(venues))


def _with_decided(pairs: np.ndarray, df: pd.DataFrame, decisions: dict) -> np.ndarray:
    """``pairs`` plus the pairs of records a manual decision names, compared or not: a decision
    taken on an earlier harvest's pair holds even if the blocking no longer brings it."""
    position = dict(zip(df["id"], range(len(df)), strict=True))
    decided = [sorted(position[i] for i in key) for key in decisions
               if len(key) == 2 and all(i in position for i in key)]  # fmt: skip
    if not decided:
        return pairs
    return np.unique(np.vstack([pairs.reshape(-1, 2), np.array(decided, dtype=np.int64)]), axis=0)


def _home_communes(df: pd.DataFrame) -> pd.Series:
    """The commune most records of each postcode are placed in (none when two tie).

    Stands for the source's commune, which a stray point re-codes: a postcode is the address's
    own statement of where it is.
    """
    counts = df.groupby(["code_postal", "code_insee"]).size().rename("n").reset_index()
    top = counts[counts["n"] == counts.groupby("code_postal")["n"].transform("max")]
    winners = top[~top["code_postal"].duplicated(keep=False)]
    return winners.set_index("code_postal")["code_insee"]


def _departement_agrees(commune: str | None, postcode: str | None) -> bool:
    """Whether commune ``commune`` lies in the département its ``postcode`` begins with."""
    if not (isinstance(commune, str) and isinstance(postcode, str)):
        return False
    return commune[:2] == postcode[:2] or (commune[:2] in ("2A", "2B") and postcode[:2] == "20")


def _point_conflicts(df: pd.DataFrame, scored: pd.DataFrame, merge: np.ndarray) -> np.ndarray:
    """The point-conflict note of each pair (``""`` for none), and the stray members of ``df``.

    Of two merged records whose points are more than :data:`CONFLICT_M` apart, one is *stray*
    when its commune is not the one its postcode points to (the postcode's département, else the
    commune most records of that postcode lie in) while the other's is: the merged venue keeps
    the other point and its commune. Sets ``df``'s ``_stray``, ``_conflict_km`` and, on stray
    records, ``point_conflict``.
    """
    notes = np.full(len(scored), "", dtype=object)
    df["point_conflict"] = None
    df["_stray"] = False
    df["_conflict_km"] = 0.0
    flagged = np.flatnonzero(scored["conflict"].to_numpy() & (scored["distance_m"].to_numpy() > CONFLICT_M))
    if not len(flagged):
        return notes
    home = _home_communes(df)
    commune, postcode = df["code_insee"].to_numpy(), df["code_postal"].to_numpy()
    labels = df["_cluster"].to_numpy()
    for k in flagged:
        i, j = int(scored["pos_a"].iat[k]), int(scored["pos_b"].iat[k])
        km = scored["distance_m"].iat[k] / 1000
        notes[k] = f"points {km:.1f} km apart ({commune[i]} / {commune[j]})"
        if not (merge[k] and labels[i] == labels[j]):
            continue
        df.loc[[i, j], "_conflict_km"] = np.maximum(df.loc[[i, j], "_conflict_km"], km)
        agrees = {m: _departement_agrees(commune[m], postcode[m]) for m in (i, j)}
        if agrees[i] == agrees[j]:  # both in the postcode's département (or neither): ask the postcode
            expected = home.get(postcode[i])
            agrees = {m: commune[m] == expected for m in (i, j)}
        for stray, kept in ((i, j), (j, i)):
            if agrees[kept] and not agrees[stray]:
                df.loc[stray, "_stray"] = True
                df.loc[stray, "point_conflict"] = (
                    f"point {km:.1f} km from the venue's, in commune {commune[stray]}; the address's "
                    f"postcode {postcode[stray]} is that of {commune[kept]}"
                )
    return notes


def _signals(pairs: pd.DataFrame) -> pd.Series:
    """A short text of the strong signals of each pair, for the review file."""
    text = pd.Series("", index=pairs.index, dtype=object)
    for column, words in (("same_street", "same number and street"), ("same_point", "same point"),
                          ("both_label", "both France services"), ("hosted", "hosted"),
                          ("conflict", "point conflict")):  # fmt: skip
        text = text.where(~pairs[column].astype(bool), text + "; " + words)
    return text.str.removeprefix("; ")


_PROVENANCE_KEYS = ("harvester", "source_id", "source", "upstream", "source_kind", "source_vintage",
                    "date_maj", "harvested_at")  # fmt: skip


def _list_keys(df: pd.DataFrame) -> np.ndarray:
    """Which publisher's list each record comes from: harvester, upstream dataset, ``source``."""
    upstream = df["upstream"].astype(object).fillna("").astype(str) if "upstream" in df.columns else ""
    return (df["harvester"] + "|" + upstream + "|" + fold_values(df["source"])).to_numpy()


def _provenance(rec: dict) -> dict:
    entry = {k: rec.get(k) for k in _PROVENANCE_KEYS}
    if rec.get("point_conflict"):
        entry["point_conflict"] = rec["point_conflict"]
    return entry


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Rows of ``frame`` as dicts of Python values: ``to_dict("records")``, several times faster."""
    arrays = [frame[c].to_numpy(dtype=object) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*arrays, strict=True)]


def _merge(df: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster.

    A record alone in its cluster is copied as it is, column by column; the members of the other
    clusters are merged as plain dicts (per-group pandas calls would dominate the run time).
    """
    columns = [c for c in df.columns if not c.startswith("_")]
    if df.empty:
        return pd.DataFrame(columns=columns)
    alone = ~df["_cluster"].duplicated(keep=False).to_numpy()
    single = df.loc[alone, columns].copy()
    keys = [k for k in (*_PROVENANCE_KEYS, "point_conflict") if k in df.columns]
    single["sources"], single["source_ids"] = single["harvester"], single["id"]
    single["provenance"] = [json.dumps([_provenance(rec)], ensure_ascii=False)
                            for rec in _records(single, keys)]  # fmt: skip
    order = df[~alone].sort_values(["_cluster", "date_maj"], ascending=[True, False], na_position="last")
    labels = order["_cluster"].to_numpy()
    rows = _records(order, [*columns, "_stray", "_conflict_km"])
    out: list[dict] = []
    start = 0
    for end in [*np.flatnonzero(labels[1:] != labels[:-1]) + 1, len(rows)] if rows else []:
        out.append(_merge_group(rows[start:end], columns))
        start = end
    merged = pd.DataFrame(out, columns=columns)
    frames = [f for f in (single, merged) if len(f)]
    return pd.concat(frames, ignore_index=True).sort_values("id", ignore_index=True)


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
    settled = [r for r in precise if not r.get("_stray")] or precise
    for col in _POINT_COLUMNS:  # the point and the commune it lies in, from one record
        merged[col] = settled[0].get(col)

    def rank(rec: dict) -> tuple[int, str]:
        h = rec["harvester"]
        return (ID_PRIORITY.index(h) if h in ID_PRIORITY else len(ID_PRIORITY), rec["id"])

    merged["id"] = min(group, key=rank)["id"]
    counts = [r["nb_aidants"] for r in group if not _missing(r.get("nb_aidants"))]
    merged["nb_aidants"] = max(counts) if counts else None
    merged["sources"] = "|".join(sorted({r["harvester"] for r in group}))
    merged["source_ids"] = "|".join(r["id"] for r in group)
    merged["provenance"] = json.dumps([_provenance(r) for r in group], ensure_ascii=False)
    merged["point_conflict"] = _venue_conflict(group, merged, settled[0])
    return merged


def _venue_conflict(group: list[dict], merged: dict, kept: dict) -> str | None:
    """What the merged venue says of its members' conflicting points (``None`` when they agree)."""
    km = max(r.get("_conflict_km") or 0.0 for r in group)
    if not km:
        return None
    strays = [r["id"] for r in group if r.get("_stray")]
    if strays:
        return (
            f"points up to {km:.1f} km apart: kept the point in commune {merged['code_insee']} (postcode "
            f"{merged['code_postal']}), not that of {', '.join(strays)}"
        )
    return f"points up to {km:.1f} km apart: kept the point of {kept['id']} (commune {merged['code_insee']})"
