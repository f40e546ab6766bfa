"""The Géoplateforme geocoder client against the SYNTHETIC stand-in of tests/conftest.py and a few
SYNTHETIC failing answers on the local server: batches, the disk cache and score threshold, the
batch's result_status, 429 with Retry-After (capped), the client-side rate limiter, an unreachable
server, an HTML page, search, reverse geocoding, and the names of the suggested sites on
/couverture and in the ``gaps`` command. Nothing here uses the network, and no test really waits:
the rate limiter runs on a fake clock that only moves when someone sleeps."""

from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
import yaml
from click.testing import CliRunner
from werkzeug import Response

from inclusion_map import geocode
from inclusion_map.errors import GeocoderUnavailable
from inclusion_map.geocode import RESULT_COLUMNS, RETRIES_429, Address, Geocoder
from inclusion_map.throttle import RateLimiter, retry_after_s
from inclusion_map.web import create_app, places
from tests.conftest import ROOT, harvested_and_built

VITRY = Address("12 rue Germain Pinson", "94400", "Vitry-sur-Seine")
ORLY = Address("7 avenue de la Victoire", "94310", "Orly")
IVRY = Address("3 place Voltaire", "94200", "Ivry-sur-Seine")
CACHAN = Address("1 rue Camille Desmoulins", "94230", "Cachan")
THIAIS = Address("20 route de Chevilly", "94320", "Thiais")
VITRY_POINT = (2.3925, 48.7872)  # inside Vitry-sur-Seine


class FakeClock:
    """Time that passes only when someone sleeps: waits are recorded, never spent."""

    def __init__(self):
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A fresh process-wide rate limiter on a fake clock, an empty reverse cache, no web pause."""
    fake = FakeClock()
    monkeypatch.setattr(geocode, "LIMITER", RateLimiter(fake.now, fake.sleep))
    geocode._REVERSED.clear()
    places._DOWN_UNTIL[0] = 0.0
    yield fake
    geocode._REVERSED.clear()
    places._DOWN_UNTIL[0] = 0.0


@pytest.fixture
def geo_settings(make_settings, data_server, tmp_path):
    """Settings whose geocoder is ``base`` on the local server (the stand-in by default)."""

    def make(base: str = "/geocodage", **geocoding):
        url = base if base.startswith("http") else data_server.url_for(base)
        cache = str(tmp_path / "geocoding-cache.jsonl")
        return make_settings(sources=["france_services"], geocoding={"url": url, "cache": cache, **geocoding})

    return make


def counting(handler=None, *, status=200, body="", headers=None, content_type="text/plain"):
    """A handler that counts its requests; answers with ``handler`` or a fixed SYNTHETIC answer."""

    def handle(request):
        handle.count += 1
        if handler is not None:
            return handler(request, handle.count)
        return Response(body, status=status, headers=headers or {}, content_type=content_type)

    handle.count = 0
    return handle


# -- batches: {base}/search/csv ---------------------------------------------------------------------


def test_batches_are_posted_and_parsed(geo_settings, data_server):
    settings = geo_settings(batch_size=2)
    addresses = [VITRY, ORLY, IVRY, CACHAN, THIAIS, VITRY]  # the same address twice is asked once
    matches = Geocoder(settings).geocode(addresses)
    calls = data_server.geocoder.calls
    assert [c["rows"] for c in calls] == [2, 2, 1]
    assert all(c["columns"] == ["adresse", "commune"] and c["postcode"] == "code_postal" for c in calls)
    assert calls[0]["result_columns"] == list(RESULT_COLUMNS)
    vitry = matches[VITRY.key]
    assert (vitry.citycode, vitry.type, vitry.score) == ("94081", "housenumber", 0.92)
    assert vitry.label == "12 rue Germain Pinson 94400 Vitry-sur-Seine"
    assert 2.3 < vitry.lon < 2.5 and 48.7 < vitry.lat < 48.9
    others = {matches[a.key].citycode for a in (ORLY, IVRY, CACHAN, THIAIS)}
    assert others == {"94054", "94041", "94016", "94073"}
    # A new geocoder (a new harvest) reads every answer from the disk cache and asks nothing.
    assert Geocoder(settings).geocode(addresses) == matches and len(calls) == 3


def test_score_threshold_is_applied_when_reading(geo_settings, data_server):
    weak = Address("5 rue INTROUVABLE", "94400", "Vitry-sur-Seine")  # the stand-in scores it 0.2
    matches = Geocoder(geo_settings()).geocode([weak, VITRY])
    assert matches[weak.key] is None and matches[VITRY.key].score == 0.92
    lenient = Geocoder(geo_settings(min_score=0.1)).geocode([weak])
    assert lenient[weak.key].score == 0.2  # from the cache: no new request
    assert len(data_server.geocoder.calls) == 1


def test_not_found_and_skipped_lines_are_no_match_and_cached(geo_settings, data_server):
    nowhere = Address("1 rue de Nulle Part", "99999", "Nulle-Part")  # unknown postcode: not-found
    blank = Address("", "94400", "")  # under 3 characters of text: skipped by the service
    settings = geo_settings()
    matches = Geocoder(settings).geocode([nowhere, blank, VITRY])
    assert matches[nowhere.key] is None and matches[blank.key] is None and matches[VITRY.key] is not None
    assert Geocoder(settings).geocode([nowhere, blank]) == {nowhere.key: None, blank.key: None}
    assert len(data_server.geocoder.calls) == 1  # final answers: never asked again


def test_error_lines_are_asked_again_next_time(geo_settings, data_server):
    """SYNTHETIC: the service failed on every line (result_status "error")."""

    def failing(request, count):
        body = ("key,adresse,code_postal,commune,latitude,longitude,result_status\n"
                f"{VITRY.key},{VITRY.adresse},94400,Vitry-sur-Seine,,,error\n")  # fmt: skip
        return Response(body, content_type="text/csv")

    handler = counting(failing)
    data_server.expect_request("/err/search/csv", method="POST").respond_with_handler(handler)
    settings = geo_settings("/err")
    assert Geocoder(settings).geocode([VITRY]) == {VITRY.key: None}
    assert Geocoder(settings).geocode([VITRY]) == {VITRY.key: None}
    assert handler.count == 2


def test_a_damaged_cache_line_costs_one_request(geo_settings, data_server):
    settings = geo_settings()
    Geocoder(settings).geocode([VITRY, ORLY])
    cache = settings.path(settings.geocoding.cache)
    lines = cache.read_text(encoding="utf-8").splitlines()
    damaged = next(i for i, line in enumerate(lines) if ORLY.key in line)
    lines[damaged] = lines[damaged][: len(lines[damaged]) // 2]  # cut in the middle
    cache.write_text("\n".join(lines) + "\n", encoding="utf-8")
    matches = Geocoder(settings).geocode([VITRY, ORLY])
    assert matches[ORLY.key].citycode == "94054"
    assert [c["rows"] for c in data_server.geocoder.calls] == [2, 1]


# -- the service's limits: 429 and the rate limiter -----------------------------------------------


def test_429_waits_retry_after_capped_then_succeeds(geo_settings, data_server, clock):
    """SYNTHETIC: two 429 answers asking for an hour's wait, then the stand-in's answer."""

    def busy(request, count):
        if count <= 2:
            return Response("slow down", status=429, headers={"Retry-After": "3600"})
        return data_server.geocoder.search_csv(request)

    handler = counting(busy)
    data_server.expect_request("/busy/search/csv", method="POST").respond_with_handler(handler)
    settings = geo_settings("/busy", retry_after_max_s=0.05)
    matches = Geocoder(settings).geocode([VITRY])
    assert matches[VITRY.key].citycode == "94081" and handler.count == 3
    # Each 429 cost retry_after_max_s (0.05 s), not the hour asked for: 2 × 0.05 = 0.1 s in all.
    assert clock.sleeps == [pytest.approx(0.05), pytest.approx(0.05)]
    assert sum(clock.sleeps) == pytest.approx(2 * settings.geocoding.retry_after_max_s)


def test_429_forever_gives_up(geo_settings, data_server, clock):
    handler = counting(status=429, body="slow down", headers={"Retry-After": "120"})
    data_server.expect_request("/full/search/csv", method="POST").respond_with_handler(handler)
    settings = geo_settings("/full", retry_after_max_s=0.5)
    with pytest.raises(GeocoderUnavailable, match="429 Too Many Requests"):
        Geocoder(settings).geocode([VITRY])
    assert handler.count == RETRIES_429 + 1  # urllib3 did not retry the 429s on its own
    assert sum(clock.sleeps) <= RETRIES_429 * 0.5 + 1e-9


def test_an_interactive_call_does_not_wait_for_a_429(geo_settings, data_server, clock):
    handler = counting(status=429, body="slow down", headers={"Retry-After": "10"})
    data_server.expect_request("/full/search", method="GET").respond_with_handler(handler)
    with pytest.raises(GeocoderUnavailable):
        Geocoder(geo_settings("/full"), interactive=True).search("12 rue Germain Pinson 94400")
    assert handler.count == 1 and clock.sleeps == []


def test_rate_limiter_spaces_calls():
    fake = FakeClock()
    limiter = RateLimiter(fake.now, fake.sleep)
    starts = []
    for _ in range(5):
        assert limiter.wait(per_second=10)
        starts.append(fake.t)
    assert starts == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    limiter.hold(5)  # "too many requests": nobody starts for 5 s
    assert not limiter.wait(per_second=10, max_wait_s=1)  # someone waiting on a page gives up at once
    assert limiter.wait(per_second=10) and fake.t == pytest.approx(0.4 + 5)


def test_batch_search_and_reverse_share_one_limiter(geo_settings, clock):
    settings = geo_settings(requests_per_s=10)
    Geocoder(settings).geocode([VITRY])
    Geocoder(settings, interactive=True).search("12 rue Germain Pinson 94400 Vitry")
    Geocoder(settings, interactive=True).reverse(*VITRY_POINT)
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]


def test_retry_after_forms():
    assert retry_after_s("7", cap_s=30) == 7
    assert retry_after_s("3600", cap_s=30) == 30
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", cap_s=30) == 0  # a date in the past
    assert retry_after_s("Fri, 31 Dec 2100 23:59:59 GMT", cap_s=30) == 30
    assert retry_after_s(None, cap_s=30) == 1 and retry_after_s("soon", cap_s=0.5) == 0.5


# -- failures said plainly -----------------------------------------------------------------------


def test_unreachable_server(geo_settings):
    settings = geo_settings("http://127.0.0.1:9/geocodage")  # discard port: refused
    with pytest.raises(GeocoderUnavailable, match="cannot connect"):
        Geocoder(settings).geocode([VITRY])
    with pytest.raises(GeocoderUnavailable, match="cannot connect"):
        Geocoder(settings, interactive=True).search("12 rue Germain Pinson 94400")
    geocoder = Geocoder(settings, interactive=True)
    assert geocoder.reverse(*VITRY_POINT) is None and geocoder.unreachable


@pytest.mark.parametrize("endpoint", ["search/csv", "search"])
def test_html_page_instead_of_an_answer(geo_settings, data_server, endpoint):
    """SYNTHETIC: a maintenance page with status 200."""
    page = "<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>"
    data_server.expect_request(f"/portal/{endpoint}").respond_with_data(page, content_type="text/html")
    geocoder = Geocoder(geo_settings("/portal"), interactive=endpoint == "search")
    with pytest.raises(GeocoderUnavailable, match="HTML page") as caught:
        if endpoint == "search/csv":
            geocoder.geocode([VITRY])
        else:
            geocoder.search("12 rue Germain 94400")
    assert "Traceback" not in str(caught.value) and "<html" not in str(caught.value)


def test_an_answer_that_is_not_the_csv(geo_settings, data_server):
    """SYNTHETIC: a JSON error body with status 200."""
    data_server.expect_request("/odd/search/csv", method="POST").respond_with_json({"message": "?"})
    with pytest.raises(GeocoderUnavailable, match="CSV format"):
        Geocoder(geo_settings("/odd")).geocode([VITRY])


# -- one address, one point -------------------------------------------------------------------------


def test_search(geo_settings, data_server):
    found = Geocoder(geo_settings(), interactive=True).search("12 rue Germain Pinson 94400 Vitry", limit=5,
                                                              autocomplete=True)  # fmt: skip
    assert [(m.label, m.citycode, m.type) for m in found] == [
        ("12 rue Germain Pinson 94400 Vitry-sur-Seine", "94081", "housenumber")]  # fmt: skip
    assert data_server.geocoder.searches == [{"q": "12 rue Germain Pinson 94400 Vitry", "index": "address",
                                              "limit": "5", "autocomplete": "1"}]  # fmt: skip
    assert Geocoder(geo_settings(), interactive=True).search("rue sans code postal") == []


def test_reverse(geo_settings, data_server):
    label = "1 Rue Fictive 94400 Vitry-sur-Seine"
    geocoder = Geocoder(geo_settings(), interactive=True)
    assert geocoder.reverse(*VITRY_POINT) == label
    assert data_server.geocoder.reverses == [{"lon": "2.3925", "lat": "48.7872", "index": "address",
                                              "limit": "1"}]  # fmt: skip
    assert geocoder.reverse(7.0, 48.0) is None  # nothing there (outside the stand-in's Île-de-France)
    assert Geocoder(geo_settings(), interactive=True).reverse(*VITRY_POINT) == label
    assert len(data_server.geocoder.reverses) == 2  # the same point again: from memory


def test_reverse_stops_asking_after_a_failure(geo_settings, data_server):
    handler = counting(status=503, body="down")
    data_server.expect_request("/down/reverse").respond_with_handler(handler)
    geocoder = Geocoder(geo_settings("/down"), interactive=True)
    assert geocoder.reverse(*VITRY_POINT) is None and geocoder.reverse(2.40, 48.80) is None
    assert handler.count == 1


# -- the names of suggested sites: /couverture and the gaps command --------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    settings = harvested_and_built(tmp_path_factory.mktemp("geocoder-coverage"), testdata)
    return settings


def coverage_page(settings, query="sites=2") -> str:
    app = create_app(settings)
    app.config["TESTING"] = True
    response = app.test_client().get(f"/couverture?{query}")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def site_cells(html: str) -> list[str]:
    table = html.split('id="sites-title"')[1].split("</table>")[0]
    return re.findall(r"<tr><td>\d+</td><th scope=\"row\">[^<]+</th><td>(.*?)</td>", table)


def test_suggested_sites_are_named_by_their_nearest_address(built, geocoder_server, tmp_path):
    base = geocoder_server.url_for("/geocodage")
    settings = built.with_overrides(geocoding={"enabled": True, "url": base,
                                               "cache": str(tmp_path / "geocoding-cache.jsonl")})  # fmt: skip
    cells = site_cells(coverage_page(settings))
    assert len(cells) == 2
    named = r"près de 1 Rue Fictive \d{5} [^<]+<br><span class=\"hint\">[\d.]+, [\d.]+</span>"
    assert all(re.fullmatch(named, c) for c in cells), cells
    assert len(geocoder_server.geocoder.reverses) == 2
    english = site_cells(coverage_page(settings, "sites=2&lang=en"))
    assert all(c.startswith("near 1 Rue Fictive ") for c in english), english
    assert len(geocoder_server.geocoder.reverses) == 2  # the same sites: names from memory


def test_suggested_sites_fall_back_to_coordinates(built, tmp_path):
    down = built.with_overrides(geocoding={"enabled": True, "url": "http://127.0.0.1:9/geocodage",
                                           "cache": str(tmp_path / "geocoding-cache.jsonl")})  # fmt: skip
    cells = site_cells(coverage_page(down))
    assert len(cells) == 2 and all(re.fullmatch(r"[\d.]+, [\d.]+", c) for c in cells), cells
    assert places._DOWN_UNTIL[0] > 0  # the pages of the next minute do not ask again


def test_no_reverse_geocoding_when_geocoding_is_off(built, geocoder_server):
    off = built.with_overrides(geocoding={"enabled": False, "url": geocoder_server.url_for("/geocodage")})
    cells = site_cells(coverage_page(off))
    assert len(cells) == 2 and "près de" not in "".join(cells)
    assert geocoder_server.geocoder.reverses == []


@pytest.mark.parametrize("reachable", [True, False], ids=["reachable", "unreachable"])
def test_gaps_command_names_suggested_sites(built, geocoder_server, tmp_path, reachable):
    from inclusion_map.cli import main

    shutil.copy(built.store_path, tmp_path / "store.gpkg")  # the command writes its layers there
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    url = geocoder_server.url_for("/geocodage") if reachable else "http://127.0.0.1:9/geocodage"
    data.update(root=str(ROOT), mirror=str(built.mirror),
                store={"path": str(tmp_path / "store.gpkg"), "reports_dir": str(tmp_path / "reports")},
                coverage={"reference_week": "2026-11-30"}, http={"cache_dir": str(tmp_path / "http")},
                geocoding={"url": url, "cache": str(tmp_path / "geocoding-cache.jsonl")})  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["gaps", "--config", str(path), "--suggest", "2", "--top", "3"])
    assert result.exit_code == 0, result.output
    lines = [ln.strip() for ln in result.output.split("Suggested sites:")[1].strip().splitlines()[:2]]
    if reachable:
        assert all(re.match(r"\d\. near 1 Rue Fictive \d{5} .+ \([\d.]+,[\d.]+\): [\d ]+ more people", ln)
                   for ln in lines), lines  # fmt: skip
    else:
        assert all(re.match(r"\d\. [\d.]+,[\d.]+ \(.+\): [\d ]+ more people", ln) for ln in lines), lines
