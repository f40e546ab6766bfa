"""The gap map's layers by area and zoom (``/couverture/tuiles/…``, ``/couverture/zones.geojson``
with ``bbox`` and ``zoom``, the paged priority table and its CSV).

The raster is checked against brute force on synthetic lattices (marked as such: every pixel takes
the cell whose centre is nearest, coarser levels hold the share of cells beyond the threshold);
the tiles and the layers by area on the EPT's real analysis (offline mirror), its large-analysis
path by lowering the number of zones sent whole."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer
from scipy.spatial import cKDTree

from inclusion_map.gaps.grid import Lattice
from inclusion_map.gaps.raster import NONE, CellRaster
from inclusion_map.geo.tiles import TILE_PX, lonlat_to_tile, tile_bounds, view_tiles
from inclusion_map.web import coverage_map, coverage_view, create_app
from tests.conftest import harvested_and_built

TO_METRIC = Transformer.from_crs(4326, 2154, always_xy=True)


# -- the raster, on synthetic lattices -------------------------------------------------------------


def synthetic_cells(shape: str, size: float = 250.0, seed: int = 1):
    """Synthetic: a lattice of cells around Vitry-sur-Seine, some missing, some beyond the threshold."""
    x0, y0 = TO_METRIC.transform(2.39, 48.79)
    lattice = Lattice.over((x0 - 5000, y0 - 4000, x0 + 5000, y0 + 4000), size, shape)
    rows, cols = np.meshgrid(np.arange(len(lattice.ys)), np.arange(len(lattice.xs)), indexing="ij")
    x, y = lattice.centres(rows.ravel(), cols.ravel())
    rng = np.random.default_rng(seed)
    keep = rng.random(len(x)) > 0.1  # holes: positions without a cell
    x, y = x[keep], y[keep]
    beyond = rng.random(len(x)) > 0.6
    klass = rng.integers(1, 6, len(x))
    return x, y, beyond, klass


def pixel_centres_metric(z: int, tx: int, ty: int):
    minx, miny, maxx, maxy = tile_bounds(z, tx, ty)
    u = (np.arange(TILE_PX) + 0.5) / TILE_PX
    mx, my = np.meshgrid(minx + (maxx - minx) * u, maxy - (maxy - miny) * u)
    return Transformer.from_crs(3857, 2154, always_xy=True).transform(mx, my)


@pytest.mark.parametrize("shape", ["hexagon", "square"])
def test_close_up_each_pixel_takes_the_nearest_cell(shape):
    x, y, beyond, klass = synthetic_cells(shape)
    raster = CellRaster(x, y, 250.0, shape, beyond, klass)
    tx, ty = (int(v) for v in lonlat_to_tile(2.39, 48.79, 16))
    share, classes = raster.sample(16, tx, ty)
    # Brute force: the nearest centre among every cell, and whether the pixel lies inside it (a
    # position without a cell leaves the pixel empty).
    px, py = pixel_centres_metric(16, tx, ty)
    distance, nearest = cKDTree(np.column_stack([x, y])).query(np.column_stack([px.ravel(), py.ravel()]))
    inside = distance < 0.49 * 250.0  # within the circle inscribed in a cell whose position is filled
    expected = np.where(beyond[nearest], 254, 0)
    got = share.ravel()
    assert inside.sum() > 10_000
    assert (got[inside] == expected[inside]).all()
    assert (classes.ravel()[inside] == klass[nearest][inside]).all()
    # Pixels nearer a position without a cell are empty (no cell drawn where there is none).
    assert ((got == NONE) == (distance > 0.6 * 250.0)).mean() > 0.9


def test_coarser_levels_hold_the_share_beyond_and_the_most_frequent_class():
    x, y, beyond, klass = synthetic_cells("square")
    raster = CellRaster(x, y, 250.0, "square", beyond, klass)
    share0, class0 = raster.levels[0]
    share1, class1 = raster.levels[1]
    block = (slice(2, 4), slice(6, 8))  # level-1 position (1, 3)
    cells = share0[block] != NONE
    assert cells.any()
    assert share1[1, 3] == round(254 * (share0[block] == 254).sum() / cells.sum())
    counts = np.bincount(class0[block][cells], minlength=6)[1:]
    assert class1[1, 3] == counts.argmax() + 1
    # The last level is one position holding the share of the whole grid.
    top_share, _ = raster.levels[-1]
    assert top_share.shape == (1, 1) and abs(int(top_share[0, 0]) - 254 * beyond.mean()) <= 1


def test_a_tile_far_from_the_grid_is_transparent():
    x, y, beyond, klass = synthetic_cells("hexagon")
    raster = CellRaster(x, y, 250.0, "hexagon", beyond, klass)
    tx, ty = (int(v) for v in lonlat_to_tile(-1.55, 47.2, 12))  # Nantes
    assert raster.sample(12, tx, ty) is None
    image = Image.open(io.BytesIO(raster.tile_png("grid", 12, tx, ty)))
    assert image.size == (256, 256) and image.convert("RGBA").getextrema()[3] == (0, 0)


# -- tiles and layers by area, on the EPT's real analysis ------------------------------------------


@pytest.fixture(scope="module")
def settings(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("coverage-map"), testdata)
    return settings


@pytest.fixture(scope="module")
def client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def layers_of(html: str) -> dict:
    return json.loads(unescape(re.search(r'data-layers="([^"]+)"', html).group(1)))


def pixel_of(lon: float, lat: float, z: int) -> tuple[int, int, int, int]:
    fx, fy = lonlat_to_tile(lon, lat, z)
    return int(fx), int(fy), int((fx % 1) * TILE_PX), int((fy % 1) * TILE_PX)


def test_grid_tiles_shade_the_cells_beyond_the_threshold(client):
    html = client.get("/couverture").get_data(as_text=True)
    layers = layers_of(html)
    cells = client.get("/couverture/grille.geojson").get_json()["features"]  # the cells beyond, whole
    assert len(cells) > 100
    rng = np.random.default_rng(3)
    for feature in rng.choice(cells, 20, replace=False):
        ring = np.array(feature["geometry"]["coordinates"][0])
        lon, lat = ring[:-1].mean(axis=0)  # the cell's centre
        tx, ty, col, row = pixel_of(lon, lat, 16)
        response = client.get(layers["grid_tiles"].format(z=16, x=tx, y=ty))
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert "max-age" in response.headers["Cache-Control"]
        image = Image.open(io.BytesIO(response.data))
        assert image.mode == "P" and image.getpixel((col, row)) == 3, feature["properties"]  # fully shaded
    # A whole view of the territory at zoom 12: shaded pixels, and clear ones where help is near.
    indexes = []
    for z, tx, ty in view_tiles(2.39, 48.75, 12, 1280, 800):
        indexes.append(
            np.array(Image.open(io.BytesIO(client.get(layers["grid_tiles"].format(z=z, x=tx, y=ty)).data)))
        )
    counts = np.bincount(np.concatenate([i.ravel() for i in indexes]), minlength=4)
    assert counts[3] > 1000 and counts[0] > 1000


def test_the_territory_comes_whole_and_the_table_in_pages(client, monkeypatch):
    layers = layers_of(client.get("/couverture").get_data(as_text=True))
    assert layers["zones_min_zoom"] == 0 and layers["fragility_tiles"] is None
    assert len(client.get(layers["zones"]).get_json()["features"]) == 24
    monkeypatch.setattr(coverage_view, "PAGE_ROWS", 10)
    last = unescape(client.get("/couverture?page=3&seuil=20").get_data(as_text=True))
    assert len(re.findall(r'<tr data-zone="\d{5}">', last)) == 4 and "Zones 21 à 24 sur 24" in last
    assert "Précédentes" in last and "Suivantes" not in last
    for bad, said in (("page=9&seuil=20", "page 9 does not exist"), ("page=zero&seuil=20", "page « zero »")):
        response = client.get(f"/couverture?{bad}")
        assert response.status_code == 400 and said in response.get_data(as_text=True)
    table = (
        client.get("/couverture/priorites.csv?seuil=20").get_data(as_text=True).lstrip("\ufeff").splitlines()
    )
    assert table[0].startswith("rank,code,nom") and len(table) == 25
    assert [line.split(",")[0] for line in table[1:4]] == ["1", "2", "3"]


def test_a_large_analysis_sends_its_zones_by_area_and_zoom(client, monkeypatch):
    monkeypatch.setattr(coverage_view, "WHOLE_MAX_ZONES", 5)
    query = "seuil=30"  # options of their own: an analysis made while the limit is lowered
    layers = layers_of(client.get(f"/couverture?{query}").get_data(as_text=True))
    assert layers["zones_min_zoom"] == coverage_view.VECTOR_MIN_ZOOM and layers["venues_min_zoom"] == 9
    assert "/couverture/tuiles/fragilite/{z}/{x}/{y}.png" in layers["fragility_tiles"]
    whole = client.get(layers["zones"])
    assert whole.status_code == 400 and "ask by area" in whole.get_data(as_text=True)
    # Vitry-sur-Seine's neighbourhood at zoom 13: its zones and not the others.
    box = "2.37,48.78,2.41,48.80"
    near = client.get(f"{layers['zones']}&bbox={box}&zoom=13").get_json()["features"]
    codes = {f["properties"]["code"] for f in near}
    assert "94081" in codes and "91027" not in codes and 1 <= len(codes) < 24
    coarse = client.get(f"{layers['zones']}&bbox={box}&zoom=10").get_data()
    fine = client.get(f"{layers['zones']}&bbox={box}&zoom=16").get_data()
    assert len(coarse) < len(fine)  # simplified further out
    monkeypatch.setattr(coverage_map, "MAX_FEATURES", 3)
    crowded = client.get(f"{layers['zones']}&bbox=2.2,48.6,2.6,48.9&zoom=10")
    assert crowded.status_code == 400 and "zoom in" in crowded.get_data(as_text=True)
    # The fragility tiles draw the zones' classes (1–5) where the grid has cells.
    tx, ty, col, row = pixel_of(2.395, 48.79, 12)
    image = Image.open(io.BytesIO(client.get(layers["fragility_tiles"].format(z=12, x=tx, y=ty)).data))
    assert 1 <= image.getpixel((col, row)) <= 5


@pytest.mark.parametrize(("url", "status", "said"), [
    ("/couverture/zones.geojson?bbox=2.3,48.7,2.5,48.9", 400, "zoom is needed"),
    ("/couverture/zones.geojson?bbox=2.3,48.7,2.5,48.9&zoom=99", 400, "zoom « 99 »"),
    ("/couverture/zones.geojson?bbox=2.3,48.7&zoom=12", 400, "bbox"),
    ("/couverture/tuiles/grille/3/9/0.png", 400, "tile 3/9/0 does not exist"),
    ("/couverture/tuiles/autre/3/1/1.png", 404, "grille or fragilite"),
])  # fmt: skip
def test_bad_map_requests_are_clear(client, url, status, said):
    response = client.get(url)
    assert response.status_code == status and said in response.get_data(as_text=True)


# -- a layer too large to hold whole (the grid of a national analysis), in the API and OGC API ----


@pytest.fixture(scope="module")
def gaps_written(settings):
    from inclusion_map.gaps.output import run_gaps

    run_gaps(settings)
    return settings


def test_a_large_layer_is_read_by_area_in_the_api_and_the_ogc_api(gaps_written, monkeypatch):
    from inclusion_map.stores import open_store
    from inclusion_map.web import layer_access

    rows = open_store(gaps_written.store_location).info("gap_grid")["rows"]
    assert rows > 1000
    monkeypatch.setattr(layer_access, "LARGE_ROWS", 1000)  # the EPT's grid stands for the country's
    client = create_app(gaps_written).test_client()
    whole = client.get("/api/layers/gap_grid")
    assert whole.status_code == 400 and "ask for an area" in whole.get_json()["error"]
    too_wide = client.get("/api/layers/gap_grid?bbox=1,47,3,49")
    assert too_wide.status_code == 400 and "bbox too large" in too_wide.get_json()["error"]
    area = client.get("/api/layers/gap_grid?bbox=2.38,48.78,2.41,48.80&limit=1000").get_json()
    assert 0 < area["total"] < rows and len(area["features"]) == area["total"]
    for feature in area["features"]:
        lons, lats = np.array(feature["geometry"]["coordinates"][0]).T
        assert lons.max() >= 2.38 and lons.min() <= 2.41 and lats.max() >= 48.78 and lats.min() <= 48.80
    paged = client.get("/api/layers/gap_grid?bbox=2.38,48.78,2.41,48.80&limit=5&offset=5").get_json()
    assert [f["id"] for f in paged["features"]] == [f["id"] for f in area["features"][5:10]]
    # OGC API: the collection's extent comes from the file; one cell by its id.
    collections = client.get("/ogc/collections").get_json()["collections"]
    grid = next(c for c in collections if c["id"] == "gap_grid")
    minx, miny, maxx, maxy = grid["extent"]["spatial"]["bbox"][0]
    assert 2.2 < minx < maxx < 2.6 and 48.6 < miny < maxy < 48.9
    cell = area["features"][0]["id"]
    one = client.get(f"/ogc/collections/gap_grid/items/{cell}").get_json()
    assert one["id"] == cell and one["properties"]["zone_code"] == area["features"][0]["properties"]["zone_code"]
    assert client.get("/ogc/collections/gap_grid/items/abc").status_code == 404
    assert client.get("/ogc/collections/gap_grid/items?bbox=2.38,48.78,2.41,48.80").status_code == 200
