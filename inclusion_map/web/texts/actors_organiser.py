"""Texts of the organisers' pages of the territory's other actors and of the network (``/reseau``).

Keys start with ``ao_``. These pages are for the territory's team: the words are those of their
work (réseau, partenaire, import), in short sentences.
"""

TEXTS: dict[str, tuple[str, str]] = {
    # --- every page -------------------------------------------------------------------------------
    "ao_nav": ("Acteurs et réseau", "Actors and network"),
    "ao_list_title": ("Acteurs du territoire", "Actors of the territory"),
    "ao_import_title": ("Importer des acteurs", "Import actors"),
    "ao_network_title": ("Le réseau du territoire", "The territory's network"),
    "ao_kind": ("Type", "Kind"),
    "ao_required": ("(obligatoire)", "(required)"),
    "ao_yes": ("oui", "yes"),
    "ao_no": ("non", "no"),
    "ao_none": ("aucun", "none"),
    "ao_filter": ("Filtrer", "Filter"),
    "ao_apply": ("Appliquer", "Apply"),
    "ao_total": ("Total", "Total"),
    "ao_colon": (" : ", ": "),  # French puts a space before the colon
    "ao_table": ("Tableau : {name}", "Table: {name}"),
    "ao_back_to_list": ("Retour à la liste des acteurs", "Back to the list of actors"),
    "ao_organisers_only": ("réservé aux organisateurs, jamais publié", "organisers only, never published"),
    "ao_publish_deferred": (
        "Enregistré. La couche publique n'a pas pu être réécrite : le magasin de données est occupé (une "
        "moisson ?). Elle le sera au prochain changement, ou avec python run.py actors publish.",
        "Saved. The public layer could not be rewritten (the data store is busy, a harvest?): it will be at "
        "the next change, or with python run.py actors publish.",
    ),
    "ao_placed_at_centre": (
        "L'adresse n'a pas été localisée : l'acteur est placé au centre de sa commune. Donnez la latitude et "
        "la longitude pour un point exact.",
        "The address was not located: the actor is placed at the centre of its commune. Give the latitude "
        "and longitude for an exact point.",
    ),
    "ao_done_ajout": ("Acteur ajouté. La carte publique est à jour.", "Actor added. The public map is up to date."),
    "ao_done_modification": ("Modifications enregistrées. La carte publique est à jour.",
                             "Changes saved. The public map is up to date."),
    "ao_done_rien": ("Rien n'a changé : rien n'est enregistré.", "Nothing changed: nothing is saved."),
    "ao_done_suppression": ("Acteur retiré : il n'est plus listé ni publié. Son historique reste.",
                            "Actor removed: it is no longer listed nor published. Its history stays."),
    # --- the list ---------------------------------------------------------------------------------
    "ao_list_intro": (
        "Les autres acteurs du territoire : accès au droit, apprentissage du français, partenaires du réseau. "
        "Aucune source ouverte ne les donne : l'équipe les saisit ou les importe. Les moissons n'y touchent pas.",
        "The territory's other actors: access to rights, learning French, network partners. No open source "
        "lists them: the team types them in or imports them. Harvests never touch them.",
    ),
    "ao_add_heading": ("Ajouter", "Add"),
    "ao_add_kind": ("Ajouter : {kind}", "Add: {kind}"),
    "ao_import_link": ("Importer un fichier CSV ou GeoJSON", "Import a CSV or GeoJSON file"),
    "ao_list_heading": ("Acteurs listés : {n}", "Actors listed: {n}"),
    "ao_all_kinds": ("Tous les types ({n})", "Every kind ({n})"),
    "ao_all_kinds_plain": ("Tous les types", "Every kind"),
    "ao_updated": ("Dernière modification", "Last change"),
    "ao_public": ("Publié", "Published"),
    "ao_no_organisers": ("non (organisateurs)", "no (organisers)"),
    "ao_edit": ("modifier", "edit"),
    "ao_list_empty": ("Aucun acteur pour l'instant.", "No actor yet."),
    "ao_history": ("Derniers changements", "Latest changes"),
    "ao_history_one": ("Historique de cet acteur", "History of this actor"),
    "ao_action_add": ("ajout", "added"),
    "ao_action_update": ("modification", "changed"),
    "ao_action_remove": ("retrait", "removed"),
    # --- the form ---------------------------------------------------------------------------------
    "ao_edit_title": ("Modifier : {name}", "Edit: {name}"),
    "ao_kind_public": ("publié sur la carte publique (sans les contacts de l'équipe)",
                       "published on the public map (without the team's contacts)"),
    "ao_kind_private": ("réservé aux organisateurs, jamais publié", "organisers only, never published"),
    "ao_last_change": ("Dernière modification par {who}, le {day}.", "Last changed by {who} on {day}."),
    "ao_not_saved": ("Rien n'est enregistré. À corriger :", "Nothing is saved. To fix:"),
    "ao_group_actor": ("L'acteur", "The actor"),
    "ao_group_address": ("Adresse et position", "Address and position"),
    "ao_group_contact": ("Contact public et horaires", "Public contact and opening hours"),
    "ao_group_offer": ("Ce que l'acteur propose", "What the actor offers"),
    "ao_group_team_contact": ("Contact pour l'équipe", "Contact for the team"),
    "ao_team_contact_hint": (
        "Pour les organisateurs seulement : jamais publié, ni sur la carte, ni dans l'API, ni dans les "
        "téléchargements.",
        "For organisers only: never published, neither on the map, nor in the API, nor in the downloads.",
    ),
    "ao_placing_rule": (
        "Le point est placé par la latitude et la longitude si vous les donnez ; sinon par l'adresse (géocodeur "
        "de l'IGN, quand il est activé) ; sinon au centre de la commune, et la page le dit.",
        "The point is placed by the latitude and longitude if you give them; else by the address (IGN "
        "geocoder, when enabled); else at the centre of the commune, and the page says so.",
    ),
    "ao_current_position": ("Position actuelle :", "Current position:"),
    "ao_precision_given": ("donnée par l'équipe (point exact)", "given by the team (exact point)"),
    "ao_precision_address": ("trouvée à l'adresse", "found at the address"),
    "ao_precision_commune": ("centre de la commune (approximative)", "centre of the commune (approximate)"),
    "ao_precision_none": ("pas de position", "no position"),
    "ao_insee_hint": ("Facultatif : trouvé à partir de la commune.", "Optional: found from the commune."),
    "ao_coordinates": ("Coordonnées (facultatives)", "Coordinates (optional)"),
    "ao_coordinates_hint": (
        "Degrés décimaux WGS84, par exemple 48.79 et 2.39. Laissez vide pour garder le point tant que "
        "l'adresse ne change pas.",
        "WGS84 decimal degrees, for example 48.79 and 2.39. Leave empty to keep the point while the address "
        "stays the same.",
    ),
    "ao_phone_hint": ("Un numéro, par exemple 01 23 45 67 89.", "One number, e.g. 01 23 45 67 89."),
    "ao_web_hint": ("Par exemple https://www.exemple.fr", "For example https://www.exemple.fr"),
    "ao_hours_hint": (
        "Format OpenStreetMap opening_hours, par exemple {example} ; ou Mo-Fr 09:00-12:00,14:00-17:00; "
        "Sa 09:00-12:00.",
        "OpenStreetMap opening_hours format, for example {example}; or Mo-Fr 09:00-12:00,14:00-17:00; "
        "Sa 09:00-12:00.",
    ),
    "ao_several": ("plusieurs choix possibles", "several choices allowed"),
    "ao_several_pipe": ("plusieurs valeurs séparées par |", "several values separated by |"),
    "ao_languages_hint": ("Séparées par des virgules, par exemple français, arabe.",
                          "Separated by commas, for example French, Arabic."),
    "ao_networks_legend": ("Réseaux connus", "Known networks"),
    "ao_other_networks": ("Autres réseaux", "Other networks"),
    "ao_other_networks_hint": ("Séparés par des virgules ; gardés tels qu'écrits.",
                               "Separated by commas; kept as written."),
    "ao_save": ("Enregistrer", "Save"),
    "ao_add_button": ("Ajouter cet acteur", "Add this actor"),
    "ao_remove_heading": ("Retirer cet acteur", "Remove this actor"),
    "ao_remove_reason": ("Pourquoi (il ne sera plus listé ni publié)", "Why (it will no longer be listed nor published)"),
    "ao_remove_button": ("Retirer", "Remove"),
    "ao_reason_needed": ("Dites pourquoi, en {low} à {high} caractères.", "Say why, in {low} to {high} characters."),
    # --- columns (form labels, preview changes) ----------------------------------------------------
    "ao_col_id": ("Identifiant", "Id"),
    "ao_col_kind": ("Type", "Kind"),
    "ao_col_nom": ("Nom", "Name"),
    "ao_col_adresse": ("Adresse", "Address"),
    "ao_col_code_postal": ("Code postal", "Postcode"),
    "ao_col_commune": ("Commune", "Commune"),
    "ao_col_code_insee": ("Code INSEE", "INSEE code"),
    "ao_col_latitude": ("Latitude", "Latitude"),
    "ao_col_longitude": ("Longitude", "Longitude"),
    "ao_col_geocode_precision": ("Précision de la position", "Position precision"),
    "ao_col_telephone": ("Téléphone", "Phone"),
    "ao_col_courriel": ("Courriel", "E-mail"),
    "ao_col_site_web": ("Site web", "Website"),
    "ao_col_horaires": ("Horaires", "Opening hours"),
    "ao_col_services": ("Services", "Services"),
    "ao_col_langues": ("Langues parlées", "Languages spoken"),
    "ao_col_reseaux": ("Réseaux", "Networks"),
    "ao_col_description": ("Description", "Description"),
    "ao_col_contact_nom": ("Nom du contact", "Contact's name"),
    "ao_col_contact_courriel": ("Courriel du contact", "Contact's e-mail"),
    "ao_col_contact_telephone": ("Téléphone du contact", "Contact's phone"),
    "ao_col_extra": ("Champs du type", "Kind's fields"),
    "ao_col_source": ("Source", "Source"),
    # --- import -----------------------------------------------------------------------------------
    "ao_import_intro": (
        "Envoyez un fichier : vous verrez d'abord ce que chaque ligne ferait. Rien n'est écrit avant votre "
        "confirmation, puis tout est écrit d'un coup.",
        "Send a file: you first see what each row would do. Nothing is written before you confirm, then "
        "everything is written in one go.",
    ),
    "ao_import_refused": ("Le fichier n'est pas importé :", "The file is not imported:"),
    "ao_import_file": ("Fichier CSV ou GeoJSON", "CSV or GeoJSON file"),
    "ao_import_file_hint": (
        "{mb} Mo et {rows} lignes au plus. CSV séparé par ; ou par des virgules, en UTF-8 ou Windows-1252.",
        "At most {mb} MB and {rows} rows. CSV separated by ; or commas, in UTF-8 or Windows-1252.",
    ),
    "ao_import_preview_button": ("Voir ce que l'import ferait", "See what the import would do"),
    "ao_template_link": ("Télécharger le modèle CSV (les colonnes, sans données)",
                         "Download the CSV template (the columns, no data)"),
    "ao_import_no_file": ("Choisissez un fichier.", "Choose a file."),
    "ao_import_no_rows": ("Le fichier n'a aucune ligne de données.", "The file has no data row."),
    "ao_import_expired": (
        "Cet aperçu n'existe plus (il a déjà été importé, ou il a plus d'une heure). Envoyez le fichier de "
        "nouveau.",
        "This preview no longer exists (it was imported already, or it is over an hour old). Send the file "
        "again.",
    ),
    "ao_import_stale": (
        "Des acteurs ont changé depuis l'aperçu : rien n'est écrit. Envoyez le fichier de nouveau pour voir "
        "l'aperçu à jour.",
        "Actors changed since the preview: nothing is written. Send the file again to see the up-to-date "
        "preview.",
    ),
    "ao_columns_heading": ("Les colonnes du fichier", "The file's columns"),
    "ao_columns_intro": (
        "La première ligne donne les noms des colonnes, comme dans le modèle. Seules kind et nom sont "
        "obligatoires. Dans un GeoJSON, les mêmes noms vont dans les propriétés de chaque point.",
        "The first row names the columns, as in the template. Only kind and nom are required. In a GeoJSON, "
        "the same names go in each point's properties.",
    ),
    "ao_help_id": ("Vide pour ajouter un acteur ; l'identifiant d'un acteur pour le modifier (toutes ses colonnes "
                   "sont remplacées, une case vide l'efface).",
                   "Empty to add an actor; an actor's id to change it (every column is replaced, an empty cell "
                   "clears it)."),
    "ao_help_kind": ("Le type :", "The kind:"),
    "ao_help_nom": ("Le nom de la structure.", "The structure's name."),
    "ao_help_address": ("Pour placer le point et trouver la commune.", "To place the point and find the commune."),
    "ao_help_coordinates": ("Degrés décimaux WGS84 ; ils passent avant l'adresse.",
                            "WGS84 decimal degrees; they come before the address."),
    "ao_help_contact": ("Publiés pour les types publics.", "Published for the public kinds."),
    "ao_help_services": ("Les codes du type, séparés par | :", "The kind's codes, separated by |:"),
    "ao_help_lists": ("Plusieurs valeurs séparées par |. Réseaux connus :",
                      "Several values separated by |. Known networks:"),
    "ao_help_description": ("Un texte court.", "A short text."),
    "ao_import_rules": (
        "Une ligne est rejetée, avec sa raison, dans ces cas : type inconnu, nom manquant, horaires illisibles. "
        "Ou bien : téléphone, courriel ou adresse web faux ; service que le type n'a pas. "
        "Ou encore : adresse impossible à placer, identifiant inconnu, doublon (même type, nom et commune).",
        "A row is rejected, with its reason, for an unknown kind, a missing name, unreadable hours, a wrong "
        "phone, e-mail or web address, a service the kind does not have, an address impossible to place, an "
        "unknown id, or a duplicate (same kind, name and commune).",
    ),
    "ao_preview_title": ("Aperçu de l'import", "Import preview"),
    "ao_preview_intro": ("Fichier « {file} ». Rien n'est encore écrit.", "File “{file}”. Nothing is written yet."),
    "ao_counts": ("Les lignes par action", "Rows per action"),
    "ao_count_add": ("ajout(s)", "to add"),
    "ao_count_change": ("modification(s)", "to change"),
    "ao_count_unchanged": ("inchangé(s)", "unchanged"),
    "ao_count_reject": ("rejet(s)", "rejected"),
    "ao_preview_confirm_hint": (
        "Les lignes rejetées ne sont pas importées. Les autres sont écrites d'un coup ; si un acteur change "
        "entre-temps, rien n'est écrit. L'aperçu attend une heure.",
        "Rejected rows are not imported. The others are written in one go; if an actor changes meanwhile, "
        "nothing is written. The preview waits one hour.",
    ),
    "ao_confirm_button": ("Confirmer l'import ({n} ligne(s))", "Confirm the import ({n} row(s))"),
    "ao_cancel": ("Annuler", "Cancel"),
    "ao_preview_nothing": ("Aucune ligne à ajouter ni à modifier : rien à importer.",
                           "No row to add or change: nothing to import."),
    "ao_import_again": ("Envoyer un autre fichier", "Send another file"),
    "ao_preview_rows": ("Chaque ligne du fichier et ce qu'elle ferait", "Each row of the file and what it would do"),
    "ao_line": ("Ligne", "Line"),
    "ao_action": ("Action", "Action"),
    "ao_details": ("Raisons, changements, remarques", "Reasons, changes, notes"),
    "ao_action_add_row": ("ajout", "add"),
    "ao_action_change_row": ("modification", "change"),
    "ao_action_unchanged_row": ("inchangé", "unchanged"),
    "ao_action_reject_row": ("rejet", "rejected"),
    "ao_result_title": ("Import terminé", "Import done"),
    "ao_result_intro": ("Le fichier « {file} » est importé, en une seule fois.",
                        "The file “{file}” is imported, in one go."),
    # --- the network ------------------------------------------------------------------------------
    "ao_network_intro": (
        "{n} structures : les lieux d'aide numérique des sources moissonnées et les autres acteurs saisis par "
        "l'équipe, avec les réseaux dont ils font partie. Page réservée aux organisateurs.",
        "{n} structures: the digital-help venues of the harvested sources and the other actors the team typed "
        "in, with the networks they belong to. Organisers only.",
    ),
    "ao_venues": ("Lieux d'aide numérique", "Digital-help venues"),
    "ao_per_network": ("Structures par réseau", "Structures per network"),
    "ao_network": ("Réseau", "Network"),
    "ao_no_network": ("Sans réseau connu", "No known network"),
    "ao_network_rule": (
        "Un lieu d'aide numérique fait partie d'un réseau quand son programme national porte le nom du réseau. "
        "C'est le cas de France services, Conseillers numériques et Aidants Connect. "
        "Il en fait partie aussi quand la source de ce réseau le liste. "
        "Un acteur fait partie des réseaux que l'équipe a cochés.",
        "A digital-help venue belongs to a network when its national scheme bears the network's name (France "
        "services, Conseillers numériques, Aidants Connect) or when that network's source lists it. An actor "
        "belongs to the networks the team ticked.",
    ),
    "ao_per_commune": ("Structures par commune et par type", "Structures per commune and kind"),
    "ao_matrix": ("Qui fait partie de quel réseau", "Who belongs to which network"),
    "ao_matrix_intro": ("{n} structures font partie d'au moins un réseau ; {none} d'aucun réseau connu.",
                        "{n} structures belong to at least one network; {none} to no known network."),
    "ao_matrix_more": ("Et {n} autres structures, non montrées.", "And {n} more structures, not shown."),
    "ao_structure": ("Structure", "Structure"),
    "ao_lonely": ("Qui n'a pas de partenaire proche", "Who has no partner nearby"),
    "ao_lonely_rule": (
        "Une commune est « sans partenaire proche » quand aucun acteur « {kind} » n'est à {km} km ou moins de son centre. "
        "Les distances sont à vol d'oiseau. Ce centre est un point à l'intérieur de la commune : celui où l'on place "
        "un acteur sans adresse précise. La dernière colonne dit si au moins un acteur, de n'importe quel type, est à cette "
        "distance.",
        "Rule: a commune has no partner nearby when no “{kind}” actor is within {km} km as the crow flies of its "
        "centre (a point inside the commune, where an actor without a precise address is placed). The last "
        "column says whether at least one actor, of any kind, is within that distance.",
    ),
    "ao_distance": ("Distance (km)", "Distance (km)"),
    "ao_lonely_count": ("{n} commune(s) sans partenaire à moins de {km} km",
                        "{n} commune(s) without a partner within {km} km"),
    "ao_nearest_partner": ("Partenaire le plus proche", "Nearest partner"),
    "ao_any_actor": ("Un acteur à moins de {km} km ?", "An actor within {km} km?"),
    "ao_no_actor_at_all": ("non : aucun acteur", "no: no actor at all"),
    "ao_lonely_none": ("Chaque commune a un partenaire à moins de {km} km.",
                       "Every commune has a partner within {km} km."),
    "ao_contacts": ("Contacts des partenaires", "Partners' contacts"),
    "ao_contacts_intro": (
        "Les contacts de l'équipe (nom, courriel, téléphone) ne sont jamais publiés. Le fichier CSV sert à un "
        "envoi groupé ; chaque téléchargement est noté dans le journal des organisateurs.",
        "The team's contacts (name, e-mail, phone) are never published. The CSV file is for a mailing; each "
        "download is written in the organisers' log.",
    ),
    "ao_contacts_csv": ("Télécharger les contacts en CSV ({n} acteurs)", "Download the contacts as CSV ({n} actors)"),
    "ao_public_contact": ("Contact public", "Public contact"),
}
