"""The territory's other actors on the public site: the list by kind, an actor's page, the map's
layers, and the guided choice of French-language workshops (``/apprendre-le-francais``)."""

TEXTS: dict[str, tuple[str, str]] = {
    # the list and the home page's links
    "ap_list_title": ("Autres aides près de chez vous", "Other help near you"),
    "ap_other_help": ("Autres aides près de chez vous :", "Other help near you:"),
    "ap_type_legend": ("Type d'aide", "Kind of help"),
    "ap_type_venues": ("Aide numérique (lieux de la carte)", "Digital help (places on the map)"),
    "ap_type_hint": (
        "Les autres filtres concernent seulement l'aide numérique.",
        "The other filters are for digital help only.",
    ),
    "ap_intro_acces_droit": (
        "Des lieux pour connaître vos droits et être aidé : information sur la loi, "
        "avocats, aide aux victimes, aide pour régler un conflit à l'amiable. C'est gratuit.",
        "Places to learn about your rights and get help: legal information, lawyers, "
        "victim support, mediation. It is free.",
    ),
    "ap_intro_langue": (
        "Des ateliers pour apprendre le français ou mieux le parler, lire et écrire.",
        "Workshops to learn French or to speak, read and write it better.",
    ),
    "ap_back_home": ("Retour à la recherche", "Back to the search"),
    "ap_back_list": ("Autres lieux : {kind}", "Other places: {kind}"),
    "ap_error_title": ("Nous n'avons pas pu faire cette recherche.", "We could not do this search."),
    "ap_err_type_missing": ("Choisissez un type d'aide : {choices}.", "Choose a kind of help: {choices}."),
    "ap_err_type": (
        "Le type d'aide « {value} » n'existe pas. Choisissez : {choices}.",
        "The kind of help \u201c{value}\u201d does not exist. Choose: {choices}.",
    ),
    "ap_results_title": ("{kind} près de {place}", "{kind} near {place}"),
    "ap_count": ("{n} lieux à moins de {km} km", "{n} places within {km} km"),
    "ap_count_one": ("1 lieu à moins de {km} km", "1 place within {km} km"),
    "ap_count_none": ("Aucun lieu à moins de {km} km", "No place within {km} km"),
    "ap_none_here": ("Nous ne connaissons aucun lieu de ce type ici.", "We know no place of this kind here."),
    "ap_further": ("Chercher jusqu'à {km} km", "Search up to {km} km"),
    "ap_map_note": (
        "Cochez les couches de la carte pour voir ou cacher chaque type de lieu. La liste "
        "donne les mêmes lieux : vous pouvez l'utiliser sans la carte.",
        "Tick the map's layers to show or hide each kind of place. The list gives the same "
        "places: you can use it without the map.",
    ),
    "ap_layer_venues": ("Lieux d'aide numérique", "Digital help places"),
    "ap_no_phone": ("Pas de téléphone connu : allez sur place.", "No phone number known: go there."),
    "ap_languages": ("Langues parlées", "Languages spoken"),
    "ap_level_label": ("Niveau", "Level"),
    "ap_learn_link": (
        "Trouver un atelier de français à mon niveau, pas à pas",
        "Find a French workshop for my level, step by step",
    ),
    # an actor's page
    "ap_how_to_go": ("Pour y aller", "How to get there"),
    "ap_directions": ("Itinéraire jusqu'à l'adresse", "Directions to the address"),
    "ap_no_contact": (
        "Nous n'avons pas leur contact. Vous pouvez aller sur place.",
        "We do not have their contact. You can go there.",
    ),
    "ap_hours_week": ("Horaires des 7 prochains jours", "Opening hours for the next 7 days"),
    "ap_hours_note": (
        "Les jours fériés peuvent changer ces horaires. Appelez avant d'y aller.",
        "Public holidays may change these hours. Call before you go.",
    ),
    "ap_hours_unknown": (
        "Nous ne connaissons pas leurs horaires. Appelez avant d'y aller.",
        "We do not know their opening hours. Call before you go.",
    ),
    "ap_offer": ("Ce que propose ce lieu", "What this place offers"),
    "ap_offer_unknown": (
        "Nous ne savons pas encore ce que ce lieu propose. Appelez-les.",
        "We do not know yet what this place offers. Call them.",
    ),
    "ap_services": ("Services", "Services"),
    "ap_audience": ("Pour qui", "Who it is for"),
    "ap_networks": ("Réseaux", "Networks"),
    "ap_source": ("Saisi par l'équipe du territoire", "Typed in by the territory's team"),
    "ap_printed": ("Imprimé le {date}. Retrouvez cette page :", "Printed on {date}. Find this page again:"),
    # levels, in plain words
    "ap_level_alpha_short": ("Alphabétisation", "Literacy"),
    "ap_level_alpha_plain": (
        "Je parle un peu français, mais je ne sais pas lire ni écrire, dans aucune langue.",
        "I speak a little French, but I cannot read or write, in any language.",
    ),
    "ap_level_a1_short": ("Débutant (A1)", "Beginner (A1)"),
    "ap_level_a1_plain": (
        "Je connais quelques mots. Je peux dire mon nom et mon adresse.",
        "I know a few words. I can say my name and my address.",
    ),
    "ap_level_a2_short": ("Élémentaire (A2)", "Elementary (A2)"),
    "ap_level_a2_plain": (
        "Je peux parler de choses simples : faire des courses, prendre un rendez-vous.",
        "I can talk about simple things: shopping, making an appointment.",
    ),
    "ap_level_b1_short": ("Intermédiaire (B1)", "Intermediate (B1)"),
    "ap_level_b1_plain": (
        "Je me débrouille dans la vie de tous les jours. Je veux parler plus facilement.",
        "I manage in everyday life. I want to speak more easily.",
    ),
    "ap_level_b2_short": ("Avancé (B2)", "Upper intermediate (B2)"),
    "ap_level_b2_plain": (
        "Je parle bien. Je veux progresser pour le travail, une formation ou un examen.",
        "I speak well. I want to improve for work, training or an exam.",
    ),
    "ap_level_unsure_short": ("Je ne sais pas", "I do not know"),
    "ap_level_unsure_plain": (
        "Pas de problème : nous montrons les ateliers qui font un test de niveau ou "
        "qui accueillent tous les niveaux.",
        "No problem: we show the workshops that test your level or that welcome every level.",
    ),
    # the guided choice
    "ap_learn_title": ("Apprendre le français", "Learn French"),
    "ap_learn_intro": (
        "Trois questions pour trouver un atelier de français près de chez vous.",
        "Three questions to find a French workshop near you.",
    ),
    "ap_step_level": ("Niveau", "Level"),
    "ap_step_days": ("Jours", "Days"),
    "ap_step_where": ("Commune", "Town"),
    "ap_fix_title": ("Réponse à revoir", "Please check this answer"),
    "ap_level_question": ("Quel est votre niveau de français ?", "What is your level of French?"),
    "ap_level_hint": ("Choisissez une réponse.", "Choose one answer."),
    "ap_level_missing": (
        "Choisissez votre niveau, ou « Je ne sais pas ».",
        "Choose your level, or \u201cI do not know\u201d.",
    ),
    "ap_err_level": (
        "Le niveau « {value} » n'existe pas. Choisissez un niveau dans la liste.",
        "The level \u201c{value}\u201d does not exist. Choose a level from the list.",
    ),
    "ap_days_question": ("Quels jours êtes-vous libre ?", "Which days are you free?"),
    "ap_days_hint": (
        "Cochez un ou plusieurs jours. Si vous ne cochez rien, nous montrons tous les jours.",
        "Tick one or more days. If you tick none, we show every day.",
    ),
    "ap_err_day": (
        "Le jour « {value} » n'existe pas. Cochez des jours dans la liste.",
        "The day \u201c{value}\u201d does not exist. Tick days from the list.",
    ),
    "ap_where_question": ("Où habitez-vous ?", "Where do you live?"),
    "ap_where_label": ("Votre commune, votre code postal ou votre adresse", "Your town, postcode or address"),
    "ap_where_missing": ("Écrivez votre commune ou votre code postal.", "Type your town or your postcode."),
    "ap_where_choose": ("Choisissez votre commune.", "Choose your town."),
    "ap_show_workshops": ("Voir les ateliers", "Show the workshops"),
    "ap_results_learn_title": ("Ateliers de français pour vous", "French workshops for you"),
    "ap_answer_level": ("Niveau", "Level"),
    "ap_answer_days": ("Jours", "Days"),
    "ap_answer_where": ("Près de", "Near"),
    "ap_any_day": ("tous les jours", "any day"),
    "ap_learn_one": ("1 atelier correspond, près de {place}.", "1 workshop matches, near {place}."),
    "ap_learn_many": (
        "{n} ateliers correspondent, du plus proche au plus loin de {place}.",
        "{n} workshops match, nearest to {place} first.",
    ),
    "ap_learn_none": (
        "Aucun atelier ne correspond à toutes vos réponses.",
        "No workshop matches all your answers.",
    ),
    "ap_learn_fallback": (
        "Voici les ateliers les plus proches. Appelez-les : ils vous diront si leur "
        "atelier est pour vous, ou qui peut vous aider.",
        "Here are the nearest workshops. Call them: they will tell you if their workshop "
        "suits you, or who can help you.",
    ),
    "ap_learn_nothing": (
        "Nous ne connaissons pas encore d'atelier de français sur le territoire. Demandez à "
        "la mairie ou au CCAS de votre commune.",
        "We do not know any French workshop in the area yet. Ask the town hall or the "
        "CCAS (social services) of your town.",
    ),
    "ap_why_level": ("Pour votre niveau : {level}", "For your level: {level}"),
    "ap_why_test": (
        "Fait un test de niveau ou accueille tous les niveaux",
        "Tests your level or welcomes every level",
    ),
    "ap_why_level_unknown": ("Niveau pas précisé : appelez pour demander", "Level not given: call to ask"),
    "ap_why_days": ("Ouvert le {days}", "Open on {days}"),
    "ap_why_days_unknown": ("Jours pas connus : appelez pour demander", "Days not known: call to ask"),
    "ap_sheet_link": ("Imprimer une fiche avec ces ateliers", "Print a sheet with these workshops"),
    "ap_all_workshops": ("Voir tous les ateliers de français", "See every French workshop"),
    "ap_sheet_title": ("Ateliers de français", "French workshops"),
    "ap_sheet_call_first": (
        "Appelez avant d'y aller : souvent, il faut s'inscrire.",
        "Call before you go: you often need to sign up.",
    ),
}
