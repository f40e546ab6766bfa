"""Map controls, legends and the gap map's texts (Leaflet's own texts included)."""

TEXTS: dict[str, tuple[str, str]] = {
    # Leaflet's controls speak English unless told otherwise (WCAG 3.1.2, language of parts).
    "map_zoom_in": ("Zoom avant", "Zoom in"),
    "map_zoom_out": ("Zoom arrière", "Zoom out"),
    "map_leaflet_title": ("Leaflet, une bibliothèque JavaScript de cartes interactives",
                          "Leaflet, a JavaScript library for interactive maps"),
    "map_osm_attribution": ("les contributeurs d'OpenStreetMap", "OpenStreetMap contributors"),
    "map_close_popup": ("Fermer la bulle", "Close the pop-up"),
    "map_layers": ("Couches de la carte", "Map layers"),
    "map_cluster_one": ("1 lieu — agrandir", "1 place — zoom in"),
    "map_cluster_many": ("{n} lieux — agrandir", "{n} places — zoom in"),
    # « Voir <nom de la zone> sur la carte »: the zone's name is read, not shown (the row names it).
    "map_show_before": ("Voir", "Show"),
    "map_show_after": ("sur la carte", "on the map"),
    "map_column": ("Carte", "Map"),
}  # fmt: skip
