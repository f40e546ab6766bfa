"""The whole country at commune level, built offline from the real files of ``../shared/data``:
the national COG 2026 commune list, the EPCI list, the 2018 commune contours one file per
département (``geo/communes-2018/``) and the national commune indicators (``stats/batch8/``).

Missing inputs are made by a mirror folder of symbolic links to the real files, with one file left
out; the real files are read in place and nothing is written into the repository."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from tests.conftest import mirror_settings

COMMUNES = "geo/decoupage-administratif_communes.json"
IDF_DEPS = ("77", "78", "91", "92", "93", "94", "95")  # Paris is one commune: no rank within it


NATIONAL_CONTOURS = "geo/communes-2018/communes-{dep}.geojson"


def national_settings(folder: Path, mirror: Path, territory: dict, **changes):
    """The project's config in mirror mode, with the national contour files (one per département)."""
    settings = mirror_settings(folder, mirror)
    reference = settings.reference.model_dump()
    reference["commune_contours"]["mirror"] = NATIONAL_CONTOURS
    return settings.with_overrides(territory=territory, reference=reference, **changes)


def current_communes(testdata: Path) -> list[dict]:
    rows = json.loads((testdata / COMMUNES).read_text(encoding="utf-8"))
    return [c for c in rows if c.get("type", "commune-actuelle") == "commune-actuelle"]


def mirror_without(testdata: Path, folder: Path, left_out: str | None = None, extra: dict | None = None) -> Path:
    """A mirror folder of symbolic links to the real files, without ``left_out``, plus ``extra`` files."""
    mirror = folder / "mirror"
    for file in testdata.rglob("*"):
        relative = file.relative_to(testdata)
        if file.is_file() and str(relative) != left_out:
            (mirror / relative).parent.mkdir(parents=True, exist_ok=True)
            (mirror / relative).symlink_to(file)
    for name, text in (extra or {}).items():
        (mirror / name).parent.mkdir(parents=True, exist_ok=True)
        (mirror / name).write_text(text, encoding="utf-8")
    return mirror


@pytest.fixture(scope="module")
def national(tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("france")
    settings = national_settings(folder, testdata, {"kind": "france", "name": "France"})
    report = run_build(settings)
    store = open_store(settings.store_location)
    return settings, report, store


def test_the_whole_country_has_every_current_commune(national, testdata):
    settings, report, store = national
    cog = current_communes(testdata)
    communes = store.read("communes").set_index("code")
    assert len(communes) == len(cog) == report.layers["communes"]
    assert set(communes.index) == {c["code"] for c in cog}
    cog_total = sum(c.get("population") or 0 for c in cog)
    assert abs(int(communes["population"].sum()) - cog_total) <= 0.01 * cog_total
    # Overseas départements with a file (971–974, 976) have contours; the collectivités without one
    # (975, 977, 978, 984, 986–989) are said to be missing, their communes kept without contour.
    assert {"971", "972", "973", "974", "976"}.isdisjoint(report.missing_departements)
    assert {"975", "987", "988"} <= set(report.missing_departements)
    shaped = communes.geometry.notna() & ~communes.geometry.is_empty
    assert communes.loc[communes["departement"].isin(["971", "974", "976", "2A", "75"]), "geometry"].notna().all()
    assert not shaped[communes["departement"].isin(list(report.missing_departements))].any()
    assert shaped.sum() > 0.99 * len(communes)
    listed = report.problems[(report.problems["source"] == "commune contours")
                             & (report.problems["field"] == "departement")]  # fmt: skip
    assert set(listed["code"]) == set(report.missing_departements)


def test_national_computed_index_and_its_agreement(national):
    settings, report, store = national
    communes = store.read("communes").set_index("code")
    # Every commune of mainland France has at least the network and age/diploma families.
    mainland = ~communes["departement"].str.startswith("97")
    assert communes.loc[mainland, "ifn_calc"].notna().mean() > 0.99
    for family in settings.fragility.families:
        assert f"ifn_calc_{family}" in communes
    # The published scores cover Île-de-France only (4 % of the communes): the computed index
    # colours the national map, on one scale, and the reason is said; the published ones are kept.
    assert communes.loc[mainland, "fragility_class"].notna().mean() > 0.99
    assert (communes["fragility"].dropna() == communes["ifn_calc"].dropna()).all()
    assert "l'IFN publié ne couvre que 4 % des zones" in communes["fragility_source"].iloc[0]
    assert communes["ifn_global_region"].notna().sum() >= 1266
    agreement = store.meta()["communes"]["fragility"]["agreement"]
    assert agreement == report.agreement and agreement["method"] == "spearman"
    assert agreement["all"]["n"] == 1266  # the communes of Île-de-France in both scores
    by_dep = agreement["by_group"]
    assert set(IDF_DEPS) <= set(by_dep) and by_dep["75"]["rho"] is None
    for dep in IDF_DEPS:
        assert -1 <= by_dep[dep]["rho"] <= 1 and by_dep[dep]["n"] >= 30
    # Sanity bounds only: the index ranks the inner-ring communes as the published one does, and
    # the skills family (no diploma, aged 65+) follows the published skills axis.
    assert by_dep["93"]["rho"] > 0 and by_dep["94"]["rho"] > 0
    assert agreement["families"]["competences_numeriques"]["all"]["rho"] > 0.3
    # The 2017–2020 tables carry codes of communes merged since: matched through the commune list.
    assert sum(c["former_codes"] for c in report.indicator_codes.values()) > 0


def test_a_missing_departement_file_leaves_its_communes_without_contour(tmp_path, testdata):
    mirror = mirror_without(testdata, tmp_path, left_out="geo/communes-2018/communes-91.geojson")
    settings = national_settings(tmp_path, mirror, {"kind": "region", "code": "11", "name": "Île-de-France"})
    report = run_build(settings)
    store = open_store(settings.store_location)
    communes = store.read("communes").set_index("code")
    essonne = communes["departement"] == "91"
    assert essonne.sum() == 194 and len(communes) == 1266
    assert communes.loc[essonne, "geometry"].isna().all()
    assert communes.loc[~essonne, "geometry"].notna().all()
    assert list(report.missing_departements) == ["91"]
    row = report.problems[(report.problems["code"] == "91") & (report.problems["source"] == "commune contours")]
    assert len(row) == 1 and "194 communes" in row["reason"].iloc[0]
    assert "91" in Path(report.files["markdown"]).read_text(encoding="utf-8")
    from inclusion_map.gaps.demand import load_zones

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        zones, _ = load_zones(store)
    assert len(zones) == 1266 - 194
    assert any("194 zones without contour" in str(w.message) for w in caught)


def test_an_indicator_table_with_codes_of_another_cog_year(tmp_path, testdata):
    cog = current_communes(testdata)
    # A commune merged since the table's year (Évry-Courcouronnes took in Courcouronnes, 91182, in
    # 2019): its former codes of the 91 series, and one of the 78 series (before 1968).
    merged = next(c for c in cog if c["departement"] == "91" and any(a.startswith("91") for a in c.get("anciensCodes") or []))
    other = next(c for c in cog if c["departement"] == "91" and c["code"] != merged["code"])
    old = [code for code in merged["anciensCodes"] if code != merged["code"]][-2:]
    # SYNTHETIC values keyed by real codes: the former codes of a merged commune, a current code
    # and a code no list knows.
    lines = ["CODE_INSEE,VALEUR", *[f"{code},{10 + i}" for i, code in enumerate(old)], f"{other['code']},30",
             "91999,50"]  # fmt: skip
    mirror = mirror_without(testdata, tmp_path, extra={"stats/synthetic_old_codes.csv": "\n".join(lines) + "\n"})
    fragility = mirror_settings(tmp_path, mirror).fragility.model_dump()
    fragility["families"] = {}
    fragility["indicators"] = {"synth": {"label": "synthetic", "url": "https://example.org/synthetic.csv",
                                         "mirror": "stats/synthetic_old_codes.csv", "code_column": "CODE_INSEE",
                                         "value_column": "VALEUR"}}  # fmt: skip
    settings = national_settings(tmp_path, mirror, {"kind": "departement", "code": "91", "name": "Essonne"},
                                 fragility=fragility)  # fmt: skip
    report = run_build(settings)
    communes = open_store(settings.store_location).read("communes").set_index("code")
    counts = report.indicator_codes["synth"]
    assert counts == {"rows": len(old) + 2, "current": 1, "former_codes": len(old), "former_superseded": 0,
                      "communes_from_former": 1, "unknown": 1}  # fmt: skip
    assert communes.at[merged["code"], "ind_synth"] == pytest.approx(sum(10 + i for i in range(len(old))) / len(old))
    assert communes.at[other["code"], "ind_synth"] == 30
    unknown = report.problems[(report.problems["code"] == "91999")]
    assert len(unknown) == 1 and unknown["action"].iloc[0] == "skipped"
    matched = report.problems[(report.problems["source"] == "indicator synth") & (report.problems["action"] == "matched")]
    assert f"{len(old)} codes of another COG year" in matched["reason"].iloc[0]


def test_rank_agreement_without_scipy_gives_the_same_coefficient(monkeypatch):
    import builtins

    import pandas as pd

    from inclusion_map.territory.fragility import rank_agreement

    # SYNTHETIC scores with a tie: scipy and the pandas ranks must agree.
    computed = pd.Series([1.0, 2.0, 2.0, 5.0, 4.0, 9.0, 7.0], index=list("abcdefg"))
    published = pd.Series([10.0, 30.0, 20.0, 40.0, 60.0, 50.0, 70.0], index=list("abcdefg"))
    groups = pd.Series(["1"] * 7, index=list("abcdefg"))
    with_scipy = rank_agreement(computed, published, groups)
    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name.startswith("scipy"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    without = rank_agreement(computed, published, groups)
    assert with_scipy == without and 0 < with_scipy["all"]["rho"] <= 1 and with_scipy["all"]["n"] == 7
    assert rank_agreement(computed.iloc[:3], published.iloc[:3], groups.iloc[:3])["all"]["rho"] is None
