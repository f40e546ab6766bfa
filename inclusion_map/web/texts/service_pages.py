"""The pages a public service owes: legal notice, accessibility statement, personal data, help line.

Also the plain-language texts that every public page shares: the footer's legal links, the
explanation of the public networks' names, the closed or gone venue, the error pages and the
messages of a refused request. Written to the « facile à lire et à comprendre » rules: short
sentences, common words, one idea per sentence, a hard word explained where it must stay.
"""

TEXTS: dict[str, tuple[str, str]] = {
    # --- every page: help line, legal links, what is not filled in ------------------------------
    "sp_help_call": ("Besoin d'aide pour utiliser ce site ? Appelez le", "Need help using this site? Call"),
    "sp_help_write": (
        "Besoin d'aide pour utiliser ce site ? Écrivez à",
        "Need help using this site? Write to",
    ),
    "sp_to_fill": ("à compléter par l'éditeur", "to be filled in by the publisher"),
    "sp_legal_nav": ("Informations sur le site", "About this site"),
    "sp_legal": ("Mentions légales", "Legal notice"),
    "sp_accessibility_link": ("Accessibilité : {state}", "Accessibility: {state}"),
    "sp_privacy": ("Données personnelles", "Personal data"),
    "sp_partners_nav": ("Pour les organisateurs et partenaires", "For organisers and partners"),
    "sp_state_non": ("non conforme", "not compliant"),
    "sp_state_partiellement": ("partiellement conforme", "partially compliant"),
    "sp_state_totalement": ("totalement conforme", "fully compliant"),
    # --- the public networks' names, explained where they are shown -----------------------------
    "sp_networks": ("Réseaux publics", "Public networks"),
    "sp_explain_fs": (
        "France services : un lieu public où l'on vous aide pour vos papiers avec l'État, "
        "la CAF, les impôts ou la retraite.",
        "France services: a public place where staff help you with your paperwork for the "
        "State, family benefits (CAF), taxes or pension.",
    ),
    "sp_explain_cn": (
        "Conseiller numérique : une personne formée pour vous aider à utiliser internet, un "
        "ordinateur ou un téléphone.",
        "Digital adviser (conseiller numérique): a trained person who helps you use the "
        "internet, a computer or a phone.",
    ),
    "sp_explain_ac": (
        "Aidants Connect : une personne autorisée peut faire vos papiers sur internet à votre "
        "place, si vous êtes d'accord.",
        "Aidants Connect: an authorised person can do your online paperwork for you, if you agree.",
    ),
    "sp_legend_fs": (
        "France services : un lieu public pour vos papiers",
        "France services: a public place for your paperwork",
    ),
    "sp_legend_cn": ("Conseiller numérique : aide pour internet", "Digital adviser: help with the internet"),
    # --- a closed or gone venue (410) --------------------------------------------------------------
    "sp_gone_venue": ("Lieu", "Place"),
    "sp_closed": (
        "Ce lieu est fermé. C'est l'équipe qui gère ce site qui le dit.",
        "This place is closed. The team that runs this site says so.",
    ),
    "sp_closed_on": ("Il est fermé depuis le {date}.", "It has been closed since {date}."),
    "sp_closed_reason": ("La raison donnée :", "The reason given:"),
    "sp_gone": ("Ce lieu n'est plus dans nos listes.", "This place is no longer in our lists."),
    "sp_gone_since": ("Il n'y est plus depuis le {date}.", "It has not been there since {date}."),
    "sp_gone_why": (
        "Il a peut-être fermé ou déménagé. Appelez avant d'y aller.",
        "It may have closed or moved. Call before you go.",
    ),
    "sp_gone_where": ("Il se trouvait à {commune}.", "It was in {commune}."),
    "sp_nearest": ("Les lieux les plus proches", "The nearest places"),
    "sp_find_other": ("Chercher un autre lieu", "Find another place"),
    # --- error pages ------------------------------------------------------------------------------
    "sp_err_not_found": (
        "Cette page n'existe pas, ou le lieu a été retiré.",
        "This page does not exist, or the place was removed.",
    ),
    "sp_err_not_allowed": (
        "Cette adresse ne peut pas être utilisée de cette façon.",
        "This address cannot be used this way.",
    ),
    "sp_err_too_large": (
        "Votre envoi est trop long. Raccourcissez votre message, puis envoyez-le à nouveau.",
        "What you sent is too long. Make your message shorter, then send it again.",
    ),
    "sp_err_too_many": (
        "Trop de signalements ont été envoyés depuis votre connexion. Réessayez dans une heure.",
        "Too many reports were sent from your connection. Try again in an hour.",
    ),
    "sp_err_server": (
        "Le site a eu un problème. Ce n'est pas de votre faute. Réessayez dans quelques minutes.",
        "The site had a problem. It is not your fault. Try again in a few minutes.",
    ),
    "sp_err_store_down": (
        "Les informations du site sont momentanément inaccessibles. Ce n'est pas de votre faute. "
        "Réessayez dans quelques minutes.",
        "The site's information cannot be reached for the moment. It is not your fault. "
        "Try again in a few minutes.",
    ),
    "sp_err_what_now": (
        "Retournez à l'accueil et refaites votre recherche.",
        "Go back to the home page and search again.",
    ),
    "sp_err_detail": (
        "Détail technique, en anglais, pour l'équipe du site",
        "Technical detail, for the site's team",
    ),
    "sp_err_raw_intro": ("Voici le message du site, en anglais :", "Here is the site's message:"),
    "sp_err_not_ready": (
        "Cette page a besoin de données qui ne sont pas encore prêtes : {what}.",
        "This page needs data that is not ready yet: {what}.",
    ),
    "sp_err_not_ready_venues": ("les lieux", "the venues"),
    "sp_err_not_ready_communes": ("les communes du territoire", "the territory's communes"),
    "sp_err_not_ready_gaps": ("l'analyse des manques", "the gap analysis"),
    "sp_err_not_ready_how": (
        "Un organisateur peut les préparer avec la commande",
        "An organiser can prepare it with the command",
    ),
    "sp_err_not_ready_or": (
        "ou avec le bouton « Lancer une moisson » de la page",
        "or with the “Start a harvest” button on the page",
    ),
    "sp_err_quality_page": ("Qualité des données", "data quality"),
    # messages of a refused request, in the page's language
    "sp_err_unknown_commune": (
        "Nous ne connaissons pas la ville « {code} ». Choisissez-la dans la liste.",
        "We do not know the town “{code}”. Choose it in the list.",
    ),
    "sp_err_unknown_choice": (
        "Le choix « {value} » n'est pas dans la liste « {what} ».",
        "The choice “{value}” is not in the list “{what}”.",
    ),
    "sp_err_position": (
        "La position donnée dans l'adresse de la page n'est pas valable.",
        "The position given in the page address is not valid.",
    ),
    "sp_err_open_mode": (
        "Le choix d'ouverture « {value} » n'existe pas.",
        "The opening choice “{value}” does not exist.",
    ),
    "sp_err_day": (
        "Ce jour n'existe pas. Choisissez un jour de lundi à dimanche.",
        "This day does not exist. Choose a day from Monday to Sunday.",
    ),
    "sp_err_hour": (
        "« {value} » n'est pas une heure. Écrivez l'heure comme ceci : 14:30.",
        "“{value}” is not a time. Write the time like this: 14:30.",
    ),
    "sp_err_radius": (
        "La distance « {value} » n'est pas proposée. Choisissez {choices} km.",
        "The distance “{value}” is not offered. Choose {choices} km.",
    ),
    "sp_err_print_count": (
        "Le nombre de lieux à imprimer « {value} » n'est pas proposé. Choisissez {choices}.",
        "The number of places to print “{value}” is not offered. Choose {choices}.",
    ),
    "sp_err_page": (
        "La page « {value} » n'existe pas. Les pages vont de 1 à 500.",
        "Page “{value}” does not exist. Pages go from 1 to 500.",
    ),
    "sp_or": ("ou", "or"),
    # --- legal notice -------------------------------------------------------------------------------
    "sp_legal_intro": (
        "Cette page dit qui publie ce site et qui l'héberge. La loi demande à chaque site de le dire.",
        "This page says who publishes this site and who hosts it. The law asks every site to say so.",
    ),
    "sp_publisher_title": ("Qui publie ce site", "Who publishes this site"),
    "sp_publisher_what": (
        "L'éditeur est l'organisme responsable du site.",
        "The publisher is the body responsible for the site.",
    ),
    "sp_name": ("Nom", "Name"),
    "sp_address": ("Adresse", "Address"),
    "sp_phone": ("Téléphone", "Phone"),
    "sp_email": ("E-mail", "E-mail"),
    "sp_director": ("Directeur ou directrice de la publication", "Director of publication"),
    "sp_director_what": (
        "C'est la personne responsable de ce que le site publie.",
        "This is the person responsible for what the site publishes.",
    ),
    "sp_host_title": ("Qui héberge ce site", "Who hosts this site"),
    "sp_host_what": (
        "L'hébergeur garde le site sur ses ordinateurs et le rend visible sur internet.",
        "The host keeps the site on its computers and makes it visible on the internet.",
    ),
    "sp_contact_title": ("Nous contacter", "Contact us"),
    "sp_sources_title": ("D'où viennent les informations", "Where the information comes from"),
    "sp_sources_intro": (
        "Les informations sur les lieux viennent de données publiques. Ces organismes les publient :",
        "The information on the places comes from public data. These bodies publish it:",
    ),
    "sp_published_by": ("publié par", "published by"),
    "sp_sources_licence": (
        "Tout le monde peut les réutiliser, en citant leur source (Licence Ouverte 2.0).",
        "Anyone may reuse it, naming its source (Licence Ouverte 2.0).",
    ),
    "sp_sources_download": ("Télécharger les données", "Download the data"),
    "sp_map_credit": (
        "Les images de la carte viennent d'OpenStreetMap. © les contributeurs d'OpenStreetMap "
        "(licence ODbL).",
        "The map images come from OpenStreetMap. © OpenStreetMap contributors (ODbL licence).",
    ),
    "sp_geocoder_credit": (
        "La recherche par adresse utilise la Géoplateforme de l'IGN (l'institut public des cartes).",
        "The address search uses the Géoplateforme of IGN (the French public mapping institute).",
    ),
    # --- accessibility statement ----------------------------------------------------------------------
    "sp_a11y_title": ("Déclaration d'accessibilité", "Accessibility statement"),
    "sp_a11y_what": (
        "Un site accessible peut être utilisé par tout le monde. Par exemple avec un lecteur "
        "d'écran, qui lit la page à voix haute. Ou seulement avec le clavier.",
        "An accessible site can be used by everyone. For example with a screen reader, which reads "
        "the page aloud. Or with the keyboard only.",
    ),
    "sp_a11y_commitment": (
        "s'engage à rendre ce site accessible, comme le demande l'article 47 de la loi "
        "n° 2005-102 du 11 février 2005.",
        "commits to making this site accessible, as article 47 of French law no. 2005-102 of "
        "11 February 2005 requires.",
    ),
    "sp_a11y_publisher_unknown": ("L'éditeur du site", "The site's publisher"),
    "sp_a11y_applies": ("Cette déclaration concerne le site", "This statement is about the site"),
    "sp_a11y_state_title": (
        "Le site respecte-t-il les règles ? (état de conformité)",
        "Does the site follow the rules? (compliance status)",
    ),
    "sp_a11y_rgaa": (
        "Les règles sont celles du RGAA 4.1. Le RGAA est la liste des règles d'accessibilité des "
        "sites publics en France.",
        "The rules are those of RGAA 4.1. RGAA is the list of "
        "accessibility rules for public websites in France.",
    ),
    "sp_a11y_state": ("Ce site est {state} avec le RGAA 4.1.", "This site is {state} with RGAA 4.1."),
    "sp_a11y_no_audit": (
        "Aucun audit n'a encore été fait. Un audit est un contrôle de toutes les règles par "
        "des experts. Sans audit, la loi demande d'écrire « non conforme ».",
        "No audit has been made yet. An audit is a check of all the rules by experts. Without "
        "an audit, the law asks to write “not compliant”.",
    ),
    "sp_a11y_results_title": ("Résultats des tests", "Test results"),
    "sp_a11y_no_audit_short": ("Aucun audit n'a encore été fait.", "No audit has been made yet."),
    "sp_a11y_audit": ("Un audit a été fait le {date}.", "An audit was made on {date}."),
    "sp_a11y_audit_by": ("Il a été fait par :", "It was made by:"),
    "sp_a11y_rate": ("{rate} % des règles du RGAA sont respectées.", "{rate} % of the RGAA rules are met."),
    "sp_a11y_checks_title": ("Ce que nous vérifions nous-mêmes", "What we check ourselves"),
    "sp_a11y_checks_intro": (
        "À chaque changement du site, des tests automatiques ouvrent les pages dans un vrai "
        "navigateur (Chromium). L'outil axe-core vérifie alors les règles d'accessibilité. "
        "Un test échoue si l'outil trouve un problème grave.",
        "At each change of the site, automatic tests open the pages in a real browser "
        "(Chromium). The axe-core tool then checks the accessibility rules. A test fails if "
        "the tool finds a serious problem.",
    ),
    "sp_a11y_checks_pages": ("Les pages vérifiées par axe-core :", "The pages checked by axe-core:"),
    "sp_a11y_page_home": ("l'accueil, en français ;", "the home page, in French;"),
    "sp_a11y_page_results": (
        "une liste de lieux, en français et en anglais, avec et sans filtres ;",
        "a list of places, in French and in English, with and without filters;",
    ),
    "sp_a11y_page_venue": ("la page d'un lieu ;", "the page of a place;"),
    "sp_a11y_page_embed": (
        "la liste et la carte prêtes à mettre sur un autre site, et la page qui explique "
        "comment les y mettre ;",
        "the list and map ready to put on another site, and the page that explains how to put them there;",
    ),
    "sp_a11y_page_errors": (
        "les pages d'erreur (demande incomprise, page introuvable) ;",
        "the error pages (request not understood, page not found);",
    ),
    "sp_a11y_page_service": (
        "les mentions légales, cette déclaration et la page sur les données personnelles, en français et en "
        "anglais. Ces trois pages sont vérifiées sur un écran de téléphone (360 pixels de large) et d'ordinateur "
        "(1 280 pixels) ;",
        "the legal notice, this statement and the personal data page, in French and in English. These three "
        "pages are checked on a phone screen (360 pixels wide) and a computer screen (1,280 pixels);",
    ),
    "sp_a11y_page_organisers": (
        "les pages des organisateurs : carte des manques, rapport du territoire, qualité "
        "des données, connexion, correction d'un lieu.",
        "the organisers' pages: gap map, territory report, data quality, login, correcting a place.",
    ),
    "sp_a11y_checks_more": (
        "Les tests vérifient aussi d'autres choses. Les pages ne défilent pas sur le côté sur un téléphone "
        "(360 pixels), ni avec un zoom à 200 %. Le lien « Aller au contenu » marche au clavier. On voit bien "
        "l'élément choisi au clavier. La liste des lieux marche sans JavaScript.",
        "The tests also check other things. Pages do not scroll sideways on a phone (360 pixels), or at 200 % "
        "zoom. The “Skip to content” link works with the keyboard. The element chosen with the keyboard is "
        "clearly visible. The list of places works without JavaScript.",
    ),
    "sp_a11y_checks_limit": (
        "Ces outils automatiques trouvent seulement une partie des problèmes. Ils ne "
        "remplacent pas un audit. Ils ne remplacent pas non plus des tests par des personnes "
        "handicapées.",
        "These automatic tools find only part of the problems. They do not "
        "replace an audit. They do not replace tests by disabled people either.",
    ),
    "sp_a11y_tech": (
        "Technologies utilisées : HTML, CSS, JavaScript (la carte utilise Leaflet).",
        "Technologies used: HTML, CSS, JavaScript (the map uses Leaflet).",
    ),
    "sp_a11y_limits_title": (
        "Ce qui n'est pas accessible (contenus non accessibles)",
        "What is not accessible (non-accessible content)",
    ),
    "sp_a11y_limits_intro": ("Voici les limites que nous connaissons :", "Here are the limits we know of:"),
    "sp_limit_map_sight": (
        "La carte ne peut pas être utilisée sans voir l'écran. La liste des lieux donne les "
        "mêmes lieux, avec leur adresse, leurs horaires et leur téléphone. Utilisez la liste.",
        "The map cannot be used without seeing the screen. The list of places gives the same "
        "places, with their address, opening hours and phone. Use the list.",
    ),
    "sp_limit_map_keyboard": (
        "Sur la carte, on ne peut pas choisir un lieu avec le clavier seul. La liste le permet.",
        "On the map, you cannot choose a place with the keyboard only. The list lets you do it.",
    ),
    "sp_limit_tiles": (
        "Les images du fond de carte n'ont pas de texte qui les décrit. Elles ne donnent pas "
        "d'information absente de la liste.",
        "The background map images have no text that "
        "describes them. They give no information missing from the list.",
    ),
    "sp_limit_gap_map": (
        "La carte des manques (pour les organisateurs) utilise des couleurs. Le tableau de la "
        "page donne les mêmes chiffres en texte.",
        "The gap map (for organisers) uses colours. The table on the page gives the same figures as text.",
    ),
    "sp_limit_pdf": (
        "Le rapport du territoire en PDF n'a pas été vérifié pour les lecteurs d'écran. La page web "
        "du rapport donne les mêmes informations.",
        "The territory report as a PDF has not been "
        "checked for screen readers. The report's web page gives the same information.",
    ),
    "sp_limit_venue_texts": (
        "Les noms et les présentations des lieux sont écrits par d'autres organismes. Ils "
        "ne sont pas toujours en langage simple. Ils restent en français sur les pages en "
        "anglais.",
        "The names and descriptions of the places are written by other bodies. "
        "They are not always in plain language. They stay in French on the English pages.",
    ),
    "sp_limit_screen_reader": (
        "Le site n'a pas encore été testé avec un lecteur d'écran.",
        "The site has not been tested with a screen reader yet.",
    ),
    "sp_a11y_contact_title": (
        "Nous signaler un problème (retour d'information et contact)",
        "Tell us about a problem (feedback and contact)",
    ),
    "sp_a11y_contact_intro": (
        "Vous n'arrivez pas à utiliser une partie du site ? Dites-le nous. Nous vous "
        "donnerons l'information d'une autre façon.",
        "You cannot use part of the site? Tell us. We will give you the information in another way.",
    ),
    "sp_a11y_recourse_title": (
        "Si nous ne vous répondons pas (voies de recours)",
        "If we do not answer you (right of appeal)",
    ),
    "sp_a11y_recourse_when": (
        "Vous nous avez signalé un problème d'accessibilité. Nous ne vous avons pas répondu, "
        "ou notre réponse ne vous convient pas ? Vous pouvez alors contacter le Défenseur "
        "des droits.",
        "You told us about an accessibility problem. We did not answer, or "
        "our answer does not suit you? You can then contact the Défenseur des droits.",
    ),
    "sp_a11y_recourse_who": (
        "Le Défenseur des droits est une institution de l'État. Elle défend vos droits. C'est gratuit.",
        "The Défenseur des droits (Defender of Rights) is a French state "
        "institution. It defends your rights. It is free of charge.",
    ),
    "sp_a11y_recourse_form": (
        "Écrire un message au Défenseur des droits avec le formulaire en ligne :",
        "Write a message to the Défenseur des droits with the online form:",
    ),
    "sp_a11y_recourse_delegate": (
        "Parler à un délégué du Défenseur des droits près de chez vous :",
        "Talk to a delegate of the Défenseur des droits near you:",
    ),
    "sp_a11y_recourse_letter": (
        "Envoyer une lettre par la poste. C'est gratuit : ne mettez pas de timbre.",
        "Send a letter by post. It is free: do not put a stamp on it.",
    ),
    "sp_a11y_date_title": ("Date de cette déclaration", "Date of this statement"),
    "sp_a11y_date": ("Cette déclaration a été écrite le {date}.", "This statement was written on {date}."),
    "sp_a11y_date_unknown": ("Date de la déclaration :", "Date of the statement:"),
    # --- personal data --------------------------------------------------------------------------------
    "sp_privacy_intro": (
        "Cette page dit ce que le site garde sur vous, pourquoi, et pendant combien de temps.",
        "This page says what the site keeps about you, why, and for how long.",
    ),
    "sp_privacy_browse": (
        "Pour chercher un lieu, vous n'avez pas besoin de dire qui vous êtes.",
        "To look for a place, you do not need to say who you are.",
    ),
    "sp_report_title": ("Quand vous signalez une erreur", "When you report a mistake"),
    "sp_report_kept": ("Le formulaire « Signaler une erreur » garde :", "The “Report a mistake” form keeps:"),
    "sp_report_venue": (
        "le lieu et le type d'erreur que vous avez choisi ;",
        "the place and the kind of mistake you chose;",
    ),
    "sp_report_message": ("votre message ;", "your message;"),
    "sp_report_contact": (
        "votre e-mail ou votre téléphone, seulement si vous les donnez ;",
        "your e-mail or your phone, only if you give them;",
    ),
    "sp_report_lang_date": (
        "la langue de la page et la date d'envoi ;",
        "the language of the page and the date you sent it;",
    ),
    "sp_report_print": (
        "une empreinte de votre connexion. Elle est calculée à partir de votre adresse IP, "
        "mais ne permet pas de la retrouver. Elle sert seulement à bloquer plus de {limit} envois "
        "en une heure. Nous ne gardons pas votre adresse IP ;",
        "a fingerprint of your connection. It is computed from your IP address, but cannot give "
        "it back. It is used only to block more than {limit} reports in one hour. We do not keep "
        "your IP address;",
    ),
    "sp_report_status": (
        "ce que l'équipe en a fait (nouveau, corrigé…).",
        "what the team did with it (new, corrected…).",
    ),
    "sp_report_advice": (
        "N'écrivez pas d'informations sur votre santé ou votre vie privée dans le message.",
        "Do not write anything about your health or your private life in the message.",
    ),
    "sp_report_why": (
        "Pourquoi ? Pour corriger les informations sur les lieux. Et pour vous répondre, si vous "
        "avez laissé un contact.",
        "Why? To correct the information on the places. And to answer you, if you left a contact.",
    ),
    "sp_report_who": (
        "Qui les lit ? Seulement l'équipe qui gère le site. Votre message n'est jamais publié.",
        "Who reads them? Only the team that runs the site. Your message is never published.",
    ),
    "sp_report_how_long": (
        "Combien de temps ? {days} jours. Ensuite, le signalement est effacé automatiquement.",
        "For how long? {days} days. Then the report is deleted automatically.",
    ),
    "sp_report_basis": (
        "La raison légale : c'est une mission de service public (article 6-1-e du RGPD, le "
        "règlement européen sur les données personnelles).",
        "The legal basis: it is a public service task (article 6(1)(e) of the GDPR, the European "
        "regulation on personal data).",
    ),
    "sp_controller": (
        "Le responsable de ces données est l'éditeur du site :",
        "The controller of this data is the site's publisher:",
    ),
    "sp_cookies_title": ("Les cookies", "Cookies"),
    "sp_cookies_what": (
        "Un cookie est un petit fichier que le site met dans votre navigateur.",
        "A cookie is a small file that the site puts in your browser.",
    ),
    "sp_cookies_one": (
        "Le site met un seul cookie, quand vous ouvrez la page d'un lieu ou une page des organisateurs. Il "
        "protège les formulaires, comme « Signaler une erreur », contre les faux envois. Il est effacé quand "
        "vous fermez votre navigateur.",
        "The site puts a single cookie, when you open the page of a place or an organisers' page. It protects "
        "the forms, such as “Report a mistake”, against fake sending. It is deleted when you close your "
        "browser.",
    ),
    "sp_cookies_organisers": (
        "Les organisateurs qui se connectent utilisent ce même cookie pour rester connectés.",
        "Organisers who log in use this same cookie to stay logged in.",
    ),
    "sp_cookies_none": (
        "Le site ne mesure pas les visites et ne montre pas de publicité. Il n'a pas de cookie "
        "pour cela. Vous n'avez donc rien à accepter.",
        "The site does not measure visits and shows no advertising. It has no cookie for that. "
        "So you have nothing to accept.",
    ),
    "sp_others_title": ("Les autres services utilisés par le site", "Other services the site uses"),
    "sp_others_tiles": (
        "La carte : votre navigateur demande les images de la carte à OpenStreetMap. "
        "OpenStreetMap voit donc votre adresse IP. Leur règle sur les données personnelles :",
        "The map: your browser asks OpenStreetMap for the map images. So OpenStreetMap sees "
        "your IP address. Their rule on personal data:",
    ),
    "sp_others_geocoder": (
        "La recherche par adresse : quand vous écrivez une adresse, notre serveur l'envoie à "
        "la Géoplateforme de l'IGN pour la trouver sur la carte. Il n'envoie pas votre adresse "
        "IP.",
        "Address search: when you type an address, our server sends it to IGN's "
        "Géoplateforme to find it on the map. It does not send your IP address.",
    ),
    "sp_others_near_me": (
        "« Autour de moi » : votre navigateur vous demande d'abord la permission. Votre "
        "position sert seulement à chercher les lieux proches. Le site ne l'écrit dans aucun "
        "fichier.",
        "“Near me”: your browser first asks for your permission. Your position is "
        "used only to look for places nearby. The site does not write it in any file.",
    ),
    "sp_others_logs": (
        "Le programme du site ne tient pas de liste des visites. Le serveur de l'hébergeur peut en "
        "tenir une :",
        "The site's program keeps no list of visits. The host's server may keep one:",
    ),
    "sp_rights_title": ("Vos droits", "Your rights"),
    "sp_rights_what": (
        "Vous pouvez demander à voir, corriger ou effacer ce que le site garde sur vous. Vous "
        "pouvez aussi refuser que ce soit utilisé.",
        "You can ask to see, correct or delete what the site keeps about you. You can also refuse "
        "that it is used.",
    ),
    "sp_rights_how": ("Pour cela, écrivez-nous :", "To do so, write to us:"),
    "sp_dpo": (
        "Délégué à la protection des données (la personne qui veille au respect de vos droits) :",
        "Data protection officer (the person who makes sure your rights are respected):",
    ),
    "sp_rights_cnil": (
        "Pas de réponse, ou la réponse ne vous convient pas ? Vous pouvez vous plaindre à la CNIL. "
        "La CNIL est l'organisme public qui protège les données personnelles :",
        "No answer, or the answer does not suit you? You can complain to the CNIL. The CNIL is the "
        "French public body that protects personal data:",
    ),
}
