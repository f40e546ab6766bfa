"""The findings of the security review, each reproduced on a store harvested and built from the real
files (offline mirror mode): organiser sessions kept and ended on the server, the login's ``next``,
rate limits under parallel requests (a real waitress server), the client address behind a trusted
proxy, absolute links under a forged Host header, the error log's place, the SQLite files' modes,
``no-store`` on organiser pages, reporters' messages kept from the public, web addresses with no
real host, venue ids holding a ``/``."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import waitress
import yaml
from click.testing import CliRunner

from inclusion_map.locations import side_db
from inclusion_map.stores import open_store
from inclusion_map.web import auth, create_app
from inclusion_map.web.auth import OrganiserStore
from inclusion_map.web.reports_store import ReportStore
from tests.conftest import ROOT, harvested_and_built, mirror_settings

PASSWORD = "correct horse battery"  # a test account's password, created in a temporary folder
SLASHED_ID = "fs/94054/accueil"  # a venue id holding slashes, as some publishers' ids do


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("security"), testdata)


@pytest.fixture
def settings(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    return mirror_settings(tmp_path, testdata)


def organisers(settings) -> OrganiserStore:
    return OrganiserStore(side_db(settings.store_location, "organisers"))


def reports(settings) -> ReportStore:
    return ReportStore(side_db(settings.store_location, "reports"))


def make_app(settings, **server):
    """The application, with some ``server:`` settings changed."""
    if server:
        settings = settings.with_overrides(server={**settings.server.model_dump(), **server})
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def app(settings):
    organisers(settings).add_account("claire", PASSWORD)
    reports(settings).add("v1", "Lieu", "horaires", "Fermé le lundi", "claire@example.org", "fr", "k")
    return make_app(settings)


def token(client, path="/qualite", **kwargs) -> str:
    html = client.get(path, **kwargs).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, password=PASSWORD, next_url="/qualite", **kwargs):
    return client.post("/connexion", data={"csrf": token(client, "/connexion", **kwargs), "name": "claire",
                                           "password": password, "next": next_url}, **kwargs)  # fmt: skip


def write(client, csrf):
    """An organiser's write (a report's status): 302 when allowed, 401 without a session."""
    return client.post("/qualite/signalements/1", data={"csrf": csrf, "status": "en cours"})


@pytest.fixture
def no_harvest(monkeypatch):
    """Harvests that a test starts from /qualite/moisson are recorded instead of run."""
    started = []

    def fake_refresh(settings):
        started.append(settings)
        return SimpleNamespace(harvest=SimpleNamespace(venues=0, run_id="test"))

    monkeypatch.setattr("inclusion_map.refresh.refresh", fake_refresh)
    return started


# 1. Organiser sessions live on the server -------------------------------------------------------


def test_logout_revokes_the_session_even_for_a_kept_cookie(app, no_harvest):
    client = app.test_client()
    assert login(client).status_code == 302
    csrf = token(client)
    kept = client.get_cookie("session").value  # e.g. copied from the browser before logging out
    assert client.post("/deconnexion", data={"csrf": csrf}).status_code == 302
    client.set_cookie("session", kept)
    assert client.post("/qualite/moisson", data={"csrf": csrf}).status_code == 401
    assert not no_harvest


def test_password_change_and_removal_end_sessions_at_once(app, settings):
    client = app.test_client()
    login(client)
    csrf = token(client)
    assert write(client, csrf).status_code == 302
    organisers(settings).add_account("claire", "a brand new password")  # `organiser add` again
    assert write(client, csrf).status_code == 401
    assert login(client, "a brand new password").status_code == 302
    csrf = token(client)
    assert write(client, csrf).status_code == 302
    assert organisers(settings).remove_account("claire")
    assert write(client, csrf).status_code == 401
    assert login(client, "a brand new password").status_code == 401
    assert not organisers(settings).remove_account("claire")  # already gone


def test_organiser_remove_command(app, settings, monkeypatch):
    from inclusion_map import cli

    monkeypatch.setattr(cli, "_settings", lambda *args, **kwargs: settings)
    client = app.test_client()
    login(client)
    csrf = token(client)
    runner = CliRunner()
    done = runner.invoke(cli.main, ["organiser", "remove", "claire"])
    assert done.exit_code == 0, done.output
    assert "claire" not in organisers(settings).accounts()
    assert write(client, csrf).status_code == 401
    again = runner.invoke(cli.main, ["organiser", "remove", "claire"])
    assert again.exit_code == 1 and "no organiser account" in again.output.lower()


def test_idle_and_absolute_session_lifetimes(settings, monkeypatch):
    organisers(settings).add_account("claire", PASSWORD)
    reports(settings).add("v1", "Lieu", "horaires", "Fermé", "", "fr", "k")
    app = make_app(settings, session_idle_minutes=30, session_max_hours=2)
    clock = [datetime(2026, 12, 1, 9, 0).timestamp()]
    monkeypatch.setattr(auth, "_clock", lambda: clock[0])
    client = app.test_client()
    login(client)
    csrf = token(client)
    for _ in range(4):  # active every 29 minutes: kept for 1 h 56 …
        clock[0] += 29 * 60
        assert write(client, csrf).status_code == 302
    clock[0] += 5 * 60  # … but never beyond 2 hours after the login
    assert write(client, csrf).status_code == 401
    login(client)
    csrf = token(client)
    clock[0] += 31 * 60  # 31 minutes without a request
    assert write(client, csrf).status_code == 401


def test_a_signed_cookie_naming_an_organiser_is_not_a_session(app):
    """Cookies of the former scheme (``organiser`` in the signed cookie) log nobody in."""
    client = app.test_client()
    csrf = token(client)
    with client.session_transaction() as session:
        session["organiser"] = "claire"
    assert write(client, csrf).status_code == 401


# 2. The login's ``next`` ------------------------------------------------------------------------


ELSEWHERE = ["/\t/evil.example", "/\r\nSet-Cookie: x=1", "//evil.example", "/\\evil.example",
             "\\\\evil.example", "https://evil.example/", "/\n/evil.example", " //evil.example",
             "/qualite\x00", "", "qualite", "/%0d%0aX:%20y\r"]  # fmt: skip


@pytest.mark.parametrize("target", ELSEWHERE)
def test_login_goes_only_to_a_local_path(app, target):
    client = app.test_client()
    response = login(client, next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/qualite"
    html = client.get("/connexion", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" value="/qualite"' in html


def test_login_keeps_a_local_next(app):
    response = login(app.test_client(), next_url="/couverture?seuil=20&creneau=soir")
    assert response.headers["Location"] == "/couverture?seuil=20&creneau=soir"


# 3. Rate limits are atomic; the client address behind a trusted proxy ---------------------------


@contextlib.contextmanager
def served(app):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=32)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


def in_parallel(count: int, send) -> list[int]:
    """Send ``count`` requests at the same instant (one thread each); their status codes."""
    barrier = threading.Barrier(count)

    def one(_):
        barrier.wait()
        return send()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def form_and_cookie(url: str) -> tuple[str, dict]:
    browser = requests.Session()
    html = browser.get(url, timeout=10).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1), browser.cookies.get_dict()


def test_parallel_password_guesses_stop_at_the_limit(app, settings):
    with served(app) as url:
        csrf, cookies = form_and_cookie(f"{url}/connexion")
        statuses = in_parallel(30, lambda: requests.post(
            f"{url}/connexion", data={"csrf": csrf, "name": "claire", "password": "guess 12345", "next": "/"},
            cookies=cookies, allow_redirects=False, timeout=60).status_code)  # fmt: skip
    refused = 30 - auth.MAX_FAILURES
    assert statuses.count(401) == auth.MAX_FAILURES and statuses.count(429) == refused, statuses
    failed = [a for a in organisers(settings).actions(100) if a["action"] == "login-failed"]
    assert len(failed) == auth.MAX_FAILURES


def test_parallel_error_reports_stop_at_the_limit(app, settings):
    from inclusion_map.web.public import REPORTS_PER_HOUR
    from inclusion_map.web.venue_index import get_index

    venue = get_index(settings.store_location).records[0]["id"]
    with served(app) as url:
        csrf, cookies = form_and_cookie(f"{url}/lieu/{venue}")
        statuses = in_parallel(30, lambda: requests.post(
            f"{url}/lieu/{venue}/signaler", data={"csrf": csrf, "kind": "autre", "message": "Fermé en mars"},
            cookies=cookies, allow_redirects=False, timeout=60).status_code)  # fmt: skip
    assert statuses.count(302) == REPORTS_PER_HOUR and statuses.count(429) == 30 - REPORTS_PER_HOUR, statuses
    assert len([r for r in reports(settings).list() if r["venue_id"] == venue]) == REPORTS_PER_HOUR


def test_client_address_comes_from_a_trusted_proxy_only(settings):
    organisers(settings).add_account("claire", PASSWORD)
    app = make_app(settings, trusted_proxy_header="X-Forwarded-For",
                   trusted_proxies=["127.0.0.1", "10.0.0.0/8"])  # fmt: skip
    client = app.test_client()

    def guess(forwarded: str, socket: str = "127.0.0.1") -> int:
        return login(client, "wrong password", headers={"X-Forwarded-For": forwarded},
                     environ_base={"REMOTE_ADDR": socket}).status_code  # fmt: skip

    assert [guess("203.0.113.1") for _ in range(auth.MAX_FAILURES)] == [401] * auth.MAX_FAILURES
    assert guess("203.0.113.1") == 429
    assert guess("203.0.113.2") == 401  # another person behind the same proxy
    # The proxy appends the address it saw: what the client wrote before it is not believed.
    assert guess("203.0.113.2, 203.0.113.1") == 429
    assert guess("203.0.113.1, 203.0.113.3, 10.1.2.3", socket="10.9.9.9") == 401  # two trusted hops
    # A client connecting directly (not through a trusted proxy) cannot choose its address.
    assert [guess(f"198.51.100.{i}", socket="192.0.2.7") for i in range(auth.MAX_FAILURES)] == [401] * 5
    assert guess("198.51.100.99", socket="192.0.2.7") == 429


def test_client_address_from_a_forwarded_header(settings):
    """RFC 7239 ``Forwarded``; what a client wrote before its own hop is never read."""
    organisers(settings).add_account("claire", PASSWORD)
    client = make_app(settings, trusted_proxy_header="Forwarded").test_client()

    def guess(forwarded: str) -> int:
        return login(client, "wrong password", headers={"Forwarded": forwarded}).status_code

    hop = 'for="[2001:db8::7]:4711";proto=https'
    assert [guess(f"for=garbage, {hop}") for _ in range(auth.MAX_FAILURES)] == [401] * auth.MAX_FAILURES
    assert guess(hop) == 429 and guess("for=198.51.100.4:80;by=10.0.0.1") == 401


def test_a_bad_trusted_proxy_setting_is_refused(settings):
    from inclusion_map.errors import ConfigError

    with pytest.raises(ConfigError, match="server.trusted_proxies: 'proxy.local'"):
        make_app(settings, trusted_proxy_header="X-Forwarded-For", trusted_proxies=["proxy.local"])


def test_without_a_proxy_setting_the_header_is_ignored(app):
    client = app.test_client()
    for i in range(auth.MAX_FAILURES):
        login(client, "wrong password", headers={"X-Forwarded-For": f"198.51.100.{i}"})
    assert login(client, "wrong password", headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


# 4. Absolute links never come from the Host header when the public address is set ---------------

PUBLIC = "https://aide.example.org"
FORGED = {"Host": "evil.example"}


def test_absolute_links_use_the_public_base_url(settings):
    client = make_app(settings, public_base_url=PUBLIC).test_client()
    hrefs = [link["href"] for link in client.get("/ogc/", headers=FORGED).get_json()["links"]]
    page = client.get("/ogc/collections/communes/items?limit=5", headers=FORGED).get_json()
    hrefs += [link["href"] for link in page["links"]]
    hrefs += [link["href"] for c in client.get("/ogc/collections", headers=FORGED).get_json()["collections"]
              for link in c["links"]]  # fmt: skip
    assert hrefs and all(h.startswith((f"{PUBLIC}/ogc/", f"{PUBLIC}/api/")) for h in hrefs), hrefs
    assert any(link["rel"] == "next" for link in page["links"])
    download = client.get("/exports/communes.csv", headers=FORGED)
    assert download.headers["Link"] == f'<{PUBLIC}/exports/communes.csv.meta.json>; rel="describedby"'
    meta = client.get("/exports/communes.csv.meta.json", headers=FORGED).get_json()
    assert meta["permalink"] == f"{PUBLIC}/exports/communes.csv"
    snippet = client.get("/integrer?commune=94054", headers=FORGED).get_data(as_text=True)
    assert f"&lt;iframe src=&#34;{PUBLIC}/?q=Orly&amp;embed=1" in snippet
    for path in ("/integrer?commune=94054", "/api/docs", "/exports"):
        assert "evil.example" not in client.get(path, headers=FORGED).get_data(as_text=True), path


def test_public_base_url_with_a_path_prefix(settings):
    """Behind a proxy serving the site under a folder (``/carte``), links keep that folder."""
    client = make_app(settings, public_base_url=f"{PUBLIC}/carte/").test_client()
    links = client.get("/ogc/", headers=FORGED).get_json()["links"]
    assert links[0]["href"] == f"{PUBLIC}/carte/ogc/"
    assert client.get("/carte/ogc/conformance").status_code == 200  # a proxy that keeps the folder


# 5. The error log of unexpected errors ----------------------------------------------------------


def test_unexpected_error_log_is_private_and_beside_the_store(tmp_path, monkeypatch):
    from inclusion_map import catalogue, cli

    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["store"] = {"path": str(tmp_path / "data" / "store.gpkg"),
                       "reports_dir": str(tmp_path / "reports")}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def broken():
        raise RuntimeError("a bug, with a secret path in its message")

    monkeypatch.setattr(catalogue, "load_catalogue", broken)
    old = os.umask(0o022)
    try:
        done = CliRunner().invoke(cli.main, ["layers", "--config", str(tmp_path / "config.yaml")])
    finally:
        os.umask(old)
    assert done.exit_code == 2
    logs = list((tmp_path / "data" / "logs").glob("error-*.log"))
    assert len(logs) == 1 and "RuntimeError: a bug" in logs[0].read_text(encoding="utf-8")
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(logs[0].parent.stat().st_mode) == 0o700
    assert not any(shared_tmp.iterdir())  # nothing in the machine's shared temporary folder


def test_unexpected_error_log_without_settings_is_a_private_temp_file(tmp_path, monkeypatch):
    from inclusion_map import cli

    shared_tmp = tmp_path / "shared-tmp"
    shared_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    monkeypatch.chdir(tmp_path)  # no config.yaml here: the settings cannot be loaded

    @cli._friendly
    def broken():
        raise RuntimeError("a bug")

    old = os.umask(0o022)
    try:
        with pytest.raises(SystemExit) as exit_code:
            broken()
    finally:
        os.umask(old)
    assert exit_code.value.code == 2
    (log,) = shared_tmp.iterdir()
    assert "RuntimeError: a bug" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


# 6. SQLite files with password hashes and contacts ----------------------------------------------


def test_embedded_databases_are_never_readable_by_others(tmp_path, monkeypatch):
    modes_at_open = {}
    real_connect = sqlite3.connect

    def spy(path, *args, **kwargs):
        file = Path(path)
        modes_at_open[file.name] = stat.S_IMODE(file.stat().st_mode) if file.exists() else None
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", spy)
    old = os.umask(0o022)
    try:
        OrganiserStore(tmp_path / "new" / "organisers.sqlite").add_account("claire", PASSWORD)
        ReportStore(tmp_path / "new" / "reports.sqlite").add("v1", "Lieu", "autre", "abc", "me@example.org",
                                                             "fr", "k")  # fmt: skip
        connection = sqlite3.connect(tmp_path / "new" / "reports.sqlite")  # a reader keeps the WAL files
        connection.execute("SELECT COUNT(*) FROM reports").fetchone()
        files = sorted((tmp_path / "new").iterdir())
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
        connection.close()
    finally:
        os.umask(old)
    assert modes_at_open["organisers.sqlite"] == modes_at_open["reports.sqlite"] == 0o600
    assert {"organisers.sqlite", "reports.sqlite", "reports.sqlite-wal", "reports.sqlite-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


# 7. Organiser pages are never stored by caches --------------------------------------------------


def test_organiser_pages_are_never_cached(app):
    client = app.test_client()
    for path in ("/qualite", "/connexion", "/qualite?lang=en"):
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    response = login(client)
    assert "no-store" in response.headers.get("Cache-Control", "")
    for path in ("/qualite", "/couverture", "/"):  # every page while logged in
        assert "no-store" in client.get(path).headers.get("Cache-Control", ""), path
    assert "no-store" not in app.test_client().get("/").headers.get("Cache-Control", "")


# 8. Reporters' messages and contacts are for organisers only ------------------------------------


def test_reporters_messages_are_for_organisers_only(app):
    client = app.test_client()
    for lang in ("fr", "en"):
        public = client.get(f"/qualite?lang={lang}").get_data(as_text=True)
        assert "Fermé le lundi" not in public and "claire@example.org" not in public
        status = "nouveau" if lang == "fr" else "new"  # in the page's language
        assert "n° 1" in public and status in public  # counts and statuses stay public
    login(client)
    html = client.get("/qualite").get_data(as_text=True)
    assert "Fermé le lundi" in html and "claire@example.org" in html


# 9. Web addresses need a real host --------------------------------------------------------------

NOT_WEB = ["https://javascript:alert(1)", "https://", "http://", "https://user:pw@evil.example/",
           "https://evil.example@good.example/", "https://.", "https://a..example", "javascript:alert(1)",
           "https://javascript:alert(1).example", "https://exa mple.org", "https://example.org/\tx",
           "https://example.org\\@evil.example", "https://exa\x00mple.org", "ftp://example.org",
           "https://example.org:99999/", "https://-x.example/", "https://example.123"]  # fmt: skip
WEB = ["https://www.example.org", "http://mairie-orly.fr/aide?x=1#a", "https://192.0.2.4/",
       "https://[2001:db8::1]/x", "https://médiathèque.example.fr/", "https://example.org:8443/",
       "HTTPS://WWW.EXAMPLE.ORG/"]  # fmt: skip


def test_venue_links_need_a_real_host():
    from inclusion_map.web.view_helpers import decorate

    record = {"site_web": "|".join(NOT_WEB + WEB), "prise_rdv": "https://javascript:alert(1)",
              "fiche_acces_libre": "https://"}  # fmt: skip
    item = decorate(record, datetime(2026, 12, 1, 10), "fr")
    assert item["websites"] == WEB
    assert item["appointment"] is None and item["acceslibre"] is None
    assert decorate({"prise_rdv": WEB[0]}, datetime(2026, 12, 1, 10), "fr")["appointment"] == WEB[0]


def test_harvested_web_addresses_need_a_real_host():
    from inclusion_map.schema import _urls

    issues = []
    # (the harvest splits values on spaces, "|" and ";" first, and turns NUL into a space)
    bad = [u for u in NOT_WEB if all(c.isprintable() and not c.isspace() and c not in "|;" for c in u)]
    kept = _urls("|".join(bad + WEB), "site_web", issues)
    assert kept == WEB, kept
    assert {i.value for i in issues} >= {"https://javascript:alert(1)", "https://user:pw@evil.example/"}
    assert _urls("www.example.org", "site_web", []) == ["https://www.example.org"]  # a scheme is added


# 10. Venue ids holding a slash ------------------------------------------------------------------


def test_venue_with_a_slash_in_its_id(settings):
    from markupsafe import escape

    first = re.search(r'<a href="/lieu/([^"?]+)', make_app(settings).test_client().get("/?q=Orly").get_data(
        as_text=True)).group(1)  # fmt: skip
    store = open_store(settings.store_location)
    venues = store.read("venues")
    row = venues.index[venues["id"] == first][0]
    venues.loc[row, "id"] = SLASHED_ID
    name = venues.loc[row, "nom"]
    store.write("venues", venues, store.info("venues"))
    client = make_app(settings).test_client()
    html = client.get("/?q=Orly").get_data(as_text=True)
    assert f'href="/lieu/{SLASHED_ID}"' in html
    page = client.get(f"/lieu/{SLASHED_ID}")
    assert page.status_code == 200 and f"<h1>{escape(name)}</h1>" in page.get_data(as_text=True)
    sent = client.post(f"/lieu/{SLASHED_ID}/signaler", data={"csrf": token(client, f"/lieu/{SLASHED_ID}"),
                                                            "kind": "autre", "message": "Fermé"})  # fmt: skip
    assert sent.status_code == 302 and sent.headers["Location"].startswith(f"/lieu/{SLASHED_ID}?merci=")
    assert reports(settings).list()[0]["venue_id"] == SLASHED_ID
    api = client.get(f"/api/venues/{SLASHED_ID}")
    assert api.status_code == 200 and api.get_json()["id"] == SLASHED_ID
    ogc = client.get(f"/ogc/collections/venues/items/{SLASHED_ID}")
    assert ogc.status_code == 200 and ogc.get_json()["id"] == SLASHED_ID
    assert ogc.get_json()["links"][0]["href"].endswith(f"/ogc/collections/venues/items/{SLASHED_ID}")
    assert client.get(f"/lieu/{SLASHED_ID}/autre").status_code == 404
