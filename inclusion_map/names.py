"""Folded forms of venue names and postal addresses, for comparing records of different sources.

Sources write the same place in many ways: « EDS de Villejuif » and « Espace Départemental des
Solidarités », « 89 Avenue Schoelcher » and « 89 Avenue Victor Schoelcher », « 16, rue Raspail » and
« 16 avenue Raspail ». The functions here reduce a name to the words that identify the place and an
address to its house number and street name, so that such writings compare equal. They work on
*unique* values (a national file repeats its communes, sources and many names), through
:func:`fold_values`, which folds a whole column at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the token a network label becomes when both names of a pair carry it
LABEL_TOKEN = "franceservices"

# Acronyms of French social and public services, expanded into the (folded) words their long form
# keeps once filler words are dropped: « EDS » and « Espace départemental des solidarités » match.
ACRONYMS = {
    "eds": "espace departemental solidarites",
    "mds": "maison departementale solidarites",
    "ccas": "centre communal action sociale",
    "cias": "centre intercommunal action sociale",
    "msap": "maison services public",
    "pimms": "point information mediation multi services",
    "mjc": "maison jeunes culture",
    "epn": "espace public numerique",
    "csc": "centre socio culturel",
    "pmi": "protection maternelle infantile",
    "caf": "caisse allocations familiales",
    "cpam": "caisse primaire assurance maladie",
    "pij": "point information jeunesse",
    "bij": "bureau information jeunesse",
    "msa": "mutualite sociale agricole",
    "cc": "communaute communes",
    "cdc": "communaute communes",
    "ca": "communaute agglomeration",
    "st": "saint",
    "ste": "sainte",
    "ctre": "centre",
    "socioculturel": "socio culturel",
    "multiservices": "multi services",
}
# Words that say nothing of which place it is: articles and prepositions, and legal forms.
NAME_FILLERS = frozenset({
    "de", "du", "la", "le", "les", "des", "d", "l", "et", "a", "au", "aux", "en", "un", "une", "sur",
    "sous", "pour", "par", "association", "asso", "sarl", "sas", "sasu", "eurl", "scop", "scic",
})  # fmt: skip
ADDRESS_STOPWORDS = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "et", "a", "au", "aux", "en"})
# « France services » is a network label: two names carrying it agree on it, one name carrying it
# says nothing more than « a public-service desk ». « Conseiller numérique (France services) » is
# a programme, not a France services centre: it is removed first.
_PROGRAMME = re.compile(
    r"\b(?:bureau (?:du )?)?conseill(?:er|ere|ers|eres) numeriques?(?: france services?)?\b"
)
_LABEL = re.compile(r"\b(?:(?:maison|espace|bus|point|agence) )?france services?\b|\b[em]fs\b")
# « Commune de X », « Ville de X », « Commune X » name the town hall by its legal form.
_TOWN_HALL = re.compile(r"\b(?:commune|ville) (?:de|du|d)\b|^(?:commune|ville)\b")
_HOTEL_DE_VILLE = re.compile(r"\bhotel de ville\b")
# Initials written with dots or spaces (« C.I.A.S. » folds to « c i a s »): one word again.
_INITIALS = re.compile(r"\b[a-z](?: [a-z]\b){2,}")

ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "aven": "avenue", "bd": "boulevard", "bld": "boulevard",
    "blvd": "boulevard", "bvd": "boulevard", "boul": "boulevard", "r": "rue", "pl": "place", "plc": "place",
    "all": "allee", "imp": "impasse", "ch": "chemin", "che": "chemin", "chem": "chemin", "rte": "route",
    "sq": "square", "fg": "faubourg", "fbg": "faubourg", "st": "saint", "ste": "sainte", "qu": "quai",
    "qua": "quai", "crs": "cours", "res": "residence", "resid": "residence", "esp": "esplanade",
    "espl": "esplanade", "prom": "promenade", "pass": "passage", "vla": "villa", "chs": "chaussee",
    "gen": "general", "gal": "general", "mal": "marechal", "pdt": "president", "pres": "president",
    "dr": "docteur", "prof": "professeur", "cdt": "commandant", "lt": "lieutenant", "mgr": "monseigneur",
    "rpt": "rond point", "ld": "lieu dit", "bat": "batiment", "imm": "immeuble", "esc": "escalier",
}  # fmt: skip
STREET_TYPES = frozenset({
    "rue", "avenue", "boulevard", "place", "allee", "impasse", "chemin", "route", "square", "quai",
    "cours", "cour", "esplanade", "promenade", "passage", "sentier", "sente", "villa", "voie", "cite",
    "parvis", "rond", "point", "galerie", "mail", "hameau", "chaussee", "traverse", "montee", "rampe",
    "ruelle", "faubourg", "residence", "lieu", "dit", "clos", "domaine", "jardin", "parc",
})  # fmt: skip
# Titles before a person's name in a street name: optional, like the first name (« Place du
# Général de Gaulle », « Place Charles de Gaulle »).
TITLES = frozenset({
    "general", "marechal", "president", "docteur", "professeur", "abbe", "colonel", "commandant",
    "capitaine", "lieutenant", "amiral", "monseigneur", "cardinal", "sergent", "aviateur",
})  # fmt: skip
# Where a street name ends and a complement begins (« 2 cour de la Ferme Résidence de la Bergerie »).
COMPLEMENTS = frozenset({
    "residence", "batiment", "immeuble", "entree", "escalier", "etage", "appartement", "appt", "apt",
    "bp", "cs", "cedex", "tsa", "zac", "zi", "za", "lotissement", "hall",
})  # fmt: skip
_NUMBER = re.compile(r"(\d+)(?:bis|ter|quater|[a-d])?")
_NUMBER_SUFFIX = frozenset({"bis", "ter", "quater", "a", "b", "c", "d"})
_POSTCODE = re.compile(r"\d{5}")
# A number after these is a post-office box or a sorting code, not a house number.
_NOT_HOUSE = frozenset({"bp", "cs", "tsa", "cedex", "case", "postale", "rd", "rn"})


def fold_values(values: pd.Series | np.ndarray | list) -> np.ndarray:
    """Lower-case, accent-free, punctuation-free form of each value (``""`` for a non-string).

    The same key as :func:`inclusion_map.vocab.fold` for ordinary text (ligatures ``œ``/``æ`` are
    spelt out rather than lost), computed once per distinct value with pandas' string methods:
    folding every row of a national file one by one in Python was the slowest step of the merge.

    Parameters
    ----------
    values : Series, array or list
        Any values; strings are folded, anything else becomes ``""``.

    Returns
    -------
    ndarray of str
        One folded string per value, in order.
    """
    series = pd.Series(values, dtype=object)
    uniques = pd.Series(pd.unique(series.to_numpy(dtype=object)), dtype=object)
    text = uniques.where(uniques.map(type).eq(str), "").astype(str)
    folded = (
        text.str.replace("’", "'", regex=False)
        .str.replace("œ", "oe", regex=False).str.replace("Œ", "Oe", regex=False)
        .str.replace("æ", "ae", regex=False).str.replace("Æ", "Ae", regex=False)
        .str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
        .str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    )  # fmt: skip
    return series.map(dict(zip(uniques, folded, strict=True))).to_numpy(dtype=object)


@dataclass(frozen=True)
class NameParts:
    """A folded name reduced for comparison.

    Attributes
    ----------
    words : str
        The identifying words, sorted: acronyms expanded, the network label, legal forms, filler
        words and the venue's own commune name removed (« EDS d'Orly » → ``departemental espace
        solidarites``). Empty when the name says nothing but a label and the commune.
    full : str
        The name with the commune's name kept and acronyms as written, sorted: what identifies a
        name such as « Commune de Vitry » or « France services Athis-Mons », whose only own words
        are the commune's (compared as written, since such a name is mostly its commune).
    label : bool
        Whether the name carries the « France services » network label.
    """

    words: str
    full: str
    label: bool


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        out.extend(ACRONYMS[w].split() if w in ACRONYMS else (w,))
    return out


def _commune_words(folded_commune: str) -> list[str]:
    return [w for w in _expand(folded_commune.split()) if w not in NAME_FILLERS]


def _drop_commune(words: list[str], commune: list[str]) -> list[str]:
    """``words`` without the commune's name (the whole name, else its leading words: « Vitry » for
    Vitry-sur-Seine), wherever it appears."""
    for size in range(len(commune), 0, -1):
        part = commune[:size]
        # « Saint » alone, or a one-letter word, would take too much from other names.
        if size < len(commune) and (len(part[0]) < 4 or part == ["saint"] or part == ["sainte"]):
            break
        for start in range(len(words) - size + 1):
            if words[start : start + size] == part:
                return words[:start] + words[start + size :]
    return words


def name_parts(folded_name: str, folded_commune: str) -> NameParts:
    """The comparison forms of one name.

    Parameters
    ----------
    folded_name : str
        The venue's name, folded (:func:`fold_values`).
    folded_commune : str
        The name of the venue's commune, folded (``""`` when unknown): removed from the name.

    Returns
    -------
    NameParts
    """
    text = _INITIALS.sub(lambda m: m.group(0).replace(" ", ""), folded_name)
    text = _PROGRAMME.sub(" ", text)
    label = bool(_LABEL.search(text))  # « EFS », « MFS »: espace / maison France services
    text = _LABEL.sub(" ", text)
    text = _TOWN_HALL.sub(" ", _HOTEL_DE_VILLE.sub("mairie", text).strip())
    expanded = [w for w in _expand(text.split()) if w not in NAME_FILLERS]
    words = _drop_commune(expanded, _commune_words(folded_commune)) if folded_commune else expanded
    full = sorted(w for w in text.split() if w not in NAME_FILLERS)
    return NameParts(" ".join(sorted(words)), " ".join(full), label)


@dataclass(frozen=True)
class AddressParts:
    """A folded address reduced for comparison.

    Attributes
    ----------
    text : str
        Every word with abbreviations expanded and filler words dropped (``12 avenue fictive``).
    number : str or None
        The house number: the first number followed by a street type (« Résidence B, 12 rue X » →
        ``12``), else a leading number; ``bis``/``ter`` and ranges (« 14/16 ») keep the first number.
    street : str
        The street's own words, without its type, a title, filler words or a complement
        (« Avenue du Général Warabiot » → ``warabiot``; « 2 cour de la Ferme Résidence de la
        Bergerie » → ``ferme``). Comparing two streets as word sets makes a first name or a title optional
        (``victor schoelcher`` and ``schoelcher``) without a list of first names.
    """

    text: str
    number: str | None
    street: str


def _street(tokens: list[str]) -> str:
    words: list[str] = []
    for w in tokens:
        if (w in COMPLEMENTS and words) or _POSTCODE.fullmatch(w):
            break  # a complement, or the postcode and commune written after the street
        if w in STREET_TYPES and not words:
            continue  # the street's type, also of two words (« rond point », « lieu dit »)
        if w not in TITLES:
            words.append(w)
    return " ".join(words)


def address_parts(folded_address: str) -> AddressParts:
    """The comparison forms of one address.

    Parameters
    ----------
    folded_address : str
        The venue's address, folded (:func:`fold_values`).

    Returns
    -------
    AddressParts
    """
    tokens: list[str] = []
    for w in folded_address.split():
        if w in ADDRESS_STOPWORDS:
            continue
        tokens.extend(ABBREVIATIONS[w].split() if w in ABBREVIATIONS else (w,))
    text = " ".join(tokens)
    numbered = []  # (position of the number, position after it, the number)
    i = 0
    while i < len(tokens):
        m = _NUMBER.fullmatch(tokens[i])
        if not m or (i and tokens[i - 1] in _NOT_HOUSE):
            i += 1
            continue
        j = i + 1  # skip « bis », a letter, or the second number of a range « 14 16 »
        while j < len(tokens) and (tokens[j] in _NUMBER_SUFFIX or tokens[j].isdigit()):
            j += 1
        numbered.append((i, j, m.group(1)))
        if j < len(tokens) and tokens[j] in STREET_TYPES:
            return AddressParts(text, m.group(1), _street(tokens[j:]))
        i = j
    if numbered and numbered[0][0] == 0:
        _, start, number = numbered[0]
        return AddressParts(text, number, _street(tokens[start:]))
    return AddressParts(text, None, _street(tokens))
