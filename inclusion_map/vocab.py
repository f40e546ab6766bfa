"""Vocabularies of the national standard "lieux de médiation numérique" v1.0.2 and the tables
that map the older 0.x values (and other sources' codes) onto them.

The v1 lists are those of the standard's Table Schema (constraints ``pattern``). The old → new
tables follow the standard's changelog (0.1.1 → 1.0.1): the 15 old services condensed into 9,
``publics_accueillis`` split into ``publics_specifiquement_adresses`` and
``prise_en_charge_specifique``, ``conditions_acces`` renamed ``frais_a_charge``, and
``labels_nationaux`` split into ``dispositif_programmes_nationaux`` and ``formations_labels``.
Matching is done on a folded form (lower case, no accents, no punctuation), see :func:`fold`.
"""

from __future__ import annotations

import re
import unicodedata

SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)
PUBLICS = ("Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes")
PRISE_EN_CHARGE = (
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
)
FRAIS = ("Gratuit", "Gratuit sous condition", "Payant")
DISPOSITIFS = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)
FORMATIONS_LABELS = (
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
)
MODALITES_ACCES = (
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
)
MODALITES_ACCOMPAGNEMENT = (
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
)
ITINERANCE = ("Itinérant", "Fixe")


def fold(text) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: the key used for matching.

    Anything that is not a string (``None``, NaN) folds to ``""``.
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _folded(mapping: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {fold(k): v for k, v in mapping.items()}


# The 15 services of the 0.x standard, condensed into the 9 of v1.
OLD_SERVICES = _folded(
    {
        "Devenir autonome dans les démarches administratives": ("Aide aux démarches administratives",),
        "Réaliser des démarches administratives avec un accompagnement": (
            "Aide aux démarches administratives",
        ),
        "Accompagner les démarches de santé": ("Aide aux démarches administratives",),
        "Prendre en main un smartphone ou une tablette": ("Maîtrise des outils numériques du quotidien",),
        "Prendre en main un ordinateur": ("Maîtrise des outils numériques du quotidien",),
        "Utiliser le numérique au quotidien": ("Maîtrise des outils numériques du quotidien",),
        "Approfondir ma culture numérique": ("Compréhension du monde numérique",),
        "Promouvoir la citoyenneté numérique": ("Compréhension du monde numérique",),
        "Favoriser mon insertion professionnelle": ("Insertion professionnelle via le numérique",),
        "Créer et développer mon entreprise": ("Insertion professionnelle via le numérique",),
        "Accéder à une connexion internet": ("Accès internet et matériel informatique",),
        "Accéder à du matériel": ("Accès internet et matériel informatique",),
        "S'équiper en matériel informatique": ("Acquisition de matériel informatique à prix solidaire",),
        "Créer avec le numérique": ("Loisirs et créations numériques",),
        "Soutenir la parentalité et l'éducation avec le numérique": (
            "Parentalité et éducation avec le numérique",
        ),
        "Échanger avec mes proches": ("Maîtrise des outils numériques du quotidien",),
    }
)

# Old ``publics_accueillis`` → (field, value). "Adultes" means "everyone": no specific public.
OLD_PUBLICS: dict[str, tuple[str, str] | None] = {
    fold(k): v
    for k, v in {
        "Adultes": None,
        "Tout public": None,
        "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", "Jeunes"),
        "Jeunes": ("publics_specifiquement_adresses", "Jeunes"),
        "Étudiants": ("publics_specifiquement_adresses", "Étudiants"),
        "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", "Seniors"),
        "Seniors": ("publics_specifiquement_adresses", "Seniors"),
        "Familles/enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
        "Familles et/ou enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
        "Femmes": ("publics_specifiquement_adresses", "Femmes"),
        "Uniquement femmes": ("publics_specifiquement_adresses", "Femmes"),
        "Surdité": ("prise_en_charge_specifique", "Surdité"),
        "Déficience visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
        "Handicaps moteurs": ("prise_en_charge_specifique", "Handicaps moteurs"),
        "Handicaps mentaux : déficiences limitant les activités d'une personne": (
            "prise_en_charge_specifique",
            "Handicaps mentaux",
        ),
        "Handicaps mentaux": ("prise_en_charge_specifique", "Handicaps mentaux"),
        # v1 has no "psychic" value; "Handicaps mentaux" is the nearest and keeps the venue findable.
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales": (
            "prise_en_charge_specifique",
            "Handicaps mentaux",
        ),
        "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
        "Illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
        "Public langues étrangères": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
        "Langues étrangères (anglais)": ("prise_en_charge_specifique", "Langues étrangères (anglais)"),
        "Langues étrangères (autres)": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
    }.items()
}

# Old ``conditions_acces`` (text before the colon) → ``frais_a_charge``. A membership fee
# ("Adhésion") and the paid "Pass numérique" voucher both mean the visitor pays something.
OLD_FRAIS = _folded(
    {
        "Gratuit": ("Gratuit",),
        "Gratuit sous condition": ("Gratuit sous condition",),
        "Payant": ("Payant",),
        "Adhésion": ("Payant",),
        "Accepte le Pass numérique": ("Payant",),
        "Pass numérique": ("Payant",),
    }
)

# Old ``labels_nationaux`` → (field, value); unknown labels go to ``autres_formations_labels``.
OLD_LABELS: dict[str, tuple[str, str]] = {
    fold(k): v
    for k, v in {
        "CNFS": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "Conseiller numérique": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "Conseillers numériques": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "France Services": ("dispositif_programmes_nationaux", "France Services"),
        "Aidants Connect": ("dispositif_programmes_nationaux", "Aidants Connect"),
        "Point relais CAF": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
        "Grande école du numérique": ("dispositif_programmes_nationaux", "Grande école du numérique"),
        "Emmaüs Connect": ("dispositif_programmes_nationaux", "Emmaüs Connect"),
        "Relais numérique (Emmaüs Connect)": (
            "dispositif_programmes_nationaux",
            "Relais numérique (Emmaüs Connect)",
        ),
        "Promeneurs du net": ("dispositif_programmes_nationaux", "Promeneurs du net"),
        "Certification PIX": ("dispositif_programmes_nationaux", "Certification PIX"),
        "PIX": ("dispositif_programmes_nationaux", "Certification PIX"),
        "La Croix Rouge": ("dispositif_programmes_nationaux", "La Croix Rouge"),
        "Fabriques de Territoire": ("formations_labels", "Fabriques de Territoire"),
        "Fabrique de territoire": ("formations_labels", "Fabriques de Territoire"),
        "Étapes numériques": ("formations_labels", "Étapes numériques(La Poste)"),
        "SUD LABS": ("formations_labels", "SUD LABS (PACA)"),
    }.items()
}

# Old ``modalites_accompagnement`` (text before the colon) → v1 values.
OLD_MODALITES = _folded(
    {
        "Seul": ("En autonomie",),
        "En autonomie": ("En autonomie",),
        "Avec de l'aide": ("Accompagnement individuel",),
        "Accompagnement individuel": ("Accompagnement individuel",),
        # Someone does the procedure on the visitor's behalf: individual help.
        "A ma place": ("Accompagnement individuel",),
        "Dans un atelier": ("Dans un atelier collectif",),
        "Dans un atelier collectif": ("Dans un atelier collectif",),
        "À distance": ("À distance",),
        "A distance": ("À distance",),
    }
)

# Multi-valued fields of v1, with their closed vocabulary where the standard has one.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "services": SERVICES,
    "publics_specifiquement_adresses": PUBLICS,
    "prise_en_charge_specifique": PRISE_EN_CHARGE,
    "frais_a_charge": FRAIS,
    "dispositif_programmes_nationaux": DISPOSITIFS,
    "formations_labels": FORMATIONS_LABELS,
    "modalites_acces": MODALITES_ACCES,
    "modalites_accompagnement": MODALITES_ACCOMPAGNEMENT,
    "itinerance": ITINERANCE,
}
FOLDED_VOCABULARIES = {f: {fold(v): v for v in values} for f, values in VOCABULARIES.items()}
