"""``python run.py build``: write the ``communes`` (and, with IRIS contours, ``iris``) layers.

Fetch the inputs (each falling back to its last good copy), assemble the zones, then write the
layers, the input copies and the build history in one store transaction. A layer with no valid
row is not written, so the previous one stays. Row-level problems go to the report files and to
the ``build_problems`` table.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd

from .. import __version__
from .._http import make_session
from ..config import Settings
from ..progress import track
from ..stores import open_store
from .boundaries import groupings, load_gazetteer
from .classify import METHOD_TITLES
from .fragility import AXIS_TITLES
from .inputs import InputStatus, load_inputs
from .tables import Problems
from .zones import build_zones

AGGREGATION = ("IRIS → commune : moyenne des scores des IRIS de la commune, pondérée par la population des IRIS "
               "si elle est fournie ; sinon moyenne simple des IRIS résidentiels (habitat, commune non découpée), "
               "les IRIS d'activité et divers comptant pour 0.")  # fmt: skip


@dataclass
class BuildReport:
    run_id: str
    started_at: str
    territory: str
    level: str = "commune"
    #: the communes analysed through their IRIS (``iris``) and as whole communes (``commune``)
    levels: dict[str, list[str]] = field(default_factory=dict)
    finished_at: str = ""
    layers: dict[str, int] = field(default_factory=dict)
    kept_previous: list[str] = field(default_factory=list)
    inputs: list[InputStatus] = field(default_factory=list)
    problems: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: dict[str, str] = field(default_factory=dict)
    #: Spearman agreement of the computed index with the published IFN (see zones.computed_agreement)
    agreement: dict | None = None
    #: per commune-level indicator: rows, codes matched as current, as former codes, unknown
    indicator_codes: dict[str, dict] = field(default_factory=dict)
    #: départements whose commune contour file was missing → reason
    missing_departements: dict[str, str] = field(default_factory=dict)


def territory_summary(communes: pd.DataFrame, territory) -> pd.DataFrame:
    """Communes, population and population-weighted fragility of the territory and each sub-territory."""
    rows = []
    selections = [(territory.name, communes)]
    for key, (name, codes) in territory.subterritories.items():
        selections.append((f"{name} [{key}]", communes[communes.index.isin(codes)]))
    for name, frame in selections:
        pop = frame["population"].astype(float)
        score = frame["fragility"].astype(float)
        w = pop.where(score.notna(), 0).fillna(0)
        rows.append({"zone": name, "communes": len(frame), "population": int(pop.fillna(0).sum()),
                     "fragility": round(float((score.fillna(0) * w).sum() / w.sum()), 1) if w.sum() else None})  # fmt: skip
    return pd.DataFrame(rows)


def _sources_meta(settings: Settings, statuses: list[InputStatus]) -> list[dict]:
    ref = settings.reference
    out = [{"name": "commune_list", "title": ref.commune_list.title or "Communes (COG INSEE)",
            "publisher": ref.commune_list.publisher, "licence": ref.commune_list.licence,
            "vintage": ref.commune_list.vintage},
           {"name": "commune_contours", "title": ref.commune_contours.title or "Contours des communes",
            "publisher": ref.commune_contours.publisher, "licence": ref.commune_contours.licence,
            "vintage": ref.commune_contours.vintage}]  # fmt: skip
    out += [{k: v for k, v in asdict(s).items() if k != "rows"} for s in statuses if s.status != "absent"]
    return out


def _layer_meta(settings: Settings, kind: str, info: dict, report: BuildReport, sources: list[dict],
                territory) -> dict:  # fmt: skip
    cfg = settings.fragility
    part = info[kind]
    return {
        "title": "Communes du territoire" if kind == "communes" else "IRIS du territoire",
        "level": "commune" if kind == "communes" else "iris",
        "territory": report.territory,
        "built_at": report.started_at,
        "run_id": report.run_id,
        "version": __version__,
        "licence": "Licence Ouverte 2.0",
        "sources": sources,
        "fragility": {
            "score_column": part["score"],
            "description": part["score_description"],
            "classes_method": cfg.classes,
            "classes_note": f"Classes relatives aux zones du territoire : {METHOD_TITLES[cfg.classes]}. "
                            "La lecture en base 100 (fragility_reading) situe chaque zone par rapport à la moyenne "
                            "de référence.",
            "classes": part["classes"],
            "axes": AXIS_TITLES,
            "published_reference": cfg.published.reference if cfg.published else None,
            "aggregation": AGGREGATION if kind == "communes" else None,
            "computed": {"method": cfg.method, "reference": cfg.reference, "columns": part["computed_columns"],
                         "indicators": {n: i.model_dump(exclude={"url", "mirror"}) for n, i in cfg.indicators.items()},
                         "families": {n: f.model_dump() for n, f in cfg.families.items()},
                         "indicator_codes": part.get("indicator_codes") or {}},
            # Spearman rank correlation of the computed index with the published IFN, per département.
            "agreement": part.get("agreement"),
            "method_doc": "README.md, section « Fragilité numérique »",
        },
        "subterritories": {k: {"name": n, "communes": sorted(c)} for k, (n, c) in territory.subterritories.items()},
        # The level of the gap analysis's zones (iris, commune or mixed) and which communes are at which.
        "zones_level": report.level,
        "zones_levels": report.levels if report.level == "mixed" else {},
        "population_basis": ("population légale de la commune" if kind == "communes" else
                             "par IRIS : colonne population_basis"),
    }


PLACE_NAMES = "ref_place_names"  # read by the finder (inclusion_map.web.places)


def place_names(gazetteer) -> pd.DataFrame:
    """One row per current commune of the reference list: code, nom, departement, codes_postaux
    (joined by ``|``), ``lon``/``lat`` of a point inside its contour (WGS84 degrees, empty when no
    contour was loaded for it) and ``in_territory``."""
    communes = gazetteer.communes
    by_commune: dict[str, list[str]] = {}
    for postcode, codes in gazetteer.postcodes.items():
        for code in codes:
            by_commune.setdefault(code, []).append(postcode)
    has_shape = communes.geometry.notna() & ~communes.geometry.is_empty
    points = communes.geometry[has_shape].representative_point()
    territory = gazetteer.territory
    return pd.DataFrame({
        "code": communes.index.astype(str),
        "nom": communes["nom"].astype(str).to_numpy(),
        "departement": communes["departement"].astype("string").to_numpy(),
        "codes_postaux": ["|".join(sorted(by_commune.get(c, []))) for c in communes.index],
        "lon": points.x.reindex(communes.index).to_numpy(),
        "lat": points.y.reindex(communes.index).to_numpy(),
        "in_territory": [territory.contains(c) for c in communes.index],
    })  # fmt: skip


def run_build(settings: Settings, session=None) -> BuildReport:
    """Build the territory layers from the configured sources (or the mirror folder)."""
    session = session or make_session(settings.http)
    store = open_store(settings.store_location)
    started = datetime.now(UTC)
    problems = Problems()
    steps = iter(track(range(4), "Building territory layers", total=4))
    next(steps, None)
    gazetteer = load_gazetteer(settings, session)
    territory = gazetteer.territory
    report = BuildReport(uuid.uuid4().hex[:12], started.isoformat(timespec="seconds"), territory.name)
    groups = groupings(settings, session)
    next(steps, None)
    inputs = load_inputs(settings, session, gazetteer, store, problems)
    next(steps, None)
    previous = store.read("communes") if store.exists() and store.has("communes") else None
    communes, iris, info = build_zones(gazetteer, groups, inputs, settings, previous, problems)
    next(steps, None)
    report.inputs = inputs.statuses
    report.level = info["level"]
    report.levels = info["levels"]
    report.agreement = info["communes"].get("agreement")
    report.indicator_codes = info["communes"].get("indicator_codes") or {}
    report.missing_departements = dict(gazetteer.missing_departements)
    sources = _sources_meta(settings, inputs.statuses)

    with store.transaction() as tx:
        valid = communes[communes.geometry.notna() & ~communes.geometry.is_empty]
        if len(valid):
            tx.write("communes", communes.reset_index(), _layer_meta(settings, "communes", info, report, sources,
                                                                    territory))  # fmt: skip
            report.layers["communes"] = len(communes)
        else:
            report.kept_previous.append("communes")
            problems.add("build", "no commune with a contour: the previous communes layer is kept",
                         action="layer not written")  # fmt: skip
        if iris is not None and len(iris):
            tx.write("iris", iris.reset_index(), _layer_meta(settings, "iris", info, report, sources, territory))
            report.layers["iris"] = len(iris)
        elif settings.reference.iris_contours is not None and store.exists() and store.has("iris"):
            report.kept_previous.append("iris")
        # Every commune of the reference list, in the territory or not, for the finder to answer
        # « Paris n'est pas dans le territoire couvert » and name the nearest covered commune.
        tx.write(PLACE_NAMES, place_names(gazetteer), {"title": "names of the reference list's communes",
                                                       "internal": True})  # fmt: skip
        for layer, table in inputs.to_save.items():
            frame = gpd.GeoDataFrame(table, geometry="geometry", crs=4326) if "geometry" in table else table
            tx.write(layer, frame, {"title": f"last good copy of {layer[4:]}", "internal": True})
        report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        report.problems = problems.frame()
        tx.append("build_runs", [{"run_id": report.run_id, "started_at": report.started_at,
                                  "finished_at": report.finished_at, "territory": report.territory,
                                  "level": report.level, "layers": ", ".join(report.layers),
                                  "problems": len(report.problems)}])  # fmt: skip
        tx.append("build_problems", report.problems.assign(run_id=report.run_id).astype(
            {"line": "float", "value": "object"}).to_dict("records"))  # fmt: skip
    report.summary = territory_summary(communes, territory)
    from .build_report import print_agreement, write_build_files

    print_agreement(report)

    report.files = write_build_files(settings, report)
    return report
