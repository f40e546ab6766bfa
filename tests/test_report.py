"""The territory report (``/rapport`` and ``/rapport.pdf``) on a store harvested, built and analysed
from the real files (offline mirror mode, read in place): key figures recomputed here from the
layers, inline SVG figures that obey the page's content security policy, the commune variant, the
English page, the PDF (WeasyPrint; rendered once per store version and variant, in the background,
at most ``server.pdf_renders`` at a time, « en préparation » meanwhile) and the errors (unknown
commune, missing layers)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import time
from html import unescape

import numpy as np
import pyogrio
import pytest

from inclusion_map.gaps.output import run_gaps
from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from inclusion_map.web.report import bp, static_fetcher
from tests.conftest import at_once, harvested_and_built, mirror_settings

TERRITORY = "Grand-Orly Seine Bièvre"
NNBSP = "\u202f"  # French thousands separator of the report


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    """One store harvested and built, copied before the gap analysis (a store without ``gaps``)."""
    folder = tmp_path_factory.mktemp("report")
    settings = harvested_and_built(folder, testdata)
    shutil.copy(settings.store_path, folder / "no-gaps.gpkg")
    run_gaps(settings)
    return folder, settings


def make_client(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    if "report" not in app.blueprints:
        app.register_blueprint(bp)
    return app.test_client()


@pytest.fixture(scope="module")
def client(built):
    return make_client(built[1])


@pytest.fixture(scope="module")
def layers(built):
    store = open_store(built[1].store_location)
    return {name: store.read(name) for name in ("communes", "venues", "gaps")}


def text_of(html: str) -> str:
    """Visible text, tags removed and spaces collapsed (narrow no-break spaces kept)."""
    return re.sub(r"[ \t\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def section(html: str, ident: str) -> str:
    return html.split(f'id="{ident}"', 1)[1].split("</section>", 1)[0]


def fr(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}".replace(",", NNBSP).replace(".", ",")


def test_key_figures_match_the_layers(client, layers, built):
    communes, gaps = layers["communes"], layers["gaps"]
    population = int(communes["population"].sum())
    venues = pyogrio.read_info(built[1].store_path, layer="venues")["features"]
    assert population == 730_551 and venues == 43 and len(communes) == 24
    rated = communes["fragility"].notna()
    fragility = np.average(communes.loc[rated, "fragility"], weights=communes.loc[rated, "population"])
    beyond = gaps["pop_beyond"].sum()

    response = client.get("/rapport")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    figures = text_of(section(html, "chiffres"))
    for expected in (f"Communes {len(communes)}", f"Habitants {fr(population)}", f"Lieux d'aide numérique {venues}",
                     f"Lieux pour 10 000 habitants {fr(1e4 * venues / population, 1)}",
                     f"Habitants à plus de 15 min à pied d'un lieu {fr(beyond)} ({fr(100 * beyond / gaps['population'].sum())}{NNBSP}%)",
                     f"base 100) {fr(fragility, 1)}"):  # fmt: skip
        assert expected in figures, expected
    assert f"<h1>{TERRITORY}</h1>" in html and '<html lang="fr">' in html


def test_tables_priorities_and_sources(client, layers):
    html = client.get("/rapport").get_data(as_text=True)
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    table = text_of(section(html, "lieux"))
    counts = venues["code_insee"].value_counts()
    for row in communes.itertuples():
        n = int(counts.get(row.code, 0))
        assert f"{row.nom} {fr(row.population)} {n} {fr(1e4 * n / row.population, 1)}" in table, row.nom
    top = gaps.sort_values("rank").head(10)
    names = re.findall(r'<th scope="row">([^<]+)</th>', section(html, "priorites"))
    assert [unescape(n) for n in names] == list(top["nom"])
    assert unescape(top["reason"].iloc[0]) in unescape(section(html, "priorites"))
    method = text_of(section(html, "methode"))
    assert "Licence Ouverte 2.0" in method and "COG 2026" in method and "4,0 km/h" in method
    assert "Indice de fragilité numérique (La MedNum, 2020) — Licence Ouverte 2.0 2020" in method
    assert len(re.findall(r"<tr>", section(html, "donnees"))) == len(gaps) + 1  # header + one row per zone


def test_figures_are_accessible_inline_svg(client):
    response = client.get("/rapport")
    html = response.get_data(as_text=True)
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", html, flags=re.S)
    assert len(svgs) == 8  # each figure drawn wide (screens, print) and narrow (phones)
    for svg in svgs:
        assert re.search(r'role="img"', svg) and re.search(r'aria-label="[^"]{40,}"', svg)
        assert "style=" not in svg and "<style" not in svg  # the CSP forbids inline styles
        assert "<text" in svg or "<path" in svg
    figures = re.findall(r"<figure\b[^>]*>(.*?)</figure>", html, flags=re.S)
    assert len(figures) == 4 and all("<figcaption>" in f and "<svg" in f for f in figures)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids clash between figures"
    for ref in set(re.findall(r"url\(#([^)]+)\)", html)) | set(re.findall(r'href="#([^"]+)"', html)):
        assert ref in ids, ref
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "Cachan" in re.findall(r'aria-label="([^"]+)"', svgs[0])[0]  # the first priority zone is named
    assert 'href="/rapport.pdf"' in html and '<select id="commune" name="commune">' in html
    assert "css/report.css" in html


def test_commune_report(client, layers):
    communes, venues, gaps = layers["communes"], layers["venues"], layers["gaps"]
    vitry = communes.set_index("code").loc["94081"]
    n = int((venues["code_insee"] == "94081").sum())
    html = client.get("/rapport?commune=94081").get_data(as_text=True)
    assert "<h1>Vitry-sur-Seine</h1>" in html and '<option value="94081" selected>' in html
    figures = text_of(section(html, "chiffres"))
    assert f"Habitants {fr(vitry['population'])} {fr(730_551)}" in figures
    assert f"Lieux d'aide numérique {n} 43" in figures
    assert f"Lieux pour 10 000 habitants {fr(1e4 * n / vitry['population'], 1)} {fr(1e4 * 43 / 730_551, 1)}" in figures
    own = gaps[gaps["commune"] == "94081"]
    assert len(re.findall(r"<tr>", section(html, "donnees"))) == len(own) + 1
    assert 'class="current"' in section(html, "lieux")
    assert len(re.findall(r"<svg\b", html)) == 8 and 'href="/rapport.pdf?commune=94081"' in html
    english = client.get("/rapport?commune=94081&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Key figures" in english and "93,963" in english
    assert 'href="/rapport.pdf?commune=94081&amp;lang=en"' in english


def pdf_text(data: bytes) -> tuple[str, int]:
    """Text and page count of a PDF: pypdf, else poppler's pdftotext, else no text."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)
    except ImportError:
        pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        if shutil.which("pdftotext"):
            run = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
            return run.stdout.decode("utf-8"), pages
        return "", pages


def get_pdf(client, url: str, timeout_s: float = 120):
    """The PDF at ``url``, asked again while the answer is « en préparation » (503)."""
    deadline = time.monotonic() + timeout_s
    while (response := client.get(url)).status_code == 503 and time.monotonic() < deadline:
        assert response.headers["Retry-After"].isdigit()
        time.sleep(0.2)
    return response


def test_pdf(client):
    response = get_pdf(client, "/rapport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF") and len(data) > 30_000
    text, pages = pdf_text(data)
    assert pages >= 6
    if text:
        assert TERRITORY in text and "Chiffres clés" in text and "Méthode et sources" in text
    try:
        from pypdf import PdfReader

        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    except ImportError:
        pass
    commune = get_pdf(client, "/rapport.pdf?commune=94081&lang=en")
    assert commune.status_code == 200 and commune.data.startswith(b"%PDF")
    text, _ = pdf_text(commune.data)
    if text:
        assert "Vitry-sur-Seine" in text and "Key figures" in text


def test_pdf_reads_only_static_files(client):
    app = client.application
    with app.test_request_context("/rapport.pdf"):
        fetcher = static_fetcher("http://localhost/", app.static_url_path, app.static_folder)
        response = fetcher.fetch("http://localhost/static/css/report.css")
        assert b"@page" in response.read()
        for url in ("http://localhost/static/../report.py", "https://example.com/x.css", "file:///etc/passwd"):
            with pytest.raises(ValueError):
                fetcher.fetch(url)


@pytest.mark.parametrize("url", ["/rapport?commune=99999", "/rapport.pdf?commune=99999", "/rapport?commune=<b>x"])
def test_unknown_commune_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "unknown commune code" in response.get_data(as_text=True) and "<b>x" not in response.get_data(as_text=True)


def test_missing_layers_are_a_404_naming_the_command(built, testdata, tmp_path):
    folder, _ = built
    no_gaps = make_client(mirror_settings(folder, testdata, "no-gaps.gpkg"))
    for url in ("/rapport", "/rapport.pdf"):
        response = no_gaps.get(url)
        assert response.status_code == 404 and "python run.py gaps" in response.get_data(as_text=True)
    empty = make_client(mirror_settings(tmp_path, testdata, "nothing.gpkg"))
    response = empty.get("/rapport")
    assert response.status_code == 404 and "python run.py harvest" in response.get_data(as_text=True)
    # Said in the page's language, not as an English hint.
    page = " ".join(unescape(re.sub(r"<[^>]+>", " ", no_gaps.get("/rapport").get_data(as_text=True))).split())
    assert "Cette page a besoin de données qui ne sont pas encore prêtes : l'analyse des manques." in page
    assert "Un organisateur peut les préparer avec la commande python run.py gaps" in page
    english = " ".join(unescape(re.sub(r"<[^>]+>", " ", no_gaps.get("/rapport?lang=en").get_data(as_text=True))).split())
    assert "This page needs data that is not ready yet: the gap analysis." in english


class CountingRenders:
    """Stands in for WeasyPrint's ``HTML.write_pdf`` (a small fake PDF after ``seconds``), counting
    the renders and the most that ran at the same time."""

    def __init__(self, seconds: float = 0.3):
        self.seconds, self.calls, self.running, self.most = seconds, [], 0, 0
        self.lock = threading.Lock()

    def install(self, monkeypatch) -> CountingRenders:
        weasyprint = pytest.importorskip("weasyprint")
        renders = self
        monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda html, *args, **kwargs: renders(html))
        return self

    def __call__(self, document):
        with self.lock:
            self.calls.append(document)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self.lock:
            self.running -= 1
        return b"%PDF-1.7 fake " + str(len(self.calls)).encode()


@pytest.fixture
def own_store(built, testdata, tmp_path):
    """A copy of the built store in its own folder (so its PDF cache starts empty), and its settings."""
    settings = mirror_settings(tmp_path, testdata)
    if isinstance(built[1].store_location, str):  # PostGIS: a new database made from the built one
        import postgis

        url = postgis.new_database(template=postgis.database_name(built[1].store_location))
        return settings.with_overrides(store={**settings.store.model_dump(), "url": url})
    shutil.copy(built[1].store_path, tmp_path / "store.gpkg")
    return settings


def test_pdf_is_rendered_once_then_served_from_its_file(own_store, monkeypatch):
    renders = CountingRenders().install(monkeypatch)
    client = make_client(own_store)
    first = client.get("/rapport.pdf")
    assert first.status_code == 503 and first.headers["Retry-After"].isdigit()
    served = get_pdf(client, "/rapport.pdf")
    assert served.status_code == 200 and served.data == b"%PDF-1.7 fake 1"
    assert served.headers["Content-Disposition"] == 'inline; filename="rapport-territoire.pdf"'
    again = client.get("/rapport.pdf")
    assert again.status_code == 200 and again.data == served.data and len(renders.calls) == 1
    # Kept beside the store, readable by its owner only; a new app (a restart) serves it too.
    files = list((own_store.store_path.parent / "cache" / "reports").glob("rapport-*-territoire-fr.pdf"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    assert make_client(own_store).get("/rapport.pdf").data == served.data and len(renders.calls) == 1


def test_pdf_requests_at_once_run_one_render_at_a_time(own_store, monkeypatch):
    renders = CountingRenders(seconds=0.5).install(monkeypatch)
    client = make_client(own_store)
    answers = at_once(client, ["/rapport.pdf?commune=94081"] * 8)
    assert {a.status_code for a in answers} <= {200, 503}
    assert get_pdf(client, "/rapport.pdf?commune=94081").status_code == 200
    assert len(renders.calls) == 1
    # Other variants asked at once queue behind server.pdf_renders (1) renders, each rendered once.
    variants = [f"/rapport.pdf?commune={c}{lang}" for c in ("94081", "94041", "91027")
                for lang in ("", "&lang=en")]  # fmt: skip
    at_once(client, variants * 2)
    for url in variants:
        assert get_pdf(client, url).status_code == 200
    assert len(renders.calls) == 6 and renders.most == 1


def test_new_store_version_renders_again(own_store, monkeypatch):
    renders = CountingRenders().install(monkeypatch)
    client = make_client(own_store)
    assert get_pdf(client, "/rapport.pdf?lang=en").status_code == 200 and len(renders.calls) == 1
    folder = own_store.store_path.parent / "cache" / "reports"
    old = list(folder.glob("*.pdf"))
    store = open_store(own_store.store_location)
    store.write("communes", store.read("communes"))  # a new build: a new store version
    assert client.get("/rapport.pdf?lang=en").status_code == 503
    assert get_pdf(client, "/rapport.pdf?lang=en").data == b"%PDF-1.7 fake 2" and len(renders.calls) == 2
    assert len(list(folder.glob("*.pdf"))) == 1 and not any(f.exists() for f in old)  # the old one is gone


@pytest.mark.parametrize("lang, title, retry", [
    ("fr", "Le rapport PDF est en préparation", "Réessayer maintenant"),
    ("en", "The PDF report is being prepared", "Try again now"),
])  # fmt: skip
def test_pdf_being_prepared_is_said_in_the_page_language(own_store, monkeypatch, lang, title, retry):
    CountingRenders(seconds=1).install(monkeypatch)
    client = make_client(own_store)
    query = "?commune=94081" + ("&lang=en" if lang == "en" else "")
    response = client.get(f"/rapport.pdf{query}")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 503 and response.mimetype == "text/html"
    wait = response.headers["Retry-After"]
    assert wait.isdigit() and 1 <= int(wait) <= 60 and response.headers["Cache-Control"] == "no-store"
    assert f'<html lang="{lang}">' in html and f"<h1>{title}</h1>" in html
    # Works without JavaScript: the page reloads itself, and says how to try again.
    assert f'<meta http-equiv="refresh" content="{wait}">' in html
    assert f'<a href="/rapport.pdf{query}">{retry}</a>' in html and f'href="/rapport{query}"' in html
    assert "<script" not in html.split("</main>")[0]
    assert get_pdf(client, f"/rapport.pdf{query}").status_code == 200
