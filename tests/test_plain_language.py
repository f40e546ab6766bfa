"""Plain language and English: every public text exists in both languages, short and without the
jargon of the trade; the English pages hold no French left behind, except what is marked French.

The English walk goes through the public pages of a store harvested and built from the real files
(offline mirror mode): home, results (filtered, printed, embedded), many venue pages, a closed and
a gone venue, the error pages, the embed help and the pages a public service owes. It reads the
visible text and the accessible names, leaves out what is marked ``lang="fr"`` (WCAG 3.1.2,
language of parts) and the proper names of the data (venue names, addresses, towns, the sources'
titles), and fails on French words that only a French sentence would hold.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from inclusion_map.stores import open_store
from inclusion_map.venue_ids import Resolution
from inclusion_map.web import create_app, i18n, moved
from inclusion_map.web.view_helpers import split
from tests.conftest import harvested_and_built, mirror_settings

#: Words and phrases that only a French sentence holds (never an English one, nor a number).
FRENCH_MARKERS = (
    " le ", " la ", " les ", " des ", " du ", " une ", " est ", " et ", " pour ", " avec ", " vous ", " nous ",
    " sur ", " pas ", " dans ", " aux ", " cette ", " ou ", " à ", "ouvert", "fermé", "horaires", "mis à jour",
    "inconnu", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "janvier", "février",
    "juillet", "août", "décembre", "à pied", "à compléter", "copie ancienne", "signaler",
)  # fmt: skip
#: The trade's jargon, never in a public French text (« facile à lire et à comprendre »).
JARGON = re.compile(r"\b(médiation|modalités?|dispositifs?|usagers?|prise en charge|habilitée?s?)\b", re.I)
#: Texts that are the same word in both languages.
SAME_IN_BOTH = {"Distance", "{d} km", "{d} m", "Contact", "Services", "Source", "E-mail", "Total", "Commune",
                "Latitude", "Longitude", "Description", "Action", "Structure", "Distance (km)"}
LONGEST_SENTENCE = 25  # words
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
NAMED_BY = ("aria-label", "title", "placeholder", "alt")


class VisibleText(HTMLParser):
    """The text a person sees or hears, without what is marked French (``lang="fr…"``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from the check)
        self.parts: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        marked_french = tag != "html" and str(attrs.get("lang") or "").startswith("fr")
        skipped = self._skipped() or tag in ("script", "style", "template", "head") or marked_french
        if not skipped:
            self.parts += [str(attrs[name]) for name in NAMED_BY if attrs.get(name)]
            self.parts += [str(v) for k, v in attrs.items() if k.startswith("data-") and v and " " in v]
        if tag not in VOID:
            self.stack.append((tag, skipped and tag != "head"))
        if tag == "title":  # the page's title is read out, though in <head>
            self.stack[-1] = ("title", False)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        in_head = any(t == "head" for t, _ in self.stack) and not (
            self.stack and self.stack[-1][0] == "title"
        )
        if not self._skipped() and not in_head:
            self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("plain"), testdata)


@pytest.fixture(scope="module")
def site(built, tmp_path_factory, testdata):
    folder = tmp_path_factory.mktemp("plain-site")
    shutil.copy(built.store_path, folder / "store.gpkg")
    settings = mirror_settings(folder, testdata)
    app = create_app(settings)
    app.config["TESTING"] = True
    venues = open_store(settings.store_location).read("venues")
    # Proper names of the data: they stay as they are, in every language (names of places need no
    # marking); longest first, so that a name is not cut by a shorter one inside it.
    names = set()
    for column in ("nom", "adresse", "complement_adresse", "commune", "structure_parente"):
        if column in venues:
            names |= {str(v).strip() for v in venues[column].dropna() if str(v).strip()}
    names |= {"Licence Ouverte", "Défenseur des droits"}  # the names the State gave them
    for cfg in settings.sources.values():
        names |= {cfg.title, cfg.publisher} | (
            {cfg.archive.title} if cfg.archive and cfg.archive.title else set()
        )
    return {"client": app.test_client(), "venues": venues, "names": sorted(names, key=len, reverse=True)}


def french_left(text: str, names: list[str]) -> list[str]:
    """The French markers found in ``text`` once the data's proper names are taken out."""
    lowered = f" {text} "
    for name in names:
        lowered = lowered.replace(name, " ")
    lowered = " ".join(lowered.lower().split())
    lowered = f" {lowered} "
    found = []
    for marker in FRENCH_MARKERS:
        at = lowered.find(marker)
        if at >= 0:
            found.append(f"{marker.strip()!r} in …{lowered[max(0, at - 60) : at + 60]}…")
    return found


def _venue_sample(venues, count: int = 60) -> list[str]:
    """Venues of every kind: approximate positions, descriptions, specific support, no phone…"""
    chosen: list[str] = []

    def take(frame, n):
        for venue_id in frame.sort_values("id")["id"].head(n):
            if venue_id not in chosen:
                chosen.append(str(venue_id))

    take(venues[venues["geocode_precision"] == "commune"], 5)
    for column in (
        "presentation_resume",
        "prise_en_charge_specifique",
        "horaires",
        "dispositif_programmes_nationaux",
    ):
        if column in venues:
            take(venues[venues[column].notna()], 5)
    take(venues[venues["telephone"].isna()], 5)
    take(venues.iloc[:: max(1, len(venues) // count)], count - len(chosen))
    return chosen


# --- the texts themselves ------------------------------------------------------------------------
def test_every_public_text_exists_in_english():
    missing = [
        key for key, (fr, en) in i18n.TEXTS.items() if not en.strip() or (en == fr and fr not in SAME_IN_BOTH)
    ]
    assert not missing, f"texts without an English version: {missing}"
    for fr, en in i18n.REPORT_KINDS.values():
        assert en and en != fr


def test_public_texts_are_short_and_free_of_jargon():
    long, jargon = [], []
    for key, (fr, _) in i18n.TEXTS.items():
        for sentence in re.split(r"(?<=[.!?;])\s+", fr):
            if len(sentence.split()) > LONGEST_SENTENCE:
                long.append(f"{key}: {sentence}")
        if JARGON.search(fr):
            jargon.append(f"{key}: {fr}")
    assert not long, "sentences too long for plain language:\n" + "\n".join(long)
    assert not jargon, "jargon in public texts:\n" + "\n".join(jargon)


def test_the_programmes_names_are_explained_where_they_are_offered(site):
    client = site["client"]
    html = client.get("/?q=Vitry-sur-Seine").get_data(as_text=True)
    for sentence in ("France services : un lieu public où l'on vous aide pour vos papiers",
                     "Conseiller numérique : une personne formée pour vous aider à utiliser internet",
                     "Aidants Connect : une personne autorisée peut faire vos papiers sur internet"):  # fmt: skip
        assert sentence in visible_text(html), sentence
    venues = site["venues"]
    fs = venues[venues["dispositif_programmes_nationaux"].fillna("").str.contains("France Services")].iloc[0]
    page = visible_text(client.get(f"/lieu/{fs['id']}").get_data(as_text=True))
    assert "France services : un lieu public où l'on vous aide pour vos papiers" in page
    english = visible_text(client.get(f"/lieu/{fs['id']}?lang=en").get_data(as_text=True))
    assert "France services: a public place where staff help you with your paperwork" in english


# --- the pages -------------------------------------------------------------------------------------
def _english_pages(site) -> list[str]:
    venues = site["venues"]
    return [
        "/?lang=en",
        "/?q=Vitry-sur-Seine&lang=en",
        "/?q=Orly&rayon=10&lang=en&service=Aide+aux+d%C3%A9marches+administratives&ouvert=maintenant",
        "/?q=Villeneuve&lang=en",
        "/?q=Marseille&lang=en",
        "/?q=Vitry-sur-Seine&lang=en&print=1",
        "/?q=Vitry-sur-Seine&lang=en&embed=1",
        "/integrer?lang=en&commune=94081",
        "/mentions-legales?lang=en",
        "/accessibilite?lang=en",
        "/donnees-personnelles?lang=en",
        "/?rayon=99&lang=en",
        "/?service=Nope&lang=en",
        "/?heure=25:00&lang=en",
        "/integrer?commune=zzz&lang=en",
        "/lieu/nexiste-pas?lang=en",
        *(f"/lieu/{venue_id}?lang=en" for venue_id in _venue_sample(venues)),
    ]


def test_english_pages_hold_no_french_left_behind(site):
    client, names = site["client"], site["names"]
    problems = []
    for path in _english_pages(site):
        response = client.get(path)
        assert response.status_code in (200, 400, 404), path
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, path
        problems += [f"{path}: {found}" for found in french_left(visible_text(html), names)]
    assert not problems, 'French left on English pages (translate it, or mark it lang="fr"):\n' + "\n".join(
        problems[:40]
    )


@pytest.mark.parametrize("status", ["closed", "gone"])
def test_a_closed_or_gone_venue_is_explained_in_english(site, monkeypatch, status):
    venues = site["venues"]
    here = venues.iloc[0]
    entry = {"name": "Point numérique fermé", "commune": here["commune"], "lon": here["longitude"],
             "lat": here["latitude"], "ended_at": "2026-05-04", "reason": "Le local a fermé après des travaux."}  # fmt: skip
    monkeypatch.setattr(moved, "resolve", lambda store, venue_id: Resolution(venue_id, None, status, entry))
    client = site["client"]
    response = client.get("/lieu/ancien-lieu?lang=en")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    page = visible_text(html)
    said = ("This place is closed. The team that runs this site says so. It has been closed since 4 May 2026."
            if status == "closed" else "This place is no longer in our lists. It has not been there since 4 May "
            "2026. It may have closed or moved. Call before you go.")  # fmt: skip
    assert said in page
    assert not french_left(page, site["names"] + ["Point numérique fermé"])
    if status == "closed":
        assert (
            '<span lang="fr">Le local a fermé après des travaux.</span>' in html
        )  # the team's words, in French
    french = visible_text(client.get("/lieu/ancien-lieu").get_data(as_text=True))
    assert ("Ce lieu est fermé. C'est l'équipe qui gère ce site qui le dit." if status == "closed"
            else "Ce lieu n'est plus dans nos listes.") in french  # fmt: skip


def test_a_refused_report_is_explained_in_english(site):
    client = site["client"]
    venue_id = site["venues"].sort_values("id")["id"].iloc[0]
    response = client.post(f"/lieu/{venue_id}/signaler?lang=en", data={"kind": "nope", "message": ""})
    assert response.status_code == 400
    assert not french_left(visible_text(response.get_data(as_text=True)), site["names"])


def test_french_pages_hold_no_jargon(site):
    client, names = site["client"], site["names"]
    found = []
    paths = ["/", "/?q=Vitry-sur-Seine", "/integrer?commune=94081", "/mentions-legales", "/accessibilite",
             "/donnees-personnelles", "/?rayon=99", "/lieu/nexiste-pas",
             *(f"/lieu/{venue_id}" for venue_id in _venue_sample(site["venues"], 20))]  # fmt: skip
    for path in paths:
        text = visible_text(client.get(path).get_data(as_text=True))
        for name in names:
            text = text.replace(name, " ")
        found += [f"{path}: {m.group(0)}" for m in JARGON.finditer(text)]
    assert not found, "jargon on French pages:\n" + "\n".join(found)


def test_french_only_values_are_marked_on_english_pages(site):
    """Vocabulary values without an English name, descriptions and source titles: lang="fr"."""
    client, venues = site["client"], site["venues"]
    with_text = (
        venues[venues["presentation_resume"].notna()] if "presentation_resume" in venues else venues.iloc[:0]
    )
    if len(with_text):
        html = client.get(f"/lieu/{with_text.iloc[0]['id']}?lang=en").get_data(as_text=True)
        assert re.search(r'<p lang="fr">[^<]+</p>', html), "a venue's description is marked French"
        assert '<span lang="fr">' in html.split('id="src-title"')[1], "its sources' titles are marked French"
    support = (
        venues[venues["prise_en_charge_specifique"].notna()] if "prise_en_charge_specifique" in venues else []
    )
    for _, row in support.head(3).iterrows() if len(support) else []:
        html = client.get(f"/lieu/{row['id']}?lang=en").get_data(as_text=True)
        for value in split(row["prise_en_charge_specifique"]):
            assert i18n.value(value, "en") in html or f'<li lang="fr">{value}</li>' in html, value
