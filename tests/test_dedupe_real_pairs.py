"""Precision and recall of the merge on hand-labelled pairs of REAL records of the territory.

The territory is harvested offline from the real archives of ``../shared/data`` (read in place;
geocoding off, as ``mirror_settings`` sets it). ``tests/fixtures/dedupe_pairs_ept.csv`` says, for
pairs of those records, whether they are one place (the project's own reading of names,
addresses, postcodes and coordinates). A pair is *joined* when both records end in one venue.

Precision must stay 1.0 (the merge never joins two different places). Recall is compared with the
merge before the house-number, hosted and point-conflict signals (``BASELINE``, read with ``git
show`` when the history is there, else its recorded figure). ``python -m pytest -s
tests/test_dedupe_real_pairs.py`` prints both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pandas as pd
import pytest

from inclusion_map.config import Dedupe
from inclusion_map.harvest.pipeline import COLUMNS, run_harvest
from inclusion_map.store import GeoPackageStore
from inclusion_map.stores import open_store
from tests.conftest import FIXTURES, ROOT, mirror_settings

LABELS = FIXTURES / "dedupe_pairs_ept.csv"
#: the last commit of inclusion_map/dedupe.py before the new signals, and its recall on LABELS
BASELINE = "c35f2bffaa36f1cdc3512b19e8d0bd0987c81471"
BASELINE_RECALL = 34 / 47


@pytest.fixture(scope="module")
def harvested(tmp_path_factory, testdata):
    settings = mirror_settings(tmp_path_factory.mktemp("real-pairs"), testdata)
    run_harvest(settings)
    return settings


def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS, comment="#", dtype={"id_a": str, "id_b": str, "same": int, "why": str})


def joined(source_ids: pd.Series, pairs: pd.DataFrame) -> pd.Series:
    """Whether each labelled pair ended in one venue (``source_ids`` of the venues)."""
    venue = {i: n for n, ids in enumerate(source_ids) for i in ids.split("|")}
    return pd.Series([venue[a] == venue[b] for a, b in zip(pairs["id_a"], pairs["id_b"], strict=True)],
                     index=pairs.index)  # fmt: skip


def precision_recall(together: pd.Series, same: pd.Series) -> tuple[float, float]:
    true_pos = int((together & same).sum())
    return true_pos / max(int(together.sum()), 1), true_pos / int(same.sum())


def source_records(store: GeoPackageStore) -> pd.DataFrame:
    """Every source layer's records, as the pipeline gives them to the merge."""
    frames = [
        store.read(layer).drop(columns="geometry") for layer in store.layers() if layer.startswith("source_")
    ]
    return pd.concat([f for f in frames if len(f)], ignore_index=True).reindex(columns=list(COLUMNS))


def baseline_recall(records: pd.DataFrame, pairs: pd.DataFrame) -> tuple[float, str]:
    """Recall of the merge of ``BASELINE`` on the same records (its recorded figure without git)."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE}:inclusion_map/dedupe.py"],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return BASELINE_RECALL, "recorded"
    module = types.ModuleType("inclusion_map._dedupe_baseline")
    module.__package__ = "inclusion_map"
    sys.modules[module.__name__] = module
    exec(compile(source, "baseline dedupe.py", "exec"), module.__dict__)
    venues = module.deduplicate(records, Dedupe()).venues
    return precision_recall(joined(venues["source_ids"], pairs), pairs["same"].astype(bool))[1], "measured"


def test_merge_never_joins_two_places_and_finds_the_duplicates(harvested):
    store = open_store(harvested.store_location)
    records, pairs = source_records(store), labels()
    unknown = (set(pairs["id_a"]) | set(pairs["id_b"])) - set(records["id"])
    assert not unknown, f"labelled ids not in the harvested store: {sorted(unknown)}"
    assert not pairs.duplicated(["id_a", "id_b"]).any()
    together = joined(store.read("venues")["source_ids"], pairs)
    same = pairs["same"].astype(bool)
    precision, recall = precision_recall(together, same)
    before, how = baseline_recall(records, pairs)
    print(f"\nlabelled pairs: {int(same.sum())} same, {int((~same).sum())} different")
    print(f"before ({BASELINE[:7]}, {how}): recall {before:.3f}")
    print(f"now: precision {precision:.3f}, recall {recall:.3f}")
    for _, miss in pairs[same & ~together].iterrows():
        print(f"  missed: {miss['id_a']} ~ {miss['id_b']} ({miss['why']})")
    assert precision == 1.0, pairs[together & ~same].to_string()
    assert recall >= 0.95 and recall >= before + 0.2


def test_a_stray_point_is_flagged_and_does_not_move_the_venue(harvested):
    """La Mine (Arcueil, 94110) is listed twice by the CnFS export, once with a point 1.4 km off
    in Gentilly: one venue, in Arcueil, the conflict said in the review file and the provenance."""
    venues = open_store(harvested.store_location).read("venues")
    mine = venues[venues["source_ids"].str.contains("62bc666e8dd70306dc40c141")]
    assert len(mine) == 1
    venue = mine.iloc[0]
    assert "conseillers_numeriques:62bc656a8dd70306dc40c12a" in venue["source_ids"].split("|")
    assert (venue["code_insee"], venue["commune"]) == ("94003", "Arcueil")
    assert venue.geometry.y == pytest.approx(48.803733)
    notes = [p.get("point_conflict") for p in json.loads(venue["provenance"]) if p.get("point_conflict")]
    assert notes and all("94037" in n for n in notes)
    review = pd.read_csv(harvested.path(harvested.dedupe.review_file), dtype=str).fillna("")
    flagged = review[review["point_conflict"].str.startswith("points 1.4 km apart")]
    assert len(flagged) == 4 and set(flagged["decision"]) == {"merged"}
