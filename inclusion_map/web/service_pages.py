"""The pages a public service owes (README, "Pages a public service owes").

``/mentions-legales`` (who publishes and hosts the site), ``/accessibilite`` (the accessibility
statement, RGAA 4.1), ``/donnees-personnelles`` (what the site keeps, why, for how long), all with
``?lang=en``. Their facts come from the ``site:`` block of ``config.yaml``; a value the deployer has
not filled in is said « à compléter par l'éditeur », never made up. Every page's footer links to
them and names the accessibility state; its header shows the help line when one is configured.

When the site starts, error reports past ``site.personal_data.report_retention_days`` are
deleted (the store then deletes them again each time it is opened).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for

from ..errors import StoreUnavailable
from ..freshness import footer_parts
from ..phones import display_phone
from . import i18n
from .data_info import data_info
from .filters import keep_presentation
from .public import REPORTS_PER_HOUR, reports_path
from .reports_store import ReportStore
from .view_helpers import date_text, explain_label

bp = Blueprint("service_pages", __name__)

#: The recourse of the accessibility statement (RGAA 4.1 model statement).
DEFENSEUR_FORM = "https://formulaire.defenseurdesdroits.fr/"
DEFENSEUR_DELEGATES = "https://www.defenseurdesdroits.fr/saisir/delegues"
DEFENSEUR_LETTER = ("Défenseur des droits", "Libre réponse 71120", "75342 Paris CEDEX 07")
CNIL_COMPLAINT = "https://www.cnil.fr/fr/plaintes"
OSM_PRIVACY = "https://osmfoundation.org/wiki/Privacy_Policy"

#: The limits of the product itself, said in every deployment's statement (text keys).
PRODUCT_LIMITS = ("sp_limit_map_sight", "sp_limit_map_keyboard", "sp_limit_tiles", "sp_limit_gap_map",
                  "sp_limit_pdf", "sp_limit_venue_texts", "sp_limit_screen_reader")  # fmt: skip
#: The pages the automated accessibility checks open (tests/test_browser*.py), in the statement.
CHECKED_PAGES = ("sp_a11y_page_home", "sp_a11y_page_results", "sp_a11y_page_venue", "sp_a11y_page_embed",
                 "sp_a11y_page_errors", "sp_a11y_page_service", "sp_a11y_page_organisers")  # fmt: skip


def _settings():
    return current_app.config["SETTINGS"]


@bp.record_once
def _purge_old_reports(state) -> None:
    """Reports past their retention go when the site starts, even if none is written for months."""
    settings = state.app.config["SETTINGS"]
    try:
        ReportStore(reports_path(settings), settings.site.personal_data.report_retention_days).purge()
    except StoreUnavailable as exc:  # the database is down: the site starts anyway (pages say 503)
        state.app.logger.warning("old reports not purged at start: %s", exc)


def help_line(site, lang: str) -> dict | None:
    """What the help line of every page says: a number to call (with its hours), else an address
    to write to, else None (nothing is shown rather than a made-up contact).

    Parameters
    ----------
    site : inclusion_map.config.Site
    lang : {"fr", "en"}
    """
    phone = site.help_line.phone or site.contact.phone
    if phone:
        hours = site.help_line.hours if site.help_line.phone else None
        return {
            "kind": "phone",
            "tel": phone,
            "shown": display_phone(phone),
            "hours": hours.get(lang) if hours else None,
            "hours_lang": hours.lang_of(lang) if hours else lang,
        }
    if site.contact.email:
        return {"kind": "email", "email": site.contact.email}
    return None


@bp.app_context_processor
def _template_helpers() -> dict:
    site = _settings().site
    lang = getattr(g, "lang", "fr")
    return {
        "site_info": site,
        "help_line": help_line(site, lang),
        "compliance_text": i18n.text(f"sp_state_{site.accessibility.compliance}", lang),
        "footer_parts": lambda: footer_parts(data_info(_settings().store_location), lang),
        "error_text": lambda error: i18n.error_text(error, lang),
        "explain_label": lambda label: explain_label(label, lang),
        "v_lang": lambda label: i18n.value_lang(label, lang),
        "shown_phone": display_phone,
    }


def _page(template: str, **values):
    return render_template(template, keep=keep_presentation(request.args), **values)


@bp.get("/mentions-legales")
def legal():
    settings = _settings()
    sources = [(cfg.title, cfg.publisher) for cfg in settings.sources.values() if cfg.enabled]
    return _page("legal.html", sources=sources, geocoding=settings.geocoding.enabled)


@bp.get("/accessibilite")
def accessibility():
    settings = _settings()
    statement = settings.site.accessibility
    address = settings.server.public_base_url or url_for("public.home", _external=True)
    rate = (
        None if statement.rate is None else f"{statement.rate:g}".replace(".", "," if g.lang == "fr" else ".")
    )
    return _page("accessibility.html", statement=statement, site_address=address, rate=rate,
                 audit_day=date_text(statement.audit_date, g.lang) if statement.audit_date else None,
                 statement_day=date_text(statement.statement_date, g.lang) if statement.statement_date else None,
                 product_limits=PRODUCT_LIMITS, checked_pages=CHECKED_PAGES, form=DEFENSEUR_FORM,
                 delegates=DEFENSEUR_DELEGATES, letter=DEFENSEUR_LETTER)  # fmt: skip


@bp.get("/donnees-personnelles")
def privacy():
    settings = _settings()
    return _page("privacy.html", retention_days=settings.site.personal_data.report_retention_days,
                 reports_per_hour=REPORTS_PER_HOUR, geocoding=settings.geocoding.enabled, cnil=CNIL_COMPLAINT,
                 osm_privacy=OSM_PRIVACY)  # fmt: skip
