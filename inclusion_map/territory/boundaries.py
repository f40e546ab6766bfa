"""Communes, their contours and the territory: the gazetteer the harvest uses to place venues.

Sources (live URL, or a file of the mirror folder):

- ``reference.commune_list``: the INSEE COG list of the ``@etalab/decoupage-administratif``
  package (code, name, département, postcodes, population, former codes);
- ``reference.ept_list`` / ``reference.epci_list``: the groupings and their member communes;
- ``reference.commune_contours``: commune polygons as GeoJSON in WGS84 (properties ``code`` and
  ``nom``); a URL (or, offline, a mirror name) holding ``{dep}`` is read once per département of
  the territory's régions, and a département whose file is missing leaves its communes without
  contour (listed in ``Gazetteer.missing_departements``) while the others are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._http import fetch_resource, load_json_payload
from ..config import Resource, Settings
from ..errors import ConfigError, SourceUnavailable
from ..geo.crs import STORED
from ..progress import console
from ..vocab import fold


@dataclass
class Territory:
    """The communes covered. ``codes`` is ``None`` for the whole of France."""

    name: str
    kind: str
    codes: frozenset[str] | None
    subterritories: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)

    def contains(self, code: str | None) -> bool:
        return self.codes is None or (code is not None and code in self.codes)


@dataclass
class Gazetteer:
    """Communes with names, postcodes, population and (when known) contours, indexed by code.

    ``communes`` is a GeoDataFrame in EPSG:4326 indexed by INSEE code; ``aliases`` maps former
    codes and municipal arrondissements to the current commune code.
    """

    communes: gpd.GeoDataFrame
    aliases: dict[str, str]
    postcodes: dict[str, list[str]]
    territory: Territory
    #: what went wrong with the inputs, for the run's report (e.g. contours from the store)
    notes: list[str] = field(default_factory=list)
    #: départements whose contour file could not be read → the reason (their communes have no contour)
    missing_departements: dict[str, str] = field(default_factory=dict)
    _tree: shapely.STRtree | None = None
    _by_code: dict[str, list[str]] | None = None
    _by_name: dict[str, list[tuple[str, str]]] | None = None

    @property
    def has_contours(self) -> bool:
        return bool(self.communes.geometry.notna().any())

    def current(self, code: str | None) -> str | None:
        """The current commune code for a code (follows mergers and arrondissements)."""
        if code is None:
            return None
        return self.aliases.get(code, code)

    def name(self, code: str | None) -> str | None:
        return self.communes["nom"].get(code) if code else None

    def by_name(self, folded_name: str, departement: str | None = None) -> str | None:
        """The one commune of that (folded) name, in ``departement`` when given; ``None`` if not one."""
        if self._by_name is None:
            names: dict[str, list[tuple[str, str]]] = {}
            for code, nom, dep in zip(self.communes.index, self.communes["nom"], self.communes["departement"],
                                      strict=True):  # fmt: skip
                names.setdefault(fold(nom), []).append((code, str(dep)))
            self._by_name = names
        found = [c for c, d in self._by_name.get(folded_name, []) if departement is None or d == departement]
        return found[0] if len(found) == 1 else None

    def by_postcode(self, postcode: str | None) -> list[str]:
        return self.postcodes.get(postcode or "", [])

    def postcodes_of(self, code: str) -> list[str]:
        """Postcodes that serve commune ``code``."""
        if self._by_code is None:
            self._by_code = {}
            for pc, codes in self.postcodes.items():
                for c in codes:
                    self._by_code.setdefault(c, []).append(pc)
        return self._by_code.get(code, [])

    def centre(self, code: str | None) -> tuple[float, float] | None:
        """A point inside the commune (lon, lat in WGS84), or ``None`` if its contour is unknown."""
        if code not in self.communes.index:
            return None
        geom = self.communes.geometry.get(code)
        if geom is None or geom.is_empty:
            return None
        point = geom.representative_point()
        return point.x, point.y

    def near(self, code: str, lon: float, lat: float, tolerance_deg: float = 0.003) -> bool:
        """True if the point lies within ``tolerance_deg`` degrees (about 200–300 m) of commune ``code``."""
        geom = self.communes.geometry.get(code) if code in self.communes.index else None
        if geom is None or geom.is_empty:
            return False
        return geom.distance(shapely.Point(lon, lat)) <= tolerance_deg

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """INSEE code of the commune containing each WGS84 point (``None`` where none does).

        Vectorised with an STRtree over the contours; boundary points go to the first match.
        """
        out = np.full(len(lon), None, dtype=object)
        has = self.communes.geometry.notna() & ~self.communes.geometry.is_empty
        if not has.any() or len(lon) == 0:
            return out
        shapes = self.communes.geometry[has]
        if self._tree is None:
            self._tree = shapely.STRtree(shapes.values)
        points = shapely.points(lon, lat)
        ok = ~(np.isnan(lon) | np.isnan(lat))
        idx_points, idx_shapes = self._tree.query(points[ok], predicate="within")
        positions = np.flatnonzero(ok)[idx_points]
        codes = shapes.index.to_numpy()[idx_shapes]
        first = ~pd.Series(positions).duplicated().to_numpy()
        out[positions[first]] = codes[first]
        return out


def _load_json(settings: Settings, session, resource: Resource, label: str):
    return load_json_payload(fetch_resource(settings, session, resource.url, resource.mirror, label))


def resolve_territory(settings: Settings, session, commune_list: list[dict]) -> Territory:
    """Turn the ``territory:`` setting into a set of current INSEE codes."""
    t = settings.territory
    if t.kind == "france":
        codes = None
    elif t.kind == "communes":
        codes = frozenset(t.communes)
    elif t.kind in ("departement", "region"):
        codes = frozenset(c["code"] for c in commune_list if c.get(t.kind) == t.code
                          and c.get("type", "commune-actuelle") == "commune-actuelle")  # fmt: skip
    else:
        resource = settings.reference.ept_list if t.kind == "ept" else settings.reference.epci_list
        if resource is None:
            raise ConfigError(f"territory kind '{t.kind}' needs reference.{t.kind}_list in the config")
        groups = _load_json(settings, session, resource, f"{t.kind} list")
        match = [g for g in groups if str(g.get("code")) == t.code]
        if not match:
            raise ConfigError(
                f"territory.code {t.code} is not a known {t.kind.upper()}",
                hint=f"check the SIREN code against {resource.url}",
            )
        codes = frozenset(m["code"] for m in match[0].get("membres", []))
        t = t.model_copy(update={"name": t.name or match[0].get("nom")})
    if codes is not None and not codes:
        raise ConfigError(f"the territory {t.kind} {t.code} has no commune in the commune list")
    subs = {key: (s.name, frozenset(s.communes)) for key, s in t.subterritories.items()}
    for key, (_, sub_codes) in subs.items():
        if codes is not None and not sub_codes <= codes:
            outside = ", ".join(sorted(sub_codes - codes))
            raise ConfigError(f"territory.subterritories.{key}: communes outside the territory: {outside}")
    return Territory(t.name or t.kind, t.kind, codes, subs)


def load_gazetteer(settings: Settings, session, store=None) -> Gazetteer:
    """Load the commune list, resolve the territory and attach contours where available.

    When the contours cannot be fetched, those of the ``communes`` layer already in ``store`` are
    used (the territory's, which is what placing venues needs), and the gazetteer's ``notes`` say so.
    """
    commune_list = _load_json(settings, session, settings.reference.commune_list, "commune list")
    if not isinstance(commune_list, list):
        raise SourceUnavailable("the commune list is not a JSON list of communes")
    territory = resolve_territory(settings, session, commune_list)
    aliases: dict[str, str] = {}
    rows, postcodes = [], {}
    for c in commune_list:
        kind = c.get("type", "commune-actuelle")
        if kind == "commune-actuelle":
            rows.append({"code": c["code"], "nom": c.get("nom"), "departement": c.get("departement"),
                         "region": c.get("region"), "population": c.get("population")})  # fmt: skip
            for old in c.get("anciensCodes") or []:
                aliases.setdefault(old, c["code"])
            for pc in c.get("codesPostaux") or []:
                postcodes.setdefault(pc, []).append(c["code"])
        elif c.get("commune") or c.get("chefLieu"):
            aliases[c["code"]] = c.get("commune") or c.get("chefLieu")
    table = pd.DataFrame(rows).drop_duplicates("code").set_index("code")
    notes: list[str] = []
    missing: dict[str, str] = {}
    contours = _load_contours(settings, session, territory, table, aliases, notes, missing)
    if contours.empty:
        contours = _stored_contours(store, notes)
    communes = gpd.GeoDataFrame(table.join(contours), geometry="geometry", crs=STORED)
    return Gazetteer(communes, aliases, postcodes, territory, notes, missing)


def _stored_contours(store, notes: list[str]) -> gpd.GeoSeries:
    """The contours of the ``communes`` layer of a previous build, when there is one."""
    empty = gpd.GeoSeries(name="geometry", crs=STORED, dtype="geometry")
    if store is None or not (store.exists() and store.has("communes")):
        notes.append("no commune contours at all: venues were placed by their sources' INSEE codes, postcodes "
                     "and commune names")  # fmt: skip
        return empty
    layer = store.read("communes", columns=["code"])
    when = store.meta().get("communes", {}).get("written_at", "an earlier build")
    notes.append(f"used the commune contours already in the store (built {when}) to place the venues")
    return layer.set_index(layer["code"].astype(str)).geometry.rename("geometry")


def departements_of(territory: Territory, table: pd.DataFrame, scope: str = "territory") -> list[str]:
    """The départements whose per-département files a ``{dep}`` resource needs.

    ``scope="territory"``: the départements of the territory's communes (all of them for
    France); ``"region"``: every département of the territory's régions, so that the communes
    around a small territory also get a contour (the finder names the nearest covered commune
    for a place just outside it).
    """
    codes = territory.codes if territory.codes is not None else table.index
    inside = table.loc[table.index.intersection(list(codes))]
    if scope == "region" and territory.codes is not None:
        inside = table[table["region"].isin(inside["region"].dropna().unique())]
    return sorted(inside["departement"].dropna().astype(str).unique())


def resource_parts(resource: Resource, settings: Settings, territory: Territory, table: pd.DataFrame,
                   scope: str = "territory") -> list[tuple[str | None, str, str | None]]:  # fmt: skip
    """The files to read for ``resource``, as ``(département or None, url, mirror name)``.

    A URL holding ``{dep}`` is fetched once per département (see :func:`departements_of`); so is
    a mirror name holding ``{dep}`` in mirror mode (``geo/communes-2018/communes-{dep}.geojson``).
    A resource with neither is one file.
    """
    templated = "{dep}" in (resource.mirror or "") if settings.mirror else "{dep}" in resource.url
    if not templated:
        return [(None, resource.url, resource.mirror)]
    return [(d, resource.url.replace("{dep}", d), (resource.mirror or "").replace("{dep}", d) or None)
            for d in departements_of(territory, table, scope)]  # fmt: skip


def resource_urls(resource: Resource, settings: Settings, territory: Territory, table: pd.DataFrame) -> list[str]:
    """The URLs to fetch for ``resource``: one per département of the territory when it holds ``{dep}``."""
    return [url for _, url, _ in resource_parts(resource, settings, territory, table)]


def fetch_features(settings: Settings, session, resource: Resource, parts: list, label: str,
                   missing: dict[str, str] | None = None) -> list[dict]:  # fmt: skip
    """GeoJSON features of every part (see :func:`resource_parts`; plain URLs are accepted too).

    Parameters
    ----------
    missing : dict, optional
        When given, a per-département file that cannot be read is recorded there
        (``{département: reason}``) and the other départements are still read; the call fails
        only when no file at all could be read.

    Raises
    ------
    SourceUnavailable
        If a file cannot be fetched or is not a GeoJSON FeatureCollection (with ``missing``:
        only when every file failed).
    """
    features: list[dict] = []
    read = 0
    for part in parts:
        dep, url, mirror = part if isinstance(part, tuple) else (None, part, resource.mirror)
        try:
            data = load_json_payload(fetch_resource(settings, session, url, mirror, label))
            if not isinstance(data, dict) or not isinstance(data.get("features"), list):
                raise SourceUnavailable(f"{label}: {mirror if settings.mirror else url} is not a GeoJSON "
                                        "FeatureCollection")  # fmt: skip
        except SourceUnavailable as exc:
            if missing is None or dep is None:
                raise
            missing[dep] = str(exc).splitlines()[0]
            continue
        read += 1
        features.extend(f for f in data["features"] if isinstance(f, dict))
    if parts and not read:
        raise SourceUnavailable(f"{label}: no file could be read ({'; '.join(sorted(set((missing or {}).values())))})")
    return features


def _load_contours(settings: Settings, session, territory: Territory, table: pd.DataFrame,
                   aliases: dict[str, str], notes: list[str],
                   missing: dict[str, str]) -> gpd.GeoSeries:  # fmt: skip
    res = settings.reference.commune_contours
    try:
        parts = resource_parts(res, settings, territory, table, scope="region")
        features = fetch_features(settings, session, res, parts, "commune contours", missing)
        shapes = gpd.GeoDataFrame.from_features(features, crs=STORED)
        shapes = shapes[shapes.geometry.notna()]
        shapes["code"] = shapes["code"].astype(str)
    except (SourceUnavailable, AttributeError, ValueError, KeyError, TypeError) as exc:
        console.print(f"[yellow]commune contours unavailable ({exc})[/]")
        notes.append(f"commune contours unavailable ({str(exc).splitlines()[0]})")
        missing.clear()
        return gpd.GeoSeries(name="geometry", crs=STORED, dtype="geometry")
    if missing:
        # Said, never invented: those départements' communes stay without contour.
        console.print(f"[yellow]commune contours: no file for département(s) {', '.join(missing)}; "
                      "their communes are kept without contour[/]")  # fmt: skip
        notes.append(f"commune contours missing for département(s) {', '.join(missing)}")
    if shapes.empty:
        return gpd.GeoSeries(name="geometry", crs=STORED, dtype="geometry")
    # Contours of an older geography: communes merged since then are dissolved into the new one.
    shapes["code"] = shapes["code"].map(lambda c: aliases.get(c, c))
    shapes = shapes.drop_duplicates(["code", "geometry"])
    merged = shapes["code"].duplicated(keep=False)
    if merged.any():
        dissolved = shapes[merged].dissolve("code")
        shapes = pd.concat([shapes[~merged].set_index("code"), dissolved[["geometry"]]])
    else:
        shapes = shapes.set_index("code")
    return shapes.geometry.rename("geometry")


def groupings(settings: Settings, session) -> pd.DataFrame:
    """EPT and EPCI of each commune (code and name), from the reference lists that are reachable.

    Returns
    -------
    DataFrame indexed by commune code with ``ept``, ``ept_nom``, ``epci``, ``epci_nom`` (missing
    columns when a list is not configured or not reachable).
    """
    frames = []
    for kind in ("ept", "epci"):
        resource = getattr(settings.reference, f"{kind}_list")
        if resource is None:
            continue
        try:
            groups = _load_json(settings, session, resource, f"{kind} list")
        except SourceUnavailable as exc:
            console.print(f"[yellow]{kind.upper()} list unavailable ({exc}); communes keep no {kind.upper()}[/]")
            continue
        rows = [(m.get("code"), g.get("code"), g.get("nom")) for g in groups if isinstance(g, dict)
                for m in g.get("membres", []) if isinstance(m, dict)]  # fmt: skip
        frame = pd.DataFrame(rows, columns=["code", kind, f"{kind}_nom"]).drop_duplicates("code")
        frames.append(frame.set_index("code"))
    return pd.concat(frames, axis=1) if frames else pd.DataFrame()
