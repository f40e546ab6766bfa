"""Territory layers built from the real files served by the local HTTP server: known figures,
the IRIS path (with SYNTHETIC IRIS contours cut from the real commune contour), and the catalogue."""

from __future__ import annotations

import csv
import json

import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from inclusion_map.catalogue import load_catalogue
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build

EPT = "200058014"
CISPD = {"91027", "91326", "91432", "91479", "91589", "91687"}
IFN = "stats/ifn_mednum_2020_iris_idf.csv"
THD = "stats/couverture_thd_communes_arcep-2019-09_batch8.csv"
RESIDENTIAL = ("Iris d'habitat", "Commune non découpée en IRIS")


def fragility_config(server, ifn_url=None, **changes) -> dict:
    config = {
        "published": {"url": ifn_url or server.url_for(f"/data/{IFN}"), "mirror": IFN, "reference": "region"},
        "indicators": {"thd": {"label": "Locaux non éligibles THD", "url": server.url_for(f"/data/{THD}"),
                               "mirror": THD, "code_column": "CODE_INSEE", "value_column": "TAUX_COUVERTURE_THD"}},
    }  # fmt: skip
    config.update(changes)
    return config


def ifn_rows(testdata, commune: str) -> list[dict]:
    with open(testdata / IFN, encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter=";") if r["Insee Com"] == commune]


@pytest.fixture
def built(make_settings, data_server):
    settings = make_settings(sources=[], fragility=fragility_config(data_server))
    report = run_build(settings)
    store = open_store(settings.store_location)
    return settings, report, store, store.read("communes").set_index("code")


def test_ept_communes_with_population_and_ifn(built, testdata):
    settings, report, store, communes = built
    ept = next(e for e in json.loads((testdata / "geo/decoupage-administratif_ept.json").read_text()) if e["code"] == EPT)
    members = {m["code"] for m in ept["membres"]}
    cog = {c["code"]: c for c in json.loads((testdata / "geo/decoupage-administratif_communes_idf.json").read_text())}
    assert set(communes.index) == members and len(communes) == 24
    population = int(communes["population"].sum())
    assert population == sum(cog[c]["population"] for c in members)
    assert 720_000 < population < 740_000  # "about 730,000 inhabitants"
    assert communes["n_iris"].sum() == 270  # IRIS of the EPT in the IFN file
    assert communes["fragility"].notna().all() and communes.geometry.notna().all()
    assert report.level == "commune" and "iris" not in store.layers()
    assert (communes["ept_nom"] == "Grand-Orly Seine Bièvre").all()


def test_one_commune_aggregate_recomputed_by_hand(built, testdata):
    *_, communes = built
    rows = ifn_rows(testdata, "91027")  # Athis-Mons: 13 habitat IRIS and 1 activity IRIS
    residential = [float(r["SCORE GLOBAL region 1"]) for r in rows if r["Type Iris"] in RESIDENTIAL]
    assert len(rows) == 14 and len(residential) == 13
    expected = sum(residential) / len(residential)
    assert communes.at["91027", "fragility"] == pytest.approx(expected, rel=1e-12)
    plain = sum(float(r["SCORE GLOBAL region 1"]) for r in rows) / len(rows)
    assert abs(plain - expected) > 1  # the activity IRIS (score 55) is left out on purpose
    axis = [float(r["COMPETENCES ADMINISTATIVES departement 1"]) for r in rows if r["Type Iris"] in RESIDENTIAL]
    assert communes.at["91027", "ifn_competences_administratives_departement"] == pytest.approx(sum(axis) / 13)
    assert "moyenne de la région" in communes.at["91027", "fragility_reading"]


def test_computed_index_base100_against_the_territory(built, testdata):
    *_, communes = built
    with open(testdata / THD, encoding="utf-8") as f:
        thd = {r["CODE_INSEE"]: float(r["TAUX_COUVERTURE_THD"]) for r in csv.DictReader(f) if r["TAUX_COUVERTURE_THD"]}
    pop = communes["population"].astype(float)
    mean = sum(thd[c] * pop[c] for c in communes.index) / pop.sum()  # population-weighted territory mean
    assert communes.at["91589", "ind_thd"] == thd["91589"]
    assert communes.at["91589", "ind_thd_score"] == pytest.approx(100 * thd["91589"] / mean)
    assert communes.at["91589", "ifn_calc"] == pytest.approx(communes.at["91589", "ind_thd_score"])


def test_classes_subterritory_and_metadata(built):
    settings, report, store, communes = built
    assert set(communes["fragility_class"]) == {1, 2, 3, 4, 5}
    assert communes["fragility_class"].value_counts().max() <= 6  # quantiles of 24 communes
    top = communes["fragility"].idxmax()
    assert communes.at[top, "fragility_label"] == "Fragilité très élevée"
    south = communes[communes["subterritories"].fillna("").str.contains("cispd-sud")]
    assert set(south.index) == CISPD
    summary = report.summary.set_index("zone")
    assert summary["communes"].tolist() == [24, 6]
    assert summary["population"].iloc[1] == int(south["population"].sum())
    meta = store.info("communes")
    assert meta["level"] == "commune" and meta["subterritories"]["cispd-sud"]["communes"] == sorted(CISPD)
    assert [c["label_fr"] for c in meta["fragility"]["classes"]][-1] == "Fragilité très élevée"
    assert "IRIS résidentiels" in meta["fragility"]["aggregation"]
    titles = {s["name"]: s for s in meta["sources"]}
    assert titles["ifn"]["status"] == "ok" and titles["ifn"]["licence"] == "Licence Ouverte 2.0"
    assert "communes" in load_catalogue() and "iris" in load_catalogue()


def test_natural_breaks_and_computed_main(make_settings, data_server):
    settings = make_settings(sources=[], fragility=fragility_config(
        data_server, main="computed", method="scale_1_10", classes="natural_breaks", k=4))  # fmt: skip
    run_build(settings)
    communes = open_store(settings.store_location).read("communes").set_index("code")
    assert communes["fragility"].equals(communes["ifn_calc"])
    assert communes["fragility"].min() == pytest.approx(1) and communes["fragility"].max() == pytest.approx(10)
    assert set(communes["fragility_class"]) == {1, 2, 3, 4}
    assert communes.at[communes["fragility"].idxmax(), "fragility_label"] == "Fragilité élevée"


def synthetic_iris(testdata) -> dict:
    """SYNTHETIC IRIS contours: the real contour of Athis-Mons cut into 5 vertical strips carrying
    real IFN codes, plus one unknown code, one bad code, one feature without geometry and one strip
    of Grigny (outside the territory). Properties use the Géoplateforme names."""
    shapes = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in
              json.loads((testdata / "geo/communes-ile-de-france.geojson").read_text())["features"]
              if f["properties"]["code"] in ("91027", "91286")}  # fmt: skip

    def strips(geom, n):
        minx, miny, maxx, maxy = geom.bounds
        step = (maxx - minx) / n
        return [geom.intersection(shapely.box(minx + i * step, miny, minx + (i + 1) * step, maxy)) for i in range(n)]

    features = []
    for i, part in enumerate(strips(shapes["91027"], 6)):
        code = f"9102701{i + 1:02d}" if i < 5 else "910279999"
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(part),
                         "properties": {"code_iris": code, "code_insee": "91027", "nom_commune": "Athis-Mons",
                                        "nom_iris": f"Bande {i + 1}", "type_iris": "H" if i < 5 else "A"}})  # fmt: skip
    features.append({"type": "Feature", "geometry": features[0]["geometry"], "properties": {"code_iris": "ABC"}})
    features.append({"type": "Feature", "geometry": None, "properties": {"code_iris": "910270106"}})
    features.append({"type": "Feature", "geometry": shapely.geometry.mapping(strips(shapes["91286"], 2)[0]),
                     "properties": {"code_iris": "912860107", "code_insee": "91286", "type_iris": "H"}})  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def test_iris_layer_from_synthetic_contours(make_settings, data_server, testdata):
    data_server.expect_request("/synthetic/iris.geojson").respond_with_json(synthetic_iris(testdata))
    population = "IRIS;P20_POP\n910270101;2000\n910270102;1000\n910270103;0\n"  # SYNTHETIC populations
    data_server.expect_request("/synthetic/pop.csv").respond_with_data(population, content_type="text/csv")
    reference = {k: v for k, v in make_settings(sources=[]).reference.model_dump().items() if v}
    reference["iris_contours"] = {"url": data_server.url_for("/synthetic/iris.geojson")}
    settings = make_settings(sources=[], reference=reference, fragility=fragility_config(
        data_server, iris_population={"url": data_server.url_for("/synthetic/pop.csv")}))  # fmt: skip
    report = run_build(settings)
    store = open_store(settings.store_location)
    iris = store.read("iris").set_index("code_iris")
    # Only Athis-Mons has IRIS contours: the analysis mixes its IRIS with the 23 other communes.
    assert report.level == "mixed" and store.info("iris")["level"] == "iris"
    assert report.levels["iris"] == ["91027"] and len(report.levels["commune"]) == 23
    assert sorted(iris.index) == [f"9102701{i:02d}" for i in range(1, 6)] + ["910279999"]
    rows = {r["Code Iris"]: r for r in ifn_rows(testdata, "91027")}
    assert iris.at["910270101", "fragility"] == pytest.approx(float(rows["910270101"]["SCORE GLOBAL region 1"]))
    assert iris.at["910270101", "population"] == 2000 and iris["population"].isna().sum() == 4
    assert iris.at["910279999", "type_iris"] == "Iris d'activité" and iris["fragility"].isna().sum() == 1
    assert iris.at["910270102", "ind_thd"] == store.read("communes").set_index("code").at["91027", "ind_thd"]
    problems = report.problems
    reasons = set(zip(problems["code"], problems["reason"], strict=True))
    assert ("ABC", "not a 9-character IRIS code") in reasons
    assert ("910270106", "no usable geometry") in reasons
    assert ("912860107", "commune outside the territory") in reasons
    assert ("910270114", "IRIS code matches no contour") in reasons
    assert ("910270103", "population is zero; the IRIS weighs nothing") in reasons
    # Athis-Mons is now weighted by IRIS population: (2000 × s1 + 1000 × s2) / 3000.
    s1, s2 = (float(rows[c]["SCORE GLOBAL region 1"]) for c in ("910270101", "910270102"))
    communes = store.read("communes").set_index("code")
    assert communes.at["91027", "ifn_global_region"] == pytest.approx((2000 * s1 + 1000 * s2) / 3000)
    assert communes.at["91027", "weighting"] == "population des IRIS"
    assert communes.at["91326", "weighting"] == "IRIS résidentiels à poids égal"
    with open(report.files["problems"], encoding="utf-8") as f:
        assert any(r["reason"] == "not a 9-character IRIS code" for r in csv.DictReader(f))


def test_cli_build_and_layers(make_settings, data_server, tmp_path):
    from inclusion_map.cli import main

    settings = make_settings(sources=[], fragility=fragility_config(data_server))
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 0, result.output
    assert "communes (24 rows)" in result.output and "level of analysis: commune" in result.output
    result = runner.invoke(main, ["layers", "--config", str(tmp_path / "config.yaml")])
    assert result.exit_code == 0 and "Communes du territoire" in result.output
    assert pyogrio.read_info(settings.store_path, layer="communes")["features"] == 24


def test_iris_contours_other_publishers_and_axis_order():
    """Opendatasoft names with list values, and WFS 2.0 latitude/longitude order (SYNTHETIC)."""
    from inclusion_map.territory.iris import parse_iris_contours
    from inclusion_map.territory.tables import Problems

    square = [[48.70, 2.38], [48.70, 2.39], [48.71, 2.39], [48.71, 2.38], [48.70, 2.38]]  # lat, lon
    features = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
                 "properties": {"iris_code": ["910270101"], "com_code": ["91027"], "iris_name": ["Centre"],
                                "iris_type": ["H"]}}]  # fmt: skip
    problems = Problems()
    frame = parse_iris_contours(features, problems, frozenset({"91027"}))
    assert list(frame.index) == ["910270101"] and frame.at["910270101", "type_iris"] == "Iris d'habitat"
    minx, miny, maxx, maxy = frame.total_bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((2.38, 48.70, 2.39, 48.71))
    assert frame.at["910270101", "nom_iris"] == "Centre" and len(problems) == 0
