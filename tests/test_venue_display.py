"""What a person sees of a venue: an approximate position said and never used for directions, the
phone on every result card, and how to reach a venue that has neither phone nor hours."""

from __future__ import annotations

import shutil
from html import unescape

import pytest

from inclusion_map.stores import open_store
from inclusion_map.web import create_app
from tests.conftest import harvested_and_built, mirror_settings


@pytest.fixture(scope="module")
def built(tmp_path_factory, testdata):
    return harvested_and_built(tmp_path_factory.mktemp("display"), testdata)


@pytest.fixture
def client(built, tmp_path, testdata):
    shutil.copy(built.store_path, tmp_path / "store.gpkg")
    settings = mirror_settings(tmp_path, testdata)
    app = create_app(settings)
    app.config["TESTING"] = True
    return settings, app.test_client()


def page(client, url: str) -> str:
    return " ".join(unescape(client.get(url).get_data(as_text=True)).split())


def test_commune_precision_venue_says_so_and_directions_use_the_address(client):
    settings, http = client
    venues = open_store(settings.store_location).read("venues")
    approx = venues[venues["geocode_precision"] == "commune"].iloc[0]
    html = page(http, f"/lieu/{approx['id']}")
    assert ("Sur la carte, ce lieu est au centre de la ville, pas à sa vraie place. Le lien « Itinéraire » "
            "utilise donc son adresse.") in html
    link = next(part for part in html.split('"') if part.startswith("https://www.openstreetmap.org/directions"))
    assert f"{approx['latitude']}" not in link and "to=" in link and "%20" in link  # the address text
    precise = venues[venues["geocode_precision"] == "source"].iloc[0]
    html = page(http, f"/lieu/{precise['id']}")
    assert f"to={precise['latitude']},{precise['longitude']}" in html
    assert "au centre de la ville, pas à sa vraie place" not in html


def test_cards_show_the_phone_or_how_to_reach_the_venue(client):
    settings, http = client
    store = open_store(settings.store_location)
    venues = store.read("venues")
    in_orly = venues[venues["commune"] == "Orly"].index[:3]
    # SYNTHETIC edits of three real venues: one with a phone, one with only a website, one with nothing.
    venues.loc[in_orly[0], ["telephone"]] = ["+33148900000"]
    venues.loc[in_orly[1], ["telephone", "horaires", "site_web", "courriels"]] = [None, None, "https://example.org", None]
    venues.loc[in_orly[2], ["telephone", "horaires", "site_web", "courriels"]] = [None, None, None, None]
    store.write("venues", venues, store.info("venues"))
    html = page(http, "/?q=Orly&radius=1")
    assert 'Appeler : <a href="tel:+33148900000">01 48 90 00 00</a>' in html
    assert 'Nous n\'avons pas leur téléphone ni leurs horaires. Pour les contacter : <a href="https://example.org"' in html
    assert "Nous n'avons pas leur téléphone, leurs horaires ni leur site internet." in html
    english = page(http, "/?q=Orly&radius=1&lang=en")
    assert "We do not have their phone number or opening hours. To contact them:" in english
