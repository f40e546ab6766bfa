"""SYNTHETIC answers in the live sources' current shapes (late 2026), for the contract tests.

Every venue here is invented (names end in « (fictif) »); only the shapes are real, taken from the
publishers' own current interface documents:

- data.gouv.fr API (udata, ``udata/core/dataset/api_fields.py``): dataset documents with
  ``resources`` (``url``, ``format``, ``type``, ``last_modified``, ``schema.name``), the
  ``/api/2/datasets/resources/<rid>/`` lookup, the ``?schema=`` listing paged by ``next_page``;
- the national set and the hubs' datasets: the national standard v1 (``|``-joined values), as
  ANCT's mednum-cli publishes them nightly;
- Francil'in: the flat JSON records of June 2026 (``assets/input/francil-in/francil-in.config.json``);
- France services: the CSV columns mednum-cli maps today (``;``-separated, ``format_fs``, ``prise_rdv``);
- La Coop: ``../shared/data/contracts/coop/v1.openapi.json`` (one JSON array, ``aidants`` beside
  the standard's fields, as ``apps/web/src/app/api/v1/lieux-activite/route.ts`` adds them);
- data·inclusion v1: ``../shared/data/contracts/data-inclusion/`` (``{items, total, page, size, pages}``);
- Aidants Connect: ``aidants_connect_web/api/serializers.py`` (``{count, next, previous, results}``).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlencode, urlsplit

from werkzeug import Request, Response

SCHEMA = "LaMednum/standard-mediation-num"
NATIONAL = "lieux-de-mediation-numerique-sur-le-territoire-national-fournis-par-la-cartographie-nationale"
FRANCILIN = "lieux-de-mediation-numerique-metropole-du-grand-paris"
FS_RESOURCE = "31576dff-fd61-4de9-819f-32c2f880b142"

# Points inside communes of the EPT Grand-Orly Seine Bièvre (WGS84).
PLACES = [
    ("Vitry-sur-Seine", "94400", "94081", 48.7876, 2.3928),
    ("Ivry-sur-Seine", "94200", "94041", 48.8130, 2.3870),
    ("Athis-Mons", "91200", "91027", 48.7090, 2.3890),
    ("Villejuif", "94800", "94076", 48.7920, 2.3630),
]
MARSEILLE = ("Marseille", "13001", "13201", 43.2990, 5.3800)  # outside the territory


def standard_record(i: int, place=None, **extra) -> dict:
    """One venue in the national standard v1, as the national set and the hubs publish it."""
    commune, postcode, insee, lat, lon = place or PLACES[i % len(PLACES)]
    return {
        "id": f"lieu-{i}", "pivot": "00000000000000", "nom": f"Espace numérique n°{i} (fictif)",
        "commune": commune, "code_postal": postcode, "code_insee": insee, "adresse": f"{10 + i} rue Fictive",
        "latitude": lat + i / 10_000, "longitude": lon, "telephone": "+33145000000",
        "courriels": "contact@example.org", "horaires": "Mo-Fr 09:00-12:00,14:00-17:00",
        "source": "Hub fictif", "date_maj": f"2026-11-{10 + i % 15:02d}",
        "services": "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        "dispositif_programmes_nationaux": "Conseillers numériques", "modalites_accompagnement": "Accompagnement individuel",
        **extra,
    }  # fmt: skip


def dataset_doc(server, ident: str, slug: str, title: str, files: list[tuple[str, str, str]],
                zones=("country:fr",), archived: str | None = None) -> dict:  # fmt: skip
    """A data.gouv.fr dataset document whose resources point at ``/files/<name>`` on ``server``."""
    return {
        "id": ident, "slug": slug, "title": title, "page": f"https://www.data.gouv.fr/fr/datasets/{slug}/",
        "archived": archived, "deleted": None, "spatial": {"zones": list(zones), "granularity": "poi"},
        "resources": [{"id": f"{ident}-{n}", "title": name, "format": fmt, "type": "main", "filetype": "file",
                       "url": server.url_for(f"/files/{name}"), "last_modified": modified,
                       "schema": {"name": SCHEMA, "version": "1.0.2"}}
                      for n, (name, fmt, modified) in enumerate(files)],
    }  # fmt: skip


def serve_json(server, path: str, body, headers: dict | None = None) -> None:
    server.expect_request(path).respond_with_data(json.dumps(body, ensure_ascii=False), content_type="application/json",
                                                  headers=headers)  # fmt: skip


def serve_dataset(server, document: dict, by: str | None = None) -> None:
    """Answer the dataset's API document under its id and its slug (or ``by``)."""
    for key in {document["id"], document["slug"], by} - {None}:
        serve_json(server, f"/api/1/datasets/{key}/", document)


def serve_listing(server, documents: list[dict], page_size: int = 2) -> list[dict]:
    """``/api/1/datasets/?schema=…`` paged by ``next_page``; returns the requests' arguments."""
    seen = []

    def handle(request: Request) -> Response:
        args = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        seen.append(args)
        page = int(args.get("page", 1))
        chosen = [d for d in documents if args.get("schema") == SCHEMA]
        part = chosen[(page - 1) * page_size: page * page_size]
        more = page * page_size < len(chosen)
        nxt = server.url_for("/api/1/datasets/") + "?" + urlencode({**args, "page": page + 1}) if more else None
        body = {"data": part, "page": page, "page_size": page_size, "total": len(chosen), "next_page": nxt,
                "previous_page": None}  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/api/1/datasets/").respond_with_handler(handle)
    return seen


def francilin_records() -> list[dict]:
    """Francil'in's flat records of June 2026: service labels as text, OSM hours."""
    out = []
    for i, (commune, postcode, _, lat, lon) in enumerate(PLACES[:3]):
        out.append({"id": f"francilin-{i}", "nom": f"Point numérique Francil'in {i} (fictif)", "commune": commune,
                    "code_postal": postcode, "adresse": f"{i + 1} avenue Fictive", "latitude": lat + 0.002,
                    "longitude": lon + 0.002, "telephone": f"01 45 00 00 0{i}", "courriels": "hub@example.org",
                    "site_web": "https://example.org", "date_maj": "2026-10-0{i + 1}",
                    "services": "Aide aux démarches administratives, Loisirs et créations numériques",
                    "horaires": "Tu-Sa 10:00-18:00"})  # fmt: skip
    return out


FS_COLUMNS = ["id_fs", "insee_dep", "lib_fs", "adresse", "complement_adresse", "insee_com", "code_postal", "lib_com",
              "latitude", "longitude", "mail", "telephone", "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi",
              "h_samedi", "commentaire", "format_fs", "prise_rdv", "labellisation_fs"]  # fmt: skip


def france_services_csv() -> bytes:
    """Today's France services list: ``;``-separated, ``format_fs`` and ``prise_rdv``."""
    rows = []
    for i, (fmt, booking) in enumerate([("Fixe", "Non"), ("Itinérante", "Oui"), ("Multisites", "Non")]):
        commune, postcode, insee, lat, lon = PLACES[i]
        rows.append({"id_fs": f"90{i}", "insee_dep": insee[:2], "lib_fs": f"France services {commune} (fictif)",
                     "adresse": f"{i + 3} place Fictive", "complement_adresse": "", "insee_com": insee,
                     "code_postal": postcode, "lib_com": commune, "latitude": lat - 0.001, "longitude": lon - 0.001,
                     "mail": "fs@example.org", "telephone": "01 45 00 00 99", "h_lundi": "09:00 - 12:00 / 13:30 - 17:00",
                     "h_mardi": "09:00 - 12:00", "h_mercredi": "", "h_jeudi": "13:30 - 17:00", "h_vendredi": "",
                     "h_samedi": "", "commentaire": "", "format_fs": fmt, "prise_rdv": booking,
                     "labellisation_fs": "2024-01-01"})  # fmt: skip
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=FS_COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


PERSONAL_EMAIL = "prenom.nom.mediatrice@example.net"
PERSONAL_PHONE = "+33612345678"


def coop_places() -> list[dict]:
    """The Coop's ``/lieux-activite`` answer: one array; ``aidants`` holds the mediators' contacts."""
    places = []
    for i in range(3):
        record = standard_record(20 + i, source="Coop numérique", dispositif_programmes_nationaux=None)
        record["id"] = f"0b6c5d1e-0000-4000-8000-00000000002{i}"
        if i == 0:  # the only place where a conseiller numérique works
            record["dispositif_programmes_nationaux"] = "Conseillers numériques"
        record["aidants"] = [{"id": f"u{i}{k}", "nom": f"Médiatrice {k} (fictive)", "courriel": PERSONAL_EMAIL,
                              "telephone": PERSONAL_PHONE} for k in range(i + 1)]  # fmt: skip
        places.append({k: v for k, v in record.items() if v is not None})
    return places


def data_inclusion_pages(server, token: str = "di-token"):
    """``/structures`` and ``/services`` of the v1 API, one département at a time; returns the
    arguments of every request."""
    seen = []
    structures = {
        "94": [{"id": "dora--s1", "source": "dora", "nom": "Structure numérique d'Ivry (fictif)", "adresse": "1 rue Fictive",
                "code_postal": "94200", "code_insee": "94041", "commune": "Ivry-sur-Seine", "latitude": 48.813,
                "longitude": 2.387, "date_maj": "2026-09-01", "siret": "12345678901234", "courriel": "accueil@example.org",
                "horaires_accueil": "Mo-Fr 09:00-12:00", "reseaux_porteurs": ["france-service"],
                "description": "Accueil fictif.", "doublons": [], "score_qualite": 0.7},
               {"id": "dora--s2", "source": "dora", "nom": "Structure emploi (fictif)", "adresse": "2 rue Fictive",
                "code_postal": "94200", "commune": "Ivry-sur-Seine", "latitude": 48.814, "longitude": 2.388,
                "date_maj": "2026-09-01", "reseaux_porteurs": []}],
        "91": [{"id": "soliguide--s3", "source": "soliguide", "nom": "Point numérique d'Athis (fictif)",
                "adresse": "3 rue Fictive", "code_postal": "91200", "commune": "Athis-Mons", "latitude": 48.709,
                "longitude": 2.389, "date_maj": "2026-10-15", "reseaux_porteurs": ["conseillers-numeriques"]}],
    }  # fmt: skip
    services = {
        "94": [{"id": "dora--v1", "source": "dora", "structure_id": "dora--s1",
                "thematiques": ["numerique--acceder-a-des-services-en-ligne"], "modes_accueil": ["en-presentiel"],
                "frais": "gratuit", "publics": ["seniors"], "modes_mobilisation": ["telephoner"],
                "contact_nom_prenom": "Prénom Nom (fictif)", "courriel": PERSONAL_EMAIL}],
        "91": [{"id": "soliguide--v2", "source": "soliguide", "structure_id": "soliguide--s3",
                "thematiques": ["numerique--maitriser-les-fondamentaux-du-numerique"], "modes_accueil": ["a-distance"]}],
    }  # fmt: skip

    def pages(table):
        def handle(request: Request) -> Response:
            if request.headers.get("Authorization") != f"Bearer {token}":
                return Response('{"detail": "Not authenticated"}', status=403, content_type="application/json")
            args = request.args
            seen.append((request.path, args.get("code_departement"), args.getlist("thematiques")))
            items = table.get(args.get("code_departement"), [])
            page, size = int(args.get("page", 1)), int(args.get("size", 5000))
            part = items[(page - 1) * size: page * size]
            body = {"items": part, "total": len(items), "page": page, "size": size,
                    "pages": max(1, -(-len(items) // size))}  # fmt: skip
            return Response(json.dumps(body), content_type="application/json")

        return handle

    server.expect_request("/di/api/v1/structures").respond_with_handler(pages(structures))
    server.expect_request("/di/api/v1/services").respond_with_handler(pages(services))
    return seen


def aidants_connect_pages(server, count: int = 5, size: int = 2) -> None:
    """``/api/organisations/?format=json`` paged as Django REST framework pages it."""
    organisations = []
    for i in range(count):
        commune, postcode, insee, _, _ = PLACES[i % len(PLACES)] if i < count - 1 else MARSEILLE
        organisations.append({"id": f"7e1d0000-0000-4000-9000-00000000000{i}",
                              "url": server.url_for(f"/ac/api/organisations/{i}/"), "pivot": f"1234567890000{i}",
                              "nom": f"Mairie annexe {i} (fictif)", "commune": commune, "code_postal": postcode,
                              "code_insee": insee, "adresse": f"{i + 5} rue Fictive", "address_complement": "",
                              "service": "Réaliser des démarches administratives avec un accompagnement",
                              "date_de_creation": "2023-04-01T10:00:00+02:00",
                              "date_de_modification": f"2026-0{i + 1}-15T09:30:00+02:00"})  # fmt: skip

    def handle(request: Request) -> Response:
        page = int(request.args.get("page", 1))
        part = organisations[(page - 1) * size: page * size]
        more = page * size < len(organisations)
        link = lambda n: server.url_for("/ac/api/organisations/") + f"?format=json&page={n}"  # noqa: E731
        body = {"count": len(organisations), "next": link(page + 1) if more else None,
                "previous": link(page - 1) if page > 1 else None, "results": part}  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")

    server.expect_request("/ac/api/organisations/").respond_with_handler(handle)
