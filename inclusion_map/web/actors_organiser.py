"""The organisers' side of the territory's other actors, and the view of the network.

Built on :mod:`inclusion_map.actors` (checks, placing, the store and its history, the import
preview, the published layer); nothing here checks a value on its own. Every page needs an
organiser session; every write also needs the form's CSRF token (:func:`.auth.organiser_required`)
and goes to the organisers' action log. A form is a one-row import preview, so a typed actor and
an imported one go through the same checks and the same duplicate rule; saving goes through
:func:`~inclusion_map.actors.publish.open_actor_store`, which rewrites the public ``actors`` layer.

Routes: ``/organisateurs/acteurs`` (the list), ``/organisateurs/acteurs/nouveau?type=<kind>``,
``/organisateurs/acteurs/<id>/modifier``, ``/organisateurs/acteurs/<id>/supprimer`` (POST),
``/organisateurs/acteurs/import`` (upload → preview), ``/organisateurs/acteurs/import/confirmer``
(POST: one transaction), ``/organisateurs/acteurs/modele.csv``, ``/reseau`` and
``/reseau/contacts.csv``.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd
from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from ..actors import importing
from ..actors.kinds import ActorKind, kinds
from ..actors.placing import COMMUNE, GIVEN, territory_communes
from ..actors.publish import open_actor_store
from ..actors.records import HOURS_EXAMPLE, MAX_TEXT, Problem, extra_values
from ..actors.store import TYPED_IN, ActorStore, StaleImport
from ..errors import BadRequest
from ..phones import display_phone
from ..report_files import safe_frame
from ..vocab import fold
from . import i18n
from .auth import _safe_next, current_organiser, organiser_required, organiser_store
from .filters import keep_presentation
from .venue_index import get_index
from .view_helpers import date_text

bp = Blueprint("actors_organiser", __name__)

#: the kind whose actors « qui n'a pas de partenaire proche » looks for
PARTNER_KIND = "partenaire"
#: the default distance of « partenaire proche » (km, as the crow flies, from a commune's centre)
NEAR_KM = 2.0
NEAR_KM_MIN, NEAR_KM_MAX = 0.5, 20.0
REASON_MIN, REASON_MAX = 3, 500
#: rows of the structures × networks matrix shown at most (a national store has thousands)
MATRIX_MAX = 400
#: what a multipart upload adds around the file (boundaries, the CSRF field)
UPLOAD_OVERHEAD = 64 * 1024
#: the form's text fields, in the order of the page, and their ``maxlength``
TEXT_FIELDS = {"nom": MAX_TEXT["nom"], "adresse": MAX_TEXT["adresse"], "code_postal": 5,
               "commune": MAX_TEXT["commune"], "code_insee": 5, "latitude": 20, "longitude": 20,
               "telephone": 40, "courriel": 200, "site_web": 300, "horaires": 500, "langues": 300,
               "description": MAX_TEXT["description"], "contact_nom": MAX_TEXT["contact_nom"],
               "contact_courriel": 200, "contact_telephone": 40}  # fmt: skip
#: a problem of the core on a column the form shows under another field
FIELD_OF = {"geometry": "latitude", "longitude": "latitude"}
#: the harvested sources whose venues belong to a network by construction (venue ``sources``)
SOURCE_NETWORKS = {"france_services": "france_services", "conseillers_numeriques": "conseillers_numeriques",
                   "aidants_connect": "aidants_connect"}  # fmt: skip
VENUES = "lieux"  # the column of the digital-help venues in the network's tables
ACTIONS = ("add", "change", "unchanged", "reject")


def _settings():
    return current_app.config["SETTINGS"]


def _store() -> ActorStore:
    """The actors' store, rewriting the public layer after each committed change."""
    return open_actor_store(_settings())


def _t(key: str, **values) -> str:
    return i18n.text(key, g.lang, **values)


def _kind_or_400(slug: str | None) -> ActorKind:
    known = kinds(_settings())
    if slug not in known:
        raise BadRequest(f"type « {str(slug)[:30]} » must be one of {', '.join(known)}")
    return known[slug]


def organisers_only(view):
    """:func:`.auth.organiser_required`, but a page asked for without a session offers a login that
    comes back to that very page (the action's guard sends back to the referring page)."""
    guarded = organiser_required(view)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method == "GET" and not current_organiser():
            here = request.full_path.rstrip("?")
            return render_template("login.html", error="login_needed", next_url=_safe_next(here)), 401
        return guarded(*args, **kwargs)

    return wrapper


@bp.before_request
def _upload_limit():
    """The site refuses bodies over 32 KB; an import file may weigh the core's limit (5 MB). Set
    before the CSRF check reads the form, for the upload only."""
    if request.endpoint == "actors_organiser.import_upload" and request.method == "POST":
        request.max_content_length = importing.MAX_BYTES + UPLOAD_OVERHEAD


def _done() -> list[tuple[str, str]]:
    """The notices a redirect asked for (``fait``, ``centre``, ``publie``): ``(class, text)``."""
    notices = []
    key = request.args.get("fait", "")
    if f"ao_done_{key}" in i18n.TEXTS and key:
        notices.append(("success", _t(f"ao_done_{key}")))
    if request.args.get("centre") == "1":
        notices.append(("warning", _t("ao_placed_at_centre")))
    if request.args.get("publie") == "0":
        notices.append(("warning", _t("ao_publish_deferred")))
    return notices


# --- the list --------------------------------------------------------------------------------------

def network_label(slug: str, lang: str) -> str:
    """A network's label in ``lang`` (as written when the configuration does not know it)."""
    label = _settings().actors.networks.get(slug)
    return (label.en if lang == "en" else label.fr) if label else slug


@bp.get("/organisateurs/acteurs")
@organisers_only
def actors_list():
    """Every active actor, filtered by kind, with who changed it last and whether it is public."""
    all_kinds = kinds(_settings())
    wanted = request.args.get("type") or None
    if wanted is not None:
        _kind_or_400(wanted)
    actors = _store().all()
    counts = Counter(a["kind"] for a in actors)
    shown = [a for a in actors if wanted is None or a["kind"] == wanted]
    rows = [{**a, "kind_title": all_kinds[a["kind"]].title(g.lang) if a["kind"] in all_kinds else a["kind"],
             "public": a["kind"] in all_kinds and all_kinds[a["kind"]].public,
             "when": date_text((a.get("updated_at") or "")[:10], g.lang)} for a in shown]  # fmt: skip
    return render_template("actors_list.html", rows=rows, kinds=all_kinds, wanted=wanted, counts=counts,
                           total=len(actors), notices=_done(), history=_store().history(limit=15))  # fmt: skip


# --- the form --------------------------------------------------------------------------------------

@dataclass
class Shown:
    """What the form shows: the actor's values, or what was typed (after a refusal)."""

    text: dict[str, str] = field(default_factory=dict)
    services: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    other_networks: str = ""
    extra: dict[str, list[str] | str] = field(default_factory=dict)
    reason: str = ""


def _plain(value) -> str:
    return "" if value is None else str(value)


def shown_from_record(record: dict | None, kind: ActorKind) -> Shown:
    """The form filled with an actor's values (empty for a new one).

    Coordinates are filled in only when the team gave them: a geocoded or commune-centre point
    typed back would become a « given » precise point (the point is kept while the address stays).
    """
    record = record or {}
    shown = Shown(text={name: _plain(record.get(name)) for name in TEXT_FIELDS})
    if record.get("geocode_precision") != GIVEN:
        shown.text["latitude"] = shown.text["longitude"] = ""
    for name in ("telephone", "contact_telephone"):  # stored +33…, typed and read 01 23 45 67 89
        if shown.text[name].startswith("+"):
            shown.text[name] = display_phone(shown.text[name])
    shown.text["langues"] = ", ".join(_plain(record.get("langues")).split("|")).strip(", ")
    shown.services = [s for s in _plain(record.get("services")).split("|") if s]
    known = _settings().actors.networks
    networks = [n for n in _plain(record.get("reseaux")).split("|") if n]
    shown.networks = [n for n in networks if n in known]
    shown.other_networks = ", ".join(n for n in networks if n not in known)
    extras = extra_values(record)
    for spec in kind.fields:
        value = extras.get(spec.name)
        if spec.choices:
            shown.extra[spec.name] = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        else:
            shown.extra[spec.name] = ", ".join(map(str, value)) if isinstance(value, list) else _plain(value)
    return shown


def shown_from_form(form, kind: ActorKind) -> Shown:
    """The form as it was typed (kept when something in it is refused)."""
    shown = Shown(text={name: form.get(name, "")[: limit + 50] for name, limit in TEXT_FIELDS.items()})
    shown.services = form.getlist("services")
    shown.networks = form.getlist("reseaux")
    shown.other_networks = form.get("reseaux_autres", "")[:300]
    for spec in kind.fields:
        name = f"extra_{spec.name}"
        shown.extra[spec.name] = form.getlist(name) if spec.choices else form.get(name, "")[:500]
    shown.reason = form.get("raison", "")[: REASON_MAX + 50]
    return shown


def _several(text: str) -> str:
    """Values typed with commas, ``;`` or ``|`` as the core's ``|`` list."""
    return "|".join(p.strip() for p in re.split(r"[,;|]", text or "") if p.strip())


def raw_from_shown(shown: Shown, kind: ActorKind, actor_id: str | None = None) -> dict:
    """The row the core checks (:func:`~inclusion_map.actors.records.validate`) from the form."""
    raw = {name: value for name, value in shown.text.items()}
    raw.update(kind=kind.slug, id=actor_id, langues=_several(shown.text.get("langues", "")),
               services="|".join(shown.services),
               reseaux="|".join([*shown.networks, *_several(shown.other_networks).split("|")]).strip("|"))  # fmt: skip
    for spec in kind.fields:
        value = shown.extra.get(spec.name)
        raw[f"extra_{spec.name}"] = "|".join(value) if isinstance(value, list) else (value or "")
    return raw


def errors_by_field(problems: list[Problem], lang: str) -> dict[str, str]:
    """The core's problems by form field, in ``lang`` (several on one field joined); a problem of
    no field of the form (the kind, the id) goes under ``_form``."""
    fields = {*TEXT_FIELDS, "services", "reseaux"}
    out: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        name = FIELD_OF.get(problem.field, problem.field)
        if name.startswith("extra_") or name in fields:
            out[name].append(problem.message(lang))
        else:
            out["_form"].append(problem.message(lang))
    return {name: " ".join(messages) for name, messages in out.items()}


def check_form(store: ActorStore, raw: dict):
    """Check and place one typed actor as the import would: a one-row preview.

    Returns
    -------
    PreviewRow
        ``add``, ``change``, ``unchanged`` or ``reject`` with the problems and the notes.
    """
    from ..geocode import Geocoder

    settings = _settings()
    # someone waits for the page: the interactive geocoder (short timeouts), the commune's
    # centre when it does not answer
    geocoder = Geocoder(settings, interactive=True) if settings.geocoding.enabled else None
    return importing.preview([importing.Row(1, raw)], settings, store, geocoder=geocoder).rows[0]


def _form_page(kind: ActorKind, record: dict | None, shown: Shown, errors: dict[str, str], status: int = 200):
    history = _store().history(record["id"], limit=20) if record else []
    return render_template("actors_form.html", kind=kind, record=record, shown=shown, errors=errors,
                           text_fields=TEXT_FIELDS, networks=_settings().actors.networks,
                           hours_example=HOURS_EXAMPLE, history=history, notices=_done() if record else [],
                           reason_min=REASON_MIN, reason_max=REASON_MAX, network_label=network_label,
                           precision_text=_precision_text), status  # fmt: skip


def _precision_text(precision: str | None) -> str:
    key = {GIVEN: "ao_precision_given", COMMUNE: "ao_precision_commune", "adresse": "ao_precision_address"}
    return _t(key[precision]) if precision in key else _t("ao_precision_none")


def _after_save(store: ActorStore, actor_id: str, fait: str, centre: bool):
    params = {"fait": fait, **keep_presentation(request.args)}
    if centre:
        params["centre"] = "1"
    if store.publish_error:
        params["publie"] = "0"
    return redirect(url_for("actors_organiser.edit", actor_id=actor_id, **params))


@bp.route("/organisateurs/acteurs/nouveau", methods=["GET", "POST"])
@organisers_only
def add():
    """A new actor of the kind ``?type=``: the form, and its saving."""
    kind = _kind_or_400(request.args.get("type"))
    if request.method == "GET":
        return _form_page(kind, None, shown_from_record(None, kind), {})
    shown = shown_from_form(request.form, kind)
    store = _store()
    row = check_form(store, raw_from_shown(shown, kind))
    if row.action != "add":
        return _form_page(kind, None, shown, errors_by_field(row.problems, g.lang), 400)
    record = {**row.record, "source": TYPED_IN}
    new_id = store.add(record, g.organiser)
    organiser_store().log(g.organiser, "actor-added", new_id, (record.get("nom") or "")[:200])
    return _after_save(store, new_id, "ajout", record.get("geocode_precision") == COMMUNE)


def _active(store: ActorStore, actor_id: str) -> tuple[dict, ActorKind]:
    record = store.get(actor_id)
    if record is None or record.get("status") != "active":
        abort(404)
    return record, _kind_or_400(record["kind"])


@bp.route("/organisateurs/acteurs/<actor_id>/modifier", methods=["GET", "POST"])
@organisers_only
def edit(actor_id: str):
    """An actor's form (GET), and its saving (POST): only the columns that changed are written."""
    store = _store()
    record, kind = _active(store, actor_id)
    if request.method == "GET":
        return _form_page(kind, record, shown_from_record(record, kind), {})
    shown = shown_from_form(request.form, kind)
    row = check_form(store, raw_from_shown(shown, kind, actor_id))
    if row.action == "unchanged":
        return redirect(url_for("actors_organiser.edit", actor_id=actor_id, fait="rien",
                                **keep_presentation(request.args)))  # fmt: skip
    if row.action != "change":
        return _form_page(kind, record, shown, errors_by_field(row.problems, g.lang), 400)
    # a form change keeps the actor's source (« saisie », « import file.csv »): the history says who
    diff = store.update(actor_id, {**row.record, "source": record.get("source")}, g.organiser)
    organiser_store().log(g.organiser, "actor-updated", actor_id, ", ".join(sorted(diff))[:200])
    moved = "latitude" in diff or "longitude" in diff
    return _after_save(store, actor_id, "modification", moved and row.record.get("geocode_precision") == COMMUNE)


@bp.post("/organisateurs/acteurs/<actor_id>/supprimer")
@organisers_only
def remove(actor_id: str):
    """Remove an actor, with a reason (it stays in the history; it is no longer listed nor published)."""
    store = _store()
    record, kind = _active(store, actor_id)
    reason = request.form.get("raison", "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        shown = shown_from_record(record, kind)
        shown.reason = reason[: REASON_MAX + 50]
        return _form_page(kind, record, shown, {"raison": _t("ao_reason_needed", low=REASON_MIN, high=REASON_MAX)},
                          400)  # fmt: skip
    store.remove(actor_id, g.organiser, reason)
    organiser_store().log(g.organiser, "actor-removed", actor_id, reason[:200])
    params = {"fait": "suppression", **keep_presentation(request.args)}
    if store.publish_error:
        params["publie"] = "0"
    return redirect(url_for("actors_organiser.actors_list", **params))


# --- import ----------------------------------------------------------------------------------------

#: the core's English messages of a file refused as a whole, said in French (English as they are)
UPLOAD_PROBLEMS = (
    (re.compile(r"the file is empty"), "Le fichier est vide."),
    (re.compile(r"the file is ([\d.]+) MB; at most (\d+) MB"), "Le fichier pèse {0} Mo : {1} Mo au plus. "
     "Coupez-le en plusieurs fichiers."),
    (re.compile(r"the file has more than ([\d,]+) (rows|features)"), "Le fichier a plus de {0} lignes. "
     "Coupez-le en plusieurs fichiers."),
    (re.compile(r"neither a CSV"), "Ce fichier n'est ni un CSV avec les colonnes du modèle (kind, nom…), ni un "
     "GeoJSON FeatureCollection."),
    (re.compile(r"not valid JSON"), "Ce fichier n'est pas un JSON valide."),
    (re.compile(r"not a GeoJSON FeatureCollection"), "Ce fichier JSON n'est pas un GeoJSON FeatureCollection."),
    (re.compile(r"cannot be read(?: at line (\d+))?"), "Le fichier CSV ne peut pas être lu{0}."),
)  # fmt: skip


def upload_problem(message: str, lang: str) -> str:
    """The message of a refused file in ``lang`` (the core gives it in English)."""
    if lang == "en":
        return message[:1].upper() + message[1:] + "."
    for pattern, french in UPLOAD_PROBLEMS:
        found = pattern.search(message)
        if found:
            parts = [p for p in found.groups() if p is not None] if found.groups() else []
            if pattern.pattern.startswith("cannot"):
                return french.format(f" (ligne {parts[0]})" if parts else "")
            return french.format(*[p.replace(",", " ") for p in parts])
    return "Le fichier ne peut pas être lu."


def _import_page(error: str | None = None, status: int = 200):
    kinds_ = kinds(_settings())
    return render_template("actors_import.html", error=error, kinds=kinds_, networks=_settings().actors.networks,
                           max_mb=importing.MAX_BYTES // (1024 * 1024), max_rows=importing.MAX_ROWS,
                           hours_example=HOURS_EXAMPLE), status  # fmt: skip


@bp.get("/organisateurs/acteurs/import")
@organisers_only
def import_form():
    """The upload form, with the columns explained and the template to download."""
    return _import_page()


@bp.post("/organisateurs/acteurs/import")
@organisers_only
def import_upload():
    """Read the file and show what importing it would do; nothing is written yet (the preview is
    staged for this organiser, for one hour)."""
    upload = request.files.get("fichier")
    if upload is None or not upload.filename:
        return _import_page(_t("ao_import_no_file"), 400)
    filename = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
    data = upload.read(importing.MAX_BYTES + 1)
    try:
        rows = importing.read_upload(filename, data)
    except importing.UploadError as exc:
        return _import_page(upload_problem(exc.message, g.lang), 400)
    if not rows:
        return _import_page(_t("ao_import_no_rows"), 400)
    store = _store()
    preview = importing.preview(rows, _settings(), store, filename=filename)
    token = store.stage(preview, g.organiser)
    counts = preview.counts
    organiser_store().log(g.organiser, "actors-import-preview", filename,
                          " ".join(f"{k}={v}" for k, v in counts.items()))  # fmt: skip
    return render_template("actors_preview.html", preview=preview, counts=counts, token=token,
                           names=_names(preview, rows), column_label=column_label, value_text=value_text,
                           kind_titles={s: k.title(g.lang) for s, k in kinds(_settings()).items()})  # fmt: skip


def _names(preview, rows: list) -> dict[int, str]:
    """Each row's name for the table: the checked one, else the name as the file wrote it (a
    rejected row has no checked record)."""
    typed = {row.line: str(row.values.get("nom") or "").strip()[:200] for row in rows}
    return {r.line: (r.record or {}).get("nom") or typed.get(r.line, "") for r in preview.rows}


def column_label(column: str) -> str:
    """A column's name in the page's language (``extra_<name>``: the kind's field label)."""
    key = f"ao_col_{column}"
    if key in i18n.TEXTS:
        return _t(key)
    for kind in kinds(_settings()).values():
        for spec in kind.fields:
            if column in (spec.name, f"extra_{spec.name}"):
                return spec.label_en if g.lang == "en" else spec.label_fr
    return column


def value_text(value) -> str:
    """A value of a change as the page shows it (``—`` when empty)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value).replace("|", ", ")


@bp.post("/organisateurs/acteurs/import/confirmer")
@organisers_only
def import_confirm():
    """Write the staged preview's accepted rows in one transaction, then show the counts."""
    store = _store()
    preview = store.staged(request.form.get("jeton", "")[:100], g.organiser)
    if preview is None:
        return _import_page(_t("ao_import_expired"), 400)
    try:
        result = store.apply(preview, g.organiser)
    except StaleImport:
        return _import_page(_t("ao_import_stale"), 409)
    organiser_store().log(g.organiser, "actors-imported", preview.filename,
                          f"added={result['added']} changed={result['changed']} "
                          f"unchanged={result['unchanged']} rejected={result['rejected']}")  # fmt: skip
    return render_template("actors_result.html", result=result, filename=preview.filename,
                           publish_error=store.publish_error)  # fmt: skip


@bp.get("/organisateurs/acteurs/modele.csv")
@organisers_only
def template():
    """The import template: the header of every column, UTF-8 with a BOM, ``;``."""
    return Response(importing.template_csv(_settings()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="modele-acteurs.csv"'})  # fmt: skip


# --- the network -----------------------------------------------------------------------------------

def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (the rule says « à vol d'oiseau »)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def venue_networks(venue: dict, settings) -> list[str]:
    """The networks a digital-help venue belongs to: its national schemes
    (``dispositif_programmes_nationaux``) named like a configured network, and the network
    sources that listed it (``sources``: France services, conseillers numériques, Aidants Connect)."""
    known = settings.actors.networks
    found = []
    for value in _plain(venue.get("dispositif_programmes_nationaux")).split("|"):
        folded = fold(value)
        slug = next((s for s, label in known.items() if folded and folded in (fold(s), fold(label.fr),
                                                                              fold(label.en))), None)  # fmt: skip
        if slug and slug not in found:
            found.append(slug)
    for source in re.split(r"[|,]", _plain(venue.get("sources"))):
        slug = SOURCE_NETWORKS.get(source.strip())
        if slug and slug in known and slug not in found:
            found.append(slug)
    return found


def structures(settings, actors: list[dict]) -> list[dict]:
    """Every structure of the network: the digital-help venues of the store and the active actors,
    each with ``kind`` (``lieux`` for a venue), name, commune, INSEE code, point and networks."""
    out = []
    for venue in get_index(settings.store_location).records:
        out.append({"id": venue.get("id"), "kind": VENUES, "nom": venue.get("nom"), "commune": venue.get("commune"),
                    "code_insee": venue.get("code_insee"), "latitude": venue.get("latitude"),
                    "longitude": venue.get("longitude"), "networks": venue_networks(venue, settings)})  # fmt: skip
    for actor in actors:
        networks = list(dict.fromkeys(n for n in _plain(actor.get("reseaux")).split("|") if n))
        out.append({"id": actor["id"], "kind": actor["kind"], "nom": actor.get("nom"), "commune": actor.get("commune"),
                    "code_insee": actor.get("code_insee"), "latitude": actor.get("latitude"),
                    "longitude": actor.get("longitude"), "networks": networks})  # fmt: skip
    return out


def network_counts(items: list[dict], columns: list[str], settings) -> list[dict]:
    """Per network (configured ones first, then the others found): structures per column."""
    order = list(settings.actors.networks)
    order += sorted({n for s in items for n in s["networks"]} - set(order), key=str.casefold)
    rows = []
    for slug in order:
        per = Counter(s["kind"] for s in items if slug in s["networks"])
        rows.append({"slug": slug, "counts": [per.get(c, 0) for c in columns], "total": sum(per.values())})
    none = Counter(s["kind"] for s in items if not s["networks"])
    rows.append({"slug": None, "counts": [none.get(c, 0) for c in columns], "total": sum(none.values())})
    return rows


def commune_counts(items: list[dict], columns: list[str], settings) -> list[dict]:
    """Per commune of the territory (then any other commune an actor names): structures per column."""
    communes = territory_communes(settings.store_location)
    names = {c.code: c.nom for c in communes}
    by_name = {fold(c.nom): c.code for c in communes}
    per: dict[str, Counter] = defaultdict(Counter)
    for s in items:
        key = s.get("code_insee") or by_name.get(fold(s.get("commune"))) or (s.get("commune") or "?")
        per[key][s["kind"]] += 1
    order = [c.code for c in sorted(communes, key=lambda c: fold(c.nom))]
    order += sorted((k for k in per if k not in names), key=lambda k: fold(k))
    return [{"code": k if k in names else "", "nom": names.get(k, k), "counts": [per[k].get(c, 0) for c in columns],
             "total": sum(per[k].values())} for k in order]  # fmt: skip


def without_partner(settings, actors: list[dict], near_km: float) -> list[dict]:
    """The territory's communes with no actor of kind :data:`PARTNER_KIND` within ``near_km`` of
    their centre (a point inside the commune, the one actors are placed at): the nearest partner
    and whether any actor at all is within that distance."""
    placed = [a for a in actors if a.get("latitude") is not None and a.get("longitude") is not None]
    out = []
    for commune in sorted(territory_communes(settings.store_location), key=lambda c: fold(c.nom)):
        distances = sorted(((_km(commune.lat, commune.lon, float(a["latitude"]), float(a["longitude"])), a)
                            for a in placed), key=lambda pair: pair[0])  # fmt: skip
        partners = [(d, a) for d, a in distances if a["kind"] == PARTNER_KIND]
        if partners and partners[0][0] <= near_km:
            continue
        out.append({"code": commune.code, "nom": commune.nom,
                    "nearest": partners[0][1] if partners else None,
                    "nearest_km": round(partners[0][0], 1) if partners else None,
                    "any_actor": bool(distances) and distances[0][0] <= near_km})  # fmt: skip
    return out


def _near_km() -> float:
    text = (request.args.get("distance") or "").replace(",", ".").strip()
    if not text:
        return NEAR_KM
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not NEAR_KM_MIN <= value <= NEAR_KM_MAX:
        raise BadRequest(f"distance must be a number of km from {NEAR_KM_MIN} to {NEAR_KM_MAX:g}")
    return value


def contacts(actors: list[dict], wanted: str | None) -> list[dict]:
    """The actors whose contacts the list and the CSV give (one kind, or all)."""
    return [a for a in actors if wanted is None or a["kind"] == wanted]


CONTACT_COLUMNS = ("nom", "kind", "commune", "code_insee", "contact_nom", "contact_courriel", "contact_telephone",
                   "courriel", "telephone", "site_web", "reseaux", "id")  # fmt: skip


def _contacts_kind() -> str | None:
    wanted = request.args.get("type") or None
    if wanted is not None:
        _kind_or_400(wanted)
    return wanted


@bp.get("/reseau")
@organisers_only
def network():
    """The network: counts per network and per commune, the structures × networks matrix, the
    communes with no partner near, and the partners' contacts."""
    settings = _settings()
    all_kinds = kinds(settings)
    near_km = _near_km()
    wanted = _contacts_kind()
    actors = _store().all()
    items = structures(settings, actors)
    columns = [VENUES, *all_kinds]
    titles = {VENUES: _t("ao_venues"), **{s: k.title(g.lang) for s, k in all_kinds.items()}}
    linked = sorted((s for s in items if s["networks"]), key=lambda s: (columns.index(s["kind"]),
                                                                      fold(s.get("nom"))))  # fmt: skip
    matrix_networks = [r["slug"] for r in network_counts(items, columns, settings)
                       if r["slug"] is not None and r["total"]]  # fmt: skip
    return render_template(
        "actors_network.html", columns=columns, titles=titles,
        networks=network_counts(items, columns, settings), communes=commune_counts(items, columns, settings),
        matrix=linked[:MATRIX_MAX], matrix_more=max(0, len(linked) - MATRIX_MAX), matrix_networks=matrix_networks,
        unlinked=sum(1 for s in items if not s["networks"]), lonely=without_partner(settings, actors, near_km),
        near_km=near_km, near_min=NEAR_KM_MIN, near_max=NEAR_KM_MAX, partner_kind=all_kinds.get(PARTNER_KIND),
        contacts=contacts(actors, wanted), wanted=wanted, kinds=all_kinds, network_label=network_label,
        km_text=lambda km: f"{km:g}".replace(".", "," if g.lang == "fr" else "."),
        total_structures=len(items), phone=display_phone,
        csv_url=url_for("actors_organiser.contacts_csv", **({"type": wanted} if wanted else {}),
                        **keep_presentation(request.args)),
    )  # fmt: skip


@bp.get("/reseau/contacts.csv")
@organisers_only
def contacts_csv():
    """The contacts as CSV for a mailing (UTF-8 with a BOM, ``;``, formulas neutralised); the export
    is logged (it holds personal data)."""
    wanted = _contacts_kind()
    rows = contacts(_store().all(), wanted)
    frame = pd.DataFrame([{c: a.get(c) for c in CONTACT_COLUMNS} for a in rows], columns=list(CONTACT_COLUMNS))
    frame = frame.astype(object).where(frame.notna(), None)
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, sep=";", index=False, lineterminator="\r\n")
    organiser_store().log(g.organiser, "contacts-exported", wanted or "all", f"{len(rows)} rows")
    name = f"contacts-reseau{'-' + wanted if wanted else ''}.csv"
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
