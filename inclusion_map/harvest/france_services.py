"""The official list of France services centres (CSV as published on data.gouv.fr).

Separator (``;`` or ``,``) and encoding (UTF-8 or Windows-1252) are detected. Hours come as one
column per weekday (``09:00 - 12:00 / 13:30 - 17:00``) and become one OSM ``opening_hours``.
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
                roaming = (row.get("itinerance") or "").strip().lower()
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
                    "itinerance": {"oui": "Itinérant", "non": "Fixe"}.get(roaming),
                    "structure_parente": row.get("groupe"),
                    "services": list(SERVICES),
                    "frais_a_charge": "Gratuit",
                    "modalites_accompagnement": "Accompagnement individuel|En autonomie",
                    "dispositif_programmes_nationaux": "France Services",
                    "source": "ANCT France services",
                    "date_maj": listed,
                }


HARVESTER = FranceServicesHarvester
