"""Bad input for the territory layers: each problem is reported with its row and reason, the build
finishes with what is valid, and a layer with nothing valid keeps its previous version.

The broken files are the real files of ``../shared/data`` altered in memory by each test and
served by the local HTTP server; nothing is written into the repository."""

from __future__ import annotations

import json

import pytest

from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from tests.test_territory_layers import IFN, fragility_config


def serve(server, path: str, body: bytes | str, status: int = 200) -> str:
    server.expect_request(path).respond_with_data(body, status=status, content_type="text/plain")
    return server.url_for(path)


def ifn_text(testdata) -> str:
    return (testdata / IFN).read_text(encoding="utf-8")


def read(settings, layer="communes"):
    return open_store(settings.store_location).read(layer).set_index("code")


def test_renamed_column_keeps_the_previous_scores(make_settings, data_server, testdata):
    settings = make_settings(sources=[], fragility=fragility_config(data_server))
    run_build(settings)
    before = read(settings)["fragility"]
    renamed = ifn_text(testdata).replace("SCORE GLOBAL region 1", "SCORE_GLOBAL_REGION", 1)
    url = serve(data_server, "/variant/ifn-renamed.csv", renamed)
    settings = make_settings(sources=[], fragility=fragility_config(data_server, ifn_url=url))
    report = run_build(settings)
    status = next(s for s in report.inputs if s.name == "ifn")
    assert status.status == "previous"
    assert "'SCORE GLOBAL region 1'" in status.message and "SCORE_GLOBAL_REGION" in status.message
    after = read(settings)["fragility"]
    assert after.equals(before)


def test_renamed_column_without_previous_builds_communes_without_scores(make_settings, data_server, testdata):
    renamed = ifn_text(testdata).replace("Code Iris", "CODE_IRIS", 1)
    url = serve(data_server, "/variant/ifn-renamed2.csv", renamed)
    settings = make_settings(sources=[], fragility=fragility_config(data_server, ifn_url=url, main="published"))
    report = run_build(settings)
    assert next(s for s in report.inputs if s.name == "ifn").status == "failed"
    communes = read(settings)
    assert len(communes) == 24 and communes["ifn_calc"].notna().all()
    assert communes["fragility"].equals(communes["ifn_calc"])  # falls back to the computed index


def test_score_that_is_not_a_number_is_reported_with_its_line(make_settings, data_server, testdata):
    lines = ifn_text(testdata).splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if ";910270101;" in line)
    cells = lines[number].split(";")
    cells[6] = "n/a"  # SCORE GLOBAL region 1
    lines[number] = ";".join(cells)
    url = serve(data_server, "/variant/ifn-nan.csv", "".join(lines))
    settings = make_settings(sources=[], fragility=fragility_config(data_server, ifn_url=url))
    report = run_build(settings)
    problem = report.problems[report.problems["code"] == "910270101"].iloc[0]
    assert problem["line"] == number + 1 and problem["reason"] == "not a number" and problem["value"] == "n/a"
    rejected = report.problems[(report.problems["code"] == "910270101") & (report.problems["action"] == "rejected")]
    assert "no main score" in rejected["reason"].iloc[0]
    communes = read(settings)
    assert communes.at["91027", "n_iris"] == 13 and communes["fragility"].notna().all()


def test_commune_outside_the_territory_and_bad_codes(make_settings, data_server, testdata):
    text = ifn_text(testdata)
    header, first, rest = text.split("\n", 2)
    broken = first.replace(";912860107;", ";91286XYZ7;", 1)
    url = serve(data_server, "/variant/ifn-code.csv", "\n".join([header, broken, rest]))
    settings = make_settings(sources=[], fragility=fragility_config(data_server, ifn_url=url))
    problems = run_build(settings).problems
    assert problems[problems["value"] == "91286XYZ7"]["reason"].tolist() == ["not a 9-character IRIS code"]
    outside = problems[problems["reason"] == "commune outside the territory"]
    assert len(outside) == 5243 - 270 - 1 and (outside["action"] == "skipped").all()


def test_population_of_zero_is_reported_and_left_empty(make_settings, data_server, testdata):
    communes = json.loads((testdata / "geo/decoupage-administratif_communes_idf.json").read_text())
    for c in communes:
        if c["code"] == "94065":
            c["population"] = 0
    url = serve(data_server, "/variant/communes.json", json.dumps(communes))
    settings = make_settings(sources=[])
    reference = {k: v for k, v in settings.reference.model_dump().items() if v}
    reference["commune_list"] = {"url": url}
    settings = make_settings(sources=[], reference=reference, fragility=fragility_config(data_server))
    report = run_build(settings)
    row = report.problems[report.problems["code"] == "94065"].iloc[0]
    assert row["reason"] == "population is zero or unknown" and row["action"] == "population left empty"
    layer = read(settings)
    assert len(layer) == 24 and layer["population"].isna().sum() == 1


def test_contours_missing_keep_previous_geometry_or_previous_layer(make_settings, data_server):
    missing = data_server.url_for("/variant/no-such-contours.geojson")
    settings = make_settings(sources=[])
    reference = {k: v for k, v in settings.reference.model_dump().items() if v}
    reference["commune_contours"] = {"url": missing}
    broken = make_settings(sources=[], reference=reference)
    report = run_build(broken)  # nothing valid and nothing before: the layer is not written
    assert report.kept_previous == ["communes"] and "communes" not in open_store(broken.store_location).layers()

    good = make_settings(sources=[])
    run_build(good)
    geometry = read(good).geometry
    report = run_build(make_settings(sources=[], reference=reference))
    layer = read(good)
    assert report.layers == {"communes": 24} and layer.geometry.geom_equals(geometry).all()
    assert (report.problems["action"] == "previous contour").sum() == 24


def test_unreachable_and_html_inputs(make_settings, data_server):
    settings = make_settings(sources=[], fragility=fragility_config(data_server))
    run_build(settings)
    before = read(settings)
    html = serve(data_server, "/variant/ifn.html", "<html><body>Maintenance</body></html>")
    indicators = {"thd": {"label": "THD", "url": data_server.url_for("/variant/gone.csv"),
                          "code_column": "CODE_INSEE", "value_column": "TAUX_COUVERTURE_THD"}}  # fmt: skip
    settings = make_settings(sources=[], fragility=fragility_config(data_server, ifn_url=html, indicators=indicators))
    report = run_build(settings)
    statuses = {s.name: s for s in report.inputs}
    assert statuses["ifn"].status == "previous" and "HTML page" in statuses["ifn"].message
    assert statuses["indicator_thd"].status == "previous"
    after = read(settings)
    assert after["fragility"].equals(before["fragility"]) and after["ind_thd"].equals(before["ind_thd"])


def test_iris_contours_with_nothing_valid_keep_the_previous_iris_layer(make_settings, data_server, testdata):
    from tests.test_territory_layers import synthetic_iris

    data_server.expect_request("/synthetic/iris-ok.geojson").respond_with_json(synthetic_iris(testdata))
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None,
                                                      "properties": {"code_iris": "nope"}}]}  # fmt: skip
    data_server.expect_request("/synthetic/iris-bad.geojson").respond_with_json(bad)
    base = {k: v for k, v in make_settings(sources=[]).reference.model_dump().items() if v}
    settings = make_settings(sources=[], reference={**base, "iris_contours": {"url": data_server.url_for(
        "/synthetic/iris-ok.geojson")}}, fragility=fragility_config(data_server))  # fmt: skip
    run_build(settings)
    assert len(open_store(settings.store_location).read("iris")) == 6
    settings = make_settings(sources=[], reference={**base, "iris_contours": {"url": data_server.url_for(
        "/synthetic/iris-bad.geojson")}}, fragility=fragility_config(data_server))  # fmt: skip
    report = run_build(settings)
    status = next(s for s in report.inputs if s.name == "iris_contours")
    assert status.status == "previous" and report.level == "mixed"  # Athis-Mons by IRIS, the others whole
    assert ("nope", "not a 9-character IRIS code") in set(zip(report.problems["code"], report.problems["reason"],
                                                               strict=True))  # fmt: skip
    assert len(open_store(settings.store_location).read("iris")) == 6


@pytest.mark.parametrize("method", ["base100", "decile_points", "scale_1_10"])
def test_normalisation_methods_by_hand(method):
    import pandas as pd

    from inclusion_map.config import Indicator
    from inclusion_map.territory.fragility import normalise

    ind = Indicator(label="x", url="http://example.org/x.csv", code_column="c", value_column="v")
    low = Indicator(label="x", url="http://example.org/x.csv", code_column="c", value_column="v",
                    direction="lower_is_more_fragile")  # fmt: skip
    zones = pd.Series([10.0, 20.0, 30.0], index=["a", "b", "c"])
    weights = pd.Series([1.0, 1.0, 2.0], index=zones.index)
    table = pd.Series(range(1, 101), dtype=float)  # 1..100: deciles at 10.9, 20.8, …
    out = normalise(zones, table, weights, ind, method, "territory")
    flipped = normalise(zones, table, weights, low, method, "territory")
    if method == "base100":  # weighted mean (10 + 20 + 2 × 30) / 4 = 22.5
        assert out.tolist() == pytest.approx([100 * 10 / 22.5, 100 * 20 / 22.5, 100 * 30 / 22.5])
        assert flipped.tolist() == pytest.approx([200 - v for v in out])
    elif method == "decile_points":  # 10 → decile 1, 20 → decile 2, 30 → decile 3
        assert out.tolist() == pytest.approx([-10, -10 + 20 / 9, -10 + 40 / 9])
        assert flipped.tolist() == pytest.approx([10, 10 - 20 / 9, 10 - 40 / 9])  # 10 is in the top decile of -x
    else:
        assert out.tolist() == pytest.approx([1, 5.5, 10]) and flipped.tolist() == pytest.approx([10, 5.5, 1])
