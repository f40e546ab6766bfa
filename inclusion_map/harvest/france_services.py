"""The official list of France services centres (CSV as published on data.gouv.fr by ANCT).

The dataset is resolved at each harvest through its stable resource link, so a re-upload does not
break the harvest. Separator (``;`` today, ``,`` in 2022) and encoding (UTF-8 or Windows-1252) are
detected. Hours come as one column per weekday (``09:00 - 12:00 / 13:30 - 17:00``) and become one
OSM ``opening_hours``.

Columns read today (as ANCT's mednum-cli maps them, 2026): ``id_fs, lib_fs, adresse,
complement_adresse, insee_com, code_postal, lib_com, latitude, longitude, mail, telephone,
h_lundi…h_samedi, commentaire, format_fs, prise_rdv``. ``format_fs`` tells a fixed centre
(``Fixe``, ``Multisites``) from a roaming one (``Itinérante``, ``Bus_équivalent``); the 2022 list
used ``format_fs`` for ``Site principal``/``Antenne`` and said roaming in ``itinerance``
(``Oui``/``Non``), which is read when ``format_fs`` does not tell.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..hours import weekly_table_to_osm
from ..schema import Issue
from .base import Harvester, Raw, Rejection, load_csv

REQUIRED_COLUMNS = ("id_fs", "lib_fs", "adresse", "code_postal", "lib_com", "latitude", "longitude")
DAY_COLUMNS = {"Mo": "h_lundi", "Tu": "h_mardi", "We": "h_mercredi", "Th": "h_jeudi",
               "Fr": "h_vendredi", "Sa": "h_samedi", "Su": "h_dimanche"}  # fmt: skip

# Every France services centre helps with online procedures and, by its charter, offers free
# access to a computer and the internet, with an agent at hand.
SERVICES = ("Aide aux démarches administratives", "Accès internet et matériel informatique")


FORMATS = {"fixe": "Fixe", "multisites": "Fixe", "itinerante": "Itinérant", "bus_equivalent": "Itinérant"}
# ``prise_rdv``: whether a visit needs an appointment (mednum-cli's reading of the column).
ACCESS = {"non": "Se présenter", "oui": "Téléphoner|Contacter par mail"}


def roaming(row: dict) -> str | None:
    """« Itinérant » or « Fixe » from ``format_fs`` (2026), else from ``itinerance`` (2022)."""
    from ..vocab import fold

    given = FORMATS.get(fold(row.get("format_fs") or "").replace(" ", "_"))
    return given or {"oui": "Itinérant", "non": "Fixe"}.get((row.get("itinerance") or "").strip().lower())


class FranceServicesHarvester(Harvester):
    name = "france_services"
    kind = "France services list (CSV, hours per weekday)"

    def map_rows(self, raw: Raw) -> Iterator[dict | Rejection]:
        for payload in raw.payloads:
            # The list has no per-row date: the list's own publication date is each centre's.
            listed = payload.published.date().isoformat() if payload.published else None
            for row in load_csv(payload, REQUIRED_COLUMNS):
                hours, unreadable = weekly_table_to_osm({d: row.get(c) for d, c in DAY_COLUMNS.items()})
                issues = [
                    Issue(
                        "horaires", "hours of this day could not be read", f"{d}: {row.get(DAY_COLUMNS[d])}"
                    )
                    for d in unreadable
                ]
                booking = (row.get("prise_rdv") or "").strip().lower()
                yield {
                    "_issues": issues,
                    "source_id": row.get("id_fs"),
                    "nom": row.get("lib_fs"),
                    "adresse": row.get("adresse"),
                    "complement_adresse": row.get("complement_adresse"),
                    "code_insee": row.get("insee_com"),
                    "code_postal": row.get("code_postal"),
                    "commune": row.get("lib_com"),
                    "latitude": row.get("latitude"),
                    "longitude": row.get("longitude"),
                    "courriels": row.get("mail"),
                    "telephone": row.get("telephone"),
                    "horaires": hours,
                    "presentation_detail": row.get("commentaire"),
                    "itinerance": roaming(row),
                    "modalites_acces": ACCESS.get(booking),
                    "structure_parente": row.get("groupe"),
                    "services": list(SERVICES),
                    "frais_a_charge": "Gratuit",
                    "modalites_accompagnement": "Accompagnement individuel|En autonomie",
                    "dispositif_programmes_nationaux": "France Services",
                    "source": "ANCT France services",
                    "date_maj": listed,
                }


HARVESTER = FranceServicesHarvester
