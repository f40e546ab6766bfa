"""The public pages' texts, French first (plain language, short sentences) and English.

Templates call ``t("key")``; the language comes from ``?lang=en`` (kept in every link) and
defaults to French. Vocabulary values of the national standard (services, publics…) are shown in
French, with an English label from :data:`VALUES_EN` when the page is in English.
"""

from __future__ import annotations

LANGS = ("fr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "site_name": ("Aide numérique près de chez vous", "Digital help near you"),
    "tagline": ("Trouvez un lieu où l'on vous aide avec internet, un ordinateur ou vos démarches en ligne.",
                "Find a place where people help you with the internet, a computer or online paperwork."),
    "skip": ("Aller au contenu", "Skip to content"),
    "search_label": ("Adresse, commune ou code postal", "Address, town or postcode"),
    "search_hint": ("Par exemple : Vitry-sur-Seine, 94400 ou 12 rue de la Paix, Orly",
                    "For example: Vitry-sur-Seine, 94400 or 12 rue de la Paix, Orly"),
    "search_button": ("Chercher", "Search"),
    "near_me": ("Autour de moi", "Near me"),
    "near_me_denied": ("Votre position n'est pas disponible. Tapez une adresse ou une commune.",
                       "Your location is not available. Type an address or a town."),
    "filters": ("Filtres", "Filters"),
    "apply_filters": ("Appliquer les filtres", "Apply filters"),
    "clear_filters": ("Effacer les filtres", "Clear filters"),
    "services": ("Ce que vous voulez faire", "What you need"),
    "modalites": ("Comment", "How"),
    "publics": ("Pour qui", "For whom"),
    "free": ("Gratuit seulement", "Free of charge only"),
    "labels": ("Labels", "Labels"),
    "open": ("Ouverture", "Opening"),
    "open_any": ("Peu importe", "Any time"),
    "open_now": ("Ouvert maintenant", "Open now"),
    "open_on": ("Ouvert le…", "Open on…"),
    "day": ("Jour", "Day"),
    "time": ("Heure", "Time"),
    "distance": ("Distance", "Distance"),
    "results_title": ("Lieux près de {place}", "Places near {place}"),
    "results_count": ("{n} lieux à moins de {km} km", "{n} places within {km} km"),
    "results_one": ("1 lieu à moins de {km} km", "1 place within {km} km"),
    "no_results": ("Aucun lieu ne correspond. Essayez d'élargir la distance ou d'enlever des filtres.",
                   "No place matches. Try a larger distance or fewer filters."),
    "walk": ("{min} min à pied", "{min} min walk"),
    "approximate": ("Position approximative : centre de la commune", "Approximate position: centre of the town"),
    "fees_group": ("Tarif", "Fees"),
    "choose": ("Choisir…", "Choose…"),
    "km": ("{d} km", "{d} km"),
    "m": ("{d} m", "{d} m"),
    "more_results": ("Voir plus de lieux", "Show more places"),
    "previous": ("Lieux précédents", "Previous places"),
    "map": ("Carte", "Map"),
    "map_note": ("La carte montre les lieux de la zone visible. La liste fonctionne aussi sans la carte.",
                 "The map shows the places in the visible area. The list works without the map too."),
    "details": ("Voir le détail", "See details"),
    "directions": ("Itinéraire", "Directions"),
    "call": ("Appeler", "Call"),
    "approximate_place": ("Position approximative (centre de la commune) : l'itinéraire part de l'adresse.",
                          "Approximate position (centre of the town): directions use the address."),
    "reach_by": ("Pas de téléphone ni d'horaires connus. Pour les joindre :",
                 "No phone or opening hours known. To reach them:"),
    "nothing_known": ("Ni téléphone, ni horaires, ni site connus : passez sur place ou signalez-nous un contact.",
                      "No phone, hours or website known: go there, or tell us a contact."),
    "email": ("Écrire", "E-mail"),
    "website": ("Site web", "Website"),
    "appointment": ("Prendre rendez-vous", "Book an appointment"),
    "hours": ("Horaires", "Opening hours"),
    "address": ("Adresse", "Address"),
    "contact": ("Contact", "Contact"),
    "offer": ("Ce que le lieu propose", "What this place offers"),
    "fees": ("Tarif", "Fees"),
    "access": ("Accessibilité", "Accessibility"),
    "acceslibre": ("Voir l'accessibilité sur Acceslibre", "See accessibility on Acceslibre"),
    "description": ("Présentation", "About"),
    "sources": ("D'où viennent ces informations", "Where this information comes from"),
    "updated": ("mis à jour le {date}", "updated on {date}"),
    "stale": ("Attention : ces informations ont plus de {months} mois. Appelez avant de vous déplacer.",
              "Warning: this information is over {months} months old. Call before you go."),
    "archive_card": ("Données d'archive ({month})", "Archive data ({month})"),
    "archive_notice": ("Ces informations viennent d'archives : données de {month}. Elles ont pu changer depuis. "
                       "Appelez avant de vous déplacer.",
                       "This information comes from archives: data of {month}. It may have changed since. "
                       "Call before you go."),
    "archive_source": ("archive, données de {month}", "archive, data of {month}"),
    "report_title": ("Signaler une erreur", "Report a mistake"),
    "report_intro": ("Une information est fausse ou manque ? Dites-le nous. Nous ne publions pas votre message.",
                     "Is something wrong or missing? Tell us. We do not publish your message."),
    "report_kind": ("Qu'est-ce qui ne va pas ?", "What is wrong?"),
    "report_message": ("Votre message", "Your message"),
    "report_contact": ("Votre e-mail ou téléphone (facultatif, pour vous répondre)",
                       "Your e-mail or phone (optional, so that we can answer)"),
    "report_send": ("Envoyer", "Send"),
    "report_thanks": ("Merci ! Votre signalement est enregistré (numéro {id}).",
                      "Thank you! Your report is saved (number {id})."),
    "report_trap": ("Ne remplissez pas ce champ", "Leave this field empty"),
    "print": ("Imprimer", "Print"),
    "print_list": ("Version à imprimer", "Printable version"),
    "embed": ("Intégrer la carte sur votre site", "Embed the map on your website"),
    "embed_intro": ("Copiez ce code dans une page de votre site. La carte montre les lieux de la commune choisie.",
                    "Copy this code into a page of your website. The map shows the places of the chosen town."),
    "embed_commune": ("Commune", "Town"),
    "embed_show": ("Afficher le code", "Show the code"),
    "embed_code": ("Code à copier", "Code to copy"),
    "back": ("Retour aux résultats", "Back to results"),
    "home": ("Accueil", "Home"),
    "language": ("English", "Français"),
    "empty_store": ("Aucun lieu n'est encore chargé. Pour les charger, lancez « python run.py harvest » "
                    "(ou « python run.py harvest --mirror DOSSIER » hors ligne), puis rechargez cette page.",
                    "No place is loaded yet. To load them, run \u201cpython run.py harvest\u201d (or "
                    "\u201cpython run.py harvest --mirror FOLDER\u201d offline), then reload this page."),
    "not_found": ("Page introuvable", "Page not found"),
    "bad_request": ("Demande incomprise", "Request not understood"),
    "error": ("Une erreur s'est produite", "Something went wrong"),
    "unknown_place": ("Nous n'avons pas trouvé « {q} » dans le territoire. Essayez un nom de commune ou un code "
                      "postal du territoire.", "We did not find \u201c{q}\u201d in the territory. Try a town name "
                      "or a postcode of the territory."),
    "address_offline": ("La recherche d'adresse n'est pas disponible pour le moment. Tapez une commune ou un code "
                        "postal.", "Address search is not available right now. Type a town or a postcode."),
    "choose_place": ("Plusieurs communes correspondent. Choisissez :", "Several towns match. Choose one:"),
    "labels_title": ("Labels", "Labels"),
    "services_short": ("Services", "Services"),
    "remote": ("À distance", "Remote"),
    "source_data": ("Source", "Source"),
}



def _merge_parts() -> None:
    """Add the texts of :mod:`inclusion_map.web.texts` (one module per part of the site)."""
    from .texts import finder, maps, orientation, service_pages

    for part in (finder, maps, orientation, service_pages):
        twice = TEXTS.keys() & part.TEXTS.keys()
        if twice:
            raise ValueError(f"text keys defined twice: {sorted(twice)}")
        TEXTS.update(part.TEXTS)


_merge_parts()

VALUES_EN = {
    "Aide aux démarches administratives": "Help with online paperwork",
    "Maîtrise des outils numériques du quotidien": "Everyday digital skills",
    "Insertion professionnelle via le numérique": "Finding work with digital tools",
    "Utilisation sécurisée du numérique": "Staying safe online",
    "Parentalité et éducation avec le numérique": "Parenting and education with digital tools",
    "Loisirs et créations numériques": "Digital leisure and creation",
    "Compréhension du monde numérique": "Understanding the digital world",
    "Accès internet et matériel informatique": "Internet access and computers",
    "Acquisition de matériel informatique à prix solidaire": "Low-cost computers",
    "En autonomie": "On your own", "Accompagnement individuel": "One-to-one help",
    "Dans un atelier collectif": "Group workshop", "À distance": "Remote help",
    "Jeunes": "Young people", "Étudiants": "Students", "Familles et/ou enfants": "Families and children",
    "Seniors": "Older people", "Femmes": "Women",
    "Gratuit": "Free", "Gratuit sous condition": "Free under conditions", "Payant": "Paid",
}

REPORT_KINDS = {
    "ferme": ("Le lieu est fermé définitivement", "The place has closed for good"),
    "horaires": ("Les horaires sont faux", "The opening hours are wrong"),
    "adresse": ("L'adresse ou la position est fausse", "The address or the position is wrong"),
    "contact": ("Le téléphone, l'e-mail ou le site est faux", "The phone, e-mail or website is wrong"),
    "services": ("Les services proposés sont faux", "The services offered are wrong"),
    "autre": ("Autre chose", "Something else"),
}


def text(key: str, lang: str, **values) -> str:
    """The text ``key`` in ``lang`` (French when unknown), with ``{placeholders}`` filled."""
    fr, en = TEXTS[key]
    chosen = en if lang == "en" else fr
    return chosen.format(**values) if values else chosen


def value(label: str, lang: str) -> str:
    """A vocabulary value of the standard, translated when the page is in English."""
    return VALUES_EN.get(label, label) if lang == "en" else label


def fold_eq(a: str, b: str) -> bool:
    """Equal once accents, case and punctuation are ignored."""
    from ..vocab import fold

    return fold(a) == fold(b)


def _vocab() -> dict[str, tuple[str, ...]]:
    from ..vocab import DISPOSITIFS, MODALITES_ACCOMPAGNEMENT, PUBLICS, SERVICES

    return {"service": SERVICES, "modalite": MODALITES_ACCOMPAGNEMENT, "public": PUBLICS, "label": DISPOSITIFS}


VOCAB = _vocab()
