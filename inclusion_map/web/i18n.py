"""The public pages' texts, French first (plain language, short sentences) and English.

Templates call ``t("key")``; the language comes from ``?lang=en`` (kept in every link) and
defaults to French. Vocabulary values of the national standard (services, publics…) are shown in
French, with an English label from :data:`VALUES_EN` when the page is in English; a value without
one stays French and is marked so (:func:`value_lang`). Texts follow the « facile à lire et à
comprendre » rules (README, "Plain language"); the error pages put the search's English messages
in plain words in the page's language (:func:`error_text`).
"""

from __future__ import annotations

LANGS = ("fr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "site_name": ("Aide numérique près de chez vous", "Digital help near you"),
    "tagline": (
        "Trouvez un lieu pour avoir de l'aide avec internet, un ordinateur ou un téléphone. Par exemple "
        "pour faire vos papiers sur internet.",
        "Find a place where you can get help with the internet, a computer or a phone. For example, to do "
        "your paperwork online.",
    ),
    "skip": ("Aller au contenu", "Skip to content"),
    "search_label": ("Votre adresse, votre ville ou votre code postal", "Your address, town or postcode"),
    "search_hint": (
        "Par exemple : Vitry-sur-Seine, 94400 ou 12 rue de la Paix, Orly",
        "For example: Vitry-sur-Seine, 94400 or 12 avenue de Paris, Orly",
    ),
    "search_button": ("Chercher", "Search"),
    "near_me": ("Autour de moi", "Near me"),
    "near_me_denied": (
        "Nous ne trouvons pas votre position. Écrivez une adresse ou le nom d'une ville.",
        "We cannot find your position. Type an address or the name of a town.",
    ),
    "filters": ("Filtres", "Filters"),
    "apply_filters": ("Appliquer les filtres", "Apply filters"),
    "clear_filters": ("Effacer les filtres", "Clear filters"),
    "services": ("Ce que vous voulez faire", "What you need"),
    "modalites": ("Comment on vous aide", "How you get help"),
    "publics": ("Pour qui", "Who it is for"),
    "free": ("Gratuit seulement", "Free of charge only"),
    "labels": ("Réseaux publics", "Public networks"),
    "open": ("Quand c'est ouvert", "When it is open"),
    "open_any": ("Peu importe", "Any time"),
    "open_now": ("Ouvert maintenant", "Open now"),
    "open_on": ("Ouvert un jour choisi", "Open on a chosen day"),
    "day": ("Jour", "Day"),
    "time": ("Heure", "Time"),
    "distance": ("Distance", "Distance"),
    "results_title": ("Lieux près de {place}", "Places near {place}"),
    "results_count": ("{n} lieux à moins de {km} km", "{n} places within {km} km"),
    "results_one": ("1 lieu à moins de {km} km", "1 place within {km} km"),
    "no_results": (
        "Nous n'avons trouvé aucun lieu. Choisissez une distance plus grande, ou enlevez des filtres.",
        "We found no place. Choose a larger distance, or remove some filters.",
    ),
    "walk": ("{min} min à pied", "{min} min walk"),
    "approximate": (
        "Placé au centre de la ville : distance pas exacte",
        "Placed at the centre of the town: distance not exact",
    ),
    "fees_group": ("Prix", "Price"),
    "choose": ("Choisir…", "Choose…"),
    "km": ("{d} km", "{d} km"),
    "m": ("{d} m", "{d} m"),
    "more_results": ("Voir plus de lieux", "Show more places"),
    "previous": ("Lieux précédents", "Previous places"),
    "map": ("Carte", "Map"),
    "map_note": (
        "La carte montre les lieux de la partie visible. La liste donne les mêmes lieux : vous pouvez "
        "l'utiliser sans la carte.",
        "The map shows the places in the visible part. The list gives the "
        "same places: you can use it without the map.",
    ),
    "details": ("Voir le détail", "See details"),
    "directions": ("Itinéraire", "Directions"),
    "call": ("Appeler", "Call"),
    "approximate_place": (
        "Sur la carte, ce lieu est au centre de la ville, pas à sa vraie place. Le lien "
        "« Itinéraire » utilise donc son adresse.",
        "On the map, this place is at the centre of the town, not at its real spot. So the "
        "“Directions” link uses its address.",
    ),
    "reach_by": (
        "Nous n'avons pas leur téléphone ni leurs horaires. Pour les contacter :",
        "We do not have their phone number or opening hours. To contact them:",
    ),
    "nothing_known": (
        "Nous n'avons pas leur téléphone, leurs horaires ni leur site internet. Vous pouvez aller "
        "sur place. Vous connaissez un contact ? Dites-le nous sur la page du lieu.",
        "We do not have their phone number, opening hours or website. You can go there. You know a "
        "contact? Tell us on the page of the place.",
    ),
    "email": ("Écrire", "E-mail"),
    "website": ("Site internet", "Website"),
    "appointment": ("Prendre rendez-vous", "Book an appointment"),
    "hours": ("Horaires", "Opening hours"),
    "address": ("Adresse", "Address"),
    "contact": ("Contact", "Contact"),
    "offer": ("Ce que le lieu propose", "What this place offers"),
    "fees": ("Prix", "Price"),
    "access": ("Accueil adapté", "Adapted support"),
    "acceslibre": (
        "Voir si le lieu est accessible en fauteuil, avec un chien guide… (site Acceslibre)",
        "See if the place is accessible by wheelchair, with a guide dog… (Acceslibre website)",
    ),
    "description": ("Présentation", "About"),
    "sources": ("D'où viennent ces informations", "Where this information comes from"),
    "updated": ("mis à jour le {date}", "updated on {date}"),
    "stale": (
        "Attention : ces informations ont plus de {months} mois. Elles ont peut-être changé. Appelez avant "
        "d'y aller.",
        "Warning: this information is more than {months} months old. It may have changed. "
        "Call before you go.",
    ),
    "archive_card": ("Informations anciennes ({month})", "Old information ({month})"),
    "archive_notice": (
        "Ces informations sont anciennes : elles datent de {month}. Elles ont peut-être changé. "
        "Appelez avant d'y aller.",
        "This information is old: it dates from {month}. It may have changed. Call before you go.",
    ),
    "archive_source": ("copie ancienne, informations de {month}", "old copy, information from {month}"),
    "report_title": ("Signaler une erreur", "Report a mistake"),
    "report_intro": (
        "Une information est fausse ou manque ? Dites-le nous. Votre message n'est pas publié : "
        "seule l'équipe qui gère le site le lit.",
        "Is something wrong or missing? Tell us. Your message is not published: only the team that "
        "runs the site reads it.",
    ),
    "report_kind": ("Qu'est-ce qui ne va pas ?", "What is wrong?"),
    "report_message": ("Votre message", "Your message"),
    "report_contact": (
        "Votre e-mail ou votre téléphone, si vous voulez une réponse (vous pouvez laisser vide)",
        "Your e-mail or phone, if you want an answer (you can leave it empty)",
    ),
    "report_send": ("Envoyer", "Send"),
    "report_thanks": (
        "Merci ! Votre signalement est enregistré (numéro {id}).",
        "Thank you! Your report is saved (number {id}).",
    ),
    "report_trap": ("Ne remplissez pas ce champ", "Leave this field empty"),
    "print": ("Imprimer", "Print"),
    "print_list": ("Version à imprimer", "Printable version"),
    "embed": ("Mettre la carte sur votre site", "Put the map on your website"),
    "embed_intro": (
        "Choisissez une ville. Copiez le code. Collez-le dans une page de votre site internet. La page "
        "montre alors les lieux de cette ville.",
        "Choose a town. Copy the code. Paste it into a page of your website. The page then shows the "
        "places of that town.",
    ),
    "embed_commune": ("Ville", "Town"),
    "embed_show": ("Voir le code", "Show the code"),
    "embed_code": ("Code à copier", "Code to copy"),
    "back": ("Retour aux résultats", "Back to results"),
    "home": ("Accueil", "Home"),
    "language": ("English", "Français"),
    "empty_store": (
        "Le site n'a pas encore la liste des lieux. La personne qui gère le site doit lancer la "
        "commande « python run.py harvest » (ou « python run.py harvest --mirror DOSSIER » sans "
        "internet). Ensuite, rechargez cette page.",
        "The site does not have the list of places yet. The person who runs the site must run "
        "\u201cpython run.py harvest\u201d (or \u201cpython run.py harvest --mirror FOLDER\u201d "
        "offline). Then reload this page.",
    ),
    "not_found": ("Page introuvable", "Page not found"),
    "bad_request": ("Nous ne comprenons pas cette demande", "We do not understand this request"),
    "error": ("Il y a eu un problème", "Something went wrong"),
    "unknown_place": (
        "Nous n'avons pas trouvé « {q} » dans notre zone. Écrivez le nom d'une ville de la zone, "
        "ou son code postal.",
        "We did not find \u201c{q}\u201d in our area. Type the name of a town of the area, or its postcode.",
    ),
    "address_offline": (
        "La recherche par adresse ne marche pas pour le moment. Écrivez le nom d'une ville ou un "
        "code postal.",
        "Address search does not work right now. Type the name of a town or a postcode.",
    ),
    "choose_place": (
        "Plusieurs villes ont ce nom. Choisissez la bonne :",
        "Several towns have this name. Choose the right one:",
    ),
    "labels_title": ("Réseaux publics", "Public networks"),
    "services_short": ("Services", "Services"),
    "remote": ("À distance", "Remote"),
    "source_data": ("Source", "Source"),
}


def _merge_parts() -> None:
    """Add the texts of :mod:`inclusion_map.web.texts` (one module per part of the site)."""
    from .texts import actors_organiser, actors_public, finder, maps, orientation, service_pages

    for part in (finder, maps, orientation, service_pages, actors_public, actors_organiser):
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
    # specific support (prise en charge spécifique)
    "Surdité": "Deafness", "Handicaps moteurs": "Physical disabilities", "Handicaps mentaux": "Mental disabilities",
    "Illettrisme": "Difficulty reading and writing", "Langues étrangères (anglais)": "Foreign languages (English)",
    "Langues étrangères (autres)": "Foreign languages (others)", "Déficience visuelle": "Visual impairment",
    # national programmes whose name has a meaning (the others are proper names)
    "Conseillers numériques": "Digital advisers (conseillers numériques)",
    "Point d'accès numérique CAF": "CAF digital access point",
    "Bibliothèques numérique de référence": "Reference digital libraries",
    "Certification PIX": "PIX certification",
    "Relais numérique (Emmaüs Connect)": "Digital relay (Emmaüs Connect)",
}  # fmt: skip

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


def value_lang(label: str, lang: str) -> str:
    """The language :func:`value` gives ``label`` in on a page in ``lang`` (``"fr"`` when untranslated)."""
    return "en" if lang == "en" and label in VALUES_EN else "fr"


def public_error(key: str, lang: str, **values):
    """A refused request (400) whose message is the text ``key`` in the page's language.

    The error page shows it as it is, where other messages are first put in plain words
    (:func:`error_text`).
    """
    from ..errors import BadRequest

    error = BadRequest(text(key, lang, **values))
    error.lang = lang
    return error


def _or_list(choices: str, lang: str) -> str:
    """``1, 2, 5, 10, 20`` as « 1, 2, 5, 10 ou 20 »."""
    head, _, last = choices.rpartition(", ")
    return f"{head} {text('sp_or', lang)} {last}" if head else choices


#: The messages of the search's checks (``filters.parse_search`` and the printed list's, in English
#: as the API gives them) and their plain-language text on the public pages. A message not listed
#: here is shown as it is, marked English.
_PLAIN_ERRORS: tuple[tuple[str, str], ...] = (
    (r"unknown (?P<what>service|modalité|public|label) « (?P<value>.*) »", "sp_err_unknown_choice"),
    (r"(longitude|latitude) « .* » is not a number", "sp_err_position"),
    (r"(longitude|latitude) \S+ is out of range.*", "sp_err_position"),
    (r"give both lon and lat, or neither", "sp_err_position"),
    (r"ouvert « (?P<value>.*) »: use maintenant or jour", "sp_err_open_mode"),
    (r"jour must be 0 \(Monday\) to 6 \(Sunday\)", "sp_err_day"),
    (r"heure « (?P<value>.*) » must be HH:MM.*", "sp_err_hour"),
    (r"rayon « (?P<value>.*) » must be one of (?P<choices>[\d, ]+) \(km\)", "sp_err_radius"),
    (r"page « (?P<value>.*) » must be a number from 1 to 500", "sp_err_page"),
    (r"nombre « (?P<value>.*) » must be one of (?P<choices>[\d, ]+)", "sp_err_print_count"),
    (r"cannot connect to the store's database", "sp_err_store_down"),
)
_LIST_NAMES = {"service": "services", "modalité": "modalites", "public": "publics", "label": "labels"}


def error_text(error, lang: str) -> tuple[str, str, bool]:
    """What an error page says of ``error``: the text, its language, and whether it was put in
    plain words (the original message is then kept as a technical detail).

    Parameters
    ----------
    error : InclusionMapError
        Its ``message``; its ``lang`` when made by :func:`public_error`.
    lang : {"fr", "en"}
        The page's language.
    """
    import re

    if getattr(error, "lang", None) in LANGS:
        return error.message, error.lang, False
    for pattern, key in _PLAIN_ERRORS:
        found = re.fullmatch(pattern, error.message)
        if found:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "what" in values:
                values["what"] = text(_LIST_NAMES[values["what"]], lang)
            if "choices" in values:
                values["choices"] = _or_list(values["choices"], lang)
            return text(key, lang, **values), lang, True
    return error.message, "en", False


def fold_eq(a: str, b: str) -> bool:
    """Equal once accents, case and punctuation are ignored."""
    from ..vocab import fold

    return fold(a) == fold(b)


def _vocab() -> dict[str, tuple[str, ...]]:
    from ..vocab import DISPOSITIFS, MODALITES_ACCOMPAGNEMENT, PUBLICS, SERVICES

    return {
        "service": SERVICES,
        "modalite": MODALITES_ACCOMPAGNEMENT,
        "public": PUBLICS,
        "label": DISPOSITIFS,
    }


VOCAB = _vocab()
