"""The search and results: forgiving search, results first on phones, the printed list."""

TEXTS: dict[str, tuple[str, str]] = {
    "fi_covers": ("Ce site couvre le territoire {name} : {n} communes.",
                  "This site covers the area {name}: {n} towns."),
    "fi_covers_one": ("Ce site couvre la commune {name}.", "This site covers the town {name}."),
    "fi_see_communes": ("Voir les communes", "See the towns"),
    "fi_outside": ("{place} n'est pas dans le territoire couvert ({territory}).",
                   "{place} is not in the area this site covers ({territory})."),
    "fi_outside_nearest": ("La commune couverte la plus proche est :", "The nearest town covered is:"),
    "fi_outside_list": ("Tapez le nom d'une commune du territoire ou son code postal.",
                        "Type the name of a town of the area or its postcode."),
    "fi_corrected": ("Résultats pour {place}. Vous avez écrit « {q} ».",
                     "Results for {place}. You typed \u201c{q}\u201d."),
    "fi_did_you_mean": ("Nous n'avons pas trouvé « {q} ». Vouliez-vous dire :",
                        "We did not find \u201c{q}\u201d. Did you mean:"),
    "fi_unknown": ("Nous n'avons pas trouvé « {q} » dans le territoire {territory}. Tapez le nom d'une "
                   "commune du territoire ou son code postal.",
                   "We did not find \u201c{q}\u201d in the area {territory}. Type the name of a town of the "
                   "area or its postcode."),
    "fi_address_offline": ("La recherche d'une adresse ne marche pas pour le moment. Tapez le nom d'une "
                           "commune du territoire {territory} ou son code postal.",
                           "Searching for a street address does not work right now. Type the name of a town "
                           "of the area {territory} or its postcode."),
    "fi_active_filters": ("Filtres choisis :", "Filters chosen:"),
    "fi_change_filters": ("modifier", "change"),
    "fi_filter_free": ("gratuit", "free of charge"),
    "fi_filter_open_now": ("ouvert maintenant", "open now"),
    "fi_filter_open_on": ("ouvert le {day}", "open on {day}"),
    "fi_filter_radius": ("à moins de {km} km", "within {km} km"),
    "fi_printed_on": ("Liste imprimée le {date}. Les horaires peuvent changer : appelez avant d'y aller.",
                      "List printed on {date}. Opening hours may change: call before you go."),
    "fi_find_again": ("Retrouvez cette liste sur internet :", "Find this list online:"),
    "fi_print_first": ("les {n} plus proches", "the nearest {n}"),
    "fi_week_hours": ("Horaires de la semaine", "Opening hours this week"),
    "fi_colon": ("\u00a0:", ":"),  # French puts a (no-break) space before a colon, English does not
    "fi_no_phone": ("Pas de téléphone connu.", "No phone known."),
    "fi_report_not_sent": ("Votre signalement n'est pas encore envoyé. Corrigez ce qui est indiqué, puis "
                           "cliquez de nouveau sur « Envoyer ». Votre texte est gardé.",
                           "Your report is not sent yet. Fix what is shown, then press \u201cSend\u201d again. "
                           "Your text is kept."),
    "fi_report_go": ("Aller au formulaire", "Go to the form"),
    "fi_report_expired": ("La page était ouverte depuis trop longtemps. Cliquez de nouveau sur « Envoyer ».",
                          "The page was open for too long. Press \u201cSend\u201d again."),
    "fi_report_kind": ("Choisissez ce qui ne va pas dans la liste.", "Choose what is wrong in the list."),
    "fi_report_message": ("Écrivez au moins 3 lettres ou chiffres (2 000 au plus).",
                          "Write at least 3 letters or numbers (2,000 at most)."),
    "fi_report_contact": ("Votre e-mail ou téléphone est trop long (200 caractères au plus).",
                          "Your e-mail or phone is too long (200 characters at most)."),
}  # fmt: skip
