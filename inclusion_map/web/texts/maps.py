"""Map controls, legends and the gap map's texts (Leaflet's own texts included)."""

TEXTS: dict[str, tuple[str, str]] = {}
