"""Mixed levels on the real files: the EPT built offline with the real IRIS contours of the
Val-de-Marne (IGN 2017) and its adults per IRIS (RP 2017). Its 18 Val-de-Marne communes are
analysed through their 215 IRIS, its 6 Essonne communes, which have no IRIS contours, as communes."""

from __future__ import annotations

import csv
import json

import pytest

from inclusion_map.gaps.analysis import GapOptions, analyse
from inclusion_map.gaps.output import run_gaps
from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.stores import open_store
from inclusion_map.territory.build import run_build
from tests.conftest import mirror_settings

IRIS_CONTOURS = "geo/contours-iris-94_ign-2017.geojson"
IRIS_ADULTS = "stats/population-18plus-iris-94_rp2017.csv"
ESSONNE = {"91027", "91326", "91432", "91479", "91589", "91687"}
ADULTS_BASIS = "adultes 18+ (RP 2017) ramenés à la population légale de la commune"


def with_iris_94(settings):
    """The mirror settings with the Val-de-Marne IRIS contours and adult counts configured."""
    reference = settings.reference.model_dump()
    reference["iris_contours"] = {**reference["iris_contours"], "mirror": IRIS_CONTOURS}
    fragility = settings.fragility.model_dump()
    fragility["iris_population"] = {"url": "https://example.invalid/iris-population.csv", "mirror": IRIS_ADULTS,
                                    "code_column": "IRIS", "value_column": "P17_POP18P",
                                    "universe": "adults_18plus", "vintage": "RP 2017"}  # fmt: skip
    return settings.with_overrides(reference=reference, fragility=fragility)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, testdata):
    settings = with_iris_94(mirror_settings(tmp_path_factory.mktemp("mixed"), testdata))
    run_harvest(settings)
    report = run_build(settings)
    return settings, report


@pytest.fixture(scope="module")
def analysis(mixed):
    settings, _ = mixed
    return analyse(settings, GapOptions(suggest=2))


def test_build_holds_215_iris_in_18_communes_and_6_communes(mixed, testdata):
    settings, report = mixed
    store = open_store(settings.store_location)
    iris = store.read("iris").set_index("code_iris")
    communes = store.read("communes").set_index("code")
    assert len(communes) == 24  # the commune layer stays complete
    assert len(iris) == 215 and iris["insee_com"].nunique() == 18
    assert not set(iris["insee_com"]) & ESSONNE
    assert report.level == "mixed"
    assert set(report.levels["commune"]) == ESSONNE and len(report.levels["iris"]) == 18
    assert (communes.loc[sorted(ESSONNE), "zones_level"] == "commune").all()
    assert (communes.drop(index=sorted(ESSONNE))["zones_level"] == "iris").all()
    meta = store.info("communes")
    assert meta["zones_level"] == "mixed" and sorted(meta["zones_levels"]["commune"]) == sorted(ESSONNE)
    problems = report.problems
    whole = problems[problems["action"] == "commune level"]
    assert set(whole["code"]) == ESSONNE  # one row per commune analysed whole, none per Essonne IRIS
    assert not ((problems["reason"] == "IRIS code matches no contour") & problems["code"].str[:2].eq("91")).any()
    with open(report.files["markdown"], encoding="utf-8") as f:
        text = f.read()
    assert "Communes analysed as communes (6)" in text


def test_iris_population_scaled_to_the_legal_population(mixed, testdata):
    settings, _ = mixed
    store = open_store(settings.store_location)
    iris = store.read("iris").set_index("code_iris")
    communes = store.read("communes").set_index("code")
    sums = iris.groupby("insee_com")["population"].sum()
    assert (sums == communes["population"].reindex(sums.index)).all()  # whole people, exactly the legal figure
    with open(testdata / IRIS_ADULTS, encoding="utf-8") as f:
        adults = {r["IRIS"]: float(r["P17_POP18P"]) for r in csv.DictReader(f)}
    # Cachan, by hand: its legal population shared in proportion to its adults.
    cachan = iris[iris["insee_com"] == "94016"]
    total = sum(adults[c] for c in cachan.index)
    for code in cachan.index:
        exact = communes.at["94016", "population"] * adults[code] / total
        assert abs(cachan.at[code, "population"] - exact) < 1
    assert (cachan["population_basis"] == ADULTS_BASIS).all()
    # Ablon-sur-Seine is one IRIS (not cut), absent from the adults table: it keeps its commune's figure.
    assert iris.at["940010000", "population"] == communes.at["94001", "population"]
    assert iris.at["940010000", "population_basis"].startswith("population légale de la commune")
    # Rungis' activity IRIS have no adult row: they count nobody.
    assert iris.at["940650104", "population"] == 0
    assert communes.at["91027", "population_basis"] == "population légale de la commune"
    geo = json.loads((testdata / IRIS_CONTOURS).read_text(encoding="utf-8"))
    assert len(geo["features"]) == 527  # the other Val-de-Marne IRIS are outside the territory


def test_gap_analysis_on_mixed_zones(analysis, mixed):
    settings, _ = mixed
    zones = analysis.zones.set_index("code")
    assert analysis.meta["level"] == "mixed" and len(zones) == 215 + 6
    assert set(zones.index[zones["level"] == "commune"]) == ESSONNE
    assert (zones.loc[zones["level"] == "iris", "commune"].str[:2] == "94").all()
    assert analysis.meta["levels"]["commune"] == sorted(ESSONNE) and len(analysis.meta["levels"]["iris"]) == 18
    bases = analysis.meta["population_bases"]
    assert bases[ADULTS_BASIS] > 200 and bases[
        "population de la commune, supposée répartie également sur sa surface (estimation)"] == 6
    assert ADULTS_BASIS in analysis.meta["population_basis"]
    communes = open_store(settings.store_location).read("communes").set_index("code")
    assert zones["population"].sum() == pytest.approx(communes["population"].sum())
    ranked = zones[zones["rank"].notna()]
    assert len(ranked) > 200 and ranked["gap_score"].notna().all()
    # Cells carry people in the IRIS (known below the commune), only distance in the Essonne communes.
    grid = analysis.grid
    in_essonne = grid["zone_code"].isin(ESSONNE)
    assert grid.loc[in_essonne, "population_est"].isna().all()
    assert grid.loc[~in_essonne, "population_est"].notna().all()
    # Each cell's share is rounded to a tenth of a person.
    expected = zones.loc[zones["level"] == "iris", "population"].sum() - _point_only(analysis, zones)
    assert grid.loc[~in_essonne, "population_est"].sum() == pytest.approx(expected, abs=0.05 * len(grid))


def _point_only(analysis, zones) -> float:
    """Population of the IRIS too small to hold a cell centre (they get one point, not a cell)."""
    with_cells = set(analysis.grid["zone_code"])
    small = zones[(zones["level"] == "iris") & ~zones.index.isin(with_cells)]
    return float(small["population"].sum())


def test_written_layers_say_the_levels(mixed):
    settings, _ = mixed
    _, files = run_gaps(settings, GapOptions())
    store = open_store(settings.store_location)
    meta = store.info("gaps")
    assert meta["zones_level"] == "mixed" and meta["levels"]["commune"] == sorted(ESSONNE)
    zones = store.read("gaps")
    assert set(zones["level"]) == {"iris", "commune"} and zones["population_basis"].notna().all()
    with open(files["markdown"], encoding="utf-8") as f:
        assert "Communes analysed at commune level (6)" in f.read()
    with open(files["csv"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["level"] for r in rows if r["commune"] in ESSONNE} == {"commune"}
    assert {r["population_basis"] for r in rows if r["level"] == "iris"} >= {ADULTS_BASIS}


def test_pages_say_which_communes_at_which_level(mixed):
    from html import unescape

    from inclusion_map.web import create_app

    settings, _ = mixed
    run_gaps(settings, GapOptions())  # the report reads the written layers
    app = create_app(settings)
    app.config["TESTING"] = True
    client = app.test_client()
    page = unescape(client.get("/couverture").get_data(as_text=True))
    assert "Niveau d'analyse : <strong>IRIS et communes</strong>" in page and ADULTS_BASIS in page
    assert "Communes analysées par IRIS : Ablon-sur-Seine, Arcueil" in page
    assert "Communes analysées en entier (sans contours IRIS) : Athis-Mons, Juvisy-sur-Orge" in page
    response = client.get("/rapport")
    assert response.status_code == 200
    report = unescape(response.get_data(as_text=True))
    assert "Zones : IRIS et communes" in report and "Communes analysées par IRIS : Ablon-sur-Seine" in report
    assert "Communes analysées en entier (sans contours IRIS) : Athis-Mons" in report
