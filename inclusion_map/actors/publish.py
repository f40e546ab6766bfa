"""The public ``actors`` layer of the GeoPackage store, written from ``actors.sqlite``.

Only kinds with ``public: true`` are written, and never the organisers' columns
(:data:`NOT_PUBLISHED`: the contacts, and who made the last change; the public data say
« Équipe du territoire »). The layer is rewritten whole after every change, through the store's
transaction (copy, write, atomic rename), so the API, the OGC API and the exports list it at once.
Harvests and builds copy it along with every other layer and never rewrite it.

Callers change actors through :func:`open_actor_store`, whose store republishes after each
committed change (add, update, remove, apply).
"""

from __future__ import annotations

from collections import Counter

import geopandas as gpd
import pandas as pd

from ..config import Settings
from ..errors import StoreError
from ..geo.crs import STORED
from ..stores import open_store
from .kinds import public_kinds
from .records import ACTOR_COLUMNS, PRIVATE_COLUMNS
from .store import ActorStore, actors_path, now

LAYER = "actors"
#: columns never written to the layer: the organisers' contacts, and who changed the actor
NOT_PUBLISHED = (*PRIVATE_COLUMNS, "updated_by")
PUBLIC_COLUMNS = [c for c in ACTOR_COLUMNS if c not in NOT_PUBLISHED]
PROVENANCE = "saisi ou importé par l'équipe du territoire"
PROVENANCE_EN = "typed in or imported by the territory's team"


def public_frame(settings: Settings, actors: list[dict]) -> gpd.GeoDataFrame:
    """The published form of ``actors``: public kinds only, :data:`PUBLIC_COLUMNS`, points in
    EPSG:4326 (actors without a point are left out)."""
    kinds = public_kinds(settings)
    rows = [{c: a.get(c) for c in PUBLIC_COLUMNS} for a in actors
            if a.get("kind") in kinds and a.get("latitude") is not None and a.get("longitude") is not None]  # fmt: skip
    table = pd.DataFrame(rows, columns=PUBLIC_COLUMNS)
    for column in ("latitude", "longitude"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    text = [c for c in PUBLIC_COLUMNS if c not in ("latitude", "longitude")]
    table[text] = table[text].astype(object)
    geometry = gpd.points_from_xy(table["longitude"], table["latitude"], crs=STORED)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=STORED)


def publish(settings: Settings) -> int:
    """Write the ``actors`` layer into the GeoPackage store from ``actors.sqlite``.

    Parameters
    ----------
    settings : Settings
        ``store.path`` names the GeoPackage (``actors.sqlite`` is beside it); ``actors`` gives the
        kinds (only ``public: true`` ones are written) and the licence.

    Returns
    -------
    int
        The number of actors published.

    Raises
    ------
    StoreError
        When another process is writing the store (a harvest): the layer is left as it was.
    """
    source = ActorStore(actors_path(settings.store_location))
    frame = public_frame(settings, source.all())
    kinds = public_kinds(settings)
    counts = Counter(frame["kind"])
    meta = {
        "title": "Autres acteurs du territoire",
        "title_en": "Other actors of the territory",
        "licence": settings.actors.licence,
        "provenance": PROVENANCE,
        "provenance_en": PROVENANCE_EN,
        "source": "Équipe du territoire",
        "source_kind": "équipe",
        "updated_at": source.last_change(),
        "published_at": now(),
        "counts": {slug: int(counts.get(slug, 0)) for slug in kinds},
        "kinds": {slug: {"title_fr": k.config.title_fr, "title_en": k.config.title_en,
                         "colour": k.config.colour, "icon": k.config.icon} for slug, k in kinds.items()},
        "level": "lieu",
    }  # fmt: skip
    with open_store(settings.store_location).transaction() as tx:
        tx.write(LAYER, frame, meta)
    return len(frame)


def open_actor_store(settings: Settings) -> ActorStore:
    """The actors' store of ``settings``, republishing the layer after every committed change.

    A publication that fails because the GeoPackage is busy (a harvest is writing it) does not
    undo the change: the store's ``publish_error`` says why, and the next change, or
    ``python run.py actors publish``, writes the layer again.
    """
    store = ActorStore(actors_path(settings.store_location))

    def republish() -> None:
        store.publish_error = None
        try:
            publish(settings)
        except StoreError as exc:
            store.publish_error = str(exc)

    store.on_change = republish
    return store
