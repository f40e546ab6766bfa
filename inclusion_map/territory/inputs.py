"""The inputs of the territory layers, each fetched with a fallback to its last good copy.

Like a venue source, each input (IFN file, IRIS contours, IRIS population, each indicator table)
is kept in the store as ``ref_<name>`` after a successful read. When it is later unreachable or
unusable, the copy is used instead and the build says so: a broken source never empties a layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from .._http import fetch_resource
from ..config import Settings
from ..errors import SourceUnavailable
from ..stores import AnyStore
from .boundaries import Gazetteer, fetch_features, resource_parts
from .fragility import parse_published, parse_values
from .iris import parse_iris_contours
from .tables import Problems


@dataclass
class InputStatus:
    """What happened to one input: ``ok``, ``previous`` (last good copy used), ``failed`` or ``absent``."""

    name: str
    title: str
    status: str
    rows: int = 0
    message: str = ""
    origin: str = ""
    published: str = ""
    licence: str = ""
    vintage: str = ""


@dataclass
class Inputs:
    """The parsed inputs, the copies to save, and the status of each."""

    ifn: pd.DataFrame | None = None
    iris_contours: gpd.GeoDataFrame | None = None
    iris_population: pd.Series | None = None
    indicators: dict[str, pd.Series] = field(default_factory=dict)
    statuses: list[InputStatus] = field(default_factory=list)
    to_save: dict[str, pd.DataFrame] = field(default_factory=dict)


def _with_fallback(name: str, title: str, load: Callable[[], tuple[pd.DataFrame, object]],
                   store: AnyStore, inputs: Inputs, meta: dict) -> pd.DataFrame | None:  # fmt: skip
    """Run ``load``; on failure use ``ref_<name>`` from the store. Returns the table or ``None``."""
    layer = f"ref_{name}"
    try:
        table, payload = load()
    except SourceUnavailable as exc:
        if store.exists() and store.has(layer):
            previous = store.read(layer)
            when = store.meta().get(layer, {}).get("written_at", "an earlier build")
            inputs.statuses.append(InputStatus(name, title, "previous", len(previous),
                                               f"{exc}; using the copy from {when}", **meta))  # fmt: skip
            return previous
        inputs.statuses.append(InputStatus(name, title, "failed", 0, str(exc), **meta))
        return None
    origin = getattr(payload, "origin", "") if payload is not None else ""
    published = getattr(payload, "published", None)
    inputs.statuses.append(InputStatus(name, title, "ok", len(table), "", origin,
                                       published.isoformat() if published else "", **meta))  # fmt: skip
    inputs.to_save[layer] = table
    return table


def _series(table: pd.DataFrame | None) -> pd.Series | None:
    if table is None or table.empty:
        return None
    return pd.Series(table["value"].to_numpy(dtype=float), index=table["code"].astype(str).to_numpy())


def load_inputs(settings: Settings, session, gazetteer: Gazetteer, store: AnyStore,
                problems: Problems) -> Inputs:  # fmt: skip
    """Fetch and parse every configured input of the territory layers (see the module docstring)."""
    cfg = settings.fragility
    inputs = Inputs()
    territory = gazetteer.territory

    if cfg.published is not None:
        pub = cfg.published

        def load_ifn():
            payload = fetch_resource(settings, session, pub.url, pub.mirror, "IFN file")
            header = None
            if pub.header_url and not settings.mirror:
                header = fetch_resource(settings, session, pub.header_url, None, "IFN header").content.decode(
                    "utf-8-sig")  # fmt: skip
            return parse_published(payload, pub, problems, header=header).reset_index(), payload

        meta = {"licence": pub.licence, "vintage": pub.vintage}
        table = _with_fallback("ifn", pub.title, load_ifn, store, inputs, meta)
        if table is not None and not table.empty:
            inputs.ifn = table.set_index("code_iris")

    res = settings.reference.iris_contours
    if res is not None:
        def load_iris():
            parts = resource_parts(res, settings, territory, gazetteer.communes)
            features = fetch_features(settings, session, res, parts, "IRIS contours")
            frame = parse_iris_contours(features, problems, territory.codes, gazetteer.current)
            if frame.empty:
                raise SourceUnavailable("IRIS contours: no valid IRIS of the territory in the file")
            return frame.reset_index(), None

        meta = {"licence": res.licence, "vintage": res.vintage or ""}
        table = _with_fallback("iris_contours", res.title or "Contours IRIS", load_iris, store, inputs, meta)
        if table is None:
            inputs.statuses[-1].message += " — so the layers are built per commune"
        if table is not None and not table.empty:
            table = gpd.GeoDataFrame(table, geometry="geometry", crs=4326)
            if territory.codes is not None:
                table = table[table["insee_com"].isin(territory.codes)]
            inputs.iris_contours = table.set_index("code_iris") if len(table) else None
    else:
        inputs.statuses.append(InputStatus("iris_contours", "Contours IRIS", "absent", 0,
                                           "no reference.iris_contours in the config: commune level only"))  # fmt: skip

    pop = cfg.iris_population
    if pop is not None:
        def load_pop():
            payload = fetch_resource(settings, session, pop.url, pop.mirror, "IRIS population")
            values = parse_values(payload, "iris population", pop.code_column, pop.value_column, "iris", problems)
            zero = values[values <= 0]
            for code in zero.index:
                problems.add("iris population", "population is zero; the IRIS weighs nothing", code=code,
                             field=pop.value_column, value=str(zero[code]), action="weight 0")  # fmt: skip
            return pd.DataFrame({"code": values.index, "value": values.to_numpy()}), payload

        table = _with_fallback("iris_population", "Population des IRIS", load_pop, store, inputs,
                               {"vintage": pop.vintage})  # fmt: skip
        inputs.iris_population = _series(table)

    for name, ind in cfg.indicators.items():
        def load_indicator(name=name, ind=ind):
            payload = fetch_resource(settings, session, ind.url, ind.mirror, f"indicator {name}")
            values = parse_values(payload, f"indicator {name}", ind.code_column, ind.value_column, ind.level,
                                  problems)  # fmt: skip
            if values.empty:
                raise SourceUnavailable(f"indicator {name}: no valid row in the table")
            return pd.DataFrame({"code": values.index, "value": values.to_numpy()}), payload

        table = _with_fallback(f"indicator_{name}", ind.label, load_indicator, store, inputs,
                               {"licence": ind.licence, "vintage": ind.vintage})  # fmt: skip
        series = _series(table)
        if series is not None:
            inputs.indicators[name] = series
    return inputs
